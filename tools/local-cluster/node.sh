#!/usr/bin/env bash
# The local cluster's real node: containerd and runc, the bridge CNI, kubelet, kube-proxy,
# kube-router (NetworkPolicy enforcement only), the cluster DNS (CoreDNS in kube-system) and two
# resolvers on this machine that stand for the world outside. cluster.sh calls it; one real node
# per machine (kubelet's ports, iptables, the cni0 bridge are machine-wide).
#
#   node.sh up CLUSTER_DIR       start the node for the kwokctl cluster in CLUSTER_DIR
#   node.sh down                 stop everything the node started and remove what it left
#   node.sh running CLUSTER_DIR  exit 0 when this machine's real node belongs to that cluster
#   node.sh leftovers            list what a stopped node left behind (exit 1 if anything)
#   node.sh images               import the images (the platform's when built) into the running node
#
# Runs as root (network interfaces, iptables, mounts, cgroups). Every address is on this machine
# (network.env); pods have no route off it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
source "$here/network.env"

cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"
state="$cache_dir/node"
run="$state/run"
image_dir="$cache_dir/images"
sock="$run/containerd/containerd.sock"
cni_bin_dir=/usr/lib/cni
# Machine-wide paths kubelet and containerd use whatever their root directories are: the node
# removes those it created (listed in $state/created-paths).
shared_paths=(/var/lib/kubelet /var/log/pods /var/log/containers /run/containerd)

log() { echo "[local-node] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
bins() { bash "$here/build.sh" --print; }

# ---------------------------------------------------------------------------------------------
# processes: started detached, one pid file each, log under $state/logs
start() {
  local name="$1"
  shift
  mkdir -p "$state/logs" "$state/pids"
  setsid nohup "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$state/pids/$name.pid"
}

stop() {
  local name="$1" pid_file="$state/pids/$1.pid" pid
  [[ -f "$pid_file" ]] || return 0
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

running() { [[ -f "$state/pids/$1.pid" ]] && kill -0 "$(cat "$state/pids/$1.pid")" 2>/dev/null; }

wait_for() {
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "---- last lines of the node's logs ----"
      tail -n 15 "$state"/logs/*.log >&2 2>/dev/null || true
      die "$what not ready within ${seconds}s"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# network: an interface of its own for the node's addresses (a bridge without ports: some kernels
# lack the dummy driver); pods reach the pod range, the node and nothing else (policy routing
# answers "unreachable" for any other destination).
network_up() {
  sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 >/dev/null
  ip link show "$NODE_INTERFACE" >/dev/null 2>&1 || ip link add "$NODE_INTERFACE" type bridge
  ip link set "$NODE_INTERFACE" up
  local address
  for address in "$NODE_IP/${NODE_CIDR#*/}" "$UPSTREAM_RESOLVER_IP/32" "$STUB_RESOLVER_IP/32" "$INGRESS_IP/32" "$ACME_IP/32"; do
    ip addr replace "$address" dev "$NODE_INTERFACE"
  done
  routing_rules_down
  ip rule add pref "$ROUTING_RULE_PREF" from "$POD_CIDR" to "$POD_CIDR" lookup main
  ip rule add pref "$((ROUTING_RULE_PREF + 1))" from "$POD_CIDR" to "$NODE_CIDR" lookup main
  ip rule add pref "$((ROUTING_RULE_PREF + 9))" from "$POD_CIDR" unreachable
}

routing_rules_down() {
  local pref
  for pref in "$ROUTING_RULE_PREF" "$((ROUTING_RULE_PREF + 1))" "$((ROUTING_RULE_PREF + 9))"; do
    while ip rule del pref "$pref" 2>/dev/null; do :; done
  done
}

# ---------------------------------------------------------------------------------------------
# certificates: client certificates signed by the cluster's CA (kwokctl's pki), so the node's
# components authenticate like a kubeadm node's (system:node:NAME, system:kube-proxy).
client_kubeconfig() {
  local name="$1" cn="$2" org="$3" pki="$cluster_dir/pki" out="$run/$1"
  mkdir -p "$out"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$out/client.key" -subj "/O=$org/CN=$cn" -out "$out/client.csr" 2>/dev/null
  openssl x509 -req -in "$out/client.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -out "$out/client.crt" 2>/dev/null
  cat >"$out/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {certificate-authority: $pki/ca.crt, server: "$(api_server_url)"}
users:
- name: $cn
  user: {client-certificate: $out/client.crt, client-key: $out/client.key}
contexts:
- name: local
  context: {cluster: local, user: "$cn"}
current-context: local
EOF
}

api_server_url() { sed -n 's/^[[:space:]]*server:[[:space:]]*//p' "$cluster_dir/kubeconfig.yaml" | head -n 1; }
api_server_port() { local url; url="$(api_server_url)"; echo "${url##*:}"; }

kubectl_admin() { "$(bins)/kubectl" --kubeconfig "$cluster_dir/kubeconfig.yaml" "$@"; }

# ---------------------------------------------------------------------------------------------
# images: OCI archives made from the static binaries, cached by content of their inputs
image_archive() {
  local name="$1" entrypoint="$2"
  shift 2
  # Keyed by the arguments and the content of every file that goes in.
  local key arg file
  key="$(for arg in "$name" "$entrypoint" "$@"; do
    echo "$arg"
    if [[ "$arg" == --file=* ]]; then
      file="${arg#--file=}"
      sha256sum "${file%:*}" | cut -d' ' -f1
    fi
  done | sha256sum | cut -c1-16)"
  local archive
  archive="$image_dir/$(echo "$name" | tr '/:' '__')-$key.tar"
  if [[ ! -f "$archive" ]]; then
    mkdir -p "$image_dir"
    python3 "$here/oci_image.py" "$archive" --name "$name" --entrypoint "$entrypoint" "$@"
  fi
  echo "$archive"
}

# --file arguments for programs of this machine and the shared libraries they load (ldd).
with_libraries() {
  local program library
  for program in "$@"; do
    echo "--file=$program:$program"
    for library in $(ldd "$program" | grep -oE '/[^ ]+\.so[^ ]*'); do
      echo "--file=$(readlink -f "$library"):$library"
    done
  done | sort -u
}

# The platform's images (the official Traefik and cert-manager charts), when build.sh platform has
# built their binaries: a node starts without them, saying which are missing. Static binaries, the
# CA bundle of this machine and a /tmp, like upstream's distroless-style images. The charts pass
# arguments only, so the entrypoint's path is the image's own choice.
platform_images() {
  local p name missing=()
  p="$(bash "$here/build.sh" --print-platform)"
  local base=(--file=/etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt --dir=/tmp:1777)
  if [[ -x "$p/traefik" ]]; then
    # Upstream's image runs as root; the chart sets runAsUser 65532 itself.
    image_archive "$TRAEFIK_IMAGE_REPOSITORY:$TRAEFIK_VERSION" '["/traefik"]' --file="$p/traefik:/traefik" "${base[@]}" || return 1
  else
    missing+=("$TRAEFIK_IMAGE_REPOSITORY:$TRAEFIK_VERSION")
  fi
  for name in controller webhook cainjector acmesolver startupapicheck; do
    if [[ -x "$p/cert-manager-$name" ]]; then
      # The chart (and the controller, for its HTTP-01 solver pods) asks for runAsNonRoot without
      # a user: the image names a numeric one (65532, distroless' nonroot).
      image_archive "$CERT_MANAGER_IMAGE_PREFIX$name:$CERT_MANAGER_VERSION" "[\"/$name\"]" \
        --file="$p/cert-manager-$name:/$name" --user=65532 "${base[@]}" || return 1
    else
      missing+=("$CERT_MANAGER_IMAGE_PREFIX$name:$CERT_MANAGER_VERSION")
    fi
  done
  if ((${#missing[@]})); then
    log "not imported, their binaries are not built (build.sh platform): ${missing[*]}"
  fi
}

images_up() {
  local b applet agnhost_files=()
  b="$(bins)"
  # Upstream's agnhost image is Alpine with its shell tools (busybox, getent, netcat, nslookup):
  # the probes use those, so the local image carries the same programs, from Debian's packages.
  mapfile -t agnhost_files < <(with_libraries /bin/busybox /usr/bin/getent /bin/nc.openbsd)
  agnhost_files+=(--file="$b/agnhost:/agnhost" --file="$here/image-nsswitch.conf:/etc/nsswitch.conf"
    --symlink=/bin/nc:/bin/nc.openbsd --dir=/tmp:1777 --dir=/uploads:1777)
  for applet in sh nslookup wget timeout cat ls echo sleep hostname env; do
    agnhost_files+=(--symlink="/bin/$applet:/bin/busybox")
  done
  local archives=(
    "$(image_archive "$AGNHOST_IMAGE" '["/agnhost"]' "${agnhost_files[@]}")"
    "$(image_archive "$PAUSE_IMAGE" '["/agnhost","pause"]' "${agnhost_files[@]}")"
    "$(image_archive "$COREDNS_IMAGE" '["/coredns"]' --file="$b/coredns:/coredns" --dir=/tmp:1777)"
  )
  local platform_list platform_archives=()
  platform_list="$(platform_images)"
  [[ -z "$platform_list" ]] || mapfile -t platform_archives <<<"$platform_list"
  archives+=("${platform_archives[@]}")
  local archive
  for archive in "${archives[@]}"; do
    ctr --address "$sock" -n k8s.io images import --no-unpack "$archive" >/dev/null
  done
}

# ---------------------------------------------------------------------------------------------
containerd_up() {
  mkdir -p "$run/containerd" "$run/cni/net.d" "$run/cni/ipam"
  cat >"$run/containerd/config.toml" <<EOF
version = 2
root = "$run/containerd/root"
state = "$run/containerd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  # Lowering oom_score_adj needs CAP_SYS_RESOURCE, which some VMs withhold even from root.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin_dir"
    conf_dir = "$run/cni/net.d"
    max_conf_num = 1
EOF
  # No firewall plugin: its blanket ACCEPT for pod addresses would sit beside the policy rules.
  cat >"$run/cni/net.d/10-linkops.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "linkops", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "$run/cni/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  start containerd containerd --config "$run/containerd/config.toml"
  wait_for "containerd" 30 ctr --address "$sock" version
}

kubelet_up() {
  client_kubeconfig kubelet "system:node:$NODE_NAME" system:nodes
  mkdir -p "$run/kubelet/root"
  echo "nameserver $UPSTREAM_RESOLVER_IP" >"$run/kubelet/resolv.conf"
  cat >"$run/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# Many CI machines still run cgroup v1, which kubelet 1.35 refuses unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$sock
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $cluster_dir/pki/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$CLUSTER_DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $run/kubelet/resolv.conf
maxPods: 60
failSwapOn: false
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
# The imported images cannot be pulled again: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
EOF
  start kubelet "$(bins)/kubelet" --config="$run/kubelet/config.yaml" --kubeconfig="$run/kubelet/kubeconfig" \
    --root-dir="$run/kubelet/root" --cert-dir="$run/kubelet/pki" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" --node-labels="linkops.io/node=real" --v=1
  wait_for "kubelet (node $NODE_NAME Ready)" 90 kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
}

kube_proxy_up() {
  client_kubeconfig kube-proxy system:kube-proxy system:node-proxier
  cat >"$run/kube-proxy/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ${LINKOPS_PROXY_MODE:-iptables}
clientConnection: {kubeconfig: $run/kube-proxy/kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
# NodePorts on the node's own interface only, never on the machine's uplink.
nodePortAddresses: ["$NODE_CIDR"]
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack: {maxPerCore: 0}
EOF
  start kube-proxy "$(bins)/kube-proxy" --config="$run/kube-proxy/config.yaml"
  wait_for "kube-proxy" 60 curl -sf http://127.0.0.1:10256/healthz
}

kube_router_up() {
  # Firewall only: the bridge CNI and kube-proxy do the rest. Admin credentials: it is a test-time
  # enforcer confined to this machine (README).
  start kube-router "$(bins)/kube-router" --kubeconfig="$cluster_dir/kubeconfig.yaml" \
    --run-firewall=true --run-router=false --run-service-proxy=false --hostname-override="$NODE_NAME" \
    --service-cluster-ip-range="$SERVICE_CIDR" --metrics-port=0 --health-port=0 --v=1
  # Its health server has no bind address (it would listen on every interface): ready is when its
  # chain sits in FORWARD.
  wait_for "kube-router" 60 bash -c 'iptables -S FORWARD | grep -q KUBE-ROUTER-FORWARD'
}

# Pods reach the API server through the `kubernetes` Service, whose endpoint is the advertised
# node address; the API server itself listens on loopback only, so a forwarder bridges the two.
api_forwarder_up() {
  local port
  port="$(api_server_port)"
  start api-forwarder socat "TCP-LISTEN:$port,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:$port"
  wait_for "API forwarder" 20 curl -sk "https://$NODE_IP:$port/readyz"
}

# The world outside, on this machine: the resolver the cluster DNS forwards to (one zone, answers
# nothing else, forwards nowhere) and a private resolver for a stub domain.
resolvers_up() {
  mkdir -p "$run/resolver"
  cat >"$run/resolver/Corefile" <<EOF
$UPSTREAM_ZONE:53 {
    bind $UPSTREAM_RESOLVER_IP
    hosts {
        203.0.113.10 www.$UPSTREAM_ZONE
        203.0.113.11 api.$UPSTREAM_ZONE
        $ACME_IP acme.$UPSTREAM_ZONE
    }
}
$INGRESS_ZONE:53 {
    bind $UPSTREAM_RESOLVER_IP
    template IN A {
        answer "{{ .Name }} 60 IN A $INGRESS_IP"
    }
    # IPv4 only: an empty answer (not an error) for the other types.
    template ANY ANY {
        rcode NOERROR
    }
}
$STUB_ZONE:53 {
    bind $STUB_RESOLVER_IP
    hosts {
        203.0.113.20 db.$STUB_ZONE
    }
}
EOF
  start resolver "$(bins)/coredns" -conf "$run/resolver/Corefile"
  wait_for "resolver" 20 grep -q "CoreDNS-" "$state/logs/resolver.log"
}

# The ACME server: Pebble on its own address, TLS from a CA of its own (the local inventory gives
# that CA to the ACME ClusterIssuer as caBundle), HTTP-01 checked on port 80 of whatever the
# upstream resolver answers (the ingress address). Skipped when Pebble is not built.
acme_up() {
  local pebble dir="$run/acme"
  pebble="$(bash "$here/build.sh" --print-platform)/pebble"
  if [[ ! -x "$pebble" ]]; then
    log "no ACME server: $pebble is not built (make binaries)"
    return 0
  fi
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=linkops local ACME CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=acme.$UPSTREAM_ZONE" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
    -extfile <(printf 'subjectAltName=IP:%s,DNS:acme.%s\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
      "$ACME_IP" "$UPSTREAM_ZONE") -out "$dir/server.pem" 2>/dev/null
  cat >"$dir/pebble.json" <<EOF
{"pebble": {
  "listenAddress": "$ACME_IP:$ACME_PORT", "managementListenAddress": "$ACME_IP:$ACME_MANAGEMENT_PORT",
  "certificate": "$dir/server.pem", "privateKey": "$dir/server.key",
  "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false,
  "retryAfter": {"authz": 1, "order": 1},
  "profiles": {"default": {"description": "90 days", "validityPeriod": 7776000}}
}}
EOF
  # No random sleeps before validating, no rejected nonces: the same run every time.
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    start acme "$pebble" -config "$dir/pebble.json" -dnsserver "$UPSTREAM_RESOLVER_IP:53"
  wait_for "ACME server" 20 curl -sf --cacert "$dir/ca.pem" "https://$ACME_IP:$ACME_PORT/dir"
}

cluster_dns_up() {
  kubectl_admin apply --server-side --field-manager=linkops-local-node -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
  - {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 5s
        }
        ready
        kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        prometheus :9153
        forward . $UPSTREAM_RESOLVER_IP
        cache 30
        loop
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
        - name: coredns
          image: $COREDNS_IMAGE
          imagePullPolicy: IfNotPresent
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - {name: dns, containerPort: 53, protocol: UDP}
            - {name: dns-tcp, containerPort: 53, protocol: TCP}
            - {name: metrics, containerPort: 9153, protocol: TCP}
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {memory: 128Mi}
          livenessProbe:
            httpGet: {path: /health, port: 8080}
            initialDelaySeconds: 10
            timeoutSeconds: 5
          readinessProbe:
            httpGet: {path: /ready, port: 8181}
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
            seccompProfile: {type: RuntimeDefault}
          volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes:
        - name: config
          configMap: {name: coredns, items: [{key: Corefile, path: Corefile}]}
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: $CLUSTER_DNS_IP
  ports:
    - {name: dns, port: 53, protocol: UDP, targetPort: 53}
    - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
    - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
EOF
  kubectl_admin -n kube-system rollout status deployment/coredns --timeout=120s >/dev/null ||
    die "CoreDNS did not roll out: $(kubectl_admin -n kube-system get pods -l k8s-app=kube-dns -o wide 2>&1)"
}

cmd_up() {
  cluster_dir="$1"
  [[ -f "$cluster_dir/kubeconfig.yaml" ]] || die "no cluster at $cluster_dir"
  [[ "$(id -u)" == 0 ]] || die "the real node needs root (interfaces, iptables, mounts); use LINKOPS_REAL_NODE=0 for kwok nodes only"
  if [[ -f "$state/cluster" && "$(cat "$state/cluster")" != "$cluster_dir" ]] && running kubelet; then
    die "a real node already serves $(cat "$state/cluster"): one per machine; stop that cluster first"
  fi
  # Whatever an earlier node left (a crash, a machine restart) goes first.
  [[ -d "$state" ]] && cmd_down
  mkdir -p "$state" "$run/kube-proxy"
  echo "$cluster_dir" >"$state/cluster"
  local path
  for path in "${shared_paths[@]}"; do
    [[ -e "$path" ]] || echo "$path" >>"$state/created-paths"
  done
  log "starting the real node $NODE_NAME ($NODE_IP; pods $POD_CIDR, services $SERVICE_CIDR)"
  network_up
  resolvers_up
  acme_up
  containerd_up
  images_up
  kubelet_up
  api_forwarder_up
  kube_proxy_up
  kube_router_up
  cluster_dns_up
  log "node $NODE_NAME ready"
}

# ---------------------------------------------------------------------------------------------
# teardown: processes, containers, network namespaces, links, rules, mounts, cgroups, state
iptables_without_ours() {
  # Rewrite each table without the chains the node's components made (KUBE-*, CNI-*) and the
  # rules jumping to them; everything else on the machine is kept as it was.
  local tool="$1" table dump
  for table in filter nat mangle raw; do
    dump="$("$tool-save" -t "$table" 2>/dev/null)" || continue
    grep -qE '(KUBE-|CNI-)' <<<"$dump" || continue
    grep -vE '^:(KUBE-|CNI-)|^-A (KUBE-|CNI-)|-j (KUBE-|CNI-)|-g (KUBE-|CNI-)' <<<"$dump" | "$tool-restore" -T "$table" 2>/dev/null ||
      log "warning: could not clean the $table table with $tool-restore"
  done
}

cmd_down() {
  local b ns pid mount dir path
  b="$(bins)"
  [[ -d "$state" ]] || return 0
  stop kube-router
  stop kubelet
  stop kube-proxy
  stop api-forwarder
  stop resolver
  stop acme
  if running containerd; then
    # Stop every pod's processes, then their sandboxes' network namespaces go with containerd.
    for pid in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$pid" >/dev/null 2>&1 || true
    done
  fi
  stop containerd
  # Shims outlive containerd by design; this node's are the ones serving its socket's namespace.
  # A killed process lingers until the kernel has torn it down: wait, so nothing is seen after.
  for _ in $(seq 50); do
    pgrep -f "containerd-shim.*-address $sock" >/dev/null 2>&1 || break
    pkill -9 -f "containerd-shim.*-address $sock" 2>/dev/null || true
    sleep 0.2
  done
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do
    ip netns delete "$ns" 2>/dev/null || true
  done
  ip link delete cni0 2>/dev/null || true
  [[ -x "$b/kube-proxy" ]] && "$b/kube-proxy" --cleanup >/dev/null 2>&1 || true
  nft delete table ip kube-proxy 2>/dev/null || true
  nft delete table ip6 kube-proxy 2>/dev/null || true
  iptables_without_ours iptables
  iptables_without_ours ip6tables
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router)' || true); do
    ipset destroy "$set" 2>/dev/null || true
  done
  routing_rules_down
  ip link delete "$NODE_INTERFACE" 2>/dev/null || true
  # Mounts under the node's state (kubelet bind-mounts its root dir, volumes, overlay snapshots),
  # deepest first.
  for mount in $(awk -v s="$state" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$mount" 2>/dev/null || true
  done
  for dir in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d "$dir" ]] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -f "$state/created-paths" ]]; then
    while read -r path; do
      [[ -n "$path" ]] && rm -rf "$path"
    done <"$state/created-paths"
  fi
  rm -rf "$state"
  log "real node stopped and removed"
}

cmd_leftovers() {
  local found=()
  local name path
  for name in kubelet kube-proxy kube-router containerd pebble; do
    pgrep -x "$name" >/dev/null 2>&1 && found+=("process $name")
  done
  # Zombies hold nothing and go when their parent reaps them; count only live shims.
  ps -eo stat=,comm= | awk '$1 !~ /^Z/ && $2 ~ /^containerd-shim/ {f=1} END {exit !f}' &&
    found+=("containerd shims")
  pgrep -f "socat TCP-LISTEN:.*bind=$NODE_IP" >/dev/null 2>&1 && found+=("API forwarder")
  grep -qF "$state" /proc/mounts && found+=("mounts under $state")
  ip netns list 2>/dev/null | grep -q '^cni-' && found+=("network namespaces cni-*")
  ip link show cni0 >/dev/null 2>&1 && found+=("bridge cni0")
  ip -o link show type veth 2>/dev/null | grep -q . && found+=("veth interfaces")
  ip link show "$NODE_INTERFACE" >/dev/null 2>&1 && found+=("interface $NODE_INTERFACE")
  ip rule show 2>/dev/null | grep -q "^$ROUTING_RULE_PREF:" && found+=("policy routing rules")
  for tool in iptables ip6tables; do
    "$tool-save" 2>/dev/null | grep -qE '^:(KUBE-|CNI-)' && found+=("$tool chains KUBE-*/CNI-*")
  done
  nft list tables 2>/dev/null | grep -q kube-proxy && found+=("nftables table kube-proxy")
  ipset list -n 2>/dev/null | grep -qE '^(KUBE-|kube-router)' && found+=("ipsets")
  compgen -G "/sys/fs/cgroup/*/kubepods" >/dev/null && found+=("kubepods cgroups")
  for path in "${shared_paths[@]}"; do
    [[ -e "$path" ]] && found+=("$path (kubelet's or containerd's; remove it by hand if no other node uses it)")
  done
  [[ -d "$state" ]] && found+=("state directory $state")
  if ((${#found[@]})); then
    printf '%s\n' "${found[@]}"
    return 1
  fi
}

case "${1:-}" in
  up) cmd_up "${2:?cluster directory}" ;;
  down) cmd_down ;;
  running) [[ -f "$state/cluster" && "$(cat "$state/cluster")" == "${2:?cluster directory}" ]] ;;
  leftovers) cmd_leftovers ;;
  # Import the images (the platform's once built) into the running node, without restarting it.
  images) running containerd || die "no real node is running on this machine"; images_up ;;
  *) echo "usage: $0 up CLUSTER_DIR | down | running CLUSTER_DIR | leftovers | images" >&2; exit 2 ;;
esac
