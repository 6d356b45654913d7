#!/usr/bin/env bash
# Build the local control plane's binaries from their published Go modules and cache them
# outside the clone, keyed by version, so later runs (and CI on the same machine) reuse them.
#
#   tools/local-cluster/build.sh            build what is missing, print the bin directory
#   tools/local-cluster/build.sh --print    print the bin directory only (no build)
#   tools/local-cluster/build.sh platform   build the platform's components (Traefik, cert-manager,
#                                           Pebble) into a bin directory of their own, print it
#   tools/local-cluster/build.sh --print-platform   print that directory only (no build)
#
# Environment: LINKOPS_CACHE_DIR (default ~/.cache/linkops-k8s-platform), GOCACHE/GOMODCACHE
# (Go's own defaults already live outside the clone), LINKOPS_SOURCE_MIRROR (a folder holding
# upstream source archives the Go module proxy does not serve, for machines without internet:
# cert-manager-VERSION-cmd.tar.gz; unset: downloaded from GitHub).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"
bin_dir="$cache_dir/bin/k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}_prometheus-${PROMETHEUS_VERSION}_coredns-${COREDNS_VERSION}_kube-router-${KUBE_ROUTER_VERSION}"
# The platform's components (what the roles deploy) have a directory of their own: a new version of
# one of them must not rename $bin_dir, which would rebuild Kubernetes.
platform_dir="$cache_dir/bin/platform-traefik-${TRAEFIK_VERSION}_cert-manager-${CERT_MANAGER_VERSION}_pebble-${PEBBLE_VERSION}"
src_dir="$cache_dir/src"

case "${1:-}" in
  --print) echo "$bin_dir"; exit 0 ;;
  --print-platform) echo "$platform_dir"; exit 0 ;;
esac

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

# Exit 0 when DIR holds every program named after it.
have_all() {
  local dir="$1" name
  shift
  for name in "$@"; do
    [[ -x "$dir/$name" ]] || return 1
  done
}

# Print the replace and exclude directives of a go.mod, one per line (blocks unfolded), for a
# wrapper module to repeat: they apply only in the main module.
directives_of() {
  awk '
    /^(replace|exclude)[[:space:]]*\(/ { block = substr($0, 1, 7); next }
    block != "" && /^[[:space:]]*\)/ { block = ""; next }
    { sub(/[[:space:]]*\/\/.*/, "") }
    block != "" && NF { $1 = $1; print block, $0; next }
    /^(replace|exclude)[[:space:]]/ { $1 = $1; print }
  ' "$1"
}

build_kubernetes() {
  have_all "$bin_dir" kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy agnhost && return 0
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

# build_module [--into DIR] [--directives] LABEL MODULE VERSION BINARIES LDFLAGS PACKAGE...
# Build PACKAGES of MODULE@VERSION into BINARIES (space-separated names) in DIR (default $bin_dir),
# in a wrapper module of its own so its dependencies are not forced to the cluster's; nothing when
# they are all there. --directives: the wrapper repeats the module's replace and exclude lines.
build_module() {
  local dir="$bin_dir" directives=0
  while [[ "${1:-}" == --* ]]; do
    case "$1" in
      --into) dir="$2"; shift 2 ;;
      --directives) directives=1; shift ;;
      *) log "ERROR: build_module: unknown option $1"; exit 2 ;;
    esac
  done
  local label="$1" module="$2" version="$3" binaries="$4" ldflags="$5"
  shift 5
  # shellcheck disable=SC2086 # the names are words
  have_all "$dir" $binaries && return 0
  require_go "$label $version"
  log "building $label $version"
  local wrapper="$src_dir/${label%% *}-$version" out="$dir/" line
  [[ "$binaries" == *" "* ]] || out="$dir/$binaries"
  mkdir -p "$dir"
  new_wrapper "$wrapper" "$module" "$version"
  if ((directives)); then
    echo >>"$wrapper/go.mod"
    while read -r line; do
      # A folder of the upstream repository does not exist beside the wrapper.
      if [[ "$line" =~ =\>[[:space:]]*\.{1,2}/ ]]; then
        log "ERROR: $module $version has a relative replace ($line): point it at a published module"
        exit 2
      fi
      echo "$line" >>"$wrapper/go.mod"
    done < <(directives_of "$(gomod_of "$module@$version")")
  fi
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

# ---------------------------------------------------------------------------------------------
# The platform's components, for the official charts on the real node ($platform_dir).

build_traefik() {
  build_module --into "$platform_dir" --directives "traefik (slow when cold)" github.com/traefik/traefik/v3 \
    "$TRAEFIK_VERSION" traefik "-X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    github.com/traefik/traefik/v3/cmd/traefik
}

build_pebble() {
  build_module --into "$platform_dir" "pebble and pebble-challtestsrv" github.com/letsencrypt/pebble/v2 \
    "$PEBBLE_VERSION" "pebble pebble-challtestsrv" "-X main.version=$PEBBLE_VERSION" \
    github.com/letsencrypt/pebble/v2/cmd/pebble github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv
}

cert_manager_binaries=(controller webhook cainjector acmesolver startupapicheck)

# Each of cert-manager's cmd/<binary> folders is a Go module of its own that the module proxy does
# not serve (only the root module is): their sources come from LINKOPS_SOURCE_MIRROR's archive or
# the release's tarball on GitHub, extracted into $src_dir (never into the clone).
cert_manager_sources() {
  local dest="$1" archive top
  if [[ -n "${LINKOPS_SOURCE_MIRROR:-}" ]]; then
    archive="$LINKOPS_SOURCE_MIRROR/cert-manager-$CERT_MANAGER_VERSION-cmd.tar.gz"
    if [[ ! -f "$archive" ]]; then
      log "ERROR: LINKOPS_SOURCE_MIRROR is set but $archive is missing"
      exit 2
    fi
  else
    archive="$src_dir/cert-manager-$CERT_MANAGER_VERSION.tar.gz"
    if [[ ! -f "$archive" ]]; then
      log "downloading cert-manager $CERT_MANAGER_VERSION's sources from GitHub (LINKOPS_SOURCE_MIRROR is unset)"
      curl -fsSL --retry 3 -o "$archive.partial" \
        "https://github.com/cert-manager/cert-manager/archive/refs/tags/$CERT_MANAGER_VERSION.tar.gz"
      mv "$archive.partial" "$archive"
    fi
  fi
  # One top folder (cert-manager-1.19.1/ on GitHub); only cmd/ and the LICENSE are needed.
  top="$(tar -tzf "$archive" | awk -F/ 'NR == 1 {print $1}')"
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -xzf "$archive" -C "$dest" --strip-components=1 "$top/cmd" "$top/LICENSE"
}

build_cert_manager() {
  have_all "$platform_dir" "${cert_manager_binaries[@]/#/cert-manager-}" && return 0
  require_go "cert-manager $CERT_MANAGER_VERSION"
  log "building cert-manager ${cert_manager_binaries[*]} $CERT_MANAGER_VERSION"
  local dest="$src_dir/cert-manager-$CERT_MANAGER_VERSION" name
  cert_manager_sources "$dest"
  mkdir -p "$platform_dir"
  local ldflags="-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CERT_MANAGER_VERSION"
  for name in "${cert_manager_binaries[@]}"; do
    # Upstream replaces the root module with ../../ (the repository): use the published one.
    (cd "$dest/cmd/$name" &&
      "$go_cmd" mod edit -dropreplace=github.com/cert-manager/cert-manager \
        -require="github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION" &&
      "$go_cmd" mod tidy &&
      "$go_cmd" build -ldflags "$ldflags" -o "$platform_dir/cert-manager-$name" .)
  done
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
    platform) build_traefik; build_cert_manager; build_pebble ;;
    ingress) build_traefik ;;
    cert-manager) build_cert_manager ;;
    pebble) build_pebble ;;
    *) log "ERROR: unknown target '$target' (all, node, kubernetes, etcd, kwok, helm, promtool, coredns, kube-router,"
       log "       platform, ingress, cert-manager, pebble)"; exit 2 ;;
  esac
done
# The platform's targets alone print their own directory.
out="$platform_dir"
for target in "${targets[@]}"; do
  case "$target" in
    platform | ingress | cert-manager | pebble) ;;
    *) out="$bin_dir" ;;
  esac
done
echo "$out"
