# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The services role on the real control plane: every Service type, converge, idempotence, check mode, absent, bad input."""

from __future__ import annotations

import random

import pytest


def apps(ns: str, node_port: int) -> list[dict]:
    return [
        {"name": "api", "namespace": ns, "description": "the API", "port": 8000,
         "metrics": {"port": 9100, "path": "/prom"},
         "service": {"type": "ClusterIP", "session_affinity": "ClientIP", "session_affinity_timeout": 300,
                     "external_lb": {"port": 80, "source_ranges": ["10.0.0.0/8"], "external_traffic_policy": "Local",
                                     "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}}}},
        {"name": "web", "namespace": ns,
         "ports": [{"name": "http", "port": 80, "target_port": 3000, "app_protocol": "http", "node_port": node_port},
                   {"name": "grpc", "port": 9000, "app_protocol": "kubernetes.io/h2c"}],
         "service": {"type": "NodePort"}},
        {"name": "edge", "namespace": ns, "port": 8443,
         "service": {"type": "LoadBalancer", "source_ranges": ["192.168.0.0/16"], "external_traffic_policy": "Local",
                     "annotations": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}}},
        {"name": "db", "namespace": ns, "ports": [{"name": "postgres", "port": 5432, "app_protocol": "postgresql"}],
         "service": {"type": "Headless", "publish_not_ready_addresses": True}},
        {"name": "bucket", "namespace": ns, "service": {"type": "ExternalName", "external_name": "s3.eu-west-1.amazonaws.com"}},
    ]


def test_every_service_type_converge_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, namespace):
    playbook = role_playbook("services")
    node_port = random.randint(30000, 32767)
    host_vars = {"services_apps": apps(namespace, node_port)}
    names = ["api", "api-lb", "web", "edge", "db", "bucket"]

    check_first = run_playbook(playbook, host_vars, check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] == 1
    assert "api-lb" in check_first.output  # the diff names what would be created
    assert cluster.kubectl("get", "services", "-n", namespace, "-o", "name").stdout.strip() == "", "check mode must not create anything"

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    assert first.recap()["changed"] == 1
    svc = {name: cluster.get_json("service", name, "-n", namespace) for name in names}

    api = svc["api"]
    assert api["spec"]["type"] == "ClusterIP"
    assert api["spec"]["clusterIP"] not in ("", "None")
    assert api["spec"]["selector"] == {"app.kubernetes.io/name": "api"}
    assert [(p["name"], p["port"], p["targetPort"]) for p in api["spec"]["ports"]] == [("http", 8000, 8000), ("metrics", 9100, 9100)]
    assert api["spec"]["ports"][1]["appProtocol"] == "http"
    assert api["spec"]["sessionAffinity"] == "ClientIP"
    assert api["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] == 300
    annotations = api["metadata"]["annotations"]
    assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/port"], annotations["prometheus.io/path"]) == ("true", "9100", "/prom")
    assert annotations["linkops.io/description"] == "the API"
    assert api["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "linkops.k8s_platform"

    lb = svc["api-lb"]
    assert lb["spec"]["type"] == "LoadBalancer"
    assert lb["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/8"]
    assert lb["spec"]["externalTrafficPolicy"] == "Local"
    assert lb["spec"]["healthCheckNodePort"] > 0  # allocated by the API server for Local
    assert [(p["port"], p["targetPort"]) for p in lb["spec"]["ports"]] == [(80, 8000)]
    assert lb["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    assert lb["spec"]["selector"] == api["spec"]["selector"]

    web = svc["web"]
    assert web["spec"]["type"] == "NodePort"
    assert web["spec"]["ports"][0]["nodePort"] == node_port
    assert web["spec"]["ports"][0]["targetPort"] == 3000
    assert web["spec"]["ports"][0]["appProtocol"] == "http"
    assert web["spec"]["ports"][1]["appProtocol"] == "kubernetes.io/h2c"
    assert 30000 <= web["spec"]["ports"][1]["nodePort"] <= 32767  # picked by the API server

    edge = svc["edge"]
    assert edge["spec"]["type"] == "LoadBalancer"
    assert edge["spec"]["loadBalancerSourceRanges"] == ["192.168.0.0/16"]
    assert edge["spec"]["externalTrafficPolicy"] == "Local"
    assert edge["metadata"]["annotations"]["service.beta.kubernetes.io/azure-load-balancer-internal"] == "true"

    db = svc["db"]
    assert db["spec"]["clusterIP"] == "None"
    assert db["spec"]["publishNotReadyAddresses"] is True
    assert db["spec"]["ports"][0]["appProtocol"] == "postgresql"

    bucket = svc["bucket"]
    assert bucket["spec"]["type"] == "ExternalName"
    assert bucket["spec"]["externalName"] == "s3.eu-west-1.amazonaws.com"
    assert "selector" not in bucket["spec"]

    managers = {m["manager"] for m in cluster.get_json("service", "api", "-n", namespace, "--show-managed-fields")["metadata"]["managedFields"]}
    assert "linkops.k8s_platform" in managers

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output

    check_again = run_playbook(playbook, host_vars, check=True)
    assert check_again.returncode == 0, check_again.output
    assert check_again.recap()["changed"] == 0, check_again.output

    # A changed port shows in --check --diff and is not applied.
    changed = apps(namespace, node_port)
    changed[2]["port"] = 9443
    diff = run_playbook(playbook, {"services_apps": changed}, check=True)
    assert diff.returncode == 0, diff.output
    assert diff.recap()["changed"] == 1
    assert "9443" in diff.output and "8443" in diff.output
    assert cluster.get_json("service", "edge", "-n", namespace)["spec"]["ports"][0]["port"] == 8443

    absent = run_playbook(playbook, {**host_vars, "services_state": "absent"})
    assert absent.returncode == 0, absent.output
    for name in names:
        assert not cluster.exists("service", name, "-n", namespace)


def test_the_shared_spec_is_the_default_input(cluster, run_playbook, role_playbook, namespace):
    playbook = role_playbook("services")
    host_vars = {"k8s_platform_apps": [{"name": "solo", "namespace": namespace, "port": 80}], "k8s_platform_environment": "ci"}
    result = run_playbook(playbook, host_vars)
    assert result.returncode == 0, result.output
    labels = cluster.get_json("service", "solo", "-n", namespace)["metadata"]["labels"]
    assert labels["linkops.io/environment"] == "ci"
    assert run_playbook(playbook, {**host_vars, "services_state": "absent"}).returncode == 0
    assert not cluster.exists("service", "solo", "-n", namespace)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"name": "np", "port": 80, "service": {"type": "NodePort", "node_port": 80}}, "services_apps[1].service.node_port: 80 is outside 30000-32767"),
        ({"name": "ext", "service": {"type": "ExternalName"}}, "services_apps[1].service: service type ExternalName needs 'external_name'"),
        ({"name": "lb", "port": 80, "service": {"type": "ClusterIP", "source_ranges": ["10.0.0.0/8"]}},
         "services_apps[1].service.source_ranges: source_ranges is only valid with service type LoadBalancer"),
        ({"name": "aff", "port": 80, "service": {"session_affinity": "Sticky"}},
         "services_apps[1].service.session_affinity: 'Sticky' is not allowed; allowed values: None, ClientIP"),
        ({"name": "Bad_Name", "port": 80}, "services_apps[1].name: 'Bad_Name' must be a DNS-1035 label"),
        ({"name": "two", "port": 80, "ports": [{"port": 81}]}, "services_apps[1]: set either 'port' or 'ports', not both"),
    ],
)
def test_bad_input_is_reported_before_anything_is_applied(cluster, run_playbook, role_playbook, namespace, bad, expected):
    playbook = role_playbook("services")
    good = {"name": "good", "namespace": namespace, "port": 80}
    result = run_playbook(playbook, {"services_apps": [good, {**bad, "namespace": namespace}]})
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("service", "good", "-n", namespace)
