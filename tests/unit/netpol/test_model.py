# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model's edges: naming pods, invalid objects, workloads and live-read objects, notes."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import (
    NetpolError,
    NetpolModel,
    PortProtocol,
    QueryError,
    parse_port_spec,
)

from .topology import build_topology, netpol


def pod(ns, name, labels=None, **extra):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels or {}}}
    obj["spec"] = extra.pop("spec", {"containers": [{"name": "c"}]})
    obj["metadata"].update(extra.pop("metadata", {}))
    obj.update(extra)
    return obj


def deployment(ns, name, labels):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c"}]}}},
    }


def owned(obj, kind, name):
    obj["metadata"]["ownerReferences"] = [{"kind": kind, "name": name, "apiVersion": "apps/v1", "uid": "u"}]
    return obj


# -- naming pods in queries ----------------------------------------------------------------------


def test_unknown_namespace_is_an_error_not_a_denial():
    model = NetpolModel(build_topology())
    with pytest.raises(QueryError, match=r"unknown namespace 'nope'.*known: x, y, z"):
        model.evaluate("nope/a", "x/a", 80)


def test_unknown_pod_is_an_error_listing_the_namespace_pods():
    model = NetpolModel(build_topology())
    with pytest.raises(QueryError, match=r"no pod or workload of that name in namespace 'x'; known there: x/a, x/b, x/c"):
        model.evaluate("x/a", "x/zzz", 80)


@pytest.mark.parametrize("ref", ["x", "x/a/b/c", "/a", "", "not an ip"])
def test_malformed_reference(ref):
    with pytest.raises(QueryError):
        NetpolModel(build_topology()).endpoint(ref)


def test_ip_to_ip_is_an_error():
    with pytest.raises(QueryError, match="at least one side must be a pod"):
        NetpolModel(build_topology()).evaluate("10.0.0.1", "10.0.0.2", 80)


@pytest.mark.parametrize(("port", "protocol"), [(0, "TCP"), (65536, "TCP"), ("http", "TCP"), (True, "TCP"), (80, "ICMP")])
def test_bad_port_or_protocol(port, protocol):
    with pytest.raises(QueryError):
        NetpolModel(build_topology()).evaluate("x/a", "x/b", port, protocol)


def test_protocol_is_case_insensitive_and_port_may_be_a_digit_string():
    model = NetpolModel(build_topology())
    assert model.evaluate("x/a", "x/b", "80", "udp").allowed


def test_ipv6_address_is_normalised():
    model = NetpolModel(build_topology())
    assert model.endpoint("2001:DB8:0::10").key == "2001:db8::10"


def test_pod_and_workload_sharing_a_name_need_the_kind():
    objects = [pod("ns", "web", {"app": "web"}), deployment("ns", "web", {"app": "web"}), pod("ns", "db")]
    model = NetpolModel(objects)
    assert sorted(model.pod_keys) == ["ns/db", "ns/deployment/web", "ns/pod/web"]
    with pytest.raises(QueryError, match="ambiguous.*ns/deployment/web"):
        model.endpoint("ns/web")
    assert model.endpoint("ns/Deployment/web").key == "ns/deployment/web"
    assert model.endpoint("ns/pod/web").key == "ns/pod/web"
    assert model.endpoint("ns/pod/db").key == "ns/db"


def test_pods_of_a_listed_workload_resolve_to_it():
    # The shape of a live read: Deployment -> ReplicaSet -> Pods.
    objects = [
        deployment("shop", "api", {"app": "api"}),
        owned(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {"name": "api-5d8f", "namespace": "shop"},
                "spec": {"template": {"metadata": {"labels": {"app": "api"}}, "spec": {}}},
            },
            "Deployment",
            "api",
        ),
        owned(pod("shop", "api-5d8f-x1", {"app": "api", "pod-template-hash": "5d8f"}), "ReplicaSet", "api-5d8f"),
        owned(pod("shop", "api-5d8f-x2", {"app": "api", "pod-template-hash": "5d8f"}), "ReplicaSet", "api-5d8f"),
        pod("shop", "debug"),
    ]
    model = NetpolModel(objects)
    assert model.pod_keys == ["shop/api", "shop/debug"]
    assert model.endpoint("shop/api-5d8f-x1").key == "shop/api"
    assert model.endpoint("shop/api-5d8f").key == "shop/api"


def test_finished_pods_are_left_out_and_named_as_such():
    objects = [pod("jobs", "run-1", status={"phase": "Succeeded"}), pod("jobs", "run-2", status={"phase": "Running"})]
    model = NetpolModel(objects)
    assert model.pod_keys == ["jobs/run-2"]
    with pytest.raises(QueryError, match="Succeeded and has no network"):
        model.endpoint("jobs/run-1")


def test_objects_without_namespace_land_in_default():
    objects = [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny"}, "spec": {"podSelector": {}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "other"}, "spec": {}},
    ]
    model = NetpolModel(objects)
    verdict = model.evaluate("other/b", "default/a", 80)
    assert not verdict.allowed and verdict.ingress_policies == ("default/deny",)


def test_duplicate_objects_are_named():
    with pytest.raises(NetpolError, match="Pod ns/a appears twice"):
        NetpolModel([pod("ns", "a"), pod("ns", "a")])


def test_pod_lookup():
    model = NetpolModel(build_topology())
    assert model.pod("y/b").labels == {"pod": "b"}
    with pytest.raises(QueryError, match="is an IP address"):
        model.pod("10.0.0.1")


def test_namespace_filter():
    model = NetpolModel(build_topology())
    assert [model.pods[i].key for i in model.pods_in(["y"])] == ["y/a", "y/b", "y/c"]
    with pytest.raises(QueryError, match="unknown namespace"):
        model.pods_in(["q"])


# -- what decided -----------------------------------------------------------------------------


def test_deciding_policies_per_side():
    objects = build_topology() + [
        netpol("x", "deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        netpol("x", "a-from-y", {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}),
        netpol("y", "b-out-80", {"podSelector": {"matchLabels": {"pod": "b"}}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 80}]}]}),
    ]
    model = NetpolModel(objects)
    ok = model.evaluate("y/b", "x/a", 80)
    assert ok.allowed and ok.ingress_policies == ("x/a-from-y",) and ok.egress_policies == ("y/b-out-80",)
    denied = model.evaluate("y/b", "x/a", 81)
    assert not denied.allowed and denied.ingress_allowed and not denied.egress_allowed
    assert denied.egress_policies == ("y/b-out-80",)
    isolated = model.evaluate("y/b", "x/b", 80)
    assert not isolated.allowed and isolated.ingress_policies == ("x/deny-in",)
    free = model.evaluate("z/a", "y/a", 80)
    assert free.allowed and free.ingress_policies == () and free.egress_policies == ()


def test_loopback_is_reported():
    model = NetpolModel(build_topology() + [netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})])
    verdict = model.evaluate("x/a", "x/a", 80)
    assert verdict.allowed and verdict.loopback and verdict.ingress_policies == ()


def test_host_network_pods_are_flagged():
    objects = [pod("kube-system", "agent", spec={"hostNetwork": True, "containers": []}), pod("app", "web")]
    verdict = NetpolModel(objects).evaluate("kube-system/agent", "app/web", 80)
    assert verdict.allowed
    assert any("hostNetwork" in note for note in verdict.notes)


def test_ip_block_caveat_on_pod_denials():
    objects = build_topology() + [
        netpol("x", "out-v4", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]})
    ]
    model = NetpolModel(objects)
    denied = model.evaluate("x/a", "y/a", 80)
    assert not denied.allowed and any("ipBlock" in note for note in denied.notes)
    assert model.evaluate("x/a", "192.0.2.1", 80).allowed
    assert model.evaluate("x/a", "192.0.2.1", 80).notes == ()


def test_ip_block_matches_live_pods_by_their_addresses():
    """As network plugins do (found on the real node: kube-router admits a pod whose IP is inside the
    block): a live Pod inside the cidr is admitted, one in an except is not, a template never is."""
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
        pod("n", "server", {"app": "server"}, status={"podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}]}),
        pod("n", "inside", {"app": "c"}, status={"podIP": "10.244.0.6"}),
        pod("n", "excepted", {"app": "c"}, status={"podIPs": [{"ip": "10.244.0.7"}]}),
        pod("n", "elsewhere", {"app": "c"}, status={"podIP": "10.245.0.8"}),
        deployment("n", "template", {"app": "c"}),
        netpol("n", "by-address", {"podSelector": {"matchLabels": {"app": "server"}}, "policyTypes": ["Ingress"],
                                   "ingress": [{"from": [{"ipBlock": {"cidr": "10.244.0.0/24", "except": ["10.244.0.7/32"]}}]}]}),
    ]
    model = NetpolModel(objects)
    assert model.evaluate("n/inside", "n/server", 80).allowed
    assert model.evaluate("n/inside", "n/server", 80).notes == ()
    assert not model.evaluate("n/excepted", "n/server", 80).allowed
    assert not model.evaluate("n/elsewhere", "n/server", 80).allowed
    template = model.evaluate("n/template", "n/server", 80)
    assert not template.allowed and any("ipBlock" in note for note in template.notes)


def test_non_kubernetes_policies_are_reported_not_evaluated():
    objects = build_topology() + [
        {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "c", "namespace": "x"}, "spec": {"selector": "all()"}},
        {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "anp"}, "spec": {}},
    ]
    model = NetpolModel(objects)
    assert model.policies == []
    assert len(model.warnings) == 2 and "projectcalico.org/v3" in model.warnings[0]


def test_named_ports_come_from_init_containers_too():
    objects = [
        pod("n", "a", spec={"initContainers": [{"name": "sidecar", "restartPolicy": "Always", "ports": [{"name": "proxy", "containerPort": 15001}]}], "containers": []}),
        pod("n", "b"),
        netpol("n", "proxy-only", {"podSelector": {}, "ingress": [{"ports": [{"port": "proxy"}]}]}),
    ]
    model = NetpolModel(objects)
    assert model.evaluate("n/b", "n/a", 15001).allowed
    assert not model.evaluate("n/b", "n/a", 15002).allowed


# -- what the API server would reject -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]}}, "unknown operator"),
        ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}, "needs at least one value"),
        ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]}}, "takes no values"),
        ({"podSelector": {"matchLabel": {"a": "b"}}}, "unknown label selector field"),
        ({"podSelector": {}, "policyTypes": ["Inbound"]}, "only Ingress and Egress"),
        ({"podSelector": {}, "ingress": [{"from": [{}]}]}, "a peer needs"),
        (
            {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]},
            "cannot be combined",
        ),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]}, "cidr"),
        (
            {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}}]}]},
            "strict subset",
        ),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": "80"}]}]}, "write the number unquoted"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": "Not_A_Name"}]}]}, "not a valid port name"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 0}]}]}, "outside 1-65535"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 90, "endPort": 80}]}]}, "must be a number >= port"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": "http", "endPort": 90}]}]}, "named port"),
        ({"podSelector": {}, "ingress": [{"ports": [{"endPort": 90}]}]}, "endPort needs port"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 80, "protocol": "tcp"}]}]}, "is not one of TCP"),
        ({"podSelector": {}, "ingress": {"from": []}}, "expected a list of rules"),
    ],
)
def test_invalid_policies_are_named_errors(spec, message):
    with pytest.raises(NetpolError, match=message) as caught:
        NetpolModel(build_topology() + [netpol("x", "broken", spec)])
    assert "NetworkPolicy x/broken" in str(caught.value)


# -- port specs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (80, PortProtocol(80, "TCP")),
        ("443", PortProtocol(443, "TCP")),
        ("53/udp", PortProtocol(53, "UDP")),
        ({"port": 9000, "protocol": "SCTP"}, PortProtocol(9000, "SCTP")),
        ({"port": "81"}, PortProtocol(81, "TCP")),
    ],
)
def test_parse_port_spec(spec, expected):
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize("spec", ["http", "80/ICMP", "0", {"protocol": "UDP"}, None])
def test_parse_port_spec_rejects(spec):
    with pytest.raises(QueryError):
        parse_port_spec(spec)


def test_rows_are_cached_and_not_shared():
    model = NetpolModel(build_topology())
    rows = model.allowed_rows(80)
    rows[0] = 0
    assert model.allowed_rows(80)[0] == model.all_mask
