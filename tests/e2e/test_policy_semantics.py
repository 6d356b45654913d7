# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node's NetworkPolicy enforcer implements networking.k8s.io/v1 in full: pod and namespace
selectors, named ports, port ranges (endPort), ipBlock with except, ingress and egress. Each case
applies one policy to pods of the test's own, checks the packets, and checks that
netpol_reachability predicts the same (compare_with_policies)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from e2e_env import NETWORK

SERVER_PORTS = {"http": 8080, "alt": 8081, "high": 9090}


def netexec_pod(name: str, namespace: str, labels: dict, ports: dict[str, int]) -> dict:
    containers = [{
        "name": port_name, "image": "registry.k8s.io/e2e-test-images/agnhost:2.59", "imagePullPolicy": "IfNotPresent",
        "command": ["/agnhost"], "args": ["netexec", f"--http-port={port}", f"--udp-port={port}"],
        "ports": [{"name": port_name, "containerPort": port}],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
    } for port_name, port in ports.items()]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"containers": containers, "terminationGracePeriodSeconds": 0}}


@pytest.fixture(scope="module")
def pods(cluster, platform):
    """Namespaces a (team=a) and b (team=b); in a: server (three ports), client, other; in b: remote."""
    suffix = uuid.uuid4().hex[:5]
    ns_a, ns_b = f"np-a-{suffix}", f"np-b-{suffix}"
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"team": team}}}
               for ns, team in ((ns_a, "a"), (ns_b, "b"))]
    objects += [netexec_pod("server", ns_a, {"app": "server"}, SERVER_PORTS),
                netexec_pod("client", ns_a, {"app": "client"}, {"http": 8080}),
                netexec_pod("other", ns_a, {"app": "other"}, {"http": 8080}),
                netexec_pod("remote", ns_b, {"app": "client"}, {"http": 8080})]
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    for ns, pod in ((ns_a, "server"), (ns_a, "client"), (ns_a, "other"), (ns_b, "remote")):
        cluster.kubectl("-n", ns, "wait", "--for=condition=Ready", f"pod/{pod}", "--timeout=90s")
    ips = {f"{ns}/{pod}": cluster.kubectl("-n", ns, "get", "pod", pod, "-o", "jsonpath={.status.podIP}").stdout
           for ns, pod in ((ns_a, "server"), (ns_a, "client"), (ns_a, "other"), (ns_b, "remote"))}
    yield {"a": ns_a, "b": ns_b, "ips": ips}
    cluster.kubectl("delete", "namespace", ns_a, ns_b, "--wait=false", check=False)


@pytest.fixture
def policy(cluster, pods):
    """Apply one NetworkPolicy (spec) in namespace a; it is deleted after the test."""
    applied = []

    def apply(spec: dict, namespace: str | None = None) -> None:
        name = f"case-{len(applied)}"
        ns = namespace or pods["a"]
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}))
        applied.append((ns, name))

    yield apply
    for ns, name in applied:
        cluster.kubectl("-n", ns, "delete", "networkpolicy", name, check=False)


def expect(module, pods, cases: list[tuple[str, str, int, bool]], seconds: float = 30) -> None:
    """Probe (from, to, port) until the network shows the expected verdicts (the enforcer applies a
    new policy within seconds), then require netpol_reachability to agree on every cell."""
    queries = [{"from": f"{pods[src[0]]}/{src[1]}", "to": f"{pods[dst[0]]}/{dst[1]}", "port": port}
               for (src, dst, port, _allowed) in cases]
    want = [allowed for *_rest, allowed in cases]
    deadline = time.monotonic() + seconds
    while True:
        result = module("connectivity_probe", {"queries": queries, "exec_in_pod": True, "timeout": 2, "compare_with_policies": True})
        got = [r["allowed"] for r in result["results"]]
        if got == want or time.monotonic() > deadline:
            break
        time.sleep(2)
    wrong = [f"{q['from']} -> {q['to']}:{q['port']}: want {'allowed' if w else 'denied'}" for q, w, g in zip(queries, want, got) if w != g]
    assert not wrong, "\n".join(wrong)
    assert result["mismatches"] == [], result["mismatches"]


A_SERVER, A_CLIENT, A_OTHER, B_REMOTE = ("a", "server"), ("a", "client"), ("a", "other"), ("b", "remote")
SERVER = {"podSelector": {"matchLabels": {"app": "server"}}}


def test_without_policies_everything_connects(module, pods):
    expect(module, pods, [(A_CLIENT, A_SERVER, 8080, True), (A_OTHER, A_SERVER, 9090, True), (B_REMOTE, A_SERVER, 8081, True)])


def test_ingress_pod_selector_is_namespace_local(module, pods, policy):
    policy({**SERVER, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}]}]})
    # remote carries app=client too, but lives in another namespace.
    expect(module, pods, [(A_CLIENT, A_SERVER, 8080, True), (A_OTHER, A_SERVER, 8080, False), (B_REMOTE, A_SERVER, 8080, False)])


def test_namespace_selector(module, pods, policy):
    policy({**SERVER, "policyTypes": ["Ingress"], "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}}]}]})
    expect(module, pods, [(B_REMOTE, A_SERVER, 8080, True), (A_CLIENT, A_SERVER, 8080, False)])


def test_named_port(module, pods, policy):
    policy({**SERVER, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": "http"}]}]})
    expect(module, pods, [(A_CLIENT, A_SERVER, 8080, True), (A_CLIENT, A_SERVER, 8081, False), (A_CLIENT, A_SERVER, 9090, False)])


def test_port_range_with_end_port(module, pods, policy):
    policy({**SERVER, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 8080, "endPort": 8081, "protocol": "TCP"}]}]})
    expect(module, pods, [(A_CLIENT, A_SERVER, 8080, True), (A_CLIENT, A_SERVER, 8081, True), (A_CLIENT, A_SERVER, 9090, False)])


def test_ip_block_with_except(module, pods, policy):
    client_ip = pods["ips"][f"{pods['a']}/client"]
    policy({**SERVER, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": NETWORK["POD_CIDR"], "except": [f"{client_ip}/32"]}}]}]})
    expect(module, pods, [(A_OTHER, A_SERVER, 8080, True), (A_CLIENT, A_SERVER, 8080, False), (B_REMOTE, A_SERVER, 8080, True)])


def test_egress(module, pods, policy):
    policy({"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "server"}}}], "ports": [{"port": 8080}]}]})
    expect(module, pods, [(A_CLIENT, A_SERVER, 8080, True), (A_CLIENT, A_SERVER, 9090, False), (A_CLIENT, A_OTHER, 8080, False),
                          (A_OTHER, A_SERVER, 9090, True)])
