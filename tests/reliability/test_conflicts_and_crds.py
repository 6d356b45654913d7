# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field ownership conflicts (the k8s_platform_force_conflicts policy) and a missing CRD."""

from __future__ import annotations

from pathlib import Path

import pytest

NAMESPACES_PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles:
    - role: linkops.k8s_platform.namespaces
"""

APPLY_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Apply through the collection's single writer
      ansible.builtin.include_role:
        name: linkops.k8s_platform.k8s_apply
      vars:
        k8s_apply_area: certificates-test
        k8s_apply_objects: "{{ objects }}"
        k8s_apply_crd_roles: {Certificate: cert_manager}
"""


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def namespace(cluster, unique_name):
    yield unique_name
    cluster.kubectl("delete", "namespace", unique_name, "--wait=false", "--ignore-not-found", check=False)


def _owners(cluster, namespace: str) -> dict[str, set[str]]:
    """manager -> the metadata.labels keys it owns."""
    meta = cluster.get_json("namespace", namespace, "--show-managed-fields")["metadata"]
    owners: dict[str, set[str]] = {}
    for entry in meta["managedFields"]:
        labels = entry.get("fieldsV1", {}).get("f:metadata", {}).get("f:labels", {})
        owners.setdefault(entry["manager"], set()).update(key[2:] for key in labels if key.startswith("f:"))
    return owners


def test_conflict_is_reported_then_taken_over_with_force_conflicts(cluster, run_playbook, tmp_path: Path, namespace: str) -> None:
    playbook = tmp_path / "namespaces.yml"
    playbook.write_text(NAMESPACES_PLAYBOOK)
    spec = {"k8s_platform_namespaces": [{"name": namespace, "pod_security": "baseline", "labels": {"team": "ml"}}]}
    first = run_playbook(playbook, spec)
    assert first.returncode == 0, first.output

    # Someone else takes the label with their own field manager.
    intruder = f"""{{"apiVersion": "v1", "kind": "Namespace", "metadata": {{"name": "{namespace}", "labels": {{"team": "payments"}}}}}}"""
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=intruder", "-f", "-", stdin=intruder)
    assert "team" in _owners(cluster, namespace)["intruder"]

    # Default policy: the conflict is reported, with the field, the manager and the way out; nothing is overwritten.
    refused = run_playbook(playbook, spec)
    flat = _flat(refused.output)
    assert refused.returncode != 0, refused.output
    assert "Traceback" not in flat
    assert "namespaces: another field manager owns fields this role sets" in flat, flat
    assert "k8s_platform_force_conflicts: true" in flat
    assert "intruder" in flat and "team" in flat
    assert cluster.get_json("namespace", namespace)["metadata"]["labels"]["team"] == "payments"

    # Check mode reports the same conflict and changes nothing either.
    checked = run_playbook(playbook, spec, check=True)
    assert checked.returncode != 0 and "another field manager owns fields" in _flat(checked.output)
    assert cluster.get_json("namespace", namespace)["metadata"]["labels"]["team"] == "payments"

    # Policy on: the collection takes the field back and owns it alone.
    forced = run_playbook(playbook, {**spec, "k8s_platform_force_conflicts": True})
    assert forced.returncode == 0, forced.output
    assert forced.recap()["changed"] == 1
    assert cluster.get_json("namespace", namespace)["metadata"]["labels"]["team"] == "ml"
    owners = _owners(cluster, namespace)
    assert "team" in owners["linkops.k8s_platform"]
    assert "team" not in owners.get("intruder", set())

    # Afterwards the default policy converges quietly again.
    steady = run_playbook(playbook, spec)
    assert steady.returncode == 0 and steady.recap()["changed"] == 0, steady.output


def test_missing_crd_names_the_role_to_run_first(second_cluster, tmp_path: Path, unique_name: str) -> None:
    """On a bare control plane (no cert-manager CRDs) a Certificate cannot be applied: say which role installs it."""
    from helpers import VENV_BIN, ansible_playbook, write_inventory  # pylint: disable=import-outside-toplevel

    playbook = tmp_path / "apply.yml"
    playbook.write_text(APPLY_PLAYBOOK)
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": unique_name}},
        {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "web", "namespace": unique_name},
         "spec": {"secretName": "web-tls", "dnsNames": ["web.example.com"], "issuerRef": {"name": "ca", "kind": "ClusterIssuer"}}},
    ]
    host = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
            "k8s_platform_kubeconfig": second_cluster.kubeconfig, "objects": objects}
    inventory = write_inventory(tmp_path / "inventory.json", {"bare-cluster": host})
    run = ansible_playbook(second_cluster.env(), inventory, playbook)
    flat = _flat(run.output)
    assert run.returncode != 0, run.output
    assert "Traceback" not in flat
    assert "certificates-test: the cluster does not serve kind Certificate" in flat, flat
    assert "Run cert_manager first (role linkops.k8s_platform.cert_manager)" in flat, flat
    assert not second_cluster.exists("crd", "certificates.cert-manager.io")
