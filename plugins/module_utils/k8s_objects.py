# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain helpers over Kubernetes objects as dicts, shared by the analyser modules.

Everything here works on manifests (offline) and on objects read from a live cluster alike:
both reach the analysers as plain dicts in the API's own shape. Nothing imports the
kubernetes client, so it is unit-testable without a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

Obj = dict[str, Any]

# Kinds whose pod template stands for their pods, and where the template sits in the spec.
WORKLOAD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}

SYSTEM_NAMESPACES: tuple[str, ...] = ("kube-system", "kube-public", "kube-node-lease")


class SelectorError(ValueError):
    """A label selector that the API server would reject (unknown operator, missing values)."""


def dig(obj: Mapping[str, Any] | None, *path: str, default: Any = None) -> Any:
    """Follow keys into nested dicts; `default` when any step is missing or not a dict."""
    current: Any = obj
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            return default
        current = current[key]
    return current


def kind_of(obj: Mapping[str, Any]) -> str:
    return str(obj.get("kind") or "")


def name_of(obj: Mapping[str, Any]) -> str:
    return str(dig(obj, "metadata", "name", default="") or "")


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str(dig(obj, "metadata", "namespace", default="") or "")


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(dig(obj, "metadata", "labels", default=None) or {})


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(dig(obj, "metadata", "annotations", default=None) or {})


def ref(obj: Mapping[str, Any]) -> dict[str, str]:
    """The `{api_version, kind, namespace, name}` reference the modules report."""
    return {
        "api_version": str(obj.get("apiVersion") or ""),
        "kind": kind_of(obj),
        "namespace": namespace_of(obj),
        "name": name_of(obj),
    }


def ns_name(obj: Mapping[str, Any]) -> str:
    """`namespace/name`, or just `name` for cluster-scoped objects."""
    namespace = namespace_of(obj)
    return f"{namespace}/{name_of(obj)}" if namespace else name_of(obj)


def selector_matches(selector: Optional[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """Whether a metav1.LabelSelector selects a set of labels.

    `None` (absent) and `{}` (empty) both select everything here; callers that must tell
    the two apart (NetworkPolicy peers do) check for absence before calling.
    """
    if not selector:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        if not _expression_matches(expression, labels):
            return False
    return True


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = expression.get("key")
    operator = expression.get("operator")
    values = [str(v) for v in (expression.get("values") or [])]
    if operator == "In":
        if not values:
            raise SelectorError(f"selector key {key!r}: operator In needs values")
        return key in labels and labels[key] in values
    if operator == "NotIn":
        if not values:
            raise SelectorError(f"selector key {key!r}: operator NotIn needs values")
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise SelectorError(f"selector key {key!r}: unknown operator {operator!r}")


def service_selector_matches(selector: Optional[Mapping[str, str]], labels: Mapping[str, str]) -> bool:
    """Service selectors are plain maps; an empty or absent one selects nothing (no endpoints managed)."""
    if not selector:
        return False
    return all(labels.get(key) == str(value) for key, value in selector.items())


@dataclass(frozen=True)
class PodView:
    """A pod, or a workload's pod template standing for its pods.

    `owner` is the object a finding about this pod should name: the workload that owns the
    template, or the Pod itself when nothing owns it.
    """

    namespace: str
    name: str
    labels: dict[str, str]
    spec: dict[str, Any]
    owner: Obj
    from_template: bool

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def containers(self) -> list[dict[str, Any]]:
        return list(self.spec.get("containers") or [])

    @property
    def all_containers(self) -> list[dict[str, Any]]:
        return list(self.spec.get("initContainers") or []) + self.containers + list(
            self.spec.get("ephemeralContainers") or []
        )


def pod_template_of(workload: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    path = WORKLOAD_TEMPLATE_PATHS.get(kind_of(workload))
    if path is None:
        return None
    template = dig(workload, *path)
    return template if isinstance(template, dict) else None


def _owned_by_listed_workload(pod: Mapping[str, Any], workload_keys: set[tuple[str, str, str]]) -> bool:
    namespace = namespace_of(pod)
    for owner in dig(pod, "metadata", "ownerReferences", default=None) or []:
        if (owner.get("kind"), namespace, owner.get("name")) in workload_keys:
            return True
    return False


def pod_views(objects: Iterable[Mapping[str, Any]], include_owned_pods: bool = False) -> list[PodView]:
    """Pods and workload templates, without counting a pod twice.

    A Pod whose owner (ReplicaSet, StatefulSet, DaemonSet, Job) is in `objects` is already
    stood for by that owner's template, so it is skipped unless `include_owned_pods`. A
    ReplicaSet owned by a listed Deployment is skipped for the same reason.
    """
    objects = list(objects)
    workload_keys = {
        (kind_of(o), namespace_of(o), name_of(o)) for o in objects if kind_of(o) in WORKLOAD_TEMPLATE_PATHS
    }
    views: list[PodView] = []
    for obj in objects:
        kind = kind_of(obj)
        if kind == "Pod":
            if not include_owned_pods and _owned_by_listed_workload(obj, workload_keys):
                continue
            views.append(
                PodView(
                    namespace=namespace_of(obj),
                    name=name_of(obj),
                    labels=labels_of(obj),
                    spec=dict(obj.get("spec") or {}),
                    owner=dict(obj),
                    from_template=False,
                )
            )
        elif kind in WORKLOAD_TEMPLATE_PATHS:
            if kind in ("ReplicaSet", "Job") and _owned_by_listed_workload(obj, workload_keys):
                continue
            template = pod_template_of(obj) or {}
            views.append(
                PodView(
                    namespace=namespace_of(obj),
                    name=name_of(obj),
                    labels=labels_of(template),
                    spec=dict(template.get("spec") or {}),
                    owner=dict(obj),
                    from_template=True,
                )
            )
    return views


@dataclass
class ResourceIndex:
    """Objects grouped by kind, with the namespace view the analysers share."""

    objects: list[Obj] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_kind: dict[str, list[Obj]] = {}
        for obj in self.objects:
            self._by_kind.setdefault(kind_of(obj), []).append(obj)

    def of_kind(self, *kinds: str) -> list[Obj]:
        result: list[Obj] = []
        for kind in kinds:
            result.extend(self._by_kind.get(kind, []))
        return result

    def get(self, kind: str, namespace: str, name: str) -> Optional[Obj]:
        for obj in self._by_kind.get(kind, []):
            if name_of(obj) == name and namespace_of(obj) == namespace:
                return obj
        return None

    def namespaces(self, exclude: Iterable[str] = SYSTEM_NAMESPACES) -> list[str]:
        """Namespace objects plus the namespaces of namespaced objects, minus `exclude`."""
        excluded = set(exclude)
        names = {name_of(o) for o in self.of_kind("Namespace")}
        names.update(namespace_of(o) for o in self.objects if namespace_of(o))
        return sorted(n for n in names if n and n not in excluded)

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        """A namespace's labels, with the automatic kubernetes.io/metadata.name label the API server sets."""
        namespace_obj = self.get("Namespace", "", namespace)
        labels = labels_of(namespace_obj) if namespace_obj else {}
        labels.setdefault("kubernetes.io/metadata.name", namespace)
        return labels


def flatten_manifests(items: Iterable[Any]) -> Iterator[Obj]:
    """Yield objects from a list that may hold `kind: List` wrappers or `None` (empty YAML documents)."""
    for item in items:
        if item is None:
            continue
        if not isinstance(item, Mapping):
            raise ValueError(f"resources: expected a mapping, got {type(item).__name__}")
        if str(item.get("kind", "")).endswith("List") and isinstance(item.get("items"), list):
            list_kind = str(item["kind"])[: -len("List")]
            for child in item["items"]:
                if isinstance(child, Mapping):
                    child = dict(child)
                    child.setdefault("kind", list_kind)
                yield from flatten_manifests([child])
        else:
            yield dict(item)
