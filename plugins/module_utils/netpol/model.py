# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetworkPolicy model: built once from the objects, then asked about connections.

Semantics (networking.k8s.io/v1, as the API reference documents them):

- A policy selects pods in its own namespace with `spec.podSelector`; `{}` (or absent: the
  field is not a pointer) selects every pod there.
- `policyTypes` absent: always Ingress, plus Egress when `spec.egress` has at least one rule
  (the API server's defaulting; `egress: []` does not count). Present: exactly what it lists,
  and rules of a type it does not list are ignored.
- A pod selected by at least one Ingress policy is isolated for ingress and receives only
  what some ingress rule of one of those policies admits (rules and policies are a union).
  The same for egress. Pods no policy isolates are open in that direction.
- A connection pod -> pod needs the source's egress side AND the destination's ingress side
  to allow it. When one side is an IP address outside the cluster only the pod's side counts.
- A rule's `from`/`to` absent or empty matches every peer (pods and IPs); `ports` absent or
  empty matches every port and protocol. `ingress: []` (no rules) admits nothing.
- Peer: `podSelector` alone = pods of the policy's namespace; `namespaceSelector` alone = all
  pods of the selected namespaces; both in ONE peer = the pods matching the podSelector inside
  the selected namespaces (AND); separate peers are ORed. `ipBlock` = IP addresses inside
  `cidr` and outside every `except`.
- Port: `protocol` defaults to TCP; `port` absent = every port of that protocol; a named port
  resolves against the destination pod's container ports (name and protocol must match,
  and it never matches an IP destination); `endPort` makes `port..endPort` an inclusive range.

What is deliberately modelled beyond the API text, and what is not, is listed in the module's
DOCUMENTATION notes; the short version: ipBlock matches a live Pod by its addresses, as the
network plugins do (the upstream conformance tests expect it), and never a workload's template
(its pods' addresses are not known); a bare Pod reaching itself is loopback and never policed,
hostNetwork pods are evaluated like other pods but flagged.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import (
    WORKLOAD_TEMPLATE_PATHS,
    ResourceIndex,
    dig,
    kind_of,
    name_of,
    namespace_of,
    pod_views,
    selector_matches,
)

Obj = dict[str, Any]
IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
POLICY_TYPES: tuple[str, ...] = ("Ingress", "Egress")
NETWORK_POLICY_API = "networking.k8s.io/v1"
SELECTOR_OPERATORS: tuple[str, ...] = ("In", "NotIn", "Exists", "DoesNotExist")
# Pods in these phases have no network: a live read would otherwise fill the matrix with
# completed Job pods.
FINISHED_PHASES: tuple[str, ...] = ("Succeeded", "Failed")
# Namespaced kinds the model reads; an offline manifest without metadata.namespace lands in
# "default", as `kubectl apply` with the default context would put it.
NAMESPACED_KINDS: frozenset[str] = frozenset({"Pod", "NetworkPolicy", *WORKLOAD_TEMPLATE_PATHS})
# Policy kinds from other APIs: present in a bundle, they would change real traffic, and this
# model does not evaluate them.
FOREIGN_POLICY_KINDS: frozenset[str] = frozenset(
    {
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "CiliumNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
        "GlobalNetworkPolicy",
    }
)

_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


class NetpolError(ValueError):
    """An object the API server would reject, so no cluster could behave as it describes."""


class QueryError(ValueError):
    """A query that names something the model does not hold, or is malformed."""


# --------------------------------------------------------------------------------------------
# Small parsers shared with the analysis layer
# --------------------------------------------------------------------------------------------


def check_port_number(value: Any, where: str = "port") -> int:
    """An integer 1..65535 (a digit string is accepted: module args arrive as strings)."""
    if isinstance(value, bool):
        raise QueryError(f"{where}: expected a port number, got {value!r}")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise QueryError(f"{where}: expected a port number 1-65535, got {value!r}")
    if not 1 <= value <= 65535:
        raise QueryError(f"{where}: port {value} is outside 1-65535")
    return value


def check_protocol(value: Any, where: str = "protocol") -> str:
    """TCP, UDP or SCTP (case-insensitive in queries; None means TCP)."""
    if value is None or value == "":
        return "TCP"
    protocol = str(value).strip().upper()
    if protocol not in PROTOCOLS:
        raise QueryError(f"{where}: unknown protocol {value!r} (expected one of {', '.join(PROTOCOLS)})")
    return protocol


def parse_ip(text: str) -> Optional[IPAddress]:
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None


def iter_bits(mask: int) -> Iterator[int]:
    """Indices of the set bits of a non-negative int, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# --------------------------------------------------------------------------------------------
# Compiled pieces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodInfo:
    index: int
    key: str
    namespace: str
    name: str
    kind: str  # Pod, Deployment, StatefulSet, DaemonSet, ...
    labels: dict[str, str]
    template: bool  # a workload's pod template standing for its pods
    host_network: bool
    # (port name, protocol) -> container port numbers with that name
    named_ports: dict[tuple[str, str], frozenset[int]]
    # A live Pod's addresses (status.podIPs); none for a workload's template.
    ips: tuple[IPAddress, ...] = ()

    @property
    def loopback_exempt(self) -> bool:
        """A bare Pod reaching itself never crosses its network interface: no policy applies.

        A workload "reaching itself" means one replica reaching another, which is policed.
        """
        return not self.template


@dataclass(frozen=True)
class Endpoint:
    """One side of a connection: a pod (index into the model) or an IP outside the cluster."""

    key: str
    pod: Optional[int] = None
    ip: Optional[IPAddress] = None

    @property
    def is_pod(self) -> bool:
        return self.pod is not None


@dataclass(frozen=True)
class IPBlock:
    cidr: IPNetwork
    excepts: tuple[IPNetwork, ...]

    def contains(self, ip: IPAddress) -> bool:
        if ip.version != self.cidr.version or ip not in self.cidr:
            return False
        return not any(ip in excluded for excluded in self.excepts)


@dataclass(frozen=True)
class PortSpec:
    protocol: str
    port: Optional[int] = None  # None with name None: every port of the protocol
    end_port: Optional[int] = None
    name: Optional[str] = None  # a named port, resolved against the destination pod

    def matches_number(self, port: int) -> bool:
        """For numeric and port-less specs (the protocol is checked by the caller)."""
        if self.port is None:
            return True
        if self.end_port is None:
            return port == self.port
        return self.port <= port <= self.end_port


@dataclass(frozen=True)
class Rule:
    any_peer: bool  # `from`/`to` absent or empty
    pods: int  # bitmask of the pods the peers select (every pod when any_peer)
    ip_blocks: tuple[IPBlock, ...]
    any_port: bool  # `ports` absent or empty
    ports: tuple[PortSpec, ...]

    def admits_peer(self, peer: Endpoint) -> bool:
        if self.any_peer:
            return True
        if peer.pod is not None:
            return bool(self.pods >> peer.pod & 1)
        return any(block.contains(peer.ip) for block in self.ip_blocks)  # type: ignore[arg-type]

    def admits_port(self, port: int, protocol: str, destination: Optional[PodInfo]) -> bool:
        """Whether the rule's ports admit `port/protocol` on `destination` (None: an IP)."""
        if self.any_port:
            return True
        for spec in self.ports:
            if spec.protocol != protocol:
                continue
            if spec.name is not None:
                if destination is not None and port in destination.named_ports.get((spec.name, protocol), ()):
                    return True
            elif spec.matches_number(port):
                return True
        return False


@dataclass(frozen=True)
class Policy:
    key: str
    namespace: str
    name: str
    selected: int  # bitmask of the pods spec.podSelector selects
    ingress: Optional[tuple[Rule, ...]]  # None: the policy does not affect ingress
    egress: Optional[tuple[Rule, ...]]  # None: the policy does not affect egress

    @property
    def policy_types(self) -> list[str]:
        return [t for t, rules in (("Ingress", self.ingress), ("Egress", self.egress)) if rules is not None]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    ingress_allowed: bool
    egress_allowed: bool
    # The policies that decided each side: the admitting ones when the side allows, every
    # isolating one when it denies, none when no policy isolates that side.
    ingress_policies: tuple[str, ...]
    egress_policies: tuple[str, ...]
    loopback: bool = False
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Validation of what the API server would reject
# --------------------------------------------------------------------------------------------


def _check_selector(selector: Any, where: str) -> dict[str, Any]:
    if selector is None:
        return {}
    if not isinstance(selector, Mapping):
        raise NetpolError(f"{where}: expected a label selector mapping, got {type(selector).__name__}")
    unknown = set(selector) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise NetpolError(f"{where}: unknown label selector field(s) {', '.join(sorted(unknown))}")
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise NetpolError(f"{where}.matchLabels: expected a mapping")
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise NetpolError(f"{where}.matchExpressions: expected a list")
    for number, expression in enumerate(expressions):
        spot = f"{where}.matchExpressions[{number}]"
        if not isinstance(expression, Mapping) or not expression.get("key"):
            raise NetpolError(f"{spot}: needs a key")
        operator = expression.get("operator")
        values = expression.get("values") or []
        if operator not in SELECTOR_OPERATORS:
            raise NetpolError(f"{spot}: unknown operator {operator!r} (expected {', '.join(SELECTOR_OPERATORS)})")
        if operator in ("In", "NotIn") and not values:
            raise NetpolError(f"{spot}: operator {operator} needs at least one value")
        if operator in ("Exists", "DoesNotExist") and values:
            raise NetpolError(f"{spot}: operator {operator} takes no values")
    return dict(selector)


def _check_port_value(value: Any, where: str) -> Union[int, str]:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise NetpolError(f"{where}: expected a port number or name, got {value!r}")
    if isinstance(value, int):
        if not 1 <= value <= 65535:
            raise NetpolError(f"{where}: port {value} is outside 1-65535")
        return value
    if value.isdigit():
        raise NetpolError(
            f"{where}: {value!r} is a string, which the API reads as a port name, and a port name "
            f"needs a letter: write the number unquoted"
        )
    if len(value) > 15 or not _PORT_NAME.match(value) or "--" in value or not re.search(r"[a-z]", value):
        raise NetpolError(f"{where}: {value!r} is not a valid port name (IANA_SVC_NAME)")
    return value


def _parse_port_spec(raw: Any, where: str) -> PortSpec:
    if not isinstance(raw, Mapping):
        raise NetpolError(f"{where}: expected a mapping")
    protocol = raw.get("protocol") or "TCP"
    if protocol not in PROTOCOLS:
        raise NetpolError(f"{where}.protocol: {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    port = raw.get("port")
    end_port = raw.get("endPort")
    if port is None:
        if end_port is not None:
            raise NetpolError(f"{where}: endPort needs port")
        return PortSpec(protocol=protocol)
    port = _check_port_value(port, f"{where}.port")
    if isinstance(port, str):
        if end_port is not None:
            raise NetpolError(f"{where}: endPort cannot be used with a named port")
        return PortSpec(protocol=protocol, name=port)
    if end_port is not None:
        end_port = _check_port_value(end_port, f"{where}.endPort")
        if isinstance(end_port, str) or end_port < port:
            raise NetpolError(f"{where}: endPort {end_port!r} must be a number >= port {port}")
    return PortSpec(protocol=protocol, port=port, end_port=end_port)


def _pod_ips(pod: Mapping[str, Any]) -> tuple[IPAddress, ...]:
    """A Pod's addresses from its status (podIPs, or podIP on older servers); unparsable ones are skipped."""
    status = pod.get("status") or {}
    raw = [entry.get("ip") for entry in status.get("podIPs") or [] if isinstance(entry, Mapping)] or [status.get("podIP")]
    found = []
    for text in raw:
        try:
            found.append(ipaddress.ip_address(str(text)))
        except ValueError:
            continue
    return tuple(found)


def _parse_ip_block(raw: Any, where: str) -> IPBlock:
    if not isinstance(raw, Mapping) or not raw.get("cidr"):
        raise NetpolError(f"{where}: ipBlock needs a cidr")
    try:
        cidr = ipaddress.ip_network(str(raw["cidr"]).strip(), strict=False)
    except ValueError as exc:
        raise NetpolError(f"{where}.cidr: {exc}") from None
    excepts = []
    for text in raw.get("except") or []:
        try:
            excluded = ipaddress.ip_network(str(text).strip(), strict=False)
        except ValueError as exc:
            raise NetpolError(f"{where}.except: {exc}") from None
        if excluded.version != cidr.version or not excluded.subnet_of(cidr) or excluded == cidr:  # type: ignore[arg-type]
            raise NetpolError(f"{where}.except: {text} must be a strict subset of cidr {raw['cidr']}")
        excepts.append(excluded)
    return IPBlock(cidr=cidr, excepts=tuple(excepts))


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def _with_default_namespace(obj: Mapping[str, Any]) -> Obj:
    if kind_of(obj) in NAMESPACED_KINDS and not namespace_of(obj):
        obj = dict(obj)
        metadata = dict(obj.get("metadata") or {})
        metadata["namespace"] = "default"
        obj["metadata"] = metadata
    return dict(obj)


def _is_k8s_network_policy(obj: Mapping[str, Any]) -> bool:
    api_version = str(obj.get("apiVersion") or NETWORK_POLICY_API)
    return kind_of(obj) == "NetworkPolicy" and api_version == NETWORK_POLICY_API


def _named_ports(spec: Mapping[str, Any]) -> dict[tuple[str, str], frozenset[int]]:
    found: dict[tuple[str, str], set[int]] = {}
    # Restartable init containers (sidecars) serve ports too.
    for container in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
        for port in (container or {}).get("ports") or []:
            name = (port or {}).get("name")
            number = (port or {}).get("containerPort")
            if not name or isinstance(number, bool) or not isinstance(number, int):
                continue
            protocol = str(port.get("protocol") or "TCP")
            found.setdefault((str(name), protocol), set()).add(number)
    return {key: frozenset(numbers) for key, numbers in found.items()}


class NetpolModel:
    """Pods, namespaces and compiled policies; every selector is evaluated once, here."""

    def __init__(self, objects: Iterable[Mapping[str, Any]], *, skip_finished_pods: bool = True) -> None:
        objects = [_with_default_namespace(o) for o in objects if isinstance(o, Mapping)]
        self.warnings: list[str] = []
        self._index = ResourceIndex(objects)
        self.namespaces: list[str] = self._index.namespaces(exclude=())
        self.namespace_labels: dict[str, dict[str, str]] = {
            ns: self._index.namespace_labels(ns) for ns in self.namespaces
        }
        self._finished: dict[str, str] = {}
        self.pods: list[PodInfo] = self._build_pods(objects, skip_finished_pods)
        self.n = len(self.pods)
        self.all_mask = (1 << self.n) - 1
        self._by_key: dict[str, int] = {p.key: p.index for p in self.pods}
        self._by_kind_key: dict[tuple[str, str, str], int] = {
            (p.namespace, p.kind.lower(), p.name): p.index for p in self.pods
        }
        self._ambiguous: dict[str, list[str]] = {}
        for pod in self.pods:
            plain = f"{pod.namespace}/{pod.name}"
            if plain != pod.key:
                self._ambiguous.setdefault(plain, []).append(pod.key)
        self._aliases: dict[str, int] = self._build_aliases(objects)
        self._ns_pods: dict[str, list[int]] = {ns: [] for ns in self.namespaces}
        for pod in self.pods:
            self._ns_pods.setdefault(pod.namespace, []).append(pod.index)
        self._ns_mask: dict[str, int] = {
            ns: sum(1 << i for i in members) for ns, members in self._ns_pods.items()
        }
        # (port name, protocol) -> {number -> bitmask of pods where the name means that number}
        self._named: dict[tuple[str, str], dict[int, int]] = {}
        for pod in self.pods:
            for name_proto, numbers in pod.named_ports.items():
                per_number = self._named.setdefault(name_proto, {})
                for number in numbers:
                    per_number[number] = per_number.get(number, 0) | (1 << pod.index)
        self._pod_selector_cache: dict[tuple[str, str], int] = {}
        self._ns_selector_cache: dict[str, int] = {}
        self.policies: list[Policy] = self._build_policies(objects)
        self._ingress_of: list[list[int]] = [[] for _pod in self.pods]
        self._egress_of: list[list[int]] = [[] for _pod in self.pods]
        for number, policy in enumerate(self.policies):
            for i in iter_bits(policy.selected):
                if policy.ingress is not None:
                    self._ingress_of[i].append(number)
                if policy.egress is not None:
                    self._egress_of[i].append(number)
        self._rows_cache: dict[tuple[int, str], list[int]] = {}

    # -- construction -----------------------------------------------------------------------

    def _build_pods(self, objects: list[Obj], skip_finished: bool) -> list[PodInfo]:
        views = []
        for view in pod_views(objects):
            phase = dig(view.owner, "status", "phase") if not view.from_template else None
            if skip_finished and phase in FINISHED_PHASES:
                self._finished[view.key] = str(phase)
                continue
            views.append(view)
        counts: dict[str, int] = {}
        for view in views:
            counts[view.key] = counts.get(view.key, 0) + 1
        pods = []
        for view in views:
            kind = kind_of(view.owner) or "Pod"
            key = view.key if counts[view.key] == 1 else f"{view.namespace}/{kind.lower()}/{view.name}"
            pods.append(
                PodInfo(
                    index=len(pods),
                    key=key,
                    namespace=view.namespace,
                    name=view.name,
                    kind=kind,
                    labels={str(k): str(v) for k, v in view.labels.items()},
                    template=view.from_template,
                    host_network=bool(view.spec.get("hostNetwork")),
                    named_ports=_named_ports(view.spec),
                    ips=() if view.from_template else _pod_ips(view.owner),
                )
            )
        seen: set[str] = set()
        for info in pods:
            if info.key in seen:
                raise NetpolError(f"{info.kind} {info.namespace}/{info.name} appears twice in resources")
            seen.add(info.key)
        return pods

    def _build_aliases(self, objects: list[Obj]) -> dict[str, int]:
        """Pods (and ReplicaSets) stood for by a listed workload answer to their own names too."""
        # (namespace, kind, name) -> (namespace, owner kind, owner name); kinds lower-cased
        owners: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        for obj in objects:
            for owner in dig(obj, "metadata", "ownerReferences", default=None) or []:
                if isinstance(owner, Mapping) and owner.get("kind") and owner.get("name"):
                    owners.setdefault(
                        (namespace_of(obj), kind_of(obj).lower(), name_of(obj)),
                        (namespace_of(obj), str(owner["kind"]).lower(), str(owner["name"])),
                    )
        aliases: dict[str, int] = {}
        for start in owners:
            namespace, kind, name = start
            plain = f"{namespace}/{name}"
            if kind not in ("pod", "replicaset", "job") or plain in self._by_key:
                continue
            current = start
            for _step in range(5):  # Pod -> ReplicaSet -> Deployment is the longest chain
                parent = owners.get(current)
                if parent is None:
                    break
                current = parent
                if current in self._by_kind_key:
                    aliases[plain] = self._by_kind_key[current]
                    break
        return aliases

    def _pods_inside(self, block: IPBlock) -> int:
        """The live pods every address of which the block admits (a template has none)."""
        mask = 0
        for pod in self.pods:
            if pod.ips and all(block.contains(ip) for ip in pod.ips):
                mask |= 1 << pod.index
        return mask

    def _select_pods_in(self, namespace: str, selector: Mapping[str, Any]) -> int:
        cache_key = (namespace, _canon(selector))
        mask = self._pod_selector_cache.get(cache_key)
        if mask is None:
            mask = 0
            for i in self._ns_pods.get(namespace, ()):
                if selector_matches(selector, self.pods[i].labels):
                    mask |= 1 << i
            self._pod_selector_cache[cache_key] = mask
        return mask

    def _select_namespaces(self, selector: Mapping[str, Any]) -> list[str]:
        return [ns for ns in self.namespaces if selector_matches(selector, self.namespace_labels[ns])]

    def _peer_pods(self, policy_ns: str, peer: Mapping[str, Any], where: str) -> tuple[int, Optional[IPBlock]]:
        if not isinstance(peer, Mapping):
            raise NetpolError(f"{where}: expected a mapping")
        pod_sel = peer.get("podSelector")
        ns_sel = peer.get("namespaceSelector")
        ip_block = peer.get("ipBlock")
        if ip_block is not None:
            if pod_sel is not None or ns_sel is not None:
                raise NetpolError(f"{where}: ipBlock cannot be combined with podSelector or namespaceSelector")
            return 0, _parse_ip_block(ip_block, f"{where}.ipBlock")
        if pod_sel is None and ns_sel is None:
            raise NetpolError(f"{where}: a peer needs podSelector, namespaceSelector or ipBlock")
        pod_sel = _check_selector(pod_sel, f"{where}.podSelector")
        if ns_sel is None:
            return self._select_pods_in(policy_ns, pod_sel), None
        ns_sel = _check_selector(ns_sel, f"{where}.namespaceSelector")
        ns_key = _canon(ns_sel)
        if not pod_sel:
            mask = self._ns_selector_cache.get(ns_key)
            if mask is None:
                mask = 0
                for ns in self._select_namespaces(ns_sel):
                    mask |= self._ns_mask.get(ns, 0)
                self._ns_selector_cache[ns_key] = mask
            return mask, None
        mask = 0
        for ns in self._select_namespaces(ns_sel):
            mask |= self._select_pods_in(ns, pod_sel)
        return mask, None

    def _rules(self, policy_ns: str, raw_rules: Any, peers_field: str, where: str) -> tuple[Rule, ...]:
        if raw_rules is None:
            return ()
        if not isinstance(raw_rules, list):
            raise NetpolError(f"{where}: expected a list of rules")
        rules = []
        for number, raw in enumerate(raw_rules):
            spot = f"{where}[{number}]"
            raw = raw or {}
            if not isinstance(raw, Mapping):
                raise NetpolError(f"{spot}: expected a mapping")
            peers = raw.get(peers_field) or []
            ports = raw.get("ports") or []
            if not isinstance(peers, list) or not isinstance(ports, list):
                raise NetpolError(f"{spot}: {peers_field} and ports must be lists")
            pods, blocks = 0, []
            for peer_number, peer in enumerate(peers):
                mask, block = self._peer_pods(policy_ns, peer, f"{spot}.{peers_field}[{peer_number}]")
                pods |= mask
                if block is not None:
                    blocks.append(block)
                    pods |= self._pods_inside(block)
            specs = tuple(_parse_port_spec(p, f"{spot}.ports[{n}]") for n, p in enumerate(ports))
            rules.append(
                Rule(
                    any_peer=not peers,
                    pods=self.all_mask if not peers else pods,
                    ip_blocks=tuple(blocks),
                    any_port=not specs,
                    ports=specs,
                )
            )
        return tuple(rules)

    def _compile_policy(self, obj: Obj) -> Policy:
        namespace, name = namespace_of(obj), name_of(obj)
        key = f"{namespace}/{name}"
        spec = obj.get("spec") or {}
        if not isinstance(spec, Mapping):
            raise NetpolError(f"NetworkPolicy {key}: spec must be a mapping")
        pod_selector = _check_selector(spec.get("podSelector"), f"NetworkPolicy {key}: spec.podSelector")
        declared = spec.get("policyTypes")
        if declared:
            if not isinstance(declared, list) or any(t not in POLICY_TYPES for t in declared):
                raise NetpolError(f"NetworkPolicy {key}: spec.policyTypes {declared!r}: only Ingress and Egress")
            types = set(declared)
        else:
            types = {"Ingress"}
            if spec.get("egress"):
                types.add("Egress")
        ingress = egress = None
        if "Ingress" in types:
            ingress = self._rules(namespace, spec.get("ingress"), "from", f"NetworkPolicy {key}: spec.ingress")
        if "Egress" in types:
            egress = self._rules(namespace, spec.get("egress"), "to", f"NetworkPolicy {key}: spec.egress")
        return Policy(
            key=key,
            namespace=namespace,
            name=name,
            selected=self._select_pods_in(namespace, pod_selector),
            ingress=ingress,
            egress=egress,
        )

    def _build_policies(self, objects: list[Obj]) -> list[Policy]:
        raw = []
        for obj in objects:
            kind = kind_of(obj)
            if kind == "NetworkPolicy" and not _is_k8s_network_policy(obj):
                self.warnings.append(
                    f"{obj.get('apiVersion')} NetworkPolicy {namespace_of(obj)}/{name_of(obj)} is not a Kubernetes "
                    f"NetworkPolicy ({NETWORK_POLICY_API}) and is not evaluated"
                )
            elif kind in FOREIGN_POLICY_KINDS:
                self.warnings.append(f"{kind} {namespace_of(obj) or '-'}/{name_of(obj)} is not evaluated")
            elif kind == "NetworkPolicy":
                raw.append(obj)
        raw.sort(key=lambda o: (namespace_of(o), name_of(o)))
        return [self._compile_policy(obj) for obj in raw]

    # -- lookups ----------------------------------------------------------------------------

    @property
    def pod_keys(self) -> list[str]:
        return [p.key for p in self.pods]

    def pod(self, key: str) -> PodInfo:
        found = self.endpoint(key)
        if found.pod is None:
            raise QueryError(f"{key!r} is an IP address, not a pod")
        return self.pods[found.pod]

    def pods_in(self, namespaces: Optional[Iterable[str]] = None) -> list[int]:
        """Pod indices, optionally only those in `namespaces` (each must be known)."""
        if namespaces is None:
            return list(range(self.n))
        wanted = list(namespaces)
        unknown = [ns for ns in wanted if ns not in self.namespace_labels]
        if unknown:
            raise QueryError(
                f"unknown namespace(s) {', '.join(unknown)}; known: {', '.join(self.namespaces) or 'none'}"
            )
        chosen = set(wanted)
        return [p.index for p in self.pods if p.namespace in chosen]

    def endpoint(self, ref: Union[str, Endpoint]) -> Endpoint:
        """`namespace/name`, `namespace/kind/name`, or an IP address outside the cluster."""
        if isinstance(ref, Endpoint):
            return ref
        if not isinstance(ref, str) or not ref.strip():
            raise QueryError(f"expected namespace/name or an IP address, got {ref!r}")
        text = ref.strip()
        ip = parse_ip(text)
        if ip is not None:
            return Endpoint(key=str(ip), ip=ip)
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise QueryError(f"{ref!r}: expected namespace/pod-or-workload-name or an IP address")
        namespace = parts[0]
        if namespace not in self.namespace_labels:
            raise QueryError(
                f"{ref!r}: unknown namespace {namespace!r}; known: {', '.join(self.namespaces) or 'none'}"
            )
        if len(parts) == 3:
            index = self._by_kind_key.get((namespace, parts[1].lower(), parts[2]))
        else:
            index = self._by_key.get(text)
            if index is None and text in self._ambiguous:
                raise QueryError(
                    f"{ref!r} is ambiguous: it names {', '.join(self._ambiguous[text])}; use one of those"
                )
            if index is None:
                index = self._aliases.get(text)
        if index is None:
            if text in self._finished:
                raise QueryError(f"{ref!r}: the pod is {self._finished[text]} and has no network")
            known = [p.key for p in self.pods if p.namespace == namespace]
            raise QueryError(
                f"{ref!r}: no pod or workload of that name in namespace {namespace!r}; "
                f"known there: {', '.join(known) or 'none'}"
            )
        return Endpoint(key=self.pods[index].key, pod=index)

    # -- one connection ---------------------------------------------------------------------

    def _side(
        self,
        policy_ids: list[int],
        direction: str,
        peer: Endpoint,
        port: int,
        protocol: str,
        destination: Optional[PodInfo],
    ) -> tuple[bool, tuple[str, ...], bool]:
        if not policy_ids:
            return True, (), False
        admitting = []
        for number in policy_ids:
            policy = self.policies[number]
            rules = policy.ingress if direction == "ingress" else policy.egress
            if any(r.admits_peer(peer) and r.admits_port(port, protocol, destination) for r in rules or ()):
                admitting.append(policy.key)
        if admitting:
            return True, tuple(admitting), False
        isolating = tuple(self.policies[n].key for n in policy_ids)
        ip_caveat = peer.is_pod and not self.pods[peer.pod].ips and any(  # type: ignore[index]
            r.ip_blocks
            for n in policy_ids
            for r in (self.policies[n].ingress if direction == "ingress" else self.policies[n].egress) or ()
        )
        return False, isolating, ip_caveat

    def evaluate(
        self, source: Union[str, Endpoint], destination: Union[str, Endpoint], port: Any, protocol: Any = "TCP"
    ) -> Verdict:
        src = self.endpoint(source)
        dst = self.endpoint(destination)
        port = check_port_number(port)
        protocol = check_protocol(protocol)
        if not src.is_pod and not dst.is_pod:
            raise QueryError(f"{src.key} -> {dst.key}: at least one side must be a pod or workload")
        notes = []
        for side in (src, dst):
            if side.is_pod and self.pods[side.pod].host_network:  # type: ignore[index]
                notes.append(
                    f"{side.key} uses hostNetwork: NetworkPolicy enforcement for host-network pods is "
                    f"left to the network plugin and most do not apply it"
                )
        if src.is_pod and src.pod == dst.pod and self.pods[src.pod].loopback_exempt:  # type: ignore[index]
            return Verdict(True, True, True, (), (), loopback=True, notes=tuple(notes))
        dst_pod = self.pods[dst.pod] if dst.is_pod else None  # type: ignore[index]
        if src.is_pod:
            egress_ok, egress_pols, egress_caveat = self._side(
                self._egress_of[src.pod], "egress", dst, port, protocol, dst_pod  # type: ignore[index]
            )
        else:
            egress_ok, egress_pols, egress_caveat = True, (), False
        if dst.is_pod:
            ingress_ok, ingress_pols, ingress_caveat = self._side(
                self._ingress_of[dst.pod], "ingress", src, port, protocol, dst_pod  # type: ignore[index]
            )
        else:
            ingress_ok, ingress_pols, ingress_caveat = True, (), False
        if egress_caveat or ingress_caveat:
            notes.append(
                "a deciding policy has ipBlock peers, which this analysis matches against pods only by their live "
                "addresses (a workload's template has none); a network plugin that matches pod IPs may allow this"
            )
        return Verdict(
            allowed=egress_ok and ingress_ok,
            ingress_allowed=ingress_ok,
            egress_allowed=egress_ok,
            ingress_policies=ingress_pols,
            egress_policies=egress_pols,
            notes=tuple(notes),
        )

    # -- every pair on one port -------------------------------------------------------------

    def _dst_port_mask(self, rule: Rule, port: int, protocol: str) -> int:
        """The destination pods on which `rule`'s ports admit port/protocol."""
        if rule.any_port:
            return self.all_mask
        mask = 0
        for spec in rule.ports:
            if spec.protocol != protocol:
                continue
            if spec.name is not None:
                mask |= self._named.get((spec.name, protocol), {}).get(port, 0)
            elif spec.matches_number(port):
                return self.all_mask
        return mask

    def allowed_rows(self, port: int, protocol: str = "TCP") -> list[int]:
        """rows[s] = bitmask of the destination pods that pod s may reach on port/protocol.

        Ingress is computed rule by rule (sources x the rule's selected destinations), egress
        policy by policy, so every selector was already evaluated at construction time.
        """
        port = check_port_number(port)
        protocol = check_protocol(protocol)
        cached = self._rows_cache.get((port, protocol))
        if cached is not None:
            return list(cached)
        full = self.all_mask
        ingress_isolated = 0
        egress_isolated = 0
        open_to_all = 0  # isolated destinations some ingress rule opens to every source
        accepts: list[int] = [0] * self.n  # accepts[s]: isolated destinations admitting s
        reaches: list[int] = [0] * self.n  # reaches[s]: what the egress policies selecting s admit
        for policy in self.policies:
            if policy.ingress is not None:
                ingress_isolated |= policy.selected
                for rule in policy.ingress:
                    destinations = policy.selected & self._dst_port_mask(rule, port, protocol)
                    if not destinations:
                        continue
                    if rule.pods == full:
                        open_to_all |= destinations
                        continue
                    for s in iter_bits(rule.pods):
                        accepts[s] |= destinations
            if policy.egress is not None:
                egress_isolated |= policy.selected
                reach = 0
                for rule in policy.egress:
                    reach |= rule.pods & self._dst_port_mask(rule, port, protocol)
                if reach:
                    for s in iter_bits(policy.selected):
                        reaches[s] |= reach
        ingress_open = (full & ~ingress_isolated) | open_to_all
        rows = []
        for s in range(self.n):
            egress = reaches[s] if egress_isolated >> s & 1 else full
            row = egress & (ingress_open | accepts[s])
            if self.pods[s].loopback_exempt:
                row |= 1 << s
            rows.append(row)
        self._rows_cache[(port, protocol)] = rows
        return list(rows)

    def allowed_pairs(self, port: int, protocol: str = "TCP", pods: Optional[Iterable[int]] = None) -> Iterator[tuple[int, int, bool]]:
        """(source, destination, allowed) for every ordered pair of `pods` (default: all)."""
        chosen = list(range(self.n)) if pods is None else list(pods)
        rows = self.allowed_rows(port, protocol)
        for s in chosen:
            row = rows[s]
            for d in chosen:
                yield s, d, bool(row >> d & 1)


@dataclass
class PortProtocol:
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"


def parse_port_spec(value: Any, where: str = "ports") -> PortProtocol:
    """`80`, `"80"`, `"81/UDP"` or `{port: 81, protocol: UDP}`."""
    if isinstance(value, Mapping):
        return PortProtocol(
            check_port_number(value.get("port"), where), check_protocol(value.get("protocol"), where)
        )
    if isinstance(value, str) and "/" in value:
        number, _slash, protocol = value.partition("/")
        return PortProtocol(check_port_number(number, where), check_protocol(protocol, where))
    return PortProtocol(check_port_number(value, where), "TCP")


__all__ = [
    "Endpoint",
    "NetpolError",
    "NetpolModel",
    "PodInfo",
    "Policy",
    "PortProtocol",
    "QueryError",
    "Verdict",
    "check_port_number",
    "check_protocol",
    "iter_bits",
    "parse_port_spec",
]
