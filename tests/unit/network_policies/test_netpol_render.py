# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for plugins/module_utils/netpol_render.py and the network_policies filters:
validation by path, rendered policies, and that the verification plan holds on the rendered
policies (analysed offline by the netpol_reachability logic) and fails on a broken one."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.linkops.k8s_platform.plugins.filter.network_policies import FilterModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.analysis import analyse
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol_render import (
    Settings,
    render_policies,
    role_spec,
    sample_address,
    settings_errors,
    verify_plan,
    with_metadata_except,
)

REPO = Path(__file__).resolve().parents[3]
FILTERS = FilterModule().filters()
SETTINGS = {"ingress_controller_namespace": "traefik", "monitoring_namespace": "monitoring", "dns_namespace": "kube-system",
            "dns_selector": {"k8s-app": "kube-dns"}, "metadata_except": ["169.254.169.254/32"]}


def apps() -> list[dict]:
    return [
        {"name": "web", "namespace": "shop", "ports": [{"name": "http", "port": 80, "target_port": 3000}],
         "ingress": {"host": "web.example.com", "paths": ["/", {"path": "/api", "backend": {"app": "api", "port": 8000}}]},
         "network": {"to": [{"app": "api", "port": 8000}]}},
        {"name": "api", "namespace": "shop", "port": 8000, "metrics": {"port": 9100},
         "network": {"from": [{"app": "web", "ports": [8000]}, {"cidr": "10.20.0.0/16", "except": ["10.20.5.0/24"]}],
                     "to": [{"app": "db", "namespace": "data", "port": 5432},
                            {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"], "ports": [443]}]}},
        {"name": "worker", "namespace": "shop", "port": 8100, "network": {}},
        {"name": "db", "namespace": "data", "ports": [{"name": "postgres", "port": 5432}], "service": {"type": "Headless"},
         "network": {"from": [{"app": "api", "namespace": "shop"}]}},
        {"name": "bucket", "namespace": "shop", "service": {"type": "ExternalName", "external_name": "s3.example.com"}},
    ]


def normalised(raw=None) -> list[dict]:
    result = role_spec(apps() if raw is None else raw, None, SETTINGS)
    assert result["errors"] == []
    return result["apps"]


def by_name(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objects}


def prove(objects: list[dict], plan: dict) -> dict:
    return analyse(objects + plan["resources"], expect=plan["expect"])


def test_namespace_wide_default_deny_and_dns_in_every_app_namespace():
    objs = by_name(render_policies(normalised(), SETTINGS))
    for ns in ("shop", "data"):
        deny = objs[(ns, "default-deny-all")]["spec"]
        assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        dns = objs[(ns, "allow-dns-egress")]["spec"]
        assert dns["policyTypes"] == ["Egress"]
        assert dns["egress"] == [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                          "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                                  "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
    # The ExternalName app has no pods and gets no policy.
    assert ("shop", "bucket-netpol") not in objs
    assert all(o["metadata"]["labels"]["linkops.io/managed-by-role"] == "network-policies" for o in objs.values())


def test_acme_http01_solvers_are_reachable_from_the_ingress_controller_under_default_deny():
    objs = by_name(render_policies(normalised(), SETTINGS))
    for ns in ("shop", "data"):
        assert objs[(ns, "allow-acme-http01-solver")]["spec"] == {
            "podSelector": {"matchLabels": {"acme.cert-manager.io/http01-solver": "true"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}],
                         "ports": [{"protocol": "TCP", "port": 8089}]}]}
    switched_off = by_name(render_policies(normalised(), {**SETTINGS, "acme_http01_solvers": False}))
    assert not [key for key in switched_off if key[1] == "allow-acme-http01-solver"]
    # Without default deny nothing isolates the solver pods: no policy is needed.
    no_deny = by_name(render_policies(normalised(), {**SETTINGS, "default_deny": False}))
    assert not [key for key in no_deny if key[1] == "allow-acme-http01-solver"]


def test_app_policy_peers_ports_cross_namespace_and_metadata_except():
    objs = by_name(render_policies(normalised(), SETTINGS))
    api = objs[("shop", "api-netpol")]["spec"]
    assert api["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "api"}}
    assert api["policyTypes"] == ["Ingress", "Egress"]
    assert api["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}], "ports": [{"protocol": "TCP", "port": 8000}]},
        {"from": [{"ipBlock": {"cidr": "10.20.0.0/16", "except": ["10.20.5.0/24"]}}],
         "ports": [{"protocol": "TCP", "port": 8000}, {"protocol": "TCP", "port": 9100}]},
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}], "ports": [{"protocol": "TCP", "port": 8000}]},
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}], "ports": [{"protocol": "TCP", "port": 9100}]},
    ]
    assert api["egress"] == [
        {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "data"}},
                 "podSelector": {"matchLabels": {"app.kubernetes.io/name": "db"}}}], "ports": [{"protocol": "TCP", "port": 5432}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}}], "ports": [{"protocol": "TCP", "port": 443}]},
    ]
    db = objs[("data", "db-netpol")]["spec"]
    assert db["ingress"][0]["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
                                         "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}}}]
    assert "egress" not in db  # isolated for egress, nothing allowed but DNS (namespace-wide)
    web = objs[("shop", "web-netpol")]["spec"]
    assert web["ingress"] == [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}],
                               "ports": [{"protocol": "TCP", "port": 3000}]}]  # derived from its Ingress (target port)


def test_switches_for_derived_flows():
    objs = by_name(render_policies(normalised(), {**SETTINGS, "ingress_to_exposed_apps": False, "monitoring_to_metrics": False}))
    assert "ingress" not in objs[("shop", "web-netpol")]["spec"]
    text = yaml.safe_dump(objs[("shop", "api-netpol")])
    assert "traefik" not in text and "monitoring" not in text


def test_explicit_ingress_controller_peer_is_not_duplicated():
    raw = apps()
    raw[0]["network"]["from"] = [{"ingress_controller": True}]
    web = by_name(render_policies(normalised(raw), SETTINGS))[("shop", "web-netpol")]["spec"]
    assert len(web["ingress"]) == 1


def test_without_default_deny_only_apps_with_a_network_section_are_isolated_each_with_dns():
    raw = apps()
    del raw[2]["network"]
    objs = by_name(render_policies(normalised(raw), {**SETTINGS, "default_deny": False}))
    assert set(objs) == {("shop", "web-netpol"), ("shop", "api-netpol"), ("data", "db-netpol")}
    for obj in objs.values():
        assert obj["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert obj["spec"]["egress"][-1]["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def test_default_deny_app_without_network_section_gets_only_derived_ingress():
    raw = apps()
    del raw[1]["network"]
    raw[0]["network"] = {}
    objs = by_name(render_policies(normalised(raw), SETTINGS))
    api = objs[("shop", "api-netpol")]["spec"]
    assert api["policyTypes"] == ["Ingress"] and "egress" not in api
    assert len(api["ingress"]) == 2  # ingress controller (routed /api) and the scrape


@pytest.mark.parametrize("cidr, excepts, metadata, expected", [
    ("0.0.0.0/0", [], ["169.254.169.254/32"], ["169.254.169.254/32"]),
    ("0.0.0.0/0", ["169.254.0.0/16"], ["169.254.169.254/32"], ["169.254.0.0/16"]),  # already excluded
    ("10.0.0.0/8", [], ["169.254.169.254/32"], []),  # not inside
    ("169.254.169.254/32", [], ["169.254.169.254/32"], []),  # asked for explicitly
    ("::/0", [], ["169.254.169.254/32", "fd00:ec2::254/128"], ["fd00:ec2::254/128"]),  # family
])
def test_metadata_except(cidr, excepts, metadata, expected):
    assert with_metadata_except(cidr, excepts, metadata) == expected


def test_sample_address_avoids_excepts():
    address = sample_address("0.0.0.0/0", ["10.0.0.0/8", "128.0.0.0/1"])
    assert address is not None and not address.startswith("10.") and int(address.split(".", maxsplit=1)[0]) < 128
    assert sample_address("192.0.2.7/32") == "192.0.2.7"
    assert sample_address("192.0.2.7/32", ["192.0.2.7/32"]) is None


def test_plan_holds_on_the_rendered_policies():
    normal = normalised()
    objects = render_policies(normal, SETTINGS)
    plan = verify_plan(normal, SETTINGS)
    assert plan["skipped"] == []
    assert len(plan["expect"]) == len(plan["reasons"])
    flows = {(e["from"], e["to"], e["port"], e["protocol"]): e["allowed"] for e in plan["expect"]}
    assert flows[("shop/web", "shop/api", 8000, "TCP")] is True
    assert flows[("shop/api", "data/db", 5432, "TCP")] is True
    assert flows[("shop/api", "kube-system/dns-stand-in", 53, "UDP")] is True
    assert flows[("traefik/ingress-controller-stand-in", "shop/web", 3000, "TCP")] is True
    assert flows[("monitoring/monitoring-stand-in", "shop/api", 9100, "TCP")] is True
    assert flows[("shop/api", "169.254.169.254", 443, "TCP")] is False
    assert flows[("shop/api", "10.0.0.1", 443, "TCP")] is False
    assert flows[("10.20.5.1", "shop/api", 8000, "TCP")] is False
    assert flows[("shop/web", "shop/api", 9100, "TCP")] is False  # declared on 8000 only
    assert flows[("shop/worker", "shop/api", 8000, "TCP")] is False
    assert flows[("shop/web", "data/db", 5432, "TCP")] is False
    assert flows[("data/db", "shop/worker", 8100, "TCP")] is False
    result = prove(objects, plan)
    assert not result.get("failed"), result.get("msg")
    assert result["mismatches"] == []


def test_plan_catches_a_flow_declared_on_one_side_and_a_permissive_extra_policy():
    raw = apps()
    raw[2]["network"] = {"to": [{"app": "api"}]}  # api does not accept worker
    normal = normalised(raw)
    plan = verify_plan(normal, SETTINGS)
    result = prove(render_policies(normal, SETTINGS), plan)
    assert result["failed"]
    # worker -> api declared on all of api's ports (8000 and the metrics port 9100); api accepts neither
    assert [(m["from"], m["to"], m["port"]) for m in result["mismatches"]] == [("shop/worker", "shop/api", 8000), ("shop/worker", "shop/api", 9100)]
    index = next(i for i, e in enumerate(plan["expect"]) if (e["from"], e["to"], e["port"]) == ("shop/worker", "shop/api", 8000))
    assert plan["reasons"][index] == "shop/worker network.to shop/api"

    normal = normalised()
    allow_all = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "allow-all", "namespace": "shop"},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{}]}}
    result = prove(render_policies(normal, SETTINGS) + [allow_all], verify_plan(normal, SETTINGS))
    assert result["failed"] and any((m["from"], m["to"]) == ("shop/worker", "shop/api") and m["expected"] is False for m in result["mismatches"])


def test_plan_holds_without_default_deny_too():
    raw = apps()
    del raw[2]["network"]
    normal = normalised(raw)
    settings = {**SETTINGS, "default_deny": False}
    plan = verify_plan(normal, settings)
    flows = {(e["from"], e["to"], e["port"]) for e in plan["expect"]}
    # worker is not isolated and nothing isolates web -> worker: no claim is made about it
    assert ("shop/web", "shop/worker", 8100) in flows  # web is egress-isolated, so this is denied
    result = prove(render_policies(normal, settings), plan)
    assert not result.get("failed"), result.get("msg")


def test_live_plan_uses_running_pods_and_lists_what_it_cannot_verify():
    normal = normalised()
    pods = [
        {"metadata": {"namespace": "shop", "name": "api-5d9c-abcde", "labels": {"app.kubernetes.io/name": "api"}}, "status": {"phase": "Running"}},
        {"metadata": {"namespace": "shop", "name": "web-1", "labels": {"app.kubernetes.io/name": "web"}}, "status": {"phase": "Failed"}},
        {"metadata": {"namespace": "data", "name": "db-0", "labels": {"app.kubernetes.io/name": "db"}}, "status": {"phase": "Running"}},
        {"metadata": {"namespace": "kube-system", "name": "coredns-x", "labels": {"k8s-app": "kube-dns"}}, "status": {"phase": "Running"}},
    ]
    plan = verify_plan(normal, SETTINGS, pods)
    assert plan["resources"] == []
    flows = {(e["from"], e["to"], e["port"]) for e in plan["expect"]}
    assert ("shop/api-5d9c-abcde", "data/db-0", 5432) in flows
    assert ("shop/api-5d9c-abcde", "kube-system/coredns-x", 53) in flows
    assert not any("web" in e["from"] or "web" in e["to"] for e in plan["expect"])  # its only pod failed
    assert "no running pod for app shop/web" in plan["skipped"]
    assert "no pod in the ingress controller namespace traefik" in plan["skipped"]  # api is routed /api and has a pod
    assert "no pod in the monitoring namespace monitoring" in plan["skipped"]
    assert "not verified" in plan["summary"]


def test_validation_reports_every_problem_by_path():
    raw = apps()
    raw[0]["network"]["to"].append({"app": "nope"})
    raw[1]["network"]["to"][1]["cidr"] = "10.0.0.0/33"
    raw[1]["network"]["from"][1]["except"] = ["10.30.0.0/24"]
    raw[3]["network"]["from"].append({"app": "api"})  # api is not in namespace data
    result = FILTERS["network_policies_spec"](raw, settings={**SETTINGS, "metadata_except": ["nope"], "dns_selector": {}})
    errors = "\n".join(result["errors"])
    assert result["apps"] == []
    assert "network_policies_apps[0].network.to[1].app: no app 'nope' in namespace 'shop'" in errors
    assert "network_policies_apps[1].network.to[1].cidr: '10.0.0.0/33' is not a valid CIDR" in errors
    assert "network_policies_apps[1].network.from[1].except[0]: 10.30.0.0/24 is not a strict subnet of 10.20.0.0/16" in errors
    assert "network_policies_apps[3].network.from[1].app: no app 'api' in namespace 'data'" in errors
    assert "network_policies_metadata_except[0]:" in errors
    assert "network_policies_dns_selector: must be a non-empty dict" in errors


def test_settings_errors_name_each_variable():
    errors = settings_errors({"ingress_controller_namespace": "Bad_NS", "monitoring_namespace": 3, "dns_namespace": "kube-system",
                              "dns_selector": {"k8s-app": 5}, "metadata_except": "169.254.169.254/32"})
    assert [e.split(":")[0] for e in errors] == [
        "network_policies_ingress_controller_namespace", "network_policies_monitoring_namespace",
        "network_policies_dns_selector.k8s-app", "network_policies_metadata_except"]


def test_filters_refuse_raw_apps():
    with pytest.raises(AnsibleFilterError, match="normalised"):
        FILTERS["network_policies_render"](apps()[:1] + [{"name": "x"}])
    with pytest.raises(AnsibleFilterError, match="pods must be a list"):
        FILTERS["network_policies_verify_plan"](normalised(), {}, pods="nope")
    assert FILTERS["network_policies_spec"]("nope")["errors"] == ["network_policies_apps: must be a list of apps, got str"]


def test_prod_inventory_spec_proves_offline():
    spec = yaml.safe_load((REPO / "inventories" / "prod" / "group_vars" / "all" / "platform.yml").read_text())
    result = role_spec(spec["k8s_platform_apps"], spec["k8s_platform_namespaces"], SETTINGS)
    assert result["errors"] == []
    objects = render_policies(result["apps"], Settings.from_mapping(SETTINGS))
    plan = verify_plan(result["apps"], SETTINGS)
    assert len(plan["expect"]) > 20
    outcome = prove(copy.deepcopy(objects), plan)
    assert not outcome.get("failed"), outcome.get("msg")
