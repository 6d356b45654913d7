# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the catalogue over one snapshot of objects, in one pass.

`run_audit` takes plain dicts (manifests, or objects read live) and returns the module's
result: findings, exempted findings, a summary and the status of every catalogue entry.
`read_cluster` lists, once each, exactly the kinds the selected checks read.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit import (
    checks_dns_monitoring,
    checks_ingress,
    checks_netpol,
    checks_pods,
    checks_rbac,
    checks_services,
    checks_storage,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import (
    API_VERSIONS,
    CATALOGUE,
    SEVERITIES,
    SEVERITY_RANK,
    SEVERITY_WEIGHT,
    Check,
    id_matches,
    select,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    REGISTRY,
    AuditContext,
    Finding,
    NotApplicable,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    SYSTEM_NAMESPACES,
    ResourceIndex,
    annotations_of,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.live_source import (
    KindRef,
    read_kinds,
)

# Importing the check modules registers their checks (context.REGISTRY).
CHECK_MODULES = (checks_services, checks_ingress, checks_rbac, checks_netpol, checks_pods, checks_storage, checks_dns_monitoring)
EXEMPT_ANNOTATION = "k8s-platform.linkops.io/exempt"
STATUSES: tuple[str, ...] = ("pass", "fail", "not_applicable", "error")


class AuditOptionError(ValueError):
    """A bad option value; the message names the option."""


@dataclass
class AuditOptions:
    checks: Optional[list[str]] = None
    skip_checks: Optional[list[str]] = None
    namespaces: Optional[list[str]] = None
    exclude_namespaces: list[str] = field(default_factory=lambda: list(SYSTEM_NAMESPACES))
    min_severity: str = "info"
    exemptions: list[dict[str, Any]] = field(default_factory=list)
    expiry_days: int = 21
    now: Optional[datetime.datetime] = None


def validate_options(options: AuditOptions) -> list[Check]:
    """The selected checks; raises AuditOptionError naming the bad option."""
    chosen, unknown = select(options.checks, options.skip_checks)
    if unknown:
        raise AuditOptionError(f"checks/skip_checks: unknown check ID or prefix: {', '.join(unknown)}")
    if options.min_severity not in SEVERITY_RANK:
        raise AuditOptionError(f"min_severity: {options.min_severity!r} is not one of {', '.join(SEVERITIES)}")
    for position, entry in enumerate(options.exemptions):
        if not isinstance(entry, Mapping):
            raise AuditOptionError(f"exemptions[{position}]: expected a mapping with ids and kind/namespace/name")
        ids = _exemption_ids(entry)
        if not ids:
            raise AuditOptionError(f"exemptions[{position}]: give the check IDs or prefixes to exempt in 'ids' (or 'id')")
        unknown_ids = [i for i in ids if not any(id_matches(i, c.id) for c in CATALOGUE)]
        if unknown_ids:
            raise AuditOptionError(f"exemptions[{position}]: unknown check ID or prefix: {', '.join(unknown_ids)}")
        extra = set(entry) - {"id", "ids", "kind", "namespace", "name", "reason"}
        if extra:
            raise AuditOptionError(f"exemptions[{position}]: unknown keys {', '.join(sorted(extra))} (allowed: ids, kind, namespace, name, reason)")
    return chosen


def _exemption_ids(entry: Mapping[str, Any]) -> list[str]:
    ids = entry.get("ids") or entry.get("id") or []
    if isinstance(ids, str):
        ids = ids.split(",")
    return [str(i).strip() for i in ids if str(i).strip()]


def _annotation_ids(obj: Optional[Mapping[str, Any]]) -> list[str]:
    if not obj:
        return []
    return [part.strip() for part in str(annotations_of(obj).get(EXEMPT_ANNOTATION, "")).split(",") if part.strip()]


def kinds_for(checks: Iterable[Check]) -> list[KindRef]:
    kinds: dict[str, None] = {}
    for entry in checks:
        for kind in entry.kinds:
            kinds.setdefault(kind, None)
    kinds.setdefault("Namespace", None)  # namespace scope and namespace-level exemptions
    return [KindRef(API_VERSIONS[k], k) for k in kinds]


@dataclass
class ClusterSnapshot:
    objects: list[dict[str, Any]]
    # kind -> reason, for kinds the credentials may not list (the checks reading them report `error`)
    forbidden: dict[str, str]
    # kinds the cluster does not serve (CRDs not installed): read as empty
    not_served: list[str]
    list_calls: int


def read_cluster(client: Any, checks: Iterable[Check]) -> ClusterSnapshot:
    """One list call per kind the selected checks read, across all namespaces."""
    kind_refs = kinds_for(checks)
    read = read_kinds(client, kind_refs)
    forbidden: dict[str, str] = {}
    not_served: list[str] = []
    for kind_ref in kind_refs:
        key = str(kind_ref)
        if key in read.not_served:
            not_served.append(kind_ref.kind)
        elif key in read.errors:
            forbidden[kind_ref.kind] = read.errors[key]
    return ClusterSnapshot(read.objects, forbidden, not_served, len(kind_refs))


class _Exemptions:
    def __init__(self, ctx: AuditContext, entries: list[dict[str, Any]]) -> None:
        self.ctx = ctx
        self.entries = entries

    def _get(self, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        return self.ctx.lookup(kind, namespace, name)

    def reason(self, finding: Finding) -> str:
        resource = finding.resource
        kind, namespace, name = resource["kind"], resource["namespace"], resource["name"]
        if kind == "Namespace":
            obj = self._get("Namespace", "", name)
            namespace_obj = obj
        else:
            obj = self._get(kind, namespace, name) if kind != "Cluster" else None
            namespace_obj = self._get("Namespace", "", namespace) if namespace else None
        if any(id_matches(i, finding.id) for i in _annotation_ids(obj)):
            return f"annotation {EXEMPT_ANNOTATION} on {kind} {name}"
        if namespace_obj is not None and namespace_obj is not obj and any(id_matches(i, finding.id) for i in _annotation_ids(namespace_obj)):
            return f"annotation {EXEMPT_ANNOTATION} on Namespace {namespace}"
        effective_namespace = name if kind == "Namespace" else namespace
        for entry in self.entries:
            if not any(id_matches(i, finding.id) for i in _exemption_ids(entry)):
                continue
            if entry.get("kind") and str(entry["kind"]).lower() != kind.lower():
                continue
            if entry.get("namespace") is not None and not fnmatch.fnmatchcase(effective_namespace, str(entry["namespace"])):
                continue
            if entry.get("name") is not None and not fnmatch.fnmatchcase(name, str(entry["name"])):
                continue
            return str(entry.get("reason") or "exemptions option")
        return ""


def scope_namespaces(index: ResourceIndex, options: AuditOptions) -> set[str]:
    known = set(index.namespaces(exclude=()))
    if options.namespaces:
        known = {n for n in options.namespaces if n in known}
    return known - set(options.exclude_namespaces or [])


def run_audit(
    objects: Iterable[Mapping[str, Any]],
    options: Optional[AuditOptions] = None,
    live: bool = False,
    forbidden: Optional[Mapping[str, str]] = None,
) -> dict[str, Any]:
    options = options or AuditOptions()
    chosen = validate_options(options)
    chosen_ids = {c.id for c in chosen}
    forbidden = dict(forbidden or {})
    index = ResourceIndex([dict(o) for o in objects])
    scope = scope_namespaces(index, options)
    ctx = AuditContext(
        index=index,
        scope=scope,
        live=live,
        now=options.now or datetime.datetime.now(datetime.timezone.utc),
        expiry_days=options.expiry_days,
    )
    exemptions = _Exemptions(ctx, list(options.exemptions))
    min_rank = SEVERITY_RANK[options.min_severity]

    findings: list[dict[str, Any]] = []
    exempted: list[dict[str, Any]] = []
    check_rows: list[dict[str, Any]] = []
    for entry in CATALOGUE:
        row: dict[str, Any] = dict(entry.as_dict())
        row.update(status="not_applicable", findings=0, exempted=0, reason="")
        check_rows.append(row)
        if entry.id not in chosen_ids:
            row["reason"] = "not selected (checks / skip_checks)"
            continue
        if SEVERITY_RANK[entry.severity] < min_rank:
            row["reason"] = f"below min_severity {options.min_severity}"
            continue
        blocked = [f"{kind}: {forbidden[kind]}" for kind in entry.kinds if kind in forbidden]
        if blocked:
            row.update(status="error", reason="; ".join(blocked))
            continue
        try:
            outcome = REGISTRY[entry.id](ctx)
        except Exception as exc:  # one broken check must not stop the audit
            row.update(status="error", reason=f"check failed: {type(exc).__name__}: {exc}")
            continue
        if isinstance(outcome, NotApplicable):
            row["reason"] = outcome.reason
            continue
        kept = 0
        for finding in sorted(outcome, key=lambda f: (f.resource["namespace"], f.resource["kind"], f.resource["name"])):
            record = finding.as_dict(entry.severity, entry.remediation)
            why = exemptions.reason(finding)
            if why:
                record["exempted_by"] = why
                exempted.append(record)
                row["exempted"] += 1
            else:
                findings.append(record)
                kept += 1
        row["findings"] = kept
        row["status"] = "fail" if kept else "pass"

    summary = summarize(findings, check_rows, ctx)
    summary["exempted"] = len(exempted)
    return {"findings": findings, "exempted": exempted, "summary": summary, "checks": check_rows}


def summarize(findings: list[dict[str, Any]], check_rows: list[dict[str, Any]], ctx: AuditContext) -> dict[str, Any]:
    by_severity = {severity: 0 for severity in reversed(SEVERITIES)}
    by_check: dict[str, int] = {}
    for finding in findings:
        by_severity[finding["severity"]] += 1
        by_check[finding["id"]] = by_check.get(finding["id"], 0) + 1
    statuses = {status: 0 for status in STATUSES}
    total_weight = 0
    passed_weight = 0
    for row in check_rows:
        statuses[row["status"]] += 1
        if row["status"] in ("pass", "fail"):
            weight = SEVERITY_WEIGHT[row["severity"]]
            total_weight += weight
            if row["status"] == "pass":
                passed_weight += weight
    score = round(100 * passed_weight / total_weight) if total_weight else 100
    objects_checked = sum(1 for o in ctx.index.objects if ctx.in_scope(o))
    return {
        "total": len(findings),
        "by_severity": by_severity,
        "by_check": dict(sorted(by_check.items())),
        "checks": statuses,
        "score": score,
        "objects_checked": objects_checked,
        "namespaces": sorted(ctx.scope),
    }


def fails_on(findings: Iterable[Mapping[str, Any]], threshold: Optional[str]) -> list[Mapping[str, Any]]:
    """Findings at or above `threshold` (none when the threshold is unset)."""
    if not threshold:
        return []
    rank = SEVERITY_RANK[threshold]
    return [f for f in findings if SEVERITY_RANK[str(f["severity"])] >= rank]
