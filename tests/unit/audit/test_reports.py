# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report writers: each format parses and carries the checks, findings and errors."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import audit_corpus_lib as corpus

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE, SECTIONS
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import AuditOptions, run_audit
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.reports import (
    FORMATS,
    render,
    to_html,
    to_junit,
    to_markdown,
    to_sarif,
    write_report,
)

FLOWS = [
    {"from": "ingress-nginx/controller", "to": "shop/web", "port": 8080, "protocol": "TCP"},
    {"from": "shop/web", "to": "shop/db", "port": 5432, "protocol": "TCP"},
    {"from": "shop/web", "to": "kube-system/kube-dns", "port": 53, "protocol": "UDP"},
]


@pytest.fixture(scope="module")
def result():
    """The baseline with a few problems, one exemption and the Secrets kind forbidden."""
    case = {
        "name": "report",
        "base": True,
        "set": {
            "Deployment/shop/web": {"spec.template.spec.hostNetwork": True},
            "Service/shop/web": {"metadata.annotations": {"note": "<script>alert(1)</script> & friends"}},
        },
        "remove": ["NetworkPolicy/shop/default-deny-egress"],
        "copies": [{"from": "Service/shop/web", "name": "web-np", "set": {"spec.type": "NodePort"}}],
    }
    objects = corpus.build_objects(case)
    options, _expected = corpus.case_options(case)
    options.exemptions = [{"ids": ["SVC-005"], "name": "web-np", "reason": "demo"}]
    return run_audit(objects, options, live=False, forbidden={"Secret": "forbidden (403 Forbidden): the credentials may not list Secret"})


def test_every_format_renders(result):
    for fmt in FORMATS:
        text = render(result, fmt, FLOWS)
        assert text.strip()
    with pytest.raises(ValueError, match="report.format"):
        render(result, "pdf")


def test_json(result):
    data = json.loads(render(result, "json", FLOWS))
    assert data["findings"] == result["findings"]
    assert data["flows"] == FLOWS
    assert {f["id"] for f in data["findings"]} == {"POD-007", "NET-002"}
    assert data["exempted"][0]["id"] == "SVC-005"


def test_markdown(result):
    text = to_markdown(result, FLOWS)
    for _key, title in SECTIONS:
        assert f"## {title}" in text
    assert "| POD-007 |" in text and "FAIL" in text
    assert "`Deployment/shop/web`" in text
    assert "| ING-003 |" in text and "ERROR" in text
    assert "## Allowed flows" in text and "| shop/web | shop/db | 5432 | TCP |" in text


def test_junit(result):
    root = ET.fromstring(to_junit(result).split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert int(root.get("tests")) == len(CATALOGUE)
    assert [s.get("name") for s in root.findall("testsuite")] == [title for _key, title in SECTIONS]
    cases = {case.get("name").split(" ", 1)[0]: case for case in root.iter("testcase")}
    assert cases["POD-007"].find("failure") is not None
    assert "Deployment/shop/web" in cases["POD-007"].find("failure").text
    assert cases["ING-003"].find("error") is not None
    assert cases["SVC-003"].find("skipped") is not None
    assert cases["POD-003"].find("failure") is None and cases["POD-003"].find("error") is None
    assert int(root.get("failures")) == 2 and int(root.get("errors")) == 3


def test_sarif(result):
    data = json.loads(to_sarif(result))
    assert data["version"] == "2.1.0"
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CATALOGUE]
    assert all(r["help"]["text"].startswith("role linkops.k8s_platform.") for r in rules)
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"POD-007", "NET-002"}
    for item in results:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note")
        assert item["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    pod = next(r for r in results if r["ruleId"] == "POD-007")
    assert pod["level"] == "error"
    assert pod["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Deployment/shop/web"
    assert run["invocations"][0]["executionSuccessful"] is False
    assert {n["descriptor"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]} == {"ING-003", "ING-004", "ING-005"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "xlink:href", "srcset", "data", "poster") and value:
                self.urls.append(value)


def test_html_is_self_contained(result):
    text = to_html(result, FLOWS)
    parser = _Collector()
    parser.feed(text)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert parser.urls == []
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, flags=re.I)
    assert not re.search(r"url\(", text), "no CSS url() fetches"
    assert "@import" not in text
    assert "<script>alert(1)</script>" not in text  # object data is escaped


def test_html_content(result):
    text = to_html(result, FLOWS)
    for key, title in SECTIONS:
        assert f'id="section-{key}"' in text and title.replace("&", "&amp;") in text
    for entry in CATALOGUE:
        assert f'id="check-{entry.id}"' in text
    assert 'id="check-POD-007" data-status="fail"' in text
    assert 'id="check-ING-003" data-status="error"' in text
    assert 'id="check-SVC-003" data-status="not_applicable"' in text
    assert 'id="check-POD-003" data-status="pass"' in text
    assert "Deployment/shop/web" in text
    assert '<svg id="flows-graph"' in text and text.count('<tr class="flow">') == len(FLOWS)


def test_html_without_flows_says_so(result):
    text = to_html(result, None)
    assert "flows-graph" not in text
    assert "No flow data was given" in text


def test_write_report_is_atomic_and_creates_folders(tmp_path):
    target = tmp_path / "deep" / "er" / "report.json"
    write_report(str(target), "{}\n")
    assert target.read_text() == "{}\n"
    write_report(str(target), "[]\n")
    assert target.read_text() == "[]\n"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_empty_result_renders():
    empty = run_audit([], AuditOptions())
    for fmt in FORMATS:
        assert render(empty, fmt)
