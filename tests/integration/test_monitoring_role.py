# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring role on the real control plane, without Helm: the project's PrometheusRule,
ServiceMonitors/PodMonitors and dashboard ConfigMaps, promtool before apply, CNI detection.

The cluster has no Prometheus: the monitoring.coreos.com CRDs are prometheus-operator's own, at the
version pinned in tools/local-cluster/versions.env (tools/local-cluster/crds.sh), applied and left
in place (other tests share them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

@pytest.fixture
def namespaces(monitoring_namespaces):
    return monitoring_namespaces


def role_vars(cluster, ns: dict, **extra) -> dict:
    apps_ns = ns["apps"]
    return {
        "k8s_platform_namespaces": [{"name": apps_ns, "pod_security": "restricted"}],
        "k8s_platform_apps": [
            {"name": "mlops-platform", "namespace": apps_ns, "port": 8000, "metrics": {"port": 8000, "path": "/metrics"}},
            {"name": "whis-enhance", "namespace": apps_ns, "port": 8003, "metrics": {"port": 9100, "path": "/prom"}},
            {"name": "frontend", "namespace": apps_ns, "port": 3000},
        ],
        "monitoring_namespace": ns["monitoring"],
        "monitoring_install_stack": False,
        "monitoring_promtool_binary": str(Path(cluster.bin_dir) / "promtool"),
        **extra,
    }


def flat(text: str) -> str:
    return " ".join(text.split())


def test_converge_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, namespaces):
    playbook = role_playbook("monitoring")
    mon, apps = namespaces["monitoring"], namespaces["apps"]
    check_first = run_playbook(playbook, role_vars(cluster, namespaces), check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] == 1
    assert not cluster.exists("-n", mon, "prometheusrule", "linkops-platform-alerts"), "check mode must not create anything"

    first = run_playbook(playbook, role_vars(cluster, namespaces))
    assert first.returncode == 0, first.output
    assert first.recap()["changed"] == 1
    out = flat(first.output)
    assert "NetworkPolicy violation monitoring is OFF: no CNI that exposes dropped-flow metrics was found" in out
    assert "2 app(s) scraped through a ServiceMonitor each: mlops-platform, whis-enhance." in out

    rule = cluster.get_json("-n", mon, "prometheusrule", "linkops-platform-alerts")
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {"AppDown", "AppHighErrorRatio", "AppHighLatency", "PodCrashLooping", "DeploymentReplicasUnavailable",
            "PersistentVolumeClaimAlmostFull", "CertificateExpiringSoon", "IngressControllerHighErrorRatio"} <= set(alerts)
    assert "NetworkPolicyDrops" not in alerts
    assert alerts["AppDown"]["labels"]["severity"] == "critical"
    assert "traefik_service_requests_total" in alerts["IngressControllerHighErrorRatio"]["expr"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"

    monitors = {m["metadata"]["name"]: m for m in cluster.get_json("-n", apps, "servicemonitors")["items"]}
    assert set(monitors) == {"mlops-platform", "whis-enhance"}, "one per app that declares metrics"
    enhance = monitors["whis-enhance"]["spec"]
    assert enhance["selector"]["matchLabels"] == {"app.kubernetes.io/name": "whis-enhance", "app.kubernetes.io/managed-by": "linkops.k8s_platform"}
    assert enhance["endpoints"][0]["port"] == "metrics" and enhance["endpoints"][0]["path"] == "/prom"
    assert monitors["mlops-platform"]["spec"]["endpoints"][0]["port"] == "http", "the metrics port is the app's http port"
    assert enhance["endpoints"][0]["relabelings"][0] == {"action": "replace", "targetLabel": "linkops_app", "replacement": "whis-enhance"}

    dashboards = cluster.get_json("-n", mon, "configmaps", "-l", "grafana_dashboard=1")["items"]
    by_name = {d["metadata"]["name"]: d for d in dashboards}
    assert set(by_name) == {f"linkops-dashboard-{n}" for n in ("app-requests", "ingress", "platform-overview", "storage")}
    overview = json.loads(by_name["linkops-dashboard-platform-overview"]["data"]["platform-overview.json"])
    assert overview["uid"] == "linkops-platform-overview"
    assert "NetworkPolicy drops by namespace" in {p["title"] for p in overview["panels"]}

    second = run_playbook(playbook, role_vars(cluster, namespaces))
    assert second.returncode == 0 and second.recap()["changed"] == 0, second.output
    check_again = run_playbook(playbook, role_vars(cluster, namespaces), check=True)
    assert check_again.returncode == 0 and check_again.recap()["changed"] == 0, check_again.output

    # A changed threshold shows in --check --diff and is not applied.
    alerts_vars = dict(role_vars(cluster, namespaces))
    alerts_vars["monitoring_alerts"] = {"http_requests_metric": "http_requests_total", "http_status_label": "status",
                                        "http_duration_metric": "http_request_duration_seconds", "error_ratio": 0.2,
                                        "latency_quantile": 0.95, "latency_seconds": 1, "crashloop_restarts": 3, "pvc_used_ratio": 0.85,
                                        "certificate_expiry_days": 14, "ingress_error_ratio": 0.05, "netpol_drops_per_second": 1}
    diff = run_playbook(playbook, alerts_vars, check=True)
    assert diff.returncode == 0 and diff.recap()["changed"] == 1, diff.output
    assert "> 0.2" in diff.output
    assert "> 0.05" in json.dumps(cluster.get_json("-n", mon, "prometheusrule", "linkops-platform-alerts")["spec"])

    absent = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_state="absent"))
    assert absent.returncode == 0, absent.output
    assert not cluster.exists("-n", mon, "prometheusrule", "linkops-platform-alerts")
    assert cluster.get_json("-n", apps, "servicemonitors")["items"] == []
    assert cluster.get_json("-n", mon, "configmaps", "-l", "grafana_dashboard=1")["items"] == []


def test_a_rule_that_does_not_parse_fails_before_anything_is_applied(cluster, run_playbook, role_playbook, namespaces):
    playbook = role_playbook("monitoring")
    bad = [{"name": "team-rules", "rules": [{"alert": "Broken", "expr": "sum(rate(http_requests_total[5m]) >", "labels": {"severity": "warning"}}]}]
    result = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_extra_rule_groups=bad))
    assert result.returncode != 0
    out = flat(result.output)
    assert "The alerting rules do not parse (promtool check rules); nothing was applied" in out, result.output
    assert "parse error" in out
    assert not cluster.exists("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")
    assert cluster.get_json("-n", namespaces["apps"], "servicemonitors")["items"] == []


def test_extra_rule_groups_are_checked_and_applied(cluster, run_playbook, role_playbook, namespaces):
    playbook = role_playbook("monitoring")
    extra = [{"name": "team-rules", "rules": [{"alert": "QueueBacklog", "expr": "sum(queue_depth) > 100", "for": "10m",
                                                "labels": {"severity": "warning"}, "annotations": {"summary": "Queue backlog"}}]}]
    result = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_extra_rule_groups=extra, monitoring_monitor_kind="PodMonitor"))
    assert result.returncode == 0, result.output
    groups = cluster.get_json("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")["spec"]["groups"]
    assert groups[-1]["name"] == "team-rules" and groups[-1]["rules"][0]["alert"] == "QueueBacklog"
    pod_monitors = {m["metadata"]["name"]: m["spec"] for m in cluster.get_json("-n", namespaces["apps"], "podmonitors")["items"]}
    assert set(pod_monitors) == {"mlops-platform", "whis-enhance"}
    assert pod_monitors["whis-enhance"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "whis-enhance"}
    assert pod_monitors["whis-enhance"]["podMetricsEndpoints"][0]["path"] == "/prom"


def test_missing_promtool_is_said_plainly_and_the_check_can_be_skipped_loudly(cluster, run_playbook, role_playbook, namespaces):
    playbook = role_playbook("monitoring")
    missing = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_promtool_binary="/nonexistent/promtool"))
    assert missing.returncode != 0
    out = flat(missing.output)
    assert "promtool was not found or could not run (monitoring_promtool_binary is '/nonexistent/promtool'" in out, missing.output
    assert "bash tools/local-cluster/build.sh promtool" in out
    assert not cluster.exists("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")

    skipped = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_promtool_binary="/nonexistent/promtool", monitoring_promtool_check=False))
    assert skipped.returncode == 0, skipped.output
    assert "WARNING: monitoring_promtool_check is false: the alerting rules are NOT checked" in flat(skipped.output)
    assert cluster.exists("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")


def test_cilium_is_detected_and_its_drops_are_monitored(cluster, run_playbook, role_playbook, namespaces, unique_name):
    playbook = role_playbook("monitoring")
    cni_ns = f"{unique_name}-cni"
    daemonset = {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "cilium", "namespace": cni_ns, "labels": {"k8s-app": "cilium"}},
        "spec": {"selector": {"matchLabels": {"k8s-app": "cilium"}}, "template": {"metadata": {"labels": {"k8s-app": "cilium"}},
                 "spec": {"containers": [{"name": "cilium-agent", "image": "quay.io/cilium/cilium:v1.18.0"}]}}},
    }
    cluster.kubectl("create", "namespace", cni_ns)
    try:
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(daemonset))
        # The stand-in lives in its own namespace, so parallel tests (looking in kube-system) do not see it.
        cni = {"monitoring_cni_namespaces": ["kube-system", cni_ns]}
        result = run_playbook(playbook, role_vars(cluster, namespaces, **cni))
        assert result.returncode == 0, result.output
        assert f"NetworkPolicy violation monitoring is ON for cilium (namespace {cni_ns})" in flat(result.output)
        monitor = cluster.get_json("-n", cni_ns, "servicemonitor", "linkops-hubble-drops")["spec"]
        assert monitor["selector"]["matchLabels"] == {"k8s-app": "hubble"} and monitor["endpoints"][0]["port"] == "hubble-metrics"
        groups = cluster.get_json("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")["spec"]["groups"]
        drops = [r for g in groups for r in g["rules"] if r.get("alert") == "NetworkPolicyDrops"]
        assert len(drops) == 1 and 'hubble_drop_total{reason="POLICY_DENIED"}' in drops[0]["expr"]
        absent = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_state="absent", **cni))
        assert absent.returncode == 0, absent.output
        assert not cluster.exists("-n", cni_ns, "servicemonitor", "linkops-hubble-drops")
    finally:
        cluster.kubectl("delete", "namespace", cni_ns, "--wait=false", "--ignore-not-found", check=False)


@pytest.mark.parametrize(
    ("image", "monitored"),
    [("quay.io/tigera/cnx-node:v3.22.0", True), ("quay.io/calico/node:v3.31.0", False)],
    ids=["calico-enterprise", "calico-open-source"],
)
def test_calico_is_monitored_only_when_its_felix_counts_denied_packets(cluster, run_playbook, role_playbook, namespaces, unique_name,
                                                                         image, monitored):
    playbook = role_playbook("monitoring")
    cni_ns = f"{unique_name}-cni"
    labels = {"k8s-app": "calico-node"}
    daemonset = {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "calico-node", "namespace": cni_ns, "labels": labels},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels},
                 "spec": {"containers": [{"name": "calico-node", "image": image}]}}},
    }
    cluster.kubectl("create", "namespace", cni_ns)
    try:
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(daemonset))
        result = run_playbook(playbook, role_vars(cluster, namespaces, monitoring_cni_namespaces=["kube-system", cni_ns]))
        assert result.returncode == 0, result.output
        groups = cluster.get_json("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")["spec"]["groups"]
        drops = [r for g in groups for r in g["rules"] if r.get("alert") == "NetworkPolicyDrops"]
        if monitored:
            assert f"NetworkPolicy violation monitoring is ON for calico (namespace {cni_ns})" in flat(result.output)
            assert cluster.exists("-n", cni_ns, "servicemonitor", "linkops-calico-denied-packets")
            assert len(drops) == 1 and "calico_denied_packets" in drops[0]["expr"]
        else:
            assert "calico-node runs Calico Open Source (no cnx-node image)" in flat(result.output)
            assert not cluster.exists("-n", cni_ns, "servicemonitor", "linkops-calico-denied-packets")
            assert drops == []
    finally:
        cluster.kubectl("delete", "namespace", cni_ns, "--wait=false", "--ignore-not-found", check=False)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"monitoring_scrape_mode": "magic"}, "monitoring_scrape_mode must be one of: operator, annotations, got: magic"),
        ({"monitoring_monitor_kind": "Probe"}, "monitoring_monitor_kind must be one of: ServiceMonitor, PodMonitor, got: Probe"),
        ({"monitoring_scrape_interval": "often"}, "monitoring_scrape_interval: often is not a Prometheus duration"),
        ({"monitoring_install_stack": True}, "monitoring_grafana_admin_password: required when monitoring_install_stack is true"),
        ({"monitoring_netpol_metrics": "weave"}, "monitoring_netpol_metrics must be one of: auto, cilium, calico, none, got: weave"),
        ({"monitoring_extra_rule_groups": [{"rules": []}]}, "monitoring_extra_rule_groups[0]: needs name and rules"),
        ({"k8s_platform_apps": [{"name": "Bad_App", "port": 80}]}, "monitoring_apps[0].name"),
    ],
)
def test_bad_input_is_reported_before_anything_is_applied(cluster, run_playbook, role_playbook, namespaces, extra, expected):
    playbook = role_playbook("monitoring")
    result = run_playbook(playbook, role_vars(cluster, namespaces, **extra))
    assert result.returncode != 0
    assert expected in flat(result.output), result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("-n", namespaces["monitoring"], "prometheusrule", "linkops-platform-alerts")


def test_grafana_password_never_reaches_the_output(cluster, run_playbook, tmp_path, namespaces):
    """The releases' values (rendered without installing) carry the Secret's name, never the password."""
    dump = tmp_path / "releases.json"
    play = tmp_path / "values.yml"
    play.write_text(f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: Build the releases only
      ansible.builtin.include_role:
        name: linkops.k8s_platform.monitoring
        tasks_from: releases.yml
      vars:
        _monitoring_extra_datasources: []
    - name: Dump them
      ansible.builtin.copy:
        content: "{{{{ _monitoring_releases | to_json }}}}"
        dest: {dump}
        mode: "0600"
""")
    secret = "s3cret-Grafana-Pass"
    result = run_playbook(play, role_vars(cluster, namespaces, monitoring_install_stack=True, monitoring_grafana_admin_password=secret,
                                          monitoring_grafana_cluster_issuer="letsencrypt", monitoring_prometheus_storage_class="fast-ssd",
                                          monitoring_logging_enabled=True, monitoring_tracing_enabled=True))
    assert result.returncode == 0, result.output
    releases = {r["name"]: r for r in json.loads(dump.read_text())}
    assert set(releases) == {"kube-prometheus-stack", "loki", "fluent-bit", "tempo", "opentelemetry-collector"}
    stack = releases["kube-prometheus-stack"]
    assert stack["version"] == "79.7.1" and stack["repo"] == "https://prometheus-community.github.io/helm-charts"
    values = stack["values"]
    assert values["grafana"]["admin"] == {"existingSecret": "grafana-admin", "userKey": "admin-user", "passwordKey": "admin-password"}
    assert values["grafana"]["ingress"]["tls"] == [{"secretName": "grafana-tls", "hosts": ["grafana.example.com"]}]
    assert values["grafana"]["ingress"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert values["grafana"]["sidecar"]["dashboards"]["label"] == "grafana_dashboard"
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "15d" and spec["retentionSize"] == "45GB"
    assert spec["storageSpec"]["volumeClaimTemplate"]["spec"]["storageClassName"] == "fast-ssd"
    assert spec["resources"]["requests"] == {"cpu": "500m", "memory": "2Gi"}
    assert {d["uid"] for d in values["grafana"]["additionalDataSources"]} == set()  # set by preflight, empty here
    assert "[OUTPUT]" in releases["fluent-bit"]["values"]["config"]["outputs"] and "Name loki" in releases["fluent-bit"]["values"]["config"]["outputs"]
    assert releases["opentelemetry-collector"]["values"]["config"]["exporters"]["otlp"]["endpoint"] == f"tempo.{namespaces['monitoring']}.svc:4317"
    assert secret not in dump.read_text() and secret not in result.output
