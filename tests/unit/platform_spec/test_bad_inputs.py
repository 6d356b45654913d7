# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input cases: each names the exact path and the message the validator must report."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import normalize, PlatformSpecError, validate

from .spec_helpers import BASE, DELETE, mutate

A0, A1, A2, A3, A4 = (f"k8s_platform_apps[{i}]" for i in range(5))
N0, N1 = "k8s_platform_namespaces[0]", "k8s_platform_namespaces[1]"
SC0 = "k8s_platform_storage_classes[0]"

# (id, changes, expected path, expected message substring)
CASES: list[tuple[str, list[tuple[str, Any]], str, str]] = [
    ("node-port-range", [(f"{A2}.service.node_port", 80)], f"{A2}.service.node_port", "80 is outside 30000-32767"),
    ("node-port-on-clusterip", [(f"{A0}.service.node_port", 30001)], f"{A0}.service.node_port",
     "node_port is only valid with service type NodePort or LoadBalancer (type is ClusterIP)"),
    ("node-port-in-ports-on-headless", [(f"{A3}.port", DELETE), (f"{A3}.ports", [{"port": 5432, "node_port": 30001}])],
     f"{A3}.ports[0].node_port", "only valid with service type NodePort or LoadBalancer (type is Headless)"),
    ("node-port-duplicate", [(f"{A1}.service.node_port", 30080)], f"{A2}.service.node_port",
     f"node port 30080 is already used at {A1}.service.node_port"),
    ("port-zero", [(f"{A0}.port", 0)], f"{A0}.port", "0 is outside 1-65535"),
    ("port-too-big", [(f"{A1}.ports[0].port", 70000)], f"{A1}.ports[0].port", "70000 is outside 1-65535"),
    ("target-port-too-big", [(f"{A1}.ports[0].target_port", 65536)], f"{A1}.ports[0].target_port", "65536 is outside 1-65535"),
    ("port-and-ports", [(f"{A0}.ports", [{"name": "grpc", "port": 9000}])], A0, "set either 'port' or 'ports', not both"),
    ("port-name-invalid", [(f"{A1}.ports[0].name", "HTTP_main")], f"{A1}.ports[0].name", "is not a valid port name"),
    ("port-names-duplicate", [(f"{A1}.ports", [{"name": "http", "port": 80}, {"name": "http", "port": 81}])],
     f"{A1}.ports[1].name", "duplicate port name 'http'"),
    ("port-protocol", [(f"{A1}.ports[0].protocol", "HTTP")], f"{A1}.ports[0].protocol", "'HTTP' is not allowed; allowed values: TCP, UDP, SCTP"),
    ("service-type-unknown", [(f"{A0}.service.type", "Internal")], f"{A0}.service.type",
     "'Internal' is not allowed; allowed values: ClusterIP, NodePort, LoadBalancer, ExternalName, Headless"),
    ("externalname-missing", [(f"{A4}.service.external_name", DELETE)], f"{A4}.service",
     "service type ExternalName needs 'external_name'"),
    ("externalname-ip", [(f"{A4}.service.external_name", "10.0.0.1")], f"{A4}.service.external_name", "is an IP address"),
    ("externalname-not-dns", [(f"{A4}.service.external_name", "s3_bucket!")], f"{A4}.service.external_name", "must be a DNS-1123 subdomain"),
    ("externalname-on-clusterip", [(f"{A0}.service.external_name", "x.example.com")], f"{A0}.service.external_name",
     "external_name is only valid with service type ExternalName (type is ClusterIP)"),
    ("externalname-with-workload", [(f"{A4}.workload", {"image": "x:1"})], f"{A4}.workload", "an ExternalName app has no pods of its own"),
    ("headless-without-port", [(f"{A3}.port", DELETE)], A3, "a Headless service needs a port: set 'port' or 'ports'"),
    ("source-range-bad-cidr", [(f"{A1}.service.source_ranges", ["10.0.0.0/33"])], f"{A1}.service.source_ranges[0]", "is not a valid CIDR"),
    ("source-range-host-bits", [(f"{A1}.service.source_ranges", ["10.0.0.1/8"])], f"{A1}.service.source_ranges[0]", "has host bits set"),
    ("source-ranges-on-clusterip", [(f"{A0}.service.source_ranges", ["10.0.0.0/8"])], f"{A0}.service.source_ranges",
     "source_ranges is only valid with service type LoadBalancer (type is ClusterIP)"),
    ("etp-on-clusterip", [(f"{A0}.service.external_traffic_policy", "Local")], f"{A0}.service.external_traffic_policy",
     "only valid with service type NodePort or LoadBalancer"),
    ("affinity-timeout-without-clientip", [(f"{A0}.service.session_affinity_timeout", 60)], f"{A0}.service.session_affinity_timeout",
     "only valid with session_affinity ClientIP"),
    ("external-lb-on-loadbalancer", [(f"{A1}.service.external_lb", {})], f"{A1}.service.external_lb",
     "an extra LoadBalancer Service does not apply to service type LoadBalancer"),
    ("external-lb-target-port", [(f"{A0}.service.external_lb.target_port", 9999)], f"{A0}.service.external_lb.target_port",
     "9999 is not a target port of app 'api'"),
    ("external-lb-name-clash", [(f"{A0}.service.external_lb.name", "api")], f"{A0}.service.external_lb.name", "'api' is already the app's Service name"),
    ("service-name-clash", [(f"{A2}.service.name", "web")], f"{A2}.service.name", "Service 'web' in namespace 'mlops' is already declared"),
    ("duplicate-app", [(f"{A2}.name", "api")], f"{A2}.name", f"duplicate app 'api' in namespace 'mlops' (also {A0})"),
    ("undeclared-namespace", [(f"{A2}.namespace", "ghost")], f"{A2}.namespace",
     "namespace 'ghost' is not declared in k8s_platform_namespaces (declared: data, mlops)"),
    ("app-name-dns", [(f"{A2}.name", "Admin_UI")], f"{A2}.name", "must be a DNS-1035 label"),
    ("app-name-leading-digit", [(f"{A2}.name", "1admin")], f"{A2}.name", "starting with a letter"),
    ("namespace-name-dns", [(f"{N0}.name", "MLOps")], f"{N0}.name", "must be a DNS-1123 label"),
    ("namespace-name-too-long", [(f"{N0}.name", "a" * 64)], f"{N0}.name", "at most 63 characters"),
    ("namespace-duplicate", [(f"{N1}.name", "mlops")], f"{N1}.name", f"duplicate namespace 'mlops' (also at {N0})"),
    ("namespace-kube-prefix", [(f"{N1}.name", "kube-tools")], f"{N1}.name", "reserved for Kubernetes system namespaces"),
    ("namespace-psa-label", [(f"{N0}.labels", {"pod-security.kubernetes.io/enforce": "privileged"})],
     f"{N0}.labels.pod-security.kubernetes.io/enforce", "set Pod Security levels with pod_security"),
    ("psa-level", [(f"{N0}.pod_security", "strict")], f"{N0}.pod_security",
     "'strict' is not allowed; allowed values: privileged, baseline, restricted"),
    ("psa-audit-level", [(f"{N1}.pod_security.audit", "high")], f"{N1}.pod_security.audit", "'high' is not allowed"),
    ("psa-version", [(f"{N1}.pod_security.version", "1.35")], f"{N1}.pod_security.version", "is not a Pod Security version"),
    ("ingress-backend-unknown-app", [(f"{A0}.ingress.paths", [{"path": "/x", "backend": {"app": "nope"}}])],
     f"{A0}.ingress.paths[0].backend.app", "no app 'nope' in namespace 'mlops'"),
    ("ingress-backend-unknown-port", [(f"{A0}.ingress.paths", [{"path": "/", "backend": {"app": "web", "port": 8080}}])],
     f"{A0}.ingress.paths[0].backend.port", "8080 is not a Service port of app 'web' (80)"),
    ("ingress-backend-unknown-port-name", [(f"{A0}.ingress.paths", [{"path": "/", "backend": {"app": "web", "port": "grpc"}}])],
     f"{A0}.ingress.paths[0].backend.port", "'grpc' is not a port name of app 'web' (http)"),
    ("ingress-backend-externalname", [(f"{A0}.ingress.paths", [{"path": "/s3", "backend": {"app": "s3"}}])],
     f"{A0}.ingress.paths[0].backend.app", "app 's3' is ExternalName-only"),
    ("ingress-on-externalname", [(f"{A4}.ingress", {"host": "s3.example.com"})], f"{A4}.ingress", "is ExternalName-only (no pods behind it)"),
    ("ingress-host-ip", [(f"{A0}.ingress.host", "10.1.2.3")], f"{A0}.ingress.host", "is an IP address; Ingress hosts must be DNS names"),
    ("ingress-no-host", [(f"{A0}.ingress.host", DELETE)], f"{A0}.ingress", "needs 'host' or 'hosts'"),
    ("ingress-path-relative", [(f"{A0}.ingress.paths", ["api"])], f"{A0}.ingress.paths[0]", "'api' must start with '/'"),
    ("ingress-path-type", [(f"{A0}.ingress.paths", [{"path": "/", "path_type": "Regex"}])], f"{A0}.ingress.paths[0].path_type", "'Regex' is not allowed"),
    ("ingress-duplicate-route", [(f"{A1}.ingress", {"host": "api.example.com"})], f"{A1}.ingress.paths[0]",
     f"route api.example.com/ is already declared at {A0}.ingress.paths[0]"),
    ("ingress-cors-credentials-wildcard", [(f"{A0}.ingress.cors", {"allow_origins": ["*"], "allow_credentials": True})],
     f"{A0}.ingress.cors.allow_credentials", "cannot be true with allow_origins '*'"),
    ("ingress-cors-origin", [(f"{A0}.ingress.cors.allow_origins", ["app.example.com"])], f"{A0}.ingress.cors.allow_origins[0]", "is not a CORS origin"),
    ("ingress-cors-method", [(f"{A0}.ingress.cors.allow_methods", ["FETCH"])], f"{A0}.ingress.cors.allow_methods[0]", "'FETCH' is not allowed"),
    ("ingress-redirect-without-tls", [(f"{A0}.ingress.tls", False), (f"{A0}.ingress.https_redirect", True)], f"{A0}.ingress.https_redirect",
     "needs tls"),
    ("ingress-rate-limit", [(f"{A0}.ingress.rate_limit_rps", 0)], f"{A0}.ingress.rate_limit_rps", "0 is outside 1-1000000"),
    ("network-unknown-app", [(f"{A0}.network.from[0].app", "ghost")], f"{A0}.network.from[0].app", "no app 'ghost' in namespace 'mlops'"),
    ("network-unknown-namespace", [(f"{A0}.network.to[0].namespace", "other")], f"{A0}.network.to[0].namespace",
     "namespace 'other' is not declared in k8s_platform_namespaces"),
    ("network-wrong-namespace", [(f"{A0}.network.to[0].namespace", DELETE)], f"{A0}.network.to[0].app", "no app 'db' in namespace 'mlops'"),
    ("network-port-not-of-target", [(f"{A0}.network.to[0].port", 5433)], f"{A0}.network.to[0].port", "5433 is not a container port of app 'db' (5432)"),
    ("network-two-kinds", [(f"{A0}.network.from[1]", {"app": "web", "cidr": "10.0.0.0/8"})], f"{A0}.network.from[1]",
     "needs exactly one of app, ingress_controller, monitoring, cidr (got app, cidr)"),
    ("network-flag-false", [(f"{A0}.network.from[1].ingress_controller", False)], f"{A0}.network.from[1].ingress_controller", "must be true"),
    ("network-except-outside", [(f"{A0}.network.to", [{"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}])], f"{A0}.network.to[0].except[0]",
     "192.168.0.0/16 is not a strict subnet of 10.0.0.0/8"),
    ("network-externalname-peer", [(f"{A0}.network.to", [{"app": "s3"}])], f"{A0}.network.to[0].app", "app 's3' is ExternalName-only"),
    ("network-from-port", [(f"{A0}.network.from[0].ports", [9999])], f"{A0}.network.from[0].ports[0]", "9999 is not a container port of app 'api'"),
    ("storage-size-unit", [(f"{A0}.storage[0].size", "10GB")], f"{A0}.storage[0].size", "'10GB' is not a Kubernetes quantity"),
    ("storage-size-zero", [(f"{A0}.storage[0].size", "0Gi")], f"{A0}.storage[0].size", "must be greater than zero"),
    ("storage-size-number", [(f"{A0}.storage[0].size", 10)], f"{A0}.storage[0].size", "must be a string, got integer 10"),
    ("storage-class-unknown", [(f"{A0}.storage[0].class", "slow")], f"{A0}.storage[0].class",
     "storage class 'slow' is not in k8s_platform_storage_classes (fast-ssd)"),
    ("storage-access-mode", [(f"{A0}.storage[0].access_modes", ["RWO"])], f"{A0}.storage[0].access_modes[0]", "'RWO' is not allowed"),
    ("storage-mount-relative", [(f"{A0}.storage[0].mount_path", "data")], f"{A0}.storage[0].mount_path", "must be an absolute path"),
    ("storage-duplicate-name", [(f"{A0}.storage", [{"name": "d", "size": "1Gi"}, {"name": "d", "size": "2Gi"}])], f"{A0}.storage[1].name",
     "duplicate volume name 'd'"),
    ("in-tree-aws-ebs", [(f"{SC0}.provisioner", "kubernetes.io/aws-ebs")], f"{SC0}.provisioner",
     "'kubernetes.io/aws-ebs' is an in-tree volume plugin removed from Kubernetes (CSI migration); use the CSI driver 'ebs.csi.aws.com'"),
    ("in-tree-gce-pd", [(f"{SC0}.provisioner", "kubernetes.io/gce-pd")], f"{SC0}.provisioner", "use the CSI driver 'pd.csi.storage.gke.io'"),
    ("in-tree-azure-disk", [(f"{SC0}.provisioner", "kubernetes.io/azure-disk")], f"{SC0}.provisioner", "use the CSI driver 'disk.csi.azure.com'"),
    ("in-tree-cinder", [(f"{SC0}.provisioner", "kubernetes.io/cinder")], f"{SC0}.provisioner", "use the CSI driver 'cinder.csi.openstack.org'"),
    ("storage-class-parameter-int", [(f"{SC0}.parameters", {"iops": 3000})], f"{SC0}.parameters.iops", "must be a string (quote it), got integer 3000"),
    ("storage-class-two-defaults", [("k8s_platform_storage_classes", [{"name": "a", "provisioner": "x.csi.io", "default": True},
                                                                     {"name": "fast-ssd", "provisioner": "y.csi.io", "default": True}])],
     "k8s_platform_storage_classes", "more than one default storage class"),
    ("rbac-wildcard-verb", [(f"{A0}.rbac.rules[0].verbs", ["*"])], f"{A0}.rbac.rules[0].verbs",
     f"'*' is a risky permission (wildcard); refused unless {A0}.rbac.allow_risky lists 'wildcard'"),
    ("rbac-wildcard-api-group", [(f"{A0}.rbac.rules[0].api_groups", ["*"])], f"{A0}.rbac.rules[0].api_groups", "(wildcard)"),
    ("rbac-secrets", [(f"{A0}.rbac.rules[0].resources", ["secrets"])], f"{A0}.rbac.rules[0].resources", "'secrets' is a risky permission (secrets)"),
    ("rbac-pod-exec", [(f"{A0}.rbac.rules[0].resources", ["pods", "pods/exec"])], f"{A0}.rbac.rules[0].resources",
     "'pods/exec' is a risky permission (pod_exec); refused unless k8s_platform_apps[0].rbac.allow_risky lists 'pod_exec'"),
    ("rbac-pod-subresources-wildcard", [(f"{A0}.rbac.rules[0].resources", ["pods/*"])], f"{A0}.rbac.rules[0].resources",
     "'pods/*' is a risky permission (pod_exec)"),
    ("rbac-escalate", [(f"{A0}.rbac.rules[0].verbs", ["escalate"])], f"{A0}.rbac.rules[0].verbs", "'escalate' is a risky permission (escalate)"),
    ("rbac-bind-cluster", [(f"{A0}.rbac.cluster_rules", [{"api_groups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]}])],
     f"{A0}.rbac.cluster_rules[0].verbs", "'bind' is a risky permission (bind)"),
    ("rbac-impersonate", [(f"{A0}.rbac.rules[0].verbs", ["impersonate"]), (f"{A0}.rbac.rules[0].resources", ["users"])],
     f"{A0}.rbac.rules[0].verbs", "(impersonate)"),
    ("rbac-allow-other-risk", [(f"{A0}.rbac.rules[0].verbs", ["escalate"]), (f"{A0}.rbac.allow_risky", ["bind"])],
     f"{A0}.rbac.rules[0].verbs", "lists 'escalate'"),
    ("rbac-allow-unused", [(f"{A0}.rbac.allow_risky", ["bind"])], f"{A0}.rbac.allow_risky", "'bind' is allowed but no rule uses it"),
    ("rbac-allow-unknown", [(f"{A0}.rbac.allow_risky", ["everything"])], f"{A0}.rbac.allow_risky[0]", "'everything' is not allowed"),
    ("rbac-unknown-verb", [(f"{A0}.rbac.rules[0].verbs", ["read"])], f"{A0}.rbac.rules[0].verbs[0]", "'read' is not allowed"),
    ("rbac-no-verbs", [(f"{A0}.rbac.rules[0].verbs", [])], f"{A0}.rbac.rules[0].verbs", "must have at least 1 item"),
    ("rbac-no-resources", [(f"{A0}.rbac.rules[0].resources", DELETE)], f"{A0}.rbac.rules[0]", "needs 'resources'"),
    ("rbac-non-resource-in-role", [(f"{A0}.rbac.rules[0].non_resource_urls", ["/healthz"])], f"{A0}.rbac.rules[0].non_resource_urls", "unknown field"),
    ("workload-privileged-restricted", [(f"{A0}.workload.security_context", {"privileged": True})], f"{A0}.workload.security_context.privileged",
     "privileged containers are refused: namespace 'mlops' enforces Pod Security 'restricted'"),
    ("workload-root-restricted", [(f"{A0}.workload.security_context", {"run_as_user": 0})], f"{A0}.workload.security_context.run_as_user",
     "0 (root) is refused"),
    ("workload-capability-baseline", [(f"{A3}.workload.security_context", {"capabilities_add": ["SYS_ADMIN"]})],
     f"{A3}.workload.security_context.capabilities_add", "capability SYS_ADMIN is refused: namespace 'data' enforces Pod Security 'baseline'"),
    ("workload-requests-over-limits", [(f"{A0}.workload.resources", {"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}})],
     f"{A0}.workload.resources.requests.cpu", "2 is more than the limit 500m"),
    ("workload-bad-quantity", [(f"{A0}.workload.resources", {"requests": {"memory": "1 GB"}})], f"{A0}.workload.resources.requests.memory",
     "is not a Kubernetes quantity"),
    ("workload-no-image", [(f"{A0}.workload.image", DELETE)], f"{A0}.workload", "missing required field 'image'"),
    ("workload-kind", [(f"{A0}.workload.kind", "DaemonSet")], f"{A0}.workload.kind", "allowed values: Deployment, StatefulSet"),
    ("workload-probe-port", [(f"{A0}.workload.probes.readiness.port", 1234)], f"{A0}.workload.probes.readiness.port",
     "1234 is not a container port of app 'api' (8000, 9090)"),
    ("workload-exec-probe", [(f"{A0}.workload.probes.liveness", {"type": "exec"})], f"{A0}.workload.probes.liveness", "an exec probe needs 'command'"),
    ("workload-replicas", [(f"{A0}.workload.replicas", -1)], f"{A0}.workload.replicas", "-1 is outside 0-1000"),
    ("metrics-path", [(f"{A0}.metrics.path", "metrics")], f"{A0}.metrics.path", "'metrics' must start with '/'"),
    ("metrics-service-port", [(f"{A1}.metrics", {"port": 80})], f"{A1}.metrics.port", "80 is a Service port but not a container port"),
    ("labels-int-value", [(f"{A0}.labels", {"tier": 1})], f"{A0}.labels.tier", "must be a string (quote it), got integer 1"),
    ("labels-bad-key", [(f"{A0}.labels", {"-bad": "x"})], f"{A0}.labels.-bad", "invalid key"),
    ("labels-bad-value", [(f"{A0}.labels", {"tier": "front end"})], f"{A0}.labels.tier", "is not a valid label value"),
    ("type-apps-string", [("k8s_platform_apps", "api")], "k8s_platform_apps", "must be a list, got string 'api'"),
    ("type-source-ranges-string", [(f"{A1}.service.source_ranges", "10.0.0.0/8")], f"{A1}.service.source_ranges", "must be a list, got string"),
    ("type-port-string", [(f"{A0}.port", "8000")], f"{A0}.port", "must be an integer, got string '8000'"),
    ("type-port-bool", [(f"{A0}.port", True)], f"{A0}.port", "must be an integer, got boolean True"),
    ("type-service-null", [(f"{A0}.service", None)], f"{A0}.service", "must be a dict, got null"),
    ("type-app-list", [("k8s_platform_apps[2]", ["admin"])], A2, "must be a dict, got list"),
    ("type-float-port", [(f"{A0}.port", 8000.5)], f"{A0}.port", "must be an integer, got float 8000.5"),
    ("type-tls-string", [(f"{A0}.ingress.tls", "yes")], f"{A0}.ingress.tls", "must be a boolean or dict, got string 'yes'"),
    ("unknown-field-typo", [(f"{A0}.servce", {"type": "ClusterIP"})], f"{A0}.servce", "unknown field; did you mean 'service'?"),
    ("unknown-nested-field", [(f"{A0}.service.nodeport", 30001)], f"{A0}.service.nodeport", "unknown field; did you mean 'node_port'?"),
    ("unknown-variable", [("k8s_platform_app", [])], "k8s_platform_app", "unknown platform variable; did you mean 'k8s_platform_apps'?"),
    ("missing-name", [(f"{A0}.name", DELETE)], A0, "missing required field 'name'"),
    ("missing-namespace", [(f"{A0}.namespace", DELETE)], A0, "missing required field 'namespace'"),
    ("non-string-key", [(f"{A0}.service", {1: "x"})], f"{A0}.service", "keys must be strings, got integer 1"),
]


def _has_message(errors: list[str], path: str, fragment: str) -> bool:
    return any(error.startswith(f"{path}: ") and fragment in error for error in errors)


def test_base_spec_is_valid() -> None:
    assert validate(BASE) == []


def test_enough_distinct_cases() -> None:
    assert len({case[0] for case in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize(("changes", "path", "fragment"), [pytest.param(c, p, f, id=i) for i, c, p, f in CASES])
def test_bad_input_is_reported_by_path(changes: list[tuple[str, Any]], path: str, fragment: str) -> None:
    errors = validate(mutate(*changes))
    assert _has_message(errors, path, fragment), "\n".join(errors)
    assert not any("internal validator error" in error for error in errors)
    with pytest.raises(PlatformSpecError) as raised:
        normalize(mutate(*changes))
    assert raised.value.errors == errors


def test_all_problems_reported_at_once() -> None:
    changes = [case[1][0] for case in CASES if case[0] in ("node-port-range", "storage-size-unit", "psa-level", "rbac-secrets", "in-tree-aws-ebs")]
    errors = validate(mutate(*changes))
    for path, fragment in [
        (f"{A2}.service.node_port", "80 is outside 30000-32767"),
        (f"{A0}.storage[0].size", "not a Kubernetes quantity"),
        (f"{N0}.pod_security", "'strict' is not allowed"),
        (f"{A0}.rbac.rules[0].resources", "(secrets)"),
        (f"{SC0}.provisioner", "ebs.csi.aws.com"),
    ]:
        assert _has_message(errors, path, fragment), "\n".join(errors)


@pytest.mark.parametrize("spec", [None, [], "k8s_platform_apps", 3, {1: []}], ids=["none", "list", "string", "int", "int-key"])
def test_spec_itself_malformed(spec: Any) -> None:
    errors = validate(spec)
    assert errors and all(error.startswith("spec: ") for error in errors)


def test_risky_rbac_allowed_when_listed() -> None:
    spec = mutate((f"{A0}.rbac.rules[0].resources", ["secrets"]), (f"{A0}.rbac.rules[0].verbs", ["*"]),
                  (f"{A0}.rbac.allow_risky", ["secrets", "wildcard"]))
    assert validate(spec) == []


def test_extra_known_variable_is_accepted() -> None:
    spec = mutate(("k8s_platform_ingress_class", "traefik"))
    assert validate(spec) != []
    assert validate(spec, extra_known=["k8s_platform_ingress_class"]) == []
    assert normalize(spec, extra_known=["k8s_platform_ingress_class"])["k8s_platform_ingress_class"] == "traefik"


def test_connection_variables_are_known() -> None:
    spec = mutate(("k8s_platform_kubeconfig", "/tmp/kubeconfig"), ("k8s_platform_context", "dev"))
    assert validate(spec) == []
