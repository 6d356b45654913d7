# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The namespaces role on the real control plane: converge, idempotence, check mode, absent, bad input."""

from __future__ import annotations


import pytest


@pytest.fixture
def names(cluster, unique_name):
    created = [f"{unique_name}-a", f"{unique_name}-b"]
    yield created
    for name in created:
        cluster.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def spec(names: list[str]) -> dict:
    return {
        "k8s_platform_namespaces": [
            {"name": names[0], "pod_security": "restricted", "labels": {"team": "ml"}, "annotations": {"owner": "ml-team"}},
            {"name": names[1], "pod_security": {"enforce": "baseline", "warn": "restricted", "audit": "restricted"}},
        ]
    }


def test_converge_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, names):
    playbook = role_playbook("namespaces")
    check_first = run_playbook(playbook, spec(names), check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] == 1
    assert not cluster.exists("namespace", names[0]), "check mode must not create anything"

    first = run_playbook(playbook, spec(names))
    assert first.returncode == 0, first.output
    assert first.recap()["changed"] == 1

    restricted = cluster.get_json("namespace", names[0])["metadata"]
    assert restricted["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert restricted["labels"]["pod-security.kubernetes.io/enforce-version"] == "v1.35"
    assert restricted["labels"]["team"] == "ml"
    assert restricted["annotations"]["owner"] == "ml-team"
    assert restricted["labels"]["app.kubernetes.io/managed-by"] == "linkops.k8s_platform"
    baseline = cluster.get_json("namespace", names[1])["metadata"]["labels"]
    assert baseline["pod-security.kubernetes.io/enforce"] == "baseline"
    assert baseline["pod-security.kubernetes.io/warn"] == "restricted"

    managers = {m["manager"] for m in cluster.get_json("namespace", names[0], "--show-managed-fields")["metadata"]["managedFields"]}
    assert "linkops.k8s_platform" in managers

    second = run_playbook(playbook, spec(names))
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output

    check_again = run_playbook(playbook, spec(names), check=True)
    assert check_again.recap()["changed"] == 0, check_again.output

    # A changed level shows in --check --diff and is not applied.
    changed_spec = spec(names)
    changed_spec["k8s_platform_namespaces"][1]["pod_security"] = "restricted"
    diff = run_playbook(playbook, changed_spec, check=True)
    assert diff.recap()["changed"] == 1
    assert "baseline" in diff.output and "restricted" in diff.output
    assert cluster.get_json("namespace", names[1])["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"

    absent = run_playbook(playbook, {**spec(names), "namespaces_state": "absent"})
    assert absent.returncode == 0, absent.output
    for name in names:
        assert not cluster.exists("namespace", name)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([{"name": "Bad_Name"}], "namespaces_list[0].name: Bad_Name is not a DNS-1123 label"),
        ([{"name": "ok-ns"}, {"name": "x" * 64}], "namespaces_list[1].name: " + "x" * 64 + " is not a DNS-1123 label"),
        ([{"name": "ok-ns", "pod_security": "strict"}], "namespaces_list[0].pod_security: strict is not one of privileged, baseline, restricted"),
        ([{"name": "ok-ns", "pod_security": {"enforce": "nope"}}], "namespaces_list[0].pod_security: nope is not one of"),
        ([{"name": "dup"}, {"name": "dup"}], "namespaces_list: namespace dup is listed more than once"),
        ([{"labels": {}}], "missing required arguments: name"),
        ("not-a-list", "namespaces_list"),
    ],
)
def test_bad_input_is_reported_before_anything_is_applied(cluster, run_playbook, role_playbook, unique_name, entries, expected):
    # A valid namespace rides along: it must not be created when any entry is bad.
    playbook = role_playbook("namespaces")
    good = f"{unique_name}-good"
    namespaces = [{"name": good}, *entries] if isinstance(entries, list) else entries
    if isinstance(entries, list):
        expected = expected.replace("namespaces_list[0]", "namespaces_list[1]", 1) if expected.startswith("namespaces_list[0]") else expected
        expected = expected.replace("namespaces_list[1].name: x", "namespaces_list[2].name: x", 1)
    result = run_playbook(playbook, {"k8s_platform_namespaces": namespaces})
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("namespace", good)
