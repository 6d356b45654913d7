# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ING-003/004/005 read certificates with plugins/module_utils/tls.py (RFC 6125 matching, PEM parsing)."""

from __future__ import annotations

import base64

import pytest

import audit_corpus_lib as corpus

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import AuditOptions, run_audit


def ingress_objects(rule_host: str, tls_hosts: list[str], secret_data: dict) -> list[dict]:
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}},
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "web-tls", "namespace": "web"},
         "data": secret_data},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "web"},
         "spec": {"tls": [{"hosts": tls_hosts, "secretName": "web-tls"}],
                  "rules": [{"host": rule_host}]}},
    ]


def cert_data(*sans: str, days: int = 90) -> dict:
    return {"tls.crt": base64.b64encode(corpus.make_cert_pem(tuple(sans), days)).decode()}


def audit(objects: list[dict]) -> dict[str, dict]:
    result = run_audit(objects, AuditOptions(checks=["ING-003", "ING-004", "ING-005"]))
    rows = {row["id"]: row for row in result["checks"]}
    for finding in result["findings"]:
        rows[finding["id"]].setdefault("messages", []).append(finding["message"])
    return rows


@pytest.mark.parametrize(
    ("rule_host", "tls_hosts", "sans", "covered"),
    [
        ("a.example.test", ["a.example.test"], ("*.example.test",), True),
        ("A.Example.Test.", ["a.example.test"], ("a.example.test",), True),  # case and one trailing dot ignored
        ("a.b.example.test", ["a.b.example.test"], ("*.example.test",), False),  # a wildcard covers one label only
        ("a.example.test", ["a.example.test"], ("a*.example.test",), False),  # partial wildcards never match (RFC 6125 6.4.3)
        ("x.test", ["x.test"], ("*.test",), False),  # too broad a wildcard matches nothing
        ("a.example.test", ["*.example.test"], ("a.example.test",), True),  # wildcard tls.hosts cover the rule host
        ("b.example.test", ["a.example.test"], ("b.example.test",), False),  # host in no tls.hosts
    ],
)
def test_host_coverage_follows_rfc_6125(rule_host, tls_hosts, sans, covered):
    rows = audit(ingress_objects(rule_host, tls_hosts, cert_data(*sans)))
    assert rows["ING-003"]["status"] == "pass"
    assert rows["ING-005"]["status"] == ("pass" if covered else "fail"), rows["ING-005"].get("messages")


def test_uncovered_host_message_lists_the_sans():
    rows = audit(ingress_objects("shop.example.test", ["shop.example.test"], cert_data("www.example.test", "api.example.test")))
    assert rows["ING-005"]["messages"] == [
        "Ingress web/web: certificate in Secret web-tls does not cover host shop.example.test (SANs: DNS:www.example.test, DNS:api.example.test)"
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"tls.crt": "not base64!"}, "Secret web/web-tls: data['tls.crt'] is not valid base64"),
        ({"tls.crt": base64.b64encode(b"no pem here").decode()}, "Secret web/web-tls tls.crt: no PEM CERTIFICATE block found"),
        ({"tls.key": base64.b64encode(b"k").decode()}, "Secret web/web-tls: has no tls.crt"),
    ],
)
def test_unreadable_certificates_are_ing_003(data, problem):
    rows = audit(ingress_objects("a.example.test", ["a.example.test"], data))
    assert rows["ING-003"]["status"] == "fail"
    assert problem in rows["ING-003"]["messages"][0]
    assert rows["ING-004"]["status"] == "pass" and rows["ING-005"]["status"] == "pass"  # nothing to judge without a certificate


def test_expiry_reads_the_leaf_not_after():
    rows = audit(ingress_objects("a.example.test", ["a.example.test"], cert_data("a.example.test", days=3)))
    assert rows["ING-004"]["status"] == "fail"
    assert "expires on" in rows["ING-004"]["messages"][0] and "(in 2 days)" in rows["ING-004"]["messages"][0]
