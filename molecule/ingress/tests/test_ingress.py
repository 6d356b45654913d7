# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ingress_controller and ingress roles applied: the controller release with the values
asked for, the Ingress and its Traefik Middlewares as stored; and the official Traefik chart's
controller on the real node: both Traefik replicas run and are what the controller's Service sends to."""

from __future__ import annotations

CONTROLLER_NAMESPACE, APPS = "molecule-ingress-system", "molecule-ingress"
RELEASE = "molecule-ingress"
CONTROLLER = f"{RELEASE}-traefik"  # the Traefik chart's fullname
# The Traefik chart's instance label is <release>-<namespace>.
CONTROLLER_PODS = f"app.kubernetes.io/name=traefik,app.kubernetes.io/instance={RELEASE}-{CONTROLLER_NAMESPACE}"


def test_the_controller_runs_with_the_values_asked_for(kube):
    deployment = kube.get("deployment", CONTROLLER, CONTROLLER_NAMESPACE)
    assert deployment["status"].get("readyReplicas") == 2, deployment["status"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "docker.io/traefik:v3.6.0"
    assert "--entryPoints.web.http.redirections.entryPoint.scheme=https" in container["args"]
    assert kube.get("ingressclass", "molecule-traefik")["spec"]["controller"] == "traefik.io/ingress-controller"


def test_the_ingress_routes_as_the_spec_says(kube):
    ingress = kube.get("ingress", "web-ingress", APPS)["spec"]
    assert ingress["ingressClassName"] == "molecule-traefik"
    assert [rule["host"] for rule in ingress["rules"]] == ["web.molecule.example.com", "www.molecule.example.com"]
    assert [path["backend"]["service"]["name"] for path in ingress["rules"][0]["http"]["paths"]] == ["web", "web", "api"]
    assert ingress["tls"][0]["secretName"] == "web-tls"
    assert kube.get("ingress", "web-ingress", APPS)["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "molecule-ca"


def test_the_middlewares_carry_rate_limit_cors_and_https_redirect(kube):
    middlewares = {o["metadata"]["name"]: o["spec"] for o in kube.items("middlewares.traefik.io", APPS)}
    assert middlewares["web-ingress-ratelimit"]["rateLimit"]["average"] == 20
    assert middlewares["web-ingress-cors"]["headers"]["accessControlMaxAge"] == 600
    assert middlewares["web-ingress-https-redirect"]["redirectScheme"]["scheme"] == "https"


def test_both_controller_replicas_run_and_back_its_service(kube):
    pods = kube.ready_pods(CONTROLLER_NAMESPACE, CONTROLLER_PODS)
    assert len(pods) == 2, [p["metadata"]["name"] for p in pods]
    assert all(status["state"].get("running") for pod in pods for status in pod["status"]["containerStatuses"])
    service = kube.get("service", CONTROLLER, CONTROLLER_NAMESPACE)
    assert service["spec"]["type"] == "NodePort"
    slices = kube.items("endpointslices", CONTROLLER_NAMESPACE, f"kubernetes.io/service-name={CONTROLLER}")
    assert kube.ready_endpoints(slices) == sorted(pod["status"]["podIP"] for pod in pods)
