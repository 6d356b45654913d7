# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report writers for the audit result: json, markdown, junit, sarif and html.

Every writer takes the dict `engine.run_audit` returns (plus optional `flows` for the HTML
allowed-flows section) and returns text. The HTML page is self-contained: inline CSS and an
inline SVG, no script, no external URL.
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE, SECTIONS

FORMATS: tuple[str, ...] = ("json", "markdown", "junit", "sarif", "html")
SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SARIF_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
TOOL_NAME = "linkops.k8s_platform.checklist_audit"
TOOL_VERSION = "0.1.0"


def resource_text(resource: Mapping[str, Any]) -> str:
    kind = resource.get("kind") or ""
    if kind == "Cluster":
        return "cluster"
    namespace = resource.get("namespace") or ""
    return f"{kind}/{namespace + '/' if namespace else ''}{resource.get('name') or ''}"


def _findings_by_check(result: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for finding in result.get("findings") or []:
        grouped.setdefault(str(finding["id"]), []).append(finding)
    return grouped


def _rows_by_section(result: Mapping[str, Any]) -> list[tuple[str, str, list[Mapping[str, Any]]]]:
    rows = list(result.get("checks") or [])
    return [(key, title, [r for r in rows if r.get("section") == key]) for key, title in SECTIONS]


# --- json --------------------------------------------------------------------------------
def to_json(result: Mapping[str, Any], flows: Optional[Sequence[Mapping[str, Any]]] = None) -> str:
    data = dict(result)
    if flows:
        data["flows"] = list(flows)
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


# --- markdown ----------------------------------------------------------------------------
def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


STATUS_MARK = {"pass": "PASS", "fail": "FAIL", "not_applicable": "n/a", "error": "ERROR"}


def to_markdown(result: Mapping[str, Any], flows: Optional[Sequence[Mapping[str, Any]]] = None) -> str:
    summary = result.get("summary") or {}
    lines = [
        "# Kubernetes checklist audit",
        "",
        f"Score: **{summary.get('score')}/100** - {summary.get('total', 0)} findings, "
        f"{summary.get('exempted', 0)} exempted, {summary.get('objects_checked', 0)} objects checked.",
        "",
        "| severity | findings |",
        "| --- | --- |",
    ]
    for severity, count in (summary.get("by_severity") or {}).items():
        lines.append(f"| {severity} | {count} |")
    grouped = _findings_by_check(result)
    for _key, title, rows in _rows_by_section(result):
        lines += ["", f"## {title}", "", "| ID | check | severity | status | details |", "| --- | --- | --- | --- | --- |"]
        for row in rows:
            details = row.get("reason") or ""
            if row["status"] == "fail":
                details = f"{row['findings']} finding(s)"
            lines.append(f"| {row['id']} | {_md(row['title'])} | {row['severity']} | {STATUS_MARK[row['status']]} | {_md(details)} |")
        failing = [r for r in rows if r["status"] == "fail"]
        for row in failing:
            lines += ["", f"### {row['id']} {_md(row['title'])}", "", f"Remediation: {row['remediation']}", ""]
            for finding in grouped.get(row["id"], []):
                lines.append(f"- `{resource_text(finding['resource'])}`: {finding['message']}")
    if flows:
        lines += ["", "## Allowed flows", "", "| from | to | port | protocol |", "| --- | --- | --- | --- |"]
        for flow in flows:
            lines.append(f"| {_md(flow.get('from', ''))} | {_md(flow.get('to', ''))} | {_md(flow.get('port', ''))} | {_md(flow.get('protocol', ''))} |")
    return "\n".join(lines) + "\n"


# --- junit -------------------------------------------------------------------------------
def to_junit(result: Mapping[str, Any], flows: Optional[Sequence[Mapping[str, Any]]] = None) -> str:
    grouped = _findings_by_check(result)
    suites = ET.Element("testsuites", name="checklist_audit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for key, title, rows in _rows_by_section(result):
        counts = {
            "tests": len(rows),
            "failures": sum(r["status"] == "fail" for r in rows),
            "errors": sum(r["status"] == "error" for r in rows),
            "skipped": sum(r["status"] == "not_applicable" for r in rows),
        }
        suite = ET.SubElement(suites, "testsuite", name=title, **{k: str(v) for k, v in counts.items()})
        for name, value in counts.items():
            totals[name] += value
        for row in rows:
            case = ET.SubElement(suite, "testcase", classname=f"checklist_audit.{key}", name=f"{row['id']} {row['title']}")
            if row["status"] == "fail":
                found = grouped.get(row["id"], [])
                failure = ET.SubElement(case, "failure", message=f"{len(found)} finding(s), severity {row['severity']}", type=row["severity"])
                failure.text = "\n".join(f"{resource_text(f['resource'])}: {f['message']}" for f in found) + f"\nRemediation: {row['remediation']}"
            elif row["status"] == "error":
                ET.SubElement(case, "error", message=str(row.get("reason") or "error"))
            elif row["status"] == "not_applicable":
                ET.SubElement(case, "skipped", message=str(row.get("reason") or "not applicable"))
    for name, value in totals.items():
        suites.set(name, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- sarif -------------------------------------------------------------------------------
def to_sarif(result: Mapping[str, Any], flows: Optional[Sequence[Mapping[str, Any]]] = None) -> str:
    rules = []
    rule_index = {}
    for position, entry in enumerate(CATALOGUE):
        rule_index[entry.id] = position
        rules.append(
            {
                "id": entry.id,
                "name": entry.id.replace("-", ""),
                "shortDescription": {"text": entry.title},
                "fullDescription": {"text": f"{entry.title} (checklist section: {dict(SECTIONS)[entry.section]})"},
                "help": {"text": entry.remediation},
                "defaultConfiguration": {"level": SARIF_LEVEL[entry.severity]},
                "properties": {"security-severity": SARIF_SECURITY_SEVERITY[entry.severity], "tags": ["kubernetes", entry.section]},
            }
        )
    results = []
    for finding in result.get("findings") or []:
        resource = finding["resource"]
        results.append(
            {
                "ruleId": finding["id"],
                "ruleIndex": rule_index[finding["id"]],
                "level": SARIF_LEVEL[finding["severity"]],
                "message": {"text": finding["message"]},
                "locations": [
                    {
                        "logicalLocations": [
                            {
                                "name": resource.get("name") or "cluster",
                                "fullyQualifiedName": resource_text(resource),
                                "kind": "resource",
                            }
                        ]
                    }
                ],
                "properties": {"severity": finding["severity"], "resource": dict(resource), "remediation": finding["remediation"]},
            }
        )
    invocation_ok = not any(r["status"] == "error" for r in result.get("checks") or [])
    notifications = [
        {"descriptor": {"id": r["id"]}, "level": "error", "message": {"text": str(r.get("reason") or "error")}}
        for r in result.get("checks") or []
        if r["status"] == "error"
    ]
    document = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL_NAME, "version": TOOL_VERSION, "rules": rules}},
                "invocations": [{"executionSuccessful": invocation_ok, "toolExecutionNotifications": notifications}],
                "results": results,
                "properties": {"summary": dict(result.get("summary") or {})},
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


# --- html --------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2430}
header{background:#1d2a44;color:#fff;padding:24px 32px}
header h1{margin:0 0 8px 0;font-size:24px}
main{padding:16px 32px 48px 32px;max-width:1200px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:120px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .n{font-size:26px;font-weight:700}
.score{font-size:40px;font-weight:800}
section.sec{background:#fff;border-radius:8px;margin:18px 0;padding:8px 20px 16px 20px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section.sec h2{font-size:19px;border-bottom:1px solid #e3e6eb;padding-bottom:6px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef0f3;vertical-align:top;font-size:14px}
th{background:#fafbfc}
tr.check td:first-child{white-space:nowrap}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:700}
.st-pass{background:#d7f5dd;color:#146c2e}.st-fail{background:#fde0e0;color:#a4161a}
.st-not_applicable{background:#eceff3;color:#56606e}.st-error{background:#fff0c2;color:#8a5a00}
.sev-critical{color:#7a0010;font-weight:700}.sev-high{color:#b3261e;font-weight:600}.sev-medium{color:#9a6700}
.sev-low{color:#33658a}.sev-info{color:#56606e}
ul.objs{margin:6px 0 0 0;padding-left:18px}
ul.objs li{margin:2px 0}
code{background:#f0f2f5;padding:1px 4px;border-radius:4px;font-size:12.5px}
.rem{color:#3c4656;font-size:13px;margin-top:4px}
.reason{color:#56606e;font-size:13px}
svg text{font-family:system-ui,sans-serif;font-size:12px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _flows_svg(flows: Sequence[Mapping[str, Any]]) -> str:
    sources = sorted({str(f.get("from", "")) for f in flows})
    targets = sorted({str(f.get("to", "")) for f in flows})
    row_height = 34
    height = max(len(sources), len(targets)) * row_height + 40
    width = 900
    left_x, right_x = 20, width - 280
    box_w = 260
    y_of_source = {name: 30 + i * row_height for i, name in enumerate(sources)}
    y_of_target = {name: 30 + i * row_height for i, name in enumerate(targets)}
    parts = [f'<svg id="flows-graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="allowed flows">']
    labels = []
    for position, flow in enumerate(flows):
        y1 = y_of_source[str(flow.get("from", ""))]
        y2 = y_of_target[str(flow.get("to", ""))]
        x1, x2 = left_x + box_w, right_x
        label = f"{flow.get('port', 'any')}/{flow.get('protocol', 'TCP')}"
        # labels alternate between the source and the target side so that crossing lines keep them apart
        share = 0.25 if position % 2 == 0 else 0.72
        label_x, label_y = x1 + (x2 - x1) * share, y1 + (y2 - y1) * share - 4
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#4b6cb7" stroke-width="1.5"/>')
        labels.append(
            f'<text x="{label_x:.0f}" y="{label_y:.0f}" text-anchor="middle" fill="#33415c" stroke="#ffffff" stroke-width="3" '
            f'paint-order="stroke">{_e(label)}</text>'
        )
        angle = math.atan2(y2 - y1, x2 - x1)
        ax1 = x2 - 9 * math.cos(angle - 0.4)
        ay1 = y2 - 9 * math.sin(angle - 0.4)
        ax2 = x2 - 9 * math.cos(angle + 0.4)
        ay2 = y2 - 9 * math.sin(angle + 0.4)
        parts.append(f'<polygon points="{x2},{y2} {ax1:.1f},{ay1:.1f} {ax2:.1f},{ay2:.1f}" fill="#4b6cb7"/>')
    parts.extend(labels)
    for name, y in y_of_source.items():
        parts.append(f'<rect x="{left_x}" y="{y - 12}" width="{box_w}" height="24" rx="5" fill="#e8eefc" stroke="#4b6cb7"/>')
        parts.append(f'<text x="{left_x + 8}" y="{y + 4}" fill="#1d2430">{_e(name)}</text>')
    for name, y in y_of_target.items():
        parts.append(f'<rect x="{right_x}" y="{y - 12}" width="{box_w}" height="24" rx="5" fill="#e9f7ee" stroke="#2f855a"/>')
        parts.append(f'<text x="{right_x + 8}" y="{y + 4}" fill="#1d2430">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_html(result: Mapping[str, Any], flows: Optional[Sequence[Mapping[str, Any]]] = None, title: str = "Kubernetes checklist audit") -> str:
    summary = result.get("summary") or {}
    grouped = _findings_by_check(result)
    statuses = summary.get("checks") or {}
    namespaces = ", ".join(summary.get("namespaces") or []) or "none"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head><body>",
        f'<header><h1>{_e(title)}</h1><div>linkops.k8s_platform checklist audit - namespaces: {_e(namespaces)}</div></header>',
        "<main>",
        '<section id="summary" class="cards">',
        f'<div class="card"><div>Score</div><div class="score" id="score">{_e(summary.get("score", ""))}</div><div>/ 100</div></div>',
        f'<div class="card"><div>Findings</div><div class="n">{_e(summary.get("total", 0))}</div></div>',
        f'<div class="card"><div>Exempted</div><div class="n">{_e(summary.get("exempted", 0))}</div></div>',
        f'<div class="card"><div>Objects checked</div><div class="n">{_e(summary.get("objects_checked", 0))}</div></div>',
    ]
    for status in ("pass", "fail", "not_applicable", "error"):
        out.append(f'<div class="card"><div><span class="badge st-{status}">{_e(status)}</span></div><div class="n">{_e(statuses.get(status, 0))}</div></div>')
    for severity, count in (summary.get("by_severity") or {}).items():
        out.append(f'<div class="card"><div class="sev-{_e(severity)}">{_e(severity)}</div><div class="n">{_e(count)}</div></div>')
    out.append("</section>")
    for key, section_title, rows in _rows_by_section(result):
        out.append(f'<section class="sec" id="section-{_e(key)}"><h2>{_e(section_title)}</h2>')
        out.append("<table><thead><tr><th>ID</th><th>Check</th><th>Severity</th><th>Status</th><th>Objects and details</th></tr></thead><tbody>")
        for row in rows:
            details = ""
            if row["status"] == "fail":
                items = "".join(
                    f"<li><code>{_e(resource_text(f['resource']))}</code> {_e(f['message'])}</li>" for f in grouped.get(row["id"], [])
                )
                details = f'<ul class="objs">{items}</ul><div class="rem">Fix: {_e(row["remediation"])}</div>'
            elif row.get("reason"):
                details = f'<span class="reason">{_e(row["reason"])}</span>'
            if row.get("exempted"):
                details += f'<div class="reason">{_e(row["exempted"])} exempted</div>'
            out.append(
                f'<tr class="check" id="check-{_e(row["id"])}" data-status="{_e(row["status"])}">'
                f'<td><b>{_e(row["id"])}</b></td><td>{_e(row["title"])}</td>'
                f'<td class="sev-{_e(row["severity"])}">{_e(row["severity"])}</td>'
                f'<td><span class="badge st-{_e(row["status"])}">{_e(row["status"])}</span></td><td>{details}</td></tr>'
            )
        out.append("</tbody></table></section>")
    out.append('<section class="sec" id="section-flows"><h2>Allowed flows</h2>')
    if flows:
        out.append(_flows_svg(flows))
        out.append("<table><thead><tr><th>From</th><th>To</th><th>Port</th><th>Protocol</th></tr></thead><tbody>")
        for flow in flows:
            out.append(
                f'<tr class="flow"><td>{_e(flow.get("from", ""))}</td><td>{_e(flow.get("to", ""))}</td>'
                f'<td>{_e(flow.get("port", ""))}</td><td>{_e(flow.get("protocol", ""))}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append('<p class="reason">No flow data was given (the module\'s <code>flows</code> option, e.g. from netpol_reachability).</p>')
    out.append("</section>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


WRITERS = {"json": to_json, "markdown": to_markdown, "junit": to_junit, "sarif": to_sarif, "html": to_html}


def render(result: Mapping[str, Any], fmt: str, flows: Optional[Sequence[Mapping[str, Any]]] = None) -> str:
    if fmt not in WRITERS:
        raise ValueError(f"report.format: {fmt!r} is not one of {', '.join(FORMATS)}")
    return WRITERS[fmt](result, flows)


def write_report(path: str, text: str) -> None:
    """Write atomically (temp file in the same folder, then rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temp_path = tempfile.mkstemp(prefix=".audit-report-", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise
