# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every alerting rule the project ships parses with Prometheus' own parser (promtool) and carries
severity, summary and runbook text."""

from __future__ import annotations

import itertools

import pytest

from monitoring_role_helpers import promtool_check, render_rules

REQUIRED_ALERTS = {
    "AppDown", "AppHighErrorRatio", "AppHighLatency", "PodCrashLooping", "DeploymentReplicasUnavailable",
    "PersistentVolumeClaimAlmostFull", "CertificateExpiringSoon", "IngressControllerHighErrorRatio",
}


def _rules(groups):
    return [rule for group in groups for rule in group["rules"]]


@pytest.mark.parametrize(("cni", "ingress"), list(itertools.product(["none", "cilium", "calico"], ["traefik", "nginx"])))
def test_every_variant_parses_with_promtool(cni, ingress):
    groups = render_rules(cni, ingress)["groups"]
    result = promtool_check(groups)
    assert result.ok, result.stdout + result.stderr
    assert f"SUCCESS: {len(_rules(groups))} rules found" in result.stdout


def test_the_required_alerts_are_there():
    names = {rule["alert"] for rule in _rules(render_rules()["groups"])}
    assert REQUIRED_ALERTS <= names, REQUIRED_ALERTS - names
    assert "NetworkPolicyDrops" not in names, "no drop alert without a CNI that exposes drop metrics"


@pytest.mark.parametrize(("cni", "metric"), [("cilium", 'hubble_drop_total{reason="POLICY_DENIED"}'), ("calico", "calico_denied_packets")])
def test_network_policy_drop_alert_per_cni(cni, metric):
    rule = next(r for r in _rules(render_rules(cni)["groups"]) if r.get("alert") == "NetworkPolicyDrops")
    assert metric in rule["expr"]
    assert rule["labels"]["severity"] == "warning"


@pytest.mark.parametrize("cni", ["none", "cilium", "calico"])
def test_every_rule_has_severity_summary_and_runbook(cni):
    for rule in _rules(render_rules(cni)["groups"]):
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"].strip(), rule["alert"]
        assert len(annotations["runbook"].split()) >= 12, f"{rule['alert']}: the runbook text says what to do"
        assert annotations["runbook_url"].endswith("#" + rule["alert"].lower())
        assert rule["for"]


def test_thresholds_come_from_the_variables():
    from monitoring_role_helpers import defaults
    alerts = dict(defaults()["monitoring_alerts"], error_ratio=0.2, latency_seconds=3, http_requests_metric="myapp_requests_total", http_status_label="code")
    rules = {r["alert"]: r for r in _rules(render_rules(alerts=alerts)["groups"])}
    assert "> 0.2" in rules["AppHighErrorRatio"]["expr"]
    assert 'myapp_requests_total{linkops_app!="", code=~"5.."}' in rules["AppHighErrorRatio"]["expr"]
    assert "> 3" in rules["AppHighLatency"]["expr"]
    assert "nginx_ingress_controller_requests" in next(
        r for r in _rules(render_rules(ingress="nginx")["groups"]) if r["alert"] == "IngressControllerHighErrorRatio")["expr"]


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ({"alert": "Broken", "expr": "sum(rate(http_requests_total[5m]) > ", "labels": {"severity": "warning"}}, "parse error"),
        ({"alert": "Broken", "expr": "up == 0", "for": "5 minutes"}, "unknown unit"),
        ({"alert": "Broken", "expr": "up == 0", "annotations": {"summary": "{{ $labels.x "}}, "template"),
        ({"record": "linkops:x", "alert": "Broken", "expr": "up"}, "only one of 'record' and 'alert' must be set"),
    ],
)
def test_promtool_really_rejects_broken_rules(broken, expected):
    """The check is real: a rule Prometheus cannot load fails it, with promtool's reason."""
    result = promtool_check([{"name": "broken", "rules": [broken]}])
    assert result.ran and result.rc != 0
    assert expected in (result.stdout + result.stderr).lower()
