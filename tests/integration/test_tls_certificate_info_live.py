# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tls_certificate_info in live mode, through ansible-playbook, against TLS Secrets in the real API server.

The Secrets are generated here with cryptography (a root CA, an intermediate and leaves, dates
relative to the real clock because live mode evaluates at the current time): valid with its
chain, expired, expiring in 5 days, wrong SAN, wildcard, self-signed. One playbook reads each
Secret with the module and writes the registered results to a file; the test asserts every
answer, and that no private key appears in the output even at -vvv.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
DAY = dt.timedelta(days=1)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "LinkOps tests"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(cn, *, issuer=None, sans=(), ca=False, not_before=None, not_after=None):
    """(certificate, key); issuer is a (certificate, key) pair or None for self-signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(cn)
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - DAY)
        .not_valid_after(not_after or NOW + 90 * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True,
        )
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(namespace: str, name: str, chain: list, key, ca=None) -> dict:
    data = {"tls.crt": _b64("".join(_pem(c) for c in chain)), "tls.key": _b64(_key_pem(key))}
    if ca is not None:
        data["ca.crt"] = _b64(_pem(ca))
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": namespace}, "data": data}


# name -> (module options besides namespace/name, expected outcome checked in the test)
CASES = {
    "valid-chain": {"hostnames": ["app.example.test"], "verify_chain": True, "min_days_left": 30},
    "expired": {"hostnames": ["old.example.test"], "verify_chain": True},
    "expiring": {"hostnames": ["soon.example.test"], "min_days_left": 30},
    "wrong-san": {"hostnames": ["app.example.test"]},
    "wildcard": {"hostnames": ["a.apps.example.test", "b.apps.example.test"]},
    "wildcard-too-deep": {"hostnames": ["x.y.apps.example.test", "apps.example.test"], "secret": "wildcard"},
    "self-signed": {"hostnames": ["self.example.test"], "verify_chain": True},
    "self-signed-trusted": {"hostnames": ["self.example.test"], "verify_chain": True, "ca_from": "self-signed"},
}


@pytest.fixture
def tls_secrets(cluster, unique_name):
    """Create the Secrets in a fresh namespace; returns (namespace, {name: secret}, keys)."""
    namespace = f"{unique_name}-tls"
    root = _issue("LinkOps test root", ca=True, not_after=NOW + 3650 * DAY)
    inter = _issue("LinkOps test intermediate", issuer=root, ca=True, not_after=NOW + 1825 * DAY)
    valid = _issue("app.example.test", issuer=inter, sans=["app.example.test", "www.example.test"])
    expired = _issue("old.example.test", issuer=inter, sans=["old.example.test"], not_before=NOW - 120 * DAY, not_after=NOW - 10 * DAY)
    expiring = _issue("soon.example.test", issuer=inter, sans=["soon.example.test"], not_after=NOW + 5 * DAY + dt.timedelta(hours=2))
    wrong = _issue("other.example.test", issuer=inter, sans=["other.example.test"])
    wildcard = _issue("*.apps.example.test", issuer=inter, sans=["*.apps.example.test"])
    selfsigned = _issue("self.example.test", sans=["self.example.test"])
    secrets = {
        "valid-chain": _secret(namespace, "valid-chain", [valid[0], inter[0]], valid[1], ca=root[0]),
        "expired": _secret(namespace, "expired", [expired[0], inter[0]], expired[1], ca=root[0]),
        "expiring": _secret(namespace, "expiring", [expiring[0], inter[0]], expiring[1], ca=root[0]),
        "wrong-san": _secret(namespace, "wrong-san", [wrong[0], inter[0]], wrong[1], ca=root[0]),
        "wildcard": _secret(namespace, "wildcard", [wildcard[0], inter[0]], wildcard[1], ca=root[0]),
        "self-signed": _secret(namespace, "self-signed", [selfsigned[0]], selfsigned[1]),
        "self-signed-trusted": _secret(namespace, "self-signed-trusted", [selfsigned[0]], selfsigned[1], ca=selfsigned[0]),
    }
    keys = [_key_pem(k) for k in (valid[1], expired[1], expiring[1], wrong[1], wildcard[1], selfsigned[1])]
    cluster.kubectl("create", "namespace", namespace)
    try:
        manifest = {"apiVersion": "v1", "kind": "List", "items": list(secrets.values())}
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
        yield namespace, secrets, keys, {"valid_leaf_key": _key_pem(valid[1]), "valid_leaf_pem": _pem(valid[0])}
    finally:
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found", check=False)


def _playbook(tmp_path: Path, namespace: str, results_file: Path) -> Path:
    tasks = []
    for case, options in CASES.items():
        args = {"namespace": namespace, "name": options.get("secret", case), "hostnames": options["hostnames"]}
        for key in ("verify_chain", "min_days_left"):
            if key in options:
                args[key] = options[key]
        tasks.append({"name": f"Inspect {case}", "linkops.k8s_platform.tls_certificate_info": {**args, "kubeconfig": "{{ k8s_platform_kubeconfig }}"},
                      "register": f"r_{case.replace('-', '_')}", "ignore_errors": True})
    # The leaf's private key given as an option (no_log) must be masked in -vvv output too.
    tasks.append({"name": "Inspect PEM text with its private key", "linkops.k8s_platform.tls_certificate_info": {
        "pem": "{{ tls_test_leaf_pem }}", "private_key_pem": "{{ tls_test_leaf_key }}", "hostnames": ["app.example.test"]},
        "register": "r_pem_with_key"})
    names = [f"r_{case.replace('-', '_')}" for case in CASES] + ["r_pem_with_key"]
    results = "{" + ", ".join(f"'{n[2:]}': {n}" for n in names) + "}"
    tasks.append({"name": "Write the results", "ansible.builtin.copy": {"content": "{{ " + results + " | to_json }}", "dest": str(results_file), "mode": "0600"}})
    path = tmp_path / "tls_live.yml"
    path.write_text(json.dumps([{"hosts": "all", "gather_facts": False, "tasks": tasks}]))
    return path


def test_tls_certificate_info_live_answers(cluster, run_playbook, tmp_path, tls_secrets):
    namespace, _secrets, keys, leaf = tls_secrets
    results_file = tmp_path / "results.json"
    run = run_playbook(_playbook(tmp_path, namespace, results_file),
                       {"tls_test_leaf_pem": leaf["valid_leaf_pem"], "tls_test_leaf_key": leaf["valid_leaf_key"]}, "-vvv")
    assert run.returncode == 0, run.output[-4000:]
    r = json.loads(results_file.read_text())

    valid = r["valid_chain"]
    assert valid.get("failed", False) is False, valid.get("msg")
    assert valid["source"] == {"kind": "secret", "namespace": namespace, "name": "valid-chain"}
    assert valid["chain_verified"] is True
    assert "app.example.test" in valid["chain"]["path"][0] and len(valid["chain"]["path"]) == 3
    assert len(valid["intermediates"]) == 1
    assert 88 <= valid["days_left"] <= 89
    assert valid["expired"] is False and valid["uncovered_hostnames"] == []
    assert valid["private_key_matches"] is True
    assert sorted(valid["subject_alt_names"]["dns"]) == ["app.example.test", "www.example.test"]

    expired = r["expired"]
    assert expired["failed"] is True
    assert expired["expired"] is True and expired["valid_now"] is False
    assert expired["days_left"] < 0
    assert expired["chain_verified"] is False
    assert any("expired" in p for p in expired["problems"]), expired["problems"]

    expiring = r["expiring"]
    assert expiring["failed"] is True
    assert expiring["expired"] is False and expiring["days_left"] == 5
    assert any("30" in p for p in expiring["problems"]), expiring["problems"]

    wrong = r["wrong_san"]
    assert wrong["failed"] is True
    assert wrong["uncovered_hostnames"] == ["app.example.test"]
    assert wrong["subject_alt_names"]["dns"] == ["other.example.test"]

    wildcard = r["wildcard"]
    assert wildcard.get("failed", False) is False, wildcard.get("msg")
    assert [h["covered"] for h in wildcard["hostnames"]] == [True, True]
    assert wildcard["hostnames"][0]["matched_by"] == "DNS:*.apps.example.test"
    too_deep = r["wildcard_too_deep"]
    assert too_deep["failed"] is True
    assert too_deep["uncovered_hostnames"] == ["x.y.apps.example.test", "apps.example.test"]

    selfsigned = r["self_signed"]
    assert selfsigned["failed"] is True
    assert selfsigned["self_signed"] is True and selfsigned["chain_verified"] is False
    assert selfsigned["uncovered_hostnames"] == []
    trusted = r["self_signed_trusted"]
    assert trusted.get("failed", False) is False, trusted.get("msg")
    assert trusted["self_signed"] is True and trusted["chain_verified"] is True

    assert r["pem_with_key"]["private_key_matches"] is True
    for result in r.values():
        assert result.get("changed") is False

    # No private key reaches the output, even at -vvv: neither the PEM nor its base64 body lines.
    for key in keys:
        body = [line for line in key.splitlines() if line and not line.startswith("-----")]
        assert key not in run.output
        for line in body:
            assert line not in run.output, "a private key line appears in the ansible output"
        assert base64.b64encode(key.encode()).decode()[:60] not in run.output
