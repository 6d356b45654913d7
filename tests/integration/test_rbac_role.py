# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rbac role on the real control plane: ServiceAccounts, Roles, bindings, ClusterRoles only when asked,
SubjectAccessReview proof after apply, idempotence, check mode, absent, risky rules refused."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(autouse=True)
def cluster_scoped(cluster, unique_name):
    """The ops app's ClusterRole and binding: cluster-scoped, so deleting the namespace leaves them."""
    yield
    for kind in ("clusterrole", "clusterrolebinding"):
        cluster.kubectl("delete", kind, f"{unique_name}-ops-cluster-role" if kind == "clusterrole" else f"{unique_name}-ops-cluster-rolebinding",
                        "--ignore-not-found", check=False)


def apps(ns: str) -> list[dict]:
    return [
        {"name": "api", "namespace": ns, "port": 8000,
         "rbac": {"rules": [{"api_groups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]},
                            {"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get"], "resource_names": ["api"]}]}},
        {"name": "certs", "namespace": ns, "port": 8443,
         "rbac": {"allow_risky": ["secrets"], "automount_token": True,
                  "rules": [{"resources": ["secrets"], "verbs": ["get", "list"]}]}},
        {"name": "ops", "namespace": ns, "port": 9000,
         "rbac": {"service_account": "operator", "cluster_rules": [{"resources": ["namespaces"], "verbs": ["get", "list"]},
                                                                   {"non_resource_urls": ["/metrics"], "verbs": ["get"]}]}},
        {"name": "plain", "namespace": ns, "port": 80},
        {"name": "bucket", "namespace": ns, "service": {"type": "ExternalName", "external_name": "s3.example.com"}},
    ]


def can_i(cluster, ns: str, sa: str, *request: str) -> bool:
    result = cluster.kubectl("auth", "can-i", *request, "--as", f"system:serviceaccount:{ns}:{sa}", "-n", ns, check=False)
    return result.stdout.strip() == "yes"


def test_converge_verify_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, namespace):
    playbook = role_playbook("rbac")
    ns = namespace
    host_vars = {"rbac_apps": apps(ns)}

    check_first = run_playbook(playbook, host_vars, check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] == 1
    assert not cluster.exists("serviceaccount", "api-sa", "-n", ns), "check mode must not create anything"

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    assert first.recap()["changed"] == 1
    # The role proved each app's access: one rbac_access run per app with pods.
    assert first.output.count("each app may do what it declared") == 1
    for sa in ("api-sa", "certs-sa", "operator", "plain-sa"):
        assert f"{ns}/{sa}:" in first.output
    assert "risky granted on purpose: reads Secrets" in first.output

    sas = {sa["metadata"]["name"]: sa for sa in cluster.get_json("serviceaccounts", "-n", ns, "-l", "app.kubernetes.io/managed-by=linkops.k8s_platform")["items"]}
    assert set(sas) == {"api-sa", "certs-sa", "operator", "plain-sa"}  # none for the ExternalName app
    assert sas["api-sa"]["automountServiceAccountToken"] is False
    assert sas["certs-sa"]["automountServiceAccountToken"] is True

    role = cluster.get_json("role", "api-role", "-n", ns)
    assert role["rules"][0] == {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]}
    assert role["rules"][1]["resourceNames"] == ["api"]
    binding = cluster.get_json("rolebinding", "api-rolebinding", "-n", ns)
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "api-sa", "namespace": ns}]
    assert binding["roleRef"]["name"] == "api-role"
    assert not cluster.exists("role", "plain-role", "-n", ns)
    assert not cluster.exists("role", "ops-role", "-n", ns)
    cr = cluster.get_json("clusterrole", f"{ns}-ops-cluster-role")
    assert cr["rules"][1] == {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}
    crb = cluster.get_json("clusterrolebinding", f"{ns}-ops-cluster-rolebinding")
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "operator", "namespace": ns}]
    assert not cluster.exists("clusterrole", f"{ns}-api-cluster-role")

    # What the API server's authorizer says, asked independently of the role.
    assert can_i(cluster, ns, "api-sa", "list", "pods")
    assert can_i(cluster, ns, "api-sa", "get", "deployments.apps/api")
    assert not can_i(cluster, ns, "api-sa", "get", "deployments.apps/other")
    assert not can_i(cluster, ns, "api-sa", "delete", "pods")
    assert not can_i(cluster, ns, "api-sa", "get", "secrets")
    assert not can_i(cluster, ns, "api-sa", "create", "pods", "--subresource=exec")  # "pods/exec" would mean the pod named exec
    assert can_i(cluster, ns, "certs-sa", "list", "secrets")
    assert not can_i(cluster, ns, "certs-sa", "watch", "secrets")
    assert can_i(cluster, ns, "operator", "list", "namespaces")
    assert not can_i(cluster, ns, "operator", "delete", "namespaces")

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output
    # k8s_platform_verify: on_change (default): nothing changed, so the proof is skipped; always runs it.
    assert "each app may do what it declared" not in second.output.replace("skipping", "")
    always = run_playbook(playbook, {**host_vars, "rbac_verify_when": "always"})
    assert always.returncode == 0 and always.recap()["changed"] == 0, always.output
    assert f"{ns}/api-sa:" in always.output

    check_again = run_playbook(playbook, host_vars, check=True)
    assert check_again.returncode == 0, check_again.output
    assert check_again.recap()["changed"] == 0, check_again.output

    # A changed rule shows in --check --diff and is not applied.
    changed = apps(ns)
    changed[0]["rbac"]["rules"][0]["verbs"] = ["get"]
    diff = run_playbook(playbook, {"rbac_apps": changed}, check=True)
    assert diff.returncode == 0, diff.output
    assert diff.recap()["changed"] == 1
    assert "watch" in diff.output
    assert cluster.get_json("role", "api-role", "-n", ns)["rules"][0]["verbs"] == ["get", "list", "watch"]

    absent = run_playbook(playbook, {**host_vars, "rbac_state": "absent"})
    assert absent.returncode == 0, absent.output
    for kind, name in (("serviceaccount", "api-sa"), ("serviceaccount", "operator"), ("role", "api-role"), ("rolebinding", "api-rolebinding"),
                       ("role", "certs-role")):
        assert not cluster.exists(kind, name, "-n", ns)
    assert not cluster.exists("clusterrole", f"{ns}-ops-cluster-role")
    assert not cluster.exists("clusterrolebinding", f"{ns}-ops-cluster-rolebinding")


def test_verification_catches_access_granted_elsewhere(cluster, run_playbook, role_playbook, namespace):
    """A binding made outside the spec that lets the app read Secrets makes the role fail, naming the request."""
    playbook = role_playbook("rbac")
    ns = namespace
    cluster.kubectl("create", "role", "leak", "--verb=get", "--resource=secrets", "-n", ns)
    cluster.kubectl("create", "rolebinding", "leak", "--role=leak", f"--serviceaccount={ns}:api-sa", "-n", ns)
    result = run_playbook(playbook, {"rbac_apps": apps(ns)[:1]})
    assert result.returncode != 0
    assert "do not hold" in result.output, result.output
    assert "reads Secrets" in result.output
    assert "secrets" in result.output and "leak" in result.output  # the authorizer's reason names the binding


def test_verification_can_be_turned_off(cluster, run_playbook, role_playbook, namespace):
    playbook = role_playbook("rbac")
    result = run_playbook(playbook, {"rbac_apps": apps(namespace)[:1], "rbac_verify": False})
    assert result.returncode == 0, result.output
    assert "each app may do what it declared" not in result.output
    assert cluster.exists("serviceaccount", "api-sa", "-n", namespace)
    assert run_playbook(playbook, {"rbac_apps": apps(namespace)[:1], "rbac_state": "absent"}).returncode == 0


@pytest.mark.parametrize(
    ("rbac", "expected"),
    [
        ({"rules": [{"resources": ["*"], "verbs": ["get"]}]},
         "rbac_apps[1].rbac.rules[0].resources: '*' is a risky permission (wildcard); refused unless rbac_apps[1].rbac.allow_risky lists 'wildcard'"),
        ({"rules": [{"resources": ["pods"], "verbs": ["*"]}]}, "rbac_apps[1].rbac.rules[0].verbs: '*' is a risky permission (wildcard)"),
        ({"rules": [{"resources": ["secrets"], "verbs": ["get"]}]}, "rbac_apps[1].rbac.rules[0].resources: 'secrets' is a risky permission (secrets)"),
        ({"rules": [{"resources": ["pods/exec", "pods/portforward"], "verbs": ["create"]}]},
         "rbac_apps[1].rbac.rules[0].resources: 'pods/portforward' is a risky permission (pod_exec)"),
        ({"cluster_rules": [{"api_groups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate"]}]},
         "rbac_apps[1].rbac.cluster_rules[0].verbs: 'escalate' is a risky permission (escalate)"),
        ({"rules": [{"api_groups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["bind"]}]},
         "rbac_apps[1].rbac.rules[0].verbs: 'bind' is a risky permission (bind)"),
        ({"cluster_rules": [{"resources": ["users"], "verbs": ["impersonate"]}]},
         "rbac_apps[1].rbac.cluster_rules[0].verbs: 'impersonate' is a risky permission (impersonate)"),
        ({"allow_risky": ["secrets"], "rules": [{"resources": ["pods"], "verbs": ["get"]}]},
         "rbac_apps[1].rbac.allow_risky: 'secrets' is allowed but no rule uses it; remove it"),
        ({"rules": [{"resources": ["pods"], "verbs": ["fly"]}]}, "rbac_apps[1].rbac.rules[0].verbs[0]: 'fly' is not allowed"),
        ({"rules": [{"resources": ["pods"]}]}, "rbac_apps[1].rbac.rules[0]: missing required field 'verbs'"),
    ],
)
def test_risky_and_bad_rules_are_refused_before_anything_is_applied(cluster, run_playbook, role_playbook, namespace, rbac, expected):
    playbook = role_playbook("rbac")
    good = {"name": "good", "namespace": namespace, "port": 80}
    bad = {"name": "bad", "namespace": namespace, "port": 80, "rbac": rbac}
    result = run_playbook(playbook, {"rbac_apps": [good, bad]})
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("serviceaccount", "good-sa", "-n", namespace)


def test_an_allowed_risky_rule_is_applied(cluster, run_playbook, role_playbook, namespace):
    playbook = role_playbook("rbac")
    app = {"name": "imp", "namespace": namespace, "port": 80,
           "rbac": {"allow_risky": ["impersonate"], "rules": [{"resources": ["serviceaccounts"], "verbs": ["impersonate"], "resource_names": ["x"]}]}}
    result = run_playbook(playbook, {"rbac_apps": [app]})
    assert result.returncode == 0, result.output
    role = cluster.get_json("role", "imp-role", "-n", namespace)
    assert json.dumps(role["rules"]) == json.dumps([{"apiGroups": [""], "resourceNames": ["x"], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}])
    assert run_playbook(playbook, {"rbac_apps": [app], "rbac_state": "absent"}).returncode == 0


def test_pod_exec_allowed_on_purpose_is_applied_and_proven(cluster, run_playbook, role_playbook, namespace):
    """allow_risky: [pod_exec] lets a debugging app exec into its namespace's pods; the proof expects it granted."""
    playbook = role_playbook("rbac")
    app = {"name": "debugger", "namespace": namespace, "port": 80,
           "rbac": {"allow_risky": ["pod_exec"], "rules": [{"resources": ["pods"], "verbs": ["get"]},
                                                           {"resources": ["pods/exec"], "verbs": ["create"]}]}}
    result = run_playbook(playbook, {"rbac_apps": [app], "rbac_verify_when": "always"})
    assert result.returncode == 0, result.output
    assert can_i(cluster, namespace, "debugger-sa", "create", "pods", "--subresource=exec")
    assert not can_i(cluster, namespace, "debugger-sa", "create", "pods", "--subresource=attach")
    assert run_playbook(playbook, {"rbac_apps": [app], "rbac_state": "absent"}).returncode == 0
