# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The conformance topology and a small truth-table language for the expected matrices.

Modelled on the upstream Kubernetes e2e NetworkPolicy suite (test/e2e/network/netpol):
namespaces x, y, z labelled `ns: <name>`; pods a, b, c in each labelled `pod: <name>`, every
pod serving ports 80 and 81 over TCP, UDP and SCTP with container ports named
`serve-<port>-<protocol>`. Three IP addresses stand for peers outside the cluster.

A `Truth` starts from one default and applies statements in order, later ones overriding
earlier ones, like the upstream `Reachability` helper. Every expected matrix in
scenarios.py is written with it from the NetworkPolicy documentation, never by running the
evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

NAMESPACES = ("x", "y", "z")
POD_NAMES = ("a", "b", "c")
PODS = tuple(f"{ns}/{pod}" for ns in NAMESPACES for pod in POD_NAMES)
PORTS = (80, 81)
PROTOCOLS = ("TCP", "UDP", "SCTP")

IP_IN = "203.0.113.10"  # in 203.0.113.0/24, outside its upper half 203.0.113.128/25
IP_EXCEPT = "203.0.113.200"  # in 203.0.113.128/25
IP_V6 = "2001:db8::10"
IPS = (IP_IN, IP_EXCEPT, IP_V6)
ENDPOINTS = PODS + IPS

Pattern = Union[str, Iterable[str]]


def port_name(port: int, protocol: str) -> str:
    return f"serve-{port}-{protocol.lower()}"


def build_topology(
    *,
    ns_labels: Optional[Mapping[str, Mapping[str, str]]] = None,
    pod_labels: Optional[Mapping[str, Mapping[str, str]]] = None,
    port_names: Optional[Mapping[str, Mapping[tuple[int, str], str]]] = None,
    workloads: Iterable[str] = (),
    omit_namespaces: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The x/y/z a/b/c objects.

    ns_labels / pod_labels: extra labels; port_names: per pod, (port, protocol) -> name
    replacing the default name; workloads: pod keys to express as a Deployment (whose template
    stands for its pods) instead of a bare Pod; omit_namespaces: leave out Namespace objects
    (the pods still live there).
    """
    ns_labels = ns_labels or {}
    pod_labels = pod_labels or {}
    port_names = port_names or {}
    workloads = set(workloads)
    omitted = set(omit_namespaces)
    objects: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        if ns in omitted:
            continue
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"ns": ns, **ns_labels.get(ns, {})}},
            }
        )
    for ns in NAMESPACES:
        for pod in POD_NAMES:
            key = f"{ns}/{pod}"
            renames = port_names.get(key, {})
            ports = [
                {
                    "name": renames.get((number, protocol), port_name(number, protocol)),
                    "containerPort": number,
                    "protocol": protocol,
                }
                for number in PORTS
                for protocol in PROTOCOLS
            ]
            labels = {"pod": pod, **pod_labels.get(key, {})}
            spec = {"containers": [{"name": "agnhost", "image": "agnhost:2.53", "ports": ports}]}
            if key in workloads:
                objects.append(
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "metadata": {"name": pod, "namespace": ns},
                        "spec": {
                            "replicas": 2,
                            "selector": {"matchLabels": labels},
                            "template": {"metadata": {"labels": labels}, "spec": spec},
                        },
                    }
                )
            else:
                objects.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {"name": pod, "namespace": ns, "labels": labels},
                        "spec": spec,
                    }
                )
    return objects


def netpol(namespace: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": dict(spec),
    }


def labels(**pairs: str) -> dict[str, Any]:
    """A matchLabels selector."""
    return {"matchLabels": dict(pairs)}


def expand(pattern: Pattern) -> list[str]:
    """`*` every endpoint, `pods`, `ips`, `x/*` a namespace's pods, `*/a` a pod name, or exact."""
    if not isinstance(pattern, str):
        found: list[str] = []
        for item in pattern:
            found.extend(e for e in expand(item) if e not in found)
        return found
    if pattern == "*":
        return list(ENDPOINTS)
    if pattern == "pods":
        return list(PODS)
    if pattern == "ips":
        return list(IPS)
    if pattern.endswith("/*"):
        ns = pattern[:-2]
        assert ns in NAMESPACES, pattern
        return [p for p in PODS if p.startswith(ns + "/")]
    if pattern.startswith("*/"):
        name = pattern[2:]
        assert name in POD_NAMES, pattern
        return [p for p in PODS if p.endswith("/" + name)]
    assert pattern in ENDPOINTS, pattern
    return [pattern]


Cell = tuple[str, str, int, str]


class Truth:
    """Expected verdicts for every (source, destination, port, protocol) cell.

    Cells cover every ordered pair of endpoints except IP -> IP (nothing in the cluster).
    `table()` finally allows a bare pod to reach itself: loopback follows no policy (the
    upstream suite's AllowLoopback). Pods given as `replicated` are workloads whose "self"
    pair is one replica reaching another, which policies do govern.
    """

    def __init__(self, default: bool, replicated: Iterable[str] = ()) -> None:
        self.replicated = set(replicated)
        self.cells: dict[Cell, bool] = {
            (s, d, port, protocol): default
            for s in ENDPOINTS
            for d in ENDPOINTS
            if not (s in IPS and d in IPS)
            for port in PORTS
            for protocol in PROTOCOLS
        }

    def set(
        self,
        frm: Pattern,
        to: Pattern,
        allowed: bool,
        ports: Union[int, Iterable[int]] = PORTS,
        protocols: Union[str, Iterable[str]] = PROTOCOLS,
    ) -> "Truth":
        ports = (ports,) if isinstance(ports, int) else tuple(ports)
        protocols = (protocols,) if isinstance(protocols, str) else tuple(protocols)
        for s in expand(frm):
            for d in expand(to):
                if s in IPS and d in IPS:
                    continue
                for port in ports:
                    for protocol in protocols:
                        self.cells[(s, d, port, protocol)] = allowed
        return self

    def allow(self, frm: Pattern, to: Pattern, ports=PORTS, protocols=PROTOCOLS) -> "Truth":
        return self.set(frm, to, True, ports, protocols)

    def deny(self, frm: Pattern, to: Pattern, ports=PORTS, protocols=PROTOCOLS) -> "Truth":
        return self.set(frm, to, False, ports, protocols)

    def table(self) -> dict[Cell, bool]:
        cells = dict(self.cells)
        for pod in PODS:
            if pod in self.replicated:
                continue
            for port in PORTS:
                for protocol in PROTOCOLS:
                    cells[(pod, pod, port, protocol)] = True
        return cells


def describe_differences(expected: Mapping[Cell, bool], got: Mapping[Cell, bool], limit: int = 25) -> str:
    wrong = [cell for cell in expected if expected[cell] != got.get(cell)]
    lines = [
        f"  {s} -> {d} {port}/{protocol}: expected {'allowed' if expected[(s, d, port, protocol)] else 'denied'}, "
        f"got {got.get((s, d, port, protocol))}"
        for s, d, port, protocol in wrong[:limit]
    ]
    more = f"\n  ... and {len(wrong) - limit} more" if len(wrong) > limit else ""
    return f"{len(wrong)} of {len(expected)} cells differ:\n" + "\n".join(lines) + more
