# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: through `ansible` ad hoc (AnsiballZ and all), and in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.linkops.k8s_platform.plugins.modules import netpol_reachability

import k8s_cluster

from .scenarios import SCENARIOS
from .test_analysis import FakeClient, live_cluster
from .topology import build_topology, netpol


OBJECTS = build_topology() + [
    netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
    netpol(
        "x",
        "a-from-y",
        {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]},
    ),
]


def run_adhoc(args: dict, tmp_path: Path) -> tuple[int, dict]:
    return k8s_cluster.run_adhoc("netpol_reachability", args, local_temp=tmp_path / "local")


def test_adhoc_offline_queries_matrix_and_failing_expect(tmp_path):
    rc, result = run_adhoc(
        {
            "resources": OBJECTS,
            "queries": [{"from": "y/b", "to": "x/a", "port": 80}, {"from": "z/b", "to": "x/a", "port": 80, "protocol": "sctp"}],
            "matrix": True,
            "ports": [80],
            "namespaces": ["x"],
            "graph": "mermaid",
        },
        tmp_path,
    )
    assert rc == 0, result
    assert [r["allowed"] for r in result["results"]] == [True, False]
    assert result["results"][1]["protocol"] == "SCTP"
    assert result["results"][1]["ingress_policies"] == ["x/a-from-y", "x/deny"]
    assert result["pods"] == ["x/a", "x/b", "x/c"] and len(result["matrix"]) == 9
    assert result["graph"].startswith("flowchart LR")

    rc, result = run_adhoc(
        {
            "resources": OBJECTS,
            "expect": [
                {"from": "y/b", "to": "x/a", "port": 80, "allowed": True},
                {"from": "x/b", "to": "x/a", "port": 80, "allowed": True},
                {"from": "x/a", "to": "x/b", "port": 81, "allowed": True},
            ],
        },
        tmp_path,
    )
    assert rc != 0 and result["failed"]
    assert result["msg"].startswith("2 of 3 reachability expectations do not hold")
    assert [(m["from"], m["to"]) for m in result["mismatches"]] == [("x/b", "x/a"), ("x/a", "x/b")]


def test_adhoc_unknown_pod_is_a_clear_failure(tmp_path):
    rc, result = run_adhoc({"resources": OBJECTS, "queries": [{"from": "x/a", "to": "x/d", "port": 80}]}, tmp_path)
    assert rc != 0
    assert "queries[0]: 'x/d': no pod or workload of that name in namespace 'x'" in result["msg"]


def run_main(args: dict, capsys) -> dict:
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            netpol_reachability.main()
    return json.loads(capsys.readouterr().out)


def test_main_offline_one_conformance_scenario_matrix(capsys):
    scenario = next(s for s in SCENARIOS if s.name == "pod-and-namespace-selector-anded-in-one-peer")
    result = run_main(
        {"resources": scenario.objects(), "matrix": True, "ports": [80, "81/UDP", {"port": 81, "protocol": "SCTP"}]},
        capsys,
    )
    expected = scenario.expected()
    got = {(m["from"], m["to"], m["port"], m["protocol"]): m["allowed"] for m in result["matrix"]}
    assert got == {cell: expected[cell] for cell in got}
    assert len(got) == 9 * 9 * 3


def test_main_rejects_an_invalid_policy_with_its_name(capsys):
    broken = netpol("x", "broken", {"podSelector": {}, "ingress": [{"from": [{}]}]})
    result = run_main({"resources": OBJECTS + [broken], "queries": []}, capsys)
    assert result["failed"] and "NetworkPolicy x/broken" in result["msg"]


def test_main_argument_spec_checks_choices(capsys):
    result = run_main({"resources": OBJECTS, "graph": "svg", "ports": [80]}, capsys)
    assert result["failed"] and "graph" in result["msg"]


def test_main_warns_through_ansible(capsys):
    objects = OBJECTS + [{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c", "namespace": "x"}}]
    result = run_main({"resources": objects}, capsys)
    assert any("CiliumNetworkPolicy" in str(w) for w in result.get("warnings", []))


def test_main_live_mode_uses_the_kubernetes_core_client(capsys, monkeypatch):
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s import client as k8s_client

    seen = {}

    def fake_get_api_client(module=None, **kwargs):
        seen["kubeconfig"] = module.params["kubeconfig"]
        seen["context"] = module.params["context"]
        return FakeClient(live_cluster())

    monkeypatch.setattr(k8s_client, "get_api_client", fake_get_api_client)
    result = run_main(
        {
            "kubeconfig": "/nonexistent/kubeconfig",
            "context": "kind-test",
            "queries": [{"from": "y/c-7f9-abcde", "to": "x/a", "port": 80}],
            "expect": [{"from": "x/b", "to": "x/a", "port": 80, "allowed": False}],
        },
        capsys,
    )
    assert seen == {"kubeconfig": "/nonexistent/kubeconfig", "context": "kind-test"}
    assert result.get("failed") is not True, result
    assert result["results"][0]["allowed"] is True
    assert result["mismatches"] == []


def test_main_live_mode_fails_when_pods_cannot_be_listed(capsys, monkeypatch):
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s import client as k8s_client

    monkeypatch.setattr(k8s_client, "get_api_client", lambda module=None, **kw: FakeClient(live_cluster(), forbidden={"Pod"}))
    result = run_main({"queries": []}, capsys)
    assert result["failed"] and "Pod.v1: forbidden" in result["msg"]
