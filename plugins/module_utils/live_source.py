# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a live cluster for the analysers: one list call per kind, nothing per object.

The client is kubernetes.core's `K8SClient` (from `get_api_client(module)`), or anything
with the same `resource(kind, api_version)` / `get(resource)` shape, so unit tests can pass a
fake. A kind the caller may not list (403) or the cluster does not serve (no CRD) does not
stop the read: it is reported in `errors` with the reason, and the caller decides what that
means for its checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.linkops.k8s_platform.plugins.module_utils.api_results import as_dict, list_items, plain_json, status_of

Obj = dict[str, Any]


@dataclass(frozen=True)
class KindRef:
    api_version: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.api_version}"


@dataclass
class LiveRead:
    objects: list[Obj] = field(default_factory=list)
    # str(KindRef) -> reason ("forbidden: ...", "not served by this cluster", ...)
    errors: dict[str, str] = field(default_factory=dict)
    not_served: set[str] = field(default_factory=set)


def read_kinds(client: Any, kinds: Iterable[KindRef], namespace: str | None = None) -> LiveRead:
    """List every kind once (all namespaces unless `namespace`), keeping going past failures."""
    read = LiveRead()
    for kind_ref in kinds:
        key = str(kind_ref)
        try:
            resource = client.resource(kind_ref.kind, kind_ref.api_version)
        except Exception as exc:  # ResourceNotFoundError and discovery failures alike
            if type(exc).__name__ in ("ResourceNotFoundError", "CoreException"):
                read.not_served.add(key)
                read.errors[key] = "not served by this cluster (CRD or API group not installed)"
                continue
            raise
        try:
            params: dict[str, Any] = {}
            if namespace and getattr(resource, "namespaced", False):
                params["namespace"] = namespace
            listing = as_dict(client.get(resource, serializer=plain_json, **params))
        except Exception as exc:
            status = status_of(exc)
            if status in (401, 403):
                reason = getattr(exc, "reason", "") or "Forbidden"
                read.errors[key] = f"forbidden ({status} {reason}): the credentials may not list {kind_ref.kind}"
                continue
            if status == 404:
                read.not_served.add(key)
                read.errors[key] = "not served by this cluster (CRD or API group not installed)"
                continue
            raise
        read.objects.extend(list_items(listing, kind_ref.kind, kind_ref.api_version))
    return read
