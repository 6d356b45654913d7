#!/usr/bin/env bash
# The whole suite, in three tiers:
#   1. unit, integration and reliability (pytest) on a real control plane whose nodes are kwok's
#      (fast: the API server's behaviour is what they test), without the integration tests marked
#      real_node;
#   2. on a real node: the Molecule scenarios (verified with testinfra, in the pods and on the
#      node), the integration tests marked real_node (official charts whose pods must really run,
#      such as cert-manager's admission webhook), the demo (site.yml twice, second run changed=0)
#      and the end-to-end tier (tests/e2e): packets, DNS answers, the dns role against the real CoreDNS;
#   3. the real node's teardown, checked to leave nothing behind.
#
# With KUBECONFIG set, tiers 1 and 2 run against that cluster (the end-to-end tier's node checks
# need the local real node and say so). Otherwise the local clusters of tools/local-cluster are
# started (name linkops-test, port 6445 unless LINKOPS_CLUSTER_NAME / LINKOPS_APISERVER_PORT say
# otherwise) and removed at the end (LINKOPS_KEEP_CLUSTER=1 keeps the last one).
# Arguments are passed to the first pytest run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$(bash tools/local-cluster/build.sh --print):$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.collections"
# The upstream CRDs the tests install (tools/local-cluster/crds.sh: downloaded once, cached outside the
# clone); the integration tests read this folder, the Molecule scenarios call the script.
LINKOPS_CRDS_DIR="$(bash tools/local-cluster/crds.sh)"
export LINKOPS_CRDS_DIR
export PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 NO_COLOR=1

started_here=""
if [[ -n "${KUBECONFIG:-}" ]]; then
  echo "[test] using the cluster KUBECONFIG points at: $KUBECONFIG"
  kubectl version >/dev/null || { echo "[test] ERROR: the API server in $KUBECONFIG does not answer" >&2; exit 1; }
else
  # A control plane of the suite's own, started empty and removed at the end: the demo cluster
  # (linkops, 6443) and whatever earlier runs left in it are never mixed into a test run.
  export LINKOPS_CLUSTER_NAME="${LINKOPS_CLUSTER_NAME:-linkops-test}"
  export LINKOPS_APISERVER_PORT="${LINKOPS_APISERVER_PORT:-6445}"
  bash tools/local-cluster/cluster.sh down >/dev/null 2>&1 || true
  started_here=1
  # Tier 1 on kwok nodes; the clusters the integration and reliability tests start are too.
  KUBECONFIG="$(LINKOPS_REAL_NODE=0 bash tools/local-cluster/cluster.sh up)"
  export KUBECONFIG
fi
export K8S_PLATFORM_KUBECONFIG="$KUBECONFIG"

cleanup() {
  if [[ -n "$started_here" && -z "${LINKOPS_KEEP_CLUSTER:-}" ]]; then
    bash tools/local-cluster/cluster.sh down || true
  fi
}
trap cleanup EXIT

status=0
failures=()

# The platform's binaries (Traefik, cert-manager, Pebble: 18 minutes when cold) are needed from
# tier 2 on, for the node's images: built beside tier 1 instead of before it.
platform_log="$(mktemp)"
bash tools/local-cluster/build.sh platform >"$platform_log" 2>&1 &
platform_build=$!
# CI shows only the tail of the output: every failure is repeated in the summary at the end.
# run_pytest LABEL ARGS...: pytest with ARGS; on failure, its FAILED/ERROR lines go to the summary.
run_pytest() {
  local label="$1" log code line
  shift
  log="$(mktemp)"
  set +e
  python -m pytest "$@" 2>&1 | tee "$log"
  code="${PIPESTATUS[0]}"
  set -e
  if ((code != 0)); then
    status=1
    failures+=("$label exited $code")
    while IFS= read -r line; do failures+=("  $line"); done < <(grep -E '^(FAILED|ERROR) ' "$log" | cut -c1-400)
  fi
  rm -f "$log"
}

echo "[test] pytest: unit, integration and reliability"
LINKOPS_REAL_NODE=0 run_pytest pytest tests/unit tests/integration tests/reliability -m "not real_node" -q -rfE -p no:cacheprovider \
  -n 2 --dist loadfile "$@"

if ! wait "$platform_build"; then
  cat "$platform_log" >&2
  echo "[test] ERROR: building the platform's binaries failed (tools/local-cluster/build.sh platform)" >&2
  exit 1
fi
rm -f "$platform_log"

if [[ -n "$started_here" ]]; then
  echo "[test] tier 2: the same cluster name again, now with the real node"
  bash tools/local-cluster/cluster.sh down >/dev/null
  KUBECONFIG="$(bash tools/local-cluster/cluster.sh up)"
  export KUBECONFIG K8S_PLATFORM_KUBECONFIG="$KUBECONFIG"
fi

echo "[test] molecule: every scenario, verified with testinfra on the real node"
# Molecule keeps each scenario's state (prepared, converged) in ~/.ansible/tmp/molecule.<hash of the
# checkout directory's *name*>.<scenario>, and with an unmanaged driver `destroy` never resets it: a
# later run from any checkout with the same directory name (every CI clone of the same name) then skips
# `prepare` ("instances already prepared") and converges on a cluster missing what prepare makes.
# Each scenario gets a fresh state directory of its own instead.
for scenario in molecule/*/molecule.yml; do
  name="$(basename "$(dirname "$scenario")")"
  molecule_state="$(mktemp -d "${TMPDIR:-/tmp}/linkops-molecule-$name.XXXXXX")"
  MOLECULE_EPHEMERAL_DIRECTORY="$molecule_state" molecule test -s "$name" \
    || { echo "[test] molecule scenario $name FAILED"; status=1; failures+=("molecule scenario $name"); }
  rm -rf "$molecule_state"
done

echo "[test] integration tests that need the real node (pytest -m real_node)"
run_pytest "pytest -m real_node" tests/integration -m real_node -q -rfE -p no:cacheprovider

echo "[test] demo: inventories/local converged twice with site.yml (second run changed=0)"
if bash tools/demo.sh; then
  echo "[test] end-to-end tier (tests/e2e) on the converged demo"
  e2e_selection=()
  # Against another cluster the checks of the local node itself do not apply.
  [[ -z "$started_here" ]] && e2e_selection=(-m "not local_node")
  python -m pytest tests/e2e -q -rfE -p no:cacheprovider --ignore tests/e2e/test_teardown.py "${e2e_selection[@]}" ||
    { status=1; failures+=("end-to-end tier (tests/e2e)"); }
else
  echo "[test] make demo FAILED"; status=1; failures+=("demo (tools/demo.sh)")
fi

if [[ -n "$started_here" && -z "${LINKOPS_KEEP_CLUSTER:-}" ]]; then
  echo "[test] tier 3: the real node's teardown leaves nothing behind"
  python -m pytest tests/e2e/test_teardown.py -q -rfE -p no:cacheprovider ||
    { status=1; failures+=("teardown (tests/e2e/test_teardown.py)"); }
fi

if ((status == 0)); then
  echo "[test] all suites passed"
else
  echo "[test] FAILED (exit $status):"
  printf '[test]   %s\n' "${failures[@]}"
fi
exit "$status"
