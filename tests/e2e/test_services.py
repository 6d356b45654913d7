# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Services carry traffic for real: ClusterIP from a pod the policies allow (and not from one they
do not), NodePort from the host on the node's address, session affinity as the services role renders it."""

from __future__ import annotations

import json
import time
import urllib.request
from collections import Counter

import pytest
import yaml

from e2e_env import NETWORK


def http_get(url: str, timeout: float = 3.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # nosec: addresses on this machine only
        return response.read().decode()


def wait_for_ready_endpoints(cluster, namespace, name, count, seconds=30):
    """The rollout is over when the pods are ready; kube-proxy sends traffic once the EndpointSlice says so."""
    deadline = time.monotonic() + seconds
    while True:
        slices = json.loads(cluster.kubectl("-n", namespace, "get", "endpointslices", "-l", f"kubernetes.io/service-name={name}",
                                            "-o", "json").stdout)["items"]
        ready = [e for s in slices for e in s.get("endpoints") or [] if e.get("conditions", {}).get("ready")]
        if len(ready) >= count:
            return
        assert time.monotonic() < deadline, f"{namespace}/{name} has {len(ready)} ready endpoints after {seconds}s, want {count}"
        time.sleep(1)


def wait_until_served(url: str, seconds: float = 30) -> None:
    """kube-proxy rewrites its rules a moment after the EndpointSlice changes; until then the
    Service refuses connections."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            http_get(url)
            return
        except OSError:
            assert time.monotonic() < deadline, f"{url} not served {seconds}s after its endpoints became ready"
            time.sleep(1)


def service(cluster, namespace, name):
    return json.loads(cluster.kubectl("-n", namespace, "get", "service", name, "-o", "json").stdout)


def test_cluster_ip_answers_allowed_clients_only(cluster, module, platform):
    svc = service(cluster, "mlops", "mlops-platform")
    ip = svc["spec"]["clusterIP"]
    result = module("connectivity_probe", {"queries": [
        {"from": "mlops/frontend", "to": ip, "port": 8000, "protocol": "HTTP", "path": "/hostname"},
        {"from": "mlops/audit-assess", "to": ip, "port": 8000, "protocol": "TCP"},
        {"from": "mlops/frontend", "to": "mlops-platform.mlops.svc.cluster.local", "port": 8000, "protocol": "TCP"},
    ], "timeout": 2})
    allowed_http, denied, by_name = result["results"]
    assert allowed_http["allowed"] and allowed_http["status"] == 200, allowed_http
    assert not denied["allowed"], "audit-assess may not reach mlops-platform (no allow for it), yet it did"
    assert by_name["allowed"], by_name


@pytest.mark.local_node
def test_node_port_answers_on_the_node_address_from_the_host(cluster, platform, real_node):
    svc = service(cluster, "mlops", "frontend")
    node_port = next(p["nodePort"] for p in svc["spec"]["ports"])
    assert node_port == 30080
    pods = cluster.kubectl("-n", "mlops", "get", "pods", "-l", "app.kubernetes.io/name=frontend",
                           "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
    assert http_get(f"http://{NETWORK['NODE_IP']}:{node_port}/hostname") in pods


@pytest.mark.local_node
def test_session_affinity_pins_a_client_to_one_pod(cluster, scratch_namespace, tmp_path, run_playbook, real_node):
    """Two replicas behind two Services the services role renders, one with ClientIP affinity: from the
    host, 20 requests through the first all reach one pod, through the second both pods."""
    apps = [{"name": name, "namespace": scratch_namespace, "port": 8080,
             "service": {"type": "ClusterIP", **extra}, "selector": {"app": "affinity-backend"}}
            for name, extra in (("sticky", {"session_affinity": "ClientIP"}), ("spread", {}))]
    apps[0]["workload"] = {"image": "example.com/backend:1", "replicas": 2, "probes": {"readiness": {"path": "/healthz"}}}
    play = [{"hosts": "all", "gather_facts": False, "roles": [
        {"role": "linkops.k8s_platform.services", "vars": {"services_apps": apps}},
        {"role": "linkops.k8s_platform.rbac", "vars": {"rbac_apps": apps}},
        {"role": "linkops.k8s_platform.workloads", "vars": {"workloads_apps": apps, "workloads_wait_timeout": 90}}]}]
    playbook = tmp_path / "affinity.yml"
    playbook.write_text(yaml.safe_dump(play))
    run = run_playbook(playbook)
    assert run.returncode == 0, run.output[-3000:]
    for name in ("sticky", "spread"):
        wait_for_ready_endpoints(cluster, scratch_namespace, name, 2)
    sticky, spread = (service(cluster, scratch_namespace, name) for name in ("sticky", "spread"))
    for svc in (sticky, spread):
        wait_until_served(f"http://{svc['spec']['clusterIP']}:8080/hostname")
    assert sticky["spec"]["sessionAffinity"] == "ClientIP" and spread["spec"]["sessionAffinity"] == "None"
    seen = {name: Counter(http_get(f"http://{svc['spec']['clusterIP']}:8080/hostname") for _ in range(20))
            for name, svc in (("sticky", sticky), ("spread", spread))}
    assert len(seen["sticky"]) == 1, f"ClientIP affinity sent one client to several pods: {seen['sticky']}"
    assert len(seen["spread"]) == 2, f"without affinity both pods should answer: {seen['spread']}"
