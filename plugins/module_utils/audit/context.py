# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every check sees: one ResourceIndex, the pod views and the namespace scope, built once."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    PodView,
    ResourceIndex,
    dig,
    labels_of,
    name_of,
    namespace_of,
    pod_views,
    ref,
)

Obj = dict[str, Any]

CLUSTER_REF: dict[str, str] = {"api_version": "", "kind": "Cluster", "namespace": "", "name": ""}
# Workload kinds whose pods serve traffic (batch pods do not back Services or need probes).
SERVING_KINDS: tuple[str, ...] = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


@dataclass
class Finding:
    id: str
    resource: dict[str, str]
    message: str

    def as_dict(self, severity: str, remediation: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": severity,
            "resource": dict(self.resource),
            "message": self.message,
            "remediation": remediation,
        }


@dataclass(frozen=True)
class NotApplicable:
    reason: str


CheckOutcome = Union[list[Finding], NotApplicable]
CheckFunc = Callable[["AuditContext"], CheckOutcome]


def namespace_ref(namespace: str) -> dict[str, str]:
    return {"api_version": "v1", "kind": "Namespace", "namespace": "", "name": namespace}


@dataclass
class AuditContext:
    index: ResourceIndex
    scope: set[str]
    live: bool = False
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))
    expiry_days: int = 21
    _pods: Optional[list[PodView]] = None
    _cache: dict[str, Any] = field(default_factory=dict)

    # --- scope -------------------------------------------------------------------------
    def in_scope(self, obj: Mapping[str, Any]) -> bool:
        namespace = namespace_of(obj)
        return not namespace or namespace in self.scope

    def objects(self, *kinds: str) -> list[Obj]:
        """In-scope objects of these kinds (cluster-scoped ones are always in scope)."""
        return [o for o in self.index.of_kind(*kinds) if self.in_scope(o)]

    def all_objects(self, *kinds: str) -> list[Obj]:
        """Objects of these kinds in every namespace, for look-ups (kube-system included)."""
        return self.index.of_kind(*kinds)

    def namespaces(self) -> list[str]:
        return sorted(self.scope)

    @property
    def all_pods(self) -> list[PodView]:
        if self._pods is None:
            self._pods = pod_views(self.index.objects)
        return self._pods

    def pods(self, serving_only: bool = False) -> list[PodView]:
        views = [p for p in self.all_pods if p.namespace in self.scope]
        if serving_only:
            views = [p for p in views if p.owner.get("kind") in SERVING_KINDS]
        return views

    def pods_in(self, namespace: str) -> list[PodView]:
        key = "pods_by_ns"
        if key not in self._cache:
            grouped: dict[str, list[PodView]] = {}
            for view in self.all_pods:
                grouped.setdefault(view.namespace, []).append(view)
            self._cache[key] = grouped
        return self._cache[key].get(namespace, [])

    def by_namespace(self, kind: str) -> dict[str, list[Obj]]:
        key = f"by_ns:{kind}"
        if key not in self._cache:
            grouped: dict[str, list[Obj]] = {}
            for obj in self.index.of_kind(kind):
                grouped.setdefault(namespace_of(obj), []).append(obj)
            self._cache[key] = grouped
        return self._cache[key]

    def lookup(self, kind: str, namespace: str, name: str) -> Optional[Obj]:
        key = f"lookup:{kind}"
        if key not in self._cache:
            self._cache[key] = {(namespace_of(o), name_of(o)): o for o in self.index.of_kind(kind)}
        return self._cache[key].get((namespace, name))

    # --- status ------------------------------------------------------------------------
    def status_of(self, obj: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """The object's status, `None` when it cannot be judged.

        Live objects are always judged (a missing status is an empty one); offline manifests
        are judged only when they carry a status block.
        """
        status = obj.get("status")
        if isinstance(status, Mapping):
            return dict(status)
        return {} if self.live else None

    def pod_is_ready(self, view: PodView) -> bool:
        """Whether a pod view stands for at least one ready pod (see docs/audit.md)."""
        owner = view.owner
        kind = owner.get("kind")
        status = self.status_of(owner)
        if kind == "Pod":
            if status is None:
                return True
            for condition in status.get("conditions") or []:
                if condition.get("type") == "Ready":
                    return str(condition.get("status")) == "True"
            return False
        if kind in ("Job", "CronJob"):
            return False
        if status is None:
            if kind == "DaemonSet":
                return True
            replicas = dig(owner, "spec", "replicas", default=1)
            return replicas is None or int(replicas) > 0
        ready = status.get("numberReady") if kind == "DaemonSet" else status.get("readyReplicas")
        return int(ready or 0) > 0


def pod_ref(view: PodView) -> dict[str, str]:
    """The workload that owns a pod template, or the Pod itself."""
    return ref(view.owner)


def pod_label(view: PodView) -> str:
    """`Kind namespace/name` of the workload that owns a pod template (or the Pod), for messages."""
    return f"{view.owner.get('kind')} {view.namespace}/{view.name}"


def pods_selected(views: Iterable[PodView], selector: Mapping[str, Any], matcher: Callable[..., bool]) -> list[PodView]:
    return [v for v in views if matcher(selector, v.labels)]


def container_names(containers: Iterable[Mapping[str, Any]]) -> str:
    return ", ".join(str(c.get("name") or "?") for c in containers)


def labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return labels_of(obj)


# Check functions by ID, filled by the checks_* modules through @check.
REGISTRY: dict[str, CheckFunc] = {}


def check(check_id: str) -> Callable[[CheckFunc], CheckFunc]:
    def register(func: CheckFunc) -> CheckFunc:
        REGISTRY[check_id] = func
        return func

    return register
