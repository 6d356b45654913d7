# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tls_certificate_info module, run as Ansible runs it (real exit_json / fail_json)."""

from __future__ import annotations

import base64
import json

import pytest
from tls_certs import NOW_ISO, chain_pem, pki, run_module, tls_secret

from ansible_collections.linkops.k8s_platform.plugins.modules import tls_certificate_info as module


class ApiError(Exception):
    def __init__(self, status, reason):
        super().__init__(f"({status}) Reason: {reason}")
        self.status = status
        self.reason = reason


class FakeClient:
    """kubernetes.core K8SClient shape: resource(kind, api_version) and get(resource, **params)."""

    def __init__(self, secrets):
        self.secrets = secrets
        self.calls = []

    def resource(self, kind, api_version):
        assert (kind, api_version) == ("Secret", "v1")
        return "secrets"

    def get(self, resource, name=None, namespace=None):
        self.calls.append((resource, namespace, name))
        key = (namespace, name)
        if key == ("locked", "web-tls"):
            raise ApiError(403, "Forbidden")
        if key not in self.secrets:
            raise ApiError(404, "Not Found")
        return self.secrets[key]


@pytest.fixture
def live(monkeypatch):
    p = pki()
    client = FakeClient({("mlops", "web-tls"): tls_secret(p.valid, p.intermediate, ca=p.root)})
    monkeypatch.setattr(module, "get_api_client", lambda module=None, **kw: client)
    return client


def test_live_secret_valid_with_chain(live):
    failed, result = run_module(
        module.main,
        {"namespace": "mlops", "name": "web-tls", "hostnames": ["mlops.example.com"], "min_days_left": 30, "now": NOW_ISO, "verify_chain": True},
    )
    assert not failed, result.get("msg")
    assert live.calls == [("secrets", "mlops", "web-tls")]
    assert result["changed"] is False
    assert result["source"] == {"kind": "secret", "namespace": "mlops", "name": "web-tls"}
    assert result["chain_verified"] is True
    assert result["private_key_matches"] is True
    assert result["days_left"] == 80
    assert result["problems"] == []


def test_live_secret_missing_and_forbidden(live):
    failed, result = run_module(module.main, {"namespace": "mlops", "name": "nope"})
    assert failed and result["msg"] == "Secret mlops/nope not found"
    failed, result = run_module(module.main, {"namespace": "locked", "name": "web-tls"})
    assert failed and result["msg"] == "not allowed to get Secret locked/web-tls (403 Forbidden)"


def test_manifest_expired_fails_with_clear_message():
    p = pki()
    failed, result = run_module(
        module.main, {"secret": tls_secret(p.expired, p.intermediate, ca=p.root), "min_days_left": 14, "now": NOW_ISO}
    )
    assert failed
    assert result["msg"] == (
        "certificate CN=old.example.com,O=LinkOps Test expired at 2026-05-31T00:00:00Z (1 day(s) ago); min_days_left is 14"
    )
    assert result["expired"] is True
    assert result["source"] == {"kind": "manifest", "namespace": "mlops", "name": "web-tls"}


def test_manifest_expiring_and_uncovered_host_are_both_reported():
    p = pki()
    failed, result = run_module(
        module.main,
        {
            "secret": tls_secret(p.expiring, p.intermediate, ca=p.root),
            "min_days_left": 30,
            "hostnames": ["soon.example.com", "mlops.example.com"],
            "now": NOW_ISO,
        },
    )
    assert failed
    assert result["problems"] == [
        "certificate CN=soon.example.com,O=LinkOps Test expires at 2026-06-06T00:00:00Z, in 5 day(s); min_days_left is 30",
        "certificate CN=soon.example.com,O=LinkOps Test does not cover mlops.example.com (its SANs: DNS:soon.example.com)",
    ]
    assert result["msg"] == "; ".join(result["problems"])


def test_wrong_san_fails_on_hostname():
    p = pki()
    failed, result = run_module(
        module.main, {"secret": tls_secret(p.wrong_san, p.intermediate, ca=p.root), "hostnames": ["mlops.example.com"], "now": NOW_ISO}
    )
    assert failed
    assert "does not cover mlops.example.com (its SANs: DNS:other.example.com)" in result["msg"]


def test_wildcard_passes_for_one_label():
    p = pki()
    failed, result = run_module(
        module.main,
        {"pem": chain_pem(p.wildcard, p.intermediate), "ca_pem": p.root.pem, "hostnames": ["grafana.apps.example.com"], "now": NOW_ISO},
    )
    assert not failed, result.get("msg")
    assert result["hostnames"] == [{"hostname": "grafana.apps.example.com", "covered": True, "matched_by": "DNS:*.apps.example.com"}]
    assert result["key"]["type"] == "Ed25519"


def test_self_signed_passes_unless_chain_required():
    p = pki()
    args = {"pem": p.self_signed.pem, "hostnames": ["selfsigned.example.com"], "now": NOW_ISO}
    failed, result = run_module(module.main, args)
    assert not failed
    assert result["self_signed"] is True and result["chain_verified"] is False
    failed, result = run_module(module.main, dict(args, verify_chain=True))
    assert failed
    assert result["msg"].startswith("chain of CN=selfsigned.example.com,O=LinkOps Test does not verify: ")


def test_key_material_never_in_output():
    p = pki()
    key_pem = p.valid.key_pem
    key_b64 = base64.b64encode(key_pem.encode()).decode()
    for args in (
        {"secret": tls_secret(p.valid, p.intermediate, ca=p.root), "now": NOW_ISO},
        {"pem": key_pem + chain_pem(p.valid, p.intermediate), "ca_pem": p.root.pem, "now": NOW_ISO},
        {"pem": chain_pem(p.valid, p.intermediate), "private_key_pem": key_pem, "now": NOW_ISO},
        # failing runs too
        {"pem": key_pem + p.valid.pem, "hostnames": ["nope.example.com"], "now": NOW_ISO},
    ):
        failed, result = run_module(module.main, args)
        text = json.dumps(result)
        assert result["private_key_matches"] is True
        assert "PRIVATE KEY" not in text
        assert key_b64 not in text
        # What is not secret stays readable.
        assert result["subject"] == "CN=mlops.example.com,O=LinkOps Test"


def test_bad_input_is_a_clear_failure():
    failed, result = run_module(module.main, {"pem": "not a certificate"})
    assert failed and result["msg"] == "pem: no PEM CERTIFICATE block found"
    failed, result = run_module(module.main, {"secret": {"kind": "Secret", "data": {}}})
    assert failed and result["msg"] == "secret: has no tls.crt (type unset); keys: none"
    failed, result = run_module(module.main, {"pem": pki().valid.pem, "now": "soon"})
    assert failed and "now: 'soon' is not an ISO 8601 timestamp" in result["msg"]
    failed, result = run_module(module.main, {"name": "web-tls"})
    assert failed and "namespace" in result["msg"]
    failed, result = run_module(module.main, {"pem": pki().valid.pem, "secret": {"kind": "Secret"}})
    assert failed and "mutually exclusive" in result["msg"]
    failed, result = run_module(module.main, {})
    assert failed and "one of the following is required: name, pem, secret" in result["msg"]


def test_secret_with_foreign_key_fails_and_no_san_warns():
    p = pki()
    secret = tls_secret(p.valid, p.intermediate, ca=p.root)
    secret["data"]["tls.key"] = base64.b64encode(p.wrong_san.key_pem.encode()).decode()
    failed, result = run_module(module.main, {"secret": secret, "now": NOW_ISO})
    assert failed
    assert result["msg"] == "the private key does not belong to certificate CN=mlops.example.com,O=LinkOps Test"
    assert result["private_key_matches"] is False


def test_findings_become_warnings():
    from tls_certs import issue, rsa_key

    legacy = issue("legacy.example.com", rsa_key(), pki().intermediate)
    failed, result = run_module(module.main, {"pem": legacy.pem, "now": NOW_ISO})
    assert not failed
    assert "clients ignore the subject CN" in result["findings"][0]
    assert [w["event"]["msg"] for w in result["warnings"]] == result["findings"]


def test_bad_ca_pem_is_named_by_its_source():
    p = pki()
    secret = tls_secret(p.valid, p.intermediate)
    secret["stringData"] = {"ca.crt": "garbage"}
    failed, result = run_module(module.main, {"secret": secret, "now": NOW_ISO})
    assert failed and result["msg"] == "secret ca.crt: no PEM CERTIFICATE block found"
    failed, result = run_module(module.main, {"secret": secret, "ca_pem": "also garbage", "now": NOW_ISO})
    assert failed and result["msg"] == "ca_pem: no PEM CERTIFICATE block found"
