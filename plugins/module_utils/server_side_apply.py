# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side apply of a list of objects, for the controller-side k8s_apply_objects action.

The client is kubernetes.core's `K8SClient` (`get_api_client(**auth)`): `resource(kind,
api_version)` for discovery and `.client` (the kubernetes dynamic client) for `get` and
`server_side_apply` (a PATCH with `application/apply-patch+yaml`). Unit tests pass a fake with
the same shape.

The result has the shape kubernetes.core.k8s gives for a list of definitions, so the k8s_apply
role's diff display (filter k8s_results_diff) and failure explanations keep working:
`{"changed": bool, "result": {"results": [{"changed", "method", "result", "diff"?}, ...]}}`,
and on failure `{"failed": True, "msg": ...}` with the results of the objects applied before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.linkops.k8s_platform.plugins.module_utils.api_results import as_dict, list_items, plain_json, status_of

Obj = dict[str, Any]

# Metadata the API server sets on every write: not part of what the collection asks for.
_SERVER_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink")

MISSING_KIND_MSG = "Failed to find exact match for {api_version}.{kind} by [kind, name, singularName, shortNames]"


class ApplyInputError(ValueError):
    """An object of the list is not something the API server could be asked to apply."""


@dataclass(frozen=True)
class ApplyOptions:
    field_manager: str
    force_conflicts: bool = False
    dry_run: bool = False
    diff: bool = False
    wait: bool = False
    wait_timeout: int = 120
    wait_sleep: float = 1.0


@dataclass
class ApplyOutcome:
    results: list[Obj] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return any(entry.get("changed") for entry in self.results)

    def as_result(self) -> Obj:
        result: Obj = {"changed": self.changed, "result": {"results": self.results}}
        if self.error is not None:
            result["failed"] = True
            result["msg"] = self.error
        return result


def describe(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    namespace = metadata.get("namespace")
    return f"{obj.get('kind', '?')} {namespace + '/' if namespace else ''}{metadata.get('name', '?')}"


def check_objects(objects: Any) -> list[Obj]:
    """Every problem of the list at once, naming the index, before anything is sent."""
    if not isinstance(objects, Sequence) or isinstance(objects, (str, bytes)):
        raise ApplyInputError(f"objects must be a list of Kubernetes manifests, got {type(objects).__name__}")
    problems: list[str] = []
    for index, obj in enumerate(objects):
        if not isinstance(obj, Mapping):
            problems.append(f"objects[{index}] is a {type(obj).__name__}, not a manifest (mapping)")
            continue
        for key in ("apiVersion", "kind"):
            if not isinstance(obj.get(key), str) or not obj.get(key):
                problems.append(f"objects[{index}] ({describe(obj)}) has no {key}")
        metadata = obj.get("metadata")
        if not isinstance(metadata, Mapping) or not isinstance(metadata.get("name"), str) or not metadata.get("name"):
            problems.append(f"objects[{index}] ({describe(obj)}) has no metadata.name")
    if problems:
        raise ApplyInputError("; ".join(problems))
    return [dict(obj) for obj in objects]


def comparable(obj: Mapping[str, Any] | None) -> Obj:
    """The object without status and the metadata the server maintains."""
    if not obj:
        return {}
    cleaned = dict(obj)
    cleaned.pop("status", None)
    metadata = cleaned.get("metadata")
    if isinstance(metadata, Mapping):
        cleaned["metadata"] = {k: v for k, v in metadata.items() if k not in _SERVER_METADATA}
    return cleaned


def _ownership(obj: Mapping[str, Any]) -> list[Any]:
    """Who owns which fields, without the write times."""
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    return sorted((json.dumps({k: v for k, v in entry.items() if k != "time"}, sort_keys=True) for entry in entries
                   if isinstance(entry, Mapping)))


def is_changed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> bool:
    """Changed when the object's content (status and server metadata aside) or its field ownership
    differs. Status is left out so a controller writing status between the read and the apply (a
    claim being bound, a rollout) is not taken for a change the role made."""
    if not before:
        return True
    return comparable(before) != comparable(after) or _ownership(before) != _ownership(after)


def api_error_message(exc: BaseException) -> str:
    """The API server's own message (a conflict names each field and its manager)."""
    summary = getattr(exc, "summary", None)
    if callable(summary):
        try:
            return str(summary())
        except Exception:  # pylint: disable=broad-except
            pass
    body = getattr(exc, "body", None)
    status = status_of(exc)
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        try:
            message = json.loads(text).get("message")
            if message:
                return f"{status} {getattr(exc, 'reason', '')}: {message}".strip()
        except (ValueError, AttributeError):
            pass
        return f"{status}: {text}"
    return str(exc)


def _find_resource(client: Any, obj: Obj) -> Any:
    """Discovery, refreshed once when the kind is unknown (a CRD applied earlier in the list)."""
    for attempt in (0, 1):
        try:
            return client.resource(obj["kind"], obj["apiVersion"])
        except Exception as exc:  # ResourceNotFoundError / ResourceNotUniqueError
            if type(exc).__name__ not in ("ResourceNotFoundError", "ResourceNotUniqueError"):
                raise
            if attempt == 0:
                invalidate = getattr(getattr(client, "resources", None), "invalidate_cache", None)
                if callable(invalidate):
                    invalidate()
                    continue
            raise ApplyInputError(MISSING_KIND_MSG.format(api_version=obj["apiVersion"], kind=obj["kind"])) from exc
    raise AssertionError("unreachable")


# A kind with this many objects in one namespace of the list is read with one LIST, not one GET each.
LIST_FROM = 3


class _Befores:
    """The objects as they are before the apply: one LIST per (kind, namespace) that has at least
    LIST_FROM objects in the list (a spec of 300 apps applies hundreds of Services to a handful of
    namespaces), one GET for the rest. Each applied object replaces its entry, so an object that
    comes twice in the list is compared with what the first apply left."""

    def __init__(self, dynamic: Any, objects: Sequence[Obj]) -> None:
        self.dynamic = dynamic
        self.counts: dict[tuple[str, str, str | None], int] = {}
        for obj in objects:
            key = _group(obj, (obj.get("metadata") or {}).get("namespace"))
            self.counts[key] = self.counts.get(key, 0) + 1
        self.listed: dict[tuple[str, str, str | None], dict[str, Obj]] = {}

    def get(self, resource: Any, obj: Obj, namespace: str | None) -> Obj | None:
        key = _group(obj, namespace)
        name = obj["metadata"]["name"]
        if key not in self.listed and self.counts.get(key, 0) >= LIST_FROM:
            try:
                listing = as_dict(self.dynamic.get(resource, namespace=namespace, serializer=plain_json))
            except Exception as exc:
                if status_of(exc) not in (401, 403, 405):
                    raise
                self.counts[key] = 0  # may GET but not LIST: one GET each
            else:
                self.listed[key] = {item["metadata"]["name"]: item for item in list_items(listing, obj["kind"], obj["apiVersion"])}
        if key in self.listed:
            return self.listed[key].get(name)
        return _read(self.dynamic, resource, name, namespace)

    def applied(self, obj: Obj, namespace: str | None, after: Obj) -> None:
        key = _group(obj, namespace)
        if key in self.listed and not after.get("metadata", {}).get("deletionTimestamp"):
            self.listed[key][obj["metadata"]["name"]] = after


def _group(obj: Mapping[str, Any], namespace: str | None) -> tuple[str, str, str | None]:
    return (str(obj.get("apiVersion")), str(obj.get("kind")), namespace)


def _read(dynamic: Any, resource: Any, name: str, namespace: str | None) -> Obj | None:
    try:
        return as_dict(dynamic.get(resource, name=name, namespace=namespace, serializer=plain_json))
    except Exception as exc:
        if status_of(exc) == 404:
            return None
        raise


def ready(kind: str, obj: Mapping[str, Any]) -> bool:
    """The readiness kubernetes.core's default wait checks, for the kinds that have one."""
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    generation = (obj.get("metadata") or {}).get("generation")
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        if generation is not None and status.get("observedGeneration", 0) < generation:
            return False
        wanted = spec.get("replicas", 1)
        if kind == "StatefulSet":
            return status.get("readyReplicas", 0) >= wanted and status.get("updatedReplicas", 0) >= wanted
        return status.get("availableReplicas", 0) >= wanted and status.get("updatedReplicas", wanted) >= wanted
    if kind == "DaemonSet":
        if generation is not None and status.get("observedGeneration", 0) < generation:
            return False
        desired = status.get("desiredNumberScheduled", 0)
        return status.get("numberReady", 0) >= desired and status.get("updatedNumberScheduled", 0) >= desired
    if kind == "Pod":
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        return status.get("phase") == "Succeeded" or conditions.get("Ready") == "True"
    return True


def _wait(dynamic: Any, resource: Any, obj: Obj, options: ApplyOptions, clock: Callable[[], float], sleep: Callable[[float], None]) -> Obj:
    metadata = obj.get("metadata") or {}
    deadline = clock() + options.wait_timeout
    current = obj
    while not ready(obj["kind"], current):
        if clock() >= deadline:
            raise TimeoutError(f"{describe(obj)} was not ready after {options.wait_timeout} s (wait_timeout)")
        sleep(options.wait_sleep)
        current = _read(dynamic, resource, metadata["name"], metadata.get("namespace")) or current
    return current


def apply_objects(
    client: Any,
    objects: Sequence[Obj],
    options: ApplyOptions,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplyOutcome:
    """Apply each object in order; stop at the first failure (objects before it stay applied)."""
    outcome = ApplyOutcome()
    dynamic = client.client
    befores = _Befores(dynamic, objects)
    for obj in objects:
        label = describe(obj)
        try:
            resource = _find_resource(client, obj)
            metadata = obj["metadata"]
            namespace = metadata.get("namespace") if getattr(resource, "namespaced", False) else None
            if getattr(resource, "namespaced", False) and not namespace:
                raise ApplyInputError(f"{label}: a namespaced kind needs metadata.namespace")
            before = befores.get(resource, obj, namespace)
            params: Obj = {"field_manager": options.field_manager, "force_conflicts": options.force_conflicts, "serializer": plain_json}
            if options.dry_run:
                params["dry_run"] = "All"
            after = as_dict(dynamic.server_side_apply(resource, body=obj, name=metadata["name"], namespace=namespace, **params))
            if options.wait and not options.dry_run:
                after = _wait(dynamic, resource, after, options, clock, sleep)
            if not options.dry_run:
                befores.applied(obj, namespace, after)
        except ApplyInputError as exc:
            outcome.error = str(exc)
            return outcome
        except TimeoutError as exc:
            outcome.error = f"Failed to apply {label}: {exc}"
            return outcome
        except Exception as exc:  # API errors and connection failures alike: reported, not raised
            status = status_of(exc)
            reason = api_error_message(exc) if status is not None else f"{type(exc).__name__}: {exc}"
            outcome.error = f"Failed to apply {label}: {reason}"
            return outcome
        entry: Obj = {"changed": is_changed(before, after), "method": "apply", "result": after}
        if options.diff:
            entry["diff"] = {"before": comparable(before), "after": comparable(after)}
        outcome.results.append(entry)
    return outcome
