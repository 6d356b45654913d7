# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's option handling (analysis.analyse) and the live read, with a fake client."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.analysis import (
    LIVE_KINDS,
    LiveReadError,
    analyse,
    load_resources,
    read_live,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import NetpolError, QueryError

from .topology import PODS, build_topology, netpol

DENY_X = netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]})
A_FROM_Y = netpol(
    "x",
    "a-from-y",
    {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}], "ports": [{"port": 80}]}]},
)
OBJECTS = build_topology() + [DENY_X, A_FROM_Y]


def test_results_keep_query_order_and_shape():
    result = analyse(
        OBJECTS,
        queries=[
            {"from": "y/b", "to": "x/a", "port": 80},
            {"from": "y/b", "to": "x/a", "port": 81, "protocol": "udp"},
            {"from": "203.0.113.9", "to": "y/c", "port": "443"},
        ],
    )
    assert result["changed"] is False
    assert result["pods"] == list(PODS)
    assert "matrix" not in result and "graph" not in result and "mismatches" not in result
    first, second, third = result["results"]
    assert first == {
        "from": "y/b",
        "to": "x/a",
        "port": 80,
        "protocol": "TCP",
        "allowed": True,
        "ingress_allowed": True,
        "egress_allowed": True,
        "ingress_policies": ["x/a-from-y"],
        "egress_policies": [],
    }
    assert second["protocol"] == "UDP" and not second["allowed"]
    assert second["ingress_policies"] == ["x/a-from-y", "x/deny"]
    assert third["allowed"] and third["port"] == 443


def test_expect_lists_every_mismatch():
    result = analyse(
        OBJECTS,
        expect=[
            {"from": "y/b", "to": "x/a", "port": 80, "allowed": True},  # holds
            {"from": "z/b", "to": "x/a", "port": 80, "allowed": True},  # does not
            {"from": "x/a", "to": "y/a", "port": 80, "allowed": False},  # does not
        ],
    )
    assert result["failed"] is True
    assert [(m["from"], m["expected"], m["allowed"]) for m in result["mismatches"]] == [
        ("z/b", True, False),
        ("x/a", False, True),
    ]
    assert result["msg"].startswith("2 of 3 reachability expectations do not hold:")
    assert "- z/b -> x/a 80/TCP: expected allowed, got denied (egress not isolated; ingress denied by x/a-from-y, x/deny)" in result["msg"]
    assert "- x/a -> y/a 80/TCP: expected denied, got allowed (egress not isolated; ingress not isolated)" in result["msg"]


def test_expect_all_holding_does_not_fail():
    result = analyse(OBJECTS, expect=[{"from": "y/b", "to": "x/a", "port": 80, "allowed": True}])
    assert result["mismatches"] == [] and "failed" not in result


def test_every_bad_query_is_reported_at_once():
    with pytest.raises(QueryError) as caught:
        analyse(
            OBJECTS,
            queries=[
                {"from": "x/a", "to": "nowhere/a", "port": 80},
                {"from": "x/a", "to": "x/a", "port": 80},
                {"from": "x/nobody", "to": "x/a", "port": 80},
            ],
            expect=[{"from": "x/a", "to": "y/a", "port": 80}],
        )
    text = str(caught.value)
    assert "queries[0]: 'nowhere/a': unknown namespace 'nowhere'" in text
    assert "queries[1]" not in text  # loopback is a fine question
    assert "queries[2]: 'x/nobody': no pod or workload" in text
    assert "expect[0]: missing allowed (true or false)" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"matrix": True}, "matrix and graph need the ports"),
        ({"graph": "dot"}, "matrix and graph need the ports"),
        ({"graph": "svg", "ports": [80]}, "graph: 'svg'"),
        ({"matrix": True, "ports": ["80/ICMP"]}, "ports[0]"),
        ({"queries": [{"from": "x/a", "to": "x/b"}]}, "queries[0]: missing port"),
        ({"queries": ["x/a -> x/b"]}, "expected a mapping"),
        ({"matrix": True, "ports": [80], "namespaces": ["q"]}, "namespaces: unknown namespace"),
    ],
)
def test_option_errors(kwargs, message):
    with pytest.raises(QueryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        analyse(OBJECTS, **kwargs)


def test_matrix_covers_every_pair_and_port():
    result = analyse(OBJECTS, matrix=True, ports=[80, "81/UDP"])
    matrix = result["matrix"]
    assert len(matrix) == 9 * 9 * 2
    cell = {(m["from"], m["to"], m["port"], m["protocol"]): m["allowed"] for m in matrix}
    assert cell[("y/b", "x/a", 80, "TCP")] is True
    assert cell[("y/b", "x/a", 81, "UDP")] is False
    assert cell[("x/a", "x/a", 81, "UDP")] is True  # loopback
    assert cell[("x/a", "y/b", 81, "UDP")] is True


def test_namespaces_filter_limits_matrix_graph_and_pods_but_not_queries():
    result = analyse(
        OBJECTS,
        matrix=True,
        ports=[80],
        graph="dot",
        namespaces=["x"],
        queries=[{"from": "z/c", "to": "x/a", "port": 80}],
    )
    assert result["pods"] == ["x/a", "x/b", "x/c"]
    assert len(result["matrix"]) == 9
    assert '"z/' not in result["graph"]
    assert result["results"][0]["allowed"] is False


def test_graph_dot():
    graph = analyse(OBJECTS, graph="dot", ports=[80, "81/UDP"], namespaces=["x", "y"])["graph"]
    assert graph.startswith("digraph netpol_reachability {")
    assert 'label="x";' in graph and '"x/a" [label="a"];' in graph
    assert '"y/b" -> "x/a" [label="80/TCP"];' in graph
    assert '"y/b" -> "y/c" [label="80/TCP, 81/UDP"];' in graph
    assert '"x/a" -> "x/a"' not in graph  # loopback is left out
    assert '"x/b" -> "x/a"' not in graph  # denied
    assert graph.rstrip().endswith("}")


def test_graph_mermaid():
    graph = analyse(OBJECTS, graph="mermaid", ports=[80], namespaces=["x", "y"])["graph"]
    lines = graph.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph ns0["x"]' in lines and "  end" in lines
    ids = {line.split("[")[0].strip(): line for line in lines if line.startswith("    p")}
    assert ids["p0"] == '    p0["a"]'
    assert '  p4 -->|"80/TCP"| p0' in lines  # y/b -> x/a
    assert not any(line.startswith("  p0 -->|") and line.endswith("| p0") for line in lines)


def test_graph_escapes_names():
    objects = [{"kind": "Pod", "metadata": {"name": 'we"ird', "namespace": "n"}, "spec": {}}]
    assert '"n/we\\"ird"' in analyse(objects, graph="dot", ports=[80])["graph"]
    assert "we#quot;ird" in analyse(objects, graph="mermaid", ports=[80])["graph"]


def test_warnings_collect_model_and_verdict_notes():
    objects = OBJECTS + [
        {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c", "namespace": "x"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "h", "namespace": "y"}, "spec": {"hostNetwork": True}},
    ]
    result = analyse(objects, queries=[{"from": "y/h", "to": "y/a", "port": 80}])
    assert any("CiliumNetworkPolicy" in w for w in result["warnings"])
    assert any("hostNetwork" in w for w in result["warnings"])


def test_load_resources_unpacks_lists_and_rejects_strings():
    listing = {"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "a", "namespace": "n"}}]}
    assert load_resources([listing, None])[0]["kind"] == "Pod"
    with pytest.raises(NetpolError, match="expected a mapping"):
        load_resources(["kind: Pod"])


# -- live mode ---------------------------------------------------------------------------------


class Forbidden(Exception):
    status = 403
    reason = "Forbidden"


class ResourceNotFoundError(Exception):
    pass


class FakeResource:
    def __init__(self, kind, api_version):
        self.kind = kind
        self.api_version = api_version
        self.namespaced = kind != "Namespace"


class FakeClient:
    """The `resource(kind, api_version)` / `get(resource, **params)` shape of K8SClient."""

    def __init__(self, objects, forbidden=(), missing=()):
        self.objects = copy.deepcopy(list(objects))
        self.forbidden = set(forbidden)
        self.missing = set(missing)
        self.calls = []

    def resource(self, kind, api_version):
        if kind in self.missing:
            raise ResourceNotFoundError(kind)
        return FakeResource(kind, api_version)

    def get(self, resource, **params):
        # Like the dynamic client: a serializer turns the decoded JSON into the answer.
        serializer = params.pop("serializer", lambda _client, data: data)
        self.calls.append((resource.kind, params))
        if resource.kind in self.forbidden:
            raise Forbidden()
        items = []
        for obj in self.objects:
            if obj.get("kind") == resource.kind:
                item = copy.deepcopy(obj)
                # list responses leave kind and apiVersion off their items
                item.pop("kind")
                item.pop("apiVersion", None)
                items.append(item)
        return serializer(self, {"items": items})


def live_cluster():
    objects = build_topology(workloads=["y/c"]) + [DENY_X, A_FROM_Y]
    objects += [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "c-7f9", "namespace": "y", "ownerReferences": [{"kind": "Deployment", "name": "c"}]},
            "spec": {"template": {"metadata": {"labels": {"pod": "c"}}, "spec": {}}},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "c-7f9-abcde",
                "namespace": "y",
                "labels": {"pod": "c", "pod-template-hash": "7f9"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "c-7f9"}],
            },
            "spec": {},
            "status": {"phase": "Running", "podIP": "10.244.1.7"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "migrate-x1", "namespace": "z", "labels": {"job-name": "migrate"}},
            "spec": {},
            "status": {"phase": "Succeeded"},
        },
    ]
    return objects


def test_live_read_lists_every_kind_once_in_all_namespaces():
    client = FakeClient(live_cluster())
    objects, warnings = read_live(client)
    assert warnings == []
    assert [kind for kind, _ in client.calls] == [k.kind for k in LIVE_KINDS]
    assert all(params == {} for _, params in client.calls)
    assert {o["kind"] for o in objects} == {"Namespace", "Pod", "NetworkPolicy", "Deployment", "ReplicaSet"}
    assert all(o["apiVersion"] for o in objects)


def test_live_mode_end_to_end_with_fake_client():
    objects, _ = read_live(FakeClient(live_cluster()))
    result = analyse(
        objects,
        queries=[
            {"from": "y/c-7f9-abcde", "to": "x/a", "port": 80},  # a Deployment's pod, by its own name
            {"from": "y/c", "to": "x/b", "port": 80},
        ],
        matrix=True,
        ports=[80],
    )
    assert "y/c" in result["pods"] and "y/c-7f9-abcde" not in result["pods"]
    assert "z/migrate-x1" not in result["pods"]  # Succeeded: no network
    assert [r["allowed"] for r in result["results"]] == [True, False]
    assert len(result["pods"]) == 9


@pytest.mark.parametrize("kind", ["Pod", "NetworkPolicy", "Namespace"])
def test_live_read_fails_without_an_essential_kind(kind):
    with pytest.raises(LiveReadError, match=f"{kind}.*forbidden"):
        read_live(FakeClient(live_cluster(), forbidden={kind}))


def test_live_read_warns_about_missing_workload_kinds():
    objects, warnings = read_live(FakeClient(live_cluster(), forbidden={"DaemonSet"}, missing={"ReplicaSet"}))
    assert any(w.startswith("DaemonSet.apps/v1: forbidden") for w in warnings)
    assert any(w.startswith("ReplicaSet.apps/v1: not served") and "listed beside" in w for w in warnings)
    assert not any(o["kind"] == "ReplicaSet" for o in objects)
