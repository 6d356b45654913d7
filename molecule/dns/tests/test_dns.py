# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns role pointed at the CoreDNS stand-in in molecule-dns (kube-system is never touched): the
Corefile, its backup and the restart as stored, then what the restarted CoreDNS pods really serve:
their server blocks, the cluster zone through the stand-in's Service, and where each zone's
queries are forwarded (the forwarders are unreachable addresses: CoreDNS's errors plugin names the
upstream it tried)."""

from __future__ import annotations

import re

import pytest

from ansible_collections.linkops.k8s_platform.plugins.filter.dns import dns_corefile_errors

NAMESPACE = "molecule-dns"
SELECTOR = "k8s-app=kube-dns"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# "[ERROR] plugin/errors: 2 probe.corp.internal. A: read udp 10.244.0.9:52047->10.1.0.11:5353: i/o timeout"
FORWARD_ERROR = re.compile(r"plugin/errors: \d+ (?P<name>\S+)\. A: .*?(?:->|dial \w+ )(?P<upstream>[0-9.]+:\d+): ")


def _upstream(forwarder: str) -> str:
    """A Corefile forward target as CoreDNS dials it: 10.1.0.10 -> 10.1.0.10:53, tls://1.1.1.1 -> 1.1.1.1:853."""
    address, default_port = (forwarder[len("tls://"):], 853) if forwarder.startswith("tls://") else (forwarder, 53)
    return address if ":" in address else f"{address}:{default_port}"


@pytest.fixture(scope="module")
def corefile(kube):
    return kube.get("configmap", "coredns", NAMESPACE)["data"]["Corefile"]


@pytest.fixture
def client(kube, agnhost_pod, scratch_pod):
    """A testinfra host inside a pod of molecule-dns, and the stand-in Service's address."""
    pod = scratch_pod(agnhost_pod("dns-client", NAMESPACE, ["pause"]))
    return kube.pod_host(NAMESPACE, pod["metadata"]["name"]), kube.get("service", "kube-dns", NAMESPACE)["spec"]["clusterIP"]


def test_the_corefile_says_what_the_variables_say(corefile, spec):
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa {" in corefile
    assert f"forward . {' '.join(spec['dns_forwarders'])} {{" in corefile
    assert f"cache {spec['dns_cache_ttl']}" in corefile
    for stub in spec["dns_stub_domains"]:
        assert f"{stub['domain']}:53 {{" in corefile
        assert f"forward . {' '.join(stub['forwarders'])}" in corefile
        assert f"cache {stub.get('cache_ttl', spec['dns_cache_ttl'])}" in corefile
    assert "/etc/resolv.conf" not in corefile
    assert dns_corefile_errors(corefile) == []


def test_the_backup_holds_the_corefile_that_was_there_before(kube, spec):
    backup = kube.get("configmap", "coredns-previous", NAMESPACE)
    assert backup, "no backup ConfigMap coredns-previous"
    assert backup["data"]["Corefile"] == spec["molecule_dns_original_corefile"]
    assert backup["metadata"]["annotations"]["linkops.io/backup-of"] == f"{NAMESPACE}/coredns"


def test_coredns_was_restarted_and_every_replica_runs_the_new_template(kube):
    deployment = kube.get("deployment", "coredns", NAMESPACE)
    restarted_at = deployment["spec"]["template"]["metadata"].get("annotations", {}).get(RESTARTED_AT, "")
    assert restarted_at, "no restart annotation on the pod template"
    assert deployment["status"].get("updatedReplicas") == 2 and deployment["status"].get("availableReplicas") == 2, deployment["status"]
    live = [pod for pod in kube.items("pods", NAMESPACE, SELECTOR) if "deletionTimestamp" not in pod["metadata"]]
    assert len([pod for pod in live if pod["metadata"].get("annotations", {}).get(RESTARTED_AT) == restarted_at]) >= 2


def test_every_ready_replica_serves_the_new_server_blocks(kube, spec):
    """CoreDNS prints the server blocks it listens for when it starts: the restarted pods loaded the new Corefile."""
    pods = kube.ready_pods(NAMESPACE, SELECTOR)
    assert len(pods) == 2
    for pod in pods:
        started = kube.kubectl("-n", NAMESPACE, "logs", pod["metadata"]["name"]).stdout.splitlines()
        for block in [".:53"] + [f"{stub['domain']}.:53" for stub in spec["dns_stub_domains"]]:
            assert block in started, f"{pod['metadata']['name']} does not serve {block}: {started}"


def test_the_cluster_zone_answers_through_the_stand_in(kube, client):
    inside, server = client
    kubernetes_ip = kube.get("service", "kubernetes", "default")["spec"]["clusterIP"]
    answer = inside.run("nslookup -type=a kubernetes.default.svc.cluster.local %s", server)
    assert answer.rc == 0 and f"Address: {kubernetes_ip}" in answer.stdout, answer.stdout + answer.stderr


def test_each_zone_is_forwarded_where_the_corefile_says(kube, spec, client):
    inside, server = client
    expected = {f"probe.{stub['domain']}": {_upstream(f) for f in stub["forwarders"]} for stub in spec["dns_stub_domains"]}
    expected["probe.molecule-dns.test"] = {_upstream(f) for f in spec["dns_forwarders"]}
    # No forwarder answers: each lookup fails after nslookup's timeout, CoreDNS logs the upstream it tried.
    inside.run(" ".join(f"nslookup -type=a {name} {server} >/dev/null 2>&1 &" for name in expected) + " wait")

    def tried():
        seen = {name: set() for name in expected}
        for pod in kube.ready_pods(NAMESPACE, SELECTOR):
            for match in FORWARD_ERROR.finditer(kube.kubectl("-n", NAMESPACE, "logs", pod["metadata"]["name"]).stdout):
                seen.get(match["name"], set()).add(match["upstream"])
        return seen if all(seen.values()) else None

    seen = kube.until(tried, timeout=30)
    assert seen, "CoreDNS logged no forward attempt for some of " + ", ".join(expected)
    for name, upstreams in seen.items():
        assert upstreams <= expected[name], f"{name} was forwarded to {sorted(upstreams)}, not only to {sorted(expected[name])}"
