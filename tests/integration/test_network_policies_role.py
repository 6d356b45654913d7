# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network_policies role on the real control plane.

There is no CNI here: the API server validates and stores the NetworkPolicies, nothing enforces them.
The evidence is what the linkops.k8s_platform.netpol_reachability analyser reads back from the
stored objects (live mode), with the apps' pods made by the rbac and workloads roles (kwok runs them).
"""

from __future__ import annotations

import json

import pytest

APPS_AND_POLICIES = ({"role": "rbac", "vars": {"rbac_verify": False}}, "workloads", "network_policies")
LIVE_AND_OFFLINE = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Live mode
      linkops.k8s_platform.netpol_reachability:
        kubeconfig: "{{ k8s_platform_kubeconfig }}"
        namespaces: "{{ compare_namespaces }}"
        matrix: true
        ports: "{{ compare_ports }}"
        queries: "{{ compare_queries }}"
      register: live
    - name: Offline mode on the same objects, read back with kubectl
      linkops.k8s_platform.netpol_reachability:
        resources: "{{ lookup('ansible.builtin.file', compare_objects) | from_json }}"
        namespaces: "{{ compare_namespaces }}"
        matrix: true
        ports: "{{ compare_ports }}"
        queries: "{{ compare_queries }}"
      register: offline
    - name: Save both
      ansible.builtin.copy:
        content: "{{ {'live': live, 'offline': offline} | to_json }}"
        dest: "{{ compare_out }}"
        mode: "0600"
"""

RESTRICTED_POD = {
    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{
        "name": "main", "image": "registry.example/stand-in:1.0",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }],
}


@pytest.fixture
def env(cluster, unique_name):
    """Two app namespaces, plus stand-ins for the ingress controller's, monitoring's and DNS namespaces
    (one pod each; the DNS pod labelled as kube-dns), so every flow has pods on both ends."""
    names = {"apps": f"{unique_name}-apps", "data": f"{unique_name}-data", "ic": f"{unique_name}-ic",
             "mon": f"{unique_name}-mon", "dns": f"{unique_name}-dns"}
    for ns in names.values():
        cluster.kubectl("create", "namespace", ns)
        cluster.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
    pods = [("ic", "ingress-controller", {"app.kubernetes.io/name": "traefik"}),
            ("mon", "prometheus", {"app.kubernetes.io/name": "prometheus"}),
            ("dns", "coredns", {"k8s-app": "kube-dns"})]
    for key, name, labels in pods:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": names[key], "labels": labels}, "spec": RESTRICTED_POD}
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(pod))
    yield names
    for ns in names.values():
        cluster.kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)


def workload(replicas: int = 1) -> dict:
    return {"image": "registry.example/app:1.0", "replicas": replicas, "security_context": {"run_as_user": 10001}}


def spec(names: dict, **overrides) -> dict:
    apps, data = names["apps"], names["data"]
    app_list = [
        {"name": "web", "namespace": apps, "ports": [{"name": "http", "port": 80, "target_port": 3000}],
         "ingress": {"host": "web.example.com", "paths": ["/", {"path": "/api", "backend": {"app": "api", "port": 8000}}]},
         "workload": workload(),
         "network": {"to": [{"app": "api", "port": 8000}]}},
        {"name": "api", "namespace": apps, "port": 8000, "metrics": {"port": 9100}, "workload": workload(2),
         "network": {"from": [{"app": "web", "ports": [8000]}, {"cidr": "10.20.0.0/16", "except": ["10.20.5.0/24"]}],
                     "to": [{"app": "db", "namespace": data, "port": 5432},
                            {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"], "ports": [443]}]}},
        {"name": "worker", "namespace": apps, "port": 8100, "workload": workload(), "network": {}},
        {"name": "db", "namespace": data, "ports": [{"name": "postgres", "port": 5432}], "service": {"type": "Headless"},
         "workload": {"kind": "StatefulSet", "image": "registry.example/postgres:17", "security_context": {"run_as_user": 999}},
         "network": {"from": [{"app": "api", "namespace": apps}]}},
        {"name": "object-store", "namespace": apps, "service": {"type": "ExternalName", "external_name": "s3.example.com"}},
    ]
    host_vars = {
        "k8s_platform_namespaces": [{"name": apps}, {"name": data}],
        "k8s_platform_apps": app_list,
        "network_policies_ingress_controller_namespace": names["ic"],
        "network_policies_monitoring_namespace": names["mon"],
        "network_policies_dns_namespace": names["dns"],
        "workloads_wait_timeout": 120,
    }
    host_vars.update(overrides)
    return host_vars


def policies(cluster, ns: str) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in cluster.get_json("networkpolicies", "-n", ns)["items"]}


def test_converge_idempotence_check_mode_prune_live_equals_offline_and_absent(cluster, run_playbook, role_playbook, tmp_path, env):
    apps_ns, data_ns = env["apps"], env["data"]
    playbook = role_playbook(*APPS_AND_POLICIES)
    host_vars = spec(env)

    # Check mode first: nothing is applied, the proof runs offline on the rendered policies.
    check_first = run_playbook(playbook, host_vars, check=True)
    assert check_first.returncode == 0, check_first.output
    assert "what is proven (offline)" in check_first.output
    assert policies(cluster, apps_ns) == {}, "check mode must not create policies"

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output
    assert "what is proven (live)" in first.output
    assert "not verified" not in first.output, first.output  # every party had a running pod
    assert "every expectation in one analysis" in first.output

    in_apps, in_data = policies(cluster, apps_ns), policies(cluster, data_ns)
    assert set(in_apps) == {"default-deny-all", "allow-dns-egress", "allow-acme-http01-solver", "web-netpol", "api-netpol", "worker-netpol"}
    assert set(in_data) == {"default-deny-all", "allow-dns-egress", "allow-acme-http01-solver", "db-netpol"}
    for pol in list(in_apps.values()) + list(in_data.values()):
        assert pol["metadata"]["labels"]["linkops.io/managed-by-role"] == "network-policies"
        assert pol["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "linkops.k8s_platform"
    deny = in_apps["default-deny-all"]["spec"]
    assert deny["podSelector"] == {} and sorted(deny["policyTypes"]) == ["Egress", "Ingress"]
    dns = in_apps["allow-dns-egress"]["spec"]["egress"][0]
    assert dns["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": env["dns"]}},
                          "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
    assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]
    api = in_apps["api-netpol"]["spec"]
    blocks = [peer["ipBlock"] for rule in api["egress"] for peer in rule["to"] if "ipBlock" in peer]
    assert blocks == [{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}]
    to_db = [rule for rule in api["egress"] if rule["ports"] == [{"protocol": "TCP", "port": 5432}]]
    assert to_db[0]["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": data_ns}},
                               "podSelector": {"matchLabels": {"app.kubernetes.io/name": "db"}}}]
    froms = [peer for rule in api["ingress"] for peer in rule["from"]]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": env["ic"]}}} in froms  # Ingress /api routes to api
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": env["mon"]}}} in froms  # metrics scrape
    scrape = [rule for rule in api["ingress"] if env["mon"] in json.dumps(rule)]
    assert scrape[0]["ports"] == [{"protocol": "TCP", "port": 9100}]
    worker = in_apps["worker-netpol"]["spec"]
    # Isolated both ways with no rule: nothing in, nothing out but DNS (the namespace-wide policy).
    assert "ingress" not in worker and "egress" not in worker and sorted(worker["policyTypes"]) == ["Egress", "Ingress"]

    again = run_playbook(playbook, host_vars)
    assert again.returncode == 0, again.output
    assert again.recap()["changed"] == 0, again.output

    check_again = run_playbook(playbook, host_vars, check=True)
    assert check_again.returncode == 0, check_again.output
    assert check_again.recap()["changed"] == 0, check_again.output

    # The module's live mode and its offline mode agree on the same stored objects.
    objects = cluster.get_json("namespaces,pods,networkpolicies,deployments,statefulsets,daemonsets,replicasets", "-A")["items"]
    objects_file = tmp_path / "objects.json"
    objects_file.write_text(json.dumps(objects))
    out = tmp_path / "compare.json"
    compare_playbook = tmp_path / "compare.yml"
    compare_playbook.write_text(LIVE_AND_OFFLINE)
    compare = run_playbook(compare_playbook, {
        "compare_namespaces": [apps_ns, data_ns, env["ic"], env["mon"], env["dns"]],
        "compare_ports": [3000, 8000, 8100, 9100, 5432, "53/UDP", "53/TCP"],
        "compare_queries": [
            {"from": "10.20.1.1", "to": f"{apps_ns}/api", "port": 8000},
            {"from": "10.20.5.1", "to": f"{apps_ns}/api", "port": 8000},
            {"from": f"{apps_ns}/api", "to": "203.0.113.10", "port": 443},
            {"from": f"{apps_ns}/api", "to": "169.254.169.254", "port": 443},
            {"from": f"{apps_ns}/worker", "to": "203.0.113.10", "port": 443},
        ],
        "compare_objects": str(objects_file),
        "compare_out": str(out),
    })
    assert compare.returncode == 0, compare.output
    both = json.loads(out.read_text())
    live, offline = both["live"], both["offline"]
    assert live["matrix"] == offline["matrix"]
    assert live["results"] == offline["results"]
    assert [r["allowed"] for r in live["results"]] == [True, False, True, False, False]
    allowed = {(m["from"], m["to"], m["port"], m["protocol"]) for m in live["matrix"] if m["allowed"]}
    assert (f"{apps_ns}/web", f"{apps_ns}/api", 8000, "TCP") in allowed
    assert (f"{apps_ns}/api", f"{data_ns}/db", 5432, "TCP") in allowed
    assert (f"{env['mon']}/prometheus", f"{apps_ns}/api", 9100, "TCP") in allowed
    assert (f"{env['ic']}/ingress-controller", f"{apps_ns}/web", 3000, "TCP") in allowed
    assert (f"{apps_ns}/worker", f"{env['dns']}/coredns", 53, "UDP") in allowed
    assert (f"{apps_ns}/web", f"{data_ns}/db", 5432, "TCP") not in allowed
    assert (f"{apps_ns}/worker", f"{apps_ns}/api", 8000, "TCP") not in allowed

    # default deny off: the namespace-wide policies are leftovers and go; the apps keep their own
    # policies, each with DNS egress, and the proof still holds.
    no_deny = run_playbook(role_playbook("network_policies"), spec(env, network_policies_default_deny=False))
    assert no_deny.returncode == 0, no_deny.output
    in_apps = policies(cluster, apps_ns)
    assert set(in_apps) == {"web-netpol", "api-netpol", "worker-netpol"}
    assert any(env["dns"] in json.dumps(rule) for rule in in_apps["worker-netpol"]["spec"]["egress"])

    # absent removes every policy the role made, and only those.
    foreign = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "someone-elses", "namespace": apps_ns},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(foreign))
    absent = run_playbook(role_playbook("network_policies"), spec(env, network_policies_state="absent"))
    assert absent.returncode == 0, absent.output
    assert set(policies(cluster, apps_ns)) == {"someone-elses"}
    assert policies(cluster, data_ns) == {}
    assert cluster.exists("deployment", "api", "-n", apps_ns), "absent must not touch the workloads"


def test_a_flow_declared_on_one_side_only_fails_the_proof(cluster, run_playbook, role_playbook, env):
    apps_ns = env["apps"]
    host_vars = spec(env)
    # worker says it talks to api, but api does not accept worker: the role renders both sides as
    # declared, so the proof after apply must fail and name the flow and its declaration.
    host_vars["k8s_platform_apps"][2]["network"] = {"to": [{"app": "api"}]}
    result = run_playbook(role_playbook(*APPS_AND_POLICIES), host_vars)
    assert result.returncode != 0, result.output
    assert "the policies do not do what the spec declares (live)" in result.output
    # worker's pod stands for it (the pod's name resolves to its Deployment); api's ports 8000 and 9100
    flat = " ".join(result.output.split())
    for port in (8000, 9100):
        assert f"{port}/TCP: expected allowed [{apps_ns}/worker network.to {apps_ns}/api]; egress allowed by {apps_ns}/worker-netpol; " \
               f"ingress denied by {apps_ns}/api-netpol" in flat, result.output
    assert "(live): 2 of " in flat  # exactly these two expectations fail

    # Offline on the rendered policies the same mismatch is found (no cluster objects needed).
    # Nothing changes on this rerun: with the default (on_change) the proof is skipped, with always it runs.
    quiet = run_playbook(role_playbook("network_policies"), {**host_vars, "network_policies_verify_mode": "offline"})
    assert quiet.returncode == 0 and quiet.recap()["changed"] == 0, quiet.output
    assert "every expectation in one analysis" not in quiet.output
    offline = run_playbook(role_playbook("network_policies"), {**host_vars, "network_policies_verify_mode": "offline",
                                                               "k8s_platform_verify": "always"})
    assert offline.returncode != 0, offline.output
    flat = " ".join(offline.output.split())
    assert "the policies do not do what the spec declares (offline): 2 of " in flat
    assert f"- {apps_ns}/worker -> {apps_ns}/api 8000/TCP: expected allowed [{apps_ns}/worker network.to {apps_ns}/api]" in flat


def test_bad_input_fails_before_anything_is_applied(cluster, run_playbook, role_playbook, env):
    apps_ns = env["apps"]
    host_vars = spec(env, network_policies_metadata_except=["169.254.169.254/33"])
    host_vars["k8s_platform_apps"][0]["network"]["to"].append({"app": "nope"})
    host_vars["k8s_platform_apps"][1]["network"]["to"][1]["cidr"] = "10.0.0.0/33"
    host_vars["k8s_platform_apps"][2]["network"] = {"from": [{"cidr": "192.168.1.1/24"}]}
    result = run_playbook(role_playbook("network_policies"), host_vars)
    assert result.returncode != 0, result.output
    assert f"network_policies_apps[0].network.to[1].app: no app 'nope' in namespace '{apps_ns}'" in result.output
    assert "network_policies_apps[1].network.to[1].cidr: '10.0.0.0/33' is not a valid CIDR" in result.output
    assert "network_policies_apps[2].network.from[0].cidr: '192.168.1.1/24' is not a valid CIDR" in result.output
    assert "network_policies_metadata_except[0]:" in result.output
    assert "Traceback" not in result.output
    assert policies(cluster, apps_ns) == {}
    assert policies(cluster, env["data"]) == {}
