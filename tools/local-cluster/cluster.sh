#!/usr/bin/env bash
# A real local Kubernetes cluster without Docker: upstream etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and a kwok controller, started by kwokctl's binary
# runtime from binaries build.sh compiled, bound to 127.0.0.1 only; then, by default, a real node
# (node.sh: containerd, CNI, kubelet, kube-proxy, kube-router, CoreDNS) and any kwok fake nodes.
#
#   cluster.sh up          build what is missing, start the cluster and its nodes, wait ready
#   cluster.sh down        stop every process the cluster started and remove its state
#   cluster.sh kubeconfig  print the kubeconfig path (nothing else)
#   cluster.sh status      exit 0 when the API server answers /readyz
#
# Environment:
#   LINKOPS_CLUSTER_NAME     kwokctl cluster name (default linkops)
#   LINKOPS_APISERVER_PORT   fixed kube-apiserver port (default 6443; keep it outside 10001-32767)
#   LINKOPS_REAL_NODE        1 (default): start the real node (root only; one per machine); 0: none
#   LINKOPS_FAKE_NODES       number of kwok fake nodes (default 0 beside a real node, else 2); the
#                            kwok controller manages only these, never the real node
#   LINKOPS_CACHE_DIR        where binaries and cluster state live (default ~/.cache/linkops-k8s-platform)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
source "$here/network.env"

cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"
cluster_name="${LINKOPS_CLUSTER_NAME:-linkops}"
apiserver_port="${LINKOPS_APISERVER_PORT:-6443}"
real_node="${LINKOPS_REAL_NODE:-1}"
if [[ "$real_node" == 1 ]]; then
  fake_nodes="${LINKOPS_FAKE_NODES:-0}"
  # The `kubernetes` Service's endpoint: pods reach the API server at the node's address.
  advertise_address="$NODE_IP"
else
  fake_nodes="${LINKOPS_FAKE_NODES:-2}"
  advertise_address=127.0.0.1
fi
export KWOK_WORKDIR="$cache_dir/kwok"
cluster_dir="$KWOK_WORKDIR/clusters/$cluster_name"
kubeconfig="$cluster_dir/kubeconfig.yaml"

log() { echo "[local-cluster] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bin_dir() { bash "$here/build.sh" --print; }

kubectl_local() { "$(bin_dir)/kubectl" --kubeconfig "$kubeconfig" "$@"; }

is_ready() {
  [[ -f "$kubeconfig" ]] && kubectl_local get --raw /readyz >/dev/null 2>&1
}

port_taken() {
  # /proc/net/tcp lists listening sockets (state 0A) with the port in hex.
  local hex
  hex="$(printf '%04X' "$1")"
  grep -qiE "^ *[0-9]+: [0-9A-F]+:${hex} [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

dump_logs() {
  local component
  for component in etcd kube-apiserver kube-controller-manager kube-scheduler kwok-controller; do
    if [[ -f "$cluster_dir/logs/$component.log" ]]; then
      log "---- last lines of $component.log ----"
      tail -n 25 "$cluster_dir/logs/$component.log" >&2 || true
    fi
  done
}

write_config() {
  local bins="$1"
  mkdir -p "$cache_dir"
  cat >"$cache_dir/kwokctl-$cluster_name.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: $K8S_VERSION
  bindAddress: 127.0.0.1
  kubeApiserverPort: $apiserver_port
  kubeAuthorization: true
  kubeAdmission: true
  kubeApiserverBinary: $bins/kube-apiserver
  kubeControllerManagerBinary: $bins/kube-controller-manager
  kubeSchedulerBinary: $bins/kube-scheduler
  kwokControllerBinary: $bins/kwok
  etcdBinary: $bins/etcd
  kubectlBinary: $bins/kubectl
  # In-cluster clients dial the kubernetes Service's IP, and the node's address.
  kubeApiserverCertSANs: ["$KUBERNETES_SERVICE_IP", "$NODE_IP", kubernetes.default.svc.$CLUSTER_DOMAIN]
EOF
}

wait_ready() {
  local deadline=$((SECONDS + ${1:-90}))
  until is_ready; do
    if ((SECONDS > deadline)); then
      return 1
    fi
    sleep 1
  done
}

add_fake_nodes() {
  local i name
  ((fake_nodes > 0)) || return 0
  for ((i = 0; i < fake_nodes; i++)); do
    name="kwok-node-$i"
    kubectl_local apply --server-side --field-manager=linkops-local-cluster -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
    type: kwok
    topology.kubernetes.io/zone: zone-$((i % 2))
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake}
  phase: Running
EOF
  done
  if ! kubectl_local wait --for=condition=Ready node -l type=kwok --timeout=60s >/dev/null; then
    dump_logs
    die "the kwok fake nodes did not become Ready"
  fi
}

wait_default_service_account() {
  local deadline=$((SECONDS + 60))
  until kubectl_local -n default get serviceaccount default >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      dump_logs
      die "kube-controller-manager did not create the default ServiceAccount within 60s"
    fi
    sleep 1
  done
}

cmd_up() {
  if is_ready; then
    log "cluster '$cluster_name' already up: $kubeconfig"
    add_fake_nodes
    if [[ "$real_node" == 1 ]] && ! bash "$here/node.sh" running "$cluster_dir"; then
      bash "$here/node.sh" up "$cluster_dir"
    fi
    echo "$kubeconfig"
    return 0
  fi
  local bins
  bins="$(bash "$here/build.sh")"
  if [[ -d "$cluster_dir" ]]; then
    log "removing state of a cluster '$cluster_name' that is not answering"
    cmd_down
  fi
  if port_taken "$apiserver_port"; then
    die "port $apiserver_port (kube-apiserver) is already in use: stop what listens there or set LINKOPS_APISERVER_PORT"
  fi
  grep -qE '^127\.0\.0\.1[[:space:]].*\blocalhost\b' /etc/hosts 2>/dev/null ||
    log "warning: /etc/hosts does not map localhost to 127.0.0.1; components may not reach each other"
  write_config "$bins"
  log "starting cluster '$cluster_name' (Kubernetes $K8S_VERSION) on 127.0.0.1:$apiserver_port"
  # kwokctl looks for kubectl on PATH before its config.
  # kwokctl v0.8.0 indexes its per-component patches by the position of a component's first
  # --extra-args: each component's first argument must come in the order of first appearance.
  if ! PATH="$bins:$PATH" "$bins/kwokctl" create cluster \
    --name "$cluster_name" \
    --config "$cache_dir/kwokctl-$cluster_name.yaml" \
    --kubeconfig "" \
    --extra-args "kube-apiserver=advertise-address=$advertise_address" \
    --extra-args "kube-controller-manager=use-service-account-credentials=true" \
    --extra-args "kwok-controller=manage-all-nodes=false" \
    --extra-args "kube-apiserver=service-cluster-ip-range=$SERVICE_CIDR" \
    --extra-args "kube-apiserver=kubelet-preferred-address-types=InternalIP,Hostname" \
    --extra-args "kube-apiserver=kubelet-client-certificate=$cluster_dir/pki/admin.crt" \
    --extra-args "kube-apiserver=kubelet-client-key=$cluster_dir/pki/admin.key" \
    --extra-args "kube-controller-manager=service-cluster-ip-range=$SERVICE_CIDR" \
    --extra-args "kwok-controller=manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake" \
    --wait 90s >"$cache_dir/kwokctl-create-$cluster_name.log" 2>&1; then
    cat "$cache_dir/kwokctl-create-$cluster_name.log" >&2
    dump_logs
    die "kwokctl could not create the cluster (log above)"
  fi
  # kwokctl exits 0 even when the cluster never became ready, so check ourselves.
  if ! wait_ready 90; then
    cat "$cache_dir/kwokctl-create-$cluster_name.log" >&2
    dump_logs
    die "kube-apiserver did not answer /readyz within 90s"
  fi
  add_fake_nodes
  wait_default_service_account
  if [[ "$real_node" == 1 ]]; then
    bash "$here/node.sh" up "$cluster_dir"
  fi
  log "ready: KUBECONFIG=$kubeconfig"
  echo "$kubeconfig"
}

cmd_down() {
  local bins pid_file pid pids=()
  bins="$(bin_dir)"
  # The real node first, while its pods' sandboxes can still be torn down.
  if bash "$here/node.sh" running "$cluster_dir"; then
    bash "$here/node.sh" down
  fi
  # Read the pids first: kwokctl removes the pid files as it stops the components.
  if [[ -d "$cluster_dir/pids" ]]; then
    for pid_file in "$cluster_dir"/pids/*.pid; do
      [[ -f "$pid_file" ]] && pids+=("$(cat "$pid_file")")
    done
  fi
  if [[ -x "$bins/kwokctl" && -d "$cluster_dir" ]]; then
    PATH="$bins:$PATH" "$bins/kwokctl" delete cluster --name "$cluster_name" >/dev/null 2>&1 || true
  fi
  # Whatever is still running: TERM, wait up to 10 s, then KILL.
  for pid in "${pids[@]}"; do
    alive "$pid" && kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 20); do
      alive "$pid" || break
      sleep 0.5
    done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$cluster_dir"
  log "cluster '$cluster_name' stopped and its state removed"
}

# A process of this cluster (its command line names the cluster's directory: a pid file left by a
# machine restart may now belong to something else) that is not a zombie waiting to be reaped.
alive() {
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$cluster_dir" &&
    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  kubeconfig) echo "$kubeconfig" ;;
  status) is_ready ;;
  *) echo "usage: $0 up|down|kubeconfig|status" >&2; exit 2 ;;
esac
