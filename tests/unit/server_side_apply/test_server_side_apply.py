# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""server_side_apply against an in-memory stand-in for kubernetes.core's K8SClient."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.object_diff import results_diff
from ansible_collections.linkops.k8s_platform.plugins.module_utils.server_side_apply import (
    ApplyInputError,
    ApplyOptions,
    apply_objects,
    check_objects,
    is_changed,
    ready,
)


class ResourceNotFoundError(Exception):
    pass


class ApiException(Exception):
    def __init__(self, status, reason, message):
        super().__init__(f"({status}) {reason}")
        self.status = status
        self.reason = reason
        self.body = json.dumps({"message": message})


class Resource:
    def __init__(self, kind, namespaced):
        self.kind = kind
        self.namespaced = namespaced


class Dynamic:
    """Stores objects by (kind, namespace, name); a write that changes content bumps resourceVersion."""

    def __init__(self):
        self.store = {}
        self.version = 100
        self.calls = []
        self.conflict_on = None

        self.reads = []
        self.list_forbidden = False

    def get(self, resource, name=None, namespace=None, serializer=None):
        self.reads.append(("get" if name else "list", resource.kind, namespace))
        if name is None:
            if self.list_forbidden:
                raise ApiException(403, "Forbidden", "may not list")
            items = []
            for (kind, item_namespace, _name), obj in self.store.items():
                if kind == resource.kind and namespace in (None, item_namespace):
                    item = copy.deepcopy(obj)
                    item.pop("kind", None)  # list responses leave kind and apiVersion off their items
                    item.pop("apiVersion", None)
                    items.append(item)
            return {"items": items}
        key = (resource.kind, namespace, name)
        if key not in self.store:
            raise ApiException(404, "Not Found", "not found")
        return copy.deepcopy(self.store[key])

    def server_side_apply(self, resource, body, name, namespace, field_manager, force_conflicts, dry_run=None, serializer=None):
        self.calls.append((resource.kind, name, field_manager, force_conflicts, dry_run))
        if self.conflict_on == name and not force_conflicts:
            raise ApiException(409, "Conflict", 'Apply failed with 1 conflict: conflict with "kubectl-edit": .data.level')
        key = (resource.kind, namespace, name)
        current = copy.deepcopy(self.store.get(key))
        merged = copy.deepcopy(body)
        merged.setdefault("metadata", {})
        if current and {k: v for k, v in current.items() if k != "metadata"} == {k: v for k, v in merged.items() if k != "metadata"}:
            return current
        self.version += 1
        merged["metadata"]["resourceVersion"] = str(self.version)
        if dry_run != "All":
            self.store[key] = merged
        elif current:
            merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return copy.deepcopy(merged)


class Client:
    KINDS = {("v1", "ConfigMap"): True, ("v1", "Namespace"): False}

    def __init__(self):
        self.client = Dynamic()
        self.extra_kinds = {}
        self.invalidated = 0
        self.resources = self

    def invalidate_cache(self):
        self.invalidated += 1

    def resource(self, kind, api_version):
        kinds = {**self.KINDS, **self.extra_kinds}
        if (api_version, kind) not in kinds:
            raise ResourceNotFoundError(kind)
        return Resource(kind, kinds[(api_version, kind)])


def cm(level="info", name="settings"):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "mlops"}, "data": {"level": level}}


OPTIONS = ApplyOptions(field_manager="linkops.k8s_platform")


def test_first_apply_changes_and_second_does_not():
    client = Client()
    first = apply_objects(client, [cm()], OPTIONS)
    assert first.changed and first.error is None
    second = apply_objects(client, [cm()], OPTIONS)
    assert not second.changed
    assert second.as_result() == {"changed": False, "result": {"results": second.results}}
    assert client.client.calls[0][2:] == ("linkops.k8s_platform", False, None)


def test_many_objects_of_one_kind_and_namespace_are_read_with_one_list():
    client = Client()
    objects = [cm(name=f"c{i}") for i in range(5)] + [{**cm(), "metadata": {"name": "other", "namespace": "data"}}]
    assert apply_objects(client, objects, OPTIONS).changed
    client.client.reads.clear()
    second = apply_objects(client, objects, OPTIONS)
    assert not second.changed and second.error is None
    assert client.client.reads == [("list", "ConfigMap", "mlops"), ("get", "ConfigMap", "data")]
    objects[2] = cm("debug", name="c2")
    third = apply_objects(client, objects, OPTIONS)
    assert [entry["changed"] for entry in third.results] == [False, False, True, False, False, False]


def test_an_object_twice_in_the_list_is_compared_with_what_the_first_apply_left():
    client = Client()
    objects = [cm(name="a"), cm(name="b"), cm("debug"), cm("debug")]
    outcome = apply_objects(client, objects, OPTIONS)
    assert [entry["changed"] for entry in outcome.results] == [True, True, True, False]


def test_a_kind_that_may_not_be_listed_is_read_one_get_each():
    client = Client()
    objects = [cm(name=f"c{i}") for i in range(3)]
    apply_objects(client, objects, OPTIONS)
    client.client.list_forbidden = True
    client.client.reads.clear()
    assert not apply_objects(client, objects, OPTIONS).changed
    assert client.client.reads == [("list", "ConfigMap", "mlops")] + [("get", "ConfigMap", "mlops")] * 3


def test_check_mode_sends_dry_run_and_detects_a_change_by_content():
    client = Client()
    apply_objects(client, [cm()], OPTIONS)
    dry = ApplyOptions(field_manager="linkops.k8s_platform", dry_run=True, diff=True)
    outcome = apply_objects(client, [cm("debug")], dry)
    assert outcome.changed
    assert client.client.calls[-1][4] == "All"
    assert client.client.store[("ConfigMap", "mlops", "settings")]["data"] == {"level": "info"}
    diff = results_diff(outcome.as_result())
    assert len(diff) == 1 and '-    "level": "info"' in diff[0] and '+    "level": "debug"' in diff[0]
    assert not apply_objects(client, [cm()], dry).changed


def test_conflict_is_reported_with_the_server_message_and_force_applies():
    client = Client()
    client.client.conflict_on = "settings"
    outcome = apply_objects(client, [cm()], OPTIONS).as_result()
    assert outcome["failed"] and "409" in outcome["msg"] and "conflict with \"kubectl-edit\"" in outcome["msg"]
    assert "ConfigMap mlops/settings" in outcome["msg"]
    forced = apply_objects(client, [cm()], ApplyOptions(field_manager="m", force_conflicts=True))
    assert forced.changed and client.client.calls[-1][3] is True


def test_missing_kind_uses_kubernetes_core_wording_after_one_discovery_refresh():
    client = Client()
    obj = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "c", "namespace": "mlops"}}
    outcome = apply_objects(client, [cm(), obj, cm(name="after")], OPTIONS)
    assert outcome.error == "Failed to find exact match for cert-manager.io/v1.Certificate by [kind, name, singularName, shortNames]"
    assert client.invalidated == 1
    assert [entry["result"]["metadata"]["name"] for entry in outcome.results] == ["settings"]


def test_namespaced_kind_without_namespace_is_refused():
    obj = cm()
    del obj["metadata"]["namespace"]
    outcome = apply_objects(Client(), [obj], OPTIONS)
    assert outcome.error == "ConfigMap settings: a namespaced kind needs metadata.namespace"


def test_connection_failure_is_reported_not_raised():
    client = Client()

    def refuse(*_args, **_kwargs):
        raise ConnectionError("Max retries exceeded with url: /api/v1 (Connection refused)")

    client.client.get = refuse
    outcome = apply_objects(client, [cm()], OPTIONS)
    assert "Max retries exceeded" in outcome.error and outcome.error.startswith("Failed to apply ConfigMap mlops/settings")


def test_check_objects_names_every_bad_entry():
    with pytest.raises(ApplyInputError) as err:
        check_objects([cm(), "text", {"kind": "Service", "metadata": {}}])
    message = str(err.value)
    assert "objects[1] is a str" in message
    assert "objects[2] (Service ?) has no apiVersion" in message and "objects[2] (Service ?) has no metadata.name" in message
    with pytest.raises(ApplyInputError, match="must be a list"):
        check_objects("kind: ConfigMap")


def test_is_changed_ignores_status_and_server_metadata_but_not_ownership():
    before = {"metadata": {"name": "a", "resourceVersion": "1", "managedFields": [{"manager": "m", "time": "t1"}]},
              "data": {"x": "1"}, "status": {"phase": "Pending"}}
    status_only = {"metadata": {"name": "a", "resourceVersion": "2", "managedFields": [{"manager": "m", "time": "t2"}]},
                   "data": {"x": "1"}, "status": {"phase": "Bound"}}
    assert not is_changed(before, status_only)
    assert is_changed(before, {**status_only, "data": {"x": "2"}})
    taken_over = {**status_only, "metadata": {"name": "a", "managedFields": [{"manager": "m"}, {"manager": "other"}]}}
    assert is_changed(before, taken_over)
    assert is_changed(None, before)


def test_wait_polls_until_ready_and_times_out_with_the_object_named():
    client = Client()
    client.KINDS = {**Client.KINDS, ("apps/v1", "Deployment"): True}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "mlops"}, "spec": {"replicas": 2}}
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds
        if now[0] >= 3:
            stored = client.client.store[("Deployment", "mlops", "web")]
            stored["status"] = {"availableReplicas": 2, "updatedReplicas": 2}

    waiting = ApplyOptions(field_manager="m", wait=True, wait_timeout=10)
    outcome = apply_objects(client, [deploy], waiting, clock=lambda: now[0], sleep=sleep)
    assert outcome.error is None and now[0] == 3
    client.client.store.clear()
    never = ApplyOptions(field_manager="m", wait=True, wait_timeout=2)
    now[0] = -100.0
    outcome = apply_objects(client, [deploy], never, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert outcome.error == "Failed to apply Deployment mlops/web: Deployment mlops/web was not ready after 2 s (wait_timeout)"


def test_ready_rules():
    assert not ready("Deployment", {"metadata": {"generation": 2}, "status": {"observedGeneration": 1, "availableReplicas": 1}})
    assert ready("Deployment", {"spec": {"replicas": 0}, "status": {}})
    assert ready("Pod", {"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    assert not ready("Pod", {"status": {"phase": "Pending"}})
    assert not ready("DaemonSet", {"status": {"desiredNumberScheduled": 2, "numberReady": 1, "updatedNumberScheduled": 2}})
    assert ready("ConfigMap", {})
