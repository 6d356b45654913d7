#!/usr/bin/env bash
# Build the local control plane's binaries from their published Go modules and cache them
# outside the clone, keyed by version, so later runs (and CI on the same machine) reuse them.
#
#   tools/local-cluster/build.sh            build what is missing, print the bin directory
#   tools/local-cluster/build.sh --print    print the bin directory only (no build)
#
# Environment: LINKOPS_CACHE_DIR (default ~/.cache/linkops-k8s-platform), GOCACHE/GOMODCACHE
# (Go's own defaults already live outside the clone).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"
bin_dir="$cache_dir/bin/k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}_prometheus-${PROMETHEUS_VERSION}_coredns-${COREDNS_VERSION}_kube-router-${KUBE_ROUTER_VERSION}"
src_dir="$cache_dir/src"

if [[ "${1:-}" == "--print" ]]; then
  echo "$bin_dir"
  exit 0
fi

log() { echo "[local-cluster build] $*" >&2; }

mkdir -p "$bin_dir" "$src_dir"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
# A module whose go.mod asks for a newer Go than the installed one may fetch that toolchain
# from the module proxy.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

# GO names the go command to use (default: go on PATH). Only needed when something is missing.
go_cmd="${GO:-go}"
require_go() {
  if ! command -v "$go_cmd" >/dev/null 2>&1; then
    log "ERROR: the Go toolchain ($go_cmd) is not on PATH, and $1 must be built. Install Go >= 1.25"
    log "       (https://go.dev/doc/install or your distribution's golang package), or point GO at it."
    exit 2
  fi
}

# Print the go.mod path of module@version, downloading it if needed.
gomod_of() {
  "$go_cmd" mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'
}

# Start a wrapper module in $1 that requires $2 at $3.
new_wrapper() {
  local dir="$1" module="$2" version="$3"
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<EOF
module linkops.local/build/$(basename "$dir")

go 1.25

require $module $version
EOF
}

have_all() {
  local name
  for name in "$@"; do
    [[ -x "$bin_dir/$name" ]] || return 1
  done
}

build_kubernetes() {
  have_all kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy agnhost && return 0
  require_go "Kubernetes $K8S_VERSION"
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kube-proxy, agnhost $K8S_VERSION (slow when cold)"
  local wrapper="$src_dir/kubernetes-$K8S_VERSION" upstream_mod staging_version minor
  upstream_mod="$(gomod_of "k8s.io/kubernetes@$K8S_VERSION")"
  new_wrapper "$wrapper" k8s.io/kubernetes "$K8S_VERSION"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local
  # folders; point each one at its published v0.<minor>.<patch> instead.
  staging_version="v0.${K8S_VERSION#v1.}"
  {
    grep -E '^godebug' "$upstream_mod" || true
    echo
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#replace \1 => \1 '"$staging_version"'#p' "$upstream_mod"
  } >>"$wrapper/go.mod"
  minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  local pkg="k8s.io/component-base/version"
  local ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  (cd "$wrapper" && "$go_cmd" build -ldflags "$ldflags" -o "$bin_dir/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy \
    k8s.io/kubernetes/test/images/agnhost)
}

# Build PACKAGES of MODULE@VERSION into BINARIES (space-separated names), in a wrapper module of
# its own so its dependencies are not forced to the cluster's; nothing when they are all there.
build_module() {
  local label="$1" module="$2" version="$3" binaries="$4" ldflags="$5"
  shift 5
  # shellcheck disable=SC2086 # the names are words
  have_all $binaries && return 0
  require_go "$label $version"
  log "building $label $version"
  local wrapper="$src_dir/${label%% *}-$version" out="$bin_dir/"
  [[ "$binaries" == *" "* ]] || out="$bin_dir/$binaries"
  new_wrapper "$wrapper" "$module" "$version"
  (cd "$wrapper" && "$go_cmd" build -ldflags "-s -w $ldflags" -o "$out" "$@")
}

build_etcd() { build_module etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" etcd "" go.etcd.io/etcd/server/v3; }

build_kwok() {
  build_module "kwok and kwokctl" sigs.k8s.io/kwok "$KWOK_VERSION" "kwok kwokctl" "" \
    sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
}

build_helm() {
  build_module helm helm.sh/helm/v3 "$HELM_VERSION" helm "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    helm.sh/helm/v3/cmd/helm
}

build_promtool() {
  build_module "promtool (github.com/prometheus/prometheus, slow when cold)" github.com/prometheus/prometheus \
    "$PROMETHEUS_VERSION" promtool "" github.com/prometheus/prometheus/cmd/promtool
}

build_coredns() {
  build_module coredns github.com/coredns/coredns "$COREDNS_VERSION" coredns \
    "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" github.com/coredns/coredns
}

build_kube_router() {
  build_module kube-router github.com/cloudnativelabs/kube-router/v2 "$KUBE_ROUTER_VERSION" kube-router "" \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}

targets=("${@:-all}")
for target in "${targets[@]}"; do
  case "$target" in
    all) build_etcd; build_kwok; build_helm; build_kubernetes; build_promtool; build_coredns; build_kube_router ;;
    node) build_kubernetes; build_coredns; build_kube_router ;;
    coredns) build_coredns ;;
    kube-router) build_kube_router ;;
    kubernetes) build_kubernetes ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    helm) build_helm ;;
    promtool) build_promtool ;;
    *) log "ERROR: unknown target '$target' (all, node, kubernetes, etcd, kwok, helm, promtool, coredns, kube-router)"; exit 2 ;;
  esac
done
echo "$bin_dir"
