# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four inventories validate clean; normalisation fills every default and derives names."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import (
    MANAGED_BY,
    PSA_VERSION_DEFAULT,
    normalize,
    validate,
)

from .spec_helpers import BASE, mutate

REPO = Path(__file__).resolve().parents[3]
ENVIRONMENTS = ("local", "dev", "staging", "prod")
CHECKLIST_APPS = {"mlops-platform", "audit-assess", "whis-data-input", "whis-enhance", "frontend", "database"}


def load_env(env: str) -> dict[str, Any]:
    with open(REPO / "inventories" / env / "group_vars" / "all" / "platform.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def app(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in spec["k8s_platform_apps"] if a["name"] == name)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_inventory_validates_clean(env: str) -> None:
    spec = load_env(env)
    assert validate(spec) == []
    assert spec["k8s_platform_environment"] == env
    assert CHECKLIST_APPS <= {a["name"] for a in spec["k8s_platform_apps"]}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_inventory_hosts(env: str) -> None:
    with open(REPO / "inventories" / env / "hosts.yml", encoding="utf-8") as handle:
        hosts = yaml.safe_load(handle)["all"]["hosts"]
    assert list(hosts) == [f"{env}-cluster"]
    host = hosts[f"{env}-cluster"]
    assert host["ansible_connection"] == "local"
    assert "K8S_PLATFORM_KUBECONFIG" in host["k8s_platform_kubeconfig"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_inventory_checklist_shape(env: str) -> None:
    spec = normalize(load_env(env))
    assert app(spec, "database")["service"]["headless"] is True
    assert app(spec, "database")["service"]["cluster_ip"] == "None"
    for name in ("audit-assess", "whis-data-input", "whis-enhance"):
        assert app(spec, name)["service"]["type"] == "ClusterIP"
    for entry in spec["k8s_platform_apps"]:
        if entry["service"]["type"] != "ExternalName":
            assert entry["rbac"]["service_account"] == f"{entry['name']}-sa"


def test_environments_differ_for_real() -> None:
    dev, prod = normalize(load_env("dev")), normalize(load_env("prod"))
    # The apps' namespaces (the platform components' own namespaces are the same everywhere).
    def app_levels(spec):
        return {ns["pod_security"]["enforce"] for ns in spec["k8s_platform_namespaces"] if ns["name"].startswith("mlops")}

    assert app_levels(dev) == {"baseline"}
    assert app_levels(prod) == {"restricted"}
    assert app(dev, "frontend")["service"]["type"] == "NodePort"
    assert app(dev, "frontend")["service"]["ports"][0]["node_port"] == 30080
    assert app(prod, "frontend")["service"]["type"] == "LoadBalancer"
    assert app(prod, "frontend")["service"]["source_ranges"]
    platform = app(prod, "mlops-platform")["service"]
    assert platform["type"] == "ClusterIP"
    assert platform["external_lb"]["enabled"] is True
    assert platform["external_lb"]["name"] == "mlops-platform-lb"
    assert platform["external_lb"]["ports"][0]["port"] == 80
    assert platform["external_lb"]["ports"][0]["target_port"] == 8000
    assert platform["external_lb"]["source_ranges"]
    assert app(dev, "mlops-platform")["service"]["external_lb"]["enabled"] is False


def test_normalize_fills_defaults() -> None:
    spec = normalize(BASE)
    api = app(spec, "api")
    assert api["labels"]["app.kubernetes.io/name"] == "api"
    assert api["labels"]["app.kubernetes.io/part-of"] == "linkops"
    assert api["labels"]["app.kubernetes.io/managed-by"] == MANAGED_BY
    assert api["labels"]["linkops.io/environment"] == "test"
    assert api["selector"] == {"app.kubernetes.io/name": "api"}
    assert api["service"]["name"] == "api"
    assert [p["name"] for p in api["ports"]] == ["http", "metrics"]
    assert api["service"]["annotations"]["prometheus.io/port"] == "9090"
    assert api["service"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert api["service"]["annotations"]["prometheus.io/scrape"] == "true"
    assert api["service"]["external_lb"]["name"] == "api-lb"
    assert api["rbac"]["service_account"] == "api-sa"
    assert api["rbac"]["role_name"] == "api-role"
    assert api["rbac"]["role_binding_name"] == "api-rolebinding"
    assert api["rbac"]["rules"][0]["api_groups"] == [""]
    assert api["rbac"]["automount_token"] is False
    assert api["storage"][0]["claim_name"] == "api-data"
    assert api["storage"][0]["access_modes"] == ["ReadWriteOnce"]
    assert api["workload"]["volumes"] == [{"name": "data", "claim_name": "api-data", "mount_path": "/data"}]
    assert api["workload"]["security_context"]["run_as_non_root"] is True
    assert api["workload"]["security_context"]["capabilities_drop"] == ["ALL"]
    assert api["workload"]["probes"]["readiness"]["port"] == 8000
    assert api["workload"]["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    ingress = api["ingress"]
    assert ingress["name"] == "api-ingress"
    assert ingress["class_name"] == "nginx"
    assert ingress["paths"] == [{"path": "/", "path_type": "Prefix", "backend": {"app": "api", "service": "api", "port": 8000, "port_name": "http"}}]
    assert ingress["tls"] == {"enabled": True, "secret_name": "api-ingress-tls", "issuer": "letsencrypt", "issuer_kind": "ClusterIssuer",
                              "hosts": ["api.example.com"]}
    assert ingress["https_redirect"] is True
    assert ingress["cors"]["allow_credentials"] is False
    assert "GET" in ingress["cors"]["allow_methods"]
    mlops = spec["k8s_platform_namespaces"][0]
    assert mlops["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert mlops["labels"]["pod-security.kubernetes.io/enforce-version"] == PSA_VERSION_DEFAULT
    data = spec["k8s_platform_namespaces"][1]
    assert data["pod_security"] == {"enforce": "baseline", "audit": "restricted", "warn": "restricted", "version": PSA_VERSION_DEFAULT}
    assert spec["k8s_platform_storage_classes"][0]["volume_binding_mode"] == "WaitForFirstConsumer"
    assert spec["k8s_platform_storage_classes"][0]["reclaim_policy"] == "Delete"


def test_normalize_network_peers() -> None:
    api = app(normalize(BASE), "api")
    assert api["network"]["from"][0] == {"kind": "app", "app": "web", "namespace": "mlops", "selector": {"app.kubernetes.io/name": "web"},
                                         "ports": [{"port": 8000, "protocol": "TCP"}, {"port": 9090, "protocol": "TCP"}]}
    assert api["network"]["from"][1]["kind"] == "ingress_controller"
    assert api["network"]["to"] == [{"kind": "app", "app": "db", "namespace": "data", "selector": {"app.kubernetes.io/name": "db"},
                                     "ports": [{"port": 5432, "protocol": "TCP"}]}]


def test_normalize_service_types() -> None:
    spec = normalize(BASE)
    web, admin, db, s3 = (app(spec, n) for n in ("web", "admin", "db", "s3"))
    assert web["service"]["external_traffic_policy"] == "Cluster"
    assert web["ports"][0]["target_port"] == 3000
    assert web["workload"]["enabled"] is False
    assert admin["service"]["ports"][0]["node_port"] == 30080
    assert db["service"]["k8s_type"] == "ClusterIP" and db["service"]["headless"] is True
    assert db["workload"]["kind"] == "StatefulSet" and db["workload"]["service_name"] == "db"
    assert s3["service"]["k8s_type"] == "ExternalName"
    assert s3["service"]["selector"] == {} and s3["service"]["ports"] == []
    assert s3["rbac"]["enabled"] is False and s3["workload"]["enabled"] is False


def test_every_app_has_the_same_shape() -> None:
    spec = normalize(BASE)
    shapes = {tuple(sorted(a)) for a in spec["k8s_platform_apps"]}
    assert len(shapes) == 1
    for section in ("service", "metrics", "workload", "rbac", "ingress", "network"):
        assert len({tuple(sorted(a[section])) for a in spec["k8s_platform_apps"]}) == 1, section


def test_normalize_does_not_modify_input() -> None:
    spec = copy.deepcopy(BASE)
    normalize(spec)
    assert spec == BASE


def test_normalize_is_idempotent_on_names() -> None:
    spec = mutate(("k8s_platform_apps[0].service.external_lb.name", "api-public"), ("k8s_platform_apps[0].rbac.service_account", "api-runner"))
    api = app(normalize(spec), "api")
    assert api["service"]["external_lb"]["name"] == "api-public"
    assert api["rbac"]["service_account"] == "api-runner"
    assert api["workload"]["service_account"] == "api-runner"


def test_pod_security_shorthand() -> None:
    spec = normalize(mutate(("k8s_platform_namespaces[1].pod_security", "privileged")))
    assert spec["k8s_platform_namespaces"][1]["pod_security"] == {"enforce": "privileged", "audit": "privileged", "warn": "privileged",
                                                                  "version": PSA_VERSION_DEFAULT}


def test_storage_backup_flag_defaults_to_false_and_is_validated() -> None:
    spec = mutate(("k8s_platform_apps[0].storage", [
        {"name": "data", "size": "1Gi", "class": "fast-ssd", "backup": True},
        {"name": "cache", "size": "1Gi", "class": "fast-ssd"},
    ]))
    storage = normalize(spec)["k8s_platform_apps"][0]["storage"]
    assert [entry["backup"] for entry in storage] == [True, False]
    bad = validate(mutate(("k8s_platform_apps[0].storage[0].backup", "yes")))
    assert any(msg.startswith("k8s_platform_apps[0].storage[0].backup: must be a boolean") for msg in bad), bad
