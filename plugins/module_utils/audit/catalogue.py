# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check catalogue as data.

IDs are a public interface: never renumber or reuse one; add new IDs at the end of a section.
Each entry names its checklist section, a default severity, the kinds it reads (live mode
lists exactly these, once each; a kind the credentials may not list turns the entries that
read it into `error`) and a remediation naming the role and variable of this collection that
fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}
# Weights of a passing or failing check in the 0-100 score.
SEVERITY_WEIGHT: dict[str, int] = {"info": 1, "low": 2, "medium": 4, "high": 7, "critical": 10}

COLLECTION = "linkops.k8s_platform"

# Checklist sections, in the order of the checklist (docs/CHECKLIST.md).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("services", "Service Types & Networking"),
    ("ingress", "Ingress Configuration & TLS"),
    ("rbac", "RBAC & Security"),
    ("network_policies", "Network Policies"),
    ("pod_security", "Pod Security"),
    ("storage", "Persistent Storage (PVC)"),
    ("dns", "Service Discovery & DNS"),
    ("monitoring", "Monitoring & Observability"),
)
SECTION_TITLES: dict[str, str] = dict(SECTIONS)

# Kinds and the apiVersion live mode lists them with.
API_VERSIONS: dict[str, str] = {
    "Namespace": "v1",
    "Pod": "v1",
    "Service": "v1",
    "Endpoints": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "ServiceAccount": "v1",
    "PersistentVolumeClaim": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "Ingress": "networking.k8s.io/v1",
    "IngressClass": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "EndpointSlice": "discovery.k8s.io/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "StorageClass": "storage.k8s.io/v1",
    "Certificate": "cert-manager.io/v1",
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "PodMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
    "Schedule": "velero.io/v1",
    "Middleware": "traefik.io/v1alpha1",
    "GrafanaDashboard": "grafana.integreatly.org/v1beta1",
    "OpenTelemetryCollector": "opentelemetry.io/v1beta1",
    "Jaeger": "jaegertracing.io/v1",
}

WORKLOADS: tuple[str, ...] = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    section: str
    severity: str
    role: str
    variable: str
    fix: str
    kinds: tuple[str, ...]

    @property
    def remediation(self) -> str:
        return f"role {COLLECTION}.{self.role}, variable {self.variable}: {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "section": self.section,
            "section_title": SECTION_TITLES[self.section],
            "severity": self.severity,
            "remediation": self.remediation,
        }


def _c(id_: str, section: str, severity: str, title: str, role: str, variable: str, fix: str, kinds: tuple[str, ...]) -> Check:
    return Check(id_, title, section, severity, role, variable, fix, kinds)


def _workload(id_: str, section: str, severity: str, title: str, fix: str) -> Check:
    """A check of the workloads' pod templates, fixed in the workloads role's workloads_apps."""
    return _c(id_, section, severity, title, "workloads", "workloads_apps", fix, WORKLOADS)


_SVC_PODS = ("Service",) + WORKLOADS
_ING = ("Ingress",)
_ING_CLASS = ("Ingress", "IngressClass", "Middleware")
_RBAC_RULES = ("Role", "ClusterRole")
_NS = ("Namespace",)
_NETPOL = ("NetworkPolicy",) + WORKLOADS

CATALOGUE: tuple[Check, ...] = (
    # Services
    _c("SVC-001", "services", "high", "Service selects no ready pods", "services", "services_apps",
       "give the Service a selector matching the app's pod labels and make sure the workload has ready replicas", _SVC_PODS),
    _c("SVC-002", "services", "high", "Service targetPort matches no container port of the selected pods", "services", "services_apps",
       "set the app's port so that the Service targetPort equals a containerPort (or port name) of its pods", _SVC_PODS),
    _c("SVC-003", "services", "high", "LoadBalancer Service without loadBalancerSourceRanges", "services", "services_apps",
       "restrict who may reach the load balancer (service.source_ranges or service.external_lb.source_ranges of the app)", ("Service",)),
    _c("SVC-004", "services", "medium", "LoadBalancer Service without an external address", "services", "services_apps",
       "make sure a load-balancer implementation serves the cluster, or use ClusterIP behind the ingress", ("Service",)),
    _c("SVC-005", "services", "low", "NodePort Service in use", "services", "services_apps",
       "expose the app through the ingress (service.type ClusterIP) instead of a NodePort", ("Service",)),
    _c("SVC-006", "services", "medium", "ExternalName Service with a selector or an invalid externalName", "services", "services_apps",
       "give ExternalName Services a valid DNS name in externalName and no selector", ("Service",)),
    _c("SVC-007", "services", "medium", "StatefulSet serviceName missing or not a headless Service", "services", "services_apps",
       "set service.type Headless for the StatefulSet's governing Service and name it in serviceName", ("StatefulSet", "Service")),
    # Ingress / TLS
    _c("ING-001", "ingress", "medium", "Ingress without an IngressClass, or naming a missing class", "ingress_controller",
       "ingress_controller_class_name", "install the controller's IngressClass and set spec.ingressClassName", ("Ingress", "IngressClass")),
    _c("ING-002", "ingress", "high", "Ingress without TLS", "ingress", "ingress_apps",
       "enable TLS for the app's ingress (ingress.tls: true, or a dict with secret_name/issuer)", _ING),
    _c("ING-003", "ingress", "high", "TLS Secret missing, not of type kubernetes.io/tls, or without a readable certificate", "cert_manager",
       "cert_manager_apps", "let cert-manager issue the TLS Secret: set the app's ingress.tls.issuer (a Certificate for this secretName)",
       ("Ingress", "Secret")),
    _c("ING-004", "ingress", "high", "TLS certificate expired or expiring within 21 days", "cert_manager",
       "cert_manager_certificate_renew_before",
       "let cert-manager renew the certificate early enough (renewBefore) and check the issuer", ("Ingress", "Secret")),
    _c("ING-005", "ingress", "high", "TLS hosts or certificate SANs do not cover a rule host", "ingress", "ingress_apps",
       "list every host in the app's ingress.host/ingress.hosts (the role puts them in tls.hosts and the Certificate's dnsNames)", ("Ingress", "Secret")),
    _c("ING-006", "ingress", "high", "Ingress backend Service or port missing", "ingress", "ingress_apps",
       "point the ingress backend at an existing Service and one of its ports", ("Ingress", "Service")),
    _c("ING-007", "ingress", "medium", "Ingress without rate limiting", "ingress", "ingress_apps",
       "set a rate limit for the app's ingress (ingress.rate_limit_rps)", _ING_CLASS),
    _c("ING-008", "ingress", "low", "Ingress without a CORS policy", "ingress", "ingress_apps",
       "declare the allowed origins for the app's ingress (ingress.cors.allow_origins)", _ING_CLASS),
    _c("ING-009", "ingress", "high", "HTTP not redirected to HTTPS", "ingress", "ingress_apps",
       "serve the app's ingress with TLS (ingress.tls) and keep ingress.https_redirect on", _ING_CLASS),
    _c("ING-010", "ingress", "high", "Ingress uses snippet annotations", "ingress", "ingress_apps",
       "remove configuration-snippet/server-snippet annotations (the app's ingress.annotations) and keep snippets disabled in the controller", _ING),
    _c("ING-011", "ingress", "medium", "Ingress rule without a host", "ingress", "ingress_apps",
       "give every ingress rule a host (ingress.host)", _ING),
    _c("CRT-001", "ingress", "high", "cert-manager Certificate not Ready", "cert_manager",
       "cert_manager_acme_issuers",
       "fix the Certificate's issuer (cert_manager_acme_issuers or cert_manager_ca_issuer; see its conditions and CertificateRequest)",
       ("Certificate",)),
    # RBAC
    _c("RBAC-001", "rbac", "medium", "Workload uses the default ServiceAccount", "rbac", "rbac_apps",
       "give every app its own ServiceAccount (the rbac role creates one per app)", WORKLOADS),
    _c("RBAC-002", "rbac", "medium", "ServiceAccount token automounted", "rbac", "rbac_apps",
       "keep the app's rbac.automount_token false (automountServiceAccountToken) unless the app calls the API", WORKLOADS + ("ServiceAccount",)),
    _c("RBAC-003", "rbac", "high", "Role grants wildcard verbs, resources or apiGroups", "rbac", "rbac_apps",
       "list the exact api_groups, resources and verbs the app needs (rbac.rules; wildcards only with rbac.allow_risky)", _RBAC_RULES),
    _c("RBAC-004", "rbac", "high", "Role grants read access to Secrets", "rbac", "rbac_apps",
       "drop get/list/watch on secrets, or limit it to named Secrets (rbac.rules[].resource_names)", _RBAC_RULES),
    _c("RBAC-005", "rbac", "critical", "Role grants escalate, bind or impersonate", "rbac", "rbac_apps",
       "remove the escalate, bind and impersonate verbs from the app's rules", _RBAC_RULES),
    _c("RBAC-006", "rbac", "high", "Role grants pods/exec, pods/attach or pods/portforward", "rbac", "rbac_apps",
       "remove pods/exec, pods/attach and pods/portforward from the app's rules", _RBAC_RULES),
    _c("RBAC-007", "rbac", "critical", "cluster-admin bound to a non-system subject", "rbac", "rbac_apps",
       "bind a narrower ClusterRole (the app's rbac.cluster_rules); keep cluster-admin for break-glass system subjects", ("ClusterRoleBinding", "RoleBinding")),
    _c("RBAC-008", "rbac", "medium", "Binding to a missing Role, ClusterRole or ServiceAccount", "rbac", "rbac_apps",
       "create the referenced Role and ServiceAccount, or remove the stale binding",
       ("RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole", "ServiceAccount")),
    _c("RBAC-009", "rbac", "high", "Workload names a missing ServiceAccount", "rbac", "rbac_apps",
       "create the ServiceAccount the workload names (the rbac role creates one per app)", WORKLOADS + ("ServiceAccount",)),
    # Network policies
    _c("NET-001", "network_policies", "high", "Namespace without a default-deny ingress policy", "network_policies",
       "network_policies_default_deny", "enable the default-deny ingress policy for the namespace", _NS + ("NetworkPolicy",)),
    _c("NET-002", "network_policies", "medium", "Namespace without a default-deny egress policy", "network_policies",
       "network_policies_default_deny", "enable the default-deny egress policy for the namespace", _NS + ("NetworkPolicy",)),
    _c("NET-003", "network_policies", "medium", "Pod selected by no NetworkPolicy", "network_policies", "network_policies_apps",
       "declare the app's allowed traffic (network.from / network.to) so a policy selects its pods", _NETPOL),
    _c("NET-004", "network_policies", "low", "NetworkPolicy selects no pods", "network_policies", "network_policies_apps",
       "fix the policy's podSelector to match the app's pod labels, or remove the policy", _NETPOL),
    _c("NET-005", "network_policies", "high", "Egress denied but DNS not allowed", "network_policies", "network_policies_dns_selector",
       "allow egress to kube-dns on port 53 (UDP and TCP) wherever egress is denied (network_policies_dns_namespace/_dns_selector)",
       _NETPOL),
    _c("NET-006", "network_policies", "high", "Egress to 0.0.0.0/0 or ::/0 without excluding the metadata address 169.254.169.254", "network_policies",
       "network_policies_metadata_except", "add 169.254.169.254/32 to the ipBlock's except list", ("NetworkPolicy",)),
    _c("NET-007", "network_policies", "medium", "Ingress allowed from every namespace", "network_policies", "network_policies_apps",
       "name the allowed client apps or namespaces (network.from) instead of allowing all", ("NetworkPolicy",)),
    # Pod security
    _c("POD-001", "pod_security", "high", "Namespace without a Pod Security Admission enforce label", "namespaces",
       "namespaces_pod_security_default_level",
       "set a Pod Security level (baseline or restricted) for the namespace (pod_security in k8s_platform_namespaces)", _NS),
    _c("POD-002", "pod_security", "high", "Pod Security enforce level privileged in an app namespace", "namespaces",
       "namespaces_pod_security_default_level", "set the namespace's pod_security to restricted (or baseline) in k8s_platform_namespaces", _NS),
    _workload("POD-003", "pod_security", "high", "Container may run as root (runAsNonRoot not true)",
              "keep the app's workload.security_context.run_as_non_root true (and a non-zero run_as_user)"),
    _workload("POD-004", "pod_security", "high", "allowPrivilegeEscalation not false",
              "keep the app's workload.security_context.allow_privilege_escalation false"),
    _workload("POD-005", "pod_security", "medium", "readOnlyRootFilesystem not true",
              "keep workload.security_context.read_only_root_filesystem true (workloads_tmp_volume mounts a writable /tmp)"),
    _workload("POD-006", "pod_security", "high", "Capabilities not dropping ALL, or adding dangerous ones",
              "drop ALL capabilities (the role always does) and list at most NET_BIND_SERVICE in workload.security_context.capabilities_add"),
    _workload("POD-007", "pod_security", "critical", "Privileged container, host namespaces or hostPath volume",
              "keep workload.security_context.privileged false; remove hostNetwork, hostPID, hostIPC and hostPath from the pod spec"),
    _workload("POD-008", "pod_security", "medium", "seccompProfile not RuntimeDefault or Localhost",
              "keep workload.security_context.seccomp_profile RuntimeDefault (or Localhost)"),
    _workload("POD-009", "pod_security", "medium", "Container without resource requests or limits",
              "set the app's workload.resources (requests cpu and memory, a memory limit), or leave the block out for the defaults"),
    # Storage
    _c("STO-001", "storage", "medium", "No default StorageClass", "storage", "storage_classes",
       "mark one StorageClass as the default (default: true; storage_require_default_class enforces it)", ("StorageClass",)),
    _c("STO-002", "storage", "medium", "More than one default StorageClass", "storage", "storage_classes",
       "keep default: true on exactly one class (and remove the default-class annotation from other StorageClasses)", ("StorageClass",)),
    _c("STO-003", "storage", "high", "PersistentVolumeClaim not Bound", "storage", "storage_classes",
       "check the claim's StorageClass provisioner and its events", ("PersistentVolumeClaim",)),
    _c("STO-004", "storage", "high", "PersistentVolumeClaim names a missing StorageClass", "storage", "storage_classes",
       "create the StorageClass or name an existing one (storage[].class)", ("PersistentVolumeClaim", "StorageClass")),
    _c("STO-005", "storage", "high", "StorageClass uses a removed in-tree provisioner", "storage", "storage_classes",
       "use the CSI driver's provisioner (e.g. ebs.csi.aws.com) instead of kubernetes.io/*", ("StorageClass",)),
    _c("STO-006", "storage", "low", "StorageClass without allowVolumeExpansion", "storage", "storage_classes",
       "set allow_volume_expansion: true on the class", ("StorageClass",)),
    _c("STO-007", "storage", "low", "PersistentVolumeClaim mounted by no workload", "storage", "storage_apps",
       "mount the claim in the app (storage[].mount_path) or delete it", ("PersistentVolumeClaim",) + WORKLOADS),
    _c("STO-008", "storage", "high", "PersistentVolumeClaim not covered by any backup schedule", "storage", "storage_backup_method",
       "back the claim up: set backup: true on the app's storage item (storage_backup_method snapshot adds a snapshot CronJob "
       "selecting it; velero adds a Velero Schedule that includes the claim's namespace)", ("PersistentVolumeClaim", "Schedule", "CronJob")),
    _c("STO-009", "storage", "medium", "No volume-usage alert rule", "storage", "storage_monitoring_enabled",
       "enable the storage role's PersistentVolume usage alert rules (kubelet_volume_stats_*)", ("PersistentVolumeClaim", "PrometheusRule")),
    # DNS
    _c("DNS-001", "dns", "critical", "CoreDNS missing or not ready", "dns", "dns_coredns_deployment",
       "run CoreDNS (dns_coredns_deployment in dns_coredns_namespace) with at least one ready replica", ("Deployment",)),
    _c("DNS-002", "dns", "critical", "kube-dns Service without endpoints", "dns", "dns_coredns_deployment",
       "make sure the kube-dns Service selects the ready pods of the CoreDNS Deployment", ("Service", "Endpoints", "EndpointSlice")),
    _c("DNS-003", "dns", "medium", "Corefile without forward or cache", "dns", "dns_forwarders",
       "configure upstream forwarders and the cache plugin in the Corefile (dns_forwarders, dns_cache_ttl, dns_manage_corefile)", ("ConfigMap", "Deployment")),
    # Monitoring
    _workload("MON-001", "monitoring", "medium", "Container without a readiness probe",
              "declare the app's readiness probe (workload.probes.readiness), or keep workloads_default_probes on"),
    _workload("MON-002", "monitoring", "medium", "Container without a liveness probe",
              "declare the app's liveness probe (workload.probes.liveness), or keep workloads_default_probes on"),
    _c("MON-003", "monitoring", "medium", "App not scraped by Prometheus", "monitoring", "monitoring_apps",
       "declare the app's metrics endpoint (metrics.port) so a ServiceMonitor (monitoring_monitor_kind) is created",
       WORKLOADS + ("Service", "ServiceMonitor", "PodMonitor")),
    _c("MON-004", "monitoring", "medium", "prometheus.io/port matches no port", "monitoring", "monitoring_apps",
       "set the app's metrics.port to a port its container actually exposes", WORKLOADS + ("Service",)),
    _c("MON-005", "monitoring", "high", "No PrometheusRule with alerting rules", "monitoring", "monitoring_alerts",
       "run the monitoring role: it installs the collection's PrometheusRules (thresholds in monitoring_alerts)", ("PrometheusRule",)),
    _c("MON-006", "monitoring", "low", "No Grafana dashboard provisioned", "monitoring", "monitoring_dashboard_label",
       "run the monitoring role: it provisions the collection's dashboards as ConfigMaps carrying monitoring_dashboard_label",
       ("ConfigMap", "GrafanaDashboard")),
    _c("MON-007", "monitoring", "medium", "No log collection DaemonSet", "monitoring", "monitoring_logging_enabled",
       "enable log collection (a node-level collector DaemonSet)", ("DaemonSet",)),
    _c("MON-008", "monitoring", "low", "No tracing collector", "monitoring", "monitoring_tracing_enabled",
       "enable the tracing collector", ("Deployment", "DaemonSet", "StatefulSet", "OpenTelemetryCollector", "Jaeger")),
)

BY_ID: dict[str, Check] = {check.id: check for check in CATALOGUE}


def select(checks: list[str] | None, skip_checks: list[str] | None) -> tuple[list[Check], list[str]]:
    """Entries chosen by IDs or prefixes (`NET-`, `NET`), minus skipped ones; also the unknown patterns."""
    unknown: list[str] = []

    def matches(pattern: str, check_id: str) -> bool:
        pattern = pattern.strip().upper()
        if pattern == check_id:
            return True
        if pattern.endswith("-"):
            return check_id.startswith(pattern)
        return check_id.startswith(pattern + "-")

    for pattern in list(checks or []) + list(skip_checks or []):
        if not any(matches(pattern, c.id) for c in CATALOGUE):
            unknown.append(pattern)
    chosen = [c for c in CATALOGUE if not checks or any(matches(p, c.id) for p in checks)]
    chosen = [c for c in chosen if not any(matches(p, c.id) for p in (skip_checks or []))]
    return chosen, unknown


def id_matches(pattern: str, check_id: str) -> bool:
    """An exemption entry (`ING-007`, `NET-`, `*`) covers a check ID."""
    pattern = pattern.strip().upper()
    if not pattern:
        return False
    if pattern in ("*", "ALL"):
        return True
    if pattern.endswith("-"):
        return check_id.startswith(pattern)
    return pattern == check_id or check_id.startswith(pattern + "-")


def catalogue_markdown() -> str:
    """The catalogue as the Markdown table docs/audit.md carries (a test keeps the two equal)."""
    lines = []
    for key, title in SECTIONS:
        lines += [f"### {title}", "", "| ID | Check | Severity | Remediation |", "| --- | --- | --- | --- |"]
        for entry in CATALOGUE:
            if entry.section == key:
                lines.append(f"| {entry.id} | {entry.title} | {entry.severity} | {entry.remediation} |")
        lines.append("")
    return "\n".join(lines)
