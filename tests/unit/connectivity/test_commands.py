# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probe argv building and output parsing, on outputs recorded from the real tools (recorded/)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.commands import (
    ExecResult,
    command_text,
    connect_command,
    connect_error_kind,
    dns_command,
    http_command,
    missing_tool,
    parse_connect,
    parse_exec_status,
    parse_http,
    parse_dns,
    parse_getent,
    parse_nslookup,
    valid_dns_name,
    valid_http_path,
)

from .fake_cluster import exec_result, recorded


def nslookup(case: str) -> ExecResult:
    return exec_result(recorded("nslookup")[case])


# -- argv ------------------------------------------------------------------------------------


def test_connect_command_matches_agnhost_flags():
    assert connect_command("10.244.0.11", 8080, "TCP", 3) == [
        "/agnhost", "connect", "--timeout=3s", "--protocol=tcp", "10.244.0.11:8080"
    ]
    assert connect_command("fd00::b", 53, "UDP", 5)[-2:] == ["--protocol=udp", "[fd00::b]:53"]
    assert connect_command("api.shop.svc", 80, "HTTP", 2)[2:] == ["--timeout=2s", "--protocol=tcp", "api.shop.svc:80"]
    assert connect_command("10.0.0.1", 9, "sctp", 1)[3] == "--protocol=sctp"


def test_recorded_connect_argv_is_what_the_builder_makes():
    for case in ("tcp_connected", "udp_answered", "tcp_timeout"):
        argv = recorded("agnhost_connect")[case]["argv"]
        host, _, port = argv[-1].rpartition(":")
        protocol = argv[3].split("=")[1].upper()
        timeout = int(argv[2].split("=")[1].rstrip("s"))
        assert connect_command(host, int(port), protocol, timeout) == argv


def test_http_command_never_passes_a_timeout_flag_and_bypasses_proxies():
    argv = http_command("10.96.0.20", 80, "/healthz?full=1")
    assert argv[0] == "wget" and argv[-1] == "http://10.96.0.20:80/healthz?full=1"
    assert "-T" not in argv and not any(a.startswith("--timeout") for a in argv)
    assert argv[argv.index("-Y") + 1] == "off" and "-S" in argv
    assert http_command("fd00::1", 8080)[-1] == "http://[fd00::1]:8080/"


def test_dns_command_and_text():
    assert dns_command("api.shop.svc.cluster.local", "srv") == ["nslookup", "-type=SRV", "api.shop.svc.cluster.local"]
    assert command_text(["wget", "-O", "/dev/null", "http://x/a b"]) == "wget -O /dev/null 'http://x/a b'"


@pytest.mark.parametrize("name", ["api.shop.svc.cluster.local", "api", "_http._tcp.api.shop", "example.com.", "a-1.b"])
def test_valid_dns_names(name):
    assert valid_dns_name(name)


@pytest.mark.parametrize("name", ["-type=any", "a b", "", "a..b", "-x.example", "a/b", "x" * 64 + ".com", None, "é.com"])
def test_invalid_dns_names_never_reach_an_argv(name):
    assert not valid_dns_name(name)


def test_http_paths():
    assert valid_http_path("/") and valid_http_path("/healthz?x=1&y=2")
    for bad in ("healthz", "/a b", "/a\nb", "", None, "-O/etc/passwd"):
        assert not valid_http_path(bad)


# -- agnhost connect -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, connected, kind",
    [
        ("tcp_connected", True, None),
        ("udp_answered", True, None),
        ("tcp_refused", False, "REFUSED"),
        ("udp_refused", False, "REFUSED"),
        ("tcp_timeout", False, "TIMEOUT"),
        ("udp_timeout", False, "TIMEOUT"),
        ("tcp_dns", False, "DNS"),
        ("sctp_unsupported_kernel", False, "OTHER"),
        ("no_destination", False, None),
        ("unsupported_protocol", False, None),
    ],
)
def test_parse_connect_on_recorded_outputs(case, connected, kind):
    outcome = parse_connect(exec_result(recorded("agnhost_connect")[case]))
    assert outcome.connected is connected
    assert connect_error_kind(outcome.error) == kind
    if not connected:
        assert outcome.error, "a failed connect always says why"


def test_parse_connect_keeps_agnhosts_detail():
    outcome = parse_connect(exec_result(recorded("agnhost_connect")["udp_timeout"]))
    assert outcome.error.startswith("TIMEOUT: read udp") and "i/o timeout" in outcome.error


def test_parse_connect_when_the_exec_outlived_its_deadline():
    outcome = parse_connect(ExecResult(None, timed_out=True), deadline=13)
    assert not outcome.connected and outcome.error == "TIMEOUT: the probe did not finish within 13 s"


# -- wget ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, status, reason",
    [
        ("busybox/ok", 200, "OK"),
        ("busybox/not_found", 404, "Not Found"),
        ("busybox/unavailable", 503, "Service Unavailable"),
        ("busybox/redirect", 301, "Moved Permanently"),
        ("busybox/redirect_to_https", 302, "Found"),
    ],
)
def test_parse_http_any_status_is_a_response(case, status, reason):
    entry = recorded("wget")[case]
    outcome = parse_http(exec_result(entry))
    assert outcome.responded and outcome.status == status and outcome.reason == reason
    assert outcome.error is None
    if status >= 400:
        assert entry["returncode"] != 0, "the recorded wget failed, yet the status counts as a response"


def test_parse_http_without_a_response():
    outcome = parse_http(exec_result(recorded("wget")["busybox/refused"]))
    assert not outcome.responded and outcome.status is None
    assert outcome.error == "can't connect to remote host (127.0.0.1): Connection refused"
    late = parse_http(ExecResult(None, "", "", timed_out=True), deadline=13)
    assert not late.responded and late.error == "no HTTP response within 13 s"


def test_parse_http_gnu_style_status_line():
    result = ExecResult(8, "", "--2026-01-01--  http://x/\n  HTTP/1.1 500 Internal Server Error\n  Server: x\n", "")
    assert parse_http(result).status == 500


# -- nslookup ------------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["busybox", "bind"])
def test_nslookup_a_records_skip_the_server_block(tool):
    one = parse_nslookup(nslookup(f"{tool}/a"), "A")
    assert one.resolved and one.addresses == ["10.96.12.7"] and one.error is None
    assert one.records == [{"name": "api.shop.svc.cluster.local", "type": "A", "value": "10.96.12.7"}]
    many = parse_nslookup(nslookup(f"{tool}/a_multi"), "A")
    assert many.addresses == ["10.244.0.11", "10.244.0.12"]
    assert "127.0.0.10" not in one.addresses + many.addresses  # the resolver's own address


@pytest.mark.parametrize("tool", ["busybox", "bind"])
def test_nslookup_a_through_a_cname(tool):
    answer = parse_nslookup(nslookup(f"{tool}/a_via_cname"), "A")
    assert answer.resolved and answer.addresses == ["10.96.3.3"]
    assert answer.records[0] == {"name": "www.shop.example", "type": "CNAME", "value": "web.shop.svc.cluster.local"}


@pytest.mark.parametrize("tool", ["busybox", "bind"])
def test_nslookup_aaaa(tool):
    answer = parse_nslookup(nslookup(f"{tool}/aaaa"), "AAAA")
    assert answer.resolved and answer.addresses == ["fd00:10:244::b"]
    none = parse_nslookup(nslookup(f"{tool}/aaaa_none"), "AAAA")
    assert not none.resolved and none.addresses == [] and none.error


def test_nslookup_aaaa_none_differs_between_variants_but_both_say_why():
    assert parse_nslookup(nslookup("busybox/aaaa_none"), "AAAA").error == "no AAAA record"
    assert parse_nslookup(nslookup("bind/aaaa_none"), "AAAA").error.startswith("no answer")


@pytest.mark.parametrize("tool", ["busybox", "bind"])
def test_nslookup_cname(tool):
    answer = parse_nslookup(nslookup(f"{tool}/cname"), "CNAME")
    assert answer.resolved and answer.addresses == []
    assert [r["value"] for r in answer.records if r["type"] == "CNAME"] == ["web.shop.svc.cluster.local"]
    assert not parse_nslookup(nslookup(f"{tool}/cname"), "A").resolved  # no A record in that answer


@pytest.mark.parametrize("tool", ["busybox", "bind"])
def test_nslookup_srv(tool):
    answer = parse_nslookup(nslookup(f"{tool}/srv"), "SRV")
    assert answer.resolved
    assert answer.records == [
        {
            "name": "_http._tcp.api.shop.svc.cluster.local",
            "type": "SRV",
            "value": "0 100 8080 api.shop.svc.cluster.local",
            "priority": 0,
            "weight": 100,
            "port": 8080,
            "target": "api.shop.svc.cluster.local",
        }
    ]
    targets = [r["target"] for r in parse_nslookup(nslookup(f"{tool}/srv_multi"), "SRV").records]
    assert targets == [f"10-244-0-{n}.kube-dns.kube-system.svc.cluster.local" for n in (2, 3)]


@pytest.mark.parametrize("tool", ["busybox", "bind"])
def test_nslookup_nxdomain_and_no_server(tool):
    missing = parse_nslookup(nslookup(f"{tool}/nxdomain"), "A")
    assert not missing.resolved and missing.error == "NXDOMAIN" and missing.records == []
    silent = parse_nslookup(nslookup(f"{tool}/no_server"), "A")
    assert not silent.resolved and silent.records == []
    assert "no servers could be reached" in silent.error or "connection refused" in silent.error


def test_nslookup_old_busybox_numbered_addresses():
    # The pre-1.28 busybox form (written from its documented layout, not recorded).
    stdout = (
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        "Name:      kubernetes.default\nAddress 1: 10.96.0.1 kubernetes.default.svc.cluster.local\n"
    )
    answer = parse_nslookup(ExecResult(0, stdout), "A")
    assert answer.addresses == ["10.96.0.1"]


def test_nslookup_timed_out_without_output():
    answer = parse_nslookup(ExecResult(None, "", "", timed_out=True), "A")
    assert not answer.resolved and "deadline" in answer.error


# -- exec status ---------------------------------------------------------------------------
# recorded/exec_status.json: the exec error channel (a metav1.Status) as a real node sent it


def exec_status(case: str) -> dict:
    return recorded("exec_status")[case]


def as_exec_result(case: str) -> ExecResult:
    entry = exec_status(case)
    code, message = parse_exec_status(entry["error_channel"])
    return ExecResult(code, entry["stdout"], entry["stderr"], message)


def test_parse_recorded_exec_statuses():
    assert parse_exec_status(exec_status("success")["error_channel"]) == (0, "")
    code, message = parse_exec_status(exec_status("policy_rejected")["error_channel"])
    assert code == 1 and "exit code 1" in message
    code, message = parse_exec_status(exec_status("missing_binary")["error_channel"])
    assert code is None and 'exec: "/agnhost": stat /agnhost: no such file or directory' in message
    assert parse_exec_status(exec_status("success")["error_channel"].encode())[0] == 0


def test_recorded_exec_results_through_the_connect_parser():
    assert parse_connect(as_exec_result("success")).connected
    rejected = parse_connect(as_exec_result("policy_rejected"))
    assert not rejected.connected and connect_error_kind(rejected.error) == "REFUSED"
    unserved = parse_connect(as_exec_result("service_port_not_served"))
    assert connect_error_kind(unserved.error) == "OTHER" and "network is unreachable" in unserved.error


def test_parse_exec_status_edge_cases():
    assert parse_exec_status("")[0] is None
    assert parse_exec_status("not json at all") == (None, "not json at all")
    odd = {"status": "Failure", "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": "x"}]}}
    assert parse_exec_status(json.dumps(odd)) == (None, "NonZeroExitCode")


def test_missing_tool_only_for_a_command_that_could_not_start():
    assert missing_tool(as_exec_result("missing_binary"))
    assert missing_tool(ExecResult(None, message='exec: "nslookup": executable file not found in $PATH: unknown'))
    assert missing_tool(ExecResult(127, "", "exec: nslookup: not found"))
    for case in ("success", "policy_rejected", "service_port_not_served"):
        assert not missing_tool(as_exec_result(case)), case
    assert not missing_tool(exec_result(recorded("agnhost_connect")["tcp_refused"]))
    assert not missing_tool(ExecResult(None, message="container not found (\"app\")"))
    assert not missing_tool(ExecResult(None, timed_out=True))


# -- getent (A and AAAA through the pod's resolver) -------------------------------------------


def getent(case: str) -> ExecResult:
    return exec_result(recorded("getent")[case])


def test_a_and_aaaa_lookups_use_the_pods_resolver_and_others_ask_the_server():
    assert dns_command("api", "A") == ["getent", "ahostsv4", "api"]
    assert dns_command("api.shop", "aaaa") == ["getent", "ahostsv6", "api.shop"]
    assert dns_command("_http._tcp.api.shop.svc.cluster.local", "SRV")[0] == "nslookup"
    assert dns_command("db.shop.svc.cluster.local", "CNAME") == ["nslookup", "-type=CNAME", "db.shop.svc.cluster.local"]


@pytest.mark.parametrize("case", ["a_short_name", "a_partly_qualified"])
def test_getent_resolves_short_names_through_the_search_list(case):
    entry = recorded("getent")[case]
    answer = parse_dns(getent(case), "A")
    assert answer.resolved and answer.error is None
    assert answer.addresses == [entry["stdout"].split()[0]]
    assert answer.records == [{"name": "mlops-platform.mlops.svc.cluster.local", "type": "A", "value": answer.addresses[0]}]


def test_getent_lists_each_address_once():
    answer = parse_getent(getent("a_headless"), "A")
    lines = [line.split()[0] for line in recorded("getent")["a_headless"]["stdout"].splitlines() if line.strip()]
    assert answer.addresses == list(dict.fromkeys(lines)) and len(answer.addresses) == len(set(lines))


@pytest.mark.parametrize("case", ["a_not_found", "a_external_name_unresolvable_target"])
def test_getent_not_found(case):
    answer = parse_dns(getent(case), "A")
    assert not answer.resolved and answer.addresses == [] and "not found" in answer.error


def test_getent_aaaa_drops_ipv4_mapped_addresses():
    entry = getent("aaaa_ipv4_only_name")
    assert "::ffff:" in entry.stdout
    answer = parse_dns(entry, "AAAA")
    assert not answer.resolved and answer.addresses == []


def test_getent_timeout_is_reported():
    answer = parse_getent(ExecResult(None, "", "", "", timed_out=True), "A")
    assert not answer.resolved and "deadline" in answer.error
