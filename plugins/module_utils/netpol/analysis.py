# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the netpol_reachability module does with its options, without AnsibleModule.

`analyse(objects, ...)` returns the module's result dict (`failed` and `msg` set when an
expectation does not hold); bad input raises `NetpolError` (an invalid policy) or
`QueryError` (every bad query, listed together). `read_live(client)` is the live mode's read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import flatten_manifests
from ansible_collections.linkops.k8s_platform.plugins.module_utils.live_source import KindRef, read_kinds
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.graph import GRAPH_FORMATS, render
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import (
    NetpolError,
    NetpolModel,
    PortProtocol,
    QueryError,
    Verdict,
    check_port_number,
    check_protocol,
    parse_port_spec,
)

Obj = dict[str, Any]

# ReplicaSets are read too: without them a Deployment's pods (owned by a ReplicaSet, not by the
# Deployment) would be counted beside the Deployment's template.
LIVE_KINDS: tuple[KindRef, ...] = (
    KindRef("v1", "Namespace"),
    KindRef("v1", "Pod"),
    KindRef("networking.k8s.io/v1", "NetworkPolicy"),
    KindRef("apps/v1", "Deployment"),
    KindRef("apps/v1", "StatefulSet"),
    KindRef("apps/v1", "DaemonSet"),
    KindRef("apps/v1", "ReplicaSet"),
)
# Without these the verdicts would be wrong, not just incomplete.
REQUIRED_LIVE_KINDS: frozenset[str] = frozenset({"Namespace", "Pod", "NetworkPolicy"})


class LiveReadError(RuntimeError):
    pass


def read_live(client: Any) -> tuple[list[Obj], list[str]]:
    """Every kind the model needs, all namespaces. Returns (objects, warnings)."""
    read = read_kinds(client, LIVE_KINDS)
    fatal, warnings = [], []
    for kind_ref in LIVE_KINDS:
        reason = read.errors.get(str(kind_ref))
        if reason is None:
            continue
        if kind_ref.kind in REQUIRED_LIVE_KINDS:
            fatal.append(f"{kind_ref}: {reason}")
        elif kind_ref.kind == "ReplicaSet":
            warnings.append(
                f"{kind_ref}: {reason}; a Deployment's pods are then listed beside the Deployment itself"
            )
        else:
            warnings.append(f"{kind_ref}: {reason}; their pods are analysed one by one instead")
    if fatal:
        raise LiveReadError("cannot analyse the cluster without these kinds: " + "; ".join(fatal))
    return read.objects, warnings


def load_resources(resources: Iterable[Any]) -> list[Obj]:
    try:
        return list(flatten_manifests(resources))
    except ValueError as exc:
        raise NetpolError(str(exc)) from None


def normalise_query(raw: Any, where: str, need_allowed: bool = False) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise QueryError(f"{where}: expected a mapping with from, to and port")
    missing = [k for k in ("from", "to", "port") if raw.get(k) in (None, "")]
    if need_allowed and not isinstance(raw.get("allowed"), bool):
        missing.append("allowed (true or false)")
    if missing:
        raise QueryError(f"{where}: missing {', '.join(missing)}")
    query = {
        "from": str(raw["from"]).strip(),
        "to": str(raw["to"]).strip(),
        "port": check_port_number(raw["port"], f"{where}.port"),
        "protocol": check_protocol(raw.get("protocol"), f"{where}.protocol"),
    }
    if need_allowed:
        query["allowed"] = raw["allowed"]
    return query


def _side_text(direction: str, allowed: bool, policies: Sequence[str]) -> str:
    if not policies:
        return f"{direction} not isolated"
    return f"{direction} {'allowed' if allowed else 'denied'} by {', '.join(policies)}"


def explain(verdict: Verdict) -> str:
    if verdict.loopback:
        return "loopback: a pod reaching itself is not policed"
    return "; ".join(
        (
            _side_text("egress", verdict.egress_allowed, verdict.egress_policies),
            _side_text("ingress", verdict.ingress_allowed, verdict.ingress_policies),
        )
    )


def _result(query: Mapping[str, Any], verdict: Verdict) -> dict[str, Any]:
    return {
        "from": query["from"],
        "to": query["to"],
        "port": query["port"],
        "protocol": query["protocol"],
        "allowed": verdict.allowed,
        "ingress_allowed": verdict.ingress_allowed,
        "egress_allowed": verdict.egress_allowed,
        "ingress_policies": list(verdict.ingress_policies),
        "egress_policies": list(verdict.egress_policies),
    }


def _evaluate_all(model: NetpolModel, queries: list[tuple[str, dict[str, Any]]], errors: list[str]):
    verdicts: list[Optional[Verdict]] = []
    for label, query in queries:
        try:
            verdicts.append(model.evaluate(query["from"], query["to"], query["port"], query["protocol"]))
        except QueryError as exc:
            errors.append(f"{label}: {exc}")
            verdicts.append(None)
    return verdicts


def analyse(
    objects: Iterable[Mapping[str, Any]],
    *,
    queries: Optional[Sequence[Any]] = None,
    expect: Optional[Sequence[Any]] = None,
    matrix: bool = False,
    ports: Optional[Sequence[Any]] = None,
    graph: Optional[str] = None,
    namespaces: Optional[Sequence[str]] = None,
    model: Optional[NetpolModel] = None,
) -> dict[str, Any]:
    """The module's result for these options; raises QueryError listing every bad input."""
    errors: list[str] = []
    # (label for messages, normalised query); a malformed entry is reported and left out
    parsed_queries: list[tuple[str, dict[str, Any]]] = []
    parsed_expect: list[tuple[str, dict[str, Any]]] = []
    for name, raw_list, target, need_allowed in (
        ("queries", queries, parsed_queries, False),
        ("expect", expect, parsed_expect, True),
    ):
        for number, raw in enumerate(raw_list or []):
            label = f"{name}[{number}]"
            try:
                target.append((label, normalise_query(raw, label, need_allowed)))
            except QueryError as exc:
                errors.append(str(exc))
    port_specs: list[PortProtocol] = []
    for number, raw in enumerate(ports or []):
        try:
            port_specs.append(parse_port_spec(raw, f"ports[{number}]"))
        except QueryError as exc:
            errors.append(str(exc))
    if graph is not None and graph not in GRAPH_FORMATS:
        errors.append(f"graph: {graph!r} is not one of {', '.join(GRAPH_FORMATS)}")
    if (matrix or graph) and not ports:
        errors.append("ports: matrix and graph need the ports to evaluate, e.g. [80, '53/UDP']")

    if model is None:
        model = NetpolModel(objects)
    try:
        chosen = model.pods_in(namespaces) if namespaces else model.pods_in()
    except QueryError as exc:
        errors.append(f"namespaces: {exc}")
        chosen = []
    query_verdicts = _evaluate_all(model, parsed_queries, errors)
    expect_verdicts = _evaluate_all(model, parsed_expect, errors)
    if errors:
        raise QueryError("; ".join(errors))

    warnings = list(model.warnings)
    for verdict in query_verdicts + expect_verdicts:
        for note in verdict.notes if verdict else ():
            if note not in warnings:
                warnings.append(note)

    result: dict[str, Any] = {
        "changed": False,
        "pods": [model.pods[i].key for i in chosen],
        "results": [_result(q, v) for (_label, q), v in zip(parsed_queries, query_verdicts)],  # type: ignore[arg-type]
    }
    if expect is not None:
        mismatches = []
        for (_label, query), verdict in zip(parsed_expect, expect_verdicts):
            if verdict is None:  # every expectation was evaluated above
                raise RuntimeError(f"no verdict for {_label}")
            if verdict.allowed != query["allowed"]:
                entry = _result(query, verdict)
                entry["expected"] = query["allowed"]
                entry["explanation"] = explain(verdict)
                mismatches.append(entry)
        result["mismatches"] = mismatches
        if mismatches:
            lines = [
                f"{m['from']} -> {m['to']} {m['port']}/{m['protocol']}: expected "
                f"{'allowed' if m['expected'] else 'denied'}, got {'allowed' if m['allowed'] else 'denied'} "
                f"({m['explanation']})"
                for m in mismatches
            ]
            result["failed"] = True
            result["msg"] = (
                f"{len(mismatches)} of {len(parsed_expect)} reachability expectations do not hold:\n"
                + "\n".join(f"- {line}" for line in lines)
            )
    if matrix or graph:
        entries = []
        flows: dict[tuple[str, str], list[str]] = {}
        for spec in port_specs:
            rows = model.allowed_rows(spec.port, spec.protocol)
            for s in chosen:
                row = rows[s]
                source = model.pods[s]
                for d in chosen:
                    allowed = bool(row >> d & 1)
                    if matrix:
                        entries.append(
                            {
                                "from": source.key,
                                "to": model.pods[d].key,
                                "port": spec.port,
                                "protocol": spec.protocol,
                                "allowed": allowed,
                            }
                        )
                    if allowed and not (s == d and source.loopback_exempt):
                        flows.setdefault((source.key, model.pods[d].key), []).append(str(spec))
        if matrix:
            result["matrix"] = entries
        if graph:
            nodes = [(model.pods[i].key, model.pods[i].namespace, model.pods[i].name) for i in chosen]
            result["graph"] = render(graph, nodes, flows)
    if warnings:
        result["warnings"] = warnings
    return result
