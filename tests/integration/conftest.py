# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for tests against a real Kubernetes control plane.

The cluster is the one `KUBECONFIG` points at when it is set (kind, k3d, a cloud cluster),
otherwise the local control plane of tools/local-cluster, started once per session if it is
not already running (and stopped again at the end only if this session started it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from k8s_cluster import CLUSTER_SCRIPT, REPO_ROOT, VENV_BIN, Cluster, PlaybookRun, bin_dir


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_node: needs pods that really run (an official chart's admission webhook the API server calls); "
        "tools/run-tests.sh runs these in tier 2, on the real node, and tier 1 (kwok's fake nodes) deselects them",
    )


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    bin_dir_path = bin_dir()
    external = os.environ.get("KUBECONFIG", "")
    if external:
        yield Cluster(kubeconfig=external, bin_dir=bin_dir_path, local=False)
        return
    started = subprocess.run(["bash", str(CLUSTER_SCRIPT), "status"]).returncode != 0
    result = subprocess.run(["bash", str(CLUSTER_SCRIPT), "up"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"the local control plane did not start:\n{result.stderr}")
    kubeconfig = result.stdout.strip().splitlines()[-1]
    try:
        yield Cluster(kubeconfig=kubeconfig, bin_dir=bin_dir_path, local=True)
    finally:
        if started and not os.environ.get("LINKOPS_KEEP_CLUSTER"):
            subprocess.run(["bash", str(CLUSTER_SCRIPT), "down"], capture_output=True)


@pytest.fixture
def unique_name() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def namespace(cluster: Cluster, unique_name: str) -> Iterator[str]:
    """A fresh namespace named `unique_name`, deleted (without waiting) after the test."""
    cluster.kubectl("create", "namespace", unique_name)
    yield unique_name
    cluster.kubectl("delete", "namespace", unique_name, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture(scope="session")
def monitoring_crds(cluster: Cluster) -> None:
    """prometheus-operator's upstream CRDs (tools/local-cluster/crds.sh), applied and left in place (shared)."""
    cluster.apply_crds("monitoring.coreos.com")


@pytest.fixture
def monitoring_namespaces(cluster: Cluster, monitoring_crds: None, unique_name: str) -> Iterator[dict[str, str]]:
    """A monitoring and an apps namespace of the test's own; Helm releases left in the monitoring one are uninstalled."""
    made = {"monitoring": f"{unique_name}-mon", "apps": f"{unique_name}-apps"}
    for ns in made.values():
        cluster.kubectl("create", "namespace", ns)
    yield made
    helm = [os.path.join(cluster.bin_dir, "helm")]
    listed = subprocess.run([*helm, "list", "-n", made["monitoring"], "-q"], env=cluster.env(), capture_output=True, text=True)
    for release in listed.stdout.split():
        subprocess.run([*helm, "uninstall", release, "-n", made["monitoring"], "--wait"], env=cluster.env(), capture_output=True)
    for ns in made.values():
        cluster.kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture
def role_playbook(tmp_path: Path):
    """Write a one-play playbook (all hosts, no facts) that applies the collection's roles in order.

    `role_playbook("rbac")`, or several roles with role vars:
    `role_playbook({"role": "rbac", "vars": {"rbac_verify": False}}, "workloads")`. Returns the file's path.
    """

    def make(*roles: str | dict) -> Path:
        if not roles:
            raise ValueError("role_playbook needs at least one role")
        entries = [{"role": f"linkops.k8s_platform.{role}"} if isinstance(role, str)
                   else {**role, "role": f"linkops.k8s_platform.{role['role']}"} for role in roles]
        play = [{"hosts": "all", "gather_facts": False, "roles": entries}]
        names = "-".join(entry["role"].rsplit(".", 1)[-1] for entry in entries)
        path = tmp_path / f"{names}-{uuid.uuid4().hex[:6]}.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        return path

    return make


@pytest.fixture
def run_playbook(cluster: Cluster, tmp_path: Path):
    """Run ansible-playbook against the test cluster with an inventory made from `host_vars`."""

    def run(playbook: str | Path, host_vars: dict, *extra_args: str, check: bool = False) -> PlaybookRun:
        inventory = tmp_path / f"inventory-{uuid.uuid4().hex[:6]}.json"
        host = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "k8s_platform_kubeconfig": cluster.kubeconfig,
            **host_vars,
        }
        inventory.write_text(json.dumps({"all": {"hosts": {"test-cluster": host}}}))
        args = [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *extra_args]
        if check:
            args += ["--check", "--diff"]
        proc = subprocess.run(args, env=cluster.env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr)

    return run
