# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API server dies in the middle of a converge; the next run, once it is back, finishes the job.

Runs on a control plane of its own (``second_cluster``), never the shared one: the test kills
that cluster's kube-apiserver (pid from its own pid file) as the services apply starts, after the
namespaces and RBAC objects went in, then restarts the cluster on the same etcd data.
"""

from __future__ import annotations

import time

import subprocess
from pathlib import Path

from helpers import VENV_BIN, ExtraCluster, PlaybookRun, ansible_playbook, write_inventory
from specs import CONVERGE, example_spec, namespaces

KILL_AT = "Server-side apply | services"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _inventory(tmp_path: Path, extra: ExtraCluster, spec: dict) -> Path:
    host = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
            "k8s_platform_kubeconfig": extra.kubeconfig, **spec}
    return write_inventory(tmp_path / "outage.json", {"outage-cluster": host})


def _names(extra: ExtraCluster, kind: str, namespace: str) -> list[str]:
    return [item["metadata"]["name"] for item in extra.get_json(kind, "-n", namespace)["items"]]


def test_apiserver_killed_mid_converge_then_rerun_converges(second_cluster: ExtraCluster, tmp_path: Path, unique_name: str) -> None:
    spec = example_spec(unique_name)
    inventory = _inventory(tmp_path, second_cluster, spec)
    apps, data = namespaces(spec)[:2]  # <prefix>-g0-mlops, <prefix>-g0-mlops-data

    # 1. Converge, killing the API server when the services are about to be applied.
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(CONVERGE)],
        env=second_cluster.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    killed = False
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if not killed and KILL_AT in line:
            second_cluster.kill_apiserver()
            killed = True
    proc.wait(timeout=600)
    broken = _flat("".join(lines))
    assert killed, broken
    assert proc.returncode != 0, broken
    assert "Traceback" not in broken
    assert "the Kubernetes API server is unreachable" in broken, broken
    assert "rerun when it answers" in broken
    assert not second_cluster.ready()

    # 2. Back on the same state: what was applied before the failure is still there.
    second_cluster.restart()
    assert second_cluster.exists("namespace", apps) and second_cluster.exists("namespace", data)
    managed = "app.kubernetes.io/managed-by=linkops.k8s_platform"
    assert second_cluster.get_json("serviceaccounts", "-n", apps, "-l", managed)["items"]  # rbac ran before the kill
    assert _names(second_cluster, "deployments", apps) == []  # workloads had not started

    # 3. The next run converges everything, once.
    env = second_cluster.env()
    rerun = ansible_playbook(env, inventory, CONVERGE)
    assert rerun.returncode == 0, rerun.output
    deployments = sorted(_names(second_cluster, "deployments", apps))
    assert deployments == ["audit-assess", "frontend", "mlops-platform", "whis-data-input", "whis-enhance"]
    assert _names(second_cluster, "statefulsets", data) == ["database"]
    services = sorted(_names(second_cluster, "services", apps))
    assert services == sorted(["audit-assess", "frontend", "mlops-platform", "mlops-platform-lb", "object-store",
                               "whis-data-input", "whis-enhance"])
    assert _names(second_cluster, "services", data) == ["database"]
    for name in deployments:  # one ReplicaSet per Deployment: nothing rolled twice
        selector = f"app.kubernetes.io/name={name}"
        # The restarted controller manager creates ReplicaSets asynchronously: wait for them.
        deadline = time.monotonic() + 90
        replicasets = []
        while time.monotonic() < deadline:
            replicasets = second_cluster.get_json("replicasets", "-n", apps, "-l", selector)["items"]
            if replicasets:
                break
            time.sleep(1)
        assert len(replicasets) == 1, (name, [rs["metadata"]["name"] for rs in replicasets])
    platform = second_cluster.get_json("deployment", "mlops-platform", "-n", apps, "--show-managed-fields")
    container = platform["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/linkops/mlops-platform:dev"
    assert {p["containerPort"] for p in container["ports"]} == {8000}
    assert "linkops.k8s_platform" in {m["manager"] for m in platform["metadata"]["managedFields"]}
    frontend = second_cluster.get_json("service", "frontend", "-n", apps)["spec"]
    assert frontend["type"] == "LoadBalancer" and frontend["ports"][0]["targetPort"] == 3000

    # 4. And it is a steady state.
    again: PlaybookRun = ansible_playbook(env, inventory, CONVERGE)
    assert again.returncode == 0, again.output
    assert again.recap()["changed"] == 0, again.output
