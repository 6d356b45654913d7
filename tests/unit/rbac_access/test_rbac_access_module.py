# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rbac_access module, run as Ansible runs it, against the fake SAR client."""

from __future__ import annotations

import pytest
from rbac_fake import RULES, FakeClient, run_module

from ansible_collections.linkops.k8s_platform.plugins.modules import rbac_access as module

SA = "system:serviceaccount:mlops:mlops-platform-sa"


@pytest.fixture
def client(monkeypatch):
    fake = FakeClient(RULES)
    monkeypatch.setattr(module, "get_api_client", lambda module=None, **kw: fake)
    return fake


def test_all_expectations_hold(client):
    failed, result = run_module(
        module.main,
        {
            "subject": SA,
            "expect_allowed": [{"verb": "list", "resource": "pods", "namespace": "mlops"}],
            "expect_denied": [{"verb": "delete", "resource": "pods", "namespace": "mlops"}],
            "expect_denied_risky": True,
        },
    )
    assert not failed, result["msg"]
    assert result["changed"] is False
    assert result["msg"] == f"all 45 access expectation(s) for serviceaccount {SA} hold"
    assert len(result["results"]) == 45 and result["mismatches"] == [] and result["mismatch_table"] == ""
    assert result["subject"]["groups"] == ["system:serviceaccounts", "system:serviceaccounts:mlops", "system:authenticated"]
    # Risky namespaced requests were asked in the ServiceAccount's namespace.
    secrets = [b["spec"]["resourceAttributes"] for b in client.bodies if b["spec"].get("resourceAttributes", {}).get("resource") == "secrets"]
    assert {s["namespace"] for s in secrets} == {"mlops"}


def test_mismatches_fail_with_a_table(client):
    failed, result = run_module(
        module.main,
        {
            "subject": "group:developers",
            "expect_allowed": [
                {"verb": "get", "resource": "deployments.apps", "namespace": "dev"},
                {"verb": "get", "resource": "deployments.apps", "namespace": "prod"},
            ],
            "expect_denied": [{"verb": "create", "resource": "pods/exec", "namespace": "dev", "description": "no shell"}],
        },
    )
    assert failed
    lines = result["msg"].splitlines()
    assert lines[0] == "2 of 3 access expectation(s) for group developers do not hold:"
    assert lines[1].split() == ["EXPECTED", "ACTUAL", "VERB", "RESOURCE", "NAMESPACE/NAME", "REASON"]
    assert lines[3].split() == ["allowed", "denied", "get", "deployments.apps", "prod", "-"]
    assert lines[4].split(None, 5) == ["denied", "allowed", "create", "pods/exec", "dev", '[no shell] RBAC: allowed by binding "dev/developers-exec"']
    assert result["mismatch_table"] == "\n".join(lines[1:])
    assert [r["as_expected"] for r in result["results"]] == [True, False, False]
    assert len(result["mismatches"]) == 2


def test_check_mode_asks_for_real_and_changes_nothing(client):
    args = {"subject": "alice", "expect_denied": [{"verb": "get", "resource": "secrets", "namespace": "mlops"}]}
    failed, result = run_module(module.main, args, check_mode=True)
    assert not failed and result["changed"] is False
    assert len(client.bodies) == 1  # the fake asserts no dry_run argument was passed


def test_risky_namespace_and_non_resource_urls(client):
    failed, result = run_module(
        module.main,
        {
            "subject": "system:serviceaccount:monitoring:prometheus",
            "expect_allowed": [{"verb": "get", "non_resource_url": "/metrics"}],
            "expect_denied_risky": True,
            "risky_namespace": "mlops",
        },
    )
    assert not failed, result["msg"]
    assert client.bodies[0]["spec"]["nonResourceAttributes"] == {"verb": "get", "path": "/metrics"}
    namespaces = {b["spec"]["resourceAttributes"].get("namespace", "") for b in client.bodies[1:]}
    assert namespaces == {"mlops", ""}


def test_forbidden_reviews_fail_clearly(monkeypatch):
    fake = FakeClient(RULES, forbidden=True)
    monkeypatch.setattr(module, "get_api_client", lambda module=None, **kw: fake)
    failed, result = run_module(module.main, {"subject": SA, "expect_denied_risky": True})
    assert failed
    assert result["msg"].startswith("not allowed to create subjectaccessreviews.authorization.k8s.io (403 Forbidden)")


def test_connection_errors_fail_clearly(monkeypatch):
    def broken(module=None, **kw):
        raise RuntimeError("Invalid kube-config file. No configuration found.")

    monkeypatch.setattr(module, "get_api_client", broken)
    failed, result = run_module(module.main, {"subject": SA, "expect_denied_risky": True})
    assert failed and result["msg"] == "could not ask the API server: Invalid kube-config file. No configuration found."


@pytest.mark.parametrize(
    "args,message",
    [
        ({"subject": "system:serviceaccount:mlops"}, "subject: 'system:serviceaccount:mlops' is not system:serviceaccount:NAMESPACE:NAME"),
        ({"subject": "alice"}, "nothing to check: give expect_allowed, expect_denied or expect_denied_risky"),
        ({"subject": "alice", "expect_denied": [{"verb": "get"}]}, "expect_denied[0]: resource (or non_resource_url) is required"),
        ({"subject": "alice", "expect_allowed": [{"resource": "pods"}]}, "verb"),
        ({"subject": "alice", "expect_allowed": [{"verb": "get", "resource": "pods", "verbs": "x"}]}, "verbs"),
    ],
)
def test_bad_input_fails_before_asking(client, args, message):
    failed, result = run_module(module.main, args)
    assert failed
    assert message in result["msg"]
    assert client.bodies == []


def test_several_subjects_in_one_run(client):
    failed, result = run_module(
        module.main,
        {
            "subjects": [
                {"subject": SA, "expect_allowed": [{"verb": "list", "resource": "pods", "namespace": "mlops"}], "expect_denied_risky": True},
                {"subject": "group:developers", "expect_allowed": [{"verb": "get", "resource": "deployments.apps", "namespace": "dev"}]},
            ]
        },
    )
    assert not failed, result["msg"]
    assert result["msg"] == "all 45 access expectation(s) for 2 subject(s) hold"
    assert [entry["subject"]["user"] for entry in result["subjects"]] == [SA, None]
    assert [len(entry["results"]) for entry in result["subjects"]] == [44, 1]
    assert result["mismatches"] == [] and result["mismatch_table"] == ""


def test_several_subjects_fail_with_a_table_per_failing_subject(client):
    failed, result = run_module(
        module.main,
        {
            "subjects": [
                {"subject": SA, "expect_allowed": [{"verb": "list", "resource": "pods", "namespace": "mlops"}]},
                {"subject": "group:developers", "expect_denied": [{"verb": "create", "resource": "pods/exec", "namespace": "dev"}]},
            ]
        },
    )
    assert failed
    assert result["msg"].startswith("1 of 2 subject(s) do not get the access expected:\n\n1 of 1 access expectation(s) for group developers do not hold:")
    assert [len(entry["mismatches"]) for entry in result["subjects"]] == [0, 1]


@pytest.mark.parametrize(
    "args,message",
    [
        ({"subjects": [{"subject": "system:serviceaccount:x"}, {"subject": "bob"}]},
         "subjects[0]: subject: 'system:serviceaccount:x' is not system:serviceaccount:NAMESPACE:NAME\n"
         "subjects[1]: nothing to check: give expect_allowed, expect_denied or expect_denied_risky"),
        ({"subjects": []}, "subjects: nothing to check (an empty list)"),
        ({"subject": "alice", "subjects": [{"subject": "bob", "expect_denied_risky": True}]}, "mutually exclusive: subject|subjects"),
        ({}, "one of the following is required: subject, subjects"),
    ],
)
def test_bad_subjects_fail_before_asking(client, args, message):
    failed, result = run_module(module.main, args)
    assert failed
    assert message in result["msg"]
    assert client.bodies == []
