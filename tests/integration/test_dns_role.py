# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns role on the real control plane, against a CoreDNS stand-in on the kwok nodes.

The local cluster has no DNS, so each test deploys a stand-in in its own namespace: a Deployment
named coredns (label k8s-app: kube-dns, pods made Running/Ready by kwok), the `coredns` ConfigMap
with a Corefile, and a kube-dns Service. The role's namespace and names are variables, so the
stand-in does not touch kube-system.
"""

from __future__ import annotations

import json

import pytest


ORIGINAL_COREFILE = """.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
}
"""


def _stand_in(namespace: str, replicas: int = 1) -> str:
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": namespace}, "data": {"Corefile": ORIGINAL_COREFILE}},
        {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": namespace, "labels": {"k8s-app": "kube-dns"}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                "template": {
                    "metadata": {"labels": {"k8s-app": "kube-dns"}},
                    "spec": {
                        "containers": [{
                            "name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.12.1", "args": ["-conf", "/etc/coredns/Corefile"],
                            "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}, {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"}],
                            "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                        }],
                        "volumes": [{"name": "config-volume", "configMap": {"name": "coredns"}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": namespace, "labels": {"k8s-app": "kube-dns"}},
            "spec": {"selector": {"k8s-app": "kube-dns"}, "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            ]},
        },
    ]
    return "\n---\n".join(json.dumps(o) for o in objects)


@pytest.fixture
def coredns(cluster, unique_name):
    namespace = f"{unique_name}-dns"
    # kubectl create (not apply), like an installer would: the role must take data.Corefile over.
    cluster.kubectl("create", "-f", "-", stdin=_stand_in(namespace))
    cluster.kubectl("-n", namespace, "rollout", "status", "deployment/coredns", "--timeout=60s")
    yield namespace
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found", check=False)


def role_vars(namespace: str, **extra) -> dict:
    return {
        "dns_coredns_namespace": namespace,
        "dns_forwarders": ["10.0.0.53", "tls://1.1.1.1"],
        "dns_stub_domains": [{"domain": "corp.internal", "forwarders": ["10.1.0.10", "10.1.0.11:5353"], "cache_ttl": 10}],
        "dns_cache_ttl": 45,
        "dns_rollout_timeout": 60,
        **extra,
    }


def corefile(cluster, namespace: str, name: str = "coredns") -> str:
    return cluster.get_json("-n", namespace, "configmap", name)["data"]["Corefile"]


def restarted_at(cluster, namespace: str) -> str | None:
    template = cluster.get_json("-n", namespace, "deployment", "coredns")["spec"]["template"]
    return (template["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/restartedAt")


def test_converge_backup_restart_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, coredns):
    playbook = role_playbook("dns")
    ns = coredns
    check_first = run_playbook(playbook, role_vars(ns), check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] >= 1
    assert "forward . 10.0.0.53 tls://1.1.1.1" in check_first.output, "check mode shows the new Corefile in the diff"
    assert corefile(cluster, ns) == ORIGINAL_COREFILE, "check mode must not change the Corefile"
    assert not cluster.exists("-n", ns, "configmap", "coredns-previous")
    assert restarted_at(cluster, ns) is None

    first = run_playbook(playbook, role_vars(ns))
    assert first.returncode == 0, first.output
    new = corefile(cluster, ns)
    assert "forward . 10.0.0.53 tls://1.1.1.1 {" in new
    assert "cache 45" in new
    assert "corp.internal:53 {" in new and "forward . 10.1.0.10 10.1.0.11:5353" in new and "cache 10" in new
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa {" in new
    # The Corefile that was there is kept.
    backup = cluster.get_json("-n", ns, "configmap", "coredns-previous")
    assert backup["data"]["Corefile"] == ORIGINAL_COREFILE
    assert backup["metadata"]["annotations"]["linkops.io/backup-of"] == f"{ns}/coredns"
    # CoreDNS was restarted and rolled out: every replica runs the new template and is ready.
    first_restart = restarted_at(cluster, ns)
    assert first_restart
    deployment = cluster.get_json("-n", ns, "deployment", "coredns")
    assert deployment["status"]["updatedReplicas"] == 1 and deployment["status"]["availableReplicas"] == 1
    pods = cluster.get_json("-n", ns, "pods", "-l", "k8s-app=kube-dns")["items"]
    running = [p for p in pods if p["status"].get("phase") == "Running" and p["metadata"].get("deletionTimestamp") is None]
    assert any(p["metadata"]["annotations"].get("kubectl.kubernetes.io/restartedAt") == first_restart for p in running)

    second = run_playbook(playbook, role_vars(ns))
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output
    assert restarted_at(cluster, ns) == first_restart, "no restart when the Corefile did not change"

    check_again = run_playbook(playbook, role_vars(ns), check=True)
    assert check_again.returncode == 0 and check_again.recap()["changed"] == 0, check_again.output

    absent = run_playbook(playbook, role_vars(ns, dns_state="absent"))
    assert absent.returncode == 0, absent.output
    assert corefile(cluster, ns) == ORIGINAL_COREFILE
    assert not cluster.exists("-n", ns, "configmap", "coredns-previous")
    assert restarted_at(cluster, ns) != first_restart

    absent_again = run_playbook(playbook, role_vars(ns, dns_state="absent"))
    assert absent_again.returncode == 0 and absent_again.recap()["changed"] == 0, absent_again.output
    assert "the role has not changed the Corefile here" in " ".join(absent_again.output.split())


def test_a_failed_rollout_puts_the_previous_corefile_back(cluster, run_playbook, role_playbook, coredns):
    playbook = role_playbook("dns")
    ns = coredns
    # A quota of one pod: the restart's new ReplicaSet cannot create its pod (the API server's
    # ResourceQuota admission refuses it), so the rollout never completes.
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "one-pod", "namespace": ns}, "spec": {"hard": {"pods": "1"}}}
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(quota))
    result = run_playbook(playbook, role_vars(ns, dns_rollout_timeout=20))
    assert result.returncode != 0, result.output
    assert "failed" in result.output and "Rolled back: the previous Corefile is in place again" in result.output, result.output
    assert "exceeded quota" in result.output, "the diagnostics carry the API server's reason"
    assert corefile(cluster, ns) == ORIGINAL_COREFILE
    # The backup still holds the previous Corefile too.
    assert cluster.get_json("-n", ns, "configmap", "coredns-previous")["data"]["Corefile"] == ORIGINAL_COREFILE
    assert (restarted_at(cluster, ns) or "").endswith("-rollback")
    # Once the cause is gone the same change goes through.
    cluster.kubectl("-n", ns, "delete", "resourcequota", "one-pod")
    cluster.kubectl("-n", ns, "rollout", "status", "deployment/coredns", "--timeout=60s")
    retry = run_playbook(playbook, role_vars(ns))
    assert retry.returncode == 0, retry.output
    assert "corp.internal:53" in corefile(cluster, ns)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"dns_forwarders": ["10.0.0.53", "8.8.8.300"]}, "dns_forwarders[1]: 8.8.8.300 is not an IP address"),
        ({"dns_forwarders": ["dns.google"]}, "dns_forwarders[0]: dns.google is not an IP address"),
        ({"dns_stub_domains": [{"domain": "corp.internal", "forwarders": []}]}, "dns_stub_domains[0].forwarders: needs at least one IP address"),
        ({"dns_stub_domains": [{"domain": "Bad_Domain!", "forwarders": ["10.0.0.1"]}]}, "dns_stub_domains[0].domain: Bad_Domain! is not a DNS name"),
        ({"dns_stub_domains": [{"domain": "cluster.local", "forwarders": ["10.0.0.1"]}]}, "is the cluster domain"),
        ({"dns_coredns_backup_configmap": "coredns"}, "dns_coredns_backup_configmap: must differ from dns_coredns_configmap"),
        ({"dns_corefile_override": ".:53 {\n  forwrd . 10.0.0.1\n"}, "unknown plugin 'forwrd'"),
        ({"dns_corefile_override": ".:53 {\n  errors\n"}, "never closed"),
        ({"dns_cache_ttl": "soon"}, "dns_cache_ttl"),
    ],
)
def test_bad_input_changes_nothing(cluster, run_playbook, role_playbook, coredns, extra, expected):
    playbook = role_playbook("dns")
    result = run_playbook(playbook, role_vars(coredns, **extra))
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert corefile(cluster, coredns) == ORIGINAL_COREFILE
    assert not cluster.exists("-n", coredns, "configmap", "coredns-previous")


def test_missing_coredns_is_reported(cluster, run_playbook, role_playbook, unique_name):
    playbook = role_playbook("dns")
    result = run_playbook(playbook, role_vars(f"{unique_name}-nodns"))
    assert result.returncode != 0
    assert "CoreDNS was not found as expected" in result.output and "is missing" in result.output, result.output
