# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns role against the real CoreDNS (kube-system/coredns): a stub domain and a forwarder
change what pods resolve, and a Corefile that breaks CoreDNS is rolled back with resolution intact.

The two resolvers on the node's interface stand for the world outside: the upstream one serves
UPSTREAM_ZONE only, the private one STUB_ZONE only (tools/local-cluster/network.env)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml

from e2e_env import NETWORK

SOURCE = "mlops/mlops-platform"
UPSTREAM_NAME = f"www.{NETWORK['UPSTREAM_ZONE']}"
STUB_NAME = f"db.{NETWORK['STUB_ZONE']}"
CLUSTER_NAME = "audit-assess.mlops.svc.cluster.local"

pytestmark = pytest.mark.local_node  # the resolvers standing for the world outside are the local node's


def corefile(cluster) -> str:
    return json.loads(cluster.kubectl("-n", "kube-system", "get", "configmap", "coredns", "-o", "json").stdout)["data"]["Corefile"]


def resolve(module, *names: str) -> dict[str, list[str]]:
    """name -> addresses (empty when it did not resolve), looked up from an app pod."""
    result = module("connectivity_probe", {"dns": [{"from": SOURCE, "name": name} for name in names]})
    return {answer["name"]: answer["addresses"] if answer["resolved"] else [] for answer in result["dns_results"]}


@pytest.fixture
def dns_role(run_playbook, tmp_path, platform, cluster) -> Iterator:
    """Run the dns role with extra variables over inventories/local; put the inventory's own Corefile back after."""
    playbook = tmp_path / "dns.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "roles": ["linkops.k8s_platform.dns"]}]))
    original = corefile(cluster)

    def run(**extra_vars):
        return run_playbook(playbook, extra_vars)

    yield run
    restored = run()
    assert restored.returncode == 0, restored.output[-3000:]
    assert corefile(cluster) == original


def test_stub_domain_and_forwarder_change_what_pods_resolve(module, dns_role, cluster):
    before = resolve(module, UPSTREAM_NAME, STUB_NAME, CLUSTER_NAME)
    assert before[UPSTREAM_NAME] == ["203.0.113.10"] and before[STUB_NAME] == [] and before[CLUSTER_NAME]

    run = dns_role(dns_stub_domains=[{"domain": NETWORK["STUB_ZONE"], "forwarders": [NETWORK["STUB_RESOLVER_IP"]]}])
    assert run.returncode == 0, run.output[-3000:]
    assert NETWORK["STUB_ZONE"] in corefile(cluster)
    with_stub = resolve(module, UPSTREAM_NAME, STUB_NAME, CLUSTER_NAME)
    assert with_stub == {**before, STUB_NAME: ["203.0.113.20"]}

    # All names outside the cluster to the private resolver instead: the upstream zone is gone.
    run = dns_role(dns_forwarders=[NETWORK["STUB_RESOLVER_IP"]])
    assert run.returncode == 0, run.output[-3000:]
    moved = resolve(module, UPSTREAM_NAME, STUB_NAME, CLUSTER_NAME)
    assert moved[UPSTREAM_NAME] == [] and moved[STUB_NAME] == ["203.0.113.20"] and moved[CLUSTER_NAME] == before[CLUSTER_NAME]


def test_a_corefile_that_breaks_coredns_is_rolled_back(module, dns_role, cluster):
    """Valid syntax, but CoreDNS cannot start with it (it binds an address its pod does not have): the
    rollout fails, the role puts the previous Corefile back, CoreDNS runs again and pods still resolve."""
    # The previous rollout (the last test's restore) settled first: one pod, nothing terminating.
    cluster.kubectl("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=120s")
    cluster.kubectl("-n", "kube-system", "wait", "--for=delete", "pod", "-l", "k8s-app=kube-dns,pod-template-hash!=" + _template_hash(cluster),
                    "--timeout=120s", check=False)
    generation = _deployment(cluster)["metadata"]["generation"]
    good = corefile(cluster)
    broken = good.replace("errors\n", "errors\n    bind 10.89.0.250\n", 1)
    assert broken != good
    run = dns_role(dns_corefile_override=broken, dns_rollout_timeout=40)
    assert _deployment(cluster)["metadata"]["generation"] > generation, "the role did not restart CoreDNS"
    assert run.returncode != 0, "the role should report the failed change:\n" + run.output[-4000:]
    assert "10.89.0.250" not in corefile(cluster) and corefile(cluster) == good
    cluster.kubectl("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=120s")
    after = resolve(module, UPSTREAM_NAME, CLUSTER_NAME)
    assert after[UPSTREAM_NAME] == ["203.0.113.10"] and after[CLUSTER_NAME]


def _deployment(cluster) -> dict:
    return json.loads(cluster.kubectl("-n", "kube-system", "get", "deployment", "coredns", "-o", "json").stdout)


def _template_hash(cluster) -> str:
    """pod-template-hash of the Deployment's newest ReplicaSet (the one its pods should come from)."""
    sets = json.loads(cluster.kubectl("-n", "kube-system", "get", "replicasets", "-l", "k8s-app=kube-dns", "-o", "json").stdout)["items"]
    newest = max(sets, key=lambda rs: int(rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision", "0")))
    return newest["metadata"]["labels"]["pod-template-hash"]
