#!/usr/bin/env bash
# make demo: a real control plane (or the cluster KUBECONFIG points at), site.yml converged with
# inventories/local, then converged again to show the second run changes nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$(bash tools/local-cluster/build.sh --print):$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.collections"

if [[ -z "${KUBECONFIG:-}" ]]; then
  KUBECONFIG="$(bash tools/local-cluster/cluster.sh up)"
  export KUBECONFIG
fi
export K8S_PLATFORM_KUBECONFIG="$KUBECONFIG"
echo "[demo] cluster: $KUBECONFIG"

if bash tools/local-cluster/cluster.sh status 2>/dev/null && [[ "$KUBECONFIG" == "$(bash tools/local-cluster/cluster.sh kubeconfig)" ]]; then
  # The local control plane has no internet: install the CRDs the platform's charts would bring
  # (the project's own fixtures) and wait until the API server serves them.
  echo "[demo] installing the components' CRDs from tests/fixtures/crds (local control plane only)"
  kubectl apply --server-side --field-manager=linkops-demo -f tests/fixtures/crds/ >/dev/null
  kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
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
