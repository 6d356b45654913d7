# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rbac_access_expectations: declared rules expanded to requests, the risky list minus what was granted on purpose."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.linkops.k8s_platform.plugins.filter.app_roles import rbac_access_expectations
from ansible_collections.linkops.k8s_platform.plugins.module_utils.rbac_access import normalize_request, risky_requests

from .render_helpers import normalised


def _app(rbac, name="web", namespace="ml"):
    return normalised("rbac", [{"name": name, "namespace": namespace, "port": 80, "rbac": rbac}])[0]


def _keys(items):
    return {(i["verb"], i.get("group", ""), i.get("resource", ""), i.get("subresource", ""), i.get("namespace", ""), i.get("name", ""),
             i.get("non_resource_url", "")) for i in items}


def test_rules_expand_to_every_group_resource_verb_and_name():
    app = _app({"rules": [
        {"api_groups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get", "list"]},
        {"resources": ["configmaps"], "verbs": ["get"], "resource_names": ["a", "b"]},
        {"resources": ["pods/log"], "verbs": ["get"]},
    ]})
    out = rbac_access_expectations(app)
    assert out["subject"] == "system:serviceaccount:ml:web-sa"
    allowed = _keys(out["expect_allowed"])
    assert len(out["expect_allowed"]) == 2 * 2 * 2 + 2 + 1
    assert ("list", "apps", "deployments", "", "ml", "", "") in allowed
    assert ("get", "", "configmaps", "", "ml", "b", "") in allowed
    assert ("get", "", "pods", "log", "ml", "", "") in allowed
    # every item is a request the rbac_access module accepts
    for index, item in enumerate(out["expect_allowed"] + out["expect_denied"]):
        normalize_request(item, f"item[{index}]")


def test_cluster_rules_are_asked_cluster_wide_and_non_resource_urls_kept():
    app = _app({"cluster_rules": [
        {"api_groups": [""], "resources": ["namespaces"], "verbs": ["list"]},
        {"non_resource_urls": ["/metrics"], "verbs": ["get"]},
    ]})
    allowed = _keys(rbac_access_expectations(app)["expect_allowed"])
    assert allowed == {("list", "", "namespaces", "", "", "", ""), ("get", "", "", "", "", "", "/metrics")}


def test_an_app_without_risky_permissions_is_checked_against_the_whole_risky_list():
    out = rbac_access_expectations(_app({"rules": [{"resources": ["pods"], "verbs": ["get"]}]}))
    assert _keys(out["expect_denied"]) == _keys(risky_requests("ml"))
    assert out["risky_granted"] == []


def test_allowed_risky_items_are_left_out_of_the_denied_list():
    out = rbac_access_expectations(_app({"allow_risky": ["secrets"], "rules": [{"resources": ["secrets"], "verbs": ["get"], "resource_names": []}]}))
    denied = _keys(out["expect_denied"])
    assert ("get", "", "secrets", "", "ml", "", "") not in denied
    # list/watch on Secrets were not declared: still expected denied
    assert ("list", "", "secrets", "", "ml", "", "") in denied
    assert ("watch", "", "secrets", "", "ml", "", "") in denied
    assert [(g["verb"], g["resource"]) for g in out["risky_granted"]] == [("get", "secrets")]
    assert len(out["expect_denied"]) == len(risky_requests("ml")) - 1


def test_a_secret_limited_to_names_does_not_grant_the_risky_request():
    out = rbac_access_expectations(_app({"allow_risky": ["secrets"], "rules": [{"resources": ["secrets"], "verbs": ["get"], "resource_names": ["tls"]}]}))
    assert ("get", "", "secrets", "", "ml", "", "") in _keys(out["expect_denied"])
    assert ("get", "", "secrets", "", "ml", "tls", "") in _keys(out["expect_allowed"])


def test_wildcards_grant_what_they_match():
    out = rbac_access_expectations(_app({"allow_risky": ["wildcard"], "rules": [{"api_groups": [""], "resources": ["*"], "verbs": ["get"]}]}))
    granted = _keys(out["risky_granted"])
    assert ("get", "", "secrets", "", "ml", "", "") in granted
    # a Role grants nothing cluster-scoped and nothing in the rbac group
    assert ("get", "", "nodes", "", "", "", "") in _keys(out["expect_denied"])
    assert ("escalate", "rbac.authorization.k8s.io", "roles", "", "ml", "", "") in _keys(out["expect_denied"])


def test_a_cluster_rule_on_nodes_is_taken_as_granted_on_purpose():
    out = rbac_access_expectations(_app({"cluster_rules": [{"resources": ["nodes"], "verbs": ["get", "list"]}]}))
    assert _keys(out["risky_granted"]) == {("get", "", "nodes", "", "", "", ""), ("list", "", "nodes", "", "", "", "")}
    assert ("delete", "", "nodes", "", "", "", "") in _keys(out["expect_denied"])


def test_subresource_wildcard():
    out = rbac_access_expectations(_app({"allow_risky": ["wildcard"], "rules": [{"resources": ["*/exec"], "verbs": ["create"]}]}))
    assert ("create", "", "pods", "exec", "ml", "", "") in _keys(out["risky_granted"])
    assert ("create", "", "pods", "attach", "ml", "", "") in _keys(out["expect_denied"])


def test_not_an_app():
    with pytest.raises(AnsibleFilterError, match="one app of the normalised platform spec"):
        rbac_access_expectations({"name": "x"})
