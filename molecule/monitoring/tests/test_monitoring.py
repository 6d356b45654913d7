# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the monitoring role installed and applied: the Helm releases (the official
kube-prometheus-stack chart; `helm create` charts under the names of the others, which have no
official archive here), the values they got (`helm get values`), the stack's own objects, the
Grafana admin Secret, the alert rule, the ServiceMonitors and the dashboards. The stack's images
are not built here: its pods are not expected to run (issue: monitoring proven for real)."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

NAMESPACE, APPS = "molecule-monitoring", "molecule-monitoring-apps"
RELEASES = ["kube-prometheus-stack", "loki", "fluent-bit", "tempo", "opentelemetry-collector"]


@pytest.fixture(scope="module")
def releases(host, kube):
    listed = host.check_output("helm --kubeconfig %s list --all -n %s -o json", kube.kubeconfig, NAMESPACE)
    return {release["name"]: release for release in json.loads(listed)}


@pytest.fixture(scope="module")
def values(host, kube):
    """The values each release was installed with, as Helm recorded them."""
    return {name: json.loads(host.check_output("helm --kubeconfig %s get values %s -n %s -o json", kube.kubeconfig, name, NAMESPACE))
            for name in RELEASES}


@pytest.mark.parametrize("name", RELEASES)
def test_the_release_is_deployed_once_from_the_local_chart(releases, name):
    assert name in releases, f"{name} is not installed"
    release = releases[name]
    chart = "kube-prometheus-stack-79.7.1" if name == "kube-prometheus-stack" else f"{name}-0.1.0"
    assert (release["status"], str(release["revision"]), release["chart"]) == ("deployed", "1", chart), release


def test_the_disabled_releases_are_not_installed(releases):
    assert not {"alloy", "jaeger"} & set(releases)


def test_the_values_reach_the_charts_and_point_at_each_other(values, spec):
    stack = values["kube-prometheus-stack"]
    prometheus = stack["prometheus"]["prometheusSpec"]
    assert prometheus["retention"] == "7d"
    assert prometheus["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "5Gi"
    grafana = stack["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    assert grafana["ingress"]["tls"] == [{"secretName": "grafana-tls", "hosts": ["grafana.molecule.example.test"]}]
    assert grafana["ingress"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-staging"
    assert [source["uid"] for source in grafana["additionalDataSources"]] == ["loki", "tempo"]
    if spec["monitoring_grafana_admin_password"] in json.dumps(values):
        pytest.fail("the Grafana admin password reached a chart's values")
    assert f"Host loki-gateway.{NAMESPACE}.svc" in values["fluent-bit"]["config"]["outputs"]
    assert values["opentelemetry-collector"]["config"]["exporters"]["otlp"]["endpoint"] == f"tempo.{NAMESPACE}.svc:4317"
    assert values["loki"]["deploymentMode"] == "SingleBinary"


def test_the_grafana_admin_secret_holds_the_password(kube, spec):
    secret = kube.get("secret", "grafana-admin", NAMESPACE)
    assert secret, "no Secret grafana-admin"
    # Not compared in an assert: pytest would print both sides.
    if base64.b64decode(secret["data"]["admin-password"]).decode() != spec["monitoring_grafana_admin_password"]:
        pytest.fail("the Secret grafana-admin does not hold monitoring_grafana_admin_password")


def test_the_rule_monitors_and_dashboards_are_there(kube):
    rule = kube.get("prometheusrule", "linkops-platform-alerts", NAMESPACE)
    assert rule and "AppDown" in [r.get("alert") for group in rule["spec"]["groups"] for r in group["rules"]]
    assert [monitor["metadata"]["name"] for monitor in kube.items("servicemonitors.monitoring.coreos.com", APPS)] == ["mlops-platform"]
    # The official stack ships dashboards of its own with the same label: only ours are compared.
    dashboards = sorted(cm["metadata"]["name"] for cm in kube.items("configmaps", NAMESPACE, "grafana_dashboard=1")
                        if cm["metadata"]["name"].startswith("linkops-dashboard-"))
    assert dashboards == ["linkops-dashboard-app-requests", "linkops-dashboard-ingress",
                          "linkops-dashboard-platform-overview", "linkops-dashboard-storage"]


def test_the_official_stack_made_its_objects_from_the_values(kube):
    """The chart turned the role's values into the operator's custom resources."""
    prometheus = kube.items("prometheuses.monitoring.coreos.com", NAMESPACE)
    assert len(prometheus) == 1 and prometheus[0]["spec"]["retention"] == "7d", prometheus
    assert prometheus[0]["spec"]["storage"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert len(kube.items("alertmanagers.monitoring.coreos.com", NAMESPACE)) == 1
    assert kube.get("deployment", "kube-prometheus-stack-operator", NAMESPACE), "no prometheus-operator Deployment"
    # The admission webhook is off (nothing would answer it here).
    assert not [w for w in kube.items("validatingwebhookconfigurations", None) if "kube-prometheus-stack" in w["metadata"]["name"]]
