# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for kubernetes.core's K8SClient: `resource(kind, api_version)` and `get(resource)`.

It serves a fixed list of objects, counts every call, answers 403 for the kinds in `forbidden`
(an exception with `.status = 403` and `.reason = "Forbidden"`, like the kubernetes client's
ApiException) and "not found" for kinds in `not_served` (CRDs not installed).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Optional

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass", "IngressClass", "Node", "PersistentVolume"}


class ForbiddenError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(f'{kind.lower()}s is forbidden: User "system:serviceaccount:audit:reader" cannot list resource')
        self.status = 403
        self.reason = "Forbidden"


class ResourceNotFoundError(Exception):
    """Same name as kubernetes.dynamic.exceptions.ResourceNotFoundError (live_source matches on the name)."""


@dataclass(frozen=True)
class FakeResource:
    kind: str
    api_version: str
    namespaced: bool


class FakeClient:
    def __init__(self, objects: Iterable[dict[str, Any]], forbidden: Iterable[str] = (), not_served: Iterable[str] = ()) -> None:
        self.objects = [copy.deepcopy(o) for o in objects]
        self.forbidden = set(forbidden)
        self.not_served = set(not_served)
        self.resource_calls: Counter[str] = Counter()
        self.list_calls: Counter[str] = Counter()
        self.get_params: list[dict[str, Any]] = []

    def resource(self, kind: str, api_version: str) -> FakeResource:
        self.resource_calls[kind] += 1
        if kind in self.not_served:
            raise ResourceNotFoundError(f"No matches found for {{'api_version': '{api_version}', 'kind': '{kind}'}}")
        return FakeResource(kind, api_version, kind not in CLUSTER_SCOPED)

    def get(self, resource: FakeResource, **params: Any) -> dict[str, Any]:
        # Like the dynamic client: a serializer turns the decoded JSON into the answer.
        serializer = params.pop("serializer", lambda _client, data: data)
        self.list_calls[resource.kind] += 1
        self.get_params.append(dict(params))
        if params.get("name"):
            raise AssertionError("the audit must not read single objects")
        if resource.kind in self.forbidden:
            raise ForbiddenError(resource.kind)
        items = []
        for obj in self.objects:
            if obj.get("kind") != resource.kind:
                continue
            item = copy.deepcopy(obj)
            # list responses leave kind and apiVersion off their items
            item.pop("kind", None)
            item.pop("apiVersion", None)
            items.append(item)
        return serializer(self, {"apiVersion": resource.api_version, "kind": f"{resource.kind}List", "items": items})


def fake_get_api_client(client: FakeClient, seen: Optional[list] = None):
    def factory(module=None, **kwargs):
        if seen is not None:
            seen.append(module)
        return client

    return factory
