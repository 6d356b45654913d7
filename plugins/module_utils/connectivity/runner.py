# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the connectivity_probe module does, without AnsibleModule.

`run_probes(client, params, check_mode=...)` returns the module's result. In order:

1. `parse_options` checks the options' shapes (every problem at once, by option path);
2. `read_cluster` lists the live objects once (`ProbeClient.list_objects`);
3. `plan_probes` resolves every `from`/`to`/DNS source and the matrix cells against them and,
   with `compare_with_policies`, asks the NetworkPolicy analysis about every comparable cell;
   bad input raises `ProbeInputError` here, before anything is created;
4. check mode stops with the plan (`planned_pods`, `planned_probes`);
5. otherwise, under SIGTERM/SIGINT handlers that raise `ProbeInterrupted`: one owner ConfigMap
   per namespace, one probe pod per source (or, with `exec_in_pod`, the source's own pod), a
   wait until they run, the probes (in parallel, at most `MAX_PARALLEL` at once and
   `PER_POD_PARALLEL` per pod), and in a `finally` the deletion of every pod and owner created,
   whatever happened;
6. the results in the options' order, the matrix, and the cells where the network and the
   analysis disagree.

Errors after step 3 raise `ProbeRunError` (a pod that cannot start, a missing tool, an exec the
API refuses) or `ProbeInterrupted`; both carry `partial` (run id, probe pods, cleanup errors).
"""

from __future__ import annotations

import json
import secrets
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.commands import (
    AGNHOST,
    DNS_TYPES,
    PROTOCOLS,
    ExecResult,
    command_text,
    connect_command,
    dns_command,
    http_command,
    missing_tool,
    parse_connect,
    parse_http,
    parse_dns,
    valid_dns_name,
    valid_http_path,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import (
    CONTAINER,
    DEFAULT_IMAGE,
    assess_pod,
    container_running,
    default_container,
    owner_manifest,
    pod_name,
    probe_pod_manifest,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.targets import (
    ClusterView,
    Destination,
    ResolveError,
    Source,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.live_source import KindRef, LiveRead
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.analysis import explain
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import (
    Endpoint,
    NetpolError,
    PortProtocol,
    QueryError,
    Verdict,
    check_port_number,
    check_protocol,
)

Obj = dict[str, Any]

MAX_PARALLEL = 8
PER_POD_PARALLEL = 3
# Seconds an exec may take beyond the probe's own timeout (API round trip, process start, and
# the tools whose timeouts are their own: nslookup's retries, wget's read).
EXEC_GRACE = 10
POLL_SECONDS = 1.0
PULL_POLICIES: tuple[str, ...] = ("Always", "IfNotPresent", "Never")
MAX_TIMEOUT = 300
MAX_POD_READY_TIMEOUT = 3600

BASE_KINDS: tuple[KindRef, ...] = (
    KindRef("v1", "Namespace"),
    KindRef("v1", "Pod"),
    KindRef("v1", "Service"),
    KindRef("apps/v1", "Deployment"),
    KindRef("apps/v1", "StatefulSet"),
    KindRef("apps/v1", "DaemonSet"),
    KindRef("apps/v1", "ReplicaSet"),
)
POLICY_KIND = KindRef("networking.k8s.io/v1", "NetworkPolicy")


class ProbeInputError(ValueError):
    """Bad options or references; raised before anything is created."""


class ProbeRunError(RuntimeError):
    """The run could not complete (probe pod would not start, missing tool, API refusal)."""

    def __init__(self, message: str, partial: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.partial = partial or {}


class ProbeInterrupted(BaseException):
    """SIGTERM or SIGINT arrived; a BaseException so no `except Exception` swallows it."""

    def __init__(self, signal_name: str, partial: Optional[dict[str, Any]] = None) -> None:
        super().__init__(f"interrupted by {signal_name}")
        self.signal_name = signal_name
        self.partial = partial or {}


class ProbeClient(Protocol):
    """What the runner needs from the cluster; `kube.KubernetesProbeClient` is the real one."""

    def list_objects(self, kinds: Sequence[KindRef]) -> LiveRead:
        """Every object of these kinds, all namespaces (errors per kind, as live_source reports them)."""

    def create(self, obj: Obj) -> Obj:
        """Create a namespaced object; return it as the API server stored it (with its uid)."""

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[Obj]:
        """The object, or None when it does not exist."""

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        """Delete at once (grace period 0, background propagation); a missing object is fine."""

    def exec(self, namespace: str, pod: str, container: str, command: list[str], deadline: float) -> ExecResult:
        """Run an argv in a container; give up (timed_out) after `deadline` seconds."""


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------


@dataclass
class Options:
    queries: list[dict[str, Any]] = field(default_factory=list)
    dns: list[dict[str, Any]] = field(default_factory=list)
    matrix: bool = False
    namespaces: list[str] = field(default_factory=list)
    ports: Optional[list[PortProtocol]] = None
    compare_with_policies: bool = False
    image: str = DEFAULT_IMAGE
    image_pull_policy: str = "IfNotPresent"
    timeout: int = 3
    exec_in_pod: bool = False
    pod_ready_timeout: int = 60


def _protocol(value: Any, where: str) -> str:
    """The netpol model's protocols (case-insensitive, None is TCP), plus HTTP."""
    if str(value or "").strip().upper() == "HTTP":
        return "HTTP"
    try:
        return check_protocol(value, where)
    except QueryError:
        raise QueryError(f"{where}: unknown protocol {value!r} (expected one of {', '.join(PROTOCOLS)})") from None


def parse_port_proto(value: Any, where: str) -> PortProtocol:
    """`80`, `"80"`, `"53/UDP"`, `"8080/HTTP"` or `{port: 53, protocol: UDP}`."""
    if isinstance(value, Mapping):
        return PortProtocol(check_port_number(value.get("port"), f"{where}.port"), _protocol(value.get("protocol"), f"{where}.protocol"))
    if isinstance(value, str) and "/" in value:
        number, _slash, protocol = value.partition("/")
        return PortProtocol(check_port_number(number, where), _protocol(protocol, where))
    return PortProtocol(check_port_number(value, where), "TCP")


def _text(raw: Mapping[str, Any], key: str, where: str, errors: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}.{key}: required, a non-empty string")
        return ""
    return value.strip()


def _bounded_int(value: Any, where: str, low: int, high: int, errors: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            errors.append(f"{where}: expected a whole number of seconds, got {value!r}")
            return low
    if not low <= value <= high:
        errors.append(f"{where}: {value} is outside {low}-{high}")
    return value


def parse_options(params: Mapping[str, Any]) -> Options:
    """The module's options checked and normalised; raises ProbeInputError listing every problem."""
    errors: list[str] = []
    options = Options()
    for number, raw in enumerate(params.get("queries") or []):
        where = f"queries[{number}]"
        if not isinstance(raw, Mapping):
            errors.append(f"{where}: expected a mapping with from, to and port")
            continue
        query = {"from": _text(raw, "from", where, errors), "to": _text(raw, "to", where, errors)}
        try:
            query["port"] = check_port_number(raw.get("port"), f"{where}.port")
        except QueryError as exc:
            errors.append(str(exc))
        try:
            query["protocol"] = _protocol(raw.get("protocol"), f"{where}.protocol")
        except QueryError as exc:
            errors.append(str(exc))
            query["protocol"] = "TCP"
        path = raw.get("path")
        if query["protocol"] == "HTTP":
            query["path"] = "/" if path in (None, "") else path
            if not valid_http_path(query["path"]):
                errors.append(f"{where}.path: {path!r} must start with / and hold no spaces or control characters")
        elif path not in (None, ""):
            errors.append(f"{where}.path: only HTTP queries take a path (protocol is {query['protocol']})")
        options.queries.append(query)
    for number, raw in enumerate(params.get("dns") or []):
        where = f"dns[{number}]"
        if not isinstance(raw, Mapping):
            errors.append(f"{where}: expected a mapping with from and name")
            continue
        entry = {"from": _text(raw, "from", where, errors), "name": _text(raw, "name", where, errors)}
        if entry["name"] and not valid_dns_name(entry["name"]):
            errors.append(f"{where}.name: {entry['name']!r} is not a valid DNS name")
        record_type = str(raw.get("type") or "A").strip().upper()
        if record_type not in DNS_TYPES:
            errors.append(f"{where}.type: {raw.get('type')!r} is not one of {', '.join(DNS_TYPES)}")
        entry["type"] = record_type
        options.dns.append(entry)
    options.matrix = bool(params.get("matrix"))
    namespaces = params.get("namespaces")
    ports = params.get("ports")
    if namespaces is not None:
        if not isinstance(namespaces, list) or not all(isinstance(n, str) and n.strip() for n in namespaces):
            errors.append("namespaces: expected a list of namespace names")
        else:
            options.namespaces = [n.strip() for n in namespaces]
    if ports is not None:
        parsed = []
        for number, raw in enumerate(ports if isinstance(ports, list) else [ports]):
            try:
                parsed.append(parse_port_proto(raw, f"ports[{number}]"))
            except QueryError as exc:
                errors.append(str(exc))
        options.ports = [p for n, p in enumerate(parsed) if p not in parsed[:n]]
    if options.matrix and not options.namespaces:
        errors.append("namespaces: matrix needs the namespaces whose pods to pair")
    if not options.matrix and (options.namespaces or options.ports):
        errors.append("namespaces, ports: only used with matrix=true")
    options.compare_with_policies = bool(params.get("compare_with_policies"))
    options.exec_in_pod = bool(params.get("exec_in_pod"))
    image = params.get("image")
    options.image = DEFAULT_IMAGE if image in (None, "") else str(image).strip()
    if not options.image or any(ch.isspace() for ch in options.image):
        errors.append(f"image: {image!r} is not an image reference")
    policy = params.get("image_pull_policy") or "IfNotPresent"
    if policy not in PULL_POLICIES:
        errors.append(f"image_pull_policy: {policy!r} is not one of {', '.join(PULL_POLICIES)}")
    options.image_pull_policy = str(policy)
    timeout = params.get("timeout")
    options.timeout = _bounded_int(3 if timeout is None else timeout, "timeout", 1, MAX_TIMEOUT, errors)
    ready = params.get("pod_ready_timeout")
    options.pod_ready_timeout = _bounded_int(60 if ready is None else ready, "pod_ready_timeout", 1, MAX_POD_READY_TIMEOUT, errors)
    if not options.queries and not options.dns and not options.matrix and not errors:
        errors.append("nothing to probe: give queries, dns or matrix=true")
    if errors:
        raise ProbeInputError("; ".join(errors))
    return options


# --------------------------------------------------------------------------------------------
# Reading and planning
# --------------------------------------------------------------------------------------------


def read_cluster(client: ProbeClient, options: Options) -> tuple[ClusterView, list[str]]:
    """One list call per kind; the kinds without which the answers would be wrong are required."""
    kinds = list(BASE_KINDS) + ([POLICY_KIND] if options.compare_with_policies else [])
    read = client.list_objects(kinds)
    required = {"Pod"} | ({"Namespace", "NetworkPolicy"} if options.compare_with_policies else set())
    fatal, warnings = [], []
    services_error = None
    for kind_ref in kinds:
        reason = read.errors.get(str(kind_ref))
        if reason is None:
            continue
        if kind_ref.kind in required:
            fatal.append(f"{kind_ref}: {reason}")
        elif kind_ref.kind == "Service":
            services_error = reason
        elif kind_ref.kind != "Namespace":
            warnings.append(f"{kind_ref}: {reason}; its pods are resolved one by one")
    if fatal:
        raise ProbeRunError("cannot probe without these kinds: " + "; ".join(fatal))
    try:
        view = ClusterView(read.objects, services_error=services_error)
    except NetpolError as exc:
        raise ProbeRunError(f"the cluster's NetworkPolicies cannot be analysed: {exc}") from None
    return view, warnings


@dataclass
class Probe:
    """One cell to measure. `origin` is ("queries", i), ("dns", i) or ("matrix", i): i indexes the
    option's list, or the returned matrix's cells."""

    origin: tuple[str, int]
    kind: str  # connect | http | dns
    source: Source
    from_text: str
    to_text: str = ""
    destination: Optional[Destination] = None
    port: int = 0
    protocol: str = "TCP"
    path: str = "/"
    name: str = ""
    record_type: str = "A"
    verdict: Optional[Verdict] = None
    not_compared: Optional[str] = None

    def target(self) -> Destination:
        """The destination of a connection probe (DNS probes have none)."""
        if self.destination is None:
            raise RuntimeError(f"{self.where}: a {self.kind} probe without a destination")
        return self.destination

    @property
    def where(self) -> str:
        return f"{self.origin[0]}[{self.origin[1]}]"


@dataclass
class Plan:
    probes: list[Probe]
    sources: list[Source]
    matrix_pods: list[str]
    warnings: list[str]


def _verdict(view: ClusterView, probe: Probe, exec_in_pod: bool) -> tuple[Optional[Verdict], Optional[str]]:
    destination = probe.destination
    if destination is None:
        return None, "no destination"
    if destination.not_compared:
        return None, f"the destination is {destination.not_compared}"
    source = probe.source
    if destination.index is not None:
        same = destination.index == source.index
        if same and view.model.pods[source.index].loopback_exempt and not exec_in_pod:
            return None, (
                "the probe pod is a different pod from the source, while the analysis takes a pod reaching "
                "itself as loopback"
            )
        target: Any = Endpoint(key=view.model.pods[destination.index].key, pod=destination.index)
    else:
        target = destination.host
    protocol = "TCP" if probe.protocol == "HTTP" else probe.protocol
    try:
        verdict = view.model.evaluate(Endpoint(key=source.key, pod=source.index), target, probe.port, protocol)
    except QueryError as exc:
        return None, str(exc)
    return verdict, None


def plan_probes(view: ClusterView, options: Options) -> Plan:
    """Every probe with its source and destination resolved; ProbeInputError lists every bad reference."""
    errors: list[str] = []
    warnings: list[str] = []
    probes: list[Probe] = []
    sources: dict[int, Source] = {}
    need_running = options.exec_in_pod

    def source_of(text: str, where: str) -> Optional[Source]:
        try:
            source = view.source(text, where, need_running=need_running)
        except ResolveError as exc:
            errors.append(str(exc))
            return None
        if need_running:
            container = default_container(source.pod or {})
            if not container or not container_running(source.pod or {}, container):
                errors.append(f"{where}: container {container!r} of pod {source.namespace}/{source.pod_name} is not running")
                return None
        return sources.setdefault(source.index, source)

    for number, query in enumerate(options.queries):
        where = f"queries[{number}]"
        source = source_of(query["from"], f"{where}.from")
        try:
            destination = view.destination(query["to"], f"{where}.to", avoid_pod=source.pod_name if source and need_running else None)
        except ResolveError as exc:
            errors.append(str(exc))
            destination = None
        if source is None or destination is None or "port" not in query:
            continue
        probes.append(
            Probe(
                origin=("queries", number),
                kind="http" if query["protocol"] == "HTTP" else "connect",
                source=source,
                from_text=query["from"],
                to_text=query["to"],
                destination=destination,
                port=query["port"],
                protocol=query["protocol"],
                path=query.get("path") or "/",
            )
        )
    for number, entry in enumerate(options.dns):
        where = f"dns[{number}]"
        source = source_of(entry["from"], f"{where}.from")
        if source is None:
            continue
        probes.append(
            Probe(origin=("dns", number), kind="dns", source=source, from_text=entry["from"], name=entry["name"],
                  record_type=entry["type"])
        )
    matrix_pods: list[str] = []
    if options.matrix:
        try:
            members = view.members(options.namespaces)
        except ResolveError as exc:
            errors.append(str(exc))
            members = []
        matrix_pods = [view.model.pods[i].key for i in members]
        starts: list[Source] = []
        for index in members:
            source = view.source_at(index)
            if need_running:
                container = default_container(source.pod or {})
                if source.pod is None or not container or not container_running(source.pod, container):
                    warnings.append(f"matrix: {source.key} has no running pod to exec into; left out as a source")
                    continue
            starts.append(source)
        cell = 0
        for source in starts:
            for index in members:
                info = view.model.pods[index]
                if index == source.index and info.loopback_exempt:
                    continue  # a bare pod and itself: loopback, not a network path
                if not view.running.get(index):
                    continue
                avoid = source.pod_name if need_running else None
                destination = view.pod_destination(index, "matrix", avoid_pod=avoid)
                if need_running and destination.pod_name == source.pod_name:
                    continue  # the only replica: exec'ing into it would reach itself
                ports = options.ports if options.ports is not None else [PortProtocol(p, proto) for p, proto in view.declared_ports(index)]
                for spec in ports:
                    probes.append(
                        Probe(
                            origin=("matrix", cell),
                            kind="http" if spec.protocol == "HTTP" else "connect",
                            source=sources.setdefault(source.index, source),
                            from_text=source.key,
                            to_text=info.key,
                            destination=destination,
                            port=spec.port,
                            protocol=spec.protocol,
                        )
                    )
                    cell += 1
        for index in members:
            if not view.running.get(index):
                warnings.append(f"matrix: {view.model.pods[index].key} has no running pod; left out as a destination")
            elif options.ports is None and not view.declared_ports(index):
                warnings.append(
                    f"matrix: {view.model.pods[index].key} declares no container ports; give ports to probe it"
                )
    if errors:
        raise ProbeInputError("; ".join(errors))
    for source in sources.values():
        if source.host_network and not options.exec_in_pod:
            warnings.append(
                f"{source.key} uses hostNetwork; its probe pod is a regular pod with its labels, so what it "
                f"sees is what such a pod would see, not what the host network sees"
            )
    if options.compare_with_policies:
        for probe in probes:
            if probe.kind != "dns":
                probe.verdict, probe.not_compared = _verdict(view, probe, options.exec_in_pod)
    return Plan(probes=probes, sources=list(sources.values()), matrix_pods=matrix_pods, warnings=warnings)


# --------------------------------------------------------------------------------------------
# Placement: which pod runs each source's probes
# --------------------------------------------------------------------------------------------


@dataclass
class Placement:
    source: Source
    namespace: str
    pod: str
    container: str
    manifest: Optional[Obj] = None  # None with exec_in_pod: the source's own pod


def new_run_id() -> str:
    return secrets.token_hex(4)


def place(plan: Plan, options: Options, run_id: str) -> dict[int, Placement]:
    counts: dict[int, int] = {}
    for probe in plan.probes:
        counts[probe.source.index] = counts.get(probe.source.index, 0) + 1
    placements: dict[int, Placement] = {}
    for number, source in enumerate(plan.sources, start=1):
        if options.exec_in_pod:
            pod = source.pod or {}
            placements[source.index] = Placement(source, source.namespace, source.pod_name or "", default_container(pod) or "")
            continue
        # Time enough to start and to run every probe of this pod one after the other, and then some.
        budget = options.pod_ready_timeout + counts.get(source.index, 0) * (2 * options.timeout + EXEC_GRACE) + 300
        name = pod_name(run_id, number)
        manifest = probe_pod_manifest(
            name=name,
            namespace=source.namespace,
            run_id=run_id,
            owner_uid="",
            source_key=source.key,
            source_labels=source.labels,
            image=options.image,
            image_pull_policy=options.image_pull_policy,
            active_deadline_seconds=min(budget, 86400),
            source_spec=source.spec,
        )
        placements[source.index] = Placement(source, source.namespace, name, CONTAINER, manifest)
    return placements


def planned_commands(probe: Probe, timeout: int) -> list[list[str]]:
    if probe.kind == "dns":
        return [dns_command(probe.name, probe.record_type)]
    destination = probe.target()
    commands = [connect_command(destination.host, probe.port, probe.protocol, timeout)]
    if probe.kind == "http":
        commands.append(http_command(destination.host, probe.port, probe.path))
    return commands


# --------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------


class SignalGuard:
    """SIGTERM/SIGINT raise ProbeInterrupted while armed; while cleaning up they are held back
    and raised once the cleanup is over. Only the main thread may install signal handlers; in
    any other thread the guard does nothing."""

    SIGNALS = ("SIGTERM", "SIGINT")

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.armed = True
        self.pending: Optional[str] = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.armed:
            self.armed = False  # one interruption; the rest wait for the cleanup
            raise ProbeInterrupted(name)
        self.pending = self.pending or name

    def __enter__(self) -> "SignalGuard":
        if self.enabled:
            for name in self.SIGNALS:
                number = getattr(signal, name)
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def hold(self) -> None:
        self.armed = False

    def __exit__(self, exc_type: Any, exc: Any, _tb: Any) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        if exc_type is None and self.pending:
            raise ProbeInterrupted(self.pending)


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    allowed: bool = False
    reached: bool = False  # the transport connected (what the policy comparison uses)
    error: Optional[str] = None
    seconds: float = 0.0
    status: Optional[int] = None
    reason: str = ""
    resolved: bool = False
    addresses: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)


class Run:
    """Creates, waits, probes and cleans up; holds what it created so cleanup can find it."""

    def __init__(
        self,
        client: ProbeClient,
        options: Options,
        run_id: str,
        placements: dict[int, Placement],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.options = options
        self.run_id = run_id
        self.placements = placements
        self.clock = clock
        self.sleep = sleep
        self.created_pods: list[tuple[str, str]] = []
        self.created_owners: list[tuple[str, str]] = []
        # created_pods: every pod a create was sent for (what cleanup deletes); confirmed_pods: those
        # the API server accepted (what the module reports)
        self.confirmed_pods: list[tuple[str, str]] = []
        self.cleanup_errors: list[str] = []
        self._pod_slots: dict[str, threading.Semaphore] = {}
        self._pool: Optional[ThreadPoolExecutor] = None

    # -- pods ---------------------------------------------------------------------------------

    def start_pods(self) -> None:
        owners: dict[str, str] = {}
        for placement in self.placements.values():
            if placement.manifest is None:
                continue
            namespace = placement.namespace
            if namespace not in owners:
                manifest = owner_manifest(namespace, self.run_id)
                name = manifest["metadata"]["name"]
                # Recorded before the call: a create that times out (or is interrupted) may
                # still have happened, and deleting what does not exist is harmless.
                self.created_owners.append((namespace, name))
                created = self._create(manifest)
                uid = (created.get("metadata") or {}).get("uid")
                if not uid:
                    raise ProbeRunError(f"ConfigMap {namespace}/{name} came back without a uid")
                owners[namespace] = str(uid)
            placement.manifest["metadata"]["ownerReferences"][0]["uid"] = owners[namespace]
            self.created_pods.append((namespace, placement.pod))
            self._create(placement.manifest)
            self.confirmed_pods.append((namespace, placement.pod))

    def _create(self, manifest: Obj) -> Obj:
        metadata = manifest["metadata"]
        try:
            return self.client.create(manifest) or {}
        except Exception as exc:
            raise ProbeRunError(
                f"cannot create {manifest['kind']} {metadata['namespace']}/{metadata['name']}: {api_message(exc)}"
            ) from None

    def wait_running(self) -> None:
        waiting = {(p.namespace, p.pod): p for p in self.placements.values() if p.manifest is not None}
        deadline = self.clock() + self.options.pod_ready_timeout
        last: dict[tuple[str, str], str] = {}
        while waiting:
            for key in list(waiting):
                try:
                    pod = self.client.get("v1", "Pod", key[0], key[1])
                except Exception as exc:
                    raise ProbeRunError(f"cannot read probe pod {key[0]}/{key[1]}: {api_message(exc)}") from None
                state = assess_pod(pod)
                if state.fatal:
                    raise ProbeRunError(
                        f"probe pod {key[0]}/{key[1]} (for {waiting[key].source.key}) will not run: {state.fatal}"
                    )
                if state.running:
                    del waiting[key]
                else:
                    last[key] = state.summary
            if not waiting:
                return
            if self.clock() >= deadline:
                stuck = "; ".join(f"{ns}/{name}: {last.get((ns, name), 'no status')}" for ns, name in waiting)
                raise ProbeRunError(
                    f"probe pods not running after pod_ready_timeout={self.options.pod_ready_timeout}s: {stuck}"
                )
            self.sleep(POLL_SECONDS)

    def cleanup(self) -> None:
        """Delete every pod and owner created, each on its own: one failure does not stop the rest."""
        for namespace, name in reversed(self.created_pods):
            self._delete("Pod", namespace, name)
        for namespace, name in reversed(self.created_owners):
            self._delete("ConfigMap", namespace, name)

    def _delete(self, kind: str, namespace: str, name: str) -> None:
        try:
            self.client.delete("v1", kind, namespace, name)
        except Exception as exc:  # keep going: everything else must still go
            self.cleanup_errors.append(f"{kind} {namespace}/{name}: {api_message(exc)}")

    # -- probes -------------------------------------------------------------------------------

    def _exec(self, placement: Placement, command: list[str], deadline: float) -> ExecResult:
        slot = self._pod_slots.setdefault(placement.pod, threading.Semaphore(PER_POD_PARALLEL))
        with slot:
            result = self.client.exec(placement.namespace, placement.pod, placement.container, command, deadline)
        where = f"pod {placement.namespace}/{placement.pod}, container {placement.container}"
        if missing_tool(result):
            tool = command[0]
            if self.options.exec_in_pod:
                raise ProbeRunError(
                    f"exec_in_pod: {where} cannot run {tool} ({result.message or result.stderr.strip()}): the app's "
                    f"image lacks the probe tools ({AGNHOST} connect, getent, nslookup, wget); leave exec_in_pod off to "
                    f"probe from a probe pod"
                )
            raise ProbeRunError(
                f"the probe image {self.options.image} lacks {tool} ({where}: {result.message or result.stderr.strip()}); "
                f"it needs {AGNHOST}, getent, nslookup and wget"
            )
        if result.returncode is None and not result.timed_out:
            # The command never ran (exec forbidden, pod gone): no packet was sent, so there is
            # no observation to report.
            raise ProbeRunError(f"cannot exec in {where}: {result.message or 'no exit status'}")
        return result

    def run_probe(self, probe: Probe) -> Outcome:
        placement = self.placements[probe.source.index]
        timeout = self.options.timeout
        deadline = float(timeout + EXEC_GRACE)
        started = self.clock()
        outcome = Outcome()
        if probe.kind == "dns":
            result = self._exec(placement, dns_command(probe.name, probe.record_type), deadline)
            answer = parse_dns(result, probe.record_type)
            outcome.resolved = answer.resolved
            outcome.addresses = answer.addresses
            outcome.records = answer.records
            outcome.error = answer.error
        else:
            destination = probe.target()
            result = self._exec(placement, connect_command(destination.host, probe.port, probe.protocol, timeout), deadline)
            connected = parse_connect(result, deadline)
            outcome.reached = connected.connected
            outcome.allowed = connected.connected
            outcome.error = connected.error
            if probe.kind == "http" and connected.connected:
                result = self._exec(placement, http_command(destination.host, probe.port, probe.path), deadline)
                answer = parse_http(result, deadline)
                outcome.allowed = answer.responded
                outcome.status = answer.status
                outcome.reason = answer.reason
                outcome.error = answer.error
        outcome.seconds = round(self.clock() - started, 3)
        return outcome

    def execute(self, probes: list[Probe]) -> list[Outcome]:
        if not probes:
            return []
        outcomes: list[Optional[Outcome]] = [None] * len(probes)
        self._pool = ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(probes)), thread_name_prefix="probe")
        futures: dict[Future, int] = {self._pool.submit(self.run_probe, probe): i for i, probe in enumerate(probes)}
        pending = set(futures)
        try:
            while pending:
                # A timeout keeps the main thread returning to Python, where signal handlers run.
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
                for future in done:
                    error = future.exception()
                    if error is not None:
                        raise error
                    outcomes[futures[future]] = future.result()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
        return [o if o is not None else Outcome(error="not run") for o in outcomes]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def api_message(exc: BaseException) -> str:
    """An API error's own message (the Status body's `message`), never request details."""
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.strip().startswith("{"):
        try:
            message = json.loads(body).get("message")
            if message:
                return f"{getattr(exc, 'status', '')} {message}".strip()
        except ValueError:
            pass
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    if status is not None:
        return f"{status} {reason or type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"


def _connection_result(probe: Probe, outcome: Outcome, placement: Placement) -> dict[str, Any]:
    destination = probe.target()
    result: dict[str, Any] = {
        "from": probe.from_text,
        "to": probe.to_text,
        "port": probe.port,
        "protocol": probe.protocol,
        "allowed": outcome.allowed,
        "error": outcome.error,
        "seconds": outcome.seconds,
        "target": destination.host,
        "source_pod": f"{placement.namespace}/{placement.pod}",
    }
    if destination.pod_name:
        result["destination_pod"] = f"{destination.key.split('/')[0]}/{destination.pod_name}"
    if probe.kind == "http":
        result["status"] = outcome.status
        result["path"] = probe.path
    return result


def _dns_result(probe: Probe, outcome: Outcome, placement: Placement) -> dict[str, Any]:
    return {
        "from": probe.from_text,
        "name": probe.name,
        "type": probe.record_type,
        "resolved": outcome.resolved,
        "addresses": outcome.addresses,
        "records": outcome.records,
        "error": outcome.error,
        "seconds": outcome.seconds,
        "source_pod": f"{placement.namespace}/{placement.pod}",
    }


def compute_mismatches(probes: Sequence[Probe], outcomes: Sequence[Outcome]) -> tuple[list[dict], list[dict]]:
    """(mismatches, not compared): every compared cell where the packets and the analysis disagree.

    The observed side is whether the transport connected (for HTTP: the TCP connect), nothing
    the analysis computed.
    """
    mismatches, skipped = [], []
    for probe, outcome in zip(probes, outcomes):
        if probe.kind == "dns":
            continue
        base = {"where": probe.where, "from": probe.from_text, "to": probe.to_text, "port": probe.port, "protocol": probe.protocol}
        verdict = probe.verdict
        if verdict is None:
            skipped.append(dict(base, reason=probe.not_compared or "not compared"))
            continue
        if verdict.allowed == outcome.reached:
            continue
        mismatches.append(
            dict(
                base,
                observed_allowed=outcome.reached,
                analysis_allowed=verdict.allowed,
                error=outcome.error,
                ingress_allowed=verdict.ingress_allowed,
                egress_allowed=verdict.egress_allowed,
                ingress_policies=list(verdict.ingress_policies),
                egress_policies=list(verdict.egress_policies),
                explanation=explain(verdict),
            )
        )
    return mismatches, skipped


def matrix_table(pods: Sequence[str], cells: Sequence[Mapping[str, Any]]) -> list[str]:
    """Rows of text: one per source, one column per destination (numbered as in the legend).

    A cell lists the ports that connected, `-` when every probed port failed, `.` when nothing
    was probed (the pod itself, or no port to probe).
    """
    number = {key: i for i, key in enumerate(pods, start=1)}
    grid: dict[tuple[str, str], list[str]] = {}
    probed: set[tuple[str, str]] = set()
    for cell in cells:
        pair = (cell["from"], cell["to"])
        probed.add(pair)
        if cell["allowed"]:
            grid.setdefault(pair, []).append(f"{cell['port']}/{cell['protocol']}")
    rows = [[f"{number[s]} {s}"] + [
        ",".join(grid[(s, d)]) if (s, d) in grid else ("-" if (s, d) in probed else ".") for d in pods
    ] for s in pods]
    header = ["from \\ to"] + [str(number[d]) for d in pods]
    widths = [max(len(row[c]) for row in rows + [header]) for c in range(len(header))]
    return [
        "  ".join(text.ljust(widths[c]) for c, text in enumerate(row)).rstrip() for row in [header] + rows
    ]


def _partial(run_id: str, run: Optional[Run]) -> dict[str, Any]:
    partial: dict[str, Any] = {"run_id": run_id, "probe_pods": []}
    if run is not None:
        partial["probe_pods"] = [f"{ns}/{name}" for ns, name in run.confirmed_pods]
        if run.cleanup_errors:
            partial["cleanup_errors"] = list(run.cleanup_errors)
    return partial


def run_probes(
    client: ProbeClient,
    params: Mapping[str, Any],
    *,
    check_mode: bool = False,
    run_id: Optional[str] = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    handle_signals: bool = True,
) -> dict[str, Any]:
    """The module's result for these options (see the module documentation for its shape)."""
    options = parse_options(params)
    view, warnings = read_cluster(client, options)
    try:
        plan = plan_probes(view, options)
    except ResolveError as exc:  # pragma: no cover - plan_probes collects them itself
        raise ProbeInputError(str(exc)) from None
    warnings.extend(plan.warnings)
    run_id = run_id or new_run_id()
    placements = place(plan, options, run_id)

    if check_mode:
        return {
            "changed": False,
            "run_id": run_id,
            "probe_pods": [],
            "results": [],
            "dns_results": [],
            "planned_pods": [
                {"namespace": p.namespace, "name": p.pod, "source": p.source.key,
                 "labels": dict(p.manifest["metadata"]["labels"])}
                for p in placements.values() if p.manifest is not None
            ],
            "planned_probes": [
                {
                    "where": probe.where,
                    "from": probe.from_text,
                    "to": probe.to_text if probe.kind != "dns" else probe.name,
                    "port": probe.port if probe.kind != "dns" else None,
                    "protocol": probe.protocol if probe.kind != "dns" else f"DNS {probe.record_type}",
                    "pod": f"{placements[probe.source.index].namespace}/{placements[probe.source.index].pod}",
                    "commands": [command_text(c) for c in planned_commands(probe, options.timeout)],
                }
                for probe in plan.probes
            ],
            "warnings": warnings,
        }

    run = Run(client, options, run_id, placements, clock=clock, sleep=sleep)
    try:
        with SignalGuard(enabled=handle_signals) as guard:
            try:
                run.start_pods()
                run.wait_running()
                outcomes = run.execute(plan.probes)
            finally:
                guard.hold()
                run.cleanup()
    except ProbeRunError as exc:
        exc.partial = _partial(run_id, run)
        raise
    except ProbeInterrupted as exc:
        exc.partial = _partial(run_id, run)
        raise

    results: list[Optional[dict[str, Any]]] = [None] * len(options.queries)
    dns_results: list[Optional[dict[str, Any]]] = [None] * len(options.dns)
    cells = []
    for probe, outcome in zip(plan.probes, outcomes):
        placement = placements[probe.source.index]
        section, number = probe.origin
        if section == "queries":
            results[number] = _connection_result(probe, outcome, placement)
        elif section == "dns":
            dns_results[number] = _dns_result(probe, outcome, placement)
        else:
            cells.append(_connection_result(probe, outcome, placement))
    result: dict[str, Any] = {
        "changed": False,
        "run_id": run_id,
        "results": results,
        "dns_results": dns_results,
        "probe_pods": [f"{ns}/{name}" for ns, name in run.confirmed_pods],
        "warnings": warnings,
    }
    if options.matrix:
        result["matrix"] = {
            "pods": plan.matrix_pods,
            "cells": [
                {k: cell[k] for k in ("from", "to", "port", "protocol", "allowed", "error", "seconds", "status") if k in cell}
                for cell in cells
            ],
            "table": matrix_table(plan.matrix_pods, cells),
        }
    if options.compare_with_policies:
        mismatches, skipped = compute_mismatches(plan.probes, outcomes)
        result["mismatches"] = mismatches
        result["not_compared"] = skipped
    if run.cleanup_errors:
        result["cleanup_errors"] = list(run.cleanup_errors)
    return result
