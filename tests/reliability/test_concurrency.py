# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two converges of the same inventory at once end in the state one converge makes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import VENV_BIN, PlaybookRun, ansible_playbook, write_inventory
from specs import CONVERGE, example_spec, namespaces

KINDS = ("namespaces", "deployments", "statefulsets", "services", "serviceaccounts", "roles", "rolebindings")
VOLATILE_META = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "namespace", "annotations")


def _inventory(tmp_path: Path, cluster, spec: dict, name: str) -> Path:
    host = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
            "k8s_platform_kubeconfig": cluster.kubeconfig, **spec}
    return write_inventory(tmp_path / f"{name}.json", {"concurrent-cluster": host})


def _normalised(obj: dict[str, Any], prefix: str) -> dict[str, Any]:
    """An object with what the API server assigns per object removed and the test's prefix erased."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in VOLATILE_META}
    spec = dict(obj.get("spec") or {})
    for key in ("clusterIP", "clusterIPs"):
        spec.pop(key, None)
    for port in spec.get("ports", []) if isinstance(spec.get("ports"), list) else []:
        if obj["kind"] == "Service" and spec.get("type") in ("NodePort", "LoadBalancer") and "nodePort" in port:
            port["nodePort"] = "assigned"
    body = {"kind": obj["kind"], "metadata": meta, "spec": spec, "rules": obj.get("rules"), "subjects": obj.get("subjects"),
            "roleRef": obj.get("roleRef")}
    return _erase_prefix(body, prefix)


def _erase_prefix(value: Any, prefix: str) -> Any:
    if isinstance(value, dict):
        return {_erase_prefix(k, prefix): _erase_prefix(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_erase_prefix(v, prefix) for v in value]
    if isinstance(value, str):
        return value.replace(prefix, "PREFIX")
    return value


def _state(cluster, spec: dict, prefix: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for ns in namespaces(spec):
        state[f"namespace {ns.replace(prefix, 'PREFIX')}"] = _normalised(cluster.get_json("namespace", ns), prefix)
        for kind in KINDS[1:]:
            for item in cluster.get_json(kind, "-n", ns)["items"]:
                if kind == "serviceaccounts" and item["metadata"]["name"] == "default":
                    continue
                state[f"{kind} {ns.replace(prefix, 'PREFIX')}/{item['metadata']['name']}"] = _normalised(item, prefix)
        replicasets: dict[str, int] = {}
        for rs in cluster.get_json("replicasets", "-n", ns)["items"]:
            owner = rs["metadata"]["ownerReferences"][0]["name"]
            replicasets[owner] = replicasets.get(owner, 0) + 1
        state[f"replicasets per deployment {ns.replace(prefix, 'PREFIX')}"] = replicasets
    return state


@pytest.fixture
def prefixes(cluster, unique_name):
    both = [f"{unique_name}c", f"{unique_name}s"]
    yield both
    for prefix in both:
        for ns in namespaces(example_spec(prefix)):
            cluster.kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)


def test_two_converges_at_once_equal_one(cluster, tmp_path: Path, prefixes: list[str]) -> None:
    concurrent, single = prefixes
    spec_c, spec_s = example_spec(concurrent), example_spec(single)
    inventory_c = _inventory(tmp_path, cluster, spec_c, "concurrent")
    env = cluster.env()
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory_c), str(CONVERGE)]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # pylint: disable=consider-using-with
             for _copy in range(2)]
    outputs = [proc.communicate(timeout=900)[0] for proc in procs]
    for proc, output in zip(procs, outputs):
        assert proc.returncode == 0, output
        assert "Traceback" not in output

    one: PlaybookRun = ansible_playbook(env, _inventory(tmp_path, cluster, spec_s, "single"), CONVERGE)
    assert one.returncode == 0, one.output

    state_c, state_s = _state(cluster, spec_c, concurrent), _state(cluster, spec_s, single)
    assert state_c.keys() == state_s.keys()
    for key, expected in state_s.items():
        assert state_c[key] == expected, key
    assert any(key.startswith("deployments ") for key in state_c)
    assert all(count == 1 for key, per in state_c.items() if key.startswith("replicasets") for count in per.values())

    # Nothing left to do after the race: the concurrent namespaces are converged.
    after = ansible_playbook(env, inventory_c, CONVERGE)
    assert after.returncode == 0 and after.recap()["changed"] == 0, after.output
