# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the end-to-end tier: the LinkOps spec of inventories/local converged on a cluster
with real nodes (the local real node of tools/local-cluster, or the cluster KUBECONFIG points at),
checked with packets, DNS answers and HTTP responses.

`make test` converges the platform (tools/demo.sh) before this tier; run alone, the session
converges it first when the apps are not there.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8s_cluster import CLUSTER_SCRIPT, REPO_ROOT, VENV_BIN, Cluster, PlaybookRun, bin_dir

from e2e_env import NETWORK, NODE_SCRIPT

PLATFORM_FILE = REPO_ROOT / "inventories" / "local" / "group_vars" / "all" / "platform.yml"


def pytest_configure(config):
    config.addinivalue_line("markers", "local_node: checks the local real node of tools/local-cluster (its processes, "
                            "addresses, resolvers); deselect with -m 'not local_node' against another cluster")


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    external = os.environ.get("KUBECONFIG", "")
    if external:
        kubeconfig = external
    else:
        kubeconfig = subprocess.run(["bash", str(CLUSTER_SCRIPT), "kubeconfig"], capture_output=True, text=True, check=True).stdout.strip()
        if subprocess.run(["bash", str(CLUSTER_SCRIPT), "status"]).returncode != 0:
            pytest.fail(f"no local cluster answers at {kubeconfig}: start it with `make cluster-up` (real node) or set KUBECONFIG")
    local = subprocess.run(["bash", str(NODE_SCRIPT), "running", str(Path(kubeconfig).parent)]).returncode == 0
    found = Cluster(kubeconfig=kubeconfig, bin_dir=bin_dir(), local=local)
    # testinfra's kubectl backend runs the kubectl it finds on PATH.
    os.environ["PATH"] = os.pathsep.join([found.bin_dir, os.environ.get("PATH", "")])
    return found


@pytest.fixture(scope="session")
def real_node(cluster: Cluster) -> str:
    """The local real node's name; tests that check the node itself (its processes, sockets, rules) need it."""
    if not cluster.local:
        pytest.fail("this test checks the local real node (tools/local-cluster/node.sh); it cannot run against KUBECONFIG's cluster")
    return NETWORK["NODE_NAME"]


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The platform spec the cluster was converged with."""
    return yaml.safe_load(PLATFORM_FILE.read_text())


@pytest.fixture(scope="session")
def platform(cluster: Cluster, spec: dict[str, Any]) -> dict[str, Any]:
    """The converged LinkOps platform: every app workload rolled out (converged by tools/demo.sh if not)."""
    apps = [app for app in spec["k8s_platform_apps"] if app.get("workload")]
    if not all(cluster.exists(_workload_ref(app), "-n", app["namespace"]) for app in apps):
        demo = subprocess.run(["bash", str(REPO_ROOT / "tools" / "demo.sh")], env=cluster.env(), cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=1800)
        assert demo.returncode == 0, f"tools/demo.sh failed:\n{demo.stdout[-4000:]}\n{demo.stderr[-2000:]}"
    for app in apps:
        cluster.kubectl("-n", app["namespace"], "rollout", "status", _workload_ref(app), "--timeout=180s")
    return spec


def _workload_ref(app: dict[str, Any]) -> str:
    return f"{app['workload'].get('kind', 'Deployment').lower()}/{app['name']}"


PROBE_LABEL = "linkops.io/connectivity-probe"


def probe_pods(cluster: Cluster) -> list[str]:
    listed = cluster.kubectl("get", "pods", "-A", "-l", PROBE_LABEL, "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}")
    return listed.stdout.split()


@pytest.fixture
def module(cluster: Cluster) -> Iterator:
    """`module("connectivity_probe", {...})`: the module's result; a failed run fails the test with its message.
    After the test, no probe pod may be left, whatever happened."""

    def run(name: str, args: dict[str, Any], check_mode: bool = False, may_fail: bool = False) -> dict[str, Any]:
        result = cluster.run_module(name, args, check_mode)
        if not may_fail:
            assert not result.get("failed"), f"{name} failed: {result.get('msg')}"
        return result

    yield run
    left = probe_pods(cluster)
    assert not left, f"probe pods left behind: {left}"


@pytest.fixture
def run_playbook(cluster: Cluster, tmp_path: Path):
    """Run a playbook with inventories/local (and extra vars) against the cluster."""

    def run(playbook: str | Path, extra_vars: dict[str, Any] | None = None, *args: str) -> PlaybookRun:
        command = [str(VENV_BIN / "ansible-playbook"), "-i", str(REPO_ROOT / "inventories" / "local"), str(playbook), *args]
        if extra_vars:
            vars_file = tmp_path / f"vars-{uuid.uuid4().hex[:6]}.json"
            vars_file.write_text(json.dumps(extra_vars))
            command += ["-e", f"@{vars_file}"]
        proc = subprocess.run(command, env=cluster.env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def scratch_namespace(cluster: Cluster) -> Iterator[str]:
    """A namespace of the test's own, deleted after it."""
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)
