#!/usr/bin/env bash
# make demo: a real control plane (or the cluster KUBECONFIG points at), site.yml converged with
# inventories/local, then converged again to show the second run changes nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$(bash tools/local-cluster/build.sh --print):$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.collections"
# The upstream CRDs (downloaded once, cached outside the clone).
LINKOPS_CRDS_DIR="$(bash tools/local-cluster/crds.sh)"
export LINKOPS_CRDS_DIR

if [[ -z "${KUBECONFIG:-}" ]]; then
  KUBECONFIG="$(bash tools/local-cluster/cluster.sh up)"
  export KUBECONFIG
fi
export K8S_PLATFORM_KUBECONFIG="$KUBECONFIG"
echo "[demo] cluster: $KUBECONFIG"

if bash tools/local-cluster/cluster.sh status 2>/dev/null && [[ "$KUBECONFIG" == "$(bash tools/local-cluster/cluster.sh kubeconfig)" ]]; then
  # The local control plane has no internet: install the upstream CRDs the platform's charts would
  # bring (pinned in tools/local-cluster/versions.env) and wait until the API server serves them.
  echo "[demo] installing the components' upstream CRDs from $LINKOPS_CRDS_DIR (local control plane only)"
  bash tools/local-cluster/crds.sh apply --field-manager linkops-demo
  # No storage provisioner either: static PersistentVolumes for the spec's claims.
  # Their folders live in the real node's state, which `make cluster-down` removes.
  python tools/local-cluster/static_pvs.py inventories/local/group_vars/all/platform.yml \
    "${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}/node/run/volumes" |
    kubectl apply --server-side --field-manager=linkops-demo -f - >/dev/null
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "[demo] first converge of playbooks/site.yml"
ansible-playbook -i inventories/local playbooks/site.yml
echo "[demo] second converge: must report changed=0"
ansible-playbook -i inventories/local playbooks/site.yml | tee "$log"
if grep -E ' : ok=' "$log" | grep -vqE 'changed=0 '; then
  echo "[demo] ERROR: the second converge changed something (see the recap above)" >&2
  exit 1
fi
echo "[demo] done: the second converge changed nothing. kubectl --kubeconfig $KUBECONFIG get ns,svc,deploy -A"
