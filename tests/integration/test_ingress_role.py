# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ingress role on the real control plane, for each controller flavour and for Gateway API.

Traefik's CRDs and the Gateway API CRDs (standard channel) are the upstream ones at the versions
pinned in tools/local-cluster/versions.env (tools/local-cluster/crds.sh); they are applied
(idempotently, shared by every test) and left installed.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def crds(cluster):
    cluster.apply_crds("traefik.io", "gateway.networking.k8s.io")


@pytest.fixture
def ns(crds, namespace):
    """The test's namespace, once the CRDs are established."""
    return namespace


def spec(ns: str) -> dict:
    return {
        "k8s_platform_namespaces": [{"name": ns}],
        "k8s_platform_apps": [
            {
                "name": "web",
                "namespace": ns,
                "ports": [{"name": "http", "port": 80, "target_port": 8080}, {"name": "admin", "port": 9000}],
                "ingress": {
                    "hosts": ["web.example.com", "www.example.com"],
                    "paths": [
                        "/",
                        {"path": "/admin", "path_type": "Exact", "backend": {"port": "admin"}},
                        {"path": "/api", "backend": {"app": "api", "port": 8000}},
                    ],
                    "tls": {"secret_name": "web-tls", "issuer": "letsencrypt-prod"},
                    "rate_limit_rps": 100,
                    "cors": {"allow_origins": ["https://app.example.com"], "allow_methods": ["GET", "POST"],
                             "allow_credentials": True, "max_age": 3600},
                },
            },
            {"name": "api", "namespace": ns, "port": 8000},
            {
                "name": "docs",
                "namespace": ns,
                "port": 3000,
                "ingress": {"host": "docs.example.com", "tls": True, "https_redirect": False, "class_name": "internal"},
            },
        ],
    }


def annotations(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


def middleware_names(cluster, ns: str) -> set[str]:
    return {m["metadata"]["name"] for m in cluster.get_json("middlewares.traefik.io", "-n", ns)["items"]}


def assert_rules(ingress: dict) -> None:
    spec_ = ingress["spec"]
    assert [r["host"] for r in spec_["rules"]] == ["web.example.com", "www.example.com"]
    for rule in spec_["rules"]:
        paths = [(p["path"], p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
                 for p in rule["http"]["paths"]]
        assert paths == [("/", "Prefix", "web", 80), ("/admin", "Exact", "web", 9000), ("/api", "Prefix", "api", 8000)]
    assert spec_["tls"] == [{"hosts": ["web.example.com", "www.example.com"], "secretName": "web-tls"}]


def test_traefik_converge_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, ns):
    playbook = role_playbook("ingress")
    host_vars = {**spec(ns), "ingress_flavour": "traefik", "ingress_cert_manager_issuer": "platform-ca"}
    check = run_playbook(playbook, host_vars, check=True)
    assert check.returncode == 0, check.output
    assert check.recap()["changed"] >= 1
    assert cluster.get_json("ingress", "-n", ns)["items"] == [], "check mode must not apply anything"

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output

    web = cluster.get_json("ingress", "web-ingress", "-n", ns)
    assert web["spec"]["ingressClassName"] == "traefik"
    assert_rules(web)
    ann = annotations(web)
    assert ann["cert-manager.io/cluster-issuer"] == "letsencrypt-prod", "the app's own issuer wins"
    assert ann["traefik.ingress.kubernetes.io/router.middlewares"] == ",".join(
        f"{ns}-web-ingress-{suffix}@kubernetescrd" for suffix in ("https-redirect", "ratelimit", "cors"))
    assert not [k for k in ann if k.startswith("nginx.ingress.kubernetes.io/")]
    assert web["metadata"]["labels"]["linkops.io/ingress-flavour"] == "traefik"

    rate = cluster.get_json("middlewares.traefik.io", "web-ingress-ratelimit", "-n", ns)["spec"]["rateLimit"]
    assert rate == {"average": 100, "period": "1s", "burst": 500}
    headers = cluster.get_json("middlewares.traefik.io", "web-ingress-cors", "-n", ns)["spec"]["headers"]
    assert headers["accessControlAllowOriginList"] == ["https://app.example.com"]
    assert headers["accessControlAllowMethods"] == ["GET", "POST"]
    assert headers["accessControlAllowCredentials"] is True
    assert headers["accessControlMaxAge"] == 3600
    assert "Authorization" in headers["accessControlAllowHeaders"]
    redirect = cluster.get_json("middlewares.traefik.io", "web-ingress-https-redirect", "-n", ns)["spec"]
    assert redirect == {"redirectScheme": {"scheme": "https", "permanent": True}}

    docs = cluster.get_json("ingress", "docs-ingress", "-n", ns)
    assert docs["spec"]["ingressClassName"] == "internal", "a class the app names wins"
    assert docs["spec"]["tls"] == [{"hosts": ["docs.example.com"], "secretName": "docs-ingress-tls"}]
    assert annotations(docs)["cert-manager.io/cluster-issuer"] == "platform-ca", "ingress_cert_manager_issuer for apps without one"
    assert "traefik.ingress.kubernetes.io/router.middlewares" not in annotations(docs), "no redirect, rate limit or CORS asked"
    assert middleware_names(cluster, ns) == {"web-ingress-ratelimit", "web-ingress-cors", "web-ingress-https-redirect"}

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output
    check_again = run_playbook(playbook, host_vars, check=True)
    assert check_again.recap()["changed"] == 0, check_again.output

    absent = run_playbook(playbook, {**host_vars, "ingress_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert cluster.get_json("ingress", "-n", ns)["items"] == []
    assert middleware_names(cluster, ns) == set()
    assert run_playbook(playbook, {**host_vars, "ingress_state": "absent"}).recap()["changed"] == 0


def test_nginx_annotations_and_switching_flavours_both_ways(cluster, run_playbook, role_playbook, ns):
    playbook = role_playbook("ingress")
    traefik = run_playbook(playbook, {**spec(ns), "ingress_flavour": "traefik"})
    assert traefik.returncode == 0, traefik.output
    assert len(middleware_names(cluster, ns)) == 3

    # Traefik -> nginx: the Middlewares go, the settings become annotations on the Ingress.
    nginx_vars = {**spec(ns), "ingress_flavour": "nginx"}
    switch_check = run_playbook(playbook, nginx_vars, check=True)
    assert switch_check.recap()["changed"] >= 1
    assert len(middleware_names(cluster, ns)) == 3, "check mode deletes nothing"
    to_nginx = run_playbook(playbook, nginx_vars)
    assert to_nginx.returncode == 0, to_nginx.output
    assert middleware_names(cluster, ns) == set()
    web = cluster.get_json("ingress", "web-ingress", "-n", ns)
    assert web["spec"]["ingressClassName"] == "nginx"
    assert_rules(web)
    ann = annotations(web)
    assert "traefik.ingress.kubernetes.io/router.middlewares" not in ann
    assert web["metadata"]["labels"]["linkops.io/ingress-flavour"] == "nginx"
    expected = {
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/limit-rps": "100",
        "nginx.ingress.kubernetes.io/limit-burst-multiplier": "5",
        "nginx.ingress.kubernetes.io/enable-cors": "true",
        "nginx.ingress.kubernetes.io/cors-allow-origin": "https://app.example.com",
        "nginx.ingress.kubernetes.io/cors-allow-methods": "GET, POST",
        "nginx.ingress.kubernetes.io/cors-allow-credentials": "true",
        "nginx.ingress.kubernetes.io/cors-max-age": "3600",
        "cert-manager.io/cluster-issuer": "letsencrypt-prod",
    }
    assert {k: ann.get(k) for k in expected} == expected
    assert "Authorization" in ann["nginx.ingress.kubernetes.io/cors-allow-headers"]
    assert annotations(cluster.get_json("ingress", "docs-ingress", "-n", ns))["nginx.ingress.kubernetes.io/ssl-redirect"] == "false"
    assert run_playbook(playbook, nginx_vars).recap()["changed"] == 0

    # nginx -> Traefik: server-side apply drops the nginx annotations the field manager no longer sets.
    back = run_playbook(playbook, {**spec(ns), "ingress_flavour": "traefik"})
    assert back.returncode == 0, back.output
    ann = annotations(cluster.get_json("ingress", "web-ingress", "-n", ns))
    assert not [k for k in ann if k.startswith("nginx.ingress.kubernetes.io/")], ann
    assert "traefik.ingress.kubernetes.io/router.middlewares" in ann
    assert len(middleware_names(cluster, ns)) == 3

    # An app that stops being routed loses its objects too.
    fewer = spec(ns)
    fewer["k8s_platform_apps"][0]["ingress"]["enabled"] = False
    pruned = run_playbook(playbook, {**fewer, "ingress_flavour": "traefik"})
    assert pruned.returncode == 0, pruned.output
    assert not cluster.exists("ingress", "web-ingress", "-n", ns)
    assert middleware_names(cluster, ns) == set()
    assert cluster.exists("ingress", "docs-ingress", "-n", ns)


def test_gateway_api_output_from_the_same_spec(cluster, run_playbook, role_playbook, ns, unique_name):
    playbook = role_playbook("ingress")
    gateway_class = f"{unique_name}-gwc"
    host_vars = {**spec(ns), "ingress_flavour": "traefik", "ingress_output": "gateway",
                 "ingress_gateway_create_class": True, "ingress_gateway_class_name": gateway_class}
    try:
        before = run_playbook(playbook, {**spec(ns), "ingress_flavour": "traefik"})
        assert before.returncode == 0, before.output
        result = run_playbook(playbook, host_vars)
        assert result.returncode == 0, result.output

        assert cluster.get_json("gatewayclass", gateway_class)["spec"]["controllerName"] == "traefik.io/gateway-controller"
        gateway = cluster.get_json("gateways.gateway.networking.k8s.io", "linkops-gateway", "-n", ns)
        assert gateway["spec"]["gatewayClassName"] == gateway_class
        listeners = {(l["name"], l["protocol"], l["port"], l["hostname"]): l for l in gateway["spec"]["listeners"]}
        assert set(listeners) == {
            ("http-web.example.com", "HTTP", 8000, "web.example.com"), ("https-web.example.com", "HTTPS", 8443, "web.example.com"),
            ("http-www.example.com", "HTTP", 8000, "www.example.com"), ("https-www.example.com", "HTTPS", 8443, "www.example.com"),
            ("http-docs.example.com", "HTTP", 8000, "docs.example.com"), ("https-docs.example.com", "HTTPS", 8443, "docs.example.com"),
        }
        tls = listeners[("https-web.example.com", "HTTPS", 8443, "web.example.com")]["tls"]
        assert tls["mode"] == "Terminate" and tls["certificateRefs"][0]["name"] == "web-tls"
        assert annotations(gateway)["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"

        route = cluster.get_json("httproutes.gateway.networking.k8s.io", "web-ingress", "-n", ns)["spec"]
        assert route["hostnames"] == ["web.example.com", "www.example.com"]
        assert [p["sectionName"] for p in route["parentRefs"]] == ["https-web.example.com", "https-www.example.com"]
        got = [(r["matches"][0]["path"]["type"], r["matches"][0]["path"]["value"], r["backendRefs"][0]["name"], r["backendRefs"][0]["port"])
               for r in route["rules"]]
        assert got == [("PathPrefix", "/", "web", 80), ("Exact", "/admin", "web", 9000), ("PathPrefix", "/api", "api", 8000)]
        assert [f["extensionRef"]["name"] for f in route["rules"][0]["filters"]] == ["web-ingress-ratelimit", "web-ingress-cors"]
        redirect = cluster.get_json("httproutes.gateway.networking.k8s.io", "web-ingress-https-redirect", "-n", ns)["spec"]
        assert [p["sectionName"] for p in redirect["parentRefs"]] == ["http-web.example.com", "http-www.example.com"]
        assert redirect["rules"][0]["filters"][0]["requestRedirect"] == {"scheme": "https", "statusCode": 301}
        docs = cluster.get_json("httproutes.gateway.networking.k8s.io", "docs-ingress", "-n", ns)["spec"]
        assert {p["sectionName"] for p in docs["parentRefs"]} == {"https-docs.example.com", "http-docs.example.com"}, "no redirect: both listeners"
        assert cluster.get_json("ingress", "-n", ns)["items"] == [], "the Ingress output's objects are removed"
        assert middleware_names(cluster, ns) == {"web-ingress-ratelimit", "web-ingress-cors"}

        assert run_playbook(playbook, host_vars).recap()["changed"] == 0

        back = run_playbook(playbook, {**spec(ns), "ingress_flavour": "traefik"})
        assert back.returncode == 0, back.output
        assert cluster.get_json("httproutes.gateway.networking.k8s.io", "-n", ns)["items"] == []
        assert cluster.get_json("gateways.gateway.networking.k8s.io", "-n", ns)["items"] == []
        assert cluster.exists("ingress", "web-ingress", "-n", ns)
    finally:
        cluster.kubectl("delete", "gatewayclass", gateway_class, "--ignore-not-found", check=False)


def test_missing_crds_are_named_with_the_role_to_install(cluster, run_playbook, role_playbook, ns):
    playbook = role_playbook("ingress")
    result = run_playbook(playbook, {**spec(ns), "ingress_traefik_api_version": "traefik.containo.us/v1alpha1"})
    assert result.returncode != 0
    assert "The cluster does not serve Middleware (traefik.containo.us/v1alpha1)" in result.output, result.output
    assert "linkops.k8s_platform.ingress_controller role (ingress_controller_flavour: traefik)" in result.output
    gateway = run_playbook(playbook, {**spec(ns), "ingress_output": "gateway", "ingress_gateway_api_version": "gateway.networking.k8s.io/v1alpha9"})
    assert gateway.returncode != 0
    assert "Gateway (gateway.networking.k8s.io/v1alpha9), HTTPRoute (gateway.networking.k8s.io/v1alpha9)" in gateway.output, gateway.output
    assert "Install the Gateway API CRDs first" in gateway.output
    assert cluster.get_json("ingress", "-n", ns)["items"] == []


def _bad(ns: str, change) -> dict:
    data = spec(ns)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "extra", "expected"),
    [
        (lambda d: d["k8s_platform_apps"][0]["ingress"]["paths"][2]["backend"].update(app="nope"), {},
         "k8s_platform_apps[0].ingress.paths[2].backend.app: no app 'nope' in namespace"),
        (lambda d: d["k8s_platform_apps"][0]["ingress"]["paths"][2]["backend"].update(port=8001), {},
         "k8s_platform_apps[0].ingress.paths[2].backend.port: 8001 is not a Service port of app 'api'"),
        (lambda d: d["k8s_platform_apps"][0]["ingress"]["paths"][1]["backend"].update(port="metrics"), {},
         "k8s_platform_apps[0].ingress.paths[1].backend.port: 'metrics' is not a port name of app 'web'"),
        (lambda d: d["k8s_platform_apps"][2]["ingress"].update(host="Not A Host"), {}, "k8s_platform_apps[2].ingress.host"),
        (lambda d: None, {"ingress_flavour": "nginx", "ingress_output": "gateway"}, "ingress_output: gateway needs ingress_flavour traefik"),
        (lambda d: None, {"ingress_cert_manager_issuer": "Bad Issuer"}, "ingress_cert_manager_issuer: Bad Issuer is not a DNS-1123 subdomain"),
        (lambda d: None, {"ingress_output": "httproute"}, "ingress_output"),
    ],
)
def test_bad_input_is_reported_before_anything_is_applied(cluster, run_playbook, role_playbook, ns, change, extra, expected):
    playbook = role_playbook("ingress")
    result = run_playbook(playbook, {**_bad(ns, change), **extra})
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert cluster.get_json("ingress", "-n", ns)["items"] == []
    assert middleware_names(cluster, ns) == set()
