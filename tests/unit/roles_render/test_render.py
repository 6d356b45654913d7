# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The services, workloads and rbac templates, rendered with Ansible's templar from the LinkOps inventories."""

from __future__ import annotations

import pytest

from .render_helpers import by_kind_name, inventory, render

RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True}


@pytest.fixture(scope="module")
def local():
    return inventory("local")


def _render(role, spec, **overrides):
    return render(role, spec["k8s_platform_apps"], spec["k8s_platform_namespaces"], spec.get("k8s_platform_environment"), **overrides)


# ---------------------------------------------------------------------- services

def test_every_service_type_of_the_checklist(local):
    objs = by_kind_name(_render("services", local))
    types = {name: obj["spec"]["type"] for (kind, name), obj in objs.items()}
    assert types == {
        "mlops-platform": "ClusterIP", "mlops-platform-lb": "LoadBalancer", "audit-assess": "ClusterIP",
        "whis-data-input": "ClusterIP", "whis-enhance": "ClusterIP", "frontend": "LoadBalancer",
        "database": "ClusterIP", "object-store": "ExternalName",
    }
    assert objs[("Service", "database")]["spec"]["clusterIP"] == "None"
    assert objs[("Service", "database")]["spec"]["publishNotReadyAddresses"] is True
    assert objs[("Service", "database")]["metadata"]["namespace"] == "mlops-data"
    assert objs[("Service", "object-store")]["spec"] == {"type": "ExternalName", "externalName": "s3.eu-west-1.amazonaws.com"}
    assert "clusterIP" not in objs[("Service", "mlops-platform")]["spec"]


def test_clusterip_with_metrics_and_the_extra_load_balancer(local):
    objs = by_kind_name(_render("services", local))
    svc = objs[("Service", "mlops-platform")]
    assert svc["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert svc["metadata"]["annotations"]["prometheus.io/port"] == "8000"
    assert svc["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert svc["metadata"]["annotations"]["linkops.io/description"] == "MLOps Platform API"
    assert svc["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": 8000, "protocol": "TCP"}]
    assert svc["spec"]["selector"] == {"app.kubernetes.io/name": "mlops-platform"}
    assert svc["metadata"]["labels"]["linkops.io/environment"] == "local"
    lb = objs[("Service", "mlops-platform-lb")]
    assert lb["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8000, "protocol": "TCP"}]
    assert lb["spec"]["selector"] == svc["spec"]["selector"]
    assert lb["spec"]["externalTrafficPolicy"] == "Cluster"
    assert "prometheus.io/scrape" not in lb["metadata"].get("annotations", {})


def test_nodeport_fixed_port_app_protocol_and_session_affinity():
    apps = [{"name": "web", "namespace": "n", "ports": [{"name": "http", "port": 80, "target_port": 3000, "app_protocol": "http", "node_port": 30080},
                                                         {"name": "grpc", "port": 9000, "app_protocol": "kubernetes.io/h2c"}],
             "service": {"type": "NodePort", "session_affinity": "ClientIP", "session_affinity_timeout": 600, "external_traffic_policy": "Local"}}]
    svc = render("services", apps)[0]
    assert svc["spec"]["type"] == "NodePort"
    assert svc["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 3000, "protocol": "TCP", "appProtocol": "http", "nodePort": 30080},
        {"name": "grpc", "port": 9000, "targetPort": 9000, "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"},
    ]
    assert svc["spec"]["sessionAffinity"] == "ClientIP"
    assert svc["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 600}}
    assert svc["spec"]["externalTrafficPolicy"] == "Local"


def test_load_balancer_source_ranges_annotations_and_lb_beside_a_nodeport():
    apps = [
        {"name": "lb", "namespace": "n", "port": 8080,
         "service": {"type": "LoadBalancer", "source_ranges": ["10.0.0.0/8"], "external_traffic_policy": "Local", "node_port": 31000,
                     "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}}},
        {"name": "np", "namespace": "n", "port": 80,
         "service": {"type": "NodePort", "external_lb": {"name": "np-public", "port": 443, "source_ranges": ["192.168.0.0/16"],
                                                         "annotations": {"cloud.example.com/lb": "internet"}}}},
    ]
    objs = by_kind_name(render("services", apps))
    lb = objs[("Service", "lb")]["spec"]
    assert lb["loadBalancerSourceRanges"] == ["10.0.0.0/8"]
    assert lb["externalTrafficPolicy"] == "Local"
    assert lb["ports"][0]["nodePort"] == 31000
    assert objs[("Service", "lb")]["metadata"]["annotations"] == {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
    extra = objs[("Service", "np-public")]
    assert extra["spec"]["type"] == "LoadBalancer"
    assert extra["spec"]["loadBalancerSourceRanges"] == ["192.168.0.0/16"]
    assert extra["spec"]["ports"] == [{"name": "http", "port": 443, "targetPort": 80, "protocol": "TCP"}]
    assert extra["metadata"]["annotations"] == {"cloud.example.com/lb": "internet"}


def test_no_node_port_on_a_cluster_ip_service_and_disabled_extra_lb():
    apps = [{"name": "a", "namespace": "n", "port": 80, "service": {"external_lb": {"enabled": False}}}]
    objs = render("services", apps)
    assert [o["metadata"]["name"] for o in objs] == ["a"]
    assert "externalTrafficPolicy" not in objs[0]["spec"]


# ---------------------------------------------------------------------- workloads

def test_workloads_only_for_apps_that_opt_in_and_selectors_match_services(local):
    workloads = by_kind_name(_render("workloads", local))
    services = by_kind_name(_render("services", local))
    assert set(workloads) == {("Deployment", n) for n in ("mlops-platform", "audit-assess", "whis-data-input", "whis-enhance", "frontend")} | {
        ("StatefulSet", "database")}
    for (kind, name), wl in workloads.items():
        pod_labels = wl["spec"]["template"]["metadata"]["labels"]
        svc = services[("Service", name)]
        assert all(pod_labels.get(k) == v for k, v in svc["spec"]["selector"].items()), name
        assert wl["spec"]["selector"]["matchLabels"] == svc["spec"]["selector"]
        assert svc["metadata"]["namespace"] == wl["metadata"]["namespace"]
        container_ports = {p["containerPort"] for p in wl["spec"]["template"]["spec"]["containers"][0].get("ports", [])}
        assert {p["targetPort"] for p in svc["spec"]["ports"]} <= container_ports, name


def test_restricted_security_context_probes_resources_and_pvc(local):
    workloads = by_kind_name(_render("workloads", local))
    wl = workloads[("Deployment", "mlops-platform")]
    pod = wl["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["serviceAccountName"] == "mlops-platform-sa"
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                                      "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}
    for key, value in RESTRICTED_CONTAINER.items():
        assert container["securityContext"][key] == value
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 8000}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 8000}
    assert container["livenessProbe"]["initialDelaySeconds"] == 10
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
    assert {"name": "data", "mountPath": "/app/data"} in container["volumeMounts"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "mlops-platform-data"}} in pod["volumes"]
    assert {"name": "scratch-tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert wl["spec"]["strategy"] == {"type": "Recreate"}
    assert wl["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "8000"


def test_statefulset_uses_the_headless_service_and_exec_tcp_probes(local):
    sts = by_kind_name(_render("workloads", local))[("StatefulSet", "database")]
    assert sts["spec"]["serviceName"] == "database"
    assert "strategy" not in sts["spec"]
    container = sts["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["tcpSocket"] == {"port": 5432}
    assert container["livenessProbe"]["exec"] == {"command": ["pg_isready", "-U", "postgres"]}
    assert sts["spec"]["template"]["spec"]["volumes"][0] == {"name": "pgdata", "persistentVolumeClaim": {"claimName": "database-pgdata"}}


def test_default_probes_env_command_and_capabilities():
    apps = [{"name": "w", "namespace": "n", "port": 8080,
             "workload": {"image": "img:1", "command": ["/app"], "args": ["--x"], "env": {"B": "2", "A": "1"}, "replicas": 3,
                          "security_context": {"capabilities_add": ["NET_BIND_SERVICE"], "read_only_root_filesystem": False},
                          "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}}}]
    wl = render("workloads", apps)[0]
    container = wl["spec"]["template"]["spec"]["containers"][0]
    assert wl["spec"]["replicas"] == 3
    assert "strategy" not in wl["spec"]
    assert container["command"] == ["/app"] and container["args"] == ["--x"]
    assert container["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert container["readinessProbe"]["tcpSocket"] == {"port": 8080}
    assert container["livenessProbe"]["tcpSocket"] == {"port": 8080}
    assert "startupProbe" not in container
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert "volumeMounts" not in container  # writable root filesystem: no /tmp emptyDir
    assert container["resources"] == {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    no_default = render("workloads", apps, workloads_default_probes=False)[0]["spec"]["template"]["spec"]["containers"][0]
    assert "readinessProbe" not in no_default and "livenessProbe" not in no_default


def test_disabled_workload_renders_nothing():
    apps = [{"name": "w", "namespace": "n", "port": 80, "workload": {"image": "x", "enabled": False}}, {"name": "v", "namespace": "n", "port": 80}]
    assert render("workloads", apps) == []


# ---------------------------------------------------------------------- rbac

def test_rbac_objects_from_the_inventory(local):
    objs = by_kind_name(_render("rbac", local))
    sas = sorted(name for kind, name in objs if kind == "ServiceAccount")
    assert sas == sorted(f"{a}-sa" for a in ("mlops-platform", "audit-assess", "whis-data-input", "whis-enhance", "frontend", "database"))
    assert all(objs[("ServiceAccount", n)]["automountServiceAccountToken"] is False for n in sas)
    role = objs[("Role", "mlops-platform-role")]
    assert role["metadata"]["namespace"] == "mlops"
    assert role["rules"] == [{"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods", "services"]}]
    binding = objs[("RoleBinding", "mlops-platform-rolebinding")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "mlops-platform-sa", "namespace": "mlops"}]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "mlops-platform-role"}
    assert ("Role", "frontend-role") not in objs  # no rules, no Role
    assert not any(kind.startswith("Cluster") for kind, _ in objs)


def test_cluster_role_only_when_asked_and_automount_on_request():
    apps = [{"name": "op", "namespace": "ops", "port": 80,
             "rbac": {"service_account": "operator", "automount_token": True,
                      "rules": [{"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get"], "resource_names": ["x"]}],
                      "cluster_rules": [{"resources": ["namespaces"], "verbs": ["list"]}, {"non_resource_urls": ["/metrics"], "verbs": ["get"]}]}}]
    objs = by_kind_name(render("rbac", apps))
    assert objs[("ServiceAccount", "operator")]["automountServiceAccountToken"] is True
    assert objs[("Role", "op-role")]["rules"][0]["resourceNames"] == ["x"]
    cr = objs[("ClusterRole", "ops-op-cluster-role")]
    assert "namespace" not in cr["metadata"]
    assert cr["rules"] == [{"verbs": ["list"], "apiGroups": [""], "resources": ["namespaces"]},
                           {"verbs": ["get"], "nonResourceURLs": ["/metrics"]}]
    crb = objs[("ClusterRoleBinding", "ops-op-cluster-rolebinding")]
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "operator", "namespace": "ops"}]
    assert crb["roleRef"]["kind"] == "ClusterRole" and crb["roleRef"]["name"] == "ops-op-cluster-role"
    kinds = [o["kind"] for o in render("rbac", apps)]
    assert kinds == ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]
