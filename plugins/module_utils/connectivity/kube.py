# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner's `ProbeClient` over a real cluster.

Reads, creates and deletes go through kubernetes.core's client (`get_api_client(module)`, a
`K8SClient` whose `.client` is the dynamic client). Exec goes through
``kubernetes.stream.stream(CoreV1Api.connect_get_namespaced_pod_exec, ...)`` with
``_preload_content=False``, so stdout, stderr and the exit status (the error channel, a
metav1.Status) are read separately.

`stream()` swaps its ApiClient's `call_api` while it opens the WebSocket. Sharing the dynamic
client's ApiClient would let a concurrent create or delete go out as a WebSocket, and two
concurrent execs could leave the swap in place; so every worker thread execs through an
ApiClient of its own, built from the same configuration and default headers (impersonation).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.api_results import as_dict, plain_json, status_of
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.commands import (
    ExecResult,
    parse_exec_status,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.live_source import KindRef, LiveRead, read_kinds

Obj = dict[str, Any]

STDOUT_CHANNEL = 1
STDERR_CHANNEL = 2
ERROR_CHANNEL = 3


class KubernetesProbeClient:
    def __init__(self, k8s_client: Any) -> None:
        self._k8s = k8s_client
        self._resources: dict[tuple[str, str], Any] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    def _resource(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        with self._lock:
            if key not in self._resources:
                self._resources[key] = self._k8s.resource(kind, api_version)
            return self._resources[key]

    def list_objects(self, kinds: Sequence[KindRef]) -> LiveRead:
        return read_kinds(self._k8s, kinds)

    def create(self, obj: Obj) -> Obj:
        resource = self._resource(obj["apiVersion"], obj["kind"])
        namespace = obj["metadata"]["namespace"]
        return as_dict(self._k8s.client.create(resource, body=obj, namespace=namespace, serializer=plain_json))

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[Obj]:
        resource = self._resource(api_version, kind)
        try:
            return as_dict(self._k8s.client.get(resource, name=name, namespace=namespace, serializer=plain_json))
        except Exception as exc:
            if status_of(exc) == 404:
                return None
            raise

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        resource = self._resource(api_version, kind)
        try:
            self._k8s.client.delete(
                resource,
                name=name,
                namespace=namespace,
                grace_period_seconds=0,
                propagation_policy="Background",
                serializer=plain_json,
            )
        except Exception as exc:
            if status_of(exc) != 404:
                raise

    def _core_api(self) -> Any:
        api = getattr(self._local, "core", None)
        if api is None:
            from kubernetes import client as k8s

            base = self._k8s.client.client  # the ApiClient behind the dynamic client
            api_client = k8s.ApiClient(base.configuration)
            api_client.default_headers.update(getattr(base, "default_headers", {}) or {})
            api = k8s.CoreV1Api(api_client)
            self._local.core = api
        return api

    def exec(self, namespace: str, pod: str, container: str, command: list[str], deadline: float) -> ExecResult:
        from kubernetes.stream import stream

        api = self._core_api()
        try:
            ws = stream(
                api.connect_get_namespaced_pod_exec,
                pod,
                namespace,
                command=list(command),
                container=container,
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
                _preload_content=False,
            )
        except Exception as exc:  # the upgrade was refused (403 pods/exec, pod gone, no container)
            status = status_of(exc)
            reason = getattr(exc, "reason", None) or str(exc)
            return ExecResult(None, message=f"{status} {reason}".strip() if status else str(reason))
        try:
            ws.run_forever(timeout=deadline)
            timed_out = ws.is_open()
            stdout = ws.read_channel(STDOUT_CHANNEL, timeout=0)
            stderr = ws.read_channel(STDERR_CHANNEL, timeout=0)
            if timed_out:
                return ExecResult(None, stdout, stderr, "", timed_out=True)
            code, message = parse_exec_status(ws.read_channel(ERROR_CHANNEL, timeout=0))
            return ExecResult(code, stdout, stderr, message)
        finally:
            ws.close()
