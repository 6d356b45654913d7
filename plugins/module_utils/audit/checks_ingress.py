# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ingress and TLS checks ING-001 .. ING-011 and CRT-001."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    AuditContext,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    annotations_of,
    dig,
    name_of,
    namespace_of,
    ns_name,
    ref,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.tls import (
    HAS_CRYPTOGRAPHY,
    TLSInputError,
    hostname_match,
    parse_certificates,
    secret_pems,
    subject_alt_names,
)

NGINX = "nginx.ingress.kubernetes.io/"
TRAEFIK_MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
TRAEFIK_ENTRYPOINTS = "traefik.ingress.kubernetes.io/router.entrypoints"
DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
RATE_LIMIT_ANNOTATIONS = (NGINX + "limit-rps", NGINX + "limit-rpm", NGINX + "limit-connections")


def _ingresses(ctx: AuditContext) -> list[dict]:
    return ctx.objects("Ingress")


def _tls(ingress: dict) -> list[dict]:
    return [t for t in dig(ingress, "spec", "tls", default=None) or [] if isinstance(t, dict)]


def _rule_hosts(ingress: dict) -> list[str]:
    return [str(r["host"]) for r in dig(ingress, "spec", "rules", default=None) or [] if isinstance(r, dict) and r.get("host")]


def _default_classes(ctx: AuditContext) -> list[dict]:
    return [c for c in ctx.all_objects("IngressClass") if str(annotations_of(c).get(DEFAULT_CLASS, "")).lower() == "true"]


def _class_name(ctx: AuditContext, ingress: dict) -> str:
    name = dig(ingress, "spec", "ingressClassName") or annotations_of(ingress).get("kubernetes.io/ingress.class")
    if name:
        return str(name)
    defaults = _default_classes(ctx)
    return name_of(defaults[0]) if len(defaults) == 1 else ""


def _controller(ctx: AuditContext, ingress: dict) -> str:
    """`nginx`, `traefik` or '' from the IngressClass controller (or the class name when the class is not listed)."""
    name = _class_name(ctx, ingress)
    klass = ctx.lookup("IngressClass", "", name) if name else None
    text = str(dig(klass, "spec", "controller", default="") or "") if klass else name
    text = text.lower()
    if "nginx" in text:
        return "nginx"
    if "traefik" in text:
        return "traefik"
    return ""


def _middlewares(ctx: AuditContext, ingress: dict) -> list[dict]:
    """Traefik Middleware objects an Ingress names (`<namespace>-<name>@kubernetescrd`)."""
    value = annotations_of(ingress).get(TRAEFIK_MIDDLEWARES, "")
    found = []
    wanted = {part.strip().split("@", 1)[0] for part in str(value).split(",") if part.strip()}
    if not wanted:
        return found
    for middleware in ctx.all_objects("Middleware"):
        if f"{namespace_of(middleware)}-{name_of(middleware)}" in wanted:
            found.append(middleware)
    return found


@check("ING-001")
def ing_class(ctx: AuditContext) -> CheckOutcome:
    ingresses = _ingresses(ctx)
    if not ingresses:
        return NotApplicable("no Ingress")
    findings = []
    defaults = _default_classes(ctx)
    for ingress in ingresses:
        name = dig(ingress, "spec", "ingressClassName") or annotations_of(ingress).get("kubernetes.io/ingress.class")
        if not name:
            if len(defaults) != 1:
                why = "no default IngressClass" if not defaults else "several default IngressClasses"
                findings.append(Finding("ING-001", ref(ingress), f"Ingress {ns_name(ingress)} names no IngressClass and the cluster has {why}"))
        elif ctx.lookup("IngressClass", "", str(name)) is None:
            findings.append(Finding("ING-001", ref(ingress), f"Ingress {ns_name(ingress)} names IngressClass {name}, which does not exist"))
    return findings


def _each_ingress(
    ctx: AuditContext, check_id: str, problem: Callable[[dict], str], ingresses: Optional[list[dict]] = None, none: str = "no Ingress"
) -> CheckOutcome:
    """At most one finding per Ingress (all of them unless `ingresses` is given), reading `Ingress ns/name<problem>`
    where `problem(ingress)` is not empty; not applicable (`none`) when there is no Ingress to judge."""
    ingresses = _ingresses(ctx) if ingresses is None else ingresses
    if not ingresses:
        return NotApplicable(none)
    findings = []
    for ingress in ingresses:
        what = problem(ingress)
        if what:
            findings.append(Finding(check_id, ref(ingress), f"Ingress {ns_name(ingress)}{what}"))
    return findings


@check("ING-002")
def ing_tls(ctx: AuditContext) -> CheckOutcome:
    return _each_ingress(ctx, "ING-002", lambda ingress: "" if _tls(ingress) else " has no TLS section")


@dataclass(frozen=True)
class _Leaf:
    """What ING-004/005 need of a TLS Secret's leaf certificate (read with module_utils/tls.py)."""

    not_after: datetime.datetime
    sans: dict[str, list[str]]


def _cert_of(ctx: AuditContext, namespace: str, secret_name: str) -> tuple[Optional[_Leaf], str]:
    """(leaf certificate, problem) for a TLS Secret; problem is '' when the certificate was read."""
    key = f"cert:{namespace}/{secret_name}"
    if key in ctx._cache:
        return ctx._cache[key]
    secret = ctx.lookup("Secret", namespace, secret_name)
    what = f"Secret {namespace}/{secret_name}"
    result: tuple[Optional[_Leaf], str]
    if secret is None:
        result = (None, f"{what} does not exist")
    elif secret.get("type") != "kubernetes.io/tls":
        result = (None, f"{what} is of type {secret.get('type') or 'Opaque'}, not kubernetes.io/tls")
    elif not HAS_CRYPTOGRAPHY:
        result = (None, f"{what}: the cryptography Python package is required to read certificates")
    else:
        try:
            leaf = parse_certificates(secret_pems(secret, what).tls_crt, f"{what} tls.crt")[0]
            result = (_Leaf(not_after=leaf.not_valid_after_utc, sans=subject_alt_names(leaf)), "")
        except TLSInputError as exc:
            result = (None, str(exc))
    ctx._cache[key] = result
    return result


def _tls_secrets(ingress: dict) -> list[tuple[dict, str]]:
    return [(t, str(t["secretName"])) for t in _tls(ingress) if t.get("secretName")]


@check("ING-003")
def ing_tls_secret(ctx: AuditContext) -> CheckOutcome:
    ingresses = [i for i in _ingresses(ctx) if _tls_secrets(i)]
    if not ingresses:
        return NotApplicable("no Ingress with a TLS secretName")
    findings = []
    for ingress in ingresses:
        for _tls_entry, secret_name in _tls_secrets(ingress):
            _cert, problem = _cert_of(ctx, namespace_of(ingress), secret_name)
            if problem:
                findings.append(Finding("ING-003", ref(ingress), f"Ingress {ns_name(ingress)}: {problem}"))
    return findings


@check("ING-004")
def ing_cert_expiry(ctx: AuditContext) -> CheckOutcome:
    ingresses = [i for i in _ingresses(ctx) if _tls_secrets(i)]
    if not ingresses:
        return NotApplicable("no Ingress with a TLS secretName")
    findings = []
    limit = ctx.now + datetime.timedelta(days=ctx.expiry_days)
    for ingress in ingresses:
        for _tls_entry, secret_name in _tls_secrets(ingress):
            cert, _problem = _cert_of(ctx, namespace_of(ingress), secret_name)
            if cert is None:
                continue
            when = cert.not_after.strftime("%Y-%m-%d %H:%M UTC")
            if cert.not_after <= ctx.now:
                findings.append(Finding("ING-004", ref(ingress), f"Ingress {ns_name(ingress)}: certificate in Secret {secret_name} expired on {when}"))
            elif cert.not_after <= limit:
                days = (cert.not_after - ctx.now).days
                findings.append(
                    Finding("ING-004", ref(ingress), f"Ingress {ns_name(ingress)}: certificate in Secret {secret_name} expires on {when} (in {days} days)")
                )
    return findings


def _uncovered_hosts(ctx: AuditContext, ingress: dict) -> str:
    problems = []
    for host in _rule_hosts(ingress):
        entries = [t for t in _tls(ingress) if hostname_match(host, {"dns": [str(h) for h in t.get("hosts") or []]})]
        if not entries:
            problems.append(f"host {host} is in no tls.hosts")
            continue
        for entry in entries:
            if not entry.get("secretName"):
                continue
            cert, _problem = _cert_of(ctx, namespace_of(ingress), str(entry["secretName"]))
            if cert is not None and hostname_match(host, cert.sans) is None:
                sans = ", ".join([f"DNS:{n}" for n in cert.sans["dns"]] + [f"IP:{n}" for n in cert.sans["ip"]]) or "none"
                problems.append(f"certificate in Secret {entry['secretName']} does not cover host {host} (SANs: {sans})")
    return (": " + "; ".join(problems)) if problems else ""


@check("ING-005")
def ing_tls_hosts(ctx: AuditContext) -> CheckOutcome:
    ingresses = [i for i in _ingresses(ctx) if _tls(i) and _rule_hosts(i)]
    return _each_ingress(ctx, "ING-005", lambda ingress: _uncovered_hosts(ctx, ingress), ingresses, "no Ingress with both TLS and rule hosts")


def _backends(ingress: dict) -> list[dict]:
    backends = []
    default = dig(ingress, "spec", "defaultBackend")
    if isinstance(default, dict):
        backends.append(default)
    for rule in dig(ingress, "spec", "rules", default=None) or []:
        for path in dig(rule, "http", "paths", default=None) or []:
            if isinstance(path.get("backend"), dict):
                backends.append(path["backend"])
    return backends


def _broken_backends(ctx: AuditContext, ingress: dict) -> str:
    problems = []
    for backend in _backends(ingress):
        service_ref = backend.get("service")
        if not isinstance(service_ref, dict):
            continue  # resource backends are not Services
        service_name = str(service_ref.get("name") or "")
        service = ctx.lookup("Service", namespace_of(ingress), service_name)
        if service is None:
            problems.append(f"Service {service_name} does not exist")
            continue
        port = service_ref.get("port") or {}
        ports = dig(service, "spec", "ports", default=None) or []
        if "number" in port and not any(p.get("port") == port["number"] for p in ports):
            problems.append(f"Service {service_name} has no port {port['number']}")
        elif "name" in port and not any(p.get("name") == port["name"] for p in ports):
            problems.append(f"Service {service_name} has no port named {port['name']}")
    return (": " + "; ".join(sorted(set(problems)))) if problems else ""


@check("ING-006")
def ing_backends(ctx: AuditContext) -> CheckOutcome:
    return _each_ingress(ctx, "ING-006", lambda ingress: _broken_backends(ctx, ingress))


def _middleware_has(ctx: AuditContext, ingress: dict, *path: str) -> bool:
    return any(dig(m, "spec", *path) for m in _middlewares(ctx, ingress))


def _no_rate_limit(ctx: AuditContext, ingress: dict) -> str:
    annotations = annotations_of(ingress)
    if any(str(annotations.get(a, "")).strip() not in ("", "0") for a in RATE_LIMIT_ANNOTATIONS):
        return ""
    if _middleware_has(ctx, ingress, "rateLimit"):
        return ""
    hint = ""
    if NGINX + "rate-limit" in annotations:
        hint = f" ({NGINX}rate-limit is not an ingress-nginx annotation; use limit-rps or limit-rpm)"
    return f" has no rate limit{hint}"


@check("ING-007")
def ing_rate_limit(ctx: AuditContext) -> CheckOutcome:
    return _each_ingress(ctx, "ING-007", lambda ingress: _no_rate_limit(ctx, ingress))


def _no_cors(ctx: AuditContext, ingress: dict) -> str:
    if str(annotations_of(ingress).get(NGINX + "enable-cors", "")).lower() == "true":
        return ""
    if _middleware_has(ctx, ingress, "headers", "accessControlAllowOriginList"):
        return ""
    return " declares no CORS policy"


@check("ING-008")
def ing_cors(ctx: AuditContext) -> CheckOutcome:
    return _each_ingress(ctx, "ING-008", lambda ingress: _no_cors(ctx, ingress))


def _redirects(ctx: AuditContext, ingress: dict) -> tuple[bool, str]:
    annotations = annotations_of(ingress)
    if str(annotations.get(NGINX + "force-ssl-redirect", "")).lower() == "true":
        return True, ""
    for middleware in _middlewares(ctx, ingress):
        if str(dig(middleware, "spec", "redirectScheme", "scheme", default="")).lower() == "https":
            return True, ""
    if not _tls(ingress):
        return False, "serves plain HTTP (no TLS) without a redirect"
    controller = _controller(ctx, ingress)
    if controller == "nginx":
        if str(annotations.get(NGINX + "ssl-redirect", "true")).lower() == "false":
            return False, f"sets {NGINX}ssl-redirect: false"
        return True, ""
    if controller == "traefik":
        entrypoints = [e.strip() for e in str(annotations.get(TRAEFIK_ENTRYPOINTS, "")).split(",") if e.strip()]
        if entrypoints and all(e == "websecure" for e in entrypoints):
            return True, ""  # not served on plain HTTP at all
        return False, "is served on Traefik's web entrypoint without a redirectScheme middleware"
    return False, "has TLS but no HTTPS redirect the audit can see (unknown controller: set force-ssl-redirect)"


def _no_redirect(ctx: AuditContext, ingress: dict) -> str:
    ok, why = _redirects(ctx, ingress)
    return "" if ok else f" {why}"


@check("ING-009")
def ing_https_redirect(ctx: AuditContext) -> CheckOutcome:
    return _each_ingress(ctx, "ING-009", lambda ingress: _no_redirect(ctx, ingress))


def _snippets(ingress: dict) -> str:
    snippets = sorted(k for k in annotations_of(ingress) if k.startswith(NGINX) and k.endswith("-snippet"))
    return f" uses snippet annotations: {', '.join(snippets)}" if snippets else ""


@check("ING-010")
def ing_snippets(ctx: AuditContext) -> CheckOutcome:
    return _each_ingress(ctx, "ING-010", _snippets)


def _hostless_rules(ingress: dict) -> str:
    missing = sum(1 for r in dig(ingress, "spec", "rules") if isinstance(r, dict) and not r.get("host"))
    return f" has {missing} rule(s) without a host (matches any Host header)" if missing else ""


@check("ING-011")
def ing_rule_host(ctx: AuditContext) -> CheckOutcome:
    ingresses = [i for i in _ingresses(ctx) if dig(i, "spec", "rules")]
    return _each_ingress(ctx, "ING-011", _hostless_rules, ingresses, "no Ingress with rules")


def _ready(status: dict[str, Any]) -> tuple[bool, str]:
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return str(condition.get("status")) == "True", str(condition.get("message") or condition.get("reason") or "")
    return False, "no Ready condition"


@check("CRT-001")
def crt_ready(ctx: AuditContext) -> CheckOutcome:
    certificates = [c for c in ctx.objects("Certificate") if ctx.status_of(c) is not None]
    if not certificates:
        return NotApplicable("no cert-manager Certificate with a status to judge")
    findings = []
    for certificate in certificates:
        ready, why = _ready(ctx.status_of(certificate) or {})
        if not ready:
            findings.append(Finding("CRT-001", ref(certificate), f"Certificate {ns_name(certificate)} is not Ready: {why}".rstrip(": ")))
    return findings
