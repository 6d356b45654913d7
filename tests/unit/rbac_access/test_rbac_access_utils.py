# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/rbac_access.py."""

from __future__ import annotations

import pytest
from rbac_fake import RULES, FakeClient

from ansible_collections.linkops.k8s_platform.plugins.module_utils import rbac_access as ra

SA = "system:serviceaccount:mlops:mlops-platform-sa"


# --------------------------------------------------------------------------- subjects


def test_service_account_subject_gets_api_server_groups():
    subject = ra.parse_subject(SA)
    assert subject.kind == "ServiceAccount"
    assert subject.user == SA
    assert subject.groups == ("system:serviceaccounts", "system:serviceaccounts:mlops", "system:authenticated")
    assert ra.subject_namespace(subject) == "mlops"
    assert ra.parse_subject("user:" + SA) == subject


@pytest.mark.parametrize(
    "text,kind,user,groups",
    [
        ("alice", "User", "alice", ("system:authenticated",)),
        ("user:alice", "User", "alice", ("system:authenticated",)),
        ("  alice@example.com ", "User", "alice@example.com", ("system:authenticated",)),
        ("system:anonymous", "User", "system:anonymous", ("system:unauthenticated",)),
        ("group:developers", "Group", None, ("developers", "system:authenticated")),
        ("group:system:authenticated", "Group", None, ("system:authenticated",)),
        ("system:node:worker-1", "Node", "system:node:worker-1", ("system:nodes", "system:authenticated")),
    ],
)
def test_subject_forms(text, kind, user, groups):
    subject = ra.parse_subject(text)
    assert (subject.kind, subject.user, subject.groups) == (kind, user, groups)
    assert ra.subject_namespace(subject) is None


def test_extra_groups_are_added_once():
    subject = ra.parse_subject("alice", ["oidc:devs", "system:authenticated", "oidc:devs"])
    assert subject.groups == ("oidc:devs", "system:authenticated")


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "subject: must be a non-empty string"),
        ("group:", "subject: group:NAME needs a group name"),
        ("user:", "subject: user:NAME needs a user name"),
        ("system:serviceaccount:mlops", "is not system:serviceaccount:NAMESPACE:NAME"),
        ("system:serviceaccount:mlops:a:b", "is not system:serviceaccount:NAMESPACE:NAME"),
        ("system:serviceaccount::sa", "is not system:serviceaccount:NAMESPACE:NAME"),
        ("system:node:", "is not system:node:NAME"),
    ],
)
def test_bad_subjects(text, message):
    with pytest.raises(ra.RBACInputError) as raised:
        ra.parse_subject(text)
    assert message in str(raised.value)


# --------------------------------------------------------------------------- requests and bodies


def test_request_shorthands():
    request = ra.normalize_request({"verb": "create", "resource": "pods/exec", "namespace": "dev"}, "x")
    assert (request.resource, request.subresource, request.group) == ("pods", "exec", "")
    request = ra.normalize_request({"verb": "patch", "resource": "deployments.apps/scale"}, "x")
    assert (request.resource, request.group, request.subresource) == ("deployments", "apps", "scale")
    assert request.target() == "deployments.apps/scale"
    request = ra.normalize_request({"verb": "get", "resource": "deployments", "group": "apps", "subresource": None}, "x")
    assert request.target() == "deployments.apps" and request.scope() == "*"


@pytest.mark.parametrize(
    "item,message",
    [
        ({"resource": "pods"}, "expect_allowed[3]: verb is required"),
        ({"verb": "get"}, "expect_allowed[3]: resource (or non_resource_url) is required"),
        ({"verb": "get", "resource": "pods", "verbs": ["list"]}, "expect_allowed[3]: unknown key(s) verbs"),
        ({"verb": "get", "non_resource_url": "/metrics", "namespace": "x"}, "non_resource_url cannot be combined with namespace"),
        ({"verb": "get", "non_resource_url": "metrics"}, "non_resource_url must start with /"),
        ({"verb": "get", "resource": "pods/exec", "subresource": "log"}, "'pods/exec' and subresource 'log' disagree"),
        ({"verb": "get", "resource": "deployments.apps", "group": "batch"}, "'deployments.apps' and group 'batch' disagree"),
        ("pods", "expected a mapping"),
    ],
)
def test_bad_requests(item, message):
    with pytest.raises(ra.RBACInputError) as raised:
        ra.normalize_request(item, "expect_allowed[3]")
    assert message in str(raised.value)


def test_review_body_for_resource_and_url():
    subject = ra.parse_subject(SA)
    request = ra.normalize_request({"verb": "get", "resource": "configmaps", "namespace": "mlops", "name": "mlops-config"}, "x")
    assert ra.review_body(subject, request) == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": SA,
            "groups": ["system:serviceaccounts", "system:serviceaccounts:mlops", "system:authenticated"],
            "resourceAttributes": {"verb": "get", "group": "", "resource": "configmaps", "namespace": "mlops", "name": "mlops-config"},
        },
    }
    group_subject = ra.parse_subject("group:developers")
    url = ra.normalize_request({"verb": "get", "non_resource_url": "/metrics"}, "x")
    assert ra.review_body(group_subject, url)["spec"] == {
        "groups": ["developers", "system:authenticated"],
        "nonResourceAttributes": {"verb": "get", "path": "/metrics"},
    }


# --------------------------------------------------------------------------- asking and evaluating


def test_check_access_against_rule_table():
    client = FakeClient(RULES)
    subject = ra.parse_subject(SA)
    expectations = ra.expectations_from(
        expect_allowed=[
            {"verb": "list", "resource": "pods", "namespace": "mlops"},
            {"verb": "get", "resource": "configmaps", "namespace": "mlops", "name": "mlops-config"},  # via the SA-namespace group
            {"verb": "get", "non_resource_url": "/healthz"},  # via system:authenticated
            {"verb": "delete", "resource": "pods", "namespace": "mlops"},  # wrong on purpose
        ],
        expect_denied=[
            {"verb": "get", "resource": "configmaps", "namespace": "mlops", "name": "other"},
            {"verb": "list", "resource": "pods", "namespace": "kube-system"},
            {"verb": "list", "resource": "pods"},  # all namespaces: a RoleBinding does not give that
            {"verb": "watch", "resource": "services", "namespace": "mlops"},  # wrong on purpose
        ],
    )
    evaluation = ra.check_access(client, subject, expectations)
    assert client.resources_asked == [("SubjectAccessReview", "authorization.k8s.io/v1")]
    assert len(client.bodies) == 8
    assert [r["allowed"] for r in evaluation.results] == [True, True, True, False, False, False, False, True]
    assert [r["as_expected"] for r in evaluation.results] == [True, True, True, False, True, True, True, False]
    assert evaluation.results[0]["reason"] == 'RBAC: allowed by binding "mlops/mlops-platform-rolebinding"'
    assert [(m["expected"], m["verb"], m["resource"]) for m in evaluation.mismatches] == [
        ("allowed", "delete", "pods"),
        ("denied", "watch", "services"),
    ]


def test_review_errors():
    with pytest.raises(ra.ReviewError, match="not allowed to create subjectaccessreviews.authorization.k8s.io \\(403 Forbidden\\)"):
        ra.review(FakeClient({}, forbidden=True), [{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": {}}])

    class NoSAR:
        def resource(self, kind, api_version):
            raise LookupError("ResourceNotFoundError")

    with pytest.raises(ra.ReviewError, match="does not serve SubjectAccessReview"):
        ra.review(NoSAR(), [])


def test_evaluate_carries_denied_and_evaluation_error():
    request = ra.normalize_request({"verb": "get", "resource": "secrets", "namespace": "mlops"}, "x")
    evaluation = ra.evaluate(
        [(False, request)], [{"allowed": False, "denied": True, "reason": "webhook says no", "evaluationError": "rule parse"}]
    )
    result = evaluation.results[0]
    assert result["as_expected"] is True and result["denied"] is True
    assert result["evaluation_error"] == "rule parse"
    with pytest.raises(ValueError):
        ra.evaluate([(False, request)], [])


def test_mismatch_table_is_aligned_text():
    results = [
        {"expected": "allowed", "allowed": False, "verb": "delete", "resource": "pods", "group": "", "namespace": "mlops", "reason": ""},
        {
            "expected": "denied", "allowed": True, "verb": "create", "resource": "pods", "subresource": "exec",
            "namespace": "prod", "name": "web-0", "reason": 'RBAC: allowed by binding "x"', "description": "no shell in prod",
        },
        {"expected": "denied", "allowed": True, "verb": "get", "non_resource_url": "/metrics", "reason": "", "evaluation_error": "boom"},
    ]
    table = ra.mismatch_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["EXPECTED", "ACTUAL", "VERB", "RESOURCE", "NAMESPACE/NAME", "REASON"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split(None, 5) == ["allowed", "denied", "delete", "pods", "mlops", "-"]
    assert lines[3].split(None, 5) == ["denied", "allowed", "create", "pods/exec", "prod/web-0", '[no shell in prod] RBAC: allowed by binding "x"']
    assert lines[4].split(None, 5) == ["denied", "allowed", "get", "/metrics", "-", "evaluation error: boom"]
    # Columns line up: every row starts its RESOURCE cell at the header's offset.
    offset = lines[0].index("RESOURCE")
    assert lines[2][offset:].startswith("pods ") and lines[3][offset:].startswith("pods/exec") and lines[4][offset:].startswith("/metrics")


# --------------------------------------------------------------------------- risky requests


def test_risky_requests_cover_the_issue_list():
    requests = ra.risky_requests("mlops")
    keys = {(r["verb"], r["group"], r["resource"], r["subresource"], r["namespace"]) for r in requests}
    assert len(keys) == len(requests) == 43
    for verb in ("get", "list", "watch"):
        assert (verb, "", "secrets", "", "mlops") in keys
    for sub in ("exec", "attach", "portforward"):
        assert ("create", "", "pods", sub, "mlops") in keys
    for verb in ("escalate", "bind"):
        assert (verb, "rbac.authorization.k8s.io", "roles", "", "mlops") in keys
        assert (verb, "rbac.authorization.k8s.io", "clusterroles", "", "") in keys
    assert ("impersonate", "", "users", "", "") in keys
    assert ("impersonate", "", "groups", "", "") in keys
    assert ("impersonate", "", "serviceaccounts", "", "mlops") in keys
    assert ("get", "", "nodes", "", "") in keys and ("list", "", "nodes", "", "") in keys
    for group, resource in (
        ("", "namespaces"), ("rbac.authorization.k8s.io", "clusterroles"), ("rbac.authorization.k8s.io", "clusterrolebindings"),
        ("", "nodes"), ("", "persistentvolumes"), ("storage.k8s.io", "storageclasses"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    ):
        for verb in ("create", "update", "patch", "delete"):
            assert (verb, group, resource, "", "") in keys
    assert all(r["description"] for r in requests)
    # Every item is a valid expectation as it stands.
    assert len(ra.expectations_from(expect_denied=requests)) == 43


def test_risky_requests_without_namespace_ask_cluster_wide():
    assert {r["namespace"] for r in ra.risky_requests(None)} == {""}


def test_risky_requests_against_rule_table():
    client = FakeClient(RULES)
    expectations = ra.expectations_from(expect_denied=ra.risky_requests("mlops"))
    assert ra.check_access(client, ra.parse_subject(SA), expectations).mismatches == []
    admin = ra.check_access(client, ra.parse_subject("group:platform-admins"), expectations)
    assert len(admin.mismatches) == 43
    devs = ra.check_access(client, ra.parse_subject("group:developers"), ra.expectations_from(expect_denied=ra.risky_requests("dev")))
    assert [(m["resource"], m["subresource"]) for m in devs.mismatches] == [("pods", "exec")]
