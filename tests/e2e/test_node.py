# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real node itself, checked with testinfra's local backend: its services run, listen where
they should (the node's own interface, loopback) and nowhere else, and the kernel is set up for
pod networking. Plus the node as the API server sees it."""

from __future__ import annotations

import json

import pytest
import testinfra

from e2e_env import NETWORK, VERSIONS

pytestmark = pytest.mark.local_node


@pytest.fixture(scope="module")
def host(real_node):
    return testinfra.get_host("local://")


@pytest.mark.parametrize("process", ["containerd", "kubelet", "kube-proxy", "kube-router"])
def test_node_processes_run(host, process):
    assert host.process.filter(comm=process[:15]), f"{process} is not running on the node"


def test_kubelet_and_containerd_sockets_and_ports(host):
    node_ip = NETWORK["NODE_IP"]
    assert host.socket(f"tcp://{node_ip}:10250").is_listening, "kubelet's API on the node address"
    assert host.socket("tcp://127.0.0.1:10248").is_listening, "kubelet's healthz on loopback"
    assert host.socket("tcp://127.0.0.1:10256").is_listening, "kube-proxy's healthz on loopback"
    sockets = [s for s in host.run("find / -xdev -name containerd.sock -type s 2>/dev/null").stdout.split() if "/node/" in s]
    assert sockets, "containerd's socket in the node's state directory"
    assert host.run("curl -sf http://127.0.0.1:10248/healthz").stdout == "ok"


def test_nothing_of_the_node_listens_on_the_uplink(host):
    """Every listener of the node is on its own interface or loopback: nothing on 0.0.0.0 or the machine's address."""
    components = {"kubelet", "kube-proxy", "kube-router", "containerd", "socat", "coredns"}
    wide_open = []
    for line in host.run("ss -Hltnup").stdout.splitlines():
        fields = line.split()
        local, users = fields[4], " ".join(fields[6:])
        address = local.rsplit(":", 1)[0].strip("[]")
        if address in {"0.0.0.0", "*", "::"} and any(f'"{name}"' in users for name in components):
            wide_open.append(line)
    assert not wide_open, "node components listening on every interface:\n" + "\n".join(wide_open)


def test_kernel_is_set_up_for_pod_networking(host):
    assert host.sysctl("net.ipv4.ip_forward") == 1
    assert host.sysctl("net.bridge.bridge-nf-call-iptables") == 1
    assert host.interface(NETWORK["NODE_INTERFACE"]).exists
    assert NETWORK["NODE_IP"] in host.interface(NETWORK["NODE_INTERFACE"]).addresses


def test_pods_have_no_route_off_the_machine(host):
    """Policy routing answers 'unreachable' for any destination outside the node and pod ranges."""
    rules = host.run("ip rule show").stdout
    assert f"from {NETWORK['POD_CIDR']} unreachable" in rules
    outside = host.run(f"ip route get 192.0.2.200 from {NETWORK['POD_CIDR'].split('/')[0][:-1]}5 iif cni0")
    assert outside.rc != 0 or "unreachable" in outside.stdout + outside.stderr


def test_the_api_server_sees_a_ready_real_node(cluster, real_node):
    node = json.loads(cluster.kubectl("get", "node", real_node, "-o", "json").stdout)
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True"
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    assert node["status"]["nodeInfo"]["kubeletVersion"] == VERSIONS["K8S_VERSION"]
    assert "kwok.x-k8s.io/node" not in node["metadata"].get("annotations", {}), "the real node must not be a kwok node"
    internal = [a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"]
    assert internal == [NETWORK["NODE_IP"]]

