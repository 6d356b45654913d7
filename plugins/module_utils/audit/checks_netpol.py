# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetworkPolicy checks NET-001 .. NET-007 (on objects; no packets are sent)."""

from __future__ import annotations

import ipaddress

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    AuditContext,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
    namespace_ref,
    pod_label,
    pod_ref,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    PodView,
    SelectorError,
    dig,
    namespace_of,
    ns_name,
    ref,
    selector_matches,
)

METADATA_V4 = ipaddress.ip_network("169.254.169.254/32")
METADATA_V6 = ipaddress.ip_network("fd00:ec2::254/128")
DNS_PORT = 53


def policy_types(policy: dict) -> list[str]:
    declared = dig(policy, "spec", "policyTypes")
    if declared:
        return [str(t) for t in declared]
    types = ["Ingress"]
    if dig(policy, "spec", "egress"):
        types.append("Egress")
    return types


def _selects(policy: dict, view: PodView) -> bool:
    try:
        return selector_matches(dig(policy, "spec", "podSelector"), view.labels)
    except SelectorError:
        return False


def _is_default_deny(policy: dict, direction: str) -> bool:
    spec = policy.get("spec") or {}
    if spec.get("podSelector"):
        return False
    return direction in policy_types(policy) and not spec.get(direction.lower())


def _policies_in(ctx: AuditContext, namespace: str) -> list[dict]:
    return ctx.by_namespace("NetworkPolicy").get(namespace, [])


def _default_deny_check(ctx: AuditContext, check_id: str, direction: str) -> CheckOutcome:
    namespaces = ctx.namespaces()
    if not namespaces:
        return NotApplicable("no namespace in scope")
    return [
        Finding(check_id, namespace_ref(ns), f"Namespace {ns} has no default-deny {direction.lower()} NetworkPolicy")
        for ns in namespaces
        if not any(_is_default_deny(p, direction) for p in _policies_in(ctx, ns))
    ]


@check("NET-001")
def net_default_deny_ingress(ctx: AuditContext) -> CheckOutcome:
    return _default_deny_check(ctx, "NET-001", "Ingress")


@check("NET-002")
def net_default_deny_egress(ctx: AuditContext) -> CheckOutcome:
    return _default_deny_check(ctx, "NET-002", "Egress")


@check("NET-003")
def net_unselected_pods(ctx: AuditContext) -> CheckOutcome:
    pods = ctx.pods()
    if not pods:
        return NotApplicable("no workload")
    return [
        Finding("NET-003", pod_ref(v), f"{pod_label(v)}: no NetworkPolicy selects its pods")
        for v in pods
        if not any(_selects(p, v) for p in _policies_in(ctx, v.namespace))
    ]


@check("NET-004")
def net_empty_policies(ctx: AuditContext) -> CheckOutcome:
    policies = [p for p in ctx.objects("NetworkPolicy") if dig(p, "spec", "podSelector")]
    if not policies:
        return NotApplicable("no NetworkPolicy with a non-empty podSelector")
    return [
        Finding("NET-004", ref(p), f"NetworkPolicy {ns_name(p)}: its podSelector matches no pods")
        for p in policies
        if not any(_selects(p, v) for v in ctx.pods_in(namespace_of(p)))
    ]


def _port_allows_dns(port: dict) -> bool:
    value = port.get("port")
    if value is None:
        return True  # every port of this protocol
    if isinstance(value, str):
        if value.isdigit():
            value = int(value)
        else:
            return value in ("dns", "dns-tcp")
    end = port.get("endPort") or value
    return int(value) <= DNS_PORT <= int(end)


def _rule_allows_dns(rule: dict) -> bool:
    ports = rule.get("ports") or []
    return not ports or any(_port_allows_dns(p) for p in ports if isinstance(p, dict))


@check("NET-005")
def net_dns_egress(ctx: AuditContext) -> CheckOutcome:
    findings = []
    isolated_any = False
    for view in ctx.pods():
        egress_policies = [p for p in _policies_in(ctx, view.namespace) if "Egress" in policy_types(p) and _selects(p, view)]
        if not egress_policies:
            continue
        isolated_any = True
        rules = [r for p in egress_policies for r in dig(p, "spec", "egress", default=None) or [] if isinstance(r, dict)]
        if not any(_rule_allows_dns(r) for r in rules):
            names = ", ".join(sorted(ns_name(p) for p in egress_policies))
            findings.append(
                Finding("NET-005", pod_ref(view),
                        f"{pod_label(view)}: egress is restricted ({names}) but port 53 is not allowed")
            )
    if not isolated_any:
        return NotApplicable("no pod with restricted egress")
    return findings


def _open_block_problem(block: dict) -> str:
    try:
        cidr = ipaddress.ip_network(str(block.get("cidr")), strict=False)
    except ValueError:
        return ""
    excepts = []
    for item in block.get("except") or []:
        try:
            excepts.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            continue
    if cidr.version == 4 and METADATA_V4.subnet_of(cidr):
        if not any(e.version == 4 and METADATA_V4.subnet_of(e) for e in excepts):
            return f"{cidr} without excepting 169.254.169.254"
    if cidr.version == 6 and cidr.prefixlen == 0:
        if not any(e.version == 6 and METADATA_V6.subnet_of(e) for e in excepts):
            return f"{cidr} without excepting the metadata address fd00:ec2::254"
    return ""


@check("NET-006")
def net_metadata_egress(ctx: AuditContext) -> CheckOutcome:
    policies = [p for p in ctx.objects("NetworkPolicy") if "Egress" in policy_types(p)]
    if not policies:
        return NotApplicable("no NetworkPolicy with egress rules")
    findings = []
    for policy in policies:
        problems = []
        for rule in dig(policy, "spec", "egress", default=None) or []:
            for peer in (rule or {}).get("to") or []:
                block = (peer or {}).get("ipBlock")
                if isinstance(block, dict):
                    problem = _open_block_problem(block)
                    if problem:
                        problems.append(problem)
        if problems:
            findings.append(Finding("NET-006", ref(policy), f"NetworkPolicy {ns_name(policy)} allows egress to " + "; ".join(sorted(set(problems)))))
    return findings


@check("NET-007")
def net_ingress_from_all(ctx: AuditContext) -> CheckOutcome:
    policies = [p for p in ctx.objects("NetworkPolicy") if "Ingress" in policy_types(p) and dig(p, "spec", "ingress")]
    if not policies:
        return NotApplicable("no NetworkPolicy with ingress rules")
    findings = []
    for policy in policies:
        problems = []
        for rule in dig(policy, "spec", "ingress") or []:
            peers = (rule or {}).get("from") or []
            if not peers:
                problems.append("a rule with no 'from' (every source)")
            for peer in peers:
                if isinstance(peer, dict) and "namespaceSelector" in peer and not peer["namespaceSelector"]:
                    problems.append("an empty namespaceSelector (every namespace)")
        if problems:
            message = f"NetworkPolicy {ns_name(policy)} allows ingress from every namespace: " + "; ".join(sorted(set(problems)))
            findings.append(Finding("NET-007", ref(policy), message))
    return findings
