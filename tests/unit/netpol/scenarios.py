# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Conformance scenarios: policies plus the full expected matrix, reasoned from the spec.

Each scenario's `truth` describes, in statements applied in order, every cell of
9 pods + 3 outside IPs, both directions, ports 80 and 81, TCP, UDP and SCTP (IP -> IP
excepted). The reasoning is in the comment above each one. The statements state the final
verdict of a cell (both sides already combined), not one side's opinion.

References: the NetworkPolicy API reference (networking.k8s.io/v1) and the "Network
Policies" concept page; the topology and the truth-table style follow the upstream e2e
suite (test/e2e/network/netpol).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .topology import IP_EXCEPT, IP_IN, IP_V6, Truth, build_topology, labels, netpol

NS_X = {"matchLabels": {"ns": "x"}}
NS_Y = {"matchLabels": {"ns": "y"}}
NS_Z = {"matchLabels": {"ns": "z"}}
POD_A = labels(pod="a")
POD_B = labels(pod="b")
POD_C = labels(pod="c")
ALL: dict[str, Any] = {}

# Pods */a expose 80/TCP as "web", pods */b expose 81/TCP as "web", pods */c have no "web".
WEB_PORTS = {
    **{f"{ns}/a": {(80, "TCP"): "web"} for ns in "xyz"},
    **{f"{ns}/b": {(81, "TCP"): "web"} for ns in "xyz"},
}
TEAM_LABELS = {"y": {"team": "blue"}, "z": {"team": "red"}}
ROLE_DB = {f"{ns}/b": {"role": "db"} for ns in "xyz"}


@dataclass
class Scenario:
    name: str
    policies: list[dict[str, Any]]
    truth: Callable[[], Truth]
    topology: Mapping[str, Any] = field(default_factory=dict)

    def objects(self) -> list[dict[str, Any]]:
        return build_topology(**self.topology) + [dict(p) for p in self.policies]

    def expected(self):
        return self.truth().table()


SCENARIOS: list[Scenario] = []


def scenario(name: str, policies: list[dict[str, Any]], topology: Mapping[str, Any] | None = None):
    def register(truth: Callable[[], Truth]) -> Callable[[], Truth]:
        SCENARIOS.append(Scenario(name, policies, truth, dict(topology or {})))
        return truth

    return register


# -- defaults ----------------------------------------------------------------------------------

# No policy selects anything: nothing is isolated, everything flows.
@scenario("no-policies", [])
def _():
    return Truth(True)


# podSelector {} selects every pod in x; Ingress listed with no ingress rules: x's pods accept
# nothing, from pods or IPs. Egress is untouched everywhere.
@scenario("default-deny-ingress", [netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]})])
def _():
    return Truth(True).deny("*", "x/*")


# policyTypes absent and no egress section: the type is Ingress, so the same as above.
@scenario("default-deny-ingress-policytypes-absent", [netpol("x", "deny", {"podSelector": {}})])
def _():
    return Truth(True).deny("*", "x/*")


# `ingress: []` is a list with no rules: nothing admitted, the same as absent.
@scenario("empty-ingress-list-denies", [netpol("x", "deny", {"podSelector": {}, "ingress": []})])
def _():
    return Truth(True).deny("*", "x/*")


# policyTypes absent and `egress: []`: Egress is added only when there ARE egress rules, so the
# policy is Ingress-only. x's pods accept nothing but may still send anywhere.
@scenario("empty-egress-list-does-not-isolate-egress", [netpol("x", "p", {"podSelector": {}, "egress": []})])
def _():
    return Truth(True).deny("*", "x/*")


# Egress listed with no egress rules: x's pods send nothing, to pods or IPs; they still receive.
@scenario("default-deny-egress", [netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Egress"]})])
def _():
    return Truth(True).deny("x/*", "*")


# Both types, no rules: x's pods neither send nor receive.
@scenario(
    "default-deny-ingress-and-egress",
    [netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})],
)
def _():
    return Truth(True).deny("*", "x/*").deny("x/*", "*")


# One rule `{}`: no from (all sources), no ports (all ports): everything admitted.
@scenario("allow-all-ingress", [netpol("x", "allow", {"podSelector": {}, "ingress": [{}]})])
def _():
    return Truth(True)


# Policies are a union: a deny-all beside an allow-all allows all.
@scenario(
    "deny-all-and-allow-all-union",
    [
        netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        netpol("x", "allow", {"podSelector": {}, "ingress": [{}]}),
    ],
)
def _():
    return Truth(True)


# Egress rule `{}`: all destinations, all ports.
@scenario(
    "allow-all-egress",
    [netpol("x", "allow", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]})],
)
def _():
    return Truth(True)


# Every pod in every namespace isolated both ways with no rules: only loopback survives.
@scenario(
    "default-deny-everything-everywhere",
    [netpol(ns, "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}) for ns in "xyz"],
)
def _():
    return Truth(False)


# -- selectors -----------------------------------------------------------------------------------

# Policy in x selects x/a; the peer podSelector (no namespaceSelector) means pods of x only.
@scenario(
    "pod-selector-target-and-peer",
    [netpol("x", "a-from-b", {"podSelector": POD_A, "ingress": [{"from": [{"podSelector": POD_B}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("x/b", "x/a")


# namespaceSelector alone: every pod of the selected namespaces.
@scenario(
    "namespace-selector-peer",
    [netpol("x", "a-from-y", {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": NS_Y}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("y/*", "x/a")


# namespaceSelector {}: every namespace, so every pod, but no IP (a selector never matches one).
@scenario(
    "empty-namespace-selector-all-namespaces",
    [netpol("x", "a-from-all-ns", {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": {}}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("pods", "x/a")


# podSelector {} alone: every pod of the policy's own namespace.
@scenario(
    "empty-pod-selector-own-namespace",
    [netpol("x", "a-from-x", {"podSelector": POD_A, "ingress": [{"from": [{"podSelector": {}}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("x/*", "x/a")


# Both selectors in ONE peer: pods labelled pod=b inside namespaces labelled ns=y (AND).
@scenario(
    "pod-and-namespace-selector-anded-in-one-peer",
    [
        netpol(
            "x",
            "a-from-yb",
            {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": NS_Y, "podSelector": POD_B}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow("y/b", "x/a")


# The same selectors as TWO peers: all of y, OR pod=b in x (the policy's namespace).
@scenario(
    "pod-or-namespace-selector-two-peers",
    [
        netpol(
            "x",
            "a-from-y-or-b",
            {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": NS_Y}, {"podSelector": POD_B}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow(["y/*", "x/b"], "x/a")


# Both selectors empty in one peer: all pods of all namespaces.
@scenario(
    "both-selectors-empty-in-one-peer",
    [
        netpol(
            "x",
            "a-from-all-pods",
            {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {}}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow("pods", "x/a")


# namespaceSelector with podSelector {}: all pods of z (the empty podSelector narrows nothing).
@scenario(
    "namespace-selector-with-empty-pod-selector",
    [
        netpol(
            "x",
            "a-from-z",
            {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": NS_Z, "podSelector": {}}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow("z/*", "x/a")


# In: pod=b or pod=c, in x.
@scenario(
    "match-expressions-in",
    [
        netpol(
            "x",
            "a-from-b-c",
            {
                "podSelector": POD_A,
                "ingress": [
                    {"from": [{"podSelector": {"matchExpressions": [{"key": "pod", "operator": "In", "values": ["b", "c"]}]}}]}
                ],
            },
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow(["x/b", "x/c"], "x/a")


# NotIn [b]: x/a (itself; loopback anyway) and x/c.
@scenario(
    "match-expressions-notin",
    [
        netpol(
            "x",
            "a-from-not-b",
            {
                "podSelector": POD_A,
                "ingress": [
                    {"from": [{"podSelector": {"matchExpressions": [{"key": "pod", "operator": "NotIn", "values": ["b"]}]}}]}
                ],
            },
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow(["x/a", "x/c"], "x/a")


# y is labelled team=blue, z team=red, x has no team label. Exists: y and z.
@scenario(
    "match-expressions-exists-on-namespaces",
    [
        netpol(
            "x",
            "a-from-teams",
            {
                "podSelector": POD_A,
                "ingress": [{"from": [{"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]}}]}],
            },
        )
    ],
    topology={"ns_labels": TEAM_LABELS},
)
def _():
    return Truth(True).deny("*", "x/a").allow(["y/*", "z/*"], "x/a")


# DoesNotExist: only x.
@scenario(
    "match-expressions-doesnotexist-on-namespaces",
    [
        netpol(
            "x",
            "a-from-teamless",
            {
                "podSelector": POD_A,
                "ingress": [
                    {"from": [{"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}}]}
                ],
            },
        )
    ],
    topology={"ns_labels": TEAM_LABELS},
)
def _():
    return Truth(True).deny("*", "x/a").allow("x/*", "x/a")


# NotIn [blue] also matches a namespace without the key: x (no label) and z (red).
@scenario(
    "match-expressions-notin-matches-missing-key",
    [
        netpol(
            "x",
            "a-from-not-blue",
            {
                "podSelector": POD_A,
                "ingress": [
                    {
                        "from": [
                            {"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["blue"]}]}}
                        ]
                    }
                ],
            },
        )
    ],
    topology={"ns_labels": TEAM_LABELS},
)
def _():
    return Truth(True).deny("*", "x/a").allow(["x/*", "z/*"], "x/a")


# The b pods carry role=db. The policy selects x's role-bearing pod (x/b) and admits x's pods
# without the label (x/a, x/c).
@scenario(
    "pod-label-exists-target-doesnotexist-peer",
    [
        netpol(
            "x",
            "db-from-non-db",
            {
                "podSelector": {"matchExpressions": [{"key": "role", "operator": "Exists"}]},
                "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "role", "operator": "DoesNotExist"}]}}]}],
            },
        )
    ],
    topology={"pod_labels": ROLE_DB},
)
def _():
    return Truth(True).deny("*", "x/b").allow(["x/a", "x/c"], "x/b")


# matchLabels and matchExpressions are ANDed. The first policy selects pod=a (which is also In
# [a, b]); the second wants pod=b AND pod In [a, c], which no pod satisfies, so it isolates
# nobody.
@scenario(
    "match-labels-and-expressions-anded",
    [
        netpol(
            "x",
            "a-only",
            {
                "podSelector": {"matchLabels": {"pod": "a"}, "matchExpressions": [{"key": "pod", "operator": "In", "values": ["a", "b"]}]},
                "policyTypes": ["Ingress"],
            },
        ),
        netpol(
            "x",
            "nobody",
            {
                "podSelector": {"matchLabels": {"pod": "b"}, "matchExpressions": [{"key": "pod", "operator": "In", "values": ["a", "c"]}]},
                "policyTypes": ["Ingress", "Egress"],
            },
        ),
    ],
)
def _():
    return Truth(True).deny("*", "x/a")


# The API server labels every namespace kubernetes.io/metadata.name=<name>, whether or not the
# manifest says so (here z has no Namespace object at all).
@scenario(
    "kubernetes-io-metadata-name-namespace-selection",
    [
        netpol(
            "x",
            "a-from-z",
            {
                "podSelector": POD_A,
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "z"}}}]}],
            },
        )
    ],
    topology={"omit_namespaces": ["z"]},
)
def _():
    return Truth(True).deny("*", "x/a").allow("z/*", "x/a")


# A namespaceSelector matching no namespace admits nobody.
@scenario(
    "namespace-selector-matching-nothing",
    [
        netpol(
            "x",
            "a-from-nowhere",
            {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "nowhere"}}}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a")


# -- namespaces --------------------------------------------------------------------------------

# A policy selects pods of its own namespace only: y/a is isolated, x/a and z/a are not.
@scenario(
    "policy-applies-only-in-its-namespace",
    [netpol("y", "deny-a", {"podSelector": POD_A, "policyTypes": ["Ingress"]})],
)
def _():
    return Truth(True).deny("*", "y/a")


# A peer podSelector without namespaceSelector is the policy's namespace (y), so only y/b.
@scenario(
    "peer-pod-selector-means-policy-namespace",
    [netpol("y", "a-from-b", {"podSelector": POD_A, "ingress": [{"from": [{"podSelector": POD_B}]}]})],
)
def _():
    return Truth(True).deny("*", "y/a").allow("y/b", "y/a")


# -- egress ------------------------------------------------------------------------------------

# Egress only, explicit: x/a may send to x/b alone (all ports); ingress is untouched.
@scenario(
    "egress-pod-selector",
    [
        netpol(
            "x",
            "a-to-b",
            {"podSelector": POD_A, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": POD_B}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("x/a", "*").allow("x/a", "x/b")


# policyTypes absent with an egress rule: Ingress AND Egress. The policy has no ingress rules,
# so x/a also stops receiving.
@scenario(
    "egress-rules-imply-both-types",
    [netpol("x", "a-to-b", {"podSelector": POD_A, "egress": [{"to": [{"podSelector": POD_B}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").deny("x/a", "*").allow("x/a", "x/b")


# x's pods may send to anything (pods and IPs: no `to`) but only on 80/TCP.
@scenario(
    "egress-port-only",
    [
        netpol(
            "x",
            "out-80",
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 80, "protocol": "TCP"}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("x/*", "*").allow("x/*", "*", ports=80, protocols="TCP")


# x's pods may send only to y's pods, only on 81 (protocol defaults to TCP).
@scenario(
    "egress-namespace-and-port",
    [
        netpol(
            "x",
            "out-y-81",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"namespaceSelector": NS_Y}], "ports": [{"port": 81}]}],
            },
        )
    ],
)
def _():
    return Truth(True).deny("x/*", "*").allow("x/*", "y/*", ports=81, protocols="TCP")


# -- both sides ----------------------------------------------------------------------------------

# y/b admits x/a on ingress, but x/a may send nothing: the connection needs both sides.
@scenario(
    "egress-deny-beats-ingress-allow",
    [
        netpol("x", "a-no-egress", {"podSelector": POD_A, "policyTypes": ["Egress"]}),
        netpol(
            "y",
            "b-from-xa",
            {"podSelector": POD_B, "ingress": [{"from": [{"namespaceSelector": NS_X, "podSelector": POD_A}]}]},
        ),
    ],
)
def _():
    # y/b receives only from x/a, and x/a sends nothing, so y/b receives from nobody.
    return Truth(True).deny("*", "y/b").deny("x/a", "*")


# x/a may send only to y/b, and y/b receives nothing.
@scenario(
    "ingress-deny-beats-egress-allow",
    [
        netpol(
            "x",
            "a-to-yb",
            {
                "podSelector": POD_A,
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"namespaceSelector": NS_Y, "podSelector": POD_B}]}],
            },
        ),
        netpol("y", "b-no-ingress", {"podSelector": POD_B, "policyTypes": ["Ingress"]}),
    ],
)
def _():
    return Truth(True).deny("x/a", "*").deny("*", "y/b")


# Both sides open exactly x/a -> y/b on 80/TCP.
@scenario(
    "both-sides-allow",
    [
        netpol(
            "x",
            "a-to-yb-80",
            {
                "podSelector": POD_A,
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"namespaceSelector": NS_Y, "podSelector": POD_B}], "ports": [{"port": 80}]}],
            },
        ),
        netpol(
            "y",
            "b-from-xa-80",
            {
                "podSelector": POD_B,
                "ingress": [{"from": [{"namespaceSelector": NS_X, "podSelector": POD_A}], "ports": [{"port": 80}]}],
            },
        ),
    ],
)
def _():
    return Truth(True).deny("x/a", "*").deny("*", "y/b").allow("x/a", "y/b", ports=80, protocols="TCP")


# -- from / ports: absent versus empty -----------------------------------------------------------

# A rule without `from` admits every source, IPs included, here on 80/TCP only.
@scenario(
    "absent-from-matches-all-sources",
    [netpol("x", "a-80", {"podSelector": POD_A, "ingress": [{"ports": [{"port": 80}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", ports=80, protocols="TCP")


# `from: []` is "empty", which the API documents exactly like "missing": every source.
@scenario(
    "empty-from-list-matches-all-sources",
    [netpol("x", "a-81-udp", {"podSelector": POD_A, "ingress": [{"from": [], "ports": [{"port": 81, "protocol": "UDP"}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", ports=81, protocols="UDP")


# `ports: []` is every port and protocol.
@scenario(
    "empty-ports-list-matches-all-ports",
    [netpol("x", "a-from-b", {"podSelector": POD_A, "ingress": [{"from": [{"podSelector": POD_B}], "ports": []}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("x/b", "x/a")


# -- ports and protocols -------------------------------------------------------------------------

# Named port, protocol defaulting to TCP: serve-81-tcp is 81/TCP on x/a.
@scenario(
    "named-port-ingress",
    [netpol("x", "a-named", {"podSelector": POD_A, "ingress": [{"ports": [{"port": "serve-81-tcp"}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", ports=81, protocols="TCP")


# Named UDP port with protocol UDP: 80/UDP.
@scenario(
    "named-port-with-protocol",
    [
        netpol(
            "x",
            "a-named-udp",
            {"podSelector": POD_A, "ingress": [{"ports": [{"port": "serve-80-udp", "protocol": "UDP"}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", ports=80, protocols="UDP")


# The name serve-80-udp is a UDP port; the rule's protocol defaults to TCP, and no TCP port
# has that name, so the rule admits nothing and x/a is simply isolated.
@scenario(
    "named-port-protocol-mismatch",
    [netpol("x", "a-named-mismatch", {"podSelector": POD_A, "ingress": [{"ports": [{"port": "serve-80-udp"}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a")


# "web" is 80/TCP on the a pods, 81/TCP on the b pods, absent on the c pods. Resolved per
# destination: x/a opens 80/TCP, x/b opens 81/TCP, x/c opens nothing.
@scenario(
    "named-port-different-number-per-pod",
    [netpol("x", "web", {"podSelector": {}, "ingress": [{"ports": [{"port": "web"}]}]})],
    topology={"port_names": WEB_PORTS},
)
def _():
    return (
        Truth(True)
        .deny("*", "x/*")
        .allow("*", "x/a", ports=80, protocols="TCP")
        .allow("*", "x/b", ports=81, protocols="TCP")
    )


# Egress to the named port resolves against each destination pod; an IP destination has no
# named ports, so nothing to IPs.
@scenario(
    "named-port-egress-resolves-on-destination",
    [netpol("x", "out-web", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": "web"}]}]})],
    topology={"port_names": WEB_PORTS},
)
def _():
    return (
        Truth(True)
        .deny("x/*", "*")
        .allow("x/*", "*/a", ports=80, protocols="TCP")
        .allow("x/*", "*/b", ports=81, protocols="TCP")
    )


# endPort: 81..1000 covers 81 and not 80.
@scenario(
    "end-port-range",
    [netpol("x", "a-range", {"podSelector": POD_A, "ingress": [{"ports": [{"port": 81, "endPort": 1000}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", ports=81, protocols="TCP")


# 79..80 over UDP: 80/UDP only.
@scenario(
    "end-port-range-udp",
    [
        netpol(
            "x",
            "a-range-udp",
            {"podSelector": POD_A, "ingress": [{"ports": [{"port": 79, "endPort": 80, "protocol": "UDP"}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", ports=80, protocols="UDP")


# 80..81 over SCTP: both ports, SCTP only (the range is inclusive at both ends).
@scenario(
    "end-port-range-sctp-inclusive",
    [
        netpol(
            "x",
            "a-range-sctp",
            {"podSelector": POD_A, "ingress": [{"ports": [{"port": 80, "endPort": 81, "protocol": "SCTP"}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", protocols="SCTP")


# A protocol without a port: every UDP port.
@scenario(
    "protocol-without-port",
    [netpol("x", "a-udp", {"podSelector": POD_A, "ingress": [{"ports": [{"protocol": "UDP"}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow("*", "x/a", protocols="UDP")


# SCTP on egress: x's pods send only 81/SCTP, anywhere.
@scenario(
    "sctp-egress",
    [
        netpol(
            "x",
            "out-sctp",
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 81, "protocol": "SCTP"}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("x/*", "*").allow("x/*", "*", ports=81, protocols="SCTP")


# -- ipBlock -----------------------------------------------------------------------------------

# 203.0.113.0/24 except its upper half: IP_IN yes, IP_EXCEPT no, IPv6 no (other family), and
# no pod (ipBlock is matched against outside addresses only in this model).
@scenario(
    "ip-block-except-ingress",
    [
        netpol(
            "x",
            "a-from-net",
            {
                "podSelector": POD_A,
                "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}]}],
            },
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a").allow(IP_IN, "x/a")


# Egress to the IPv4 block on 80/TCP, and to the IPv6 block on everything.
@scenario(
    "ip-block-egress-v4-and-v6",
    [
        netpol(
            "x",
            "a-out-nets",
            {
                "podSelector": POD_A,
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}],
                        "ports": [{"port": 80}],
                    },
                    {"to": [{"ipBlock": {"cidr": "2001:db8::/32"}}]},
                ],
            },
        )
    ],
)
def _():
    return Truth(True).deny("x/a", "*").allow("x/a", IP_IN, ports=80, protocols="TCP").allow("x/a", IP_V6)


# 0.0.0.0/0: every IPv4 outside address, no IPv6 one, no pod.
@scenario(
    "ip-block-all-ipv4",
    [netpol("x", "a-from-v4", {"podSelector": POD_A, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]})],
)
def _():
    return Truth(True).deny("*", "x/a").allow([IP_IN, IP_EXCEPT], "x/a")


# -- unions and policyTypes ----------------------------------------------------------------------

# Two policies on x/a add up: x/b on 80/TCP, y's pods on 81/TCP.
@scenario(
    "multiple-policies-union",
    [
        netpol("x", "a-from-b-80", {"podSelector": POD_A, "ingress": [{"from": [{"podSelector": POD_B}], "ports": [{"port": 80}]}]}),
        netpol("x", "a-from-y-81", {"podSelector": POD_A, "ingress": [{"from": [{"namespaceSelector": NS_Y}], "ports": [{"port": 81}]}]}),
    ],
)
def _():
    return (
        Truth(True)
        .deny("*", "x/a")
        .allow("x/b", "x/a", ports=80, protocols="TCP")
        .allow("y/*", "x/a", ports=81, protocols="TCP")
    )


# Two rules of one policy: each pairs its own peers with its own ports.
@scenario(
    "rules-ored-each-with-its-ports",
    [
        netpol(
            "x",
            "a-two-rules",
            {
                "podSelector": POD_A,
                "ingress": [
                    {"from": [{"podSelector": POD_B}], "ports": [{"port": 80}]},
                    {"from": [{"podSelector": POD_C}], "ports": [{"port": 81}]},
                ],
            },
        )
    ],
)
def _():
    return (
        Truth(True)
        .deny("*", "x/a")
        .allow("x/b", "x/a", ports=80, protocols="TCP")
        .allow("x/c", "x/a", ports=81, protocols="TCP")
    )


# One rule with two peers and two ports: any listed peer on any listed port.
@scenario(
    "peers-times-ports-in-one-rule",
    [
        netpol(
            "x",
            "a-cross",
            {
                "podSelector": POD_A,
                "ingress": [
                    {
                        "from": [{"podSelector": POD_B}, {"namespaceSelector": NS_Y}],
                        "ports": [{"port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "UDP"}],
                    }
                ],
            },
        )
    ],
)
def _():
    return (
        Truth(True)
        .deny("*", "x/a")
        .allow(["x/b", "y/*"], "x/a", ports=80, protocols="TCP")
        .allow(["x/b", "y/*"], "x/a", ports=81, protocols="UDP")
    )


# policyTypes [Egress]: the ingress rules are ignored (no ingress isolation), and with no
# egress rules x/a sends nothing.
@scenario(
    "policy-types-egress-ignores-ingress-rules",
    [
        netpol(
            "x",
            "a-egress-only",
            {"podSelector": POD_A, "policyTypes": ["Egress"], "ingress": [{"from": [{"podSelector": POD_B}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("x/a", "*")


# policyTypes [Ingress]: the egress rules are ignored; x/a receives nothing, sends freely.
@scenario(
    "policy-types-ingress-ignores-egress-rules",
    [
        netpol(
            "x",
            "a-ingress-only",
            {"podSelector": POD_A, "policyTypes": ["Ingress"], "egress": [{"to": [{"podSelector": POD_B}]}]},
        )
    ],
)
def _():
    return Truth(True).deny("*", "x/a")


# One policy isolating x/a both ways with separate allowances per direction.
@scenario(
    "ingress-and-egress-rules-in-one-policy",
    [
        netpol(
            "x",
            "a-both",
            {
                "podSelector": POD_A,
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"namespaceSelector": NS_Z}], "ports": [{"port": 81, "protocol": "UDP"}]}],
                "egress": [{"to": [{"podSelector": POD_C}]}],
            },
        )
    ],
)
def _():
    return (
        Truth(True)
        .deny("*", "x/a")
        .deny("x/a", "*")
        .allow("z/*", "x/a", ports=81, protocols="UDP")
        .allow("x/a", "x/c")
    )


# -- workloads ---------------------------------------------------------------------------------

# x/b is a Deployment: its template stands for its (two) pods. Under x's default deny, one
# replica of x/b cannot reach another, while the bare pods x/a and x/c keep their loopback.
@scenario(
    "workload-replicas-are-policed",
    [netpol("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]})],
    topology={"workloads": ["x/b"]},
)
def _():
    return Truth(True, replicated=["x/b"]).deny("*", "x/*")


# A workload template is selected by its template labels like a pod.
@scenario(
    "workload-selected-by-template-labels",
    [
        netpol(
            "y",
            "c-from-xb",
            {"podSelector": POD_C, "ingress": [{"from": [{"namespaceSelector": NS_X, "podSelector": POD_B}]}]},
        )
    ],
    topology={"workloads": ["x/b", "y/c"]},
)
def _():
    return Truth(True, replicated=["x/b", "y/c"]).deny("*", "y/c").allow("x/b", "y/c")
