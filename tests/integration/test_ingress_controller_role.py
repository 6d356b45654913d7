# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ingress_controller role's Helm path for real, on the local control plane.

The charts are the OFFICIAL Traefik and ingress-nginx charts at the versions the role pins
(tests/charts.py: LINKOPS_CHART_MIRROR, else helm pull), served from a loopback chart repository
with an index (tests/integration/chart_repo.py): the role installs them exactly as it would from a
private (air-gapped) chart repository, through kubernetes.core.helm and the real helm binary. The
local chart path is tested with the archive itself. The assertions read the objects the official
charts render from the role's values.

On kwok's fake nodes the pods are marked Ready without running, so helm --wait returns. The
upgrade to a new pinned version uses the official Traefik chart packaged again at the next patch
version (the mirror holds only the pinned one). ingress-nginx runs with
controller.admissionWebhooks.enabled false (through ingress_controller_values_override): its
pre-install hook Job never completes on fake nodes, and its ValidatingWebhookConfiguration would
send every Ingress in the cluster to a webhook nothing answers for.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from chart_repo import chart_repo, helm_binary  # noqa: F401  (chart_repo is a fixture)
from charts import official_archive, pin  # pylint: disable=import-error

TRAEFIK = pin("traefik")
NGINX = pin("ingress-nginx")
# The official Traefik chart packaged again as the next patch version: an upgrade of the pin.
TRAEFIK_NEXT = "{}.{}.{}".format(*TRAEFIK.version.split(".")[:2], int(TRAEFIK.version.split(".")[2]) + 1)
# Off on fake nodes: the certgen hook Job never completes and the admission webhook never answers.
NGINX_NO_WEBHOOK = {"controller": {"admissionWebhooks": {"enabled": False}}}


@pytest.fixture
def release(cluster, unique_name):
    """A unique namespace / release / IngressClass name; whatever is left is removed afterwards."""
    names = {"namespace": f"{unique_name}-ic", "release": f"{unique_name}-rel", "class": f"{unique_name}-class"}
    yield names
    subprocess.run([helm_binary(), "uninstall", names["release"], "-n", names["namespace"], "--wait"],
                   env=cluster.env(), capture_output=True, check=False)
    cluster.kubectl("delete", "ingressclass", names["class"], "--ignore-not-found", check=False)
    cluster.kubectl("delete", "namespace", names["namespace"], "--wait=false", "--ignore-not-found", check=False)


def helm_releases(cluster, namespace: str) -> list[dict]:
    proc = subprocess.run([helm_binary(), "list", "-n", namespace, "-o", "json"], env=cluster.env(),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout or "[]")


def base_vars(names: dict, repo_url: str, **extra) -> dict:
    return {
        "ingress_controller_helm_binary": helm_binary(),
        "ingress_controller_chart_repo_url": repo_url,
        "ingress_controller_namespace": names["namespace"],
        "ingress_controller_release_name": names["release"],
        "ingress_controller_class_name": names["class"],
        # No load-balancer provider here: helm --wait would wait for an address forever.
        "ingress_controller_service_type": "NodePort",
        **extra,
    }


def traefik_args(cluster, ns: str, name: str) -> list[str]:
    return cluster.get_json("deployment", name, "-n", ns)["spec"]["template"]["spec"]["containers"][0]["args"]


def test_traefik_install_values_idempotence_upgrade_and_uninstall(cluster, run_playbook, role_playbook, chart_repo, release):
    playbook = role_playbook("ingress_controller")
    archive = official_archive(TRAEFIK)
    repo = chart_repo([archive, (archive, [TRAEFIK_NEXT])])
    assert {e["version"] for e in repo.index()["entries"]["traefik"]} == {TRAEFIK.version, TRAEFIK_NEXT}
    ns, rel = release["namespace"], release["release"]
    name = f"{rel}-traefik"  # the chart's fullname: <release>-traefik
    host_vars = base_vars(release, repo.url, ingress_controller_replicas=2, ingress_controller_default_class=True,
                          ingress_controller_resources={"requests": {"cpu": "50m", "memory": "64Mi"}})

    check = run_playbook(playbook, host_vars, check=True)
    assert check.returncode == 0, check.output
    assert check.recap()["changed"] == 1, check.output
    assert not cluster.exists("namespace", ns), "check mode must not install anything"

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    assert first.recap()["changed"] == 1, first.output
    [installed] = helm_releases(cluster, ns)
    assert (installed["name"], installed["chart"], installed["revision"], installed["status"]) == (
        rel, f"traefik-{TRAEFIK.version}", "1", "deployed")

    deployment = cluster.get_json("deployment", name, "-n", ns)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["status"].get("readyReplicas") == 2, "wait: true returns once the pods are Ready"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].endswith(f"traefik:{installed['app_version']}")
    args = container["args"]
    # https_redirect: Traefik's static redirect flags; metrics: the Prometheus metrics on their entry point.
    assert "--entryPoints.web.http.redirections.entryPoint.to=:443" in args
    assert "--entryPoints.web.http.redirections.entryPoint.scheme=https" in args
    assert {"--metrics.prometheus=true", "--metrics.prometheus.entrypoint=metrics"} <= set(args)
    assert "metrics" in {p["name"] for p in container["ports"]}
    assert container["resources"]["requests"] == {"cpu": "50m", "memory": "64Mi"}
    service = cluster.get_json("service", name, "-n", ns)
    assert service["spec"]["type"] == "NodePort"
    assert {"web", "websecure"} <= {p["name"] for p in service["spec"]["ports"]}
    assert not cluster.exists("servicemonitor", name, "-n", ns)
    ingress_class = cluster.get_json("ingressclass", release["class"])
    assert ingress_class["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
    assert ingress_class["spec"]["controller"] == "traefik.io/ingress-controller"
    pdb = cluster.get_json("pdb", name, "-n", ns)
    assert pdb["spec"]["minAvailable"] == 1

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output
    assert helm_releases(cluster, ns)[0]["revision"] == "1"

    # A values change is an upgrade (revision 2), visible in the rendered objects.
    changed_vars = {**host_vars, "ingress_controller_replicas": 3, "ingress_controller_https_redirect": False,
                    "ingress_controller_pdb_enabled": False, "ingress_controller_default_class": False,
                    "ingress_controller_metrics_enabled": False}
    upgrade = run_playbook(playbook, changed_vars)
    assert upgrade.returncode == 0, upgrade.output
    assert upgrade.recap()["changed"] == 1
    assert helm_releases(cluster, ns)[0]["revision"] == "2"
    deployment = cluster.get_json("deployment", name, "-n", ns)
    assert deployment["spec"]["replicas"] == 3
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert not [a for a in args if "redirections" in a], args
    assert "--metrics.prometheus=true" not in args
    assert not cluster.exists("pdb", name, "-n", ns)
    assert cluster.get_json("ingressclass", release["class"])["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "false"
    again = run_playbook(playbook, changed_vars)
    assert again.recap()["changed"] == 0, again.output

    # A new pinned chart version is an upgrade too.
    bumped = run_playbook(playbook, {**changed_vars, "ingress_controller_traefik_chart_version": TRAEFIK_NEXT})
    assert bumped.returncode == 0, bumped.output
    [upgraded] = helm_releases(cluster, ns)
    assert (upgraded["chart"], upgraded["revision"]) == (f"traefik-{TRAEFIK_NEXT}", "3")
    assert cluster.get_json("deployment", name, "-n", ns)["metadata"]["labels"]["helm.sh/chart"] == f"traefik-{TRAEFIK_NEXT}"

    absent_vars = {**changed_vars, "ingress_controller_state": "absent"}
    absent_check = run_playbook(playbook, absent_vars, check=True)
    assert absent_check.recap()["changed"] == 1
    assert helm_releases(cluster, ns), "check mode must not uninstall"
    absent = run_playbook(playbook, absent_vars)
    assert absent.returncode == 0, absent.output
    assert absent.recap()["changed"] == 1
    assert helm_releases(cluster, ns) == []
    assert not cluster.exists("deployment", name, "-n", ns)
    assert not cluster.exists("ingressclass", release["class"])
    absent_again = run_playbook(playbook, absent_vars)
    assert absent_again.recap()["changed"] == 0, absent_again.output


def test_nginx_flavour_maps_the_same_variables_to_its_own_keys(cluster, run_playbook, role_playbook, chart_repo, release):
    playbook = role_playbook("ingress_controller")
    repo = chart_repo([official_archive(NGINX)])
    ns, rel = release["namespace"], release["release"]
    name = f"{rel}-ingress-nginx-controller"
    host_vars = base_vars(release, repo.url, ingress_controller_flavour="nginx", ingress_controller_replicas=2,
                          ingress_controller_service_type="LoadBalancer",
                          ingress_controller_load_balancer_source_ranges=["203.0.113.0/24", "198.51.100.0/24"],
                          ingress_controller_metrics_enabled=True, ingress_controller_service_monitor=False,
                          ingress_controller_values_override={"controller": {"ingressClassResource": {"controllerValue": "k8s.io/linkops-test"},
                                                                               **NGINX_NO_WEBHOOK["controller"]}},
                          # No load-balancer provider in the test cluster: a LoadBalancer Service never gets an address.
                          ingress_controller_wait=False)
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output
    [installed] = helm_releases(cluster, ns)
    assert installed["chart"] == f"ingress-nginx-{NGINX.version}"
    deployment = cluster.get_json("deployment", name, "-n", ns)
    assert deployment["spec"]["replicas"] == 2
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--ingress-class={release['class']}" in args and f"--controller-class=k8s.io/linkops-test" in args
    config = cluster.get_json("configmap", name, "-n", ns)["data"]
    assert config["ssl-redirect"] == "true"  # controller.config.ssl-redirect
    assert cluster.exists("service", f"{name}-metrics", "-n", ns), "controller.metrics.enabled"
    assert not cluster.exists("validatingwebhookconfiguration", f"{rel}-ingress-nginx-admission")
    service = cluster.get_json("service", name, "-n", ns)
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24", "198.51.100.0/24"]
    ingress_class = cluster.get_json("ingressclass", release["class"])
    assert ingress_class["spec"]["controller"] == "k8s.io/linkops-test", "ingress_controller_values_override is merged last"
    # The official chart annotates only a default class.
    assert ingress_class["metadata"].get("annotations", {}).get("ingressclass.kubernetes.io/is-default-class", "false") == "false"
    assert cluster.get_json("pdb", name, "-n", ns)["spec"]["minAvailable"] == 1, "ingress-nginx makes its PDB with more than one replica"
    assert run_playbook(playbook, host_vars).recap()["changed"] == 0


def test_local_chart_path(cluster, run_playbook, role_playbook, release, tmp_path):
    """ingress_controller_chart_path: the official archive on the control node, no repository."""
    playbook = role_playbook("ingress_controller")
    ns = release["namespace"]
    host_vars = base_vars(release, "http://unused.invalid", ingress_controller_chart_path=str(official_archive(TRAEFIK)),
                          ingress_controller_replicas=1)
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output
    [installed] = helm_releases(cluster, ns)
    assert installed["chart"] == f"traefik-{TRAEFIK.version}"
    # The default resources: requests and a memory limit (the audit's POD-009), no CPU limit.
    container = cluster.get_json("deployment", f"{release['release']}-traefik", "-n", ns)["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    assert run_playbook(playbook, host_vars).recap()["changed"] == 0
    absent = run_playbook(playbook, {**host_vars, "ingress_controller_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert helm_releases(cluster, ns) == []


def test_failed_release_is_explained(cluster, run_playbook, role_playbook, chart_repo, release):
    playbook = role_playbook("ingress_controller")
    repo = chart_repo([official_archive(TRAEFIK)])
    # A value the chart's schema refuses: helm fails, the rescue reports the release, its pods and events.
    host_vars = base_vars(release, repo.url, ingress_controller_values_override={"deployment": {"replicas": "many"}})
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert f"The traefik release {release['namespace']}/{release['release']} failed" in result.output, result.output
    assert "Pods of the release (0)" in result.output
    assert f"Chart: {repo.url} traefik {TRAEFIK.version}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"ingress_controller_service_type": "LoadBalancer", "ingress_controller_load_balancer_source_ranges": ["10.0.0.0/8", "not-a-cidr"]},
         "ingress_controller_load_balancer_source_ranges[1]: not-a-cidr is not a CIDR"),
        ({"ingress_controller_load_balancer_source_ranges": ["10.0.0.0/8"]},
         "ingress_controller_load_balancer_source_ranges: only used with ingress_controller_service_type LoadBalancer (it is NodePort)"),
        ({"ingress_controller_flavour": "nginx", "ingress_controller_replicas": 1},
         "ingress_controller_pdb_enabled: the ingress-nginx chart creates a PodDisruptionBudget only with more than one replica"),
        ({"ingress_controller_metrics_enabled": False, "ingress_controller_service_monitor": True},
         "ingress_controller_service_monitor: needs ingress_controller_metrics_enabled"),
        ({"ingress_controller_chart_path": "/nonexistent/chart"}, "ingress_controller_chart_path: /nonexistent/chart does not exist on the control node"),
        ({"ingress_controller_chart_version": ""}, "ingress_controller_chart_version: must be pinned"),
        ({"ingress_controller_release_name": "Bad_Release"}, "ingress_controller_release_name: Bad_Release is not a valid release name"),
        ({"ingress_controller_flavour": "haproxy"}, "ingress_controller_flavour"),
        ({"ingress_controller_service_type": "ClusterIP"}, "ingress_controller_service_type"),
        ({"ingress_controller_resources": {"limit": {"memory": "1Gi"}}}, "ingress_controller_resources"),
        ({"ingress_controller_resources": {"requests": {"memory": "lots"}}},
         "ingress_controller_resources.requests.memory: 'lots' is not a Kubernetes quantity"),
        ({"ingress_controller_resources": {"requests": {"memory": "512Mi"}, "limits": {"memory": "256Mi"}}},
         "ingress_controller_resources.requests.memory: 512Mi is more than the limit 256Mi"),
    ],
)
def test_bad_input_is_reported_before_anything_is_installed(cluster, run_playbook, role_playbook, release, extra, expected):
    playbook = role_playbook("ingress_controller")
    host_vars = base_vars(release, "http://127.0.0.1:9/unreachable", **extra)
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("namespace", release["namespace"])


def test_several_problems_are_reported_at_once(cluster, run_playbook, role_playbook, release):
    playbook = role_playbook("ingress_controller")
    host_vars = base_vars(release, "ftp://mirror.example.com", ingress_controller_replicas=0,
                          ingress_controller_namespace="Bad_NS")
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    for expected in ("ingress_controller_replicas: 0 must be at least 1", "ingress_controller_namespace: Bad_NS is not a DNS-1123 label",
                     "ingress_controller_chart_repo_url: ftp://mirror.example.com is not an http(s):// or oci:// URL"):
        assert expected in result.output, result.output
