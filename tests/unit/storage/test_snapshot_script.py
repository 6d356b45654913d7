# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The snapshot CronJob's script (roles/storage/files/snapshot.sh), run by /bin/sh against a fake kubectl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "roles" / "storage" / "files" / "snapshot.sh"

# A stand-in for kubectl: answers the three reads the script makes from a JSON state file and
# records every call (with stdin for create) in a log, so the tests see exactly what was done.
FAKE_KUBECTL = r'''#!{python}
import json, os, sys
state = json.load(open(os.environ["FAKE_STATE"]))
args = sys.argv[1:]
log = open(os.environ["FAKE_LOG"], "a")
stdin = sys.stdin.read() if args[:1] == ["create"] else ""
log.write(json.dumps({{"args": args, "stdin": stdin}}) + "\n")
def selector():
    sel = args[args.index("-l") + 1]
    return dict(part.split("=", 1) for part in sel.split(","))
if args[:2] == ["get", "persistentvolumeclaims"]:
    want = selector()
    for pvc in state["pvcs"]:
        if all(pvc["labels"].get(k) == v for k, v in want.items()):
            print(pvc["name"])
elif args[:2] == ["get", "volumesnapshots"]:
    want = selector()
    for snap in state["snapshots"]:
        if all(snap["labels"].get(k) == v for k, v in want.items()):
            print(snap["created"], snap["name"])
elif args[:1] == ["create"]:
    name = [l.split(":", 1)[1].strip() for l in stdin.splitlines() if l.startswith("  name:")][0]
    if name in state.get("fail_create", []):
        sys.exit(1)
elif args[:2] == ["delete", "volumesnapshot"]:
    pass
else:
    sys.exit("unexpected kubectl call: %r" % args)
'''

SCHED = "linkops.io/scheduled-snapshot"
SRC = "linkops.io/snapshot-of"


def snap(claim: str, created: str, scheduled: bool = True) -> dict:
    labels = {SRC: claim, **({SCHED: "true"} if scheduled else {})}
    return {"name": f"{claim}-{created.replace(':', '').replace('-', '')}", "created": created, "labels": labels}


@pytest.fixture
def run(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL.format(python=sys.executable))
    kubectl.chmod(0o755)

    def _run(state: dict, retention: str = "3", **env: str):
        (tmp_path / "state.json").write_text(json.dumps(state))
        log = tmp_path / "log.jsonl"
        log.write_text("")
        full_env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_STATE": str(tmp_path / "state.json"), "FAKE_LOG": str(log),
            "NAMESPACE": "mlops", "SELECTOR": "linkops.io/backup=true", "RETENTION": retention, "SNAPSHOT_TIMESTAMP": "20260102-030405",
            **env,
        }
        proc = subprocess.run(["/bin/sh", str(SCRIPT)], env=full_env, capture_output=True, text=True, timeout=30)
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        return proc, calls

    return _run


def deleted(calls: list[dict]) -> list[str]:
    return [c["args"][4] for c in calls if c["args"][:2] == ["delete", "volumesnapshot"]]


def test_creates_a_timestamped_snapshot_per_labelled_claim_and_prunes_the_oldest(run) -> None:
    state = {
        "pvcs": [{"name": "api-data", "labels": {"linkops.io/backup": "true"}}, {"name": "api-cache", "labels": {}}],
        "snapshots": [
            # Out of order on purpose; the newest three are kept.
            snap("api-data", "2026-01-01T02:00:00Z"), snap("api-data", "2025-12-30T02:00:00Z"),
            snap("api-data", "2026-01-02T03:04:05Z"), snap("api-data", "2025-12-31T02:00:00Z"),
            snap("api-data", "2025-12-29T02:00:00Z"),
            snap("api-data", "2020-01-01T00:00:00Z", scheduled=False),  # taken by hand: never pruned
        ],
    }
    proc, calls = run(state, retention="3")
    assert proc.returncode == 0, proc.stderr
    creates = [c for c in calls if c["args"][:1] == ["create"]]
    assert len(creates) == 1
    manifest = creates[0]["stdin"]
    assert "kind: VolumeSnapshot" in manifest
    assert "  name: api-data-20260102-030405" in manifest
    assert "  namespace: mlops" in manifest
    assert "    persistentVolumeClaimName: api-data" in manifest
    assert f"    {SCHED}: \"true\"" in manifest and f"    {SRC}: api-data" in manifest
    assert "volumeSnapshotClassName" not in manifest  # the driver's default VolumeSnapshotClass is used
    assert deleted(calls) == ["api-data-20251229T020000Z", "api-data-20251230T020000Z"]
    listing = [c for c in calls if c["args"][:2] == ["get", "volumesnapshots"]][0]["args"]
    assert listing[listing.index("-l") + 1] == f"{SCHED}=true,{SRC}=api-data"


def test_nothing_is_pruned_within_the_retention(run) -> None:
    state = {"pvcs": [{"name": "db", "labels": {"linkops.io/backup": "true"}}],
             "snapshots": [snap("db", "2026-01-01T00:00:00Z"), snap("db", "2026-01-02T00:00:00Z")]}
    proc, calls = run(state, retention="2")
    assert proc.returncode == 0, proc.stderr
    assert deleted(calls) == []


def test_retention_one_keeps_only_the_newest_and_ties_break_by_name(run) -> None:
    same = "2026-01-01T00:00:00Z"
    state = {"pvcs": [{"name": "db", "labels": {"linkops.io/backup": "true"}}],
             "snapshots": [{"name": "db-b", "created": same, "labels": {SRC: "db", SCHED: "true"}},
                           {"name": "db-a", "created": same, "labels": {SRC: "db", SCHED: "true"}},
                           {"name": "db-c", "created": same, "labels": {SRC: "db", SCHED: "true"}}]}
    proc, calls = run(state, retention="1")
    assert proc.returncode == 0, proc.stderr
    assert deleted(calls) == ["db-a", "db-b"]


def test_a_failed_create_is_reported_and_skips_pruning_for_that_claim(run) -> None:
    state = {"pvcs": [{"name": "a", "labels": {"linkops.io/backup": "true"}}, {"name": "b", "labels": {"linkops.io/backup": "true"}}],
             "snapshots": [snap("a", "2025-01-01T00:00:00Z"), snap("b", "2025-01-01T00:00:00Z"), snap("b", "2025-01-02T00:00:00Z")],
             "fail_create": ["a-20260102-030405"]}
    proc, calls = run(state, retention="1")
    assert proc.returncode == 1
    assert "creating the snapshot of a failed" in proc.stderr and "1 operation(s) failed" in proc.stderr
    assert deleted(calls) == ["b-20250101T000000Z"]


@pytest.mark.parametrize("retention", ["0", "x", "-1", ""])
def test_bad_retention_stops_before_any_call(run, retention) -> None:
    proc, calls = run({"pvcs": [], "snapshots": []}, retention=retention)
    assert proc.returncode == 2
    assert calls == []
