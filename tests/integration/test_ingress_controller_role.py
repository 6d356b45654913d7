# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ingress_controller role's Helm path for real, on the local control plane.

The chart is tests/fixtures/charts/linkops-test-ingress (written by the project; it reads a subset
of the Traefik and ingress-nginx value keys), served from a loopback chart repository with an
index (tests/integration/chart_repo.py): the role installs it exactly as it would install from a
private (air-gapped) chart repository, through kubernetes.core.helm and the real helm binary.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from chart_repo import CHARTS_DIR, chart_repo, helm_binary  # noqa: F401  (chart_repo is a fixture)

CHART = CHARTS_DIR / "linkops-test-ingress"
CHART_NAME = "linkops-test-ingress"


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
        "ingress_controller_chart_name": CHART_NAME,
        "ingress_controller_chart_version": "0.1.0",
        "ingress_controller_namespace": names["namespace"],
        "ingress_controller_release_name": names["release"],
        "ingress_controller_class_name": names["class"],
        # No load-balancer provider here: helm --wait would wait for an address forever.
        "ingress_controller_service_type": "NodePort",
        **extra,
    }


def test_traefik_install_values_idempotence_upgrade_and_uninstall(cluster, run_playbook, role_playbook, chart_repo, release):
    playbook = role_playbook("ingress_controller")
    repo = chart_repo([(CHART, ["0.1.0", "0.2.0"])])
    assert {e["version"] for e in repo.index()["entries"][CHART_NAME]} == {"0.1.0", "0.2.0"}
    ns, rel = release["namespace"], release["release"]
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
    assert (installed["name"], installed["chart"], installed["revision"], installed["status"]) == (rel, f"{CHART_NAME}-0.1.0", "1", "deployed")

    deployment = cluster.get_json("deployment", rel, "-n", ns)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["status"].get("readyReplicas") == 2, "wait: true returns once the pods are Ready"
    annotations = deployment["metadata"]["annotations"]
    assert annotations["linkops.io/test-flavour"] == "traefik"
    assert annotations["linkops.io/test-https-redirect"] == "true"  # ports.web.redirections.entryPoint -> websecure/https
    assert annotations["linkops.io/test-metrics"] == "true"
    assert annotations["linkops.io/test-service-monitor"] == "false"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"cpu": "50m", "memory": "64Mi"}
    service = cluster.get_json("service", rel, "-n", ns)
    assert service["spec"]["type"] == "NodePort"
    assert "metrics" in {p["name"] for p in service["spec"]["ports"]}
    ingress_class = cluster.get_json("ingressclass", release["class"])
    assert ingress_class["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
    assert ingress_class["spec"]["controller"] == "traefik.io/ingress-controller"
    pdb = cluster.get_json("pdb", rel, "-n", ns)
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
    deployment = cluster.get_json("deployment", rel, "-n", ns)
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["annotations"]["linkops.io/test-https-redirect"] == "false"
    assert deployment["metadata"]["annotations"]["linkops.io/test-metrics"] == "false"
    assert not cluster.exists("pdb", rel, "-n", ns)
    assert cluster.get_json("ingressclass", release["class"])["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "false"
    again = run_playbook(playbook, changed_vars)
    assert again.recap()["changed"] == 0, again.output

    # A new pinned chart version is an upgrade too.
    bumped = run_playbook(playbook, {**changed_vars, "ingress_controller_chart_version": "0.2.0"})
    assert bumped.returncode == 0, bumped.output
    [upgraded] = helm_releases(cluster, ns)
    assert (upgraded["chart"], upgraded["revision"]) == (f"{CHART_NAME}-0.2.0", "3")
    assert cluster.get_json("deployment", rel, "-n", ns)["metadata"]["labels"]["app.kubernetes.io/version"] == "0.2.0"

    absent_vars = {**changed_vars, "ingress_controller_state": "absent"}
    absent_check = run_playbook(playbook, absent_vars, check=True)
    assert absent_check.recap()["changed"] == 1
    assert helm_releases(cluster, ns), "check mode must not uninstall"
    absent = run_playbook(playbook, absent_vars)
    assert absent.returncode == 0, absent.output
    assert absent.recap()["changed"] == 1
    assert helm_releases(cluster, ns) == []
    assert not cluster.exists("deployment", rel, "-n", ns)
    assert not cluster.exists("ingressclass", release["class"])
    absent_again = run_playbook(playbook, absent_vars)
    assert absent_again.recap()["changed"] == 0, absent_again.output


def test_nginx_flavour_maps_the_same_variables_to_its_own_keys(cluster, run_playbook, role_playbook, chart_repo, release):
    playbook = role_playbook("ingress_controller")
    repo = chart_repo([CHART])
    ns, rel = release["namespace"], release["release"]
    host_vars = base_vars(release, repo.url, ingress_controller_flavour="nginx", ingress_controller_replicas=2,
                          ingress_controller_service_type="LoadBalancer",
                          ingress_controller_load_balancer_source_ranges=["203.0.113.0/24", "198.51.100.0/24"],
                          ingress_controller_metrics_enabled=True, ingress_controller_service_monitor=False,
                          ingress_controller_values_override={"controller": {"ingressClassResource": {"controllerValue": "k8s.io/linkops-test"}}},
                          # No load-balancer provider in the test cluster: a LoadBalancer Service never gets an address.
                          ingress_controller_wait=False)
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output
    [installed] = helm_releases(cluster, ns)
    assert installed["chart"] == f"{CHART_NAME}-0.1.0"
    deployment = cluster.get_json("deployment", rel, "-n", ns)
    assert deployment["metadata"]["annotations"]["linkops.io/test-flavour"] == "nginx"  # controller.* keys were given
    assert deployment["metadata"]["annotations"]["linkops.io/test-https-redirect"] == "true"  # controller.config.ssl-redirect
    assert deployment["spec"]["replicas"] == 2
    service = cluster.get_json("service", rel, "-n", ns)
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24", "198.51.100.0/24"]
    ingress_class = cluster.get_json("ingressclass", release["class"])
    assert ingress_class["spec"]["controller"] == "k8s.io/linkops-test", "ingress_controller_values_override is merged last"
    assert ingress_class["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "false"
    assert cluster.exists("pdb", rel, "-n", ns), "ingress-nginx makes its PDB with more than one replica"
    assert run_playbook(playbook, host_vars).recap()["changed"] == 0


def test_local_chart_path(cluster, run_playbook, role_playbook, release, tmp_path):
    playbook = role_playbook("ingress_controller")
    ns = release["namespace"]
    host_vars = base_vars(release, "http://unused.invalid", ingress_controller_chart_path=str(CHART), ingress_controller_replicas=1)
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output
    [installed] = helm_releases(cluster, ns)
    assert installed["chart"] == f"{CHART_NAME}-0.1.0"
    # The default resources: requests and a memory limit (the audit's POD-009), no CPU limit.
    container = cluster.get_json("deployment", release["release"], "-n", ns)["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    assert run_playbook(playbook, host_vars).recap()["changed"] == 0
    absent = run_playbook(playbook, {**host_vars, "ingress_controller_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert helm_releases(cluster, ns) == []


def test_failed_release_is_explained(cluster, run_playbook, role_playbook, chart_repo, release):
    playbook = role_playbook("ingress_controller")
    repo = chart_repo([CHART])
    # A value the chart cannot render: helm fails, the rescue reports the release, its pods and events.
    host_vars = base_vars(release, repo.url, ingress_controller_values_override={"deployment": {"replicas": "many"}})
    result = run_playbook(playbook, host_vars)
    assert result.returncode != 0
    assert f"The traefik release {release['namespace']}/{release['release']} failed" in result.output, result.output
    assert "Pods of the release (0)" in result.output
    assert f"Chart: {repo.url} {CHART_NAME} 0.1.0" in result.output
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
