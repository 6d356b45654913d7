# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage checks STO-001 .. STO-009."""

from __future__ import annotations

import fnmatch
from typing import Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import (
    CLUSTER_REF,
    AuditContext,
    CheckOutcome,
    Finding,
    NotApplicable,
    check,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    SelectorError,
    annotations_of,
    dig,
    labels_of,
    name_of,
    namespace_of,
    ns_name,
    pod_template_of,
    ref,
    selector_matches,
)

DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")
# In-tree volume plugins whose provisioners were removed (or only work through CSI migration).
REMOVED_PROVISIONERS = frozenset(
    {
        "kubernetes.io/aws-ebs", "kubernetes.io/gce-pd", "kubernetes.io/azure-disk", "kubernetes.io/azure-file",
        "kubernetes.io/cinder", "kubernetes.io/vsphere-volume", "kubernetes.io/portworx-volume", "kubernetes.io/rbd",
        "kubernetes.io/glusterfs", "kubernetes.io/quobyte", "kubernetes.io/storageos", "kubernetes.io/scaleio",
        "kubernetes.io/flocker", "kubernetes.io/cephfs",
    }
)
VOLUME_METRICS = ("kubelet_volume_stats_available_bytes", "kubelet_volume_stats_used_bytes", "kubelet_volume_stats_capacity_bytes",
                  "kubelet_volume_stats_inodes")


def _is_default(storage_class: dict) -> bool:
    annotations = annotations_of(storage_class)
    return any(str(annotations.get(a, "")).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS)


def _storage_relevant(ctx: AuditContext) -> bool:
    return bool(ctx.all_objects("StorageClass") or ctx.objects("PersistentVolumeClaim") or ctx.live)


@check("STO-001")
def sto_no_default(ctx: AuditContext) -> CheckOutcome:
    if not _storage_relevant(ctx):
        return NotApplicable("no StorageClass and no PersistentVolumeClaim")
    if any(_is_default(c) for c in ctx.all_objects("StorageClass")):
        return []
    return [Finding("STO-001", dict(CLUSTER_REF), "No StorageClass is marked as the default")]


@check("STO-002")
def sto_several_defaults(ctx: AuditContext) -> CheckOutcome:
    classes = ctx.all_objects("StorageClass")
    if not classes:
        return NotApplicable("no StorageClass")
    defaults = [c for c in classes if _is_default(c)]
    if len(defaults) < 2:
        return []
    names = ", ".join(sorted(name_of(c) for c in defaults))
    return [Finding("STO-002", ref(c), f"StorageClass {name_of(c)} is one of {len(defaults)} default classes ({names})") for c in defaults]


def _claims(ctx: AuditContext) -> list[dict]:
    return ctx.objects("PersistentVolumeClaim")


@check("STO-003")
def sto_not_bound(ctx: AuditContext) -> CheckOutcome:
    claims = [c for c in _claims(ctx) if ctx.status_of(c) is not None]
    if not claims:
        return NotApplicable("no PersistentVolumeClaim with a status to judge")
    findings = []
    for claim in claims:
        phase = (ctx.status_of(claim) or {}).get("phase") or "unknown"
        if phase != "Bound":
            findings.append(Finding("STO-003", ref(claim), f"PersistentVolumeClaim {ns_name(claim)} is {phase}, not Bound"))
    return findings


@check("STO-004")
def sto_missing_class(ctx: AuditContext) -> CheckOutcome:
    claims = [c for c in _claims(ctx) if dig(c, "spec", "storageClassName")]
    if not claims:
        return NotApplicable("no PersistentVolumeClaim naming a StorageClass")
    return [
        Finding("STO-004", ref(c), f"PersistentVolumeClaim {ns_name(c)} names StorageClass {dig(c, 'spec', 'storageClassName')}, which does not exist")
        for c in claims
        if ctx.lookup("StorageClass", "", str(dig(c, "spec", "storageClassName"))) is None
    ]


@check("STO-005")
def sto_in_tree(ctx: AuditContext) -> CheckOutcome:
    classes = ctx.objects("StorageClass")
    if not classes:
        return NotApplicable("no StorageClass")
    return [
        Finding("STO-005", ref(c), f"StorageClass {name_of(c)} uses the removed in-tree provisioner {c.get('provisioner')}")
        for c in classes
        if str(c.get("provisioner") or "") in REMOVED_PROVISIONERS
    ]


@check("STO-006")
def sto_expansion(ctx: AuditContext) -> CheckOutcome:
    classes = ctx.objects("StorageClass")
    if not classes:
        return NotApplicable("no StorageClass")
    return [
        Finding("STO-006", ref(c), f"StorageClass {name_of(c)} does not allow volume expansion")
        for c in classes
        if c.get("allowVolumeExpansion") is not True
    ]


def _mounted_claims(ctx: AuditContext) -> set[tuple[str, str]]:
    mounted: set[tuple[str, str]] = set()
    for view in ctx.all_pods:
        for volume in view.spec.get("volumes") or []:
            claim = dig(volume, "persistentVolumeClaim", "claimName")
            if claim:
                mounted.add((view.namespace, str(claim)))
    return mounted


def _template_claim(ctx: AuditContext, claim: dict) -> bool:
    """A claim made from a StatefulSet's volumeClaimTemplates (`<template>-<statefulset>-<ordinal>`)."""
    name = name_of(claim)
    for sts in ctx.by_namespace("StatefulSet").get(namespace_of(claim), []):
        for template in dig(sts, "spec", "volumeClaimTemplates", default=None) or []:
            prefix = f"{name_of(template)}-{name_of(sts)}-"
            if name.startswith(prefix) and name[len(prefix):].isdigit():
                return True
    return False


@check("STO-007")
def sto_unmounted(ctx: AuditContext) -> CheckOutcome:
    claims = _claims(ctx)
    if not claims:
        return NotApplicable("no PersistentVolumeClaim")
    mounted = _mounted_claims(ctx)
    return [
        Finding("STO-007", ref(c), f"PersistentVolumeClaim {ns_name(c)} is mounted by no workload")
        for c in claims
        if (namespace_of(c), name_of(c)) not in mounted and not _template_claim(ctx, c)
    ]


def _schedule_covers(schedule: dict, claim: dict) -> bool:
    template = dig(schedule, "spec", "template", default=None) or {}
    namespace = namespace_of(claim)
    included = [str(n) for n in template.get("includedNamespaces") or ["*"]]
    excluded = [str(n) for n in template.get("excludedNamespaces") or []]
    if not any(fnmatch.fnmatchcase(namespace, pattern) for pattern in included):
        return False
    if any(fnmatch.fnmatchcase(namespace, pattern) for pattern in excluded):
        return False
    resources = [str(r).lower() for r in template.get("includedResources") or ["*"]]
    if not ({"*", "persistentvolumeclaims", "pvc", "persistentvolumeclaim"} & set(resources)):
        return False
    if {"persistentvolumeclaims", "pvc", "persistentvolumeclaim"} & {str(r).lower() for r in template.get("excludedResources") or []}:
        return False
    if dig(schedule, "spec", "paused") is True:
        return False
    selector = template.get("labelSelector")
    if selector:
        try:
            return selector_matches(selector, labels_of(claim))
        except SelectorError:
            return False
    return True


def _equality_selector(text: str) -> Optional[dict[str, str]]:
    """`k=v,k2==v2` as a dict; None when the text is empty or uses anything else (set-based, !=)."""
    pairs: dict[str, str] = {}
    for term in (t.strip() for t in text.split(",")):
        key, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if not sep or not key.strip() or "!" in key:
            return None
        pairs[key.strip()] = value.strip()
    return pairs or None


def _snapshot_cronjob_covers(cronjob: dict, claim: dict) -> bool:
    """The storage role's snapshot CronJob (label app.kubernetes.io/component: backup) snapshots the claims of
    its own namespace that its SELECTOR environment variable selects (an equality-based label selector)."""
    if namespace_of(cronjob) != namespace_of(claim) or dig(cronjob, "spec", "suspend") is True:
        return False
    if labels_of(cronjob).get("app.kubernetes.io/component") != "backup":
        return False
    for container in dig(pod_template_of(cronjob) or {}, "spec", "containers", default=None) or []:
        for env in (container or {}).get("env") or []:
            if isinstance(env, dict) and env.get("name") == "SELECTOR" and isinstance(env.get("value"), str):
                selector = _equality_selector(env["value"])
                if selector is not None and selector_matches({"matchLabels": selector}, labels_of(claim)):
                    return True
    return False


@check("STO-008")
def sto_backup(ctx: AuditContext) -> CheckOutcome:
    claims = _claims(ctx)
    if not claims:
        return NotApplicable("no PersistentVolumeClaim")
    schedules = ctx.all_objects("Schedule")
    cronjobs = ctx.all_objects("CronJob")
    return [
        Finding("STO-008", ref(c), f"PersistentVolumeClaim {ns_name(c)} is covered by no backup (Velero Schedule or snapshot CronJob)")
        for c in claims
        if not any(_schedule_covers(s, c) for s in schedules) and not any(_snapshot_cronjob_covers(j, c) for j in cronjobs)
    ]


def alert_rules(ctx: AuditContext) -> list[dict]:
    rules = []
    for rule_obj in ctx.all_objects("PrometheusRule"):
        for group in dig(rule_obj, "spec", "groups", default=None) or []:
            for rule in (group or {}).get("rules") or []:
                if isinstance(rule, dict) and rule.get("alert"):
                    rules.append(rule)
    return rules


@check("STO-009")
def sto_volume_alerts(ctx: AuditContext) -> CheckOutcome:
    if not _claims(ctx):
        return NotApplicable("no PersistentVolumeClaim")
    if any(any(metric in str(rule.get("expr") or "") for metric in VOLUME_METRICS) for rule in alert_rules(ctx)):
        return []
    return [Finding("STO-009", dict(CLUSTER_REF), "No PrometheusRule alerts on volume usage (kubelet_volume_stats_*)")]
