# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service checks SVC-001 .. SVC-007."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    AuditContext,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    PodView,
    dig,
    name_of,
    namespace_of,
    ns_name,
    ref,
    service_selector_matches,
)

_DNS_SUBDOMAIN = re.compile(r"^(?=.{1,253}\.?$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$")


def _type(service: dict) -> str:
    return str(dig(service, "spec", "type", default="ClusterIP") or "ClusterIP")


def _selected(ctx: AuditContext, service: dict) -> list[PodView]:
    selector = dig(service, "spec", "selector", default=None)
    return [v for v in ctx.pods_in(namespace_of(service)) if service_selector_matches(selector, v.labels)]


def _selecting_services(ctx: AuditContext) -> list[dict]:
    return [s for s in ctx.objects("Service") if _type(s) != "ExternalName" and dig(s, "spec", "selector")]


@check("SVC-001")
def svc_no_ready_pods(ctx: AuditContext) -> CheckOutcome:
    services = _selecting_services(ctx)
    if not services:
        return NotApplicable("no Service with a selector")
    findings = []
    for service in services:
        selected = _selected(ctx, service)
        if not selected:
            findings.append(Finding("SVC-001", ref(service), f"Service {ns_name(service)}: its selector matches no pods"))
        elif not any(ctx.pod_is_ready(v) for v in selected):
            names = ", ".join(sorted(f"{v.owner.get('kind')}/{v.name}" for v in selected))
            findings.append(Finding("SVC-001", ref(service), f"Service {ns_name(service)}: none of the selected pods is ready ({names})"))
    return findings


def _port_matches(target, views: list[PodView]) -> bool:
    for view in views:
        for container in view.containers:
            for port in container.get("ports") or []:
                if isinstance(target, int) and port.get("containerPort") == target:
                    return True
                if isinstance(target, str) and port.get("name") == target:
                    return True
    return False


@check("SVC-002")
def svc_target_port(ctx: AuditContext) -> CheckOutcome:
    services = _selecting_services(ctx)
    if not services:
        return NotApplicable("no Service with a selector")
    findings = []
    for service in services:
        selected = _selected(ctx, service)
        if not selected:
            continue  # SVC-001 says so
        declares_ports = any(c.get("ports") for v in selected for c in v.containers)
        bad = []
        for port in dig(service, "spec", "ports", default=None) or []:
            target = port.get("targetPort", port.get("port"))
            if isinstance(target, str) and target.isdigit():
                target = int(target)
            if isinstance(target, int) and not declares_ports:
                continue  # the pods declare no ports: a numeric targetPort cannot be checked
            if not _port_matches(target, selected):
                bad.append(str(target))
        if bad:
            findings.append(
                Finding("SVC-002", ref(service), f"Service {ns_name(service)}: targetPort {', '.join(bad)} matches no container port of the selected pods")
            )
    return findings


def _load_balancers(ctx: AuditContext) -> list[dict]:
    return [s for s in ctx.objects("Service") if _type(s) == "LoadBalancer"]


@check("SVC-003")
def svc_lb_source_ranges(ctx: AuditContext) -> CheckOutcome:
    services = _load_balancers(ctx)
    if not services:
        return NotApplicable("no LoadBalancer Service")
    findings = []
    for service in services:
        ranges = dig(service, "spec", "loadBalancerSourceRanges", default=None)
        annotation = (dig(service, "metadata", "annotations", default=None) or {}).get("service.beta.kubernetes.io/load-balancer-source-ranges")
        if not ranges and not annotation:
            findings.append(Finding("SVC-003", ref(service), f"LoadBalancer Service {ns_name(service)} accepts traffic from any address"))
    return findings


@check("SVC-004")
def svc_lb_address(ctx: AuditContext) -> CheckOutcome:
    services = [s for s in _load_balancers(ctx) if ctx.status_of(s) is not None]
    if not services:
        return NotApplicable("no LoadBalancer Service with a status to judge")
    findings = []
    for service in services:
        ingress = dig(ctx.status_of(service), "loadBalancer", "ingress", default=None) or []
        if not any(entry.get("ip") or entry.get("hostname") for entry in ingress):
            findings.append(Finding("SVC-004", ref(service), f"LoadBalancer Service {ns_name(service)} has no external address"))
    return findings


@check("SVC-005")
def svc_node_port(ctx: AuditContext) -> CheckOutcome:
    services = ctx.objects("Service")
    if not services:
        return NotApplicable("no Service")
    return [
        Finding("SVC-005", ref(s), f"Service {ns_name(s)} is of type NodePort (opens a port on every node)")
        for s in services
        if _type(s) == "NodePort"
    ]


def _valid_external_name(value: str) -> bool:
    if not value:
        return False
    try:
        ipaddress.ip_address(value)
        return False  # an IP address is not a DNS name
    except ValueError:
        pass
    return bool(_DNS_SUBDOMAIN.match(value.lower())) and value == value.lower()


@check("SVC-006")
def svc_external_name(ctx: AuditContext) -> CheckOutcome:
    services = [s for s in ctx.objects("Service") if _type(s) == "ExternalName"]
    if not services:
        return NotApplicable("no ExternalName Service")
    findings = []
    for service in services:
        problems = []
        if dig(service, "spec", "selector"):
            problems.append("has a selector")
        external = str(dig(service, "spec", "externalName", default="") or "")
        if not _valid_external_name(external):
            problems.append(f"externalName {external!r} is not a valid DNS name")
        if problems:
            findings.append(Finding("SVC-006", ref(service), f"ExternalName Service {ns_name(service)} " + " and ".join(problems)))
    return findings


@check("SVC-007")
def svc_statefulset_headless(ctx: AuditContext) -> CheckOutcome:
    sets = ctx.objects("StatefulSet")
    if not sets:
        return NotApplicable("no StatefulSet")
    findings = []
    for sts in sets:
        service_name = str(dig(sts, "spec", "serviceName", default="") or "")
        if not service_name:
            findings.append(Finding("SVC-007", ref(sts), f"StatefulSet {ns_name(sts)} has no serviceName"))
            continue
        service = ctx.lookup("Service", namespace_of(sts), service_name)
        if service is None:
            findings.append(Finding("SVC-007", ref(sts), f"StatefulSet {ns_name(sts)}: serviceName {service_name} names no Service"))
        elif str(dig(service, "spec", "clusterIP", default="") or "") != "None":
            findings.append(
                Finding("SVC-007", ref(sts), f"StatefulSet {ns_name(sts)}: Service {name_of(service)} is not headless (clusterIP is not None)")
            )
    return findings
