# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the labelled audit corpus (tests/unit/audit/corpus/*.yaml) and run it.

A corpus file holds `cases:`, each a small manifest set with the check IDs it must trigger
(`expect`) and must not trigger (`expect_not`); `exhaustive: true` means no other ID may
trigger. A case may start from the compliant baseline cluster (`base: true`, corpus/_baseline.yaml)
and change it:

- `remove: [Kind/namespace/name, ...]` drops baseline objects (cluster-scoped: `Kind//name`);
- `set: {Kind/namespace/name: {dotted.path: value}}` sets fields (list indices are numbers, one past
  the end appends, a dot inside a key is escaped: `data.tls\\.crt`);
- `unset: {Kind/namespace/name: [dotted.path, ...]}` deletes fields;
- `copies: [{from: Kind/ns/name, name: new, set: {...}, unset: [...]}]` adds changed copies;
- `resources: [...]` adds objects.

Certificates are generated: a Secret value `{cert: {sans: [...], days: N}}` under `data`
becomes base64 PEM of a fresh certificate valid for N days from now (negative: expired).
`options` are passed to the engine (checks, skip_checks, namespaces, exclude_namespaces,
exemptions, live).
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import re
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import AuditOptions, run_audit

CORPUS_DIR = Path(__file__).parent / "corpus"
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


@functools.lru_cache(maxsize=None)
def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@functools.lru_cache(maxsize=None)
def make_cert_pem(sans: tuple[str, ...], days: int, cn: str = "") -> bytes:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or (sans[0] if sans else "no-san"))])
    not_after = NOW + datetime.timedelta(days=days)
    not_before = min(NOW - datetime.timedelta(days=1), not_after - datetime.timedelta(days=1))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


def _render_certs(obj: Any) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"cert"} and isinstance(obj["cert"], dict):
            spec = obj["cert"]
            pem = make_cert_pem(tuple(spec.get("sans") or ()), int(spec.get("days", 90)), str(spec.get("cn") or ""))
            return base64.b64encode(pem).decode()
        return {k: _render_certs(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_render_certs(v) for v in obj]
    return obj


def object_key(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{metadata.get('namespace') or ''}/{metadata.get('name')}"


def _normalise_key(key: str) -> str:
    parts = key.split("/")
    if len(parts) == 2:  # Kind/name for cluster-scoped objects
        return f"{parts[0]}//{parts[1]}"
    return key


def _path_parts(path: str) -> list[Any]:
    """`a.b.0.c`; a dot inside a key is written `\\.` (`data.tls\\.crt`)."""
    parts = [p.replace("\\.", ".") for p in re.split(r"(?<!\\)\.", path)]
    return [int(p) if p.isdigit() else p for p in parts]


def set_path(obj: Any, path: str, value: Any) -> None:
    parts = _path_parts(path)
    current = obj
    for position, part in enumerate(parts[:-1]):
        following = parts[position + 1]
        if isinstance(part, int):
            current = current[part]
            continue
        if part not in current or current[part] is None:
            current[part] = [] if isinstance(following, int) else {}
        current = current[part]
    last = parts[-1]
    if isinstance(last, int) and last == len(current):
        current.append(value)  # one past the end appends
    else:
        current[last] = value


def unset_path(obj: Any, path: str) -> None:
    parts = _path_parts(path)
    current = obj
    for part in parts[:-1]:
        current = current[part]
    del current[parts[-1]]


@functools.lru_cache(maxsize=None)
def _baseline_cached() -> tuple[str, ...]:
    data = yaml.safe_load((CORPUS_DIR / "_baseline.yaml").read_text())
    return tuple(yaml.safe_dump(o) for o in data["resources"])


def baseline() -> list[dict[str, Any]]:
    return [yaml.safe_load(text) for text in _baseline_cached()]


def baseline_options() -> dict[str, Any]:
    return dict(yaml.safe_load((CORPUS_DIR / "_baseline.yaml").read_text()).get("options") or {})


def build_objects(case: dict[str, Any]) -> list[dict[str, Any]]:
    objects = baseline() if case.get("base") else []
    by_key = {object_key(o): o for o in objects}
    for key in case.get("remove") or []:
        key = _normalise_key(key)
        if key not in by_key:
            raise KeyError(f"case {case['name']}: remove {key}: no such baseline object")
        objects.remove(by_key.pop(key))
    for key, changes in (case.get("set") or {}).items():
        target = by_key[_normalise_key(key)]
        for path, value in changes.items():
            set_path(target, path, value)
    for key, paths in (case.get("unset") or {}).items():
        target = by_key[_normalise_key(key)]
        for path in paths:
            unset_path(target, path)
    for spec in case.get("copies") or []:
        clone = copy.deepcopy(by_key[_normalise_key(spec["from"])])
        clone["metadata"]["name"] = spec["name"]
        for path, value in (spec.get("set") or {}).items():
            set_path(clone, path, value)
        for path in spec.get("unset") or []:
            unset_path(clone, path)
        objects.append(clone)
    objects.extend(copy.deepcopy(case.get("resources") or []))
    return _render_certs(objects)


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text()) or {}
        for case in data.get("cases") or []:
            case = dict(case)
            case["file"] = path.name
            cases.append(case)
    return cases


def case_options(case: dict[str, Any]) -> tuple[AuditOptions, bool]:
    raw = baseline_options() if case.get("base") else {}
    raw.update(case.get("options") or {})
    live = bool(raw.pop("live", False))
    options = AuditOptions(now=NOW)
    for key, value in raw.items():
        if not hasattr(options, key):
            raise KeyError(f"case {case.get('name')}: unknown option {key}")
        setattr(options, key, value)
    return options, live


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    options, live = case_options(case)
    return run_audit(build_objects(case), options, live=live)


def triggered(result: dict[str, Any]) -> set[str]:
    return {f["id"] for f in result["findings"]}
