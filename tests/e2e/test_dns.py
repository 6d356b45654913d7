# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster DNS on the converged platform, under default deny: every LinkOps Service name resolves
from pods in its own namespace and another one, to the right records, through the real CoreDNS.

Lookups run inside the apps' own pods (connectivity_probe with exec_in_pod: the local apps run the
agnhost stand-in, which has the tools), so the apps' own NetworkPolicies (default deny plus the
DNS egress the network_policies role allows) apply, and no probe pod carrying an app's labels is
published by a headless Service while the answers are checked. This file runs before the
reachability matrix, whose probe pods would be (CoreDNS caches answers for 30 s)."""

from __future__ import annotations

import json

import pytest

from e2e_env import NETWORK

SOURCES = {"mlops": "mlops/mlops-platform", "mlops-data": "mlops-data/database"}


@pytest.fixture(scope="module")
def services(cluster, platform):
    """The platform's Services by namespace/name, as the API server has them."""
    found = {}
    for namespace in SOURCES:
        for svc in json.loads(cluster.kubectl("-n", namespace, "get", "services", "-o", "json").stdout)["items"]:
            found[f"{namespace}/{svc['metadata']['name']}"] = svc
    assert len(found) >= 7, f"expected the LinkOps Services, found {sorted(found)}"
    return found


def ready_pod_ips(cluster, svc) -> set[str]:
    selector = ",".join(f"{k}={v}" for k, v in svc["spec"]["selector"].items())
    pods = json.loads(cluster.kubectl("-n", svc["metadata"]["namespace"], "get", "pods", "-l", selector, "-o", "json").stdout)["items"]
    return {p["status"]["podIP"] for p in pods if "linkops.io/connectivity-probe" not in p["metadata"].get("labels", {})}


def expected_records(cluster, svc) -> tuple[str, set[str]]:
    """(record type, records) a lookup of the Service's name must return."""
    spec = svc["spec"]
    if spec["type"] == "ExternalName":
        return "CNAME", {spec["externalName"].rstrip(".")}
    if spec.get("clusterIP") == "None":
        return "A", ready_pod_ips(cluster, svc)
    return "A", {spec["clusterIP"]}


def test_default_deny_is_in_force(cluster, platform):
    """The precondition of everything below: both namespaces deny by default."""
    for namespace in SOURCES:
        policies = json.loads(cluster.kubectl("-n", namespace, "get", "networkpolicies", "-o", "json").stdout)["items"]
        deny = [p for p in policies if p["spec"].get("podSelector") in ({}, None)
                and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
                and not p["spec"].get("ingress") and not p["spec"].get("egress")]
        assert deny, f"no default-deny policy in {namespace}"


def test_every_service_name_resolves_from_its_own_and_another_namespace(cluster, module, services):
    queries, expected = [], []
    for key, svc in sorted(services.items()):
        namespace, name = key.split("/")
        record_type, records = expected_records(cluster, svc)
        other = next(ns for ns in SOURCES if ns != namespace)
        names = [(SOURCES[namespace], name), (SOURCES[namespace], f"{name}.{namespace}"),
                 (SOURCES[namespace], f"{name}.{namespace}.svc.cluster.local"),
                 (SOURCES[other], f"{name}.{namespace}"), (SOURCES[other], f"{name}.{namespace}.svc.cluster.local")]
        for source, query_name in names:
            if record_type == "CNAME" and not query_name.endswith(".svc.cluster.local"):
                continue  # CNAME lookups ask the server directly, without the pod's search list
            queries.append({"from": source, "name": query_name, "type": record_type})
            expected.append(records)
    result = module("connectivity_probe", {"dns": queries, "exec_in_pod": True})
    problems = []
    for query, want, got in zip(queries, expected, result["dns_results"]):
        answer = set(got["addresses"]) if query["type"] == "A" else \
            {r["value"].rstrip(".") for r in got["records"] if r["type"] == query["type"]}
        if not got["resolved"] or answer != want:
            problems.append(f"{query['from']} -> {query['name']} ({query['type']}): want {sorted(want)}, got {sorted(answer)} {got.get('error') or ''}")
    assert not problems, "\n".join(problems)


def test_short_names_resolve_only_in_their_own_namespace(module, services):
    """A lookup that must fail: the search path of a pod in mlops-data does not reach mlops' short names."""
    result = module("connectivity_probe", {"dns": [{"from": SOURCES["mlops-data"], "name": "audit-assess"},
                                                   {"from": SOURCES["mlops"], "name": "audit-assess"}], "exec_in_pod": True})
    other, own = result["dns_results"]
    assert not other["resolved"], f"audit-assess resolved from mlops-data: {other}"
    assert own["resolved"]


def test_headless_service_returns_one_record_per_ready_pod(cluster, module, services):
    svc = services["mlops-data/database"]
    assert svc["spec"]["clusterIP"] == "None"
    pods = ready_pod_ips(cluster, svc)
    result = module("connectivity_probe", {"dns": [{"from": SOURCES["mlops"], "name": "database.mlops-data.svc.cluster.local"}],
                                           "exec_in_pod": True})
    (answer,) = result["dns_results"]
    assert sorted(answer["addresses"]) == sorted(pods) and len(answer["addresses"]) == len(pods) >= 1


@pytest.mark.local_node
def test_names_outside_the_cluster_go_to_the_upstream_resolver(module, real_node):
    """CoreDNS forwards what is not cluster.local to the resolver dns_forwarders names (the machine's stand-in
    for the world outside), which knows one zone; other names get no answer."""
    result = module("connectivity_probe", {"dns": [{"from": SOURCES["mlops"], "name": f"www.{NETWORK['UPSTREAM_ZONE']}"},
                                                   {"from": SOURCES["mlops"], "name": f"db.{NETWORK['STUB_ZONE']}"}]})
    upstream, stub = result["dns_results"]
    assert upstream["resolved"] and upstream["addresses"] == ["203.0.113.10"]
    assert not stub["resolved"], "the stub zone is served by another resolver, which the converged Corefile does not use"
