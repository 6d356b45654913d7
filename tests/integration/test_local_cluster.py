# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/local-cluster: clear errors, `make -s kubeconfig`, and a clean stop."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CLUSTER = REPO_ROOT / "tools" / "local-cluster" / "cluster.sh"
BUILD = REPO_ROOT / "tools" / "local-cluster" / "build.sh"


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)


def test_missing_go_is_named_when_something_must_be_built(tmp_path):
    result = run(["bash", str(BUILD), "etcd"], GO=str(tmp_path / "no-go"), LINKOPS_CACHE_DIR=str(tmp_path / "cache"))
    assert result.returncode == 2
    assert "the Go toolchain" in result.stderr and "etcd" in result.stderr


def test_cached_binaries_need_no_go():
    result = run(["bash", str(BUILD)], GO="/nonexistent/go")
    assert result.returncode == 0, result.stderr
    bin_dir = Path(result.stdout.strip())
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "etcd", "kwok", "kwokctl", "helm"):
        assert os.access(bin_dir / name, os.X_OK), name


def test_make_kubeconfig_prints_only_the_path():
    result = subprocess.run(["make", "-s", "kubeconfig"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("/clusters/linkops/kubeconfig.yaml") or lines[0].endswith("kubeconfig.yaml")
    assert os.path.isabs(lines[0])


def test_taken_port_is_reported_before_starting(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = run(["bash", str(CLUSTER), "up"], LINKOPS_CLUSTER_NAME="porttest", LINKOPS_APISERVER_PORT=str(port))
    assert result.returncode != 0
    assert f"port {port} (kube-apiserver) is already in use" in result.stderr
    run(["bash", str(CLUSTER), "down"], LINKOPS_CLUSTER_NAME="porttest")


def _free_port_below_10000() -> int:
    for port in range(6543, 6600):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 6543-6599")


def test_second_cluster_starts_and_down_stops_every_process():
    """A whole extra control plane: up answers /readyz with two Ready fake nodes; down leaves no process or state."""
    env = {"LINKOPS_CLUSTER_NAME": "lifecycle", "LINKOPS_APISERVER_PORT": str(_free_port_below_10000())}
    try:
        up = run(["bash", str(CLUSTER), "up"], **env)
        assert up.returncode == 0, up.stderr
        kubeconfig = up.stdout.strip().splitlines()[-1]
        cluster_dir = Path(kubeconfig).parent
        pids = [int(p.read_text().strip()) for p in (cluster_dir / "pids").glob("*.pid")]
        assert len(pids) >= 5, f"expected etcd, apiserver, controller-manager, scheduler, kwok; got {pids}"
        for pid in pids:
            os.kill(pid, 0)  # alive
        # Bound to loopback only.
        listening = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout
        for line in listening.splitlines():
            if any(f"pid={pid}," in line for pid in pids):
                assert "127.0.0.1:" in line, f"a component listens beyond loopback: {line}"
        nodes = run([str(Path(run(["bash", str(BUILD), "--print"]).stdout.strip()) / "kubectl"), "--kubeconfig", kubeconfig,
                     "get", "nodes", "-o", "name"]).stdout.split()
        assert len(nodes) == 2
    finally:
        down = run(["bash", str(CLUSTER), "down"], **env)
    assert down.returncode == 0, down.stderr
    assert not cluster_dir.exists()
    for pid in pids:
        assert not _running(pid), f"process {pid} survived cluster.sh down"


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child not yet reaped counts as stopped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_down_leaves_alone_a_process_that_reused_a_stale_pid(tmp_path):
    """After a machine restart a pid file may name an unrelated process: down must not kill it."""
    cache = tmp_path / "cache"
    pids = cache / "kwok" / "clusters" / "stale" / "pids"
    pids.mkdir(parents=True)
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (pids / "kube-apiserver.pid").write_text(str(bystander.pid))
        result = run(["bash", str(CLUSTER), "down"], LINKOPS_CLUSTER_NAME="stale", LINKOPS_CACHE_DIR=str(cache))
        assert result.returncode == 0, result.stderr
        assert bystander.poll() is None, "cluster.sh down killed a process that was not the cluster's"
        assert not (cache / "kwok" / "clusters" / "stale").exists()
    finally:
        bystander.kill()
        bystander.wait()
