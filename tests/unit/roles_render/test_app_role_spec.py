# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_role_spec: each role validates its slice of the apps, errors named by the role's variable."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.filter.app_roles import ROLE_FIELDS, app_role_spec

from .render_helpers import inventory


def test_linkops_inventories_are_valid_for_every_role():
    for env in ("local", "dev", "staging", "prod"):
        spec = inventory(env)
        for role in ROLE_FIELDS:
            result = app_role_spec(spec["k8s_platform_apps"], role, namespaces=spec["k8s_platform_namespaces"])
            assert result["errors"] == [], (env, role, result["errors"])
            assert [a["name"] for a in result["apps"]] == [a["name"] for a in spec["k8s_platform_apps"]]


@pytest.mark.parametrize(
    ("role", "apps", "expected"),
    [
        ("services", [{"name": "a", "namespace": "n", "port": 80, "service": {"type": "NodePort", "node_port": 80}}],
         "services_apps[0].service.node_port: 80 is outside 30000-32767"),
        ("services", [{"name": "a", "namespace": "n", "port": 80}, {"name": "b", "namespace": "n", "service": {"type": "ExternalName"}}],
         "services_apps[1].service: service type ExternalName needs 'external_name'"),
        ("services", [{"name": "a", "namespace": "n", "port": 80, "service": {"type": "ClusterIP", "source_ranges": ["10.0.0.0/8"]}}],
         "services_apps[0].service.source_ranges: source_ranges is only valid with service type LoadBalancer"),
        ("rbac", [{"name": "a", "namespace": "n", "port": 80, "rbac": {"rules": [{"resources": ["secrets"], "verbs": ["get"]}]}}],
         "rbac_apps[0].rbac.rules[0].resources: 'secrets' is a risky permission (secrets); refused unless rbac_apps[0].rbac.allow_risky lists 'secrets'"),
        ("rbac", [{"name": "a", "namespace": "n", "port": 80, "rbac": {"rules": [{"resources": ["*"], "verbs": ["get"]}]}}],
         "rbac_apps[0].rbac.rules[0].resources: '*' is a risky permission (wildcard)"),
        ("rbac", [{"name": "a", "namespace": "n", "port": 80, "rbac": {"cluster_rules": [{"api_groups": ["rbac.authorization.k8s.io"],
                                                                                           "resources": ["clusterroles"], "verbs": ["escalate"]}]}}],
         "rbac_apps[0].rbac.cluster_rules[0].verbs: 'escalate' is a risky permission (escalate)"),
        ("rbac", [{"name": "a", "namespace": "n", "port": 80, "rbac": {"rules": [{"resources": ["users"], "verbs": ["impersonate"]}]}}],
         "'impersonate' is a risky permission (impersonate)"),
        ("rbac", [{"name": "a", "namespace": "n", "port": 80, "rbac": {"rules": [{"resources": ["rolebindings"], "verbs": ["bind"]}]}}],
         "'bind' is a risky permission (bind)"),
        ("workloads", [{"name": "a", "namespace": "n", "port": 80, "workload": {"image": "x", "security_context": {"run_as_user": 0}}}],
         "workloads_apps[0].workload.security_context.run_as_user: 0 (root) is refused: namespace 'n' enforces Pod Security 'restricted'"),
        ("workloads", [{"name": "a", "namespace": "n", "port": 80, "workload": {"replicas": 1}}],
         "workloads_apps[0].workload: missing required field 'image'"),
        ("workloads", [{"name": "a", "namespace": "n", "port": 80, "workload": {"image": "x", "probes": {"readiness": {"port": 81}}}}],
         "workloads_apps[0].workload.probes.readiness.port: 81 is not a container port of app 'a' (80)"),
    ],
)
def test_problems_are_reported_by_path_with_the_role_variable(role, apps, expected):
    result = app_role_spec(apps, role, apps_var=f"{role}_apps")
    assert any(expected in message for message in result["errors"]), result["errors"]
    assert not any("k8s_platform_apps" in message for message in result["errors"])
    assert result["apps"] == []


def test_every_problem_at_once():
    apps = [
        {"name": "a", "namespace": "n", "port": 80, "service": {"type": "NodePort", "node_port": 1}},
        {"name": "B", "namespace": "n", "port": 70000},
    ]
    errors = app_role_spec(apps, "services", apps_var="services_apps")["errors"]
    assert "services_apps[0].service.node_port: 1 is outside 30000-32767" in errors
    assert "services_apps[1].port: 70000 is outside 1-65535" in errors
    assert any(e.startswith("services_apps[1].name: 'B'") for e in errors)


def test_a_role_only_checks_the_fields_it_uses():
    # A broken ingress is the ingress role's problem: the services role still works on this app.
    app = {"name": "a", "namespace": "n", "port": 80, "ingress": {"host": "not a host"}, "rbac": {"rules": [{"resources": ["secrets"], "verbs": ["get"]}]}}
    assert app_role_spec([app], "services")["errors"] == []
    assert app_role_spec([app], "rbac")["errors"] != []


def test_namespace_levels_decide_what_a_workload_may_set():
    app = {"name": "a", "namespace": "legacy", "port": 80, "workload": {"image": "x", "security_context": {"run_as_non_root": False}}}
    assert app_role_spec([app], "workloads")["errors"] == [
        "k8s_platform_apps[0].workload.security_context.run_as_non_root: must be true: namespace 'legacy' enforces Pod Security 'restricted'"
    ]
    assert app_role_spec([app], "workloads", namespaces=[{"name": "legacy", "pod_security": "baseline"}])["errors"] == []


def test_wrong_container_types_are_messages_not_exceptions():
    assert app_role_spec("nope", "rbac", apps_var="rbac_apps")["errors"] == ["rbac_apps: must be a list of apps, got str"]
    errors = app_role_spec([{"name": "a", "namespace": "n", "port": 80}], "rbac", namespaces="x", namespaces_var="rbac_namespaces")["errors"]
    assert errors == ["rbac_namespaces: must be a list of namespaces, got str"]
    errors = app_role_spec([42], "services", apps_var="services_apps")["errors"]
    assert errors and errors[0].startswith("services_apps[0]: must be a dict")


def test_labels_carry_platform_name_and_environment():
    apps = app_role_spec([{"name": "a", "namespace": "n", "port": 80}], "services", platform_name="acme", environment="dev")["apps"]
    assert apps[0]["labels"]["app.kubernetes.io/part-of"] == "acme"
    assert apps[0]["labels"]["linkops.io/environment"] == "dev"
