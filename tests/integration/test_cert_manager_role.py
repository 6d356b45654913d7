# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cert_manager role on a real node, with the OFFICIAL cert-manager chart.

The chart is the official cert-manager chart at the version the role pins (tests/charts.py:
LINKOPS_CHART_MIRROR, else helm pull), served from a loopback chart repository and installed by
the role's own kubernetes.core.helm task. Its admission webhook must answer the API server for
every Issuer and Certificate the role applies, so the tests that install it need real pods: they
are marked `real_node` (tools/run-tests.sh runs them in tier 2, on the real node, where the
cert-manager images are imported). The bad-input tests stop before anything is installed and run
in tier 1 too.

The CRDs: on a cluster without the cert-manager.io CRDs the chart installs them (crds.enabled,
crds.keep false) and they go with the release; on a cluster that already has them (a shared
cluster, the demo's) the role runs with cert_manager_install_crds false and the tests never delete
them (the test of missing CRDs waits for CRD names no cluster has). What the role passed is read with `helm get values`.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from chart_repo import start_chart_repo  # pylint: disable=import-error
from charts import official_archive, pin  # pylint: disable=import-error

REPO_ROOT = Path(__file__).resolve().parents[2]
CERT_MANAGER = pin("cert-manager")
CRDS = ["certificates.cert-manager.io", "certificaterequests.cert-manager.io", "issuers.cert-manager.io", "clusterissuers.cert-manager.io"]
TOKEN = "cf-token-5d8e1b77c0ffee42"


@pytest.fixture(scope="module")
def repo():
    """The official chart archive, served from a loopback chart repository."""
    started = start_chart_repo([official_archive(CERT_MANAGER)])
    yield started
    started.stop()


def _crds_present(cluster) -> bool:
    """The cert-manager.io CRDs exist already (not this test's: they are never deleted here)."""
    return any(cluster.exists("crd", name) for name in CRDS)


def _values(cluster, name: str) -> dict:
    """What the role gave the release."""
    out = subprocess.run([str(Path(cluster.bin_dir) / "helm"), "get", "values", f"{name}-cert-manager", "-n", f"{name}-cm", "-o", "json"],
                         env=cluster.env(), capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def _vars(repo, name: str, **extra) -> dict:
    """Role variables: the official chart from the loopback repository, unique names everywhere."""
    return {
        "cert_manager_chart_repo_url": repo.url,
        "cert_manager_release_name": f"{name}-cert-manager",
        "cert_manager_namespace": f"{name}-cm",
        "cert_manager_keep_crds": False,
        "cert_manager_ready_timeout": 180,
        "cert_manager_selfsigned_issuer": f"{name}-selfsigned",
        "cert_manager_ca_issuer": {"name": f"{name}-ca", "secret_name": f"{name}-ca-root", "common_name": "LinkOps test CA"},
        "cert_manager_acme_email": "platform@linkops.dev",
        "cert_manager_acme_issuers": [
            {"name": f"{name}-le-staging", "server": "https://acme-staging-v02.api.letsencrypt.org/directory"},
            {"name": f"{name}-le-prod", "server": "https://acme-v02.api.letsencrypt.org/directory"},
        ],
        "cert_manager_acme_http01_ingress_class": "traefik",
        "cert_manager_dns01": {"provider": "cloudflare", "dns_zones": ["linkops.dev"], "cloudflare_api_token": TOKEN},
        "k8s_platform_environment": "local",
        "k8s_platform_namespaces": [{"name": f"{name}-apps"}],
        "k8s_platform_apps": [
            {"name": "web", "namespace": f"{name}-apps", "port": 8080,
             "ingress": {"host": "web.internal.linkops.dev", "tls": {"issuer": f"{name}-ca"}}},
            {"name": "api", "namespace": f"{name}-apps", "port": 8080,
             "ingress": {"hosts": ["api.linkops.dev", "*.api.linkops.dev"], "tls": {"issuer": f"{name}-le-prod", "secret_name": "api-cert"}}},
            {"name": "docs", "namespace": f"{name}-apps", "port": 8080, "ingress": {"host": "docs.linkops.dev", "tls": True}},
        ],
        **extra,
    }


@pytest.fixture
def cleanup(cluster):
    """Remove what a test created, whatever happened."""
    names: list[str] = []
    yield names
    for name in names:
        for issuer in ("selfsigned", "ca", "le-staging", "le-prod"):
            cluster.kubectl("delete", "clusterissuer", f"{name}-{issuer}", "--ignore-not-found", check=False)
        release = f"{name}-cert-manager"
        cluster.kubectl("delete", "namespace", f"{name}-apps", "--wait=false", "--ignore-not-found", check=False)
        subprocess.run([str(Path(cluster.bin_dir) / "helm"), "uninstall", release, "-n", f"{name}-cm", "--wait"], env=cluster.env(), capture_output=True, check=False)
        cluster.kubectl("delete", "namespace", f"{name}-cm", "--wait=false", "--ignore-not-found", check=False)


def _release_installed(cluster, namespace: str) -> bool:
    out = subprocess.run([str(Path(cluster.bin_dir) / "helm"), "list", "-n", namespace, "-q"], env=cluster.env(),
                         capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


# --- bad input: every problem at once, by path, nothing applied -------------------------------------------


def test_bad_input_reports_every_problem_and_applies_nothing(cluster, run_playbook, role_playbook, repo, unique_name):
    playbook = role_playbook("cert_manager")
    host_vars = _vars(repo, unique_name)
    host_vars["cert_manager_acme_email"] = ""  # ACME issuers not created ...
    host_vars["cert_manager_release_name"] = "Bad_Release"
    host_vars["cert_manager_dns01"] = {"provider": "cloudflare"}  # ... no token
    host_vars["k8s_platform_apps"][0]["ingress"]["tls"]["issuer"] = "ghost-issuer"
    host_vars["cert_manager_cainjector_resources"] = {"requests": {"cpu": "two"}, "limits": {"memory": "64Mi"}}
    host_vars["cert_manager_acme_issuers"] = [{"name": "private-acme", "server": "https://acme.example.test/dir", "ca_bundle": "not a certificate"}]
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    out = result.output
    assert "cert_manager_cainjector_resources.requests.cpu: 'two' is not a Kubernetes quantity" in out, out
    assert "cert_manager_release_name: Bad_Release is not a valid release name" in out, out
    assert "cert_manager_dns01.cloudflare_api_token: required to create the Secret cert-manager-dns01-cloudflare" in out
    assert f"cert_manager_apps[0].ingress.tls.issuer: ClusterIssuer ghost-issuer is not created by this role (it creates: {unique_name}-selfsigned, {unique_name}-ca)" in out
    assert "cert_manager_acme_issuers[0].ca_bundle: not PEM text holding at least one certificate" in out, out
    assert "nothing was applied" in out
    assert "Traceback" not in out
    # A field of the platform spec itself is reported by the spec's validator, by path.
    host_vars = _vars(repo, unique_name)
    host_vars["k8s_platform_apps"][2]["ingress"]["tls"] = {"issuer": "Not_A_Name"}
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert "cert_manager_apps[2].ingress.tls.issuer: " in result.output and "Not_A_Name" in result.output, result.output[-2000:]
    assert not _release_installed(cluster, f"{unique_name}-cm")
    assert not cluster.exists("namespace", f"{unique_name}-cm")


@pytest.mark.real_node
def test_resources_typo_is_refused_and_empty_resources_keep_the_chart_default(cluster, run_playbook, role_playbook, repo, unique_name, cleanup):
    playbook = role_playbook("cert_manager")
    cleanup.append(unique_name)
    # A misspelt key under a resources variable is refused by the role's argument spec, naming the variable.
    result = run_playbook(playbook, _vars(repo, unique_name, cert_manager_webhook_resources={"request": {"cpu": "10m"}}))
    assert result.returncode != 0
    assert "cert_manager_webhook_resources" in result.output and "request" in result.output, result.output[-2000:]
    assert "Traceback" not in result.output
    assert not _release_installed(cluster, f"{unique_name}-cm")
    # {} leaves the key out of the values, so the chart's own default applies.
    host_vars = _vars(repo, unique_name, cert_manager_resources={}, cert_manager_cainjector_resources={},
                      cert_manager_webhook_resources={"requests": {"cpu": "5m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
                      cert_manager_install_crds=not _crds_present(cluster), cert_manager_selfsigned_issuer="",
                      cert_manager_ca_issuer={"enabled": False}, cert_manager_acme_email="", cert_manager_dns01={},
                      k8s_platform_apps=[])
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output[-4000:]
    values = _values(cluster, unique_name)
    assert "resources" not in values and "resources" not in values.get("cainjector", {})  # the chart's own defaults (none)
    assert values["webhook"]["resources"] == {"requests": {"cpu": "5m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}}
    webhook = cluster.get_json("deployment", f"{unique_name}-cert-manager-webhook", "-n", f"{unique_name}-cm")["spec"]["template"]["spec"]["containers"][0]
    assert webhook["resources"] == {"requests": {"cpu": "5m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}}
    controller = cluster.get_json("deployment", f"{unique_name}-cert-manager", "-n", f"{unique_name}-cm")["spec"]["template"]["spec"]["containers"][0]
    assert "resources" not in controller or controller["resources"] == {}


def test_acme_issuer_without_email_and_wildcard_without_dns01(cluster, run_playbook, role_playbook, repo, unique_name):
    playbook = role_playbook("cert_manager")
    host_vars = _vars(repo, unique_name, cert_manager_acme_email="", cert_manager_dns01={})
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert f"cert_manager_apps[1].ingress.tls.issuer: {unique_name}-le-prod is an ACME issuer, created only when cert_manager_acme_email is set" in result.output
    host_vars = _vars(repo, unique_name, cert_manager_dns01={})
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert ("cert_manager_apps[1].ingress.tls.issuer: *.api.linkops.dev is a wildcard: ACME (Let's Encrypt) issues wildcards only "
            "through DNS-01, and cert_manager_dns01 is not set") in result.output, result.output
    assert not cluster.exists("namespace", f"{unique_name}-cm")


@pytest.mark.parametrize(("environment", "issuer"), [("dev", "letsencrypt-staging"), ("prod", "letsencrypt-prod")])
def test_inventory_issuer_per_environment(run_playbook, role_playbook, repo, unique_name, environment, issuer):
    """The environments' inventories choose the issuer per app; the role refuses to run without what it needs."""
    playbook = role_playbook("cert_manager")
    spec = yaml.safe_load((REPO_ROOT / "inventories" / environment / "group_vars" / "all" / "platform.yml").read_text())
    tls_issuers = {app["ingress"]["tls"]["issuer"] for app in spec["k8s_platform_apps"]
                   if isinstance(app.get("ingress", {}).get("tls"), dict) and "issuer" in app["ingress"]["tls"]}
    assert tls_issuers == {issuer}
    host_vars = {k: v for k, v in spec.items() if k.startswith("k8s_platform_")}
    host_vars.update(cert_manager_chart_repo_url=repo.url, cert_manager_namespace=f"{unique_name}-cm")
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert "is an ACME issuer, created only when cert_manager_acme_email is set" in result.output
    assert f".ingress.tls.issuer: {issuer}" in result.output


# --- ordering: no issuer before the CRDs are Established ---------------------------------------------------


@pytest.mark.real_node
def test_missing_crds_fail_clearly_and_no_issuer_is_applied(cluster, run_playbook, role_playbook, repo, unique_name, cleanup):
    """The gate waits for the CRDs named in cert_manager_crds; here names no cluster has (the real
    cert-manager.io CRDs may be installed by others and are not this test's to delete)."""
    playbook = role_playbook("cert_manager")
    cleanup.append(unique_name)
    cluster.kubectl("create", "namespace", f"{unique_name}-apps")
    missing = [f"{kind}.{unique_name}.example.test" for kind in ("certificates", "clusterissuers")]
    host_vars = _vars(repo, unique_name, cert_manager_install_crds=False, cert_manager_ready_timeout=10, cert_manager_crds=missing)
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    out = result.output
    assert "cert-manager's CRDs are not Established after 10s" in out, out[-3000:]
    for name in missing:
        assert f"{name} (missing)" in out
    assert "No ClusterIssuer or Certificate was applied." in out
    # The release was installed (its Deployments are there), the gate stopped the run before the issuers.
    assert _release_installed(cluster, f"{unique_name}-cm")
    assert "Server-side apply | cert_manager issuers" not in out
    assert "DNS-01 credentials Secret" not in out
    assert not cluster.exists("secret", "cert-manager-dns01-cloudflare", "-n", f"{unique_name}-cm")


# --- the whole life cycle -------------------------------------------------------------------------------------


@pytest.mark.real_node
def test_converge_idempotence_check_mode_shim_and_absent(cluster, run_playbook, role_playbook, repo, unique_name, cleanup):
    playbook = role_playbook("cert_manager")
    name = unique_name
    cleanup.append(name)
    own_crds = not _crds_present(cluster)  # the chart installs them (and removes them with the release)
    cluster.kubectl("create", "namespace", f"{name}-apps")
    host_vars = _vars(repo, name, cert_manager_install_crds=own_crds)

    # Check mode before anything exists: nothing is installed or applied. Only without the CRDs: with
    # them (and no release namespace yet) the role's check mode dry-runs the DNS-01 Secret into the
    # namespace helm would create, and the API server answers NotFound (a known gap of the role).
    if own_crds:
        check_first = run_playbook(playbook, host_vars, check=True)
        assert check_first.returncode == 0, check_first.output[-3000:]
        assert check_first.recap()["changed"] >= 1
        flat = " ".join(check_first.output.split())  # the callback wraps long messages
        assert "CRDs are not Established yet (certificates.cert-manager.io (missing)" in flat, flat[-3000:]
        assert "so the 5 issuer object(s) and 2 Certificate(s) cannot be dry-run" in flat
        assert not cluster.exists("crd", "clusterissuers.cert-manager.io")
        assert not _release_installed(cluster, f"{name}-cm")

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output[-4000:]
    assert first.recap()["changed"] >= 3

    # The release: the role's values reached the chart (crds.enabled, crds.keep, replicas).
    values = _values(cluster, name)
    assert values["crds"] == {"enabled": own_crds, "keep": False}
    assert values["replicaCount"] == 1 and values["webhook"]["replicaCount"] == 1
    # Resource defaults (requests and a memory limit) for every component, under the chart's keys, and on the pods.
    assert values["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    assert values["webhook"]["resources"] == {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}}
    assert values["cainjector"]["resources"] == {"requests": {"cpu": "20m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}
    assert values["startupapicheck"]["resources"] == {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}}
    controller = cluster.get_json("deployment", f"{name}-cert-manager", "-n", f"{name}-cm")["spec"]["template"]["spec"]["containers"][0]
    assert controller["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    for crd in CRDS:
        conditions = cluster.get_json("crd", crd)["status"]["conditions"]
        assert {"type": "Established", "status": "True"}.items() <= next(c for c in conditions if c["type"] == "Established").items()
    webhook = cluster.get_json("deployment", f"{name}-cert-manager-webhook", "-n", f"{name}-cm")
    assert webhook["status"]["availableReplicas"] == 1, "the official webhook runs on the real node"
    # The CA chain was issued by the running cert-manager: the root Certificate is Ready.
    cluster.kubectl("wait", "--for=condition=Ready", f"certificate/{name}-ca-root", "-n", f"{name}-cm", "--timeout=120s")

    # The ClusterIssuers, read back from the API server.
    selfsigned = cluster.get_json("clusterissuer", f"{name}-selfsigned")
    assert selfsigned["spec"] == {"selfSigned": {}}
    assert selfsigned["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "linkops.k8s_platform"
    assert selfsigned["metadata"]["labels"]["linkops.io/environment"] == "local"
    ca_root = cluster.get_json("certificate", f"{name}-ca-root", "-n", f"{name}-cm")["spec"]
    assert ca_root["isCA"] is True and ca_root["secretName"] == f"{name}-ca-root" and ca_root["commonName"] == "LinkOps test CA"
    assert ca_root["issuerRef"] == {"name": f"{name}-selfsigned", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    assert cluster.get_json("clusterissuer", f"{name}-ca")["spec"] == {"ca": {"secretName": f"{name}-ca-root"}}
    servers = {"le-staging": "https://acme-staging-v02.api.letsencrypt.org/directory", "le-prod": "https://acme-v02.api.letsencrypt.org/directory"}
    for suffix, server in servers.items():
        acme = cluster.get_json("clusterissuer", f"{name}-{suffix}")["spec"]["acme"]
        assert acme["server"] == server
        assert acme["email"] == "platform@linkops.dev"
        assert acme["privateKeySecretRef"] == {"name": f"{name}-{suffix}-account-key"}
        assert acme["solvers"] == [
            {"selector": {"dnsZones": ["linkops.dev"]},
             "dns01": {"cloudflare": {"apiTokenSecretRef": {"name": "cert-manager-dns01-cloudflare", "key": "api-token"}}}},
            {"http01": {"ingress": {"ingressClassName": "traefik"}}},
        ]
    secret = cluster.get_json("secret", "cert-manager-dns01-cloudflare", "-n", f"{name}-cm")
    assert secret["data"] == {"api-token": base64.b64encode(TOKEN.encode()).decode()}

    # Certificates: one per app with TLS hosts and an issuer; none for the app whose Secret is provided.
    certs = {c["metadata"]["name"]: c for c in cluster.get_json("certificates", "-n", f"{name}-apps")["items"]}
    assert sorted(certs) == ["api-cert", "web-ingress-tls"]
    assert certs["web-ingress-tls"]["spec"]["secretName"] == "web-ingress-tls"
    assert certs["web-ingress-tls"]["spec"]["dnsNames"] == ["web.internal.linkops.dev"]
    assert certs["web-ingress-tls"]["spec"]["issuerRef"] == {"name": f"{name}-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    assert certs["api-cert"]["spec"]["dnsNames"] == ["api.linkops.dev", "*.api.linkops.dev"]
    assert certs["api-cert"]["spec"]["issuerRef"]["name"] == f"{name}-le-prod"
    assert certs["api-cert"]["spec"]["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
    managers = {m["manager"] for m in cluster.get_json("certificate", "api-cert", "-n", f"{name}-apps", "--show-managed-fields")["metadata"]["managedFields"]}
    assert "linkops.k8s_platform" in managers

    # Idempotence, at -vvv: the DNS provider token never reaches the output.
    second = run_playbook(playbook, host_vars, "-vvv")
    assert second.returncode == 0, second.output[-3000:]
    assert second.recap()["changed"] == 0, second.output[-5000:]
    assert TOKEN not in second.output and TOKEN not in first.output
    assert base64.b64encode(TOKEN.encode()).decode() not in second.output

    # A changed field shows in --check --diff and is not applied.
    changed = _vars(repo, name, cert_manager_install_crds=own_crds, cert_manager_acme_email="pki@linkops.dev")
    diff = run_playbook(playbook, changed, check=True)
    assert diff.returncode == 0, diff.output[-3000:]
    assert diff.recap()["changed"] >= 1
    assert "pki@linkops.dev" in diff.output and TOKEN not in diff.output
    assert cluster.get_json("clusterissuer", f"{name}-le-prod")["spec"]["acme"]["email"] == "platform@linkops.dev"

    # ingress_shim mode: no Certificate rendered (the ingress role annotates the Ingresses instead).
    shim = run_playbook(playbook, _vars(repo, name, cert_manager_install_crds=own_crds, cert_manager_mode="ingress_shim"), check=True)
    assert shim.returncode == 0, shim.output[-3000:]
    assert shim.recap()["changed"] == 0
    assert re.search(r"Server-side apply \| cert_manager certificates\] \**\nskipping", shim.output), shim.output[-3000:]
    assert re.search(r"Server-side apply \| cert_manager issuers\] \**\nok", shim.output)

    # state: absent removes the Certificates, the issuers, the DNS-01 Secret and the release.
    absent = run_playbook(playbook, _vars(repo, name, cert_manager_install_crds=own_crds, cert_manager_state="absent"))
    assert absent.returncode == 0, absent.output[-3000:]
    assert not _release_installed(cluster, f"{name}-cm")
    assert not cluster.exists("secret", "cert-manager-dns01-cloudflare", "-n", f"{name}-cm")
    # crds.keep false: the CRDs the release installed went with it, and every object of theirs with them.
    if own_crds:
        assert not cluster.exists("crd", "clusterissuers.cert-manager.io")
    else:
        assert not cluster.exists("clusterissuer", f"{name}-ca")
    assert TOKEN not in absent.output
