#!/bin/sh
# Scheduled VolumeSnapshots (linkops.k8s_platform storage role).
# In the namespace NAMESPACE: snapshot every PersistentVolumeClaim matching SELECTOR as
# <claim>-<UTC timestamp>, then delete this schedule's oldest snapshots of that claim beyond
# RETENTION. Snapshots taken by hand (without the schedule label) are never deleted.
# Needs kubectl, sort and awk; RBAC: list PVCs, create/list/delete VolumeSnapshots.
set -eu

: "${NAMESPACE:?NAMESPACE is not set}"
: "${SELECTOR:?SELECTOR (label selector of the claims to snapshot) is not set}"
: "${RETENTION:?RETENTION (snapshots to keep per claim) is not set}"
SNAPSHOT_CLASS="${SNAPSHOT_CLASS:-}"
SCHEDULE_LABEL="${SCHEDULE_LABEL:-linkops.io/scheduled-snapshot}"
SOURCE_LABEL="${SOURCE_LABEL:-linkops.io/snapshot-of}"
STAMP="${SNAPSHOT_TIMESTAMP:-$(date -u +%Y%m%d-%H%M%S)}"

case "$RETENTION" in
  '' | *[!0-9]*) echo "RETENTION must be a whole number >= 1, got '$RETENTION'" >&2; exit 2 ;;
esac
if [ "$RETENTION" -lt 1 ]; then
  echo "RETENTION must be a whole number >= 1, got '$RETENTION'" >&2
  exit 2
fi

# Reads "<creationTimestamp> <name>" lines; prints the names of all but the newest $1.
# RFC 3339 UTC timestamps sort chronologically as text; the name (which carries the
# timestamp) breaks ties within one second.
prune_list() {
  sort | awk -v keep="$1" 'NF >= 2 { name[++n] = $2 } END { for (i = 1; i <= n - keep; i++) print name[i] }'
}

manifest() {
  echo "apiVersion: snapshot.storage.k8s.io/v1"
  echo "kind: VolumeSnapshot"
  echo "metadata:"
  echo "  name: $1-$STAMP"
  echo "  namespace: $NAMESPACE"
  echo "  labels:"
  echo "    $SCHEDULE_LABEL: \"true\""
  echo "    $SOURCE_LABEL: $1"
  echo "    app.kubernetes.io/managed-by: linkops.k8s_platform"
  echo "spec:"
  if [ -n "$SNAPSHOT_CLASS" ]; then
    echo "  volumeSnapshotClassName: $SNAPSHOT_CLASS"
  fi
  echo "  source:"
  echo "    persistentVolumeClaimName: $1"
}

failures=0
claims=$(kubectl get persistentvolumeclaims -n "$NAMESPACE" -l "$SELECTOR" \
  -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
if [ -z "$claims" ]; then
  echo "no PersistentVolumeClaim in $NAMESPACE matches $SELECTOR"
fi
for claim in $claims; do
  echo "snapshot $NAMESPACE/$claim-$STAMP"
  if ! manifest "$claim" | kubectl create -f -; then
    echo "creating the snapshot of $claim failed" >&2
    failures=$((failures + 1))
    continue
  fi
  old=$(kubectl get volumesnapshots -n "$NAMESPACE" -l "$SCHEDULE_LABEL=true,$SOURCE_LABEL=$claim" \
    -o jsonpath='{range .items[*]}{.metadata.creationTimestamp} {.metadata.name}{"\n"}{end}' | prune_list "$RETENTION")
  for snapshot in $old; do
    echo "prune $NAMESPACE/$snapshot (keeping $RETENTION of $claim)"
    if ! kubectl delete volumesnapshot -n "$NAMESPACE" "$snapshot" --wait=false; then
      echo "deleting $snapshot failed" >&2
      failures=$((failures + 1))
    fi
  done
done
if [ "$failures" -gt 0 ]; then
  echo "$failures operation(s) failed" >&2
  exit 1
fi
