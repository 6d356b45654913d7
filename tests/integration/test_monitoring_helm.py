# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring role's Helm releases, installed for real on the shared control plane.

kube-prometheus-stack is the OFFICIAL chart at the version the role pins (tests/charts.py:
LINKOPS_CHART_MIRROR, else helm pull), served by a loopback chart repository
(tests/integration/chart_repo.py) and, packaged again as STACK_UPGRADE, as the upgrade target; the
tests assert the objects it renders (the Prometheus and Alertmanager resources, Grafana's Ingress
and Deployment). Its prometheus-operator admission webhook is switched off in the test values
(monitoring_values_override: prometheusOperator.admissionWebhooks.enabled false): on kwok's fake
nodes nothing answers it, and the API server would send the role's PrometheusRule to it.

Loki, Fluent Bit, Alloy, Tempo, Jaeger and the OpenTelemetry Collector have no official archive on
this machine (the air-gapped mirror lacks them). For those only, the chart is Helm's own
`helm create` scaffold generated at test time, named like the upstream chart and packaged at the
pinned version (charts.scaffold_chart): it shows that the role installs, upgrades and uninstalls
the release from the right repository and version, and what the role passed is asserted with
`helm get values <release> -o json`. It does not show that the upstream chart accepts those values
(tests/unit/chart_values checks that when the archives are available).
The role runs its own code path (kubernetes.core.helm with `wait`); nothing is mocked.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chart_repo import ChartRepo, helm_binary, start_chart_repo  # pylint: disable=import-error
from charts import official_archive, scaffold_chart  # pylint: disable=import-error

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((REPO_ROOT / "roles" / "monitoring" / "defaults" / "main.yml").read_text())

# Chart name -> the version the role pins.
PINNED = {
    "kube-prometheus-stack": str(DEFAULTS["monitoring_stack_chart_version"]),
    "loki": str(DEFAULTS["monitoring_loki_chart_version"]),
    "fluent-bit": str(DEFAULTS["monitoring_fluent_bit_chart_version"]),
    "alloy": str(DEFAULTS["monitoring_alloy_chart_version"]),
    "tempo": str(DEFAULTS["monitoring_tempo_chart_version"]),
    "jaeger": str(DEFAULTS["monitoring_jaeger_chart_version"]),
    "opentelemetry-collector": str(DEFAULTS["monitoring_otel_collector_chart_version"]),
}
STACK_UPGRADE = "80.0.0"
# The charts of which no official archive exists here: helm create scaffolds (see the module docstring).
SCAFFOLDED = ("loki", "fluent-bit", "alloy", "tempo", "jaeger", "opentelemetry-collector")
# No admission webhook on fake nodes: nothing would answer the API server's calls for PrometheusRules.
NO_WEBHOOK = {"kube-prometheus-stack": {"prometheusOperator": {"admissionWebhooks": {"enabled": False}}}}
FAMILY_REPO_VARS = ("monitoring_stack_chart_repo_url", "monitoring_grafana_chart_repo_url", "monitoring_fluent_chart_repo_url",
                    "monitoring_otel_chart_repo_url", "monitoring_jaeger_chart_repo_url")
PASSWORD = "Gr4fana-Admin-Pw-7731"

PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles:
    - role: linkops.k8s_platform.monitoring
"""


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    path = tmp_path / "monitoring.yml"
    path.write_text(PLAYBOOK)
    return path


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    """Chart name -> archive at the pinned version: the official kube-prometheus-stack, scaffolds for the
    others. Not next to the playbook: helm takes a chart name that is also a path in the working directory as that path."""
    root = tmp_path_factory.mktemp("charts")
    return {"kube-prometheus-stack": official_archive("kube-prometheus-stack"),
            **{name: scaffold_chart(name, PINNED[name], root) for name in SCAFFOLDED}}


@pytest.fixture(scope="module")
def repo(archives) -> Iterator[ChartRepo]:
    """Every chart at its pinned version; the official stack also packaged again as STACK_UPGRADE."""
    served = start_chart_repo([*archives.values(), (archives["kube-prometheus-stack"], [STACK_UPGRADE])])
    yield served
    served.stop()


@pytest.fixture
def namespaces(monitoring_namespaces):
    return monitoring_namespaces


def helm(cluster, *args: str, check: bool = True) -> str:
    proc = subprocess.run([helm_binary(), *args], env=cluster.env(), capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def releases(cluster, namespace: str) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(helm(cluster, "list", "-n", namespace, "-o", "json") or "[]")}


def chart_values(cluster, namespace: str, release: str) -> dict:
    """What the role gave the release (`helm get values`), with the release's chart name and version."""
    chart = releases(cluster, namespace)[release]["chart"]
    name, version = chart.rsplit("-", 1)
    return {"chart": name, "version": version, "values": json.loads(helm(cluster, "get", "values", release, "-n", namespace, "-o", "json"))}


def role_vars(cluster, ns: dict, repo_url: str, **extra) -> dict:
    return {
        "k8s_platform_namespaces": [{"name": ns["apps"], "pod_security": "restricted"}],
        "k8s_platform_apps": [{"name": "mlops-platform", "namespace": ns["apps"], "port": 8000, "metrics": {"port": 8000, "path": "/metrics"}}],
        "monitoring_namespace": ns["monitoring"],
        "monitoring_promtool_binary": str(Path(cluster.bin_dir) / "promtool"),
        "monitoring_helm_binary": helm_binary(),
        "monitoring_helm_wait_timeout": "3m0s",
        "monitoring_values_override": NO_WEBHOOK,
        **{var: repo_url for var in FAMILY_REPO_VARS},
        **extra,
    }


def stack_vars(cluster, ns: dict, repo_url: str, **extra) -> dict:
    return role_vars(
        cluster, ns, repo_url,
        monitoring_install_stack=True,
        monitoring_grafana_admin_password=PASSWORD,
        monitoring_grafana_host=f"grafana.{ns['monitoring']}.example.test",
        monitoring_grafana_cluster_issuer="letsencrypt-staging",
        monitoring_grafana_tls_secret="grafana-cert",
        monitoring_prometheus_retention="30d",
        monitoring_prometheus_retention_size="18GB",
        monitoring_prometheus_storage_size="20Gi",
        monitoring_prometheus_storage_class="fast-ssd",
        monitoring_prometheus_resources={"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"memory": "3Gi"}},
        monitoring_grafana_resources={"requests": {"cpu": "50m", "memory": "128Mi"}},
        **extra,
    )


def test_stack_install_values_secret_idempotence_check_mode_upgrade_and_absent(cluster, run_playbook, playbook, repo, namespaces):
    mon = namespaces["monitoring"]
    host_vars = stack_vars(cluster, namespaces, repo.url)

    check_first = run_playbook(playbook, host_vars, check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] >= 2, check_first.output  # the Secret, the release (and the objects)
    assert releases(cluster, mon) == {}, "check mode must not install anything"
    assert not cluster.exists("-n", mon, "secret", "grafana-admin")
    assert PASSWORD not in check_first.output

    first = run_playbook(playbook, host_vars, "-v")
    assert first.returncode == 0, first.output
    assert PASSWORD not in first.output, "the Grafana admin password must never reach the output"
    assert set(releases(cluster, mon)) == {"kube-prometheus-stack"}, "logging and tracing are opt-in"
    stack = releases(cluster, mon)["kube-prometheus-stack"]
    assert (stack["chart"], stack["revision"], stack["status"]) == (f"kube-prometheus-stack-{PINNED['kube-prometheus-stack']}", "1", "deployed")
    assert cluster.get_json("-n", mon, "deployment", "kube-prometheus-stack-operator")["status"].get("readyReplicas") == 1, "helm waited"
    assert not cluster.exists("validatingwebhookconfiguration", "kube-prometheus-stack-admission"), "the test values switch it off"

    got = chart_values(cluster, mon, "kube-prometheus-stack")
    assert (got["chart"], got["version"]) == ("kube-prometheus-stack", PINNED["kube-prometheus-stack"])
    values = got["values"]
    spec = values["prometheus"]["prometheusSpec"]
    assert (spec["retention"], spec["retentionSize"]) == ("30d", "18GB")
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "fast-ssd" and claim["resources"]["requests"]["storage"] == "20Gi"
    assert spec["resources"] == {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"memory": "3Gi"}}
    assert values["alertmanager"]["alertmanagerSpec"]["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"}}
    grafana = values["grafana"]
    assert grafana["admin"] == {"existingSecret": "grafana-admin", "userKey": "admin-user", "passwordKey": "admin-password"}
    assert grafana["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"}}
    ingress = grafana["ingress"]
    assert ingress["enabled"] is True and ingress["ingressClassName"] == "traefik"
    assert ingress["hosts"] == [f"grafana.{mon}.example.test"]
    assert ingress["tls"] == [{"secretName": "grafana-cert", "hosts": [f"grafana.{mon}.example.test"]}]
    assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt-staging"}
    assert grafana["additionalDataSources"] == [], "no Loki/Tempo datasource while logging and tracing are off"
    # What the official chart made of them.
    prometheus = cluster.get_json("-n", mon, "prometheus", "kube-prometheus-stack-prometheus")["spec"]
    assert (prometheus["retention"], prometheus["retentionSize"]) == ("30d", "18GB")
    assert prometheus["resources"] == {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"memory": "3Gi"}}
    pvc = prometheus["storage"]["volumeClaimTemplate"]["spec"]
    assert pvc["storageClassName"] == "fast-ssd" and pvc["resources"]["requests"]["storage"] == "20Gi"
    alertmanager = cluster.get_json("-n", mon, "alertmanager", "kube-prometheus-stack-alertmanager")["spec"]
    assert alertmanager["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"}}
    grafana_ingress = cluster.get_json("-n", mon, "ingress", "kube-prometheus-stack-grafana")
    assert grafana_ingress["spec"]["ingressClassName"] == "traefik"
    assert [r["host"] for r in grafana_ingress["spec"]["rules"]] == [f"grafana.{mon}.example.test"]
    assert grafana_ingress["spec"]["tls"] == [{"secretName": "grafana-cert", "hosts": [f"grafana.{mon}.example.test"]}]
    assert grafana_ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-staging"
    grafana_pod = cluster.get_json("-n", mon, "deployment", "kube-prometheus-stack-grafana")["spec"]["template"]["spec"]
    env = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef") for c in grafana_pod["containers"] for e in c.get("env", [])}
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == {"name": "grafana-admin", "key": "admin-password"}
    assert PASSWORD not in helm(cluster, "get", "values", "kube-prometheus-stack", "-n", mon, "--all")
    secret = cluster.get_json("-n", mon, "secret", "grafana-admin")["data"]
    assert base64.b64decode(secret["admin-password"]).decode() == PASSWORD and base64.b64decode(secret["admin-user"]).decode() == "admin"
    assert cluster.exists("-n", mon, "prometheusrule", "linkops-platform-alerts"), "the role's own objects come with the stack"

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0 and second.recap()["changed"] == 0, second.output
    assert releases(cluster, mon)["kube-prometheus-stack"]["revision"] == "1"
    check_again = run_playbook(playbook, host_vars, check=True)
    assert check_again.returncode == 0 and check_again.recap()["changed"] == 0, check_again.output

    # A new pinned version is an upgrade; the values stay.
    upgrade = run_playbook(playbook, {**host_vars, "monitoring_stack_chart_version": STACK_UPGRADE})
    assert upgrade.returncode == 0, upgrade.output
    assert upgrade.recap()["changed"] == 1, upgrade.output
    stack = releases(cluster, mon)["kube-prometheus-stack"]
    assert (stack["chart"], stack["revision"]) == (f"kube-prometheus-stack-{STACK_UPGRADE}", "2")
    got = chart_values(cluster, mon, "kube-prometheus-stack")
    assert got["version"] == STACK_UPGRADE and got["values"]["prometheus"]["prometheusSpec"]["retention"] == "30d"

    absent = run_playbook(playbook, {**host_vars, "monitoring_stack_chart_version": STACK_UPGRADE, "monitoring_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert releases(cluster, mon) == {}
    assert not cluster.exists("-n", mon, "secret", "grafana-admin")
    assert not cluster.exists("-n", mon, "deployment", "kube-prometheus-stack-operator")
    assert not cluster.exists("-n", mon, "prometheusrule", "linkops-platform-alerts")


def test_logging_and_tracing_are_installed_only_when_enabled_and_point_at_each_other(
        cluster, run_playbook, playbook, repo, namespaces, unique_name, tmp_path):
    mon = namespaces["monitoring"]
    # Loki from its own mirror (monitoring_chart_repo_urls), at a version only that mirror has.
    loki_mirror = start_chart_repo([scaffold_chart("loki", "6.55.1", tmp_path / "loki-mirror")])
    try:
        host_vars = role_vars(cluster, namespaces, repo.url, monitoring_install_stack=False,
                              monitoring_logging_enabled=True, monitoring_tracing_enabled=True,
                              monitoring_loki_retention="96h", monitoring_tempo_retention="48h",
                              monitoring_chart_repo_urls={"loki": loki_mirror.url}, monitoring_loki_chart_version="6.55.1")
        first = run_playbook(playbook, host_vars)
        assert first.returncode == 0, first.output
        installed = releases(cluster, mon)
        assert set(installed) == {"loki", "fluent-bit", "tempo", "opentelemetry-collector"}, "no stack, no alloy, no jaeger"
        assert installed["loki"]["chart"] == "loki-6.55.1", "loki came from monitoring_chart_repo_urls.loki"
        for name in ("fluent-bit", "tempo", "opentelemetry-collector"):
            assert installed[name]["chart"] == f"{name}-{PINNED[name]}" and installed[name]["status"] == "deployed"
            assert cluster.get_json("-n", mon, "deployment", name)["status"].get("readyReplicas") == 1, "helm waited"

        loki = chart_values(cluster, mon, "loki")["values"]
        assert loki["deploymentMode"] == "SingleBinary" and loki["loki"]["limits_config"]["retention_period"] == "96h"
        outputs = chart_values(cluster, mon, "fluent-bit")["values"]["config"]["outputs"]
        assert "Name loki" in outputs and f"Host loki-gateway.{mon}.svc" in outputs, "Fluent Bit ships to this Loki"
        tempo = chart_values(cluster, mon, "tempo")["values"]["tempo"]
        assert tempo["retention"] == "48h" and tempo["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"
        otel = chart_values(cluster, mon, "opentelemetry-collector")["values"]["config"]
        assert otel["exporters"]["otlp"]["endpoint"] == f"tempo.{mon}.svc:4317", "the collector exports to this Tempo"
        assert otel["service"]["pipelines"]["traces"]["exporters"] == ["otlp"]

        second = run_playbook(playbook, host_vars)
        assert second.returncode == 0 and second.recap()["changed"] == 0, second.output

        absent = run_playbook(playbook, {**host_vars, "monitoring_state": "absent"})
        assert absent.returncode == 0, absent.output
        assert releases(cluster, mon) == {}, "absent uninstalls every release"
        for name in ("loki", "fluent-bit", "tempo", "opentelemetry-collector"):
            assert not cluster.exists("-n", mon, "deployment", name)
    finally:
        loki_mirror.stop()

    # The other collector and backend, in a namespace of their own.
    other = {"monitoring": f"{unique_name}-mon2", "apps": namespaces["apps"]}
    cluster.kubectl("create", "namespace", other["monitoring"])
    try:
        alloy_vars = role_vars(cluster, other, repo.url, monitoring_install_stack=False,
                               monitoring_logging_enabled=True, monitoring_logging_collector="alloy",
                               monitoring_tracing_enabled=True, monitoring_tracing_backend="jaeger")
        result = run_playbook(playbook, alloy_vars)
        assert result.returncode == 0, result.output
        assert set(releases(cluster, other["monitoring"])) == {"loki", "alloy", "jaeger", "opentelemetry-collector"}
        alloy = chart_values(cluster, other["monitoring"], "alloy")["values"]["alloy"]["configMap"]
        assert alloy["create"] is True
        assert f'url = "http://loki-gateway.{other["monitoring"]}.svc/loki/api/v1/push"' in alloy["content"], "Alloy ships to this Loki"
        jaeger = chart_values(cluster, other["monitoring"], "jaeger")["values"]
        assert jaeger["allInOne"] == {"enabled": True} and jaeger["storage"] == {"type": "memory"}
        otel = chart_values(cluster, other["monitoring"], "opentelemetry-collector")["values"]["config"]
        assert otel["exporters"]["otlp"]["endpoint"] == f"jaeger.{other['monitoring']}.svc:4317", "the collector exports to this Jaeger"
        absent = run_playbook(playbook, {**alloy_vars, "monitoring_state": "absent"})
        assert absent.returncode == 0, absent.output
        assert releases(cluster, other["monitoring"]) == {}
    finally:
        for name in helm(cluster, "list", "-n", other["monitoring"], "-q", check=False).split():
            helm(cluster, "uninstall", name, "-n", other["monitoring"], "--wait", check=False)
        cluster.kubectl("delete", "namespace", other["monitoring"], "--wait=false", "--ignore-not-found", check=False)


def test_air_gapped_install_from_local_chart_paths(cluster, run_playbook, playbook, archives, namespaces, tmp_path):
    mon = namespaces["monitoring"]
    fluent_bit_dir = tmp_path / "unpacked"
    fluent_bit_dir.mkdir()
    subprocess.run(["tar", "-xzf", str(archives["fluent-bit"]), "-C", str(fluent_bit_dir)], check=True)
    # No repository answers: every chart must come from the control node (archives, and a chart directory).
    host_vars = stack_vars(cluster, namespaces, "http://127.0.0.1:9/unreachable",
                           monitoring_stack_chart_path=str(archives["kube-prometheus-stack"]),  # the older variable still works
                           monitoring_logging_enabled=True,
                           monitoring_chart_paths={"loki": str(archives["loki"]), "fluent-bit": str(fluent_bit_dir / "fluent-bit")})
    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    assert PASSWORD not in first.output
    charts = {name: r["chart"] for name, r in releases(cluster, mon).items()}
    assert charts == {name: f"{name}-{PINNED[name]}" for name in ("kube-prometheus-stack", "loki", "fluent-bit")}
    assert chart_values(cluster, mon, "kube-prometheus-stack")["values"]["grafana"]["admin"]["existingSecret"] == "grafana-admin"
    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0 and second.recap()["changed"] == 0, second.output
    absent = run_playbook(playbook, {**host_vars, "monitoring_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert releases(cluster, mon) == {}


def test_a_version_the_repository_does_not_have_fails_with_a_clear_message(cluster, run_playbook, playbook, repo, namespaces):
    mon = namespaces["monitoring"]
    host_vars = role_vars(cluster, namespaces, repo.url, monitoring_install_stack=False, monitoring_logging_enabled=True,
                          monitoring_loki_chart_version="9.9.9")
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    out = " ".join(result.output.split())
    assert f"loki: chart loki version 9.9.9 is not in the repository {repo.url} (monitoring_loki_chart_version)" in out, result.output
    assert "Traceback" not in result.output
    assert "loki" not in releases(cluster, mon)


def test_bad_chart_sources_are_all_reported_before_anything_is_installed(cluster, run_playbook, playbook, repo, namespaces):
    mon = namespaces["monitoring"]
    host_vars = stack_vars(cluster, namespaces, repo.url, monitoring_logging_enabled=True, monitoring_tracing_enabled=True,
                           monitoring_chart_paths={"loki": "/nonexistent/loki", "prometheus": "/tmp"},
                           monitoring_chart_repo_urls={"tempo": "ftp://mirror.example.com/charts"},
                           monitoring_fluent_bit_chart_version="")
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    out = " ".join(result.output.split())
    for expected in (
        "monitoring: 4 problem(s):",
        "monitoring_chart_paths.prometheus: not a release of this role (one of kube-prometheus-stack, loki, fluent-bit, alloy, tempo, jaeger,"
        " opentelemetry-collector)",
        "monitoring_chart_paths.loki: /nonexistent/loki does not exist on the control node",
        "monitoring_chart_repo_urls.tempo: ftp://mirror.example.com/charts is not an http(s):// chart repository URL",
        "monitoring_fluent_bit_chart_version: must be pinned",
    ):
        assert expected in out, result.output
    assert "Traceback" not in result.output
    assert releases(cluster, mon) == {}
    assert not cluster.exists("-n", mon, "secret", "grafana-admin")
