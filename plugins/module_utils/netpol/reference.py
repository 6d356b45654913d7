# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The obvious NetworkPolicy evaluator, kept as a reference for `model`.

It reads the raw policy dicts on every call and evaluates every selector again for every
connection: nothing is compiled, cached or indexed. It shares no evaluation code with
`model` (it has its own label-selector matcher), so the two agreeing is evidence, not a
tautology. It trusts its input: validation is `model`'s job.

Only the pod list (`k8s_objects.pod_views`, the same view of workloads) and the namespace
labels are prepared up front; those are inputs, not evaluation.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    ResourceIndex,
    dig,
    kind_of,
    name_of,
    namespace_of,
    pod_views,
)


def _labels_match(selector: Optional[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector: every matchLabels pair and every expression must hold."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if key not in labels or labels[key] != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = [str(v) for v in expression.get("values") or []]
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


class ReferenceEvaluator:
    def __init__(self, objects: Iterable[Mapping[str, Any]]) -> None:
        objects = [dict(o) for o in objects]
        for obj in objects:
            if kind_of(obj) != "Namespace" and not namespace_of(obj):
                obj["metadata"] = dict(obj.get("metadata") or {}, namespace="default")
        index = ResourceIndex(objects)
        self.pods: dict[str, dict[str, Any]] = {}
        for view in pod_views(objects):
            if not view.from_template and dig(view.owner, "status", "phase") in ("Succeeded", "Failed"):
                continue
            self.pods[view.key] = {
                "namespace": view.namespace,
                "labels": {str(k): str(v) for k, v in view.labels.items()},
                "spec": view.spec,
                "bare": not view.from_template,
            }
        self.namespace_labels = {ns: index.namespace_labels(ns) for ns in index.namespaces(exclude=())}
        self.policies = sorted(
            (
                o
                for o in index.of_kind("NetworkPolicy")
                if str(o.get("apiVersion") or "networking.k8s.io/v1") == "networking.k8s.io/v1"
            ),
            key=lambda o: (namespace_of(o), name_of(o)),
        )

    # -- what a policy says -----------------------------------------------------------------

    @staticmethod
    def _types(policy: Mapping[str, Any]) -> list[str]:
        spec = policy.get("spec") or {}
        if spec.get("policyTypes"):
            return list(spec["policyTypes"])
        return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]

    def _applies_to(self, policy: Mapping[str, Any], pod_key: str) -> bool:
        pod = self.pods[pod_key]
        return namespace_of(policy) == pod["namespace"] and _labels_match(
            (policy.get("spec") or {}).get("podSelector"), pod["labels"]
        )

    def _peer_matches(self, policy: Mapping[str, Any], peer: Mapping[str, Any], who: str) -> bool:
        """Does one from/to entry match `who` (a pod key or an IP string)?"""
        if who not in self.pods:
            block = peer.get("ipBlock")
            if block is None:
                return False
            address = ipaddress.ip_address(who)
            cidr = ipaddress.ip_network(block["cidr"], strict=False)
            if address.version != cidr.version or address not in cidr:
                return False
            for text in block.get("except") or []:
                if address in ipaddress.ip_network(text, strict=False):
                    return False
            return True
        if peer.get("ipBlock") is not None:
            return False
        pod = self.pods[who]
        namespace_selector = peer.get("namespaceSelector")
        if namespace_selector is None:
            if pod["namespace"] != namespace_of(policy):
                return False
        elif not _labels_match(namespace_selector, self.namespace_labels[pod["namespace"]]):
            return False
        pod_selector = peer.get("podSelector")
        return pod_selector is None or _labels_match(pod_selector, pod["labels"])

    def _port_matches(self, entry: Mapping[str, Any], port: int, protocol: str, destination: str) -> bool:
        if (entry.get("protocol") or "TCP") != protocol:
            return False
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            if destination not in self.pods:
                return False
            spec = self.pods[destination]["spec"]
            for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
                for declared in container.get("ports") or []:
                    if (
                        declared.get("name") == wanted
                        and (declared.get("protocol") or "TCP") == protocol
                        and declared.get("containerPort") == port
                    ):
                        return True
            return False
        end = entry.get("endPort")
        return wanted == port if end is None else wanted <= port <= end

    def _rule_matches(self, policy, rule, peers_field, peer, port, protocol, destination) -> bool:
        rule = rule or {}
        peers = rule.get(peers_field) or []
        if peers and not any(self._peer_matches(policy, p, peer) for p in peers):
            return False
        ports = rule.get("ports") or []
        return not ports or any(self._port_matches(e, port, protocol, destination) for e in ports)

    def _direction(self, pod_key, direction, peer, port, protocol, destination):
        """(allowed, policies) for one side; `direction` is Ingress or Egress."""
        rules_field, peers_field = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        isolating, admitting = [], []
        for policy in self.policies:
            if not self._applies_to(policy, pod_key) or direction not in self._types(policy):
                continue
            name = f"{namespace_of(policy)}/{name_of(policy)}"
            isolating.append(name)
            for rule in (policy.get("spec") or {}).get(rules_field) or []:
                if self._rule_matches(policy, rule, peers_field, peer, port, protocol, destination):
                    admitting.append(name)
                    break
        if not isolating:
            return True, []
        if admitting:
            return True, admitting
        return False, isolating

    # -- the answer -------------------------------------------------------------------------

    def verdict(self, source: str, destination: str, port: int, protocol: str = "TCP") -> dict[str, Any]:
        if source == destination and source in self.pods and self.pods[source]["bare"]:
            return {"allowed": True, "ingress_allowed": True, "egress_allowed": True,
                    "ingress_policies": [], "egress_policies": []}
        egress_ok, egress_by = True, []
        if source in self.pods:
            egress_ok, egress_by = self._direction(source, "Egress", destination, port, protocol, destination)
        ingress_ok, ingress_by = True, []
        if destination in self.pods:
            ingress_ok, ingress_by = self._direction(destination, "Ingress", source, port, protocol, destination)
        return {
            "allowed": egress_ok and ingress_ok,
            "ingress_allowed": ingress_ok,
            "egress_allowed": egress_ok,
            "ingress_policies": ingress_by,
            "egress_policies": egress_by,
        }

    def allowed(self, source: str, destination: str, port: int, protocol: str = "TCP") -> bool:
        return self.verdict(source, destination, port, protocol)["allowed"]

    def matrix(self, ports: Iterable[tuple[int, str]], pods: Optional[Iterable[str]] = None) -> dict:
        """{(source, destination, port, protocol): allowed} for every ordered pair."""
        keys = list(self.pods) if pods is None else list(pods)
        return {
            (s, d, port, protocol): self.allowed(s, d, port, protocol)
            for port, protocol in ports
            for s in keys
            for d in keys
        }
