# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""k8s_read's logic against an in-memory client: k8s_info's answer shape, errors naming the query."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_read import Query, ReadError, read, read_all


class ResourceNotFoundError(Exception):
    pass


class ApiException(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Resource:
    def __init__(self, kind, namespaced):
        self.kind = kind
        self.namespaced = namespaced


class Dynamic:
    def __init__(self, objects):
        self.objects = objects
        self.calls = []

    def get(self, resource, name=None, namespace=None, label_selector=None, field_selector=None, serializer=None):
        self.calls.append((resource.kind, name, namespace, label_selector, field_selector))
        if resource.kind == "Secret":
            raise ApiException(403, "Forbidden")
        items = [o for o in self.objects if o["kind"] == resource.kind and (namespace is None or o["metadata"].get("namespace") == namespace)]
        if label_selector:
            wanted = dict(part.split("=") for part in label_selector.split(","))
            items = [o for o in items if all(o["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())]
        if name is not None:
            found = [o for o in items if o["metadata"]["name"] == name]
            if not found:
                raise ApiException(404, "Not Found")
            return found[0]
        return {"items": [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]}


class Client:
    KINDS = {("v1", "ConfigMap"): True, ("v1", "Secret"): True, ("storage.k8s.io/v1", "StorageClass"): False}

    def __init__(self, objects):
        self.client = Dynamic(objects)

    def resource(self, kind, api_version):
        if (api_version, kind) not in self.KINDS:
            raise ResourceNotFoundError(kind)
        return Resource(kind, self.KINDS[(api_version, kind)])


OBJECTS = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x", "labels": {"team": "ml"}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "y"}},
    {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}},
]


def test_list_with_selectors_namespace_and_name():
    client = Client(OBJECTS)
    labelled = read(client, Query(kind="ConfigMap", label_selectors=("team=ml",)))
    assert labelled == {"resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": OBJECTS[0]["metadata"]}], "api_found": True}
    assert [o["metadata"]["name"] for o in read(client, Query(kind="ConfigMap", namespace="y"))["resources"]] == ["b"]
    assert read(client, Query(kind="ConfigMap", namespace="x", name="a"))["resources"][0]["metadata"]["name"] == "a"
    assert read(client, Query(kind="ConfigMap", namespace="x", name="nope")) == {"resources": [], "api_found": True}
    # A namespace on a cluster-scoped kind is ignored, as the API would.
    read(client, Query(kind="StorageClass", api_version="storage.k8s.io/v1", namespace="x"))
    assert client.client.calls[-1] == ("StorageClass", None, None, None, None)


def test_unserved_kind_is_not_found_and_forbidden_fails_naming_the_kind():
    client = Client(OBJECTS)
    answers = read_all(client, {"mw": Query(kind="Middleware", api_version="traefik.io/v1alpha1"),
                                "sc": Query(kind="StorageClass", api_version="storage.k8s.io/v1")})
    assert answers["mw"] == {"resources": [], "api_found": False}
    assert [o["metadata"]["name"] for o in answers["sc"]["resources"]] == ["fast"]
    with pytest.raises(ReadError, match=r"listing Secret.v1 failed: 403 Forbidden"):
        read(client, Query(kind="Secret"))


@pytest.mark.parametrize("raw, message", [
    ("ConfigMap", "q must be a mapping"),
    ({"api_version": "v1"}, "q.kind is required"),
    ({"kind": "Pod", "labels": ["a=b"]}, "q has unknown keys labels"),
    ({"kind": "Pod", "label_selectors": "a=b"}, "q.label_selectors must be a list of strings"),
])
def test_bad_queries_are_named(raw, message):
    with pytest.raises(ReadError, match=message):
        Query.from_dict("q", raw)
