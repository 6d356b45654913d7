# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns role's ExternalDNS install through its real kubernetes.core.helm task.

ExternalDNS itself is replaced by the project's generic stand-in chart
(tests/fixtures/charts/linkops-test-release, copied under the name ``external-dns`` by
``chart_repo.stand_in_chart``), served from a loopback chart repository at the version pinned in
roles/dns/defaults/main.yml and at the next minor version. The stand-in echoes the values Helm
received into the ConfigMap ``<release>-values``, so the tests read back exactly what the role
passed. What is real: Helm (install, upgrade, uninstall, --wait), the API server, the Deployment
controller, kwok making the pods ready. What is not: ExternalDNS talking to a DNS provider.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
import yaml

from chart_repo import stand_in_chart, start_chart_repo  # pylint: disable=import-error

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((REPO_ROOT / "roles" / "dns" / "defaults" / "main.yml").read_text())
PINNED = str(DEFAULTS["dns_external_dns_chart_version"])
CHART_NAME = DEFAULTS["dns_external_dns_chart_name"]
# A credential the role must never show: not in Ansible's output, not in the chart values.
TOKEN = "cf-token-edns-7b1f93a0c4d2e6"

def _next_minor(version: str) -> str:
    major, minor, _patch = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


NEXT = _next_minor(PINNED)


@pytest.fixture(scope="module")
def charts(tmp_path_factory):
    """The stand-in chart named like the upstream one, and a loopback repository serving it."""
    chart_dir = stand_in_chart(CHART_NAME, tmp_path_factory.mktemp("external-dns-chart"))
    repo = start_chart_repo([(chart_dir, [PINNED, NEXT])])
    yield chart_dir, repo
    repo.stop()


@pytest.fixture
def playbook(role_playbook) -> Path:
    return role_playbook("dns")


def _helm(cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(cluster.bin_dir) / "helm"), *args], env=cluster.env(), capture_output=True, text=True, check=False)


@pytest.fixture
def release_namespace(cluster, unique_name):
    """The release namespace (not created here: check mode must find none); removed with the release whatever happened."""
    ns = f"{unique_name}-edns"
    yield ns
    _helm(cluster, "uninstall", "external-dns", "-n", ns, "--wait")
    cluster.kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)


def _vars(repo_url: str, ns: str, **extra) -> dict:
    return {
        # Only ExternalDNS: the Corefile part has its own tests (test_dns_role.py).
        "dns_manage_corefile": False,
        "dns_external_dns_enabled": True,
        "dns_external_dns_chart_repo_url": repo_url,
        "dns_external_dns_namespace": ns,
        "dns_external_dns_provider": "cloudflare",
        "dns_external_dns_domain_filters": ["linkops.dev", "internal.linkops.dev"],
        "dns_external_dns_sources": ["ingress", "service"],
        "dns_external_dns_policy": "sync",
        "dns_external_dns_txt_owner_id": f"{ns}-owner",
        "dns_external_dns_credentials": {"CF_API_TOKEN": TOKEN},
        "dns_helm_wait_timeout": "2m0s",
        **extra,
    }


def _releases(cluster, ns: str) -> list[str]:
    return _helm(cluster, "list", "-n", ns, "-q").stdout.split()


def _chart_values(cluster, ns: str) -> tuple[dict, str, str]:
    """(values Helm gave the chart, raw values.yaml, chart version) from the stand-in's ConfigMap."""
    data = cluster.get_json("-n", ns, "configmap", "external-dns-values")["data"]
    return yaml.safe_load(data["values.yaml"]), data["values.yaml"], data["version"]


def _no_credential(output: str) -> None:
    assert TOKEN not in output, "the credential appeared in Ansible's output"
    assert base64.b64encode(TOKEN.encode()).decode() not in output, "the base64 credential appeared in Ansible's output"


def test_install_idempotence_check_mode_upgrade_and_absent(cluster, run_playbook, playbook, charts, release_namespace):
    _chart_dir, repo = charts
    ns = release_namespace

    # Check mode on a cluster without the release: reports a change, creates nothing.
    check_first = run_playbook(playbook, _vars(repo.url, ns), "-v", check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] >= 1, check_first.output
    _no_credential(check_first.output)
    assert not cluster.exists("namespace", ns)
    assert _releases(cluster, ns) == []

    first = run_playbook(playbook, _vars(repo.url, ns), "-v")
    assert first.returncode == 0, first.output
    _no_credential(first.output)
    assert _releases(cluster, ns) == ["external-dns"]
    values, raw, version = _chart_values(cluster, ns)
    assert version == PINNED
    assert values["provider"] == {"name": "cloudflare"}
    assert values["domainFilters"] == ["linkops.dev", "internal.linkops.dev"]
    assert "ingress" in values["sources"] and "service" in values["sources"]
    assert values["policy"] == "sync"
    assert values["registry"] == "txt" and values["txtOwnerId"] == f"{ns}-owner"
    # The credential reaches ExternalDNS only by reference to the role's Secret.
    assert values["env"] == [{"name": "CF_API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "external-dns-credentials", "key": "CF_API_TOKEN"}}}]
    assert TOKEN not in raw and base64.b64encode(TOKEN.encode()).decode() not in raw
    checksum = values["podAnnotations"]["linkops.io/credentials-checksum"]
    assert len(checksum) == 64
    secret = cluster.get_json("-n", ns, "secret", "external-dns-credentials")
    assert secret["data"] == {"CF_API_TOKEN": base64.b64encode(TOKEN.encode()).decode()}
    # helm --wait returned: the stand-in's pod is ready.
    deployment = cluster.get_json("-n", ns, "deployment", "external-dns-stand-in")
    assert deployment["status"].get("readyReplicas") == 1

    second = run_playbook(playbook, _vars(repo.url, ns), "-v")
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output
    _no_credential(second.output)

    # Check mode with a new version and a rotated credential: reported, not done.
    rotated = "cf-token-rotated-0a9e55d1"
    check_upgrade = run_playbook(
        playbook, _vars(repo.url, ns, dns_external_dns_chart_version=NEXT, dns_external_dns_credentials={"CF_API_TOKEN": rotated}), "-v", check=True)
    assert check_upgrade.returncode == 0, check_upgrade.output
    assert check_upgrade.recap()["changed"] >= 1, check_upgrade.output
    assert rotated not in check_upgrade.output
    assert _chart_values(cluster, ns)[2] == PINNED
    assert cluster.get_json("-n", ns, "secret", "external-dns-credentials")["data"]["CF_API_TOKEN"] == base64.b64encode(TOKEN.encode()).decode()

    upgrade = run_playbook(
        playbook, _vars(repo.url, ns, dns_external_dns_chart_version=NEXT, dns_external_dns_credentials={"CF_API_TOKEN": rotated}), "-v")
    assert upgrade.returncode == 0, upgrade.output
    assert rotated not in upgrade.output
    values, _raw, version = _chart_values(cluster, ns)
    assert version == NEXT
    assert values["podAnnotations"]["linkops.io/credentials-checksum"] != checksum, "a rotated credential restarts the pods"
    assert cluster.get_json("-n", ns, "secret", "external-dns-credentials")["data"]["CF_API_TOKEN"] == base64.b64encode(rotated.encode()).decode()
    history = yaml.safe_load(_helm(cluster, "history", "external-dns", "-n", ns, "-o", "yaml").stdout)
    assert [h["chart"] for h in history] == [f"{CHART_NAME}-{PINNED}", f"{CHART_NAME}-{NEXT}"]

    absent = run_playbook(playbook, _vars(repo.url, ns, dns_state="absent"), "-v")
    assert absent.returncode == 0, absent.output
    _no_credential(absent.output)
    assert _releases(cluster, ns) == []
    assert not cluster.exists("-n", ns, "configmap", "external-dns-values")
    assert not cluster.exists("-n", ns, "secret", "external-dns-credentials")

    absent_again = run_playbook(playbook, _vars(repo.url, ns, dns_state="absent"))
    assert absent_again.returncode == 0, absent_again.output
    assert absent_again.recap()["changed"] == 0, absent_again.output


def test_air_gapped_install_from_a_local_chart(cluster, run_playbook, playbook, charts, release_namespace, tmp_path):
    chart_dir, _repo = charts
    ns = release_namespace
    # A chart directory on the control node, and a repository URL nothing listens on: the role must
    # not need the repository when dns_external_dns_chart_path is set.
    local_chart = tmp_path / "offline"
    local_chart.mkdir()
    subprocess.run(["cp", "-r", str(chart_dir), str(local_chart)], check=True)
    chart_yaml = local_chart / CHART_NAME / "Chart.yaml"
    meta = yaml.safe_load(chart_yaml.read_text())
    meta["version"] = f"{PINNED}-mirror"
    chart_yaml.write_text(yaml.safe_dump(meta, sort_keys=False))
    host_vars = _vars("http://127.0.0.1:9/unreachable", ns, dns_external_dns_chart_path=str(local_chart / CHART_NAME),
                      dns_external_dns_credentials={})
    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    values, _raw, version = _chart_values(cluster, ns)
    assert version == f"{PINNED}-mirror"
    assert values["provider"] == {"name": "cloudflare"} and values["env"] == []
    assert "podAnnotations" not in values
    # No credentials given: no Secret.
    assert not cluster.exists("-n", ns, "secret", "external-dns-credentials")

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0 and second.recap()["changed"] == 0, second.output

    absent = run_playbook(playbook, {**host_vars, "dns_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert _releases(cluster, ns) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"dns_external_dns_provider": "route66"}, ["dns_external_dns_provider: route66 is not an ExternalDNS provider"]),
        ({"dns_external_dns_domain_filters": []}, ["dns_external_dns_domain_filters: needs at least one zone"]),
        ({"dns_external_dns_domain_filters": ["linkops.dev", "Bad_Zone!"]}, ["dns_external_dns_domain_filters[1]: Bad_Zone! is not a DNS name"]),
        ({"dns_external_dns_sources": ["ingres"]}, ["dns_external_dns_sources: ingres is not an ExternalDNS source"]),
        ({"dns_external_dns_credentials": {"CF-API-TOKEN": TOKEN, "CF_EMAIL": ""}},
         ["dns_external_dns_credentials: CF-API-TOKEN is not an environment variable name",
          "dns_external_dns_credentials.CF_EMAIL: needs a non-empty string value"]),
        # Every problem at once, by variable.
        ({"dns_external_dns_release_name": "Bad_Release", "dns_external_dns_interval": "often", "dns_external_dns_chart_version": ""},
         ["dns_external_dns_release_name: Bad_Release is not a Helm release name",
          "dns_external_dns_interval: often is not a duration", "dns_external_dns_chart_version: must be pinned"]),
    ],
)
def test_bad_input_fails_before_anything_changes(cluster, run_playbook, playbook, charts, release_namespace, extra, expected):
    _chart_dir, repo = charts
    result = run_playbook(playbook, _vars(repo.url, release_namespace, **extra), "-v")
    assert result.returncode != 0, result.output
    for message in expected:
        assert message in result.output, result.output
    assert "Traceback" not in result.output
    _no_credential(result.output)
    assert not cluster.exists("namespace", release_namespace)
    assert _releases(cluster, release_namespace) == []
