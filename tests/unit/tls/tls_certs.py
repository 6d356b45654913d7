# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test PKI made with cryptography at import time: a root CA, an intermediate and leaves.

Every date is relative to NOW, and the tests pass NOW to the code under test, so results do
not depend on the clock.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible.module_utils.testing import patch_module_args

NOW = dt.datetime(2026, 6, 1, 0, 0, 0, tzinfo=dt.timezone.utc)
NOW_ISO = "2026-06-01T00:00:00Z"
DAY = dt.timedelta(days=1)


@dataclass
class Issued:
    cert: x509.Certificate
    key: Any

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "LinkOps Test"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _hash_for(key: Any) -> Optional[hashes.HashAlgorithm]:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def issue(
    cn: str,
    key: Any,
    issuer: Optional[Issued] = None,
    *,
    ca: bool = False,
    path_length: Optional[int] = None,
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    not_before: dt.datetime = NOW - 10 * DAY,
    not_after: dt.datetime = NOW + 80 * DAY,
    issuer_name: Optional[x509.Name] = None,
) -> Issued:
    """One certificate; self-signed when `issuer` is None."""
    import ipaddress

    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_name or (issuer.cert.subject if issuer else _name(cn)))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key((issuer.key if issuer else key).public_key()), critical=False
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(signer_key, _hash_for(signer_key)), key)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_key(curve: ec.EllipticCurve = ec.SECP256R1()) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve)


@dataclass
class PKI:
    root: Issued
    intermediate: Issued
    valid: Issued            # mlops.example.com, www.mlops.example.com, IP 10.0.0.10; 80 days left
    expired: Issued          # expired a day before NOW
    expiring: Issued         # expires exactly 5 days after NOW
    wrong_san: Issued        # CN mlops.example.com, SAN other.example.com only
    wildcard: Issued         # *.apps.example.com (Ed25519)
    self_signed: Issued      # selfsigned.example.com, no CA
    impostor_root: Issued    # same subject as root, different key


@lru_cache(maxsize=1)
def pki() -> PKI:
    root = issue("LinkOps Test Root CA", rsa_key(), ca=True, path_length=1, not_before=NOW - 365 * DAY, not_after=NOW + 3650 * DAY)
    intermediate = issue(
        "LinkOps Test Issuing CA", ec_key(ec.SECP384R1()), root, ca=True, path_length=0,
        not_before=NOW - 300 * DAY, not_after=NOW + 1000 * DAY,
    )
    return PKI(
        root=root,
        intermediate=intermediate,
        valid=issue("mlops.example.com", ec_key(), intermediate, dns=("mlops.example.com", "www.mlops.example.com"), ips=("10.0.0.10",)),
        expired=issue(
            "old.example.com", rsa_key(), intermediate, dns=("old.example.com",),
            not_before=NOW - 91 * DAY, not_after=NOW - DAY,
        ),
        expiring=issue(
            "soon.example.com", ec_key(), intermediate, dns=("soon.example.com",),
            not_before=NOW - 85 * DAY, not_after=NOW + 5 * DAY,
        ),
        wrong_san=issue("mlops.example.com", ec_key(), intermediate, dns=("other.example.com",)),
        wildcard=issue("*.apps.example.com", ed25519.Ed25519PrivateKey.generate(), intermediate, dns=("*.apps.example.com",)),
        self_signed=issue("selfsigned.example.com", ec_key(), None, dns=("selfsigned.example.com",)),
        impostor_root=issue("LinkOps Test Root CA", rsa_key(), ca=True, path_length=1, not_before=NOW - 365 * DAY, not_after=NOW + 3650 * DAY),
    )


def chain_pem(leaf: Issued, *rest: Issued) -> str:
    return leaf.pem + "".join(c.pem for c in rest)


def tls_secret(leaf: Issued, *intermediates: Issued, ca: Optional[Issued] = None, name: str = "web-tls", with_key: bool = True) -> dict[str, Any]:
    """A kubernetes.io/tls Secret as the API returns it (base64 data)."""

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    data = {"tls.crt": b64(chain_pem(leaf, *intermediates))}
    if with_key:
        data["tls.key"] = b64(leaf.key_pem)
    if ca is not None:
        data["ca.crt"] = b64(ca.pem)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": "mlops"},
        "data": data,
    }


def run_module(main: Any, args: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Run a module's main() as Ansible would; `(failed, result)` from its JSON output.

    The real exit_json/fail_json run, so no_log masking is part of what is tested.
    """
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main()
    result = json.loads(out.getvalue())
    return exited.value.code != 0 or bool(result.get("failed")), result
