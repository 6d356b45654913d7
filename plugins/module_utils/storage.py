# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logic of the storage role: validation of its inputs, the claims it renders, and the
comparison of those claims with the live PersistentVolumeClaims before anything is applied.

Every function returns all problems at once, each as ``path: message``, and never raises on
bad input (the role prints the list and stops). Kubernetes quantities are compared by value
(``1Gi`` == ``1024Mi``; ``2G`` < ``2Gi``), never as strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import (
    ACCESS_MODES,
    IN_TREE_PROVISIONERS,
    check_label,
    check_subdomain,
    parse_quantity,
)

BACKUP_METHODS = ("snapshot", "velero", "none")
RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
# A snapshot is named <claim>-YYYYmmdd-HHMMSS and labelled with its claim's name.
SNAPSHOT_SUFFIX_LENGTH = len("-20260101-000000")
_CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?]+$")
_INT = re.compile(r"^[0-9]+$")


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def format_quantity(value: Decimal) -> str:
    """A byte count in the largest binary unit that divides it (for messages)."""
    for unit, size in (("Ti", 2 ** 40), ("Gi", 2 ** 30), ("Mi", 2 ** 20), ("Ki", 2 ** 10)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value} bytes"


# --------------------------------------------------------------------------------------
# Static validation (no cluster)
# --------------------------------------------------------------------------------------

def _check_ebs(path: str, params: Mapping[str, Any], errors: list[str]) -> None:
    """gp3 rules from the AWS EBS documentation: IOPS >= 3000, throughput >= 125 MiB/s, at most 0.25 MiB/s per IOPS."""
    volume_type = params.get("type", "gp3")
    iops, throughput = params.get("iops"), params.get("throughput")
    if throughput is not None and volume_type != "gp3":
        errors.append(f"{path}.parameters.throughput: only gp3 volumes take a throughput (type is {volume_type!r})")
    if iops is not None and volume_type not in ("gp3", "io1", "io2"):
        errors.append(f"{path}.parameters.iops: only gp3, io1 and io2 volumes take iops (type is {volume_type!r})")
    if volume_type != "gp3":
        return
    iops_n = throughput_n = None
    if iops is not None:
        if not (_is_str(iops) and _INT.match(iops)):
            errors.append(f"{path}.parameters.iops: {iops!r} must be a whole number as a string (e.g. \"3000\")")
        elif not 3000 <= int(iops) <= 80000:
            errors.append(f"{path}.parameters.iops: {iops} is outside the gp3 range 3000-80000")
        else:
            iops_n = int(iops)
    if throughput is not None:
        if not (_is_str(throughput) and _INT.match(throughput)):
            errors.append(f"{path}.parameters.throughput: {throughput!r} must be a whole number of MiB/s as a string (e.g. \"125\")")
        elif not 125 <= int(throughput) <= 2000:
            errors.append(f"{path}.parameters.throughput: {throughput} MiB/s is outside the gp3 range 125-2000")
        else:
            throughput_n = int(throughput)
    if throughput_n is not None and throughput_n * 4 > (iops_n or 3000):
        errors.append(f"{path}.parameters.throughput: {throughput_n} MiB/s needs at least {throughput_n * 4} iops on gp3 "
                      f"(at most 0.25 MiB/s per IOPS; iops is {iops_n or 3000})")


def class_errors(classes: Any, catalogue: Any, require_default: bool = True, var: str = "storage_classes") -> list[str]:
    """Problems of the StorageClass list, by path."""
    errors: list[str] = []
    if not isinstance(classes, (list, tuple)):
        return [f"{var}: must be a list of storage classes, got {type(classes).__name__}"]
    catalogue = _mapping(catalogue)
    seen: dict[str, int] = {}
    defaults: list[int] = []
    for index, sc in enumerate(classes):
        path = f"{var}[{index}]"
        if not isinstance(sc, Mapping):
            errors.append(f"{path}: must be a dict with name and provisioner, got {type(sc).__name__}")
            continue
        name = sc.get("name")
        if not _is_str(name):
            errors.append(f"{path}.name: required, a DNS-1123 subdomain")
        else:
            problem = check_subdomain(name)
            if problem:
                errors.append(f"{path}.name: {problem}")
            if name in seen:
                errors.append(f"{path}.name: duplicate storage class '{name}' (also {var}[{seen[name]}])")
            seen.setdefault(name, index)
        provisioner = sc.get("provisioner")
        if not _is_str(provisioner) or not provisioner.strip():
            errors.append(f"{path}.provisioner: required, the CSI driver name (one of {', '.join(sorted(catalogue)) or 'the catalogue'})")
        elif provisioner in IN_TREE_PROVISIONERS:
            replacement = IN_TREE_PROVISIONERS[provisioner]
            hint = f"use the CSI driver '{replacement}'" if replacement else "use the CSI driver of your storage system"
            errors.append(f"{path}.provisioner: '{provisioner}' is an in-tree volume plugin removed from Kubernetes (CSI migration); {hint}")
        params = sc.get("parameters", {})
        if not isinstance(params, Mapping):
            errors.append(f"{path}.parameters: must be a dict of strings")
            params = {}
        for key, value in params.items():
            if not _is_str(value):
                errors.append(f"{path}.parameters.{key}: must be a string (quote it), got {type(value).__name__} {value!r}")
        if provisioner == "ebs.csi.aws.com":
            merged = {**_mapping(_mapping(catalogue.get(provisioner)).get("parameters")), **params}
            _check_ebs(path, merged, errors)
        for key, choices in (("reclaim_policy", RECLAIM_POLICIES), ("volume_binding_mode", BINDING_MODES)):
            if key in sc and sc[key] not in choices:
                errors.append(f"{path}.{key}: {sc[key]!r} is not one of {', '.join(choices)}")
        for key in ("allow_volume_expansion", "default"):
            if key in sc and not isinstance(sc[key], bool):
                errors.append(f"{path}.{key}: must be a boolean, got {sc[key]!r}")
        if sc.get("default") is True:
            defaults.append(index)
    if len(defaults) > 1:
        errors.append(f"{var}: exactly one default storage class is allowed, found {len(defaults)} (items {', '.join(map(str, defaults))})")
    elif require_default and classes and not defaults:
        errors.append(f"{var}: exactly one storage class must have default: true (none has); "
                      "set storage_require_default_class: false to leave the cluster default alone")
    return errors


def claims(apps: Any, common_labels: Any = None, backup_labels: Any = None) -> list[dict[str, Any]]:
    """The PersistentVolumeClaims the apps ask for, every default filled in (expects valid input)."""
    out: list[dict[str, Any]] = []
    for app in _list(apps):
        if not isinstance(app, Mapping):
            continue
        labels = {**dict(_mapping(common_labels)), "app.kubernetes.io/name": app.get("name"), **dict(_mapping(app.get("labels")))}
        for entry in _list(app.get("storage")):
            if not isinstance(entry, Mapping):
                continue
            backup = entry.get("backup", False) is True
            out.append({
                "app": app.get("name"),
                "namespace": app.get("namespace"),
                "name": entry.get("name"),
                "claim_name": entry.get("claim_name") or f"{app.get('name')}-{entry.get('name')}",
                "size": entry.get("size"),
                "class": entry.get("class"),
                "access_modes": list(entry.get("access_modes") or ["ReadWriteOnce"]),
                "backup": backup,
                "labels": {**labels, **(dict(_mapping(backup_labels)) if backup else {})},
            })
    return out


def claim_errors(apps: Any, classes: Any, catalogue: Any, backup_method: str = "none", var: str = "storage_apps") -> list[str]:
    """Problems of the apps' storage entries, by path."""
    if not isinstance(apps, (list, tuple)):
        return [f"{var}: must be a list of apps, got {type(apps).__name__}"]
    errors: list[str] = []
    known = {sc.get("name"): sc for sc in _list(classes) if isinstance(sc, Mapping)}
    default_class = next((sc for sc in known.values() if sc.get("default") is True), None)
    catalogue = _mapping(catalogue)
    taken: dict[tuple[Any, Any], str] = {}
    for aindex, app in enumerate(apps):
        apath = f"{var}[{aindex}]"
        if not isinstance(app, Mapping):
            errors.append(f"{apath}: must be a dict")
            continue
        storage = app.get("storage", [])
        if not isinstance(storage, (list, tuple)):
            errors.append(f"{apath}.storage: must be a list")
            continue
        if storage and not (_is_str(app.get("name")) and _is_str(app.get("namespace"))):
            errors.append(f"{apath}: an app with storage needs name and namespace")
            continue
        for sindex, entry in enumerate(storage):
            path = f"{apath}.storage[{sindex}]"
            if not isinstance(entry, Mapping):
                errors.append(f"{path}: must be a dict with name and size")
                continue
            name = entry.get("name")
            if not _is_str(name) or check_label(name):
                errors.append(f"{path}.name: {name!r} must be a DNS-1123 label")
            claim = entry.get("claim_name") or f"{app['name']}-{name}"
            if _is_str(claim) and check_subdomain(claim):
                errors.append(f"{path}.claim_name: {check_subdomain(claim)}")
            key = (app["namespace"], claim)
            if key in taken:
                errors.append(f"{path}: PersistentVolumeClaim '{claim}' in namespace '{app['namespace']}' is already declared at {taken[key]}")
            taken.setdefault(key, path)
            size = entry.get("size")
            parsed = parse_quantity(size) if _is_str(size) else None
            if parsed is None:
                errors.append(f"{path}.size: {size!r} is not a Kubernetes quantity (e.g. 10Gi, 500Mi)")
            elif parsed <= 0:
                errors.append(f"{path}.size: {size!r} must be greater than zero")
            modes = entry.get("access_modes", ["ReadWriteOnce"])
            if not isinstance(modes, (list, tuple)) or not modes:
                errors.append(f"{path}.access_modes: must be a non-empty list of {', '.join(ACCESS_MODES)}")
            else:
                for mindex, mode in enumerate(modes):
                    if mode not in ACCESS_MODES:
                        errors.append(f"{path}.access_modes[{mindex}]: {mode!r} is not one of {', '.join(ACCESS_MODES)}")
            cls = entry.get("class")
            if cls is not None and known and cls not in known:
                errors.append(f"{path}.class: storage class '{cls}' is not in storage_classes ({', '.join(sorted(map(str, known)))})")
            backup = entry.get("backup", False)
            if not isinstance(backup, bool):
                errors.append(f"{path}.backup: must be a boolean, got {backup!r}")
            elif backup:
                if backup_method == "none":
                    errors.append(f"{path}.backup: backup is requested but storage_backup_method is 'none'")
                if _is_str(claim) and len(claim) > 63:
                    errors.append(f"{path}.claim_name: '{claim}' is longer than 63 characters; backed-up claims label their snapshots with their name")
                sc = known.get(cls) if cls is not None else default_class
                driver = sc.get("provisioner") if sc else None
                if backup_method == "snapshot" and driver and not _mapping(catalogue.get(driver)).get("snapshots", False):
                    errors.append(f"{path}.backup: class '{sc.get('name')}' uses '{driver}', which has no CSI snapshot support in "
                                  "storage_provisioner_catalogue; use a CSI class or storage_backup_method: velero")
    return errors


def settings_errors(settings: Any) -> list[str]:
    """Problems of the role's scalar settings (backup method, schedule, retention, thresholds)."""
    settings = _mapping(settings)
    errors: list[str] = []
    method = settings.get("storage_backup_method", "none")
    if method not in BACKUP_METHODS:
        errors.append(f"storage_backup_method: {method!r} is not one of {', '.join(BACKUP_METHODS)}")
    schedule = settings.get("storage_snapshot_schedule", "")
    fields = schedule.split() if _is_str(schedule) else []
    if not (len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields)) and not (_is_str(schedule) and schedule.startswith("@")):
        errors.append(f"storage_snapshot_schedule: {schedule!r} is not a cron schedule (five fields, e.g. '0 2 * * *', or @daily)")
    retention = settings.get("storage_snapshot_retention", 1)
    if isinstance(retention, bool) or not isinstance(retention, int) or retention < 1:
        errors.append(f"storage_snapshot_retention: {retention!r} must be a whole number of snapshots >= 1")
    warning = settings.get("storage_monitoring_usage_warning_percent", 80)
    critical = settings.get("storage_monitoring_usage_critical_percent", 90)
    numbers_ok = True
    for key, value in (("storage_monitoring_usage_warning_percent", warning), ("storage_monitoring_usage_critical_percent", critical)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
            errors.append(f"{key}: {value!r} must be a number in (0, 100]")
            numbers_ok = False
    if numbers_ok and warning >= critical:
        errors.append(f"storage_monitoring_usage_warning_percent: {warning} must be below storage_monitoring_usage_critical_percent ({critical})")
    return errors


def spec_errors(classes: Any, apps: Any, catalogue: Any, settings: Any = None) -> list[str]:
    """Every static problem of the role's inputs."""
    settings = _mapping(settings)
    require_default = settings.get("storage_require_default_class", True) is not False
    method = settings.get("storage_backup_method", "none")
    errors = class_errors(classes, catalogue, require_default)
    errors += claim_errors(apps, classes if isinstance(classes, (list, tuple)) else [], catalogue, method if method in BACKUP_METHODS else "none")
    errors += settings_errors(settings)
    return errors


# --------------------------------------------------------------------------------------
# Desired claims against the live cluster
# --------------------------------------------------------------------------------------

def _live_expansion(class_name: Optional[str], desired_classes: list[Any], live_classes: list[Any]) -> Optional[bool]:
    for sc in live_classes:
        if isinstance(sc, Mapping) and _mapping(sc.get("metadata")).get("name") == class_name:
            return sc.get("allowVolumeExpansion") is True
    for sc in desired_classes:
        if isinstance(sc, Mapping) and sc.get("name") == class_name:
            return sc.get("allow_volume_expansion", True) is True
    return None


def live_class_errors(rendered: Any, live_classes: Any) -> list[str]:
    """StorageClass fields Kubernetes does not let change (provisioner, parameters, reclaimPolicy, volumeBindingMode)."""
    live = {_mapping(sc.get("metadata")).get("name"): sc for sc in _list(live_classes) if isinstance(sc, Mapping)}
    errors: list[str] = []
    for obj in _list(rendered):
        name = _mapping(_mapping(obj).get("metadata")).get("name")
        current = live.get(name)
        if current is None:
            continue
        for key, default in (("provisioner", None), ("parameters", {}), ("reclaimPolicy", "Delete"), ("volumeBindingMode", "Immediate")):
            want, have = obj.get(key, default), current.get(key, default)
            if (want or default) != (have or default):
                errors.append(f"StorageClass {name}: {key} {have!r} -> {want!r}: Kubernetes does not let {key} of a StorageClass change; "
                              "create a class under a new name (and move claims by restore), or delete this one first")
    return errors


def live_claim_errors(desired: Any, live_pvcs: Any, desired_classes: Any = None, live_classes: Any = None) -> list[str]:
    """Changes Kubernetes refuses on an existing claim, for every claim at once.

    Growing is fine (on a Bound claim whose class allows expansion); shrinking, changing the
    class or the access modes is refused here, before apply, with what to do instead.
    """
    live = {}
    for pvc in _list(live_pvcs):
        meta = _mapping(_mapping(pvc).get("metadata"))
        live[(meta.get("namespace"), meta.get("name"))] = pvc
    errors: list[str] = []
    for claim in _list(desired):
        pvc = live.get((claim.get("namespace"), claim.get("claim_name")))
        if pvc is None:
            continue
        where = f"{claim['namespace']}/{claim['claim_name']} (app {claim.get('app')}, volume {claim.get('name')})"
        spec = _mapping(pvc.get("spec"))
        phase = _mapping(pvc.get("status")).get("phase", "Pending")
        live_size_text = _mapping(_mapping(spec.get("resources")).get("requests")).get("storage")
        live_size, want_size = parse_quantity(live_size_text), parse_quantity(claim.get("size"))
        if live_size is not None and want_size is not None and want_size != live_size:
            if want_size < live_size:
                errors.append(f"{where}: size {claim['size']} is smaller than the live claim's {live_size_text}; "
                              "Kubernetes cannot shrink a PersistentVolumeClaim (restore into a new, smaller claim instead)")
            elif phase != "Bound":
                errors.append(f"{where}: size {live_size_text} -> {claim['size']} needs a Bound claim (it is {phase}); "
                              "Kubernetes only expands bound claims")
            else:
                cls = spec.get("storageClassName")
                allowed = _live_expansion(cls, _list(desired_classes), _list(live_classes))
                if allowed is False:
                    errors.append(f"{where}: size {live_size_text} -> {claim['size']} but storage class '{cls}' "
                                  "does not set allowVolumeExpansion: true")
        live_class = spec.get("storageClassName")
        if claim.get("class") is not None and claim["class"] != live_class:
            errors.append(f"{where}: class {live_class!r} -> {claim['class']!r}: the storage class of a claim cannot change "
                          "(create a new claim, copy or restore the data, then switch the app)")
        live_modes = list(spec.get("accessModes") or [])
        if sorted(claim.get("access_modes") or []) != sorted(live_modes):
            errors.append(f"{where}: access modes {live_modes} -> {claim.get('access_modes')}: access modes of a claim cannot change "
                          "(create a new claim with the new modes)")
    return errors


def crd_errors(crds: Any, needed: Any, kinds_only: bool = False) -> list[str]:
    """Which needed kinds the cluster does not serve, each with what to install.

    ``crds``: CustomResourceDefinition objects (one list call). ``needed``: entries
    ``{feature, api_version, kind, install}``. A kind counts as served when a CRD of its group
    and kind serves that version and is Established. ``kinds_only``: the missing kinds instead.
    """
    served: set[tuple[str, str, str]] = set()
    for crd in _list(crds):
        spec, status = _mapping(_mapping(crd).get("spec")), _mapping(_mapping(crd).get("status"))
        established = any(_mapping(c).get("type") == "Established" and _mapping(c).get("status") == "True" for c in _list(status.get("conditions")))
        if not established:
            continue
        kind = _mapping(spec.get("names")).get("kind")
        for version in _list(spec.get("versions")):
            if _mapping(version).get("served"):
                served.add((str(spec.get("group")), str(version.get("name")), str(kind)))
    errors = []
    for need in _list(needed):
        group, _slash, version = str(need.get("api_version", "")).rpartition("/")
        if (group, version, need.get("kind")) not in served:
            if kinds_only:
                errors.append(str(need.get("kind")))
                continue
            errors.append(f"{need.get('feature', 'storage')}: the cluster does not serve {need.get('kind')} ({need.get('api_version')}); "
                          f"{need.get('install', 'install its CustomResourceDefinition')}")
    return errors
