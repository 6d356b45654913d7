# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS checks DNS-001 .. DNS-003 and monitoring checks MON-001 .. MON-008."""

from __future__ import annotations

import re
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.checks_storage import alert_rules
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    AuditContext,
    CLUSTER_REF,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
    pod_label,
    pod_ref,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    PodView,
    SelectorError,
    annotations_of,
    dig,
    labels_of,
    name_of,
    namespace_of,
    ns_name,
    pod_template_of,
    ref,
    selector_matches,
    service_selector_matches,
)

DNS_NAMESPACE = "kube-system"
COMPONENT_LABEL = "k8s-platform.linkops.io/component"
LOG_COLLECTORS = ("fluent-bit", "fluentbit", "fluentd", "promtail", "vector", "filebeat", "grafana/alloy", "alloy", "grafana-agent",
                  "logging-operator", "opentelemetry-collector", "otel-collector", "otelcol")
TRACING_COLLECTORS = ("jaeger", "tempo", "opentelemetry-collector", "otel-collector", "otelcol", "zipkin")
SCRAPE = "prometheus.io/scrape"
PORT = "prometheus.io/port"


# --- DNS ---------------------------------------------------------------------------------
def _coredns(ctx: AuditContext) -> list[dict]:
    return [
        d
        for d in ctx.by_namespace("Deployment").get(DNS_NAMESPACE, [])
        if name_of(d) == "coredns" or labels_of(d).get("k8s-app") == "kube-dns"
    ]


@check("DNS-001")
def dns_coredns(ctx: AuditContext) -> CheckOutcome:
    deployments = _coredns(ctx)
    if not deployments:
        return [Finding("DNS-001", dict(CLUSTER_REF), f"No CoreDNS Deployment in {DNS_NAMESPACE}")]
    findings = []
    for deployment in deployments:
        status = ctx.status_of(deployment)
        if status is not None and int(status.get("readyReplicas") or 0) < 1:
            findings.append(Finding("DNS-001", ref(deployment), f"CoreDNS Deployment {ns_name(deployment)} has no ready replica"))
        elif status is None and dig(deployment, "spec", "replicas") == 0:
            findings.append(Finding("DNS-001", ref(deployment), f"CoreDNS Deployment {ns_name(deployment)} is scaled to 0 replicas"))
    return findings


def _slice_has_ready_endpoint(endpoint_slice: dict) -> bool:
    for endpoint in endpoint_slice.get("endpoints") or []:
        if endpoint.get("addresses") and dig(endpoint, "conditions", "ready") is not False:
            return True
    return False


@check("DNS-002")
def dns_endpoints(ctx: AuditContext) -> CheckOutcome:
    endpoints = ctx.by_namespace("Endpoints").get(DNS_NAMESPACE, [])
    slices = ctx.by_namespace("EndpointSlice").get(DNS_NAMESPACE, [])
    if not ctx.live and not ctx.all_objects("Endpoints", "EndpointSlice"):
        return NotApplicable("the resources hold no Endpoints or EndpointSlices")
    service = ctx.lookup("Service", DNS_NAMESPACE, "kube-dns")
    if service is None:
        return [Finding("DNS-002", dict(CLUSTER_REF), f"No kube-dns Service in {DNS_NAMESPACE}")]
    ready = any(name_of(e) == "kube-dns" and any(s.get("addresses") for s in e.get("subsets") or []) for e in endpoints)
    ready = ready or any(labels_of(s).get("kubernetes.io/service-name") == "kube-dns" and _slice_has_ready_endpoint(s) for s in slices)
    return [] if ready else [Finding("DNS-002", ref(service), f"Service {ns_name(service)} has no ready endpoints")]


def corefile_plugins(corefile: str) -> set[str]:
    """The plugin names used in a Corefile (first word of each directive line, comments removed)."""
    plugins = set()
    for line in corefile.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("}"):
            continue
        word = re.split(r"[\s{]", line, maxsplit=1)[0]
        if word and not word.endswith(":") and "." not in word and ":" not in word:
            plugins.add(word)
    return plugins


@check("DNS-003")
def dns_corefile(ctx: AuditContext) -> CheckOutcome:
    config = ctx.lookup("ConfigMap", DNS_NAMESPACE, "coredns")
    if config is None:
        if _coredns(ctx):
            return [Finding("DNS-003", dict(CLUSTER_REF), f"No coredns ConfigMap (Corefile) in {DNS_NAMESPACE}")]
        return NotApplicable(f"no CoreDNS Deployment or coredns ConfigMap in {DNS_NAMESPACE}")
    plugins = corefile_plugins(str(dig(config, "data", "Corefile", default="") or ""))
    missing = [p for p in ("forward", "cache") if p not in plugins and not (p == "forward" and "proxy" in plugins)]
    if missing:
        return [Finding("DNS-003", ref(config), f"Corefile in ConfigMap {ns_name(config)} has no {' and no '.join(missing)} plugin")]
    return []


# --- Monitoring --------------------------------------------------------------------------
def _serving_pods(ctx: AuditContext) -> list[PodView]:
    return ctx.pods(serving_only=True)


def _probe_check(ctx: AuditContext, check_id: str, probe: str) -> CheckOutcome:
    pods = _serving_pods(ctx)
    if not pods:
        return NotApplicable("no long-running workload")
    findings = []
    for view in pods:
        missing = [str(c.get("name") or "?") for c in view.containers if not c.get(probe)]
        if missing:
            findings.append(Finding(check_id, pod_ref(view), f"{pod_label(view)}: no {probe} for {', '.join(missing)}"))
    return findings


@check("MON-001")
def mon_readiness(ctx: AuditContext) -> CheckOutcome:
    return _probe_check(ctx, "MON-001", "readinessProbe")


@check("MON-002")
def mon_liveness(ctx: AuditContext) -> CheckOutcome:
    return _probe_check(ctx, "MON-002", "livenessProbe")


def _pod_annotations(view: PodView) -> dict[str, str]:
    if view.from_template:
        return dict(dig(pod_template_of(view.owner), "metadata", "annotations", default=None) or {})
    return annotations_of(view.owner)


def _monitor_namespaces_match(monitor: dict, namespace: str) -> bool:
    selector = dig(monitor, "spec", "namespaceSelector", default=None) or {}
    if selector.get("any") is True:
        return True
    names = selector.get("matchNames") or []
    if names:
        return namespace in [str(n) for n in names]
    return namespace_of(monitor) == namespace


def _selector_matches(selector: Optional[dict[str, Any]], labels: dict[str, str]) -> bool:
    try:
        return selector_matches(selector, labels)
    except SelectorError:
        return False


def _services_for(ctx: AuditContext, view: PodView) -> list[dict]:
    return [s for s in ctx.by_namespace("Service").get(view.namespace, []) if service_selector_matches(dig(s, "spec", "selector"), view.labels)]


def _scraped(ctx: AuditContext, view: PodView) -> bool:
    if str(_pod_annotations(view).get(SCRAPE, "")).lower() == "true":
        return True
    for monitor in ctx.all_objects("PodMonitor"):
        if _monitor_namespaces_match(monitor, view.namespace) and _selector_matches(dig(monitor, "spec", "selector"), view.labels):
            return True
    for service in _services_for(ctx, view):
        if str(annotations_of(service).get(SCRAPE, "")).lower() == "true":
            return True
        for monitor in ctx.all_objects("ServiceMonitor"):
            if _monitor_namespaces_match(monitor, view.namespace) and _selector_matches(dig(monitor, "spec", "selector"), labels_of(service)):
                return True
    return False


@check("MON-003")
def mon_scraped(ctx: AuditContext) -> CheckOutcome:
    pods = _serving_pods(ctx)
    if not pods:
        return NotApplicable("no long-running workload")
    return [
        Finding("MON-003", pod_ref(v),
                f"{pod_label(v)} is scraped by no ServiceMonitor, PodMonitor or prometheus.io/scrape annotation")
        for v in pods
        if not _scraped(ctx, v)
    ]


def _port_values(container_ports: list[dict[str, Any]]) -> set[str]:
    values = set()
    for port in container_ports:
        for key in ("containerPort", "name", "port", "targetPort"):
            if port.get(key) is not None:
                values.add(str(port[key]))
    return values


@check("MON-004")
def mon_port_annotation(ctx: AuditContext) -> CheckOutcome:
    findings = []
    subjects = 0
    for view in ctx.pods():
        value = _pod_annotations(view).get(PORT)
        if value is None:
            continue
        subjects += 1
        ports = _port_values([p for c in view.containers for p in c.get("ports") or []])
        if str(value) not in ports:
            message = f"{pod_label(view)}: {PORT} {value} matches no container port"
            findings.append(Finding("MON-004", pod_ref(view), message))
    for service in ctx.objects("Service"):
        value = annotations_of(service).get(PORT)
        if value is None:
            continue
        subjects += 1
        ports = _port_values(dig(service, "spec", "ports", default=None) or [])
        selected = [v for v in ctx.pods_in(namespace_of(service)) if service_selector_matches(dig(service, "spec", "selector"), v.labels)]
        ports |= _port_values([p for v in selected for c in v.containers for p in c.get("ports") or []])
        if str(value) not in ports:
            findings.append(Finding("MON-004", ref(service), f"Service {ns_name(service)}: {PORT} {value} matches no port of the Service or its pods"))
    if not subjects:
        return NotApplicable(f"no object with a {PORT} annotation")
    return findings


@check("MON-005")
def mon_alert_rules(ctx: AuditContext) -> CheckOutcome:
    if alert_rules(ctx):
        return []
    return [Finding("MON-005", dict(CLUSTER_REF), "No PrometheusRule defines an alerting rule")]


@check("MON-006")
def mon_dashboards(ctx: AuditContext) -> CheckOutcome:
    if ctx.all_objects("GrafanaDashboard"):
        return []
    if any("grafana_dashboard" in labels_of(c) for c in ctx.all_objects("ConfigMap")):
        return []
    return [Finding("MON-006", dict(CLUSTER_REF), "No Grafana dashboard is provisioned (no grafana_dashboard ConfigMap or GrafanaDashboard)")]


def _matches_component(obj: dict, component: str, keywords: tuple[str, ...]) -> bool:
    if labels_of(obj).get(COMPONENT_LABEL) == component:
        return True
    template = pod_template_of(obj) or {}
    texts = [name_of(obj).lower()] + [str(c.get("image") or "").lower() for c in dig(template, "spec", "containers", default=None) or []]
    return any(keyword in text for keyword in keywords for text in texts)


@check("MON-007")
def mon_log_collection(ctx: AuditContext) -> CheckOutcome:
    if any(_matches_component(d, "log-collector", LOG_COLLECTORS) for d in ctx.all_objects("DaemonSet")):
        return []
    return [Finding("MON-007", dict(CLUSTER_REF), "No log collection DaemonSet (fluent-bit, fluentd, promtail, vector, ...)")]


@check("MON-008")
def mon_tracing(ctx: AuditContext) -> CheckOutcome:
    if ctx.all_objects("OpenTelemetryCollector", "Jaeger"):
        return []
    if any(_matches_component(w, "tracing-collector", TRACING_COLLECTORS) for w in ctx.all_objects("Deployment", "DaemonSet", "StatefulSet")):
        return []
    return [Finding("MON-008", dict(CLUSTER_REF), "No tracing collector (OpenTelemetry Collector, Jaeger, Tempo, Zipkin)")]
