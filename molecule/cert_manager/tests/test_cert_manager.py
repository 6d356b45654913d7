# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the cert_manager role applied: the ClusterIssuers, the private CA's root Certificate and the
apps' Certificates as stored; and the official cert-manager release on the real node: the
controller, webhook and cainjector pods run, the webhook Service sends to the webhook's pod, and
the private CA's root Certificate was issued (Ready)."""

from __future__ import annotations

import pytest

RELEASE_NAMESPACE, APPS = "molecule-cert-manager", "molecule-tls"
RELEASE = "molecule-cert-manager"


def test_the_issuers_carry_the_rendered_spec(kube):
    mine = kube.items("clusterissuers.cert-manager.io", selector="app.kubernetes.io/managed-by=linkops.k8s_platform")
    issuers = {o["metadata"]["name"]: o["spec"] for o in mine}
    assert issuers["molecule-selfsigned"] == {"selfSigned": {}}
    assert issuers["molecule-local-ca"]["ca"]["secretName"] == "molecule-local-ca"
    acme = issuers["molecule-le-staging"]["acme"]
    assert acme["server"] == "https://acme-staging-v02.api.letsencrypt.org/directory"
    assert acme["solvers"][0]["http01"]["ingress"]["ingressClassName"] == "traefik"


def test_the_private_ca_root_is_a_ca_signed_by_the_selfsigned_issuer(kube):
    root = kube.get("certificates.cert-manager.io", "molecule-local-ca", RELEASE_NAMESPACE)
    assert root and root["spec"]["isCA"] and root["spec"]["issuerRef"]["name"] == "molecule-selfsigned"
    ready = [c for c in root.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "True", root.get("status")


def test_the_apps_certificates_name_their_hosts_and_issuers(kube):
    certificates = {o["metadata"]["name"]: o["spec"] for o in kube.items("certificates.cert-manager.io", APPS)}
    assert certificates["web-ingress-tls"]["dnsNames"] == ["web.local.linkops.dev"]
    assert certificates["web-ingress-tls"]["issuerRef"]["name"] == "molecule-local-ca"
    assert certificates["api-ingress-tls"]["issuerRef"]["name"] == "molecule-le-staging"


@pytest.mark.parametrize("component", ["controller", "webhook", "cainjector"])
def test_the_release_pods_run_on_the_node(kube, component):
    pods = kube.ready_pods(RELEASE_NAMESPACE, f"app.kubernetes.io/instance={RELEASE},app.kubernetes.io/component={component}")
    assert len(pods) == 1, f"no ready {component} pod"
    assert all(status["state"].get("running") for status in pods[0]["status"]["containerStatuses"]), pods[0]["status"]


def test_the_webhook_service_sends_to_the_webhook_pod(kube):
    webhook = kube.ready_pods(RELEASE_NAMESPACE, f"app.kubernetes.io/instance={RELEASE},app.kubernetes.io/component=webhook")
    slices = kube.items("endpointslices", RELEASE_NAMESPACE, f"kubernetes.io/service-name={RELEASE}-webhook")
    assert kube.ready_endpoints(slices) == [pod["status"]["podIP"] for pod in webhook]
