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
