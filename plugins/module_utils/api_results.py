# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kubernetes client hands back, made plain: API error statuses, objects and list items.

Shared by everything that talks to the API server through kubernetes.core's client (live_source,
k8s_read, server_side_apply, tls_certificate_info), which also accepts fakes of the same shape.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an API error (ApiException, DynamicApiError), None for any other error."""
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def plain_json(_client: Any, data: Obj) -> Obj:
    """Serializer for the dynamic client's requests (``client.get(resource, serializer=plain_json)``):
    the decoded JSON as it came, instead of a ResourceInstance tree that ``to_dict()`` converts
    back object by object (most of the time of a large list)."""
    return data


def as_dict(value: Any) -> Obj:
    """A client result (ResourceInstance, or a plain mapping) as a dict; None as {}."""
    if value is None:
        return {}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return dict(value)


def list_items(listing: Obj, kind: str, api_version: str) -> list[Obj]:
    """The items of a list response, each with the kind and apiVersion list responses leave off."""
    items = []
    for item in listing.get("items") or []:
        item = dict(item)
        item.setdefault("kind", kind)
        item.setdefault("apiVersion", api_version)
        items.append(item)
    return items
