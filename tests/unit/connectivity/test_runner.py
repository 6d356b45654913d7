# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run end to end against the fake cluster: planning, creation, probes, cleanup, comparison."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.commands import ExecResult
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import PROBE_LABEL
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.runner import (
    Outcome,
    Probe,
    ProbeInputError,
    ProbeInterrupted,
    ProbeRunError,
    compute_mismatches,
    matrix_table,
    parse_options,
    run_probes,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import Verdict

from .fake_cluster import (
    API_READY_IP,
    API_SERVICE_IP,
    FRONTEND_IP,
    POSTGRES_IP,
    FakeCluster,
    Network,
    recorded,
    shop_cluster,
)


def no_sleep(_seconds):
    return None


class UnguardedSignal(AssertionError):
    pass


@pytest.fixture(name="outer_handlers", autouse=True)
def fixture_outer_handlers():
    """Handlers the run must replace while it runs and put back after: a signal reaching them
    means the guard was not installed (a clean test failure instead of a killed pytest)."""

    def unguarded(signum, _frame):
        raise UnguardedSignal(f"{signal.Signals(signum).name} reached the outer handler")

    previous = {s: signal.signal(s, unguarded) for s in (signal.SIGTERM, signal.SIGINT)}
    yield unguarded
    for number, handler in previous.items():
        signal.signal(number, handler)


def run(cluster, params, **kwargs):
    kwargs.setdefault("sleep", no_sleep)
    kwargs.setdefault("run_id", "r1")
    return run_probes(cluster, params, **kwargs)


def shop_network() -> Network:
    network = Network()
    network.links[("shop/frontend", API_READY_IP, 8080, "TCP")] = "tcp_connected"
    network.links[("shop/api", POSTGRES_IP, 5432, "TCP")] = "tcp_connected"
    network.links[("shop/frontend", POSTGRES_IP, 5432, "TCP")] = "tcp_timeout"
    network.links[("shop/api", FRONTEND_IP, 8080, "TCP")] = "tcp_refused"
    network.links[("shop/frontend", API_SERVICE_IP, 80, "TCP")] = "tcp_connected"
    network.http[("shop/frontend", f"http://{API_SERVICE_IP}:80/healthz")] = "busybox/not_found"
    network.dns[("shop/api", "api.shop.svc.cluster.local", "A")] = "a_partly_qualified"
    network.dns[("shop/frontend", "nosuch.shop.svc.cluster.local", "A")] = "a_not_found"
    network.dns[("shop/api", "_http._tcp.api.shop.svc.cluster.local", "SRV")] = "busybox/srv"
    return network


QUERIES = [
    {"from": "shop/frontend", "to": "shop/api", "port": 8080},
    {"from": "shop/frontend", "to": "db/postgres", "port": 5432},
    {"from": "shop/api-6d4b8-bbbbb", "to": "db/postgres", "port": 5432, "protocol": "tcp"},
    {"from": "shop/api", "to": "shop/frontend", "port": 8080},
    {"from": "shop/frontend", "to": "shop/service/api", "port": 80, "protocol": "HTTP", "path": "/healthz"},
]
DNS = [
    {"from": "shop/api", "name": "api.shop.svc.cluster.local"},
    {"from": "shop/frontend", "name": "nosuch.shop.svc.cluster.local"},
    {"from": "shop/api", "name": "_http._tcp.api.shop.svc.cluster.local", "type": "srv"},
]


# -- options ---------------------------------------------------------------------------------


def test_parse_options_lists_every_problem_by_path():
    with pytest.raises(ProbeInputError) as caught:
        parse_options(
            {
                "queries": [
                    {"from": "shop/a", "to": "shop/b", "port": 80},
                    {"from": "shop/a", "to": "shop/b", "port": 80, "protocol": "ICMP"},
                    {"from": "shop/a", "to": "shop/b", "port": 70000},
                    {"from": "shop/a", "to": "shop/b", "port": 80, "path": "/x"},
                    {"from": "shop/a", "to": "shop/b", "port": 80, "protocol": "HTTP", "path": "no-slash"},
                    {"from": "", "to": "shop/b", "port": 80},
                ],
                "dns": [{"from": "shop/a", "name": "-type=any"}, {"from": "shop/a", "name": "x.y", "type": "MX"}],
                "matrix": True,
                "ports": ["80/GRE"],
                "timeout": 0,
                "image_pull_policy": "Sometimes",
            }
        )
    message = str(caught.value)
    for expected in (
        "queries[1].protocol: unknown protocol 'ICMP'",
        "queries[2].port: port 70000 is outside 1-65535",
        "queries[3].path: only HTTP queries take a path",
        "queries[4].path: 'no-slash' must start with /",
        "queries[5].from: required",
        "dns[0].name: '-type=any' is not a valid DNS name",
        "dns[1].type: 'MX' is not one of A, AAAA, CNAME, SRV",
        "namespaces: matrix needs the namespaces",
        "ports[0]: unknown protocol",
        "timeout: 0 is outside 1-300",
        "image_pull_policy: 'Sometimes'",
    ):
        assert expected in message, expected
    assert "queries[0]" not in message


def test_parse_options_defaults_and_normalisation():
    options = parse_options({"queries": [{"from": "a/b", "to": "a/c", "port": "80", "protocol": "http"}],
                             "matrix": True, "namespaces": ["a"], "ports": [80, "53/udp", {"port": 81, "protocol": "SCTP"}, 80]})
    assert options.queries[0] == {"from": "a/b", "to": "a/c", "port": 80, "protocol": "HTTP", "path": "/"}
    assert [str(p) for p in options.ports] == ["80/TCP", "53/UDP", "81/SCTP"]
    assert (options.timeout, options.pod_ready_timeout, options.image_pull_policy) == (3, 60, "IfNotPresent")
    with pytest.raises(ProbeInputError, match="nothing to probe"):
        parse_options({})
    with pytest.raises(ProbeInputError, match="only used with matrix=true"):
        parse_options({"queries": QUERIES[:1], "ports": [80]})


# -- errors before anything is created --------------------------------------------------------


def test_bad_references_fail_before_any_pod_is_created():
    cluster = FakeCluster(shop_cluster(), shop_network())
    queries = QUERIES[:2] + [{"from": "shop/nope", "to": "db/postgres", "port": 5432},
                             {"from": "shop/api", "to": "db/service/absent", "port": 5432}]
    with pytest.raises(ProbeInputError) as caught:
        run(cluster, {"queries": queries, "dns": [{"from": "nowhere/x", "name": "a.b"}]})
    message = str(caught.value)
    assert "queries[2].from: 'shop/nope': no pod or workload" in message
    assert "queries[3].to: 'db/service/absent': no Service 'absent'" in message
    assert "dns[0].from: 'nowhere/x': unknown namespace" in message
    assert [e[0] for e in cluster.events] == ["list"]


def test_input_shape_errors_fail_before_the_cluster_is_read():
    cluster = FakeCluster(shop_cluster(), shop_network())
    with pytest.raises(ProbeInputError, match=r"queries\[0\].port"):
        run(cluster, {"queries": [{"from": "shop/api", "to": "db/postgres", "port": 0}]})
    assert cluster.events == []


def test_required_kinds_are_required():
    cluster = FakeCluster(shop_cluster(), shop_network(), forbidden=("NetworkPolicy",))
    with pytest.raises(ProbeRunError, match="NetworkPolicy.networking.k8s.io/v1: forbidden"):
        run(cluster, {"queries": QUERIES[:1], "compare_with_policies": True})
    assert not cluster.kinds_of("create")
    # without the comparison the policies are not even read
    result = run(cluster, {"queries": QUERIES[:1]})
    assert result["results"][0]["allowed"] is True


def test_services_unreadable_fails_only_a_service_destination():
    cluster = FakeCluster(shop_cluster(), shop_network(), forbidden=("Service",))
    assert run(cluster, {"queries": QUERIES[:1]})["results"][0]["allowed"]
    with pytest.raises(ProbeInputError, match=r"queries\[0\].to: 'shop/service/api': Services could not be read"):
        run(cluster, {"queries": [QUERIES[4]]})


# -- check mode ------------------------------------------------------------------------------


def test_check_mode_plans_and_creates_nothing():
    cluster = FakeCluster(shop_cluster(), shop_network())
    result = run(cluster, {"queries": QUERIES, "dns": DNS}, check_mode=True)
    assert [e[0] for e in cluster.events] == ["list"]
    assert result["probe_pods"] == [] and result["results"] == [] and result["changed"] is False
    assert [(p["namespace"], p["name"], p["source"]) for p in result["planned_pods"]] == [
        ("shop", "linkops-probe-r1-1", "shop/frontend"),
        ("shop", "linkops-probe-r1-2", "shop/api"),
    ]
    assert result["planned_pods"][1]["labels"] == {"app": "api", "pod-template-hash": "6d4b8", PROBE_LABEL: "r1"}
    planned = result["planned_probes"]
    assert [p["where"] for p in planned] == [f"queries[{i}]" for i in range(5)] + [f"dns[{i}]" for i in range(3)]
    assert planned[0]["commands"] == [f"/agnhost connect --timeout=3s --protocol=tcp {API_READY_IP}:8080"]
    assert planned[4]["commands"][1] == f"wget -q -S -Y off -O /dev/null http://{API_SERVICE_IP}:80/healthz"
    assert planned[7]["commands"] == ["nslookup -type=SRV _http._tcp.api.shop.svc.cluster.local"]
    assert planned[2]["pod"] == "shop/linkops-probe-r1-2"


# -- a full run ------------------------------------------------------------------------------


def test_run_results_in_order_with_one_probe_pod_per_source_and_everything_deleted():
    cluster = FakeCluster(shop_cluster(), shop_network())
    result = run(cluster, {"queries": QUERIES, "dns": DNS})
    assert [(r["from"], r["to"], r["port"], r["protocol"]) for r in result["results"]] == [
        (q["from"], q["to"], q["port"], q.get("protocol", "TCP").upper()) for q in QUERIES
    ]
    assert [r["allowed"] for r in result["results"]] == [True, False, True, False, True]
    assert [r["error"] for r in result["results"]][:4] == [None, "TIMEOUT", None, "REFUSED"]
    http = result["results"][4]
    assert (http["status"], http["path"], http["target"]) == (404, "/healthz", API_SERVICE_IP)
    assert result["results"][0]["destination_pod"] == "shop/api-6d4b8-aaaaa"
    assert [d["resolved"] for d in result["dns_results"]] == [True, False, True]
    assert result["dns_results"][0]["addresses"] == [recorded("getent")["a_partly_qualified"]["stdout"].split()[0]]
    assert result["dns_results"][1]["error"].startswith("not found")
    assert result["dns_results"][2]["records"][0]["port"] == 8080 and result["dns_results"][2]["type"] == "SRV"
    assert result["probe_pods"] == ["shop/linkops-probe-r1-1", "shop/linkops-probe-r1-2"]
    assert cluster.leftovers() == []
    creates = cluster.kinds_of("create")
    assert [c[1] for c in creates] == ["ConfigMap", "Pod", "Pod"]
    assert set(cluster.deleted) == {("Pod", "shop", "linkops-probe-r1-1"), ("Pod", "shop", "linkops-probe-r1-2"),
                                    ("ConfigMap", "shop", "linkops-probe-r1")}
    # every exec ran in a probe pod, in its probe container
    assert {(c[1], c[2]) for c in cluster.exec_calls} == {("linkops-probe-r1-1", "probe"), ("linkops-probe-r1-2", "probe")}
    assert all(c[4] == 3 + 10 for c in cluster.exec_calls)
    assert "mismatches" not in result and "matrix" not in result


def test_http_probe_skips_wget_when_the_connect_fails():
    network = shop_network()
    network.links[("shop/frontend", API_SERVICE_IP, 80, "TCP")] = "tcp_timeout"
    cluster = FakeCluster(shop_cluster(), network)
    result = run(cluster, {"queries": [QUERIES[4]]})
    assert result["results"][0]["allowed"] is False and result["results"][0]["status"] is None
    assert [c[3][0] for c in cluster.exec_calls] == ["/agnhost"]


def test_results_keep_the_query_order_whatever_finishes_first():
    network = shop_network()
    cluster = FakeCluster(shop_cluster(), network)
    queries = [{"from": "shop/frontend", "to": "db/postgres", "port": p} for p in range(5430, 5440)]

    def slow_first(argv):
        port = int(argv[-1].rsplit(":", 1)[1])
        time.sleep((5440 - port) * 0.01)  # the first query finishes last

    cluster.on_exec = slow_first
    network.links[("shop/frontend", POSTGRES_IP, 5432, "TCP")] = "tcp_connected"
    result = run(cluster, {"queries": queries})
    assert [r["port"] for r in result["results"]] == list(range(5430, 5440))
    assert [r["allowed"] for r in result["results"]] == [p == 5432 for p in range(5430, 5440)]


def test_owner_is_created_first_and_owns_each_probe_pod():
    cluster = FakeCluster(shop_cluster(), shop_network())
    owners = []

    def spy(kind, namespace, name):
        if kind == "Pod":
            stored = cluster.created[("Pod", namespace, name)]
            owners.append(stored["metadata"]["ownerReferences"][0]["uid"])

    cluster.on_delete = spy
    run(cluster, {"queries": QUERIES[:2] + [{"from": "db/postgres", "to": "shop/api", "port": 8080}]})
    kinds = [(c[1], c[2]) for c in cluster.kinds_of("create")]
    assert kinds == [("ConfigMap", "shop"), ("Pod", "shop"), ("ConfigMap", "db"), ("Pod", "db")]
    assert len(owners) == 2 and len(set(owners)) == 2 and all(owners)


# -- cleanup ---------------------------------------------------------------------------------


def test_cleanup_after_an_exception_in_a_probe():
    cluster = FakeCluster(shop_cluster(), shop_network())

    def explode(_argv):
        raise ConnectionResetError("websocket closed")

    cluster.on_exec = explode
    with pytest.raises(ConnectionResetError):
        run(cluster, {"queries": QUERIES})
    assert cluster.leftovers() == []
    assert len(cluster.deleted) == 3


def test_cleanup_when_a_probe_pod_cannot_start():
    cluster = FakeCluster(shop_cluster(), shop_network())
    cluster.pod_status = lambda pod, polls: {"phase": "Pending", "containerStatuses": [
        {"name": "probe", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}
    with pytest.raises(ProbeRunError) as caught:
        run(cluster, {"queries": QUERIES[:1]})
    assert "probe pod shop/linkops-probe-r1-1 (for shop/frontend) will not run" in str(caught.value)
    assert "ImagePullBackOff" in str(caught.value)
    assert caught.value.partial["probe_pods"] == ["shop/linkops-probe-r1-1"]
    assert cluster.leftovers() == [] and not cluster.kinds_of("exec")


def test_pod_ready_timeout():
    cluster = FakeCluster(shop_cluster(), shop_network())
    cluster.pod_status = lambda pod, polls: {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available"}]}
    ticks = iter(range(0, 10000, 7))
    with pytest.raises(ProbeRunError, match=r"not running after pod_ready_timeout=20s: shop/linkops-probe-r1-1: not scheduled"):
        run(cluster, {"queries": QUERIES[:1], "pod_ready_timeout": 20}, clock=lambda: next(ticks))
    assert cluster.leftovers() == []


def test_cleanup_when_a_create_is_refused():
    cluster = FakeCluster(shop_cluster(), shop_network())
    cluster.fail_create = {"linkops-probe-r1-2"}
    with pytest.raises(ProbeRunError, match='cannot create Pod shop/linkops-probe-r1-2: 403 pods "linkops-probe-r1-2" is forbidden'):
        run(cluster, {"queries": QUERIES})
    assert cluster.leftovers() == []
    assert ("Pod", "shop", "linkops-probe-r1-1") in cluster.deleted


def test_one_failed_delete_does_not_stop_the_others():
    cluster = FakeCluster(shop_cluster(), shop_network())
    cluster.fail_delete = {"linkops-probe-r1-2"}
    result = run(cluster, {"queries": QUERIES})
    assert result["cleanup_errors"] == ["Pod shop/linkops-probe-r1-2: 500 etcdserver: request timed out"]
    assert ("Pod", "shop", "linkops-probe-r1-1") in cluster.deleted
    assert ("ConfigMap", "shop", "linkops-probe-r1") in cluster.deleted


def test_sigterm_during_the_probes_deletes_everything_and_restores_the_handler(outer_handlers):
    cluster = FakeCluster(shop_cluster(), shop_network())
    sent = []

    def terminate(_argv):
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)

    cluster.on_exec = terminate
    with pytest.raises(ProbeInterrupted) as caught:
        run(cluster, {"queries": QUERIES, "dns": DNS})
    assert caught.value.signal_name == "SIGTERM"
    assert caught.value.partial["probe_pods"] == ["shop/linkops-probe-r1-1", "shop/linkops-probe-r1-2"]
    assert cluster.leftovers() == []
    assert signal.getsignal(signal.SIGTERM) is outer_handlers
    assert signal.getsignal(signal.SIGINT) is outer_handlers


def test_sigint_while_waiting_for_the_pods():
    cluster = FakeCluster(shop_cluster(), shop_network())
    cluster.polls_until_running = 10 ** 6

    def interrupt(_seconds):
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(ProbeInterrupted, match="SIGINT"):
        run(cluster, {"queries": QUERIES[:1]}, sleep=interrupt)
    assert cluster.leftovers() == [] and not cluster.kinds_of("exec")


def test_a_signal_during_cleanup_waits_until_the_cleanup_is_done():
    cluster = FakeCluster(shop_cluster(), shop_network())

    def interrupt_once(kind, _namespace, _name):
        if len(cluster.deleted) == 0 and kind == "Pod":
            os.kill(os.getpid(), signal.SIGTERM)

    cluster.on_delete = interrupt_once
    with pytest.raises(ProbeInterrupted, match="SIGTERM"):
        run(cluster, {"queries": QUERIES})
    assert cluster.leftovers() == [] and len(cluster.deleted) == 3


# -- exec_in_pod -----------------------------------------------------------------------------


def test_exec_in_pod_runs_in_the_sources_own_container_and_creates_nothing():
    network = Network()
    network.links[("shop/api-6d4b8-aaaaa", POSTGRES_IP, 5432, "TCP")] = "tcp_connected"
    cluster = FakeCluster(shop_cluster(), network)
    result = run(cluster, {"queries": [QUERIES[2]], "exec_in_pod": True})
    assert result["results"][0]["allowed"] is True
    assert result["results"][0]["source_pod"] == "shop/api-6d4b8-aaaaa"
    assert result["probe_pods"] == [] and not cluster.kinds_of("create") and not cluster.kinds_of("delete")
    assert [(c[1], c[2]) for c in cluster.exec_calls] == [("api-6d4b8-aaaaa", "app")]


def test_exec_in_pod_fails_clearly_when_the_image_lacks_the_tools():
    network = shop_network()
    network.missing_tools = {"/agnhost"}
    cluster = FakeCluster(shop_cluster(), network)
    with pytest.raises(ProbeRunError) as caught:
        run(cluster, {"queries": [QUERIES[2]], "exec_in_pod": True})
    message = str(caught.value)
    assert message.startswith("exec_in_pod: pod shop/api-6d4b8-aaaaa, container app cannot run /agnhost")
    assert "lacks the probe tools" in message


def test_a_probe_image_without_the_tools_fails_the_run_and_cleans_up():
    network = shop_network()
    network.missing_tools = {"getent"}
    cluster = FakeCluster(shop_cluster(), network)
    with pytest.raises(ProbeRunError, match="the probe image registry.k8s.io/e2e-test-images/agnhost:2.59 lacks getent"):
        run(cluster, {"dns": DNS[:1]})
    assert cluster.leftovers() == []


def test_an_exec_the_api_refuses_is_not_a_network_verdict():
    cluster = FakeCluster(shop_cluster(), shop_network())
    cluster.network = lambda *_args: ExecResult(None, message="403 Forbidden")
    with pytest.raises(ProbeRunError, match="cannot exec in pod shop/linkops-probe-r1-1, container probe: 403 Forbidden"):
        run(cluster, {"queries": QUERIES[:1]})
    assert cluster.leftovers() == []


def test_exec_in_pod_needs_a_running_pod():
    cluster = FakeCluster(shop_cluster(), shop_network())
    with pytest.raises(ProbeInputError, match=r"queries\[0\].from: shop/batch has no running pod to exec into"):
        run(cluster, {"queries": [{"from": "shop/batch", "to": "db/postgres", "port": 5432}], "exec_in_pod": True})
    assert cluster.exec_calls == []


# -- comparison and matrix -------------------------------------------------------------------


def test_mismatches_are_the_cells_where_packets_and_policies_disagree():
    network = shop_network()
    # the network lets frontend reach postgres (policy says no), and api not reach postgres (policy says yes)
    network.links[("shop/frontend", POSTGRES_IP, 5432, "TCP")] = "tcp_connected"
    network.links[("shop/api", POSTGRES_IP, 5432, "TCP")] = "tcp_timeout"
    cluster = FakeCluster(shop_cluster(), network)
    result = run(cluster, {"queries": QUERIES, "compare_with_policies": True})
    assert cluster.kinds_of("list")[0][1][-1] == "NetworkPolicy"
    by_where = {m["where"]: m for m in result["mismatches"]}
    assert sorted(by_where) == ["queries[1]", "queries[2]"]
    frontend = by_where["queries[1]"]
    assert (frontend["observed_allowed"], frontend["analysis_allowed"]) == (True, False)
    assert frontend["ingress_policies"] == ["db/postgres-from-api"]
    assert frontend["explanation"] == "egress not isolated; ingress denied by db/postgres-from-api"
    api = by_where["queries[2]"]
    assert (api["observed_allowed"], api["analysis_allowed"], api["error"]) == (False, True, "TIMEOUT")
    # shop/api -> shop/frontend:8080 was refused, and the policy denies it too: no mismatch
    assert result["not_compared"] == [
        {"where": "queries[4]", "from": "shop/frontend", "to": "shop/service/api", "port": 80, "protocol": "HTTP",
         "reason": result["not_compared"][0]["reason"]}
    ]
    assert "Service" in result["not_compared"][0]["reason"]


def test_matrix_cells_table_and_comparison():
    network = Network()
    network.links[("shop/frontend", API_READY_IP, 8080, "TCP")] = "tcp_connected"
    network.links[("shop/frontend", FRONTEND_IP, 8080, "TCP")] = "tcp_connected"
    network.links[("shop/api", POSTGRES_IP, 5432, "TCP")] = "tcp_connected"
    network.links[("db/postgres", FRONTEND_IP, 9090, "TCP")] = "tcp_connected"  # a hole the policies do not explain
    cluster = FakeCluster(shop_cluster(), network)
    result = run(cluster, {"matrix": True, "namespaces": ["shop", "db"], "compare_with_policies": True})
    matrix = result["matrix"]
    assert matrix["pods"] == ["db/postgres", "shop/api", "shop/batch", "shop/frontend"]
    cells = {(c["from"], c["to"], c["port"]): c["allowed"] for c in matrix["cells"]}
    # destinations with a running pod, on their declared ports; a bare pod is not paired with itself
    assert ("db/postgres", "db/postgres", 5432) not in cells
    assert ("shop/api", "shop/api", 8080) in cells  # a workload to itself: replica to replica
    assert not any(to == "shop/batch" for _f, to, _p in cells)
    assert ("shop/batch", "shop/api", 8080) in cells  # a source needs no running pod
    assert len(cells) == 4 * 4 - 1  # 4 sources x (postgres 1 + api 1 + frontend 2) ports, minus postgres->itself
    assert {k for k, v in cells.items() if v} == {
        ("shop/frontend", "shop/api", 8080), ("shop/frontend", "shop/frontend", 8080),
        ("shop/api", "db/postgres", 5432), ("db/postgres", "shop/frontend", 9090),
    }
    assert matrix["table"][0].split() == ["from", "\\", "to", "1", "2", "3", "4"]
    assert matrix["table"][4].split() == ["4", "shop/frontend", "-", "8080/TCP", ".", "8080/TCP"]
    assert matrix["table"][1].split() == ["1", "db/postgres", ".", "-", ".", "9090/TCP"]
    mismatches = [(m["from"], m["to"], m["port"], m["observed_allowed"]) for m in result["mismatches"]]
    assert mismatches == [("db/postgres", "shop/frontend", 9090, True)]
    assert result["mismatches"][0]["where"].startswith("matrix[")
    index = int(result["mismatches"][0]["where"][len("matrix["):-1])
    assert (matrix["cells"][index]["from"], matrix["cells"][index]["port"]) == ("db/postgres", 9090)
    assert len(result["probe_pods"]) == 4 and cluster.leftovers() == []
    assert any("shop/batch has no running pod" in w for w in result["warnings"])


def test_matrix_with_explicit_ports_and_http():
    network = Network()
    network.links[("shop/frontend", API_READY_IP, 8080, "TCP")] = "tcp_connected"
    network.http[("shop/frontend", f"http://{API_READY_IP}:8080/")] = "busybox/ok"
    cluster = FakeCluster(shop_cluster(policies=False), network)
    result = run(cluster, {"matrix": True, "namespaces": ["shop"], "ports": ["8080/HTTP"]})
    cells = [c for c in result["matrix"]["cells"] if c["allowed"]]
    assert [(c["from"], c["to"], c["status"]) for c in cells] == [("shop/frontend", "shop/api", 200)]


def verdict(allowed: bool, policies=("ns/p",)) -> Verdict:
    return Verdict(allowed, allowed, True, tuple(policies), ())


def test_compute_mismatches_pure():
    probes = [
        Probe(origin=("queries", 0), kind="connect", source=None, from_text="a/x", to_text="a/y", port=80, verdict=verdict(True)),
        Probe(origin=("queries", 1), kind="http", source=None, from_text="a/x", to_text="a/y", port=80, protocol="HTTP",
              verdict=verdict(True)),
        Probe(origin=("queries", 2), kind="connect", source=None, from_text="a/x", to_text="a/z", port=80, verdict=verdict(False)),
        Probe(origin=("queries", 3), kind="connect", source=None, from_text="a/x", to_text="x.example", port=80,
              not_compared="a DNS name"),
        Probe(origin=("dns", 0), kind="dns", source=None, from_text="a/x", name="x.example"),
    ]
    outcomes = [
        Outcome(allowed=False, reached=False, error="TIMEOUT"),
        # HTTP: connected, but no HTTP response: the policy side held
        Outcome(allowed=False, reached=True, error="no HTTP response within 13 s"),
        Outcome(allowed=True, reached=True),
        Outcome(allowed=True, reached=True),
        Outcome(resolved=True),
    ]
    mismatches, skipped = compute_mismatches(probes, outcomes)
    assert [(m["where"], m["observed_allowed"], m["analysis_allowed"]) for m in mismatches] == [
        ("queries[0]", False, True), ("queries[2]", True, False)
    ]
    assert mismatches[0]["ingress_policies"] == ["ns/p"]
    assert skipped == [{"where": "queries[3]", "from": "a/x", "to": "x.example", "port": 80, "protocol": "TCP",
                        "reason": "a DNS name"}]


def test_matrix_table_pure():
    cells = [
        {"from": "a/x", "to": "a/y", "port": 80, "protocol": "TCP", "allowed": True},
        {"from": "a/x", "to": "a/y", "port": 53, "protocol": "UDP", "allowed": True},
        {"from": "a/y", "to": "a/x", "port": 80, "protocol": "TCP", "allowed": False},
    ]
    assert matrix_table(["a/x", "a/y"], cells) == [
        "from \\ to  1  2",
        "1 a/x      .  80/TCP,53/UDP",
        "2 a/y      -  .",
    ]
