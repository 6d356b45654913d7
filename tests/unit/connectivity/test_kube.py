# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KubernetesProbeClient over fakes of the dynamic client and of kubernetes.stream's WSClient."""

from __future__ import annotations

import json
import threading

import kubernetes.stream
from kubernetes import client as k8s

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.kube import KubernetesProbeClient
from ansible_collections.linkops.k8s_platform.plugins.module_utils.live_source import KindRef


class NotFound(Exception):
    status = 404


class FakeResource:
    def __init__(self, kind, api_version):
        self.kind, self.api_version, self.namespaced = kind, api_version, True


class FakeDynamic:
    """The dynamic client's create/get/delete, with the serializer it is given."""

    def __init__(self, api_client):
        self.client = api_client
        self.calls = []
        self.store = {}

    def create(self, resource, body=None, namespace=None, **kwargs):
        self.calls.append(("create", resource.kind, namespace, kwargs))
        stored = dict(body, metadata=dict(body["metadata"], uid="u-1"))
        self.store[(resource.kind, namespace, body["metadata"]["name"])] = stored
        return kwargs["serializer"](self, stored)

    def get(self, resource, name=None, namespace=None, **kwargs):
        self.calls.append(("get", resource.kind, namespace, kwargs))
        if (resource.kind, namespace, name) not in self.store:
            raise NotFound()
        return kwargs["serializer"](self, self.store[(resource.kind, namespace, name)])

    def delete(self, resource, name=None, namespace=None, **kwargs):
        self.calls.append(("delete", resource.kind, namespace, kwargs))
        if self.store.pop((resource.kind, namespace, name), None) is None:
            raise NotFound()
        return kwargs["serializer"](self, {"kind": "Status"})


class FakeK8SClient:
    """kubernetes.core's K8SClient: resource() and the dynamic client as .client."""

    def __init__(self):
        configuration = k8s.Configuration()
        configuration.host = "https://127.0.0.1:6443"
        api_client = k8s.ApiClient(configuration)
        api_client.set_default_header("Impersonate-User", "probe-tester")
        self.client = FakeDynamic(api_client)
        self.resources_asked = []

    def resource(self, kind, api_version):
        self.resources_asked.append((kind, api_version))
        return FakeResource(kind, api_version)


class FakeWS:
    def __init__(self, channels, closes=True):
        self.channels = dict(channels)
        self.closes = closes
        self.open = True
        self.closed = False
        self.run_timeout = None

    def run_forever(self, timeout=None):
        self.run_timeout = timeout
        if self.closes:
            self.open = False

    def is_open(self):
        return self.open

    def read_channel(self, channel, timeout=0):
        assert timeout == 0, "reads after run_forever must not block"
        return self.channels.pop(channel, "")

    def close(self):
        self.closed = True


def test_create_get_delete_through_the_dynamic_client():
    fake = FakeK8SClient()
    client = KubernetesProbeClient(fake)
    created = client.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "o", "namespace": "shop"}})
    assert created["metadata"]["uid"] == "u-1"
    assert client.get("v1", "ConfigMap", "shop", "o")["metadata"]["name"] == "o"
    client.delete("v1", "ConfigMap", "shop", "o")
    assert client.get("v1", "ConfigMap", "shop", "o") is None  # 404 is None
    client.delete("v1", "ConfigMap", "shop", "o")  # deleting what is gone is fine
    delete_kwargs = [c[3] for c in fake.client.calls if c[0] == "delete"][0]
    assert delete_kwargs["grace_period_seconds"] == 0 and delete_kwargs["propagation_policy"] == "Background"
    assert fake.resources_asked == [("ConfigMap", "v1")]  # discovered once


def test_exec_reads_stdout_stderr_and_the_exit_status(monkeypatch):
    seen = {}
    status = {"status": "Failure", "reason": "NonZeroExitCode", "message": "exit code 1",
              "details": {"causes": [{"reason": "ExitCode", "message": "1"}]}}
    ws = FakeWS({1: "", 2: "REFUSED\n", 3: json.dumps(status)})

    def fake_stream(method, name, namespace, **kwargs):
        seen.update(method=method, name=name, namespace=namespace, **kwargs)
        return ws

    monkeypatch.setattr(kubernetes.stream, "stream", fake_stream)
    fake = FakeK8SClient()
    client = KubernetesProbeClient(fake)
    result = client.exec("shop", "linkops-probe-r-1", "probe", ["/agnhost", "connect", "10.0.0.1:80"], 13.0)
    assert (result.returncode, result.stderr, result.timed_out) == (1, "REFUSED\n", False)
    assert seen["name"] == "linkops-probe-r-1" and seen["namespace"] == "shop" and seen["container"] == "probe"
    assert seen["command"] == ["/agnhost", "connect", "10.0.0.1:80"]
    assert seen["_preload_content"] is False and seen["stdin"] is False and seen["tty"] is False
    assert ws.run_timeout == 13.0 and ws.closed
    # exec goes through an ApiClient of its own, with the same configuration and headers
    api_client = seen["method"].__self__.api_client
    assert api_client is not fake.client.client
    assert api_client.configuration is fake.client.client.configuration
    assert api_client.default_headers["Impersonate-User"] == "probe-tester"


def test_exec_uses_one_api_client_per_thread(monkeypatch):
    clients = []
    monkeypatch.setattr(kubernetes.stream, "stream",
                        lambda method, *a, **k: clients.append(method.__self__.api_client) or FakeWS({3: '{"status":"Success"}'}))
    client = KubernetesProbeClient(FakeK8SClient())
    client.exec("a", "p", "c", ["true"], 1)
    client.exec("a", "p", "c", ["true"], 1)
    thread = threading.Thread(target=client.exec, args=("a", "p", "c", ["true"], 1))
    thread.start()
    thread.join()
    assert clients[0] is clients[1] and clients[2] is not clients[0]


def test_exec_past_its_deadline_is_timed_out(monkeypatch):
    ws = FakeWS({1: "partial"}, closes=False)
    monkeypatch.setattr(kubernetes.stream, "stream", lambda *a, **k: ws)
    result = KubernetesProbeClient(FakeK8SClient()).exec("a", "p", "c", ["nslookup", "x"], 2)
    assert result.timed_out and result.returncode is None and result.stdout == "partial" and ws.closed


def test_exec_that_could_not_start(monkeypatch):
    failure = {"status": "Failure", "reason": "InternalError",
               "message": 'exec: "/agnhost": stat /agnhost: no such file or directory: unknown'}
    monkeypatch.setattr(kubernetes.stream, "stream", lambda *a, **k: FakeWS({3: json.dumps(failure)}))
    result = KubernetesProbeClient(FakeK8SClient()).exec("a", "p", "c", ["/agnhost"], 2)
    assert result.returncode is None and "no such file or directory" in result.message


def test_exec_refused_at_the_upgrade(monkeypatch):
    class Forbidden(Exception):
        status = 403
        reason = "Forbidden"

    def refuse(*_a, **_k):
        raise Forbidden()

    monkeypatch.setattr(kubernetes.stream, "stream", refuse)
    result = KubernetesProbeClient(FakeK8SClient()).exec("a", "p", "c", ["true"], 2)
    assert result.returncode is None and result.message == "403 Forbidden" and not result.timed_out


def test_list_objects_goes_through_live_source():
    class Lister(FakeK8SClient):
        def get(self, resource, **params):
            return params["serializer"](self, {"items": [{"metadata": {"name": "a", "namespace": "shop"}}]})

    read = KubernetesProbeClient(Lister()).list_objects([KindRef("v1", "Pod")])
    assert read.objects == [{"metadata": {"name": "a", "namespace": "shop"}, "kind": "Pod", "apiVersion": "v1"}]
    assert read.errors == {}
