# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every dashboard the project ships parses, has its required panels, uses the Prometheus
datasource variable, and every PromQL expression in it parses with promtool."""

from __future__ import annotations

import re

import pytest

from monitoring_role_helpers import DASHBOARDS, load_dashboard, promtool_check

REQUIRED_PANELS = {
    "platform-overview": {"Apps up", "Apps down", "Firing alerts", "Pod restarts (1h)", "Unavailable replicas",
                          "CPU by namespace", "Memory by namespace", "NetworkPolicy drops by namespace"},
    "app-requests": {"Request rate", "Error ratio (5xx)", "Request duration p50 / p95 / p99"},
    "ingress": {"Requests per second by service (Traefik)", "5xx ratio (Traefik)", "Requests per second by ingress (ingress-nginx)",
                "5xx ratio (ingress-nginx)", "Certificates expiring (days)"},
    "storage": {"Volume usage", "Free space", "Inodes used", "Claims not bound"},
}
# Grafana's variables, replaced by values PromQL accepts so the expressions can be parsed.
GRAFANA_VARIABLES = {r"\$__rate_interval": "5m", r"\$__interval": "1m", r"\$__range": "1h", r"\$namespace": ".*", r"\$app": ".*"}


def test_the_expected_dashboards_are_shipped():
    assert {p.stem for p in DASHBOARDS} == set(REQUIRED_PANELS)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_has_required_panels_and_datasource(path):
    dashboard = load_dashboard(path)
    assert dashboard["uid"] == f"linkops-{path.stem}"
    assert dashboard["title"].startswith("LinkOps / ")
    titles = {panel["title"] for panel in dashboard["panels"]}
    assert REQUIRED_PANELS[path.stem] <= titles, REQUIRED_PANELS[path.stem] - titles
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert variables["datasource"]["current"]["value"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
            assert target["expr"].strip()
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"} and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


def test_every_panel_expression_parses_with_promtool():
    rules = []
    for path in DASHBOARDS:
        for panel in load_dashboard(path)["panels"]:
            for target in panel["targets"]:
                expr = target["expr"]
                for pattern, value in GRAFANA_VARIABLES.items():
                    expr = re.sub(pattern + r"\b", value, expr)
                assert "$" not in expr, f"{path.stem}/{panel['title']}: unknown Grafana variable in {expr}"
                rules.append({"record": f"linkops:dashboard_check:{len(rules)}", "expr": expr})
    assert len(rules) >= 25
    result = promtool_check([{"name": "dashboards", "rules": rules}])
    assert result.ok, result.stdout + result.stderr


def test_a_broken_panel_expression_is_caught():
    result = promtool_check([{"name": "dashboards", "rules": [{"record": "linkops:x", "expr": "sum by (namespace (up)"}]}])
    assert result.ran and result.rc != 0
