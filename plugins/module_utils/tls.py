# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inspect a TLS certificate bundle: identity, validity, key, chain and hostname coverage.

Plain Python over `cryptography`; nothing here talks to a cluster, so it is unit-testable and
serves the `tls_certificate_info` module for a live Secret, a Secret manifest and PEM text alike.

Rules this module follows (documented in the module too):

* The first CERTIFICATE block of a bundle is the leaf; the others are offered intermediates,
  in any order.
* Trust anchors come only from the caller (`ca_pem`, or the Secret's `ca.crt`). A self-signed
  certificate inside the bundle is never trusted by itself being there. An anchor need not be
  self-signed: an intermediate given as `ca.crt` anchors the chain at that point.
* Chain verification walks leaf -> issuer -> ... -> anchor. Every link must have the issuer's
  subject equal to the child's issuer name and a signature that verifies with the issuer's
  public key (`Certificate.verify_directly_issued_by`: RSA PKCS#1 v1.5 and PSS, ECDSA, Ed25519,
  Ed448, DSA). Every certificate on the path, anchor included, must be within its validity
  window at `now`; every issuer must be a CA (basicConstraints cA=TRUE, keyCertSign when it
  has a keyUsage, pathLenConstraint respected).
* When the installed cryptography has `cryptography.x509.verification` (>= 42), the same chain
  is also checked against its RFC 5280 / CA/Browser Forum profile and reported separately as
  `strict`; that result is informational and does not change `verified`.
* Hostnames are matched against subjectAltName only (RFC 6125 section 6.4.4 and the CA/Browser
  Forum baseline: the subject CN is NOT used, even when there are no DNS SANs, as current Go,
  Chrome and Firefox do). Wildcards follow RFC 6125 section 6.4.3 strictly: `*` only as the whole
  left-most label, matching exactly one non-empty label, at least two labels after it; partial
  wildcards (`f*.example.com`, `*oo.example.com`) and wildcards in other labels never match.
  Comparison is case-insensitive, ignores one trailing dot, and compares IDNs as A-labels.
  An IP address hostname matches IP SANs only, never a DNS SAN spelling the same address.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as _import_error:  # the module reports it with missing_required_lib
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = _import_error

try:  # cryptography >= 42
    from cryptography.x509 import verification as _x509_verification
except ImportError:  # pragma: no cover - older or missing cryptography
    _x509_verification = None

HAS_STRICT_VERIFIER = _x509_verification is not None

MAX_CHAIN_DEPTH = 10
SECONDS_PER_DAY = 86400

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----", re.DOTALL)


class TLSInputError(ValueError):
    """Input that cannot be inspected: no certificate, bad PEM, bad base64, bad timestamp."""


# --------------------------------------------------------------------------- input


@dataclass
class PemBundle:
    certificates: list[x509.Certificate] = field(default_factory=list)
    # Private key blocks as found (PEM text). Callers must never return these.
    private_keys: list[str] = field(default_factory=list)


def private_key_blocks(text: str | bytes) -> list[str]:
    """The PRIVATE KEY blocks of PEM text (any flavour: PKCS#8, RSA, EC, encrypted)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return [m.group(0) for m in _PEM_BLOCK.finditer(text or "") if m.group(1).endswith("PRIVATE KEY")]


def parse_pem_bundle(text: str | bytes, what: str = "pem") -> PemBundle:
    """Split PEM text into certificates (in order) and private key blocks.

    Blocks of other types (CERTIFICATE REQUEST, X509 CRL, ...) are ignored. A CERTIFICATE
    block that does not parse raises TLSInputError naming `what` and the block's position.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    bundle = PemBundle()
    cert_index = 0
    for match in _PEM_BLOCK.finditer(text or ""):
        label = match.group(1)
        block = match.group(0)
        if label == "CERTIFICATE":
            cert_index += 1
            try:
                bundle.certificates.append(x509.load_pem_x509_certificate(block.encode("ascii")))
            except (ValueError, UnicodeEncodeError) as exc:
                raise TLSInputError(f"{what}: certificate #{cert_index} is not a valid PEM certificate ({exc})") from None
        elif label.endswith("PRIVATE KEY"):
            bundle.private_keys.append(block)
    return bundle


def parse_certificates(text: str | bytes, what: str) -> list[x509.Certificate]:
    certs = parse_pem_bundle(text, what).certificates
    if not certs:
        raise TLSInputError(f"{what}: no PEM CERTIFICATE block found")
    return certs


@dataclass
class SecretPems:
    tls_crt: str
    tls_key: Optional[str]
    ca_crt: Optional[str]


def secret_pems(secret: Mapping[str, Any], what: str = "secret") -> SecretPems:
    """The PEM texts of a TLS Secret (manifest or live object as a dict).

    `data` values are base64 (as the API returns them); `stringData` values are plain text and
    win over `data`, as the API server would merge them.
    """
    if not isinstance(secret, Mapping):
        raise TLSInputError(f"{what}: expected a Secret mapping, got {type(secret).__name__}")
    kind = secret.get("kind")
    if kind not in (None, "Secret"):
        raise TLSInputError(f"{what}: kind is {kind!r}, expected Secret")
    values: dict[str, str] = {}
    for key, encoded in (secret.get("data") or {}).items():
        if encoded is None:
            continue
        try:
            values[key] = base64.b64decode(str(encoded), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise TLSInputError(f"{what}: data[{key!r}] is not valid base64 of UTF-8 text") from None
    for key, plain in (secret.get("stringData") or {}).items():
        if plain is not None:
            values[key] = str(plain)
    if not values.get("tls.crt"):
        raise TLSInputError(f"{what}: has no tls.crt (type {secret.get('type') or 'unset'}); keys: {', '.join(sorted(values)) or 'none'}")
    return SecretPems(tls_crt=values["tls.crt"], tls_key=values.get("tls.key") or None, ca_crt=values.get("ca.crt") or None)


def parse_now(value: Optional[str | _dt.datetime]) -> _dt.datetime:
    """`now` as an aware UTC datetime: an ISO 8601 string (naive means UTC), or the clock."""
    if value is None or value == "":
        return _dt.datetime.now(_dt.timezone.utc)
    if isinstance(value, _dt.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = _dt.datetime.fromisoformat(text)
        except ValueError:
            raise TLSInputError(f"now: {value!r} is not an ISO 8601 timestamp (e.g. 2026-06-01T00:00:00Z)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.astimezone(_dt.timezone.utc)


# --------------------------------------------------------------------------- description


def _iso(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_before(cert: x509.Certificate) -> _dt.datetime:
    return cert.not_valid_before_utc


def _not_after(cert: x509.Certificate) -> _dt.datetime:
    return cert.not_valid_after_utc


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> Optional[str]:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _extension(cert: x509.Certificate, ext_type: type) -> Any:
    try:
        return cert.extensions.get_extension_for_class(ext_type).value
    except x509.ExtensionNotFound:
        return None


def public_key_info(key: Any) -> dict[str, Any]:
    """`{type, size, curve}` of a public key (curve only for EC keys)."""
    if isinstance(key, rsa.RSAPublicKey):
        return {"type": "RSA", "size": key.key_size, "curve": None}
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"type": "EC", "size": key.curve.key_size, "curve": key.curve.name}
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"type": "Ed25519", "size": 256, "curve": None}
    if isinstance(key, ed448.Ed448PublicKey):
        return {"type": "Ed448", "size": 456, "curve": None}
    if isinstance(key, dsa.DSAPublicKey):
        return {"type": "DSA", "size": key.key_size, "curve": None}
    return {"type": type(key).__name__, "size": None, "curve": None}


def subject_alt_names(cert: x509.Certificate) -> dict[str, list[str]]:
    san = _extension(cert, x509.SubjectAlternativeName)
    if san is None:
        return {"dns": [], "ip": [], "uri": [], "email": []}
    return {
        "dns": [str(v) for v in san.get_values_for_type(x509.DNSName)],
        "ip": [str(v) for v in san.get_values_for_type(x509.IPAddress)],
        "uri": [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)],
        "email": [str(v) for v in san.get_values_for_type(x509.RFC822Name)],
    }


def is_self_issued(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def is_self_signed(cert: x509.Certificate) -> bool:
    if not is_self_issued(cert):
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _extension(cert, x509.BasicConstraints)
    return bool(constraints is not None and constraints.ca)


def describe_certificate(cert: x509.Certificate) -> dict[str, Any]:
    """The facts the module reports about one certificate (never key material)."""
    eku = _extension(cert, x509.ExtendedKeyUsage)
    eku_names = []
    for oid in eku or []:
        eku_names.append(getattr(oid, "_name", None) or oid.dotted_string)
    return {
        "subject": cert.subject.rfc4514_string(),
        "subject_common_name": _name_attr(cert.subject, NameOID.COMMON_NAME),
        "issuer": cert.issuer.rfc4514_string(),
        "issuer_common_name": _name_attr(cert.issuer, NameOID.COMMON_NAME),
        "serial_number": format(cert.serial_number, "x"),
        "not_before": _iso(_not_before(cert)),
        "not_after": _iso(_not_after(cert)),
        "subject_alt_names": subject_alt_names(cert),
        "key": public_key_info(cert.public_key()),
        "signature_algorithm": getattr(cert.signature_algorithm_oid, "_name", None) or cert.signature_algorithm_oid.dotted_string,
        "is_ca": _is_ca(cert),
        "self_signed": is_self_signed(cert),
        "extended_key_usage": eku_names,
        "server_auth": eku is None or ExtendedKeyUsageOID.SERVER_AUTH in eku,
        "fingerprint_sha256": hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
    }


# --------------------------------------------------------------------------- private key


def private_key_matches(cert: x509.Certificate, key_pem: str) -> tuple[Optional[bool], Optional[str]]:
    """Whether a PEM private key belongs to the certificate: `(matches, why_unknown)`.

    Compares public keys only; the key is never returned or logged. An encrypted key or an
    unreadable block gives `(None, reason)`.
    """
    try:
        key = serialization.load_pem_private_key(key_pem.encode("utf-8"), password=None)
    except TypeError:
        return None, "tls.key is encrypted; cannot compare it with the certificate"
    except (ValueError, UnsupportedAlgorithm):
        return None, "tls.key is not a readable PEM private key"
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki), None


# --------------------------------------------------------------------------- hostnames


def _to_alabels(name: str) -> Optional[str]:
    """Lower-cased A-label form of a DNS name, one trailing dot dropped; None if not encodable."""
    name = name.strip()
    if name.endswith("."):
        name = name[:-1]
    labels = []
    for label in name.split("."):
        if label.isascii():
            labels.append(label.lower())
        else:
            try:
                labels.append(label.encode("idna").decode("ascii").lower())
            except UnicodeError:
                return None
    return ".".join(labels)


def _as_ip(text: str) -> Optional[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    candidate = text.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def dns_name_matches(pattern: str, hostname: str) -> bool:
    """RFC 6125 section 6.4.3 matching of one DNS SAN against one DNS hostname.

    A hostname that is itself a wildcard (`*.example.com`) matches only the identical SAN, so
    callers can ask whether a wildcard certificate was issued.
    """
    pattern_a = _to_alabels(pattern)
    host_a = _to_alabels(hostname)
    if not pattern_a or not host_a:
        return False
    if pattern_a == host_a:
        return True
    if "*" in host_a:
        return False
    pattern_labels = pattern_a.split(".")
    host_labels = host_a.split(".")
    if pattern_labels[0] != "*" or any("*" in label for label in pattern_labels[1:]):
        return False  # partial wildcards and wildcards outside the left-most label never match
    if len(pattern_labels) < 3:
        return False  # `*.com` or bare `*`: too broad to match anything
    if len(host_labels) != len(pattern_labels) or not host_labels[0]:
        return False  # the wildcard stands for exactly one non-empty label
    return host_labels[1:] == pattern_labels[1:]


def hostname_match(hostname: str, sans: Mapping[str, list[str]]) -> Optional[str]:
    """The SAN that covers `hostname` (as `DNS:...` or `IP:...`), or None."""
    address = _as_ip(hostname)
    if address is not None:
        for value in sans.get("ip") or []:
            if _as_ip(value) == address:
                return f"IP:{value}"
        return None
    for value in sans.get("dns") or []:
        if dns_name_matches(value, hostname):
            return f"DNS:{value}"
    return None


# --------------------------------------------------------------------------- chain


def _cert_label(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or f"serial {cert.serial_number:x}"


def _validity_problem(cert: x509.Certificate, now: _dt.datetime) -> Optional[str]:
    if now < _not_before(cert):
        return f"{_cert_label(cert)} is not valid before {_iso(_not_before(cert))}"
    if now > _not_after(cert):
        return f"{_cert_label(cert)} expired at {_iso(_not_after(cert))}"
    return None


def _signs(issuer: x509.Certificate, child: x509.Certificate) -> Optional[str]:
    """None when `issuer` issued `child` (name link and signature); else why not."""
    if child.issuer != issuer.subject:
        return f"issuer name {child.issuer.rfc4514_string()} does not match subject {issuer.subject.rfc4514_string()}"
    try:
        child.verify_directly_issued_by(issuer)
    except InvalidSignature:
        return f"signature of {_cert_label(child)} does not verify with the public key of {_cert_label(issuer)}"
    except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
        return f"signature of {_cert_label(child)} cannot be checked with {_cert_label(issuer)}: {exc}"
    return None


def _issuer_problem(issuer: x509.Certificate, cas_below: int, is_anchor: bool) -> Optional[str]:
    """Whether `issuer` may issue: CA flag, keyCertSign, pathLen (`cas_below` CAs under it)."""
    constraints = _extension(issuer, x509.BasicConstraints)
    if constraints is None:
        if is_anchor:
            return None  # v1 roots given as anchors carry no extensions
        return f"{_cert_label(issuer)} has no basicConstraints: it is not a CA and may not issue certificates"
    if not constraints.ca:
        return f"{_cert_label(issuer)} is not a CA (basicConstraints cA=FALSE) and may not issue certificates"
    if constraints.path_length is not None and cas_below > constraints.path_length:
        return f"{_cert_label(issuer)} allows {constraints.path_length} CA(s) below it, the chain has {cas_below}"
    usage = _extension(issuer, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        return f"{_cert_label(issuer)} has a keyUsage without keyCertSign"
    return None


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Iterable[x509.Certificate],
    anchors: Iterable[x509.Certificate],
    now: _dt.datetime,
) -> dict[str, Any]:
    """Build and check the path from `leaf` to a trust anchor. See the module docstring."""
    intermediates = list(intermediates)
    anchors = list(anchors)
    anchor_ders = {a.public_bytes(serialization.Encoding.DER) for a in anchors}
    path = [leaf]
    problems: list[str] = []
    anchor: Optional[x509.Certificate] = None
    complete = False
    current = leaf
    used: set[bytes] = {leaf.public_bytes(serialization.Encoding.DER)}

    while True:
        if current.public_bytes(serialization.Encoding.DER) in anchor_ders:
            anchor, complete = current, True  # the certificate itself is trusted
            break
        link_problem = None
        found = None
        for candidate in anchors:
            if candidate.subject == current.issuer:
                link_problem = _signs(candidate, current)
                if link_problem is None:
                    found = candidate
                    break
        if found is not None:
            path.append(found)
            anchor, complete = found, True
            break
        if is_self_signed(current):
            problems.append(
                f"{_cert_label(current)} is self-signed and is not a trust anchor"
                + ("" if anchors else " (no ca_pem given and the Secret has no ca.crt)")
            )
            complete = True
            break
        for candidate in intermediates:
            der = candidate.public_bytes(serialization.Encoding.DER)
            if der in used or candidate.subject != current.issuer:
                continue
            candidate_problem = _signs(candidate, current)
            if candidate_problem is None:
                found = candidate
                break
            link_problem = link_problem or candidate_problem
        if found is None:
            problems.append(
                link_problem
                or f"issuer {current.issuer.rfc4514_string()} of {_cert_label(current)} is neither in the bundle nor a trust anchor"
            )
            break
        if len(path) >= MAX_CHAIN_DEPTH:
            problems.append(f"chain longer than {MAX_CHAIN_DEPTH} certificates")
            break
        used.add(found.public_bytes(serialization.Encoding.DER))
        path.append(found)
        current = found

    for index, cert in enumerate(path):
        problem = _validity_problem(cert, now)
        if problem:
            problems.append(problem)
        if index > 0:
            # CAs strictly between this issuer and the leaf.
            issuer_problem = _issuer_problem(cert, cas_below=index - 1, is_anchor=cert is anchor)
            if issuer_problem:
                problems.append(issuer_problem)

    if not anchors and not problems:
        problems.append("no trust anchor given (ca_pem, or ca.crt in the Secret)")
    verified = anchor is not None and not problems
    path_ders = {c.public_bytes(serialization.Encoding.DER) for c in path}
    unused = [_cert_label(c) for c in intermediates if c.public_bytes(serialization.Encoding.DER) not in path_ders]
    return {
        "verified": verified,
        "complete": complete,
        "trusted_anchor": _cert_label(anchor) if anchor is not None else None,
        "path": [_cert_label(c) for c in path],
        "unused_certificates": unused,
        "problems": problems,
        "reason": "chain verifies to a trust anchor" if verified else "; ".join(problems),
    }


def strict_verify(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    now: _dt.datetime,
) -> dict[str, Any]:
    """cryptography's own RFC 5280 / CA/B Forum server-certificate check, when available.

    The verifier needs a server name: the leaf's first DNS SAN (or IP SAN) is used, so this
    checks the chain, not hostname coverage (reported separately).
    """
    if _x509_verification is None:
        return {"available": False, "verified": None, "error": "cryptography.x509.verification is not available"}
    if not anchors:
        return {"available": True, "verified": None, "error": "no trust anchor given"}
    sans = subject_alt_names(leaf)
    if sans["dns"]:
        subject: Any = x509.DNSName(sans["dns"][0])
    elif sans["ip"]:
        subject = x509.IPAddress(ipaddress.ip_address(sans["ip"][0]))
    else:
        return {"available": True, "verified": False, "error": "leaf has no subjectAltName"}
    try:
        verifier = (
            _x509_verification.PolicyBuilder()
            .store(_x509_verification.Store(anchors))
            .time(now)
            .max_chain_depth(MAX_CHAIN_DEPTH)
            .build_server_verifier(subject)
        )
        verifier.verify(leaf, intermediates)
    except _x509_verification.VerificationError as exc:
        return {"available": True, "verified": False, "error": str(exc)}
    except (TypeError, ValueError) as exc:
        return {"available": True, "verified": False, "error": str(exc)}
    return {"available": True, "verified": True, "error": None}


# --------------------------------------------------------------------------- report


def inspect_bundle(
    cert_pem: str,
    key_pem: Optional[str] = None,
    ca_pem: Optional[str] = None,
    hostnames: Iterable[str] = (),
    now: Optional[_dt.datetime] = None,
    min_days_left: Optional[int] = None,
    source: str = "pem",
    ca_source: str = "ca_pem",
) -> dict[str, Any]:
    """Everything the module returns, plus `problems`: the reasons to fail (empty when fine).

    Problems: fewer than `min_days_left` days left, a hostname not covered, a private key that
    does not belong to the certificate. `findings` are worth a warning but not a failure.

    Private keys found in `cert_pem` are used like `key_pem` and never returned. `source` and
    `ca_source` name the inputs in error messages.
    """
    now = now or parse_now(None)
    bundle = parse_pem_bundle(cert_pem, source)
    if not bundle.certificates:
        raise TLSInputError(f"{source}: no PEM CERTIFICATE block found")
    leaf, intermediates = bundle.certificates[0], bundle.certificates[1:]
    anchors = parse_certificates(ca_pem, ca_source) if ca_pem else []

    report = describe_certificate(leaf)
    seconds_left = (_not_after(leaf) - now).total_seconds()
    report["days_left"] = int(seconds_left // SECONDS_PER_DAY)
    report["seconds_left"] = int(seconds_left)
    report["expired"] = now > _not_after(leaf)
    report["not_yet_valid"] = now < _not_before(leaf)
    report["valid_now"] = not report["expired"] and not report["not_yet_valid"]
    report["now"] = _iso(now)
    report["intermediates"] = [describe_certificate(c) for c in intermediates]

    chain = verify_chain(leaf, intermediates, anchors, now)
    chain["strict"] = strict_verify(leaf, intermediates, anchors, now)
    report["chain"] = chain
    report["chain_verified"] = chain["verified"]

    key_block = key_pem or (bundle.private_keys[0] if bundle.private_keys else None)
    if key_block:
        report["private_key_matches"], report["private_key_note"] = private_key_matches(leaf, key_block)
    else:
        report["private_key_matches"], report["private_key_note"] = None, "no private key given"

    sans = report["subject_alt_names"]
    coverage = []
    for hostname in hostnames:
        matched_by = hostname_match(str(hostname), sans)
        coverage.append({"hostname": str(hostname), "covered": matched_by is not None, "matched_by": matched_by})
    report["hostnames"] = coverage
    report["uncovered_hostnames"] = [c["hostname"] for c in coverage if not c["covered"]]

    findings: list[str] = []
    if not sans["dns"] and not sans["ip"]:
        findings.append(
            "the certificate has no DNS or IP subjectAltName: clients ignore the subject CN, so it covers no hostname"
        )
    report["findings"] = findings

    problems: list[str] = []
    if min_days_left is not None and report["days_left"] < min_days_left:
        if report["expired"]:
            problems.append(
                f"certificate {report['subject']} expired at {report['not_after']} "
                f"({-report['days_left']} day(s) ago); min_days_left is {min_days_left}"
            )
        else:
            problems.append(
                f"certificate {report['subject']} expires at {report['not_after']}, in {report['days_left']} day(s); "
                f"min_days_left is {min_days_left}"
            )
    if report["uncovered_hostnames"]:
        present = [f"DNS:{d}" for d in sans["dns"]] + [f"IP:{i}" for i in sans["ip"]]
        problems.append(
            f"certificate {report['subject']} does not cover {', '.join(report['uncovered_hostnames'])} "
            f"(its SANs: {', '.join(present) or 'none'})"
        )
    if report["private_key_matches"] is False:
        problems.append(f"the private key does not belong to certificate {report['subject']}")
    report["problems"] = problems
    return report
