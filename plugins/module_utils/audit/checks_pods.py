# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod security checks POD-001 .. POD-009."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    AuditContext,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
    namespace_ref,
    pod_label,
    pod_ref,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    PodView,
    dig,
    labels_of,
)

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL", "SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "SYS_TIME",
        "DAC_READ_SEARCH", "DAC_OVERRIDE", "SETUID", "SETGID", "SETFCAP", "BPF", "PERFMON", "MKNOD", "SYS_CHROOT",
        "SYS_RESOURCE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "SYSLOG", "AUDIT_CONTROL",
    }
)


def _containers(view: PodView) -> list[dict[str, Any]]:
    return list(view.spec.get("initContainers") or []) + list(view.spec.get("containers") or [])


def _sc(container: dict[str, Any]) -> dict[str, Any]:
    return dict(container.get("securityContext") or {})


def _pod_sc(view: PodView) -> dict[str, Any]:
    return dict(view.spec.get("securityContext") or {})


def _namespace_labels(ctx: AuditContext, namespace: str) -> Optional[dict[str, str]]:
    obj = ctx.lookup("Namespace", "", namespace)
    return labels_of(obj) if obj is not None else None


@check("POD-001")
def pod_psa_label(ctx: AuditContext) -> CheckOutcome:
    namespaces = ctx.namespaces()
    if not namespaces:
        return NotApplicable("no namespace in scope")
    findings = []
    for namespace in namespaces:
        labels = _namespace_labels(ctx, namespace)
        if labels is None:
            findings.append(Finding("POD-001", namespace_ref(namespace), f"Namespace {namespace} (no Namespace object seen) has no {ENFORCE_LABEL} label"))
        elif not labels.get(ENFORCE_LABEL):
            findings.append(Finding("POD-001", namespace_ref(namespace), f"Namespace {namespace} has no {ENFORCE_LABEL} label"))
    return findings


@check("POD-002")
def pod_psa_privileged(ctx: AuditContext) -> CheckOutcome:
    labelled = [(ns, labels) for ns in ctx.namespaces() if (labels := _namespace_labels(ctx, ns)) and labels.get(ENFORCE_LABEL)]
    if not labelled:
        return NotApplicable("no namespace in scope with a Pod Security enforce label")
    return [
        Finding("POD-002", namespace_ref(ns), f"Namespace {ns} enforces Pod Security level privileged")
        for ns, labels in labelled
        if labels.get(ENFORCE_LABEL) == "privileged"
    ]


def _container_check(ctx: AuditContext, check_id: str, test: Callable[[PodView, dict[str, Any]], str], what: str) -> CheckOutcome:
    pods = ctx.pods()
    if not pods:
        return NotApplicable("no workload")
    findings = []
    for view in pods:
        problems = []
        for container in _containers(view):
            problem = test(view, container)
            if problem:
                problems.append(f"{container.get('name') or '?'} ({problem})" if problem != "-" else str(container.get("name") or "?"))
        if problems:
            findings.append(Finding(check_id, pod_ref(view), f"{pod_label(view)}: {what}: {', '.join(problems)}"))
    return findings


def _run_as_root(view: PodView, container: dict[str, Any]) -> str:
    sc, pod_sc = _sc(container), _pod_sc(view)
    non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
    user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    if user is not None and int(user) == 0:
        return "runAsUser 0"
    return "" if non_root is True else "-"


def _escalation(view: PodView, container: dict[str, Any]) -> str:
    return "" if _sc(container).get("allowPrivilegeEscalation") is False else "-"


def _read_only(view: PodView, container: dict[str, Any]) -> str:
    return "" if _sc(container).get("readOnlyRootFilesystem") is True else "-"


def _capabilities(view: PodView, container: dict[str, Any]) -> str:
    caps = _sc(container).get("capabilities") or {}
    drop = {str(c).upper() for c in caps.get("drop") or []}
    add = sorted({str(c).upper().removeprefix("CAP_") for c in caps.get("add") or []} & DANGEROUS_CAPABILITIES)
    problems = []
    if "ALL" not in drop:
        problems.append("does not drop ALL")
    if add:
        problems.append("adds " + ", ".join(add))
    return "; ".join(problems)


def _seccomp(view: PodView, container: dict[str, Any]) -> str:
    profile = _sc(container).get("seccompProfile") or _pod_sc(view).get("seccompProfile") or {}
    kind = profile.get("type")
    return "" if kind in ("RuntimeDefault", "Localhost") else (f"type {kind}" if kind else "-")


def _resources(view: PodView, container: dict[str, Any]) -> str:
    resources = container.get("resources") or {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    missing = [f"requests.{r}" for r in ("cpu", "memory") if r not in requests]
    if "memory" not in limits:
        missing.append("limits.memory")
    return ("no " + ", ".join(missing)) if missing else ""


# The per-container checks: (check ID, the test of one container, what a finding says is wrong).
_CONTAINER_CHECKS: tuple[tuple[str, Callable[[PodView, dict[str, Any]], str], str], ...] = (
    ("POD-003", _run_as_root, "runAsNonRoot is not true for"),
    ("POD-004", _escalation, "allowPrivilegeEscalation is not false for"),
    ("POD-005", _read_only, "readOnlyRootFilesystem is not true for"),
    ("POD-006", _capabilities, "capabilities"),
    ("POD-008", _seccomp, "seccompProfile is not RuntimeDefault or Localhost for"),
    ("POD-009", _resources, "resources"),
)


def _register_container_check(check_id: str, test: Callable[[PodView, dict[str, Any]], str], what: str) -> None:
    def run(ctx: AuditContext) -> CheckOutcome:
        return _container_check(ctx, check_id, test, what)

    run.__name__ = f"container_check_{check_id.replace('-', '_').lower()}"
    check(check_id)(run)


for _entry in _CONTAINER_CHECKS:
    _register_container_check(*_entry)


@check("POD-007")
def pod_host_access(ctx: AuditContext) -> CheckOutcome:
    pods = ctx.pods()
    if not pods:
        return NotApplicable("no workload")
    findings = []
    for view in pods:
        problems = [field for field in ("hostNetwork", "hostPID", "hostIPC") if view.spec.get(field) is True]
        problems += [f"privileged container {c.get('name')}" for c in _containers(view) if dig(c, "securityContext", "privileged") is True]
        problems += [f"hostPath volume {v.get('name')}" for v in view.spec.get("volumes") or [] if isinstance(v, dict) and v.get("hostPath")]
        if problems:
            findings.append(Finding("POD-007", pod_ref(view), f"{pod_label(view)}: {', '.join(problems)}"))
    return findings
