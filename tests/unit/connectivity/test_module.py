# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module itself: in-process with the fake cluster, and once through `ansible` (AnsiballZ)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.linkops.k8s_platform.plugins.modules import connectivity_probe

from k8s_cluster import run_adhoc

from .fake_cluster import API_READY_IP, POSTGRES_IP, FakeCluster, Network, shop_cluster



@pytest.fixture(name="cluster")
def fixture_cluster(monkeypatch):
    network = Network()
    network.links[("shop/frontend", API_READY_IP, 8080, "TCP")] = "tcp_connected"
    cluster = FakeCluster(shop_cluster(), network)
    calls = []

    def fake_client(module):
        calls.append(module.params["kubeconfig"])
        return cluster

    monkeypatch.setattr(connectivity_probe, "probe_client", fake_client)
    cluster.client_calls = calls
    return cluster


def run_main(args: dict, capsys) -> dict:
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            connectivity_probe.main()
    return json.loads(capsys.readouterr().out)


def test_module_runs_probes_and_cleans_up(cluster, capsys):
    result = run_main(
        {
            "kubeconfig": "/nonexistent/kubeconfig",
            "queries": [{"from": "shop/frontend", "to": "shop/api", "port": 8080},
                        {"from": "shop/frontend", "to": "db/postgres", "port": 5432}],
            "matrix": True,
            "namespaces": ["shop"],
            "ports": [8080],
        },
        capsys,
    )
    assert result.get("failed") is not True, result
    assert cluster.client_calls == ["/nonexistent/kubeconfig"]
    assert [r["allowed"] for r in result["results"]] == [True, False]
    assert result["changed"] is False and result["probe_pods"] and cluster.leftovers() == []
    assert any("shop/batch has no running pod" in str(w) for w in result["warnings"])
    assert result["matrix"]["table"][0].startswith("from \\ to")


def test_module_check_mode_starts_nothing(cluster, capsys):
    result = run_main(
        {"queries": [{"from": "shop/frontend", "to": "db/postgres", "port": 5432}], "_ansible_check_mode": True},
        capsys,
    )
    assert result.get("failed") is not True, result
    assert result["planned_probes"][0]["commands"] == [f"/agnhost connect --timeout=3s --protocol=tcp {POSTGRES_IP}:5432"]
    assert [e[0] for e in cluster.events] == ["list"]


def test_module_bad_input_fails_before_connecting(cluster, capsys):
    result = run_main({"queries": [{"from": "shop/frontend", "to": "db/postgres", "port": 99999, "protocol": "gre"}]}, capsys)
    assert result["failed"]
    assert "queries[0].port: port 99999 is outside 1-65535" in result["msg"]
    assert "queries[0].protocol: unknown protocol 'gre'" in result["msg"]
    assert cluster.client_calls == [] and cluster.events == []


def test_module_unknown_pod_names_the_option(cluster, capsys):
    result = run_main({"dns": [{"from": "shop/ghost", "name": "api.shop.svc.cluster.local"}]}, capsys)
    assert result["failed"] and result["msg"].startswith("dns[0].from: 'shop/ghost': no pod or workload")
    assert not cluster.kinds_of("create")


def test_module_run_errors_report_the_probe_pods(cluster, capsys):
    cluster.pod_status = lambda pod, polls: {"phase": "Failed", "reason": "Evicted", "message": "node pressure"}
    result = run_main({"queries": [{"from": "shop/frontend", "to": "db/postgres", "port": 5432}]}, capsys)
    assert result["failed"] and "will not run: the pod ended (Failed): Evicted: node pressure" in result["msg"]
    assert result["probe_pods"] == [f"shop/linkops-probe-{result['run_id']}-1"]
    assert cluster.leftovers() == []


def test_module_fails_when_something_could_not_be_deleted(cluster, capsys):
    cluster.fail_delete = {"linkops-probe-"}  # matches nothing: checks the happy path first
    ok = run_main({"queries": [{"from": "shop/frontend", "to": "shop/api", "port": 8080}]}, capsys)
    assert ok.get("failed") is not True
    cluster.fail_delete = {f"linkops-probe-{ok['run_id']}"}  # next run gets another id: still nothing
    cluster.fail_delete = set()
    original_delete = cluster.delete

    def failing_delete(api_version, kind, namespace, name):
        if kind == "ConfigMap":
            cluster.fail_delete = {name}
        return original_delete(api_version, kind, namespace, name)

    cluster.delete = failing_delete
    result = run_main({"queries": [{"from": "shop/frontend", "to": "shop/api", "port": 8080}]}, capsys)
    assert result["failed"] and result["results"][0]["allowed"] is True
    assert f"kubectl delete pod,configmap -A -l linkops.io/connectivity-probe={result['run_id']}" in result["msg"]
    assert result["cleanup_errors"][0].startswith("ConfigMap shop/linkops-probe-")


def documented_options() -> dict:
    return yaml.safe_load(connectivity_probe.DOCUMENTATION)["options"]


def test_documentation_matches_the_argument_spec():
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC

    spec = {k: v for k, v in connectivity_probe.argument_spec().items() if k not in AUTH_ARG_SPEC}
    docs = documented_options()
    assert set(spec) == set(docs)

    def compare(spec_options, doc_options, where):
        for name, option in spec_options.items():
            doc = doc_options[name]
            assert doc["type"] == option["type"], f"{where}{name}: type"
            assert doc.get("default") == option.get("default") or (doc.get("default") is None and option.get("default") is None), f"{where}{name}"
            assert doc.get("required", False) == option.get("required", False), f"{where}{name}: required"
            assert doc.get("choices") == option.get("choices"), f"{where}{name}: choices"
            assert doc.get("elements") == option.get("elements"), f"{where}{name}: elements"
            if "options" in option:
                assert set(option["options"]) == set(doc["suboptions"]), f"{where}{name}: suboptions"
                compare(option["options"], doc["suboptions"], f"{where}{name}.")

    compare(spec, docs, "")
    yaml.safe_load(connectivity_probe.EXAMPLES)
    yaml.safe_load(connectivity_probe.RETURN)


def test_documented_defaults_are_the_runners_defaults():
    from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.runner import Options

    docs = documented_options()
    defaults = Options()
    for name in ("image", "image_pull_policy", "timeout", "pod_ready_timeout", "matrix", "exec_in_pod", "compare_with_policies"):
        assert docs[name]["default"] == getattr(defaults, name), name


def test_adhoc_bad_input_fails_cleanly_through_ansiballz(tmp_path):
    args = {"queries": [{"from": "shop/a", "to": "shop/b", "port": 80, "protocol": "TCP", "path": "/x"}],
            "kubeconfig": "/nonexistent"}
    returncode, result = run_adhoc("connectivity_probe", args, local_temp=tmp_path / "local")
    assert returncode != 0 and result["failed"]
    assert result["msg"] == "queries[0].path: only HTTP queries take a path (protocol is TCP)"
    assert "Traceback" not in str(result.get("exception", ""))


def test_check_mode_result_is_json_serialisable(cluster, capsys):
    params = {"queries": [{"from": "shop/frontend", "to": "shop/api", "port": 8080}], "_ansible_check_mode": True}
    result = run_main(copy.deepcopy(params), capsys)
    json.dumps(result)
    assert result["planned_pods"][0]["labels"]["app"] == "frontend"
