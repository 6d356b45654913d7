# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo's certificates, issued by the real cert-manager and served by the real Traefik: the
ACME path (the node's Pebble standing for Let's Encrypt, HTTP-01 answered through the ingress
controller and the apps' network policies), the CA issuer's, and a renewal that changes what is
served."""

from __future__ import annotations

import os
import ssl
import time
import urllib.request
from pathlib import Path

import pytest

from e2e_env import NETWORK
from ingress_client import INGRESS_ZONE, dns_names, get
from scratch_platform import certificate_ready, converge, request_issuance, secret_certificate, wait_until

ACME_CA = Path(os.environ.get("LINKOPS_CACHE_DIR") or Path.home() / ".cache" / "linkops-k8s-platform") / "node" / "run" / "acme" / "ca.pem"

pytestmark = pytest.mark.local_node


def app_by_issuer(spec, issuer: str) -> dict:
    return next(app for app in spec["k8s_platform_apps"] if app.get("ingress", {}).get("tls", {}).get("issuer") == issuer)


def tls_secret(cluster, namespace: str, host: str) -> str:
    """The TLS Secret of the Ingress serving host; the role names its Certificate the same."""
    for ingress in cluster.get_json("-n", namespace, "ingresses")["items"]:
        for tls in ingress["spec"].get("tls", []):
            if host in tls.get("hosts", []):
                return tls["secretName"]
    pytest.fail(f"no Ingress in {namespace} serves {host} with TLS")


def acme_roots() -> str:
    """The roots Pebble issues under (made at its start, served by its management API)."""
    context = ssl.create_default_context(cafile=str(ACME_CA))
    url = f"https://{NETWORK['ACME_IP']}:{NETWORK['ACME_MANAGEMENT_PORT']}/roots/0"
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return response.read().decode()


def test_acme_http01_certificate_is_issued_and_served(cluster, platform):
    app = app_by_issuer(platform, "local-acme")
    host, namespace = app["ingress"]["host"], app["namespace"]
    name = tls_secret(cluster, namespace, host)
    wait_until(f"Certificate {namespace}/{name} Ready (ACME order through Pebble)", lambda: certificate_ready(cluster, namespace, name), timeout=240)
    served = wait_until("the ACME certificate served for " + host, lambda: get(host, "/", trust=acme_roots()))
    assert host in dns_names(served.certificate)
    assert "Pebble" in served.certificate.issuer.rfc4514_string()
    # Every challenge was answered (none left pending) and the order is valid.
    orders = cluster.get_json("-n", namespace, "orders.acme.cert-manager.io")["items"]
    assert orders and all(o.get("status", {}).get("state") == "valid" for o in orders), [o.get("status") for o in orders]


def test_ca_issued_certificate_is_served_and_renewal_changes_it(cluster, platform):
    app = app_by_issuer(platform, "linkops-local-ca")
    host, namespace = app["ingress"]["host"], app["namespace"]
    name = tls_secret(cluster, namespace, host)
    trust = secret_certificate(cluster, "cert-manager", "linkops-local-ca")
    wait_until(f"Certificate {namespace}/{name} Ready", lambda: certificate_ready(cluster, namespace, name))
    before = wait_until("the CA-issued certificate served", lambda: get(host, "/", trust=trust)).certificate
    request_issuance(cluster, namespace, name, "e2e renewal")
    after = wait_until("a renewed certificate served", lambda: (
        (c := get(host, "/", trust=trust).certificate).serial_number != before.serial_number and c))
    assert after.not_valid_before_utc >= before.not_valid_before_utc
    assert cluster.get_json("-n", namespace, "certificate", name)["status"].get("revision", 0) >= 2


def test_acme_http01_needs_the_solver_allow_under_default_deny(cluster, platform, tmp_path):
    """With network_policies_acme_http01_solvers off, the default deny of the app's namespace keeps
    Pebble's HTTP-01 check (relayed by Traefik) from the solver pod: no certificate. Switched back on,
    the same Certificate is issued: the ACME test above can fail, and the allow is what makes it pass."""
    suffix = os.urandom(3).hex()
    namespace, host = f"e2e-acme-{suffix}", f"acme-{suffix}.{INGRESS_ZONE}"

    def spec(solvers_allowed: bool) -> dict:
        return {
            "k8s_platform_namespaces": [{"name": namespace, "pod_security": "restricted"}],
            "k8s_platform_apps": [{
                "name": "site", "namespace": namespace, "ports": [{"name": "http", "port": 80, "target_port": 8080}],
                "workload": {"image": "ghcr.io/linkops/e2e:dev", "replicas": 1},
                "ingress": {"host": host, "paths": ["/"], "tls": {"issuer": "local-acme"}}}],
            "k8s_platform_storage_classes": [],
            "network_policies_verify": False,
            "network_policies_acme_http01_solvers": solvers_allowed,
        }

    try:
        converge(cluster, tmp_path, spec(False), namespace, ["site"])
        name = tls_secret(cluster, namespace, host)
        # The challenge is presented and checked, and fails or stays pending: never Ready.
        wait_until("an HTTP-01 challenge for the host", lambda: cluster.get_json("-n", namespace, "challenges.acme.cert-manager.io")["items"], timeout=90)
        time.sleep(45)
        assert not certificate_ready(cluster, namespace, name), "issued although the solver pod was unreachable"
        assert cluster.exists("-n", namespace, "networkpolicy", "default-deny-all")
        assert not cluster.exists("-n", namespace, "networkpolicy", "allow-acme-http01-solver")
        converge(cluster, tmp_path, spec(True), namespace, ["site"])
        # cert-manager backs off after a failed order; asking for a new issuance is what a user does.
        request_issuance(cluster, namespace, name, "e2e retry")
        wait_until(f"Certificate {namespace}/{name} Ready once the solver is allowed",
                   lambda: certificate_ready(cluster, namespace, name), timeout=180)
        served = wait_until("the ACME certificate served", lambda: get(host, "/", trust=acme_roots()))
        assert host in dns_names(served.certificate)
    finally:
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found", check=False)
