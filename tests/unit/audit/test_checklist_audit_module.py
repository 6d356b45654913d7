# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checklist_audit module, run as Ansible runs it: offline, live with a fake client, reports, failures."""

from __future__ import annotations

import contextlib
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

import audit_corpus_lib as corpus
from audit_fake_client import FakeClient, fake_get_api_client

from ansible_collections.linkops.k8s_platform.plugins.modules import checklist_audit as module

EXCLUDE = ["kube-system", "kube-public", "kube-node-lease", "platform"]


def run_module(args: dict[str, Any], check_mode: bool = False) -> tuple[bool, dict[str, Any]]:
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        module.main()
    result = json.loads(out.getvalue())
    return exited.value.code != 0 or bool(result.get("failed")), result


@pytest.fixture(scope="module")
def baseline():
    return corpus.build_objects({"name": "module", "base": True})


def with_host_network(objects):
    objects = json.loads(json.dumps(objects))
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web":
            obj["spec"]["template"]["spec"]["hostNetwork"] = True
    return objects


def test_offline_clean_baseline(baseline):
    failed, result = run_module({"resources": baseline, "exclude_namespaces": EXCLUDE}, check_mode=True)
    assert not failed, result.get("msg")
    assert result["changed"] is False
    assert result["findings"] == []
    assert result["summary"]["score"] == 100
    assert result["source"] == {"mode": "offline", "list_calls": 0, "forbidden": {}, "not_served": []}
    assert len(result["checks"]) == 64


def test_offline_findings_and_fail_on(baseline, tmp_path):
    objects = with_host_network(baseline)
    report = tmp_path / "out" / "audit.sarif"
    failed, result = run_module({"resources": objects, "exclude_namespaces": EXCLUDE, "fail_on": "critical", "report": {"path": str(report)}})
    assert failed
    assert result["msg"] == "1 finding(s) at or above critical: POD-007"
    assert [f["id"] for f in result["findings"]] == ["POD-007"]
    assert result["findings"][0]["resource"] == {"api_version": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"}
    # the report is written before failing, and its format follows the extension
    assert json.loads(report.read_text())["version"] == "2.1.0"
    assert result["report_path"] == str(report)

    failed, result = run_module({"resources": objects, "exclude_namespaces": EXCLUDE, "fail_on": "critical", "skip_checks": ["POD-007"]})
    assert not failed and result["findings"] == []


def test_list_wrapper_and_kind_list(baseline):
    failed, result = run_module({"resources": [{"apiVersion": "v1", "kind": "List", "items": baseline}, None], "exclude_namespaces": EXCLUDE})
    assert not failed, result.get("msg")
    assert result["summary"]["objects_checked"] > 10 and result["findings"] == []


@pytest.mark.parametrize(
    "fmt, check",
    [
        ("json", lambda text: json.loads(text)["summary"]["score"] == 100),
        ("markdown", lambda text: text.startswith("# Kubernetes checklist audit")),
        ("junit", lambda text: ET.fromstring(text.split("\n", 1)[1]).tag == "testsuites"),
        ("sarif", lambda text: json.loads(text)["runs"][0]["results"] == []),
        ("html", lambda text: text.startswith("<!DOCTYPE html>") and "flows-graph" in text),
    ],
)
def test_report_formats(baseline, tmp_path, fmt, check):
    path = tmp_path / "report.out"
    flows = [{"from": "shop/web", "to": "shop/db", "port": 5432, "protocol": "TCP"}]
    failed, result = run_module({"resources": baseline, "exclude_namespaces": EXCLUDE, "report": {"path": str(path), "format": fmt}, "flows": flows})
    assert not failed, result.get("msg")
    assert check(path.read_text())


def test_exemptions_option(baseline):
    objects = with_host_network(baseline)
    failed, result = run_module(
        {"resources": objects, "exclude_namespaces": EXCLUDE, "exemptions": [{"ids": ["POD-007"], "kind": "Deployment", "name": "web", "reason": "node agent"}]}
    )
    assert not failed
    assert result["findings"] == []
    assert result["exempted"][0]["exempted_by"] == "node agent"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"resources": [], "checks": ["XYZ-"]}, "checks/skip_checks: unknown check ID or prefix: XYZ-"),
        ({"resources": [], "exemptions": [{"ids": ["NOPE-1"]}]}, "exemptions[0]: unknown check ID or prefix: NOPE-1"),
        ({"resources": ["not a mapping"]}, "resources: expected a mapping, got str"),
        ({"resources": [{"metadata": {"name": "x"}}]}, "resources: object 0 has no kind"),
        ({"resources": [{"kind": "Pod", "metadata": "x"}]}, "resources: object 0 has no kind or a malformed metadata"),
        ({"resources": [], "min_severity": "urgent"}, "value of min_severity must be one of"),
        ({"resources": [], "flows": [{"from": "a"}]}, "flows[0]: missing to"),
        ({"resources": [], "report": {"format": "html"}}, "missing required arguments: path"),
    ],
)
def test_bad_input_is_a_clear_message(args, message):
    failed, result = run_module(args)
    assert failed
    assert message in result["msg"]
    assert "Traceback" not in result["msg"]


def test_unwritable_report_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    failed, result = run_module({"resources": [], "report": {"path": str(blocker / "sub" / "r.json")}})
    assert failed and result["msg"].startswith("report.path: cannot write")


def test_live_mode_with_a_fake_client_that_may_not_list_secrets(monkeypatch, baseline, tmp_path):
    objects = json.loads(json.dumps(baseline))
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web":
            obj["status"] = {"replicas": 2, "readyReplicas": 2}
    client = FakeClient(objects, forbidden={"Secret"}, not_served={"Jaeger"})
    seen = []
    monkeypatch.setattr(module, "get_api_client", fake_get_api_client(client, seen))
    report = tmp_path / "live.html"
    failed, result = run_module({"exclude_namespaces": EXCLUDE, "kubeconfig": "/nonexistent", "report": {"path": str(report)}}, check_mode=True)
    assert not failed, result.get("msg")
    assert len(seen) == 1
    assert result["source"]["mode"] == "live"
    assert set(result["source"]["forbidden"]) == {"Secret"}
    assert result["source"]["not_served"] == ["Jaeger"]
    assert result["source"]["list_calls"] == len(client.resource_calls) == len(client.list_calls) + 1  # Jaeger: discovery said no
    assert all(count == 1 for count in client.list_calls.values())
    errors = sorted(row["id"] for row in result["checks"] if row["status"] == "error")
    assert errors == ["ING-003", "ING-004", "ING-005"]
    assert all("403" in row["reason"] for row in result["checks"] if row["status"] == "error")
    assert result["findings"] == []
    assert 'data-status="error"' in report.read_text()


def test_live_mode_connection_failure_is_a_clear_message(monkeypatch):
    def broken(module=None, **kwargs):
        raise RuntimeError("Invalid kube-config file. No configuration found.")

    monkeypatch.setattr(module, "get_api_client", broken)
    failed, result = run_module({})
    assert failed
    assert result["msg"] == "could not read the cluster: RuntimeError: Invalid kube-config file. No configuration found."


def test_documentation_matches_the_argument_spec():
    import yaml

    doc = yaml.safe_load(module.DOCUMENTATION)
    spec = module.argument_spec()
    own = {k: v for k, v in spec.items() if k in doc["options"]}
    for name, option in own.items():
        assert doc["options"][name]["type"] == option["type"], name
        assert doc["options"][name].get("default") == option.get("default"), name
        assert doc["options"][name].get("choices") == option.get("choices"), name
    assert set(doc["options"]) <= set(spec)
    assert yaml.safe_load(module.RETURN)["findings"]["returned"] == "always"
    assert yaml.safe_load(module.EXAMPLES)
