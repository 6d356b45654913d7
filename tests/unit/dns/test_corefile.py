# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Corefile parser and validator the dns role checks every new Corefile with."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.filter.dns import FilterModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.corefile import (
    forward_target_error,
    forwarders,
    parse,
    to_data,
    validate,
)

GOOD = """\
# The cluster zone and everything else.
.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . 10.0.0.53 tls://1.1.1.1 [2001:db8::1]:5353 {
        max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
corp.internal:53 {
    errors
    cache 30
    forward . 10.1.0.10:53 10.1.0.11
}
"""


def test_a_valid_corefile_has_no_problem_and_parses_into_blocks():
    assert validate(GOOD) == []
    blocks = to_data(GOOD)
    assert [b["keys"] for b in blocks] == [[".:53"], ["corp.internal:53"]]
    names = [d["name"] for d in blocks[0]["directives"]]
    assert names == ["errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop", "reload", "loadbalance"]
    kubernetes = blocks[0]["directives"][3]
    assert kubernetes["args"] == ["cluster.local", "in-addr.arpa", "ip6.arpa"]
    assert [d["name"] for d in kubernetes["block"]] == ["pods", "fallthrough", "ttl"]
    assert kubernetes["line"] == 8
    assert forwarders(GOOD) == {".:53": ["10.0.0.53", "tls://1.1.1.1", "[2001:db8::1]:5353"], "corp.internal:53": ["10.1.0.10:53", "10.1.0.11"]}


def test_comments_and_quotes():
    text = '.:53 {\n  errors # trailing comment\n  hosts "/etc/my hosts" {\n    fallthrough\n  }\n  forward . 10.0.0.1\n}\n'
    assert validate(text) == []
    hosts = to_data(text)[0]["directives"][1]
    assert hosts["args"] == ["/etc/my hosts"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".:53 {\n  errors\n  forward . 10.0.0.1\n", "line 1: block opened here is never closed (missing '}')"),
        (".:53 {\n  errors\n}\n}\n", "line 4: '}' without a matching '{'"),
        (".:53 {\n  health {\n    lameduck 5s\n  errors\n}\n", "line 1: block opened here is never closed"),
        (".:53 {\n  forwrd . 10.0.0.1\n}\n", "line 2: unknown plugin 'forwrd' in server block .:53 (did you mean 'forward'?)"),
        (".:53 {\n  forward . 8.8.8.300\n}\n", "line 2: forward target '8.8.8.300': '8.8.8.300' is not an IP address"),
        (".:53 {\n  forward . dns.google\n}\n", "'dns.google' is not an IP address (forwarders must be IPs, not names)"),
        (".:53 {\n  forward . 10.0.0.1:99999\n}\n", "port '99999' is not 1-65535"),
        (".:53 {\n  forward . https://1.1.1.1\n}\n", "only dns:// and tls:// schemes are allowed"),
        (".:53 {\n  forward .\n}\n", "line 2: forward needs a zone and at least one destination"),
        (".:53 {\n  cache thirty\n}\n", "line 2: cache TTL 'thirty' is not a number of seconds"),
        (".:53 {\n}\n", "line 1: server block .:53 has no plugins"),
        ("", "the Corefile has no server block"),
        ("# only a comment\n", "the Corefile has no server block"),
        (".:53\n", "line 1: server block .:53 has no '{ ... }' body"),
        ("{\n  errors\n}\n", "line 1: server block without a zone key before '{'"),
        ("bad_zone!:53 {\n  errors\n}\n", "line 1: 'bad_zone!:53' is not a zone"),
        (".:53 {\n  errors\n}\n.:53 {\n  errors\n}\n", "line 4: zone .:53 is already served by the block at line 1"),
        (".:70000 {\n  errors\n}\n", "port 70000 of '.:70000' is not 1-65535"),
        ('.:53 {\n  hosts "unterminated\n}\n', "unterminated quoted string"),
    ],
)
def test_every_problem_is_named_with_its_line(text, expected):
    problems = validate(text)
    assert any(expected in p for p in problems), problems


def test_several_problems_are_reported_at_once():
    text = ".:53 {\n  forwrd . 10.0.0.1\n  forward . 300.1.1.1\n  cache x\n"
    problems = validate(text)
    assert len(problems) == 4, problems


def test_not_a_string_is_a_message_not_a_traceback():
    assert validate(None) == ["the Corefile must be a string, got NoneType"]
    assert validate({"a": 1}) == ["the Corefile must be a string, got dict"]
    assert parse(42)[0] == []


def test_custom_plugin_list():
    text = ".:53 {\n  myplugin\n}\n"
    assert validate(text) != []
    assert validate(text, ["myplugin"]) == []


@pytest.mark.parametrize("target", ["10.0.0.1", "10.0.0.1:53", "dns://10.0.0.1", "tls://1.1.1.1:853", "2001:db8::1", "[2001:db8::1]:53", "/etc/resolv.conf"])
def test_valid_forward_targets(target):
    assert forward_target_error(target) is None


@pytest.mark.parametrize("target", ["example.com", "10.0.0", "[2001:db8::1", "[::1]x", "udp://10.0.0.1", "10.0.0.1:0", "10.0.0.1:abc"])
def test_invalid_forward_targets(target):
    assert forward_target_error(target)


def test_filters_are_exposed():
    filters = FilterModule().filters()
    assert filters["dns_corefile_errors"](GOOD) == []
    assert filters["dns_corefile_parse"](GOOD)[1]["keys"] == ["corp.internal:53"]
