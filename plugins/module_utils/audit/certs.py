# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Minimal certificate reading for the audit (ING-003/004/005).

Kept small on purpose: plugins/module_utils/tls.py (tls_certificate_info) is the full version,
and the two will be merged.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the collection requires it (requirements.txt)
    HAS_CRYPTOGRAPHY = False


class CertError(ValueError):
    pass


@dataclass(frozen=True)
class CertInfo:
    not_after: datetime.datetime
    dns_names: tuple[str, ...]
    subject_cn: str


def secret_pem(secret: Mapping[str, Any]) -> Optional[bytes]:
    """tls.crt of a Secret: base64 in `data`, or plain PEM in `stringData` (manifests)."""
    string_data = secret.get("stringData") or {}
    if isinstance(string_data, Mapping) and string_data.get("tls.crt"):
        return str(string_data["tls.crt"]).encode()
    data = secret.get("data") or {}
    if isinstance(data, Mapping) and data.get("tls.crt"):
        try:
            return base64.b64decode(str(data["tls.crt"]), validate=False)
        except (binascii.Error, ValueError) as exc:
            raise CertError(f"tls.crt is not base64: {exc}") from exc
    return None


def parse_pem(pem: bytes) -> CertInfo:
    """The first (leaf) certificate of a PEM bundle."""
    if not HAS_CRYPTOGRAPHY:
        raise CertError("the cryptography Python package is required to read certificates")
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise CertError(f"tls.crt is not a PEM certificate: {exc}") from exc
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(str(n).lower() for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    cn_attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    subject_cn = str(cn_attrs[0].value) if cn_attrs else ""
    return CertInfo(not_after=cert.not_valid_after_utc, dns_names=dns_names, subject_cn=subject_cn)


def host_covered(host: str, names: Iterable[str]) -> bool:
    """Whether `host` matches one of `names` (a `*.` wildcard covers exactly one label)."""
    host = host.lower().rstrip(".")
    for name in names:
        name = str(name).lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:] and not host.startswith("*."):
            return True
        if name.startswith("*.") and host.startswith("*.") and host == name:
            return True
    return False


def names_for_coverage(info: CertInfo) -> tuple[str, ...]:
    """The names a TLS client checks a host against: DNS SANs only (clients ignore the subject CN)."""
    return info.dns_names
