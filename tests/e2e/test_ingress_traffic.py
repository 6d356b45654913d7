# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ingress for real: the official Traefik chart and cert-manager the demo installed, and a small
platform of this module's own (namespace e2e-ingress-*, two apps) converged with site.yml, checked
with HTTP and TLS from the host through the controller's address (network.env INGRESS_IP).

The module converges its spec three times: with every feature on (Ingress output), with TLS, rate
limiting and CORS switched off (the same checks must then fail: each check can tell), and with the
Gateway API output. The demo's own apps are never touched (the roles prune only in the spec's
namespaces)."""

from __future__ import annotations

import json
import ssl
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from ingress_client import INGRESS_ZONE, IngressClient, dns_names, get
from k8s_cluster import Cluster
from scratch_platform import converge as converge_platform
from scratch_platform import secret_certificate, wait_until

SUFFIX = uuid.uuid4().hex[:6]
NAMESPACE = f"e2e-ingress-{SUFFIX}"
WEB_HOST = f"web-{SUFFIX}.{INGRESS_ZONE}"
API_HOST = f"api-{SUFFIX}.{INGRESS_ZONE}"
ALLOWED_ORIGIN = f"https://app-{SUFFIX}.{INGRESS_ZONE}"
RATE = 10  # requests per second; the role's burst is 5x that
CA_ISSUER = "linkops-local-ca"
SELF_SIGNED_ISSUER = "linkops-selfsigned"


def spec(tls: bool = True, rate_limit: bool = True, cors: bool = True) -> dict[str, Any]:
    web_ingress: dict[str, Any] = {
        "host": WEB_HOST,
        # /shell goes to the api app: its reply names the pod that answered.
        "paths": ["/", {"path": "/shell", "backend": {"app": "api", "port": "http"}}],
        "tls": {"issuer": CA_ISSUER} if tls else {"enabled": False},
    }
    if rate_limit:
        web_ingress["rate_limit_rps"] = RATE
    if cors:
        web_ingress["cors"] = {"allow_origins": [ALLOWED_ORIGIN], "allow_methods": ["GET", "POST"],
                               "allow_credentials": True, "max_age": 600}
    app = {"ports": [{"name": "http", "port": 80, "target_port": 8080}],
           "workload": {"image": "ghcr.io/linkops/e2e:dev", "replicas": 1}}
    return {
        "k8s_platform_namespaces": [{"name": NAMESPACE, "pod_security": "restricted"}],
        "k8s_platform_apps": [
            {"name": "web", "namespace": NAMESPACE, **app, "ingress": web_ingress},
            {"name": "api", "namespace": NAMESPACE, **app,
             "ingress": {"host": API_HOST, "paths": ["/"], "tls": {"issuer": SELF_SIGNED_ISSUER} if tls else {"enabled": False}}},
        ],
        "k8s_platform_storage_classes": [],
        # The reachability proof has its own e2e tests; here the traffic through the controller is.
        "network_policies_verify": False,
    }


def converge(cluster: Cluster, tmp: Path, extra: dict[str, Any]) -> None:
    converge_platform(cluster, tmp, extra, NAMESPACE, ("web", "api"))


def ca_pem(cluster: Cluster) -> str:
    """The CA the linkops-local-ca ClusterIssuer signs with (its Secret lives in cert-manager's namespace)."""
    return secret_certificate(cluster, "cert-manager", CA_ISSUER)


def verifies(host: str, trust: str) -> bool:
    try:
        get(host, "/hostname", trust=trust)
    except ssl.SSLCertVerificationError:
        return False
    return True


def served_by(response_body: str) -> str:
    """The pod that answered a /shell?cmd=hostname (agnhost netexec replies {"output": "<name>\\n"})."""
    return json.loads(response_body)["output"].strip()


def burst(host: str, count: int, trust: str | None = None, pause: float = 0.0) -> list[int]:
    statuses = []
    with IngressClient(host, trust=trust) as client:
        for _ in range(count):
            statuses.append(client.request("/echo?msg=x").status)
            if pause:
                time.sleep(pause)
    return statuses


@pytest.fixture(scope="module")
def ingress_platform(cluster: Cluster, platform, tmp_path_factory) -> Iterator[str]:
    """This module's platform, converged with every feature on; its namespace is removed afterwards."""
    tmp = tmp_path_factory.mktemp("ingress")
    converge(cluster, tmp, spec())
    yield str(tmp)
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture(scope="module")
def trust(cluster: Cluster, ingress_platform) -> str:
    for name in ("web-ingress-tls", "api-ingress-tls"):
        cluster.kubectl("-n", NAMESPACE, "wait", "--for=condition=Ready", f"certificate/{name}", "--timeout=120s", check=False)
    return ca_pem(cluster)


def test_host_and_path_routing_reach_the_right_backend(cluster, trust):
    web_pods = cluster.kubectl("-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=web", "-o", "name").stdout.split()
    api_pods = cluster.kubectl("-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=api", "-o", "name").stdout.split()
    web_names = {p.split("/", 1)[1] for p in web_pods}
    api_names = {p.split("/", 1)[1] for p in api_pods}
    # Host routing: each host's / reaches its own app (netexec's /hostname names the pod).
    web = wait_until("web host served", lambda: (r := get(WEB_HOST, "/hostname", trust=trust)).status == 200 and r)
    assert web.body.strip() in web_names
    api = get(API_HOST, "/hostname")
    assert (api.status, api.body.strip() in api_names) == (200, True)
    # Path routing: /shell on the web host goes to the api app.
    shell = get(WEB_HOST, "/shell?cmd=hostname", trust=trust)
    assert shell.status == 200 and served_by(shell.body) in api_names, shell.body
    # An unknown host is not routed anywhere.
    assert get(f"nothing-{SUFFIX}.{INGRESS_ZONE}", "/hostname").status == 404


def test_tls_presents_the_issued_certificate_chained_to_the_ca(cluster, trust, module):
    response = wait_until("verified TLS for the web host", lambda: get(WEB_HOST, "/hostname", trust=trust))
    certificate = response.certificate
    assert WEB_HOST in dns_names(certificate)
    # The Secret the Ingress points at holds that very certificate, and tls_certificate_info agrees.
    info = module("tls_certificate_info", {"namespace": NAMESPACE, "name": "web-ingress-tls", "hostnames": [WEB_HOST],
                                           "ca_pem": trust, "verify_chain": True})
    assert info["chain_verified"] is True
    assert [(h["hostname"], h["covered"]) for h in info["hostnames"]] == [(WEB_HOST, True)]
    assert int(info["serial_number"].replace(":", ""), 16) == certificate.serial_number


def test_tls_presents_the_self_signed_certificate_for_its_host(cluster, trust, module):
    """The api host's certificate comes from the self-signed issuer: what Traefik serves is the
    Secret's certificate, its own issuer, and it verifies against itself only."""
    pem = secret_certificate(cluster, NAMESPACE, "api-ingress-tls")
    issued = x509.load_pem_x509_certificate(pem.encode())
    served = wait_until("the self-signed certificate served", lambda: (
        (r := get(API_HOST, "/hostname")).certificate.serial_number == issued.serial_number and r)).certificate
    assert served.issuer == served.subject == issued.subject
    info = module("tls_certificate_info", {"namespace": NAMESPACE, "name": "api-ingress-tls", "hostnames": [API_HOST],
                                           "ca_pem": pem, "verify_chain": True})
    assert (info["chain_verified"], info["self_signed"]) == (True, True)
    with pytest.raises(ssl.SSLCertVerificationError):
        get(API_HOST, "/hostname", trust=trust)


def test_http_is_redirected_to_https(ingress_platform):
    response = get(WEB_HOST, "/hostname", https=False)
    assert response.status in (301, 308), response
    assert response.header("Location") == f"https://{WEB_HOST}/hostname"


def test_rate_limit_answers_429_to_a_burst_not_to_a_slow_client(trust):
    wait_until("web host served", lambda: get(WEB_HOST, "/hostname", trust=trust).status == 200)
    time.sleep(1.5)
    slow = burst(WEB_HOST, 8, trust=trust, pause=1.0 / RATE * 2)
    assert set(slow) == {200}, slow
    time.sleep(RATE * 5 / RATE + 1)  # let the bucket refill
    fast = burst(WEB_HOST, RATE * 5 * 3, trust=trust)
    assert fast.count(429) >= RATE * 5 // 2, fast
    assert fast[:RATE * 3].count(200) == RATE * 3, "the burst allowance was not honoured"


def preflight(origin: str, trust: str | None):
    return get(WEB_HOST, "/echo?msg=x", trust=trust, method="OPTIONS",
               headers={"Origin": origin, "Access-Control-Request-Method": "POST"})


def test_cors_preflight_answers_the_allowed_origin_only(trust):
    # After the rate limit test: wait for the bucket to refill.
    allowed = wait_until("a preflight not rate-limited", lambda: (r := preflight(ALLOWED_ORIGIN, trust)).status != 429 and r, timeout=30)
    assert allowed.header("Access-Control-Allow-Origin") == ALLOWED_ORIGIN, allowed.headers
    assert set(m.strip() for m in allowed.header("Access-Control-Allow-Methods").split(",")) == {"GET", "POST"}
    assert allowed.header("Access-Control-Allow-Credentials") == "true"
    assert allowed.header("Access-Control-Max-Age") == "600"
    other = preflight("https://elsewhere.example", trust)
    assert other.header("Access-Control-Allow-Origin") is None, other.headers


def test_switched_off_tls_rate_limit_and_cors_fail_the_same_checks(cluster, trust, ingress_platform):
    """The checks above can tell: with the features off the same requests see no issued certificate,
    no 429 and no CORS headers. Runs after them (file order) and turns the features back on."""
    tmp = Path(ingress_platform)
    converge(cluster, tmp, spec(tls=False, rate_limit=False, cors=False))
    try:
        # TLS: Traefik's default certificate now, which the CA does not sign.
        wait_until("the handshake no longer verifies against the CA", lambda: not verifies(WEB_HOST, trust), timeout=60)
        # Rate limit: the same burst passes.
        wait_until("no Middleware on the route", lambda: 429 not in burst(WEB_HOST, RATE * 5 * 3), timeout=60)
        # CORS: nothing answers the preflight with an allowed origin.
        assert preflight(ALLOWED_ORIGIN, None).header("Access-Control-Allow-Origin") is None
    finally:
        converge(cluster, tmp, spec())


def test_gateway_api_output_serves_the_same_routes_with_tls(cluster, trust, ingress_platform):
    """ingress_output: gateway: a Gateway (listeners on Traefik's entry point ports) and HTTPRoutes
    for the same spec; the same requests are served, over TLS. The certificates come from the
    Gateway's issuer annotation alone (cert_manager_mode ingress_shim: the role writes no
    Certificate), which needs cert-manager's Gateway API support (cert_manager_gateway_api)."""
    tmp = Path(ingress_platform)
    # What the Ingress output left: without it, only cert-manager's gateway-shim can issue them.
    for name in ("web-ingress-tls", "api-ingress-tls"):
        cluster.kubectl("-n", NAMESPACE, "delete", "certificate,secret", name, "--ignore-not-found")
    converge(cluster, tmp, {**spec(), "ingress_output": "gateway", "cert_manager_mode": "ingress_shim"})
    assert not cluster.kubectl("-n", NAMESPACE, "get", "ingress", "-o", "name").stdout.strip(), "the Ingresses were not pruned"
    wait_until("Gateway programmed", lambda: any(
        c["type"] == "Programmed" and c["status"] == "True"
        for c in cluster.get_json("-n", NAMESPACE, "gateway", "linkops-gateway").get("status", {}).get("conditions", [])),
        timeout=90)
    owners = wait_until("a Certificate made by cert-manager for the Gateway", lambda: [
        ref["kind"] for ref in cluster.get_json("-n", NAMESPACE, "certificate", "web-ingress-tls").get("metadata", {}).get("ownerReferences", [])]
        if cluster.exists("-n", NAMESPACE, "certificate", "web-ingress-tls") else None, timeout=90)
    assert owners == ["Gateway"], owners
    api_names = {p.split("/", 1)[1] for p in cluster.kubectl("-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=api", "-o", "name").stdout.split()}
    shell = wait_until("the HTTPRoute serves /shell", lambda: (r := get(WEB_HOST, "/shell?cmd=hostname", trust=trust)).status == 200 and r)
    assert served_by(shell.body) in api_names
    web = get(WEB_HOST, "/hostname", trust=trust)
    assert web.status == 200 and WEB_HOST in dns_names(web.certificate)
