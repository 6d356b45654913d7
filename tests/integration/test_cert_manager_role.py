# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cert_manager role on the real control plane.

cert-manager itself is replaced by the project's stand-in chart
(tests/fixtures/charts/linkops-test-cert-manager: pause Deployments for controller, webhook and
cainjector, the webhook Service, and when crds.enabled the upstream cert-manager.io CRDs of
tools/local-cluster/crds.sh, written into a copy of the chart's files/ with the stand-in's
part-of label), served from a loopback chart repository and installed by the role's own
kubernetes.core.helm task. What is real: Helm, the API server (CRD establishment, structural
schema validation, server-side apply, dry-run admission), the Deployment and EndpointSlice
controllers. What is not: certificate issuance and a real admission webhook call.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from chart_repo import CHARTS_DIR, start_chart_repo  # pylint: disable=import-error
from k8s_cluster import crd_files  # pylint: disable=import-error

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = CHARTS_DIR / "linkops-test-cert-manager"
CRDS = ["certificates.cert-manager.io", "certificaterequests.cert-manager.io", "issuers.cert-manager.io", "clusterissuers.cert-manager.io"]
TOKEN = "cf-token-5d8e1b77c0ffee42"
PART_OF = {"app.kubernetes.io/part-of": "linkops-test-cert-manager"}
# The field managers that install the upstream CRDs for this project's tests, demo and benchmarks
# (and the API server, which writes their status).
PROJECT_MANAGERS = {"linkops-crds", "linkops-demo", "linkops-test-fixtures", "bench-setup", "kube-apiserver"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """The stand-in chart, served with the upstream cert-manager.io CRDs in files/ (labelled as the stand-in's)."""
    chart = tmp_path_factory.mktemp("chart") / CHART.name
    shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("files"))
    docs = []
    for path in crd_files("cert-manager.io"):
        crd = yaml.safe_load(path.read_text())
        crd["metadata"]["labels"] = {**crd["metadata"].get("labels", {}), **PART_OF}
        docs.append(yaml.safe_dump(crd, sort_keys=False))
    (chart / "files").mkdir()
    (chart / "files" / "cert-manager.io.yaml").write_text("\n---\n".join(docs))
    started = start_chart_repo([chart])
    yield started
    started.stop()


def _fixture_crds_absent(cluster) -> None:
    """Make sure the cert-manager.io CRDs are absent: delete them only when this project's tests, demo or
    benchmarks installed them (the stand-in chart's label, or only the project's field managers)."""
    for name in CRDS:
        if not cluster.exists("crd", name):
            continue
        metadata = cluster.get_json("crd", name)["metadata"]
        managers = {entry.get("manager") for entry in metadata.get("managedFields", [])}
        if metadata.get("labels", {}).get("app.kubernetes.io/part-of") != PART_OF["app.kubernetes.io/part-of"] and not managers <= PROJECT_MANAGERS:
            pytest.fail(f"CRD {name} exists and was not installed by this project (managers {sorted(managers)}: a real cert-manager?); "
                        "these tests need a cluster without it")
        cluster.kubectl("delete", "crd", name, "--wait=true")


def _vars(repo, name: str, **extra) -> dict:
    """Role variables: the stand-in chart from the loopback repository, unique names everywhere."""
    return {
        "cert_manager_chart_repo_url": repo.url,
        "cert_manager_chart_name": "linkops-test-cert-manager",
        "cert_manager_chart_version": "0.1.0",
        "cert_manager_release_name": f"{name}-cert-manager",
        "cert_manager_namespace": f"{name}-cm",
        "cert_manager_keep_crds": False,
        "cert_manager_ready_timeout": 60,
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
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    out = result.output
    assert "cert_manager_cainjector_resources.requests.cpu: 'two' is not a Kubernetes quantity" in out, out
    assert "cert_manager_release_name: Bad_Release is not a valid release name" in out, out
    assert "cert_manager_dns01.cloudflare_api_token: required to create the Secret cert-manager-dns01-cloudflare" in out
    assert f"cert_manager_apps[0].ingress.tls.issuer: ClusterIssuer ghost-issuer is not created by this role (it creates: {unique_name}-selfsigned, {unique_name}-ca)" in out
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
                      cert_manager_install_crds=False, cert_manager_selfsigned_issuer="",
                      cert_manager_ca_issuer={"enabled": False}, cert_manager_acme_email="", cert_manager_dns01={},
                      k8s_platform_apps=[])
    # The upstream CRDs (applied as they are: other tests and the demo may already have them).
    cluster.apply_crds("cert-manager.io", field_manager="linkops-demo")
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output[-4000:]
    values = json.loads(cluster.get_json("configmap", f"{unique_name}-cert-manager-test-values", "-n", f"{unique_name}-cm")["data"]["values.json"])
    assert values["resources"] == {} and values["cainjector"]["resources"] == {}  # the stand-in chart's own {} defaults
    assert values["webhook"]["resources"] == {"requests": {"cpu": "5m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}}
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


def test_missing_crds_fail_clearly_and_no_issuer_is_applied(cluster, run_playbook, role_playbook, repo, unique_name, cleanup):
    playbook = role_playbook("cert_manager")
    _fixture_crds_absent(cluster)
    cleanup.append(unique_name)
    cluster.kubectl("create", "namespace", f"{unique_name}-apps")
    host_vars = _vars(repo, unique_name, cert_manager_install_crds=False, cert_manager_ready_timeout=10)
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    out = result.output
    assert "cert-manager's CRDs are not Established after 10s" in out, out[-3000:]
    for name in CRDS:
        assert f"{name} (missing)" in out
    assert "No ClusterIssuer or Certificate was applied." in out
    # The release was installed (its Deployments are there), the gate stopped the run before the issuers.
    assert _release_installed(cluster, f"{unique_name}-cm")
    assert "Server-side apply | cert_manager issuers" not in out
    assert "DNS-01 credentials Secret" not in out
    assert not cluster.exists("crd", "clusterissuers.cert-manager.io")
    assert not cluster.exists("secret", "cert-manager-dns01-cloudflare", "-n", f"{unique_name}-cm")


# --- the whole life cycle -------------------------------------------------------------------------------------


def test_converge_idempotence_check_mode_shim_and_absent(cluster, run_playbook, role_playbook, repo, unique_name, cleanup):
    playbook = role_playbook("cert_manager")
    name = unique_name
    cleanup.append(name)
    _fixture_crds_absent(cluster)
    cluster.kubectl("create", "namespace", f"{name}-apps")
    host_vars = _vars(repo, name)

    # Check mode before anything exists: nothing is installed or applied.
    check_first = run_playbook(playbook, host_vars, check=True)
    assert check_first.returncode == 0, check_first.output[-3000:]
    assert check_first.recap()["changed"] >= 1
    flat = " ".join(check_first.output.split())  # the callback wraps long messages
    assert "CRDs are not Established yet (certificates.cert-manager.io (missing)" in flat, flat[-3000:]
    assert "so the 5 issuer object(s) and 2 Certificate(s) cannot be dry-run" in flat
    assert not _release_installed(cluster, f"{name}-cm")
    assert not cluster.exists("crd", "clusterissuers.cert-manager.io")

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output[-4000:]
    assert first.recap()["changed"] >= 3

    # The release: the role's values reached the chart (crds.enabled, crds.keep, replicas).
    values = json.loads(cluster.get_json("configmap", f"{name}-cert-manager-test-values", "-n", f"{name}-cm")["data"]["values.json"])
    assert values["crds"] == {"enabled": True, "keep": False}
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
    assert webhook["status"]["availableReplicas"] == 1

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
    changed = _vars(repo, name, cert_manager_acme_email="pki@linkops.dev")
    diff = run_playbook(playbook, changed, check=True)
    assert diff.returncode == 0, diff.output[-3000:]
    assert diff.recap()["changed"] >= 1
    assert "pki@linkops.dev" in diff.output and TOKEN not in diff.output
    assert cluster.get_json("clusterissuer", f"{name}-le-prod")["spec"]["acme"]["email"] == "platform@linkops.dev"

    # ingress_shim mode: no Certificate rendered (the ingress role annotates the Ingresses instead).
    shim = run_playbook(playbook, _vars(repo, name, cert_manager_mode="ingress_shim"), check=True)
    assert shim.returncode == 0, shim.output[-3000:]
    assert shim.recap()["changed"] == 0
    assert re.search(r"Server-side apply \| cert_manager certificates\] \**\nskipping", shim.output), shim.output[-3000:]
    assert re.search(r"Server-side apply \| cert_manager issuers\] \**\nok", shim.output)

    # state: absent removes the Certificates, the issuers, the DNS-01 Secret and the release.
    absent = run_playbook(playbook, _vars(repo, name, cert_manager_state="absent"))
    assert absent.returncode == 0, absent.output[-3000:]
    assert not _release_installed(cluster, f"{name}-cm")
    assert not cluster.exists("secret", "cert-manager-dns01-cloudflare", "-n", f"{name}-cm")
    # crds.keep false: the CRDs went with the release, and every object of theirs with them.
    assert not cluster.exists("crd", "clusterissuers.cert-manager.io")
    assert TOKEN not in absent.output
