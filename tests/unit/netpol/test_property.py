# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Random clusters and policies: the fast matrix, `evaluate` and the reference must agree.

The conformance scenarios pin the semantics; this explores the combinations they do not
spell out (several policies overlapping, selectors of every shape, workloads, named ports
meaning different numbers on different pods).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import NetpolModel
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.reference import ReferenceEvaluator

NAMESPACES = ("n1", "n2", "n3")
LABEL_VALUES = {"app": ("web", "db"), "tier": ("front", "back")}
PROTOCOLS = ("TCP", "UDP", "SCTP")
PORTS = (80, 81, 82)
IPS = ("10.1.2.3", "10.200.0.1", "192.168.7.7", "fd00::1")


def label_sets():
    return st.fixed_dictionaries(
        {},
        optional={key: st.sampled_from(values) for key, values in LABEL_VALUES.items()},
    )


def expressions():
    key = st.sampled_from(sorted(LABEL_VALUES) + ["env"])
    with_values = st.builds(
        lambda k, op, vals: {"key": k, "operator": op, "values": vals},
        key,
        st.sampled_from(["In", "NotIn"]),
        st.lists(st.sampled_from(["web", "db", "front", "back", "dev", "prod"]), min_size=1, max_size=2, unique=True),
    )
    without = st.builds(lambda k, op: {"key": k, "operator": op}, key, st.sampled_from(["Exists", "DoesNotExist"]))
    return st.one_of(with_values, without)


def selectors():
    return st.one_of(
        st.just({}),
        st.builds(lambda labels: {"matchLabels": labels}, label_sets()),
        st.builds(lambda e: {"matchExpressions": e}, st.lists(expressions(), min_size=1, max_size=2)),
        st.builds(
            lambda labels, e: {"matchLabels": labels, "matchExpressions": e},
            label_sets(),
            st.lists(expressions(), min_size=1, max_size=1),
        ),
    )


def namespace_selectors():
    return st.one_of(
        st.just({}),
        st.builds(lambda env: {"matchLabels": {"env": env}}, st.sampled_from(["dev", "prod"])),
        st.builds(lambda ns: {"matchLabels": {"kubernetes.io/metadata.name": ns}}, st.sampled_from(NAMESPACES)),
        st.builds(lambda e: {"matchExpressions": [e]}, expressions()),
    )


def peers():
    ip_blocks = st.sampled_from(
        [
            {"cidr": "10.0.0.0/8"},
            {"cidr": "10.0.0.0/8", "except": ["10.200.0.0/16"]},
            {"cidr": "0.0.0.0/0", "except": ["192.168.0.0/16"]},
            {"cidr": "::/0"},
        ]
    )
    return st.one_of(
        st.builds(lambda s: {"podSelector": s}, selectors()),
        st.builds(lambda s: {"namespaceSelector": s}, namespace_selectors()),
        st.builds(lambda p, n: {"podSelector": p, "namespaceSelector": n}, selectors(), namespace_selectors()),
        st.builds(lambda b: {"ipBlock": b}, ip_blocks),
    )


def port_entries():
    protocol = st.sampled_from(PROTOCOLS)
    return st.one_of(
        st.builds(lambda p: {"protocol": p}, protocol),
        st.builds(lambda n: {"port": n}, st.sampled_from(PORTS)),
        st.builds(lambda n, p: {"port": n, "protocol": p}, st.sampled_from(PORTS), protocol),
        st.builds(lambda n, p: {"port": n, "endPort": n + 1, "protocol": p}, st.sampled_from(PORTS), protocol),
        st.builds(lambda name: {"port": name}, st.sampled_from(["http", "metrics"])),
        st.just({"port": "dns", "protocol": "UDP"}),
    )


def rules(peers_field):
    def build(peer_list, port_list, peers_mode, ports_mode):
        rule = {}
        if peers_mode == "list":
            rule[peers_field] = peer_list
        elif peers_mode == "empty":
            rule[peers_field] = []
        if ports_mode == "list":
            rule["ports"] = port_list
        elif ports_mode == "empty":
            rule["ports"] = []
        return rule

    return st.builds(
        build,
        st.lists(peers(), min_size=1, max_size=3),
        st.lists(port_entries(), min_size=1, max_size=3),
        st.sampled_from(["list", "list", "list", "empty", "absent"]),
        st.sampled_from(["list", "list", "empty", "absent"]),
    )


@st.composite
def clusters(draw):
    objects = []
    for ns in NAMESPACES:
        labels = draw(st.fixed_dictionaries({}, optional={"env": st.sampled_from(["dev", "prod"])}))
        if draw(st.booleans()) or labels:
            objects.append({"kind": "Namespace", "metadata": {"name": ns, "labels": labels}})
    for ns in NAMESPACES:
        for number in range(draw(st.integers(0, 4))):
            name = f"p{number}"
            labels = draw(label_sets())
            ports = []
            http = draw(st.sampled_from([None, 80, 81, 82]))
            if http:
                ports.append({"name": "http", "containerPort": http, "protocol": "TCP"})
            if draw(st.booleans()):
                ports.append({"name": "dns", "containerPort": draw(st.sampled_from(PORTS)), "protocol": "UDP"})
            if draw(st.booleans()):
                ports.append({"name": "metrics", "containerPort": 82, "protocol": draw(st.sampled_from(PROTOCOLS))})
            spec = {"containers": [{"name": "c", "ports": ports}]}
            if draw(st.integers(0, 3)) == 0:
                objects.append(
                    {
                        "apiVersion": "apps/v1",
                        "kind": draw(st.sampled_from(["Deployment", "StatefulSet", "DaemonSet"])),
                        "metadata": {"name": name, "namespace": ns},
                        "spec": {"template": {"metadata": {"labels": labels}, "spec": spec}},
                    }
                )
            else:
                objects.append(
                    {"kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": spec}
                )
    for number in range(draw(st.integers(0, 6))):
        spec = {"podSelector": draw(selectors())}
        types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
        if types is not None:
            spec["policyTypes"] = types
        ingress_mode = draw(st.sampled_from(["rules", "rules", "empty", "absent"]))
        if ingress_mode == "rules":
            spec["ingress"] = draw(st.lists(rules("from"), min_size=1, max_size=3))
        elif ingress_mode == "empty":
            spec["ingress"] = []
        egress_mode = draw(st.sampled_from(["rules", "empty", "absent"]))
        if egress_mode == "rules":
            spec["egress"] = draw(st.lists(rules("to"), min_size=1, max_size=3))
        elif egress_mode == "empty":
            spec["egress"] = []
        objects.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"np{number}", "namespace": draw(st.sampled_from(NAMESPACES))},
                "spec": spec,
            }
        )
    return objects


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_fast_evaluate_and_reference_agree(objects):
    model = NetpolModel(objects)
    reference = ReferenceEvaluator(objects)
    keys = model.pod_keys
    assert sorted(keys) == sorted(reference.pods)
    for port in PORTS:
        for protocol in PROTOCOLS:
            rows = model.allowed_rows(port, protocol)
            for s, source in enumerate(keys):
                for d, destination in enumerate(keys):
                    fast = bool(rows[s] >> d & 1)
                    assert fast == reference.allowed(source, destination, port, protocol), (
                        source, destination, port, protocol)
    for port in (80, 82):
        for protocol in ("TCP", "UDP"):
            for source in keys + list(IPS):
                for destination in keys + list(IPS):
                    if source in IPS and destination in IPS:
                        continue
                    verdict = model.evaluate(source, destination, port, protocol)
                    assert {
                        "allowed": verdict.allowed,
                        "ingress_allowed": verdict.ingress_allowed,
                        "egress_allowed": verdict.egress_allowed,
                        "ingress_policies": list(verdict.ingress_policies),
                        "egress_policies": list(verdict.egress_policies),
                    } == reference.verdict(source, destination, port, protocol), (source, destination, port, protocol)
