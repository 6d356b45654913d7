# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""List objects for the controller-side k8s_read action: one list call per query.

A query is what kubernetes.core.k8s_info takes for a list (api_version, kind, namespace, name,
label_selectors, field_selectors) and its answer has k8s_info's shape (`resources`, `api_found`):
a kind the cluster does not serve gives no resources and `api_found: false`, as there. Any other
API error (403, connection refused) stops the read with the query named, as k8s_info fails.
The client is kubernetes.core's `K8SClient` (or a fake with `resource()` and `client.get()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.linkops.k8s_platform.plugins.module_utils.api_results import as_dict, list_items, plain_json, status_of

Obj = dict[str, Any]

QUERY_KEYS = frozenset(("api_version", "kind", "namespace", "name", "label_selectors", "field_selectors"))


class ReadError(Exception):
    """A query could not be answered; the message names it."""


@dataclass(frozen=True)
class Query:
    kind: str
    api_version: str = "v1"
    namespace: str | None = None
    name: str | None = None
    label_selectors: tuple[str, ...] = ()
    field_selectors: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, where: str, raw: Any) -> Query:
        if not isinstance(raw, Mapping):
            raise ReadError(f"{where} must be a mapping with at least kind, got {type(raw).__name__}")
        unknown = sorted(set(raw) - QUERY_KEYS)
        if unknown:
            raise ReadError(f"{where} has unknown keys {', '.join(unknown)} (allowed: {', '.join(sorted(QUERY_KEYS))})")
        kind = raw.get("kind")
        if not isinstance(kind, str) or not kind:
            raise ReadError(f"{where}.kind is required (a string)")
        selectors = {}
        for key in ("label_selectors", "field_selectors"):
            value = raw.get(key) or []
            if isinstance(value, str) or not all(isinstance(item, str) for item in value):
                raise ReadError(f"{where}.{key} must be a list of strings")
            selectors[key] = tuple(value)
        return cls(kind=kind, api_version=raw.get("api_version") or "v1", namespace=raw.get("namespace") or None,
                   name=raw.get("name") or None, **selectors)

    def __str__(self) -> str:
        return f"{self.kind}.{self.api_version}"


def read(client: Any, query: Query) -> Obj:
    """{"resources": [...], "api_found": bool} for one query."""
    try:
        resource = client.resource(query.kind, query.api_version)
    except Exception as exc:
        if type(exc).__name__ in ("ResourceNotFoundError", "ResourceNotUniqueError"):
            return {"resources": [], "api_found": False}
        raise ReadError(f"discovery of {query} failed: {exc}") from exc
    params: Obj = {}
    if query.namespace and getattr(resource, "namespaced", False):
        params["namespace"] = query.namespace
    if query.label_selectors:
        params["label_selector"] = ",".join(query.label_selectors)
    if query.field_selectors:
        params["field_selector"] = ",".join(query.field_selectors)
    try:
        if query.name:
            try:
                return {"resources": [as_dict(client.client.get(resource, name=query.name, serializer=plain_json, **params))], "api_found": True}
            except Exception as exc:
                if status_of(exc) == 404:
                    return {"resources": [], "api_found": True}
                raise
        listing = as_dict(client.client.get(resource, serializer=plain_json, **params))
    except Exception as exc:
        status = status_of(exc)
        detail = f"{status} {getattr(exc, 'reason', '')}".strip() if status is not None else f"{type(exc).__name__}: {exc}"
        raise ReadError(f"listing {query} failed: {detail}") from exc
    return {"resources": list_items(listing, query.kind, query.api_version), "api_found": True}


def read_all(client: Any, queries: Mapping[str, Query]) -> dict[str, Obj]:
    return {name: read(client, query) for name, query in queries.items()}
