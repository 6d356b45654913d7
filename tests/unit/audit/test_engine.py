# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine: result shape, owners named in findings, exemptions, filters, score, errors."""

from __future__ import annotations

import pytest

import audit_corpus_lib as corpus

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit import context
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import (
    AuditOptionError,
    AuditOptions,
    fails_on,
    kinds_for,
    run_audit,
)


def deployment(name="api", namespace="a", **spec_extra):
    spec = {"containers": [{"name": name, "image": "x"}]}
    spec.update(spec_extra)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
        "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": spec}},
    }


def ids(result):
    return sorted({f["id"] for f in result["findings"]})


def test_result_shape():
    result = run_audit([deployment()], AuditOptions(checks=["POD-007", "POD-003"]))
    assert set(result) == {"findings", "exempted", "summary", "checks"}
    finding = result["findings"][0]
    assert set(finding) == {"id", "severity", "resource", "message", "remediation"}
    assert finding["resource"] == {"api_version": "apps/v1", "kind": "Deployment", "namespace": "a", "name": "api"}
    assert finding["remediation"].startswith("role linkops.k8s_platform.workloads, variable workloads_apps: ")
    assert [row["id"] for row in result["checks"]] == [c.id for c in CATALOGUE]
    statuses = {row["id"]: row["status"] for row in result["checks"]}
    assert statuses["POD-003"] == "fail"
    assert statuses["POD-007"] == "pass"
    assert statuses["NET-001"] == "not_applicable"
    assert {row["status"] for row in result["checks"]} <= {"pass", "fail", "not_applicable", "error"}
    summary = result["summary"]
    assert summary["by_check"] == {"POD-003": 1}
    assert summary["by_severity"]["high"] == 1
    assert summary["objects_checked"] == 1
    assert summary["checks"]["pass"] == 1 and summary["checks"]["fail"] == 1


def test_findings_name_the_owning_workload_not_the_pod():
    """A Pod owned by a ReplicaSet owned by a Deployment is reported as the Deployment."""
    objects = [
        deployment("web"),
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web-6d4", "namespace": "a", "ownerReferences": [{"kind": "Deployment", "name": "web"}]},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "x"}]}}},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web-6d4-xz", "namespace": "a", "labels": {"app": "web"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-6d4"}]},
            "spec": {"containers": [{"name": "web", "image": "x"}]},
        },
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "a"}, "spec": {"containers": [{"name": "sh", "image": "x"}]}},
    ]
    result = run_audit(objects, AuditOptions(checks=["POD-003"]))
    named = sorted((f["resource"]["kind"], f["resource"]["name"]) for f in result["findings"])
    assert named == [("Deployment", "web"), ("Pod", "debug")]


@pytest.mark.parametrize(
    "kind, path",
    [("StatefulSet", ("spec", "template")), ("DaemonSet", ("spec", "template")), ("Job", ("spec", "template")),
     ("CronJob", ("spec", "jobTemplate", "spec", "template"))],
)
def test_every_workload_kind_is_named(kind, path):
    template = {"metadata": {"labels": {"app": "x"}}, "spec": {"hostPID": True, "containers": [{"name": "c", "image": "x"}]}}
    obj = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "w", "namespace": "a"}}
    node = obj
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = template
    result = run_audit([obj], AuditOptions(checks=["POD-007"]))
    assert [(f["resource"]["kind"], f["resource"]["name"]) for f in result["findings"]] == [(kind, "w")]


def test_namespace_scope_and_default_exclusions():
    objects = [deployment("a1", "a"), deployment("k1", "kube-system"), deployment("p1", "kube-public"),
               {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}}]
    result = run_audit(objects, AuditOptions(checks=["NET-001"]))
    assert sorted(f["resource"]["name"] for f in result["findings"]) == ["a", "empty"]
    assert result["summary"]["namespaces"] == ["a", "empty"]
    only = run_audit(objects, AuditOptions(checks=["NET-001"], namespaces=["empty", "nonexistent"]))
    assert [f["resource"]["name"] for f in only["findings"]] == ["empty"]
    everything = run_audit(objects, AuditOptions(checks=["NET-001"], exclude_namespaces=[]))
    assert sorted(f["resource"]["name"] for f in everything["findings"]) == ["a", "empty", "kube-public", "kube-system"]


def test_exempted_findings_are_returned_with_the_reason():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "annotations": {"k8s-platform.linkops.io/exempt": "NET-001"}}}
    obj = deployment()
    obj["metadata"]["annotations"] = {"k8s-platform.linkops.io/exempt": "POD-"}
    options = AuditOptions(checks=["NET-001", "POD-003", "NET-003"], exemptions=[{"ids": "NET-003", "name": "ap*", "reason": "legacy app"}])
    result = run_audit([ns, obj], options)
    assert result["findings"] == []
    reasons = sorted((f["id"], f["exempted_by"]) for f in result["exempted"])
    assert reasons == [
        ("NET-001", "annotation k8s-platform.linkops.io/exempt on Namespace a"),
        ("NET-003", "legacy app"),
        ("POD-003", "annotation k8s-platform.linkops.io/exempt on Deployment api"),
    ]
    rows = {row["id"]: row for row in result["checks"]}
    assert rows["NET-001"]["status"] == "pass" and rows["NET-001"]["exempted"] == 1
    assert result["summary"]["exempted"] == 3


def test_min_severity_and_fail_on():
    obj = deployment(hostNetwork=True)
    result = run_audit([obj], AuditOptions(checks=["POD-"], min_severity="critical"))
    assert ids(result) == ["POD-007"]
    row = next(r for r in result["checks"] if r["id"] == "POD-005")
    assert row["status"] == "not_applicable" and "min_severity" in row["reason"]
    full = run_audit([obj], AuditOptions(checks=["POD-"]))
    assert [f["id"] for f in fails_on(full["findings"], "critical")] == ["POD-007"]
    assert len(fails_on(full["findings"], "medium")) == len(full["findings"])
    assert fails_on(full["findings"], None) == []


def test_not_selected_checks_are_listed_as_not_applicable():
    result = run_audit([deployment()], AuditOptions(skip_checks=["POD-", "MON-", "RBAC-", "NET-", "DNS-"]))
    rows = {row["id"]: row for row in result["checks"]}
    assert rows["POD-001"]["status"] == "not_applicable"
    assert rows["POD-001"]["reason"].startswith("not selected")
    assert not any(f["id"].startswith("POD-") for f in result["findings"])


def test_score_weights_severity():
    # one critical failure (POD-007, weight 10) among passing high checks
    obj = deployment(hostNetwork=True, securityContext={"runAsNonRoot": True})
    result = run_audit([obj], AuditOptions(checks=["POD-003", "POD-007"]))
    assert result["summary"]["score"] == round(100 * 7 / 17)
    clean = run_audit([deployment(securityContext={"runAsNonRoot": True})], AuditOptions(checks=["POD-003", "POD-007"]))
    assert clean["summary"]["score"] == 100
    nothing = run_audit([], AuditOptions(checks=["POD-003"]))
    assert nothing["summary"]["score"] == 100 and nothing["summary"]["checks"]["not_applicable"] == len(CATALOGUE)


def test_forbidden_kinds_turn_their_checks_into_errors():
    result = run_audit([deployment()], AuditOptions(checks=["ING-", "POD-003"]), live=True, forbidden={"Secret": "forbidden (403 Forbidden)"})
    rows = {row["id"]: row for row in result["checks"]}
    for check_id in ("ING-003", "ING-004", "ING-005"):
        assert rows[check_id]["status"] == "error"
        assert "Secret: forbidden (403 Forbidden)" in rows[check_id]["reason"]
    assert rows["ING-002"]["status"] == "not_applicable"
    assert rows["POD-003"]["status"] == "fail"
    assert result["summary"]["checks"]["error"] == 3


def test_a_crashing_check_reports_error_and_the_audit_goes_on(monkeypatch):
    def boom(ctx):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(context.REGISTRY, "POD-005", boom)
    result = run_audit([deployment()], AuditOptions(checks=["POD-"]))
    rows = {row["id"]: row for row in result["checks"]}
    assert rows["POD-005"]["status"] == "error" and "kaboom" in rows["POD-005"]["reason"]
    assert rows["POD-004"]["status"] == "fail"


@pytest.mark.parametrize(
    "options, message",
    [
        (AuditOptions(checks=["XYZ-"]), "checks/skip_checks: unknown check ID or prefix: XYZ-"),
        (AuditOptions(skip_checks=["ING-099"]), "unknown check ID or prefix: ING-099"),
        (AuditOptions(min_severity="urgent"), "min_severity"),
        (AuditOptions(exemptions=[{"kind": "Ingress"}]), "exemptions[0]: give the check IDs"),
        (AuditOptions(exemptions=[{"ids": ["NOPE-1"]}]), "exemptions[0]: unknown check ID"),
        (AuditOptions(exemptions=[{"ids": ["NET-"], "namespce": "a"}]), "exemptions[0]: unknown keys namespce"),
        (AuditOptions(exemptions=["NET-001"]), "exemptions[0]: expected a mapping"),
    ],
)
def test_bad_options_name_the_option(options, message):
    with pytest.raises(AuditOptionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run_audit([], options)


def test_kinds_read_are_those_of_the_selected_checks():
    from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import select

    chosen, _unknown = select(["STO-005", "STO-006"], None)
    assert sorted(k.kind for k in kinds_for(chosen)) == ["Namespace", "StorageClass"]
    chosen, _unknown = select(None, None)
    assert len(kinds_for(chosen)) == len({k for c in CATALOGUE for k in c.kinds} | {"Namespace"})


def test_certificate_checks_use_the_certificate():
    case = {"name": "x", "base": True, "set": {"Secret/shop/web-tls": {"data.tls\\.crt": {"cert": {"sans": ["shop.example.com"], "days": 5}}}}}
    result = corpus.run_case(case)
    finding = next(f for f in result["findings"] if f["id"] == "ING-004")
    assert finding["resource"]["kind"] == "Ingress"
    assert "expires on" in finding["message"] and "(in 5 days)" in finding["message"]
