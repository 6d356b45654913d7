# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns role's ExternalDNS install through its real kubernetes.core.helm task.

The chart is the OFFICIAL external-dns chart at the version pinned in roles/dns/defaults/main.yml
(tests/charts.py: LINKOPS_CHART_MIRROR, else helm pull), served from a loopback chart repository,
with the same chart packaged again at the next minor version as the upgrade target (the mirror
holds only the pinned one); the local chart path is tested with the archive itself. The tests
read what the role passed with `helm get values` and what the chart made of it from the
Deployment's arguments. What is real: Helm (install, upgrade, uninstall, --wait), the official
chart, the API server, the Deployment controller, kwok making the pods ready (fake nodes: nothing
runs). What is not: ExternalDNS talking to a DNS provider.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from chart_repo import start_chart_repo  # pylint: disable=import-error
from charts import official_archive  # pylint: disable=import-error

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
def charts():
    """The official chart archive, and a loopback repository serving it (and it again as NEXT)."""
    archive = official_archive(CHART_NAME)
    repo = start_chart_repo([archive, (archive, [NEXT])])
    yield archive, repo
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
    """(values the role gave Helm, their raw text, the release's chart version), from `helm get values` and `helm list`."""
    raw = _helm(cluster, "get", "values", "external-dns", "-n", ns, "-o", "json").stdout
    [release] = json.loads(_helm(cluster, "list", "-n", ns, "-o", "json").stdout)
    return json.loads(raw), raw, release["chart"].removeprefix(f"{CHART_NAME}-")


def _args(cluster, ns: str) -> list[str]:
    """The arguments the official chart rendered for the ExternalDNS container."""
    return cluster.get_json("-n", ns, "deployment", "external-dns")["spec"]["template"]["spec"]["containers"][0]["args"]


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
    # helm --wait returned: the pod is ready (kwok), with what the chart rendered from the values.
    deployment = cluster.get_json("-n", ns, "deployment", "external-dns")
    assert deployment["status"].get("readyReplicas") == 1
    assert deployment["spec"]["template"]["metadata"]["annotations"]["linkops.io/credentials-checksum"] == checksum
    args = _args(cluster, ns)
    for arg in ("--provider=cloudflare", "--domain-filter=linkops.dev", "--domain-filter=internal.linkops.dev", "--source=ingress",
                "--source=service", "--policy=sync", "--registry=txt", f"--txt-owner-id={ns}-owner"):
        assert arg in args, args
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == values["env"]

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
    assert not cluster.exists("-n", ns, "deployment", "external-dns")
    assert not cluster.exists("-n", ns, "secret", "external-dns-credentials")

    absent_again = run_playbook(playbook, _vars(repo.url, ns, dns_state="absent"))
    assert absent_again.returncode == 0, absent_again.output
    assert absent_again.recap()["changed"] == 0, absent_again.output


def test_air_gapped_install_from_a_local_chart(cluster, run_playbook, playbook, charts, release_namespace):
    archive, _repo = charts
    ns = release_namespace
    # The official archive on the control node, and a repository URL nothing listens on: the role
    # must not need the repository when dns_external_dns_chart_path is set.
    host_vars = _vars("http://127.0.0.1:9/unreachable", ns, dns_external_dns_chart_path=str(archive),
                      dns_external_dns_credentials={})
    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    values, _raw, version = _chart_values(cluster, ns)
    assert version == PINNED
    assert values["provider"] == {"name": "cloudflare"} and values["env"] == []
    assert "--provider=cloudflare" in _args(cluster, ns)
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
