# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RBAC checks RBAC-001 .. RBAC-009."""

from __future__ import annotations

from collections.abc import Callable

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    AuditContext,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
    pod_label,
    pod_ref,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    PodView,
    SYSTEM_NAMESPACES,
    kind_of,
    labels_of,
    name_of,
    namespace_of,
    ns_name,
    ref,
)

BUILTIN_CLUSTER_ROLES = ("cluster-admin", "admin", "edit", "view")
READ_VERBS = {"get", "list", "watch", "*"}


def _service_account(view: PodView) -> str:
    return str(view.spec.get("serviceAccountName") or view.spec.get("serviceAccount") or "")


@check("RBAC-001")
def rbac_default_sa(ctx: AuditContext) -> CheckOutcome:
    pods = ctx.pods()
    if not pods:
        return NotApplicable("no workload")
    return [
        Finding("RBAC-001", pod_ref(v), f"{pod_label(v)} runs as the default ServiceAccount")
        for v in pods
        if _service_account(v) in ("", "default")
    ]


@check("RBAC-002")
def rbac_automount(ctx: AuditContext) -> CheckOutcome:
    pods = ctx.pods()
    if not pods:
        return NotApplicable("no workload")
    findings = []
    for view in pods:
        pod_setting = view.spec.get("automountServiceAccountToken")
        if pod_setting is False:
            continue
        sa_name = _service_account(view) or "default"
        if pod_setting is None:
            sa = ctx.lookup("ServiceAccount", view.namespace, sa_name)
            if sa is not None and sa.get("automountServiceAccountToken") is False:
                continue
        findings.append(Finding("RBAC-002", pod_ref(view), f"{pod_label(view)} mounts the API token of ServiceAccount {sa_name}"))
    return findings


def _is_system_role(role: dict) -> bool:
    name = name_of(role)
    if kind_of(role) == "ClusterRole" and (name.startswith("system:") or name in BUILTIN_CLUSTER_ROLES):
        return True
    if labels_of(role).get("kubernetes.io/bootstrapping") == "rbac-defaults":
        return True
    return bool(role.get("aggregationRule"))  # rules are filled in from the aggregated roles


def _roles(ctx: AuditContext) -> list[dict]:
    return [r for r in ctx.objects("Role", "ClusterRole") if not _is_system_role(r)]


def _rule_check(ctx: AuditContext, check_id: str, test: Callable[[dict], str]) -> CheckOutcome:
    roles = _roles(ctx)
    if not roles:
        return NotApplicable("no Role or ClusterRole outside the built-in system ones")
    findings = []
    for role in roles:
        problems = []
        for rule in role.get("rules") or []:
            if isinstance(rule, dict):
                problem = test(rule)
                if problem:
                    problems.append(problem)
        if problems:
            findings.append(Finding(check_id, ref(role), f"{kind_of(role)} {ns_name(role)} " + "; ".join(sorted(set(problems)))))
    return findings


def _lower(rule: dict, key: str) -> set[str]:
    return {str(v).lower() for v in rule.get(key) or []}


def _wildcards(rule: dict) -> str:
    fields = [key for key in ("verbs", "resources", "apiGroups") if "*" in [str(v) for v in rule.get(key) or []]]
    return f"grants * in {', '.join(fields)}" if fields else ""


def _secret_reads(rule: dict) -> str:
    if "secrets" in _lower(rule, "resources") and {"", "*"} & {str(g) for g in rule.get("apiGroups") or [""]}:
        verbs = _lower(rule, "verbs") & READ_VERBS
        if verbs and not rule.get("resourceNames"):
            return f"may {', '.join(sorted(verbs))} Secrets"
    return ""


def _escalation(rule: dict) -> str:
    verbs = _lower(rule, "verbs") & {"escalate", "bind", "impersonate"}
    return f"grants {', '.join(sorted(verbs))}" if verbs else ""


def _pod_access(rule: dict) -> str:
    resources = _lower(rule, "resources") & {"pods/exec", "pods/attach", "pods/portforward"}
    return f"grants {', '.join(sorted(resources))}" if resources and _lower(rule, "verbs") else ""


@check("RBAC-003")
def rbac_wildcards(ctx: AuditContext) -> CheckOutcome:
    return _rule_check(ctx, "RBAC-003", _wildcards)


@check("RBAC-004")
def rbac_secrets(ctx: AuditContext) -> CheckOutcome:
    return _rule_check(ctx, "RBAC-004", _secret_reads)


@check("RBAC-005")
def rbac_escalation(ctx: AuditContext) -> CheckOutcome:
    return _rule_check(ctx, "RBAC-005", _escalation)


@check("RBAC-006")
def rbac_pod_access(ctx: AuditContext) -> CheckOutcome:
    return _rule_check(ctx, "RBAC-006", _pod_access)


def _is_system_subject(subject: dict) -> bool:
    kind = subject.get("kind")
    name = str(subject.get("name") or "")
    if kind in ("User", "Group"):
        return name.startswith("system:")
    if kind == "ServiceAccount":
        return str(subject.get("namespace") or "") in SYSTEM_NAMESPACES
    return False


def _bindings(ctx: AuditContext) -> list[dict]:
    return [
        b
        for b in ctx.objects("RoleBinding", "ClusterRoleBinding")
        if not name_of(b).startswith("system:") and labels_of(b).get("kubernetes.io/bootstrapping") != "rbac-defaults"
    ]


@check("RBAC-007")
def rbac_cluster_admin(ctx: AuditContext) -> CheckOutcome:
    bindings = _bindings(ctx)
    if not bindings:
        return NotApplicable("no RoleBinding or ClusterRoleBinding outside the built-in system ones")
    findings = []
    for binding in bindings:
        role_ref = binding.get("roleRef") or {}
        if role_ref.get("kind") != "ClusterRole" or role_ref.get("name") != "cluster-admin":
            continue
        subjects = [s for s in binding.get("subjects") or [] if isinstance(s, dict) and not _is_system_subject(s)]
        if subjects:
            names = ", ".join(f"{s.get('kind')} {s.get('namespace') + '/' if s.get('namespace') else ''}{s.get('name')}" for s in subjects)
            findings.append(Finding("RBAC-007", ref(binding), f"{kind_of(binding)} {ns_name(binding)} binds cluster-admin to {names}"))
    return findings


def _role_exists(ctx: AuditContext, binding: dict) -> bool:
    role_ref = binding.get("roleRef") or {}
    name = str(role_ref.get("name") or "")
    if role_ref.get("kind") == "ClusterRole":
        return name.startswith("system:") or name in BUILTIN_CLUSTER_ROLES or ctx.lookup("ClusterRole", "", name) is not None
    return ctx.lookup("Role", namespace_of(binding), name) is not None


@check("RBAC-008")
def rbac_dangling_bindings(ctx: AuditContext) -> CheckOutcome:
    bindings = _bindings(ctx)
    if not bindings:
        return NotApplicable("no RoleBinding or ClusterRoleBinding outside the built-in system ones")
    findings = []
    for binding in bindings:
        problems = []
        if not _role_exists(ctx, binding):
            role_ref = binding.get("roleRef") or {}
            problems.append(f"{role_ref.get('kind')} {role_ref.get('name')} does not exist")
        for subject in binding.get("subjects") or []:
            if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
                continue
            sa_namespace = str(subject.get("namespace") or namespace_of(binding))
            sa_name = str(subject.get("name") or "")
            if sa_name != "default" and ctx.lookup("ServiceAccount", sa_namespace, sa_name) is None:
                problems.append(f"ServiceAccount {sa_namespace}/{sa_name} does not exist")
        if problems:
            findings.append(Finding("RBAC-008", ref(binding), f"{kind_of(binding)} {ns_name(binding)}: " + "; ".join(problems)))
    return findings


@check("RBAC-009")
def rbac_missing_sa(ctx: AuditContext) -> CheckOutcome:
    pods = [v for v in ctx.pods() if _service_account(v) not in ("", "default")]
    if not pods:
        return NotApplicable("no workload naming its own ServiceAccount")
    return [
        Finding("RBAC-009", pod_ref(v), f"{pod_label(v)} names ServiceAccount {_service_account(v)}, which does not exist")
        for v in pods
        if ctx.lookup("ServiceAccount", v.namespace, _service_account(v)) is None
    ]
