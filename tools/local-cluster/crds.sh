#!/usr/bin/env bash
# The upstream CRDs the platform's charts would install (cert-manager, Traefik, Gateway API,
# prometheus-operator, external-snapshotter, Velero), at the versions pinned in versions.env, taken
# from each project's published Go module and cached outside the clone, one folder per API group:
#   <cache>/crds/<versions>/<group>/<group>_<plural>.yaml   (the upstream files, unchanged)
#
#   tools/local-cluster/crds.sh                  collect what is missing, print the CRD directory
#   tools/local-cluster/crds.sh --print          print the CRD directory only (nothing downloaded)
#   tools/local-cluster/crds.sh groups           the API groups, one a line
#   tools/local-cluster/crds.sh files [GROUP...] the CRD files of those groups (all when none)
#   tools/local-cluster/crds.sh apply [--field-manager NAME] [--force-conflicts] [GROUP...]
#       server-side apply those groups (all when none) with kubectl (KUBECONFIG), then wait until
#       the API server has Established every one of their CRDs
#
# Environment: LINKOPS_CACHE_DIR (default ~/.cache/linkops-k8s-platform), GOMODCACHE (Go's own
# default already lives outside the clone), GO (the go command, default go on PATH).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"
key="cert-manager-${CERT_MANAGER_VERSION}_traefik-${TRAEFIK_VERSION}_gateway-api-${GATEWAY_API_CRDS_VERSION}"
key+="_prometheus-operator-${PROMETHEUS_OPERATOR_CRDS_VERSION}_external-snapshotter-${EXTERNAL_SNAPSHOTTER_CRDS_VERSION}"
key+="_velero-${VELERO_CRDS_VERSION}"
crds_dir="$cache_dir/crds/$key"

# group | module | version | folders of the module holding <group>_*.yaml (space-separated)
sources=(
  "cert-manager.io|github.com/cert-manager/cert-manager|$CERT_MANAGER_VERSION|deploy/crds"
  "acme.cert-manager.io|github.com/cert-manager/cert-manager|$CERT_MANAGER_VERSION|deploy/crds"
  "traefik.io|github.com/traefik/traefik/v3|$TRAEFIK_VERSION|docs/content/reference/dynamic-configuration"
  "gateway.networking.k8s.io|sigs.k8s.io/gateway-api|$GATEWAY_API_CRDS_VERSION|config/crd/standard"
  "monitoring.coreos.com|github.com/prometheus-operator/prometheus-operator|$PROMETHEUS_OPERATOR_CRDS_VERSION|example/prometheus-operator-crd"
  "snapshot.storage.k8s.io|github.com/kubernetes-csi/external-snapshotter/client/v8|$EXTERNAL_SNAPSHOTTER_CRDS_VERSION|config/crd"
  "velero.io|github.com/vmware-tanzu/velero|$VELERO_CRDS_VERSION|config/crd/v1/bases config/crd/v2alpha1/bases"
)

log() { echo "[local-cluster crds] $*" >&2; }
die() { log "ERROR: $*"; exit 2; }

all_groups() {
  local source
  for source in "${sources[@]}"; do echo "${source%%|*}"; done
}

# Print the extracted directory of module@version, downloading it if needed.
moddir_of() {
  local json
  json="$("$go_cmd" mod download -json "$1")" ||
    die "go mod download $1: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
       (a version the module proxy refuses: pin the nearest one it serves in versions.env)"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json"
}

collect() {
  [[ -d "$crds_dir" ]] && return 0
  go_cmd="${GO:-go}"
  command -v "$go_cmd" >/dev/null 2>&1 ||
    die "the Go toolchain ($go_cmd) is not on PATH and the CRDs must be downloaded (install Go >= 1.25, or point GO at it)."
  log "collecting the upstream CRDs into $crds_dir"
  mkdir -p "$cache_dir/crds"
  local tmp source group module version folders moddir folder file found doc_groups
  tmp="$(mktemp -d "$cache_dir/crds/.partial.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  for source in "${sources[@]}"; do
    IFS='|' read -r group module version folders <<<"$source"
    # Outside any main module: only the module's files are wanted, not a build list.
    moddir="$(cd "$tmp" && moddir_of "$module@$version")"
    [[ -n "$moddir" && -d "$moddir" ]] || die "no module directory for $module@$version"
    mkdir -p "$tmp/$group"
    found=0
    for folder in $folders; do
      for file in "$moddir/$folder/${group}_"*.yaml; do
        [[ -f "$file" ]] || continue
        # Every document of the file must be a CRD of this group (controller-gen's layout).
        grep -q '^kind: CustomResourceDefinition$' "$file" || die "$file is not a CustomResourceDefinition"
        doc_groups="$(sed -n 's/^  group: //p' "$file" | sort -u)"
        [[ "$doc_groups" == "$group" ]] || die "$file defines group(s) '$doc_groups', not $group"
        cp "$file" "$tmp/$group/"
        found=$((found + 1))
      done
    done
    ((found > 0)) || die "no ${group}_*.yaml under $folders of $module@$version"
    echo "$group $module@$version $folders ($found CRDs)" >>"$tmp/SOURCES"
  done
  chmod -R u+w,a+rX "$tmp"
  # Another run may have finished first: its copy is the same.
  mv -T "$tmp" "$crds_dir" 2>/dev/null || rm -rf "$tmp"
  trap - EXIT
}

check_groups() {
  local group
  for group in "$@"; do
    grep -qxF -- "$group" <<<"$(all_groups)" || die "unknown group '$group' (the groups: $(all_groups | tr '\n' ' '))"
  done
}

files() {
  local group
  local groups=("$@")
  ((${#groups[@]})) || mapfile -t groups < <(all_groups)
  check_groups "${groups[@]}"
  for group in "${groups[@]}"; do printf '%s\n' "$crds_dir/$group/"*.yaml; done
}

apply() {
  local field_manager=linkops-crds force=() groups=() args=() group
  while (($#)); do
    case "$1" in
      --field-manager) field_manager="$2"; shift 2 ;;
      --field-manager=*) field_manager="${1#*=}"; shift ;;
      --force-conflicts) force=(--force-conflicts); shift ;;
      -*) die "unknown option '$1' of apply" ;;
      *) groups+=("$1"); shift ;;
    esac
  done
  ((${#groups[@]})) || mapfile -t groups < <(all_groups)
  check_groups "${groups[@]}"
  for group in "${groups[@]}"; do args+=(-f "$crds_dir/$group"); done
  kubectl apply --server-side --field-manager="$field_manager" "${force[@]}" "${args[@]}" >/dev/null
  kubectl wait --for=condition=Established --timeout=60s "${args[@]}" >/dev/null
  log "applied and Established: ${groups[*]}"
}

case "${1:-}" in
  --print) echo "$crds_dir" ;;
  "" | dir) collect; echo "$crds_dir" ;;
  groups) all_groups ;;
  files) shift; collect; files "$@" ;;
  apply) shift; collect; apply "$@" ;;
  *) die "unknown command '$1' (--print, dir, groups, files [GROUP...], apply [--field-manager NAME] [--force-conflicts] [GROUP...])" ;;
esac
