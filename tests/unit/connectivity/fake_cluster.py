# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake cluster behind the runner's ProbeClient interface, and a small shop topology.

The fake network answers every exec with a *recorded* output of the real tool (recorded/*.json),
chosen from a table of links: what the runner reports must come from parsing those outputs.
"""

from __future__ import annotations

import copy
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.commands import ExecResult
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import SOURCE_ANNOTATION
from ansible_collections.linkops.k8s_platform.plugins.module_utils.live_source import LiveRead

RECORDED = Path(__file__).resolve().parent / "recorded"
MISSING_BINARY = (
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "{tool}": '
    "stat {tool}: no such file or directory: unknown"
)


@lru_cache(maxsize=None)
def recorded(file: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{file}.json").read_text())


def exec_result(entry: dict[str, Any]) -> ExecResult:
    code = entry["returncode"]
    message = "" if code == 0 else f"command terminated with non-zero exit code: exit code {code}"
    return ExecResult(code, entry["stdout"], entry["stderr"], message)


class FakeApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = json.dumps({"kind": "Status", "message": message})


class Network:
    """What each source reaches. Keys use the source's model key (probe pods) or the exec'd pod's
    `namespace/name` (exec_in_pod)."""

    def __init__(self) -> None:
        # (source, host, port, protocol) -> recorded agnhost_connect case
        self.links: dict[tuple[str, str, int, str], str] = {}
        # (source, url) -> recorded wget case
        self.http: dict[tuple[str, str], str] = {}
        # (source, name, type) -> recorded nslookup case
        self.dns: dict[tuple[str, str, str], str] = {}
        self.missing_tools: set[str] = set()

    def source_of(self, cluster: "FakeCluster", namespace: str, pod: str) -> str:
        created = cluster.created.get(("Pod", namespace, pod))
        if created is not None:
            return created["metadata"]["annotations"][SOURCE_ANNOTATION]
        return f"{namespace}/{pod}"

    def __call__(self, cluster: "FakeCluster", namespace: str, pod: str, container: str, argv: list[str]) -> ExecResult:
        if argv[0] in self.missing_tools:
            return ExecResult(None, message=MISSING_BINARY.format(tool=argv[0]))
        source = self.source_of(cluster, namespace, pod)
        if argv[0] == "/agnhost":
            protocol = next(a.split("=", 1)[1] for a in argv if a.startswith("--protocol="))
            host, _colon, port = argv[-1].rpartition(":")
            host = host.strip("[]")
            default = {"tcp": "tcp_timeout", "udp": "udp_timeout", "sctp": "sctp_unsupported_kernel"}[protocol]
            case = self.links.get((source, host, int(port), protocol.upper()), default)
            return exec_result(recorded("agnhost_connect")[case])
        if argv[0] == "wget":
            case = self.http.get((source, argv[-1]), "busybox/refused")
            return exec_result(recorded("wget")[case])
        if argv[0] == "nslookup":
            record_type = argv[1].split("=", 1)[1]
            case = self.dns.get((source, argv[2], record_type), "busybox/nxdomain")
            return exec_result(recorded("nslookup")[case])
        if argv[0] == "getent":
            record_type = {"ahostsv4": "A", "ahostsv6": "AAAA"}[argv[1]]
            case = self.dns.get((source, argv[2], record_type), "a_not_found")
            return exec_result(recorded("getent")[case])
        raise AssertionError(f"unexpected command {argv}")


class FakeCluster:
    """The ProbeClient interface over in-memory objects, recording every call in `events`."""

    def __init__(self, objects: list[dict], network: Optional[Network] = None, forbidden: tuple[str, ...] = ()) -> None:
        self.objects = copy.deepcopy(objects)
        self.network = network or Network()
        self.forbidden = set(forbidden)
        self.created: dict[tuple[str, str, str], dict] = {}
        self.deleted: list[tuple[str, str, str]] = []
        self.events: list[tuple] = []
        self.polls: dict[str, int] = {}
        self.polls_until_running = 2
        self.pod_status: Optional[Callable[[dict, int], dict]] = None
        self.on_exec: Optional[Callable[[list[str]], None]] = None
        self.on_delete: Optional[Callable[[str, str, str], None]] = None
        self.fail_create: set[str] = set()
        self.fail_delete: set[str] = set()
        self.exec_calls: list[tuple[str, str, str, list[str], float]] = []
        self._lock = threading.Lock()
        self._uid = 0

    # -- ProbeClient -------------------------------------------------------------------------

    def list_objects(self, kinds):
        self.events.append(("list", tuple(k.kind for k in kinds)))
        read = LiveRead()
        for kind_ref in kinds:
            if kind_ref.kind in self.forbidden:
                read.errors[str(kind_ref)] = f"forbidden (403 Forbidden): the credentials may not list {kind_ref.kind}"
                continue
            read.objects.extend(copy.deepcopy(o) for o in self.objects if o["kind"] == kind_ref.kind)
        return read

    def create(self, obj):
        kind, namespace, name = obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"]
        self.events.append(("create", kind, namespace, name))
        if name in self.fail_create:
            raise FakeApiError(403, f'pods "{name}" is forbidden: violates PodSecurity "restricted:latest"')
        for owner in obj["metadata"].get("ownerReferences") or []:
            stored = self.created.get((owner["kind"], namespace, owner["name"]))
            assert stored is not None and stored["metadata"]["uid"] == owner["uid"], f"owner of {name} missing"
        self._uid += 1
        stored = copy.deepcopy(obj)
        stored["metadata"]["uid"] = f"uid-{self._uid}"
        if kind == "Pod":
            stored["status"] = {"phase": "Pending"}
        self.created[(kind, namespace, name)] = stored
        return copy.deepcopy(stored)

    def get(self, api_version, kind, namespace, name):
        self.events.append(("get", kind, namespace, name))
        stored = self.created.get((kind, namespace, name))
        if stored is None:
            return None
        polls = self.polls[name] = self.polls.get(name, 0) + 1
        if kind == "Pod":
            if self.pod_status is not None:
                stored["status"] = self.pod_status(stored, polls)
            elif polls >= self.polls_until_running:
                stored["status"] = {
                    "phase": "Running",
                    "podIP": "10.244.9.9",
                    "conditions": [{"type": "Ready", "status": "False"}],
                    "containerStatuses": [{"name": "probe", "ready": False, "state": {"running": {"startedAt": "now"}}}],
                }
        return copy.deepcopy(stored)

    def delete(self, api_version, kind, namespace, name):
        self.events.append(("delete", kind, namespace, name))
        if self.on_delete is not None:
            self.on_delete(kind, namespace, name)
        if name in self.fail_delete:
            raise FakeApiError(500, "etcdserver: request timed out")
        self.created.pop((kind, namespace, name), None)
        self.deleted.append((kind, namespace, name))

    def exec(self, namespace, pod, container, command, deadline):
        with self._lock:
            self.events.append(("exec", namespace, pod, container, command[0]))
            self.exec_calls.append((namespace, pod, container, list(command), deadline))
        if self.on_exec is not None:
            self.on_exec(list(command))
        return self.network(self, namespace, pod, container, list(command))

    # -- helpers for the tests ---------------------------------------------------------------

    def kinds_of(self, event: str) -> list[tuple]:
        return [e for e in self.events if e[0] == event]

    def leftovers(self) -> list[tuple[str, str, str]]:
        return sorted(self.created)


# ------------------------------------------------------------------------------------------------
# Topology
# ------------------------------------------------------------------------------------------------


def namespace(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels)}}


def workload(kind: str, ns: str, name: str, labels: dict, ports=((8080, "TCP"),), replicas: int = 1) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns, "uid": f"{kind}-{ns}-{name}"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "app", "image": "app:1",
                                         "ports": [{"containerPort": p, "protocol": proto} for p, proto in ports]}]},
            },
        },
    }


def replicaset(ns: str, name: str, deployment: str, labels: dict) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": ns,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment, "controller": True}]},
        "spec": {"template": {"metadata": {"labels": dict(labels)}, "spec": {}}},
    }


def pod(ns: str, name: str, labels: dict, ip: Optional[str], owner: Optional[tuple[str, str]] = None,
        ports=((8080, "TCP"),), ready: bool = True, phase: str = "Running", spec: Optional[dict] = None,
        annotations: Optional[dict] = None) -> dict:
    metadata: dict[str, Any] = {"name": name, "namespace": ns, "labels": dict(labels)}
    if owner:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "controller": True}]
    if annotations:
        metadata["annotations"] = dict(annotations)
    pod_spec = {
        "serviceAccountName": "app",
        "containers": [
            {"name": "app", "image": "app:1", "ports": [{"containerPort": p, "protocol": proto} for p, proto in ports]},
            {"name": "sidecar", "image": "proxy:1"},
        ],
    }
    pod_spec.update(spec or {})
    status: dict[str, Any] = {"phase": phase}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    if phase == "Running":
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
        status["containerStatuses"] = [
            {"name": c["name"], "ready": ready, "state": {"running": {"startedAt": "then"}}} for c in pod_spec["containers"]
        ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec, "status": status}


def service(ns: str, name: str, selector: Optional[dict], cluster_ip: Optional[str], port: int = 80,
            kind: str = "ClusterIP", external_name: Optional[str] = None) -> dict:
    spec: dict[str, Any] = {"type": kind, "ports": [{"port": port, "protocol": "TCP"}]}
    if selector:
        spec["selector"] = dict(selector)
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
        spec["clusterIPs"] = [cluster_ip]
    if external_name:
        spec["externalName"] = external_name
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def netpol(ns: str, name: str, spec: dict) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


API = {"app": "api"}
FRONTEND = {"app": "frontend"}
POSTGRES = {"app": "postgres"}

API_READY_IP = "10.244.0.11"
API_UNREADY_IP = "10.244.0.12"
FRONTEND_IP = "10.244.0.21"
POSTGRES_IP = "10.244.1.5"
API_SERVICE_IP = "10.96.0.20"


def shop_cluster(policies: bool = True) -> list[dict]:
    """shop: api (Deployment, 2 pods, one not ready), frontend (Deployment, 1 pod), batch (Deployment
    scaled to 0); db: postgres (a bare pod). Policies: db admits only shop's api on 5432; shop's
    pods accept ingress only as api-from-frontend allows (frontend -> api on 8080)."""
    objects = [
        namespace("shop", team="shop"),
        namespace("db", team="db"),
        workload("Deployment", "shop", "api", API),
        replicaset("shop", "api-6d4b8", "api", API),
        pod("shop", "api-6d4b8-bbbbb", dict(API, **{"pod-template-hash": "6d4b8"}), API_UNREADY_IP, ("ReplicaSet", "api-6d4b8"), ready=False),
        pod("shop", "api-6d4b8-aaaaa", dict(API, **{"pod-template-hash": "6d4b8"}), API_READY_IP, ("ReplicaSet", "api-6d4b8")),
        workload("Deployment", "shop", "frontend", FRONTEND, ports=((8080, "TCP"), (9090, "TCP"))),
        replicaset("shop", "frontend-5c7f", "frontend", FRONTEND),
        pod("shop", "frontend-5c7f-xxxxx", dict(FRONTEND, **{"pod-template-hash": "5c7f"}), FRONTEND_IP,
            ("ReplicaSet", "frontend-5c7f"), ports=((8080, "TCP"), (9090, "TCP")),
            spec={"dnsPolicy": "None", "dnsConfig": {"nameservers": ["10.96.0.10"], "searches": ["shop.svc.cluster.local"]}}),
        workload("Deployment", "shop", "batch", {"app": "batch"}, replicas=0),
        pod("db", "postgres", POSTGRES, POSTGRES_IP, ports=((5432, "TCP"),)),
        pod("db", "migrate-1", {"job": "migrate"}, None, phase="Succeeded"),
        service("shop", "api", API, API_SERVICE_IP),
        service("db", "postgres-headless", POSTGRES, "None", port=5432),
        service("shop", "billing", None, None, kind="ExternalName", external_name="billing.example.com"),
    ]
    if policies:
        objects += [
            netpol("db", "postgres-from-api", {
                "podSelector": {"matchLabels": POSTGRES},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "shop"}}, "podSelector": {"matchLabels": API}}],
                             "ports": [{"port": 5432}]}],
            }),
            netpol("shop", "api-from-frontend", {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": FRONTEND}}], "ports": [{"port": 8080}]}],
            }),
        ]
    return objects
