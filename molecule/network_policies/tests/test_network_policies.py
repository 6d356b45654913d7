# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network_policies role's policies: as stored, as netpol_reachability reads them, and as the
real node enforces them. The apps' pods run agnhost netexec on the apps' ports (the stand-in image),
the ingress controller and the monitoring stack are agnhost client pods (prepare.yml); connections
are made from inside the pods (testinfra's kubectl backend: `nc -z` in the pod's network namespace)."""

from __future__ import annotations

import pytest

NP, DATA = "molecule-np", "molecule-np-data"
INGRESS, MONITORING = "molecule-np-ingress", "molecule-np-monitoring"
DATABASE = f"database-0.database.{DATA}.svc.cluster.local"

# (source namespace, source pod's app.kubernetes.io/name, destination name, port)
ALLOWED = [
    (NP, "frontend", f"mlops-platform.{NP}", 8000),
    (NP, "mlops-platform", DATABASE, 5432),
    (NP, "mlops-platform", f"whis-enhance.{NP}", 8003),
    (NP, "whis-enhance", DATABASE, 5432),
    (INGRESS, "traefik", f"frontend.{NP}", 80),
    (INGRESS, "traefik", f"mlops-platform.{NP}", 8000),
    (MONITORING, "prometheus", f"whis-enhance.{NP}", 8003),
    (MONITORING, "prometheus", f"mlops-platform.{NP}", 8000),
]
# Each destination here answers the allowed flows above: a failed connection is the policy's doing.
DENIED = [
    (NP, "frontend", DATABASE, 5432),  # frontend's egress goes to mlops-platform only
    (NP, "frontend", f"whis-enhance.{NP}", 8003),
    (NP, "whis-enhance", f"mlops-platform.{NP}", 8000),  # mlops-platform admits frontend, ingress, monitoring
    (MONITORING, "prometheus", DATABASE, 5432),  # the database admits mlops-platform and whis-enhance only
    (INGRESS, "traefik", DATABASE, 5432),
    (DATA, "database", f"mlops-platform.{NP}", 8000),  # the database has no egress but DNS
]


def _id(flow):
    return f"{flow[1]}->{flow[2].split('.')[0]}:{flow[3]}"


@pytest.fixture(scope="module")
def policies(kube):
    return [p for p in kube.items("networkpolicies", selector="linkops.io/managed-by-role=network-policies")
            if p["metadata"]["namespace"] in (NP, DATA)]  # a shared cluster may hold other platforms' policies


def test_default_deny_and_dns_in_both_namespaces_and_one_policy_per_app(policies):
    names = sorted(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in policies)
    assert names == [f"{DATA}/allow-acme-http01-solver", f"{DATA}/allow-dns-egress", f"{DATA}/database-netpol", f"{DATA}/default-deny-all",
                     f"{NP}/allow-acme-http01-solver", f"{NP}/allow-dns-egress", f"{NP}/default-deny-all", f"{NP}/frontend-netpol",
                     f"{NP}/mlops-platform-netpol", f"{NP}/whis-enhance-netpol"]


def test_the_metadata_address_is_excluded_from_the_egress_cidr(policies):
    mlops = next(p for p in policies if p["metadata"]["namespace"] == NP and p["metadata"]["name"] == "mlops-platform-netpol")
    blocks = [peer["ipBlock"] for rule in mlops["spec"]["egress"] for peer in rule.get("to", []) if "ipBlock" in peer]
    assert len(blocks) == 1 and "169.254.169.254/32" in blocks[0]["except"], blocks


def test_the_analyser_answers_the_checklist_questions_on_the_stored_objects(module):
    """netpol_reachability's live mode; it fails, listing the mismatches, when an answer differs."""
    module("netpol_reachability", expect=[
        {"from": f"{NP}/frontend", "to": f"{NP}/mlops-platform", "port": 8000, "allowed": True},
        {"from": f"{NP}/mlops-platform", "to": f"{DATA}/database", "port": 5432, "allowed": True},
        {"from": f"{NP}/frontend", "to": f"{DATA}/database", "port": 5432, "allowed": False},
        {"from": f"{NP}/whis-enhance", "to": f"{NP}/mlops-platform", "port": 8000, "allowed": False},
        {"from": f"{INGRESS}/traefik", "to": f"{NP}/frontend", "port": 3000, "allowed": True},
        {"from": f"{MONITORING}/prometheus", "to": f"{NP}/whis-enhance", "port": 8003, "allowed": True},
        {"from": f"{MONITORING}/prometheus", "to": f"{DATA}/database", "port": 5432, "allowed": False},
        {"from": f"{NP}/whis-enhance", "to": "kube-system/coredns", "port": 53, "protocol": "UDP", "allowed": True},
        {"from": f"{DATA}/database", "to": "kube-system/coredns", "port": 53, "protocol": "TCP", "allowed": True},
        {"from": f"{NP}/mlops-platform", "to": "203.0.113.10", "port": 443, "allowed": True},
        {"from": f"{NP}/mlops-platform", "to": "169.254.169.254", "port": 443, "allowed": False},
        {"from": f"{NP}/mlops-platform", "to": "10.1.2.3", "port": 443, "allowed": False},
        {"from": "198.51.100.7", "to": f"{NP}/frontend", "port": 3000, "allowed": True},
        {"from": "198.51.100.7", "to": f"{NP}/mlops-platform", "port": 8000, "allowed": False},
    ])


@pytest.mark.parametrize("namespace", [NP, DATA])
def test_every_app_pod_answers_on_its_port_from_the_node(host, kube, spec, namespace):
    """The stand-ins listen (the node's own traffic to its pods is never policed): a refused flow
    below is the policy's doing, not a missing server."""
    for app in (a for a in spec["k8s_platform_apps"] if a["namespace"] == namespace):
        port = app.get("port") or app["ports"][0].get("target_port", app["ports"][0]["port"])
        for pod in kube.ready_pods(namespace, f"app.kubernetes.io/name={app['name']}") or pytest.fail(f"no ready pod of {app['name']}"):
            answer = host.run("curl -s --max-time 5 http://%s:%s/hostname", pod["status"]["podIP"], str(port))
            assert answer.stdout == pod["metadata"]["name"], f"{app['name']} on {port}: {answer.stdout} {answer.stderr}"


@pytest.mark.parametrize("flow", ALLOWED, ids=_id)
def test_an_allowed_flow_connects(kube, flow):
    namespace, app, destination, port = flow
    assert kube.app_host(namespace, app).addr(destination).port(port).is_reachable, f"{namespace}/{app} cannot reach {destination}:{port}"


@pytest.mark.parametrize("flow", DENIED, ids=_id)
def test_a_denied_flow_is_dropped(kube, flow):
    namespace, app, destination, port = flow
    inside = kube.app_host(namespace, app)
    assert inside.addr(destination).is_resolvable, f"{destination} does not resolve in {namespace}/{app}"
    assert not inside.addr(destination).port(port).is_reachable, f"{namespace}/{app} reaches {destination}:{port}"


def test_names_resolve_inside_the_apps_under_the_dns_policy(kube):
    frontend = kube.app_host(NP, "frontend")
    for name in ("mlops-platform", f"mlops-platform.{NP}", f"database.{DATA}.svc.cluster.local", "kubernetes.default"):
        assert frontend.addr(name).is_resolvable, f"{name} does not resolve inside frontend"
    assert not frontend.addr("database").is_resolvable, "a short name of another namespace must not resolve"
    database = kube.app_host(DATA, "database")
    assert database.addr(f"mlops-platform.{NP}.svc.cluster.local").is_resolvable, "names do not resolve inside the database"
