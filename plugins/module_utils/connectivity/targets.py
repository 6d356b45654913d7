# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`from`, `to` and DNS sources resolved against the cluster's live objects.

Pod and workload names are resolved by the NetworkPolicy model (`NetpolModel.endpoint`), the
same resolution netpol_reachability uses, so both modules accept the same references and the
comparison speaks of the same pods: `namespace/name` (a pod, a workload, or a pod a listed
workload owns, which resolves to that workload) or `namespace/kind/name`. On top of that:

- `namespace/service/NAME` (or `svc`): a Service, reached at its cluster IP (a headless
  Service at `NAME.NAMESPACE.svc`, an ExternalName Service at its external name);
- an IP address: reached as given; the analysis knows it as the pod that has it, or as an
  address outside the cluster (a Service's cluster IP is not compared: policies apply to the
  pods behind it);
- any other string must be a DNS name, resolved by the probe.

Probe pods of any run (label `linkops.io/connectivity-probe`) are left out of everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.commands import is_ip, valid_dns_name
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import PROBE_LABEL
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    dig,
    kind_of,
    labels_of,
    name_of,
    namespace_of,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import NetpolModel, QueryError

Obj = dict[str, Any]
SERVICE_WORDS: tuple[str, ...] = ("service", "svc")
NO_COMPARE_SERVICE = (
    "a Service: NetworkPolicies apply to the pods behind it after address translation; "
    "query a pod of the Service on its target port to compare"
)
NO_COMPARE_DNS = "a DNS name: the analysis does not resolve names; query the pod, workload or IP address"


class ResolveError(ValueError):
    """A reference that names nothing in the cluster, or nothing a probe can use."""


def is_probe_pod(obj: Mapping[str, Any]) -> bool:
    return kind_of(obj) == "Pod" and PROBE_LABEL in labels_of(obj)


def _is_running(pod: Mapping[str, Any]) -> bool:
    return (
        dig(pod, "status", "phase") == "Running"
        and bool(dig(pod, "status", "podIP"))
        and not dig(pod, "metadata", "deletionTimestamp")
    )


def _is_ready(pod: Mapping[str, Any]) -> bool:
    for condition in dig(pod, "status", "conditions", default=None) or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


@dataclass(frozen=True)
class Source:
    """Where probes start: a pod or workload of the model, with a running pod when there is one."""

    key: str
    namespace: str
    index: int
    labels: dict[str, str]
    spec: dict[str, Any]
    pod: Optional[Obj] = None
    host_network: bool = False

    @property
    def pod_name(self) -> Optional[str]:
        return name_of(self.pod) if self.pod else None


@dataclass(frozen=True)
class Destination:
    """What a probe connects to. `index` is the model's pod when the analysis can answer for it."""

    text: str
    kind: str  # pod | service | ip | dns
    host: str
    key: str
    index: Optional[int] = None
    pod_name: Optional[str] = None
    not_compared: Optional[str] = None
    ip_only: bool = False  # an IP outside every pod: the analysis evaluates it as an ipBlock peer


@dataclass
class ClusterView:
    """The live objects, indexed for resolution; built once per run before anything is created."""

    objects: list[Obj]
    services_error: Optional[str] = None
    model: NetpolModel = field(init=False)

    def __post_init__(self) -> None:
        self.objects = [o for o in self.objects if not is_probe_pod(o)]
        self.model = NetpolModel([o for o in self.objects if kind_of(o) != "Service"])
        self.services: dict[tuple[str, str], Obj] = {
            (namespace_of(o), name_of(o)): o for o in self.objects if kind_of(o) == "Service"
        }
        self.service_ips: dict[str, str] = {}
        for (namespace, name), service in self.services.items():
            for ip in [dig(service, "spec", "clusterIP")] + list(dig(service, "spec", "clusterIPs", default=None) or []):
                if ip and is_ip(str(ip)):
                    self.service_ips[str(ip)] = f"{namespace}/service/{name}"
        self.running: dict[int, list[Obj]] = {}
        self.ip_owner: dict[str, int] = {}
        for pod in self.objects:
            if kind_of(pod) != "Pod" or not _is_running(pod):
                continue
            index = self._model_index(pod)
            if index is None:
                continue
            self.running.setdefault(index, []).append(pod)
            for ip in [dig(pod, "status", "podIP")] + [p.get("ip") for p in dig(pod, "status", "podIPs", default=None) or []]:
                if ip and not self.model.pods[index].host_network:
                    self.ip_owner[str(ip)] = index
        for pods in self.running.values():
            pods.sort(key=lambda p: (not _is_ready(p), name_of(p)))

    def _model_index(self, pod: Mapping[str, Any]) -> Optional[int]:
        namespace, name = namespace_of(pod), name_of(pod)
        for ref in (f"{namespace}/pod/{name}", f"{namespace}/{name}"):
            try:
                return self.model.endpoint(ref).pod
            except QueryError:
                continue
        return None

    # -- sources ------------------------------------------------------------------------------

    def source(self, text: Any, where: str, need_running: bool = False) -> Source:
        """A pod or workload probes can start from (labels for a probe pod, a pod for exec)."""
        if not isinstance(text, str) or not text.strip():
            raise ResolveError(f"{where}: expected namespace/pod-or-workload, got {text!r}")
        text = text.strip()
        if is_ip(text) or "/" not in text:
            raise ResolveError(
                f"{where}: {text!r}: probes start from a pod or workload (namespace/name or namespace/kind/name)"
            )
        try:
            endpoint = self.model.endpoint(text)
        except QueryError as exc:
            raise ResolveError(f"{where}: {exc}") from None
        if endpoint.pod is None:  # pragma: no cover - an IP was refused above
            raise ResolveError(f"{where}: {text!r} is not a pod or workload")
        source = self.source_at(endpoint.pod)
        if need_running and source.pod is None:
            raise ResolveError(f"{where}: {source.key} has no running pod to exec into")
        return source

    def source_at(self, index: int) -> Source:
        info = self.model.pods[index]
        running = self.running.get(index) or []
        pod = running[0] if running else None
        if pod is not None:
            labels = labels_of(pod)
            spec = dict(pod.get("spec") or {})
        else:
            labels = dict(info.labels)
            spec = self._template_spec(info.namespace, info.kind, info.name)
        return Source(
            key=info.key,
            namespace=info.namespace,
            index=index,
            labels={str(k): str(v) for k, v in labels.items()},
            spec=spec,
            pod=pod,
            host_network=info.host_network,
        )

    def _template_spec(self, namespace: str, kind: str, name: str) -> dict[str, Any]:
        for obj in self.objects:
            if kind_of(obj) == kind and namespace_of(obj) == namespace and name_of(obj) == name:
                if kind == "Pod":
                    return dict(obj.get("spec") or {})
                spec = dig(obj, "spec", "template", "spec", default=None)
                if spec is None:
                    spec = dig(obj, "spec", "jobTemplate", "spec", "template", "spec", default=None)
                return dict(spec or {})
        return {}

    # -- destinations ---------------------------------------------------------------------------

    def destination(self, text: Any, where: str, avoid_pod: Optional[str] = None) -> Destination:
        if not isinstance(text, str) or not text.strip():
            raise ResolveError(f"{where}: expected a pod, workload, Service, IP address or DNS name, got {text!r}")
        text = text.strip()
        if is_ip(text):
            return self._ip_destination(text)
        if "/" in text:
            parts = text.split("/")
            if len(parts) == 3 and parts[1].lower() in SERVICE_WORDS and parts[0] and parts[2]:
                return self._service_destination(text, parts[0], parts[2], where)
            try:
                endpoint = self.model.endpoint(text)
            except QueryError as exc:
                raise ResolveError(f"{where}: {exc}") from None
            return self.pod_destination(endpoint.pod, where, text=text, avoid_pod=avoid_pod)  # type: ignore[arg-type]
        if not valid_dns_name(text):
            raise ResolveError(
                f"{where}: {text!r} is neither namespace/name, namespace/service/NAME, an IP address "
                f"nor a valid DNS name"
            )
        return Destination(text=text, kind="dns", host=text, key=text, not_compared=NO_COMPARE_DNS)

    def pod_destination(
        self, index: int, where: str, text: Optional[str] = None, avoid_pod: Optional[str] = None
    ) -> Destination:
        info = self.model.pods[index]
        running = self.running.get(index) or []
        if not running:
            raise ResolveError(f"{where}: {info.key} has no running pod with an IP address to connect to")
        choice = next((p for p in running if name_of(p) != avoid_pod), running[0])
        return Destination(
            text=text or info.key,
            kind="pod",
            host=str(dig(choice, "status", "podIP")),
            key=info.key,
            index=index,
            pod_name=name_of(choice),
        )

    def _ip_destination(self, text: str) -> Destination:
        if text in self.ip_owner:
            index = self.ip_owner[text]
            return Destination(text=text, kind="ip", host=text, key=text, index=index)
        if text in self.service_ips:
            return Destination(text=text, kind="ip", host=text, key=text,
                               not_compared=f"the cluster IP of {self.service_ips[text]}, {NO_COMPARE_SERVICE}")
        return Destination(text=text, kind="ip", host=text, key=text, ip_only=True)

    def _service_destination(self, text: str, namespace: str, name: str, where: str) -> Destination:
        if self.services_error:
            raise ResolveError(f"{where}: {text!r}: Services could not be read ({self.services_error})")
        if namespace not in self.model.namespace_labels:
            raise ResolveError(
                f"{where}: {text!r}: unknown namespace {namespace!r}; known: {', '.join(self.model.namespaces) or 'none'}"
            )
        service = self.services.get((namespace, name))
        if service is None:
            known = sorted(n for (ns, n) in self.services if ns == namespace)
            raise ResolveError(
                f"{where}: {text!r}: no Service {name!r} in namespace {namespace!r}; "
                f"known there: {', '.join(known[:20]) or 'none'}"
            )
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" and spec.get("externalName"):
            host = str(spec["externalName"]).rstrip(".")
        elif spec.get("clusterIP") and is_ip(str(spec["clusterIP"])):
            host = str(spec["clusterIP"])
        else:  # headless: the name resolves to the ready endpoints
            host = f"{name}.{namespace}.svc"
        return Destination(text=text, kind="service", host=host, key=f"{namespace}/service/{name}",
                           not_compared=NO_COMPARE_SERVICE)

    # -- the matrix -----------------------------------------------------------------------------

    def members(self, namespaces: Iterable[str]) -> list[int]:
        """The model pods of these namespaces, ordered by key."""
        try:
            members = self.model.pods_in(list(namespaces))
        except QueryError as exc:
            raise ResolveError(f"namespaces: {exc}") from None
        return sorted(members, key=lambda i: self.model.pods[i].key)

    def declared_ports(self, index: int) -> list[tuple[int, str]]:
        """(containerPort, protocol) of a running pod of the model pod, or of its template."""
        running = self.running.get(index) or []
        if running:
            spec = running[0].get("spec") or {}
        else:
            info = self.model.pods[index]
            spec = self._template_spec(info.namespace, info.kind, info.name)
        found: list[tuple[int, str]] = []
        containers = list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
        for container in containers:
            for port in (container or {}).get("ports") or []:
                number = (port or {}).get("containerPort")
                if isinstance(number, bool) or not isinstance(number, int):
                    continue
                pair = (number, str(port.get("protocol") or "TCP").upper())
                if pair not in found:
                    found.append(pair)
        return sorted(found)
