# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetworkPolicies from the platform spec, and the reachability expectations that prove them.

Used by the ``network_policies`` role through the filters in plugins/filter/network_policies.py.

* ``role_spec(apps, namespaces, ...)``: validate the fields of the apps this role reads (every
  problem, by path, naming the role's variables) plus the role's own settings, and normalise.
* ``render_policies(apps, settings)``: the NetworkPolicy manifests, in apply order.
* ``verify_plan(apps, settings, pods=None)``: the ``expect`` list for
  ``linkops.k8s_platform.netpol_reachability``. With ``pods`` (the live Pods, as the API returns
  them) each app is stood for by one of its own running pods, and flows whose endpoints have no pod
  are listed in ``skipped``; without ``pods`` the plan also carries ``resources``: Namespaces and
  stand-in Pods (labels from the spec's selectors) to analyse the rendered policies offline.

Semantics: each side renders exactly what it declares (``from`` is the destination's ingress,
``to`` the source's egress). A flow declared on one side only is expected allowed, so when the
other side is isolated and does not declare it, the verification fails and names it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import (
    check_cidr,
    check_label,
    check_label_value,
    check_qualified_key,
    namespaces_for_apps,
    normalize,
    validate,
)

Obj = dict[str, Any]
NAME_LABEL = "kubernetes.io/metadata.name"
ROLE_LABEL = "linkops.io/managed-by-role"
ROLE_VALUE = "network-policies"
DEFAULT_DENY_NAME = "default-deny-all"
DNS_POLICY_NAME = "allow-dns-egress"
ACME_SOLVER_POLICY_NAME = "allow-acme-http01-solver"
# cert-manager labels its HTTP-01 solver pods so; they answer the ACME server's challenge on 8089.
ACME_SOLVER_SELECTOR = {"acme.cert-manager.io/http01-solver": "true"}
ACME_SOLVER_PORT = 8089
POLICY_SUFFIX = "-netpol"
# Fields of an app this role reads: identity, ports, metrics (scrape port), ingress (exposed apps), network.
ROLE_FIELDS = ("name", "namespace", "description", "labels", "annotations", "selector", "port", "ports", "service",
               "metrics", "ingress", "network")
# Port used to probe a peer that allows every port (a cidr peer without ports).
ANY_PORT_PROBE = 443


@dataclass(frozen=True)
class Settings:
    ingress_controller_namespace: str = "traefik"
    monitoring_namespace: str = "monitoring"
    dns_namespace: str = "kube-system"
    dns_selector: Mapping[str, str] = field(default_factory=lambda: {"k8s-app": "kube-dns"})
    metadata_except: Sequence[str] = ("169.254.169.254/32",)
    default_deny: bool = True
    ingress_to_exposed_apps: bool = True
    monitoring_to_metrics: bool = True
    acme_http01_solvers: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Optional[Mapping[str, Any]]) -> "Settings":
        raw = dict(raw or {})
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

def _rename(message: str, apps_var: str, namespaces_var: str) -> str:
    message = re.sub(r"\bk8s_platform_apps\b", apps_var, message)
    return re.sub(r"\bk8s_platform_namespaces\b", namespaces_var, message)


def settings_errors(settings: Mapping[str, Any], prefix: str = "network_policies_") -> list[str]:
    """Problems of the role's own settings, each ``variable: message``."""
    errors: list[str] = []
    for key in ("ingress_controller_namespace", "monitoring_namespace", "dns_namespace"):
        value = settings.get(key)
        if not isinstance(value, str):
            errors.append(f"{prefix}{key}: must be a namespace name, got {type(value).__name__}")
        elif check_label(value):
            errors.append(f"{prefix}{key}: {check_label(value)}")
    selector = settings.get("dns_selector")
    if not isinstance(selector, Mapping) or not selector:
        errors.append(f"{prefix}dns_selector: must be a non-empty dict of labels (e.g. {{k8s-app: kube-dns}})")
    else:
        for key, value in selector.items():
            if not isinstance(key, str) or check_qualified_key(key):
                errors.append(f"{prefix}dns_selector.{key}: invalid label key")
            elif not isinstance(value, str) or check_label_value(value):
                errors.append(f"{prefix}dns_selector.{key}: {value!r} is not a label value (quote numbers)")
    excepts = settings.get("metadata_except")
    if not isinstance(excepts, (list, tuple)):
        errors.append(f"{prefix}metadata_except: must be a list of CIDRs")
    else:
        for index, item in enumerate(excepts):
            message = check_cidr(item) if isinstance(item, str) else f"{item!r} is not a CIDR string"
            if message:
                errors.append(f"{prefix}metadata_except[{index}]: {message}")
    return errors


def role_spec(apps: Any, namespaces: Any = None, settings: Optional[Mapping[str, Any]] = None,
              apps_var: str = "network_policies_apps", namespaces_var: str = "network_policies_namespaces",
              platform_name: Optional[str] = None, environment: Optional[str] = None) -> dict[str, Any]:
    """``{"errors": [...], "apps": [...]}``: every problem by path, or the normalised apps."""
    defaults = {"ingress_controller_namespace": Settings.ingress_controller_namespace, "monitoring_namespace": Settings.monitoring_namespace,
                "dns_namespace": Settings.dns_namespace, "dns_selector": {"k8s-app": "kube-dns"}, "metadata_except": list(Settings.metadata_except)}
    errors: list[str] = settings_errors({**defaults, **dict(settings or {})})
    if not isinstance(apps, list):
        return {"errors": errors + [f"{apps_var}: must be a list of apps, got {type(apps).__name__}"], "apps": []}
    declared, namespace_errors = namespaces_for_apps(apps, namespaces, namespaces_var)
    errors.extend(namespace_errors)
    sliced = [{k: v for k, v in app.items() if k in ROLE_FIELDS} if isinstance(app, Mapping) else app for app in apps]
    spec: dict[str, Any] = {"k8s_platform_apps": sliced, "k8s_platform_namespaces": declared}
    if platform_name:
        spec["k8s_platform_name"] = platform_name
    if environment:
        spec["k8s_platform_environment"] = environment
    errors += [_rename(message, apps_var, namespaces_var) for message in validate(spec)]
    if errors:
        return {"errors": errors, "apps": []}
    return {"errors": [], "apps": normalize(spec)["k8s_platform_apps"]}


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------

def _has_pods(app: Mapping[str, Any]) -> bool:
    return app["service"]["type"] != "ExternalName"


def _ports(items: Sequence[Mapping[str, Any]]) -> list[Obj]:
    return [{"protocol": p["protocol"], "port": p["port"]} for p in items]


def _ns_selector(namespace: str) -> Obj:
    return {"matchLabels": {NAME_LABEL: namespace}}


def _app_peer(own_namespace: str, peer: Mapping[str, Any]) -> Obj:
    out: Obj = {}
    if peer["namespace"] != own_namespace:
        out["namespaceSelector"] = _ns_selector(peer["namespace"])
    out["podSelector"] = {"matchLabels": dict(peer["selector"])}
    return out


def with_metadata_except(cidr: str, excepts: Sequence[str], metadata: Sequence[str]) -> list[str]:
    """``excepts`` plus each metadata CIDR that is a strict subnet of ``cidr`` and not already excluded."""
    net = ipaddress.ip_network(cidr)
    out = list(excepts)
    current = [ipaddress.ip_network(e) for e in out]
    for item in metadata:
        sub = ipaddress.ip_network(item)
        if sub.version != net.version or sub == net or not sub.subnet_of(net):  # type: ignore[arg-type]
            continue
        if any(sub.version == c.version and sub.subnet_of(c) for c in current):  # type: ignore[arg-type]
            continue
        out.append(str(sub))
        current.append(sub)
    return out


def _ip_block(cidr: str, excepts: Sequence[str]) -> Obj:
    block: Obj = {"cidr": cidr}
    if excepts:
        block["except"] = list(excepts)
    return block


def _rule(peer_key: str, peers: list[Obj], ports: list[Obj]) -> Obj:
    rule: Obj = {peer_key: peers}
    if ports:
        rule["ports"] = ports
    return rule


def _target_port(app: Mapping[str, Any], service_port: int) -> Optional[Obj]:
    for port in app["ports"]:
        if port["port"] == service_port:
            return {"port": port["target_port"], "protocol": port["protocol"]}
    return None


def exposed_ports(apps: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], list[Obj]]:
    """(namespace, app) -> container ports an Ingress of the spec routes to."""
    by_key = {(a["namespace"], a["name"]): a for a in apps}
    out: dict[tuple[str, str], list[Obj]] = {}
    for app in apps:
        ingress = app.get("ingress") or {}
        if not ingress.get("enabled"):
            continue
        for path in ingress.get("paths") or []:
            backend = path["backend"]
            key = (app["namespace"], backend["app"])
            target = by_key.get(key)
            port = _target_port(target, backend["port"]) if target else None
            if port is not None and port not in out.setdefault(key, []):
                out[key].append(port)
    return out


def _dns_rule(settings: Settings) -> Obj:
    return {
        "to": [{"namespaceSelector": _ns_selector(settings.dns_namespace), "podSelector": {"matchLabels": dict(settings.dns_selector)}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


@dataclass
class Flow:
    """One allowed ingress or egress entry of an app, as the verification sees it."""

    kind: str  # app | ingress_controller | monitoring | cidr
    ports: list[Obj]
    app: Optional[str] = None
    namespace: Optional[str] = None
    cidr: Optional[str] = None
    excepts: list[str] = field(default_factory=list)
    derived: bool = False


def ingress_flows(app: Mapping[str, Any], settings: Settings, exposed: Mapping[tuple[str, str], list[Obj]]) -> list[Flow]:
    """What may reach the app: its ``from`` peers plus the derived ingress controller and scrape flows."""
    flows: list[Flow] = []
    net = app["network"]
    governed = net["enabled"] or settings.default_deny
    for peer in net["from"]:
        if peer["kind"] == "app":
            flows.append(Flow("app", list(peer["ports"]), app=peer["app"], namespace=peer["namespace"]))
        elif peer["kind"] == "cidr":
            flows.append(Flow("cidr", list(peer["ports"]), cidr=peer["cidr"], excepts=list(peer["except"])))
        else:
            flows.append(Flow(peer["kind"], list(peer["ports"])))
    if governed and settings.ingress_to_exposed_apps:
        ports = [p for p in exposed.get((app["namespace"], app["name"]), [])
                 if not any(f.kind == "ingress_controller" and p in f.ports for f in flows)]
        if ports:
            flows.append(Flow("ingress_controller", ports, derived=True))
    metrics = app["metrics"]
    if governed and settings.monitoring_to_metrics and metrics["enabled"] and metrics["port"] is not None:
        port = {"port": metrics["port"], "protocol": "TCP"}
        if not any(f.kind == "monitoring" and port in f.ports for f in flows):
            flows.append(Flow("monitoring", [port], derived=True))
    return flows


def egress_flows(app: Mapping[str, Any], settings: Settings) -> list[Flow]:
    flows: list[Flow] = []
    for peer in app["network"]["to"]:
        if peer["kind"] == "app":
            flows.append(Flow("app", list(peer["ports"]), app=peer["app"], namespace=peer["namespace"]))
        else:
            excepts = with_metadata_except(peer["cidr"], peer["except"], settings.metadata_except)
            flows.append(Flow("cidr", list(peer["ports"]), cidr=peer["cidr"], excepts=excepts))
    return flows


def _peer_objects(flow: Flow, own_namespace: str, apps_by_key: Mapping[tuple[str, str], Mapping[str, Any]], settings: Settings) -> list[Obj]:
    if flow.kind == "app":
        target = apps_by_key[(flow.namespace or own_namespace, flow.app or "")]
        return [_app_peer(own_namespace, {"namespace": target["namespace"], "selector": target["selector"]})]
    if flow.kind == "cidr":
        return [{"ipBlock": _ip_block(flow.cidr or "", flow.excepts)}]
    namespace = settings.ingress_controller_namespace if flow.kind == "ingress_controller" else settings.monitoring_namespace
    return [{"namespaceSelector": _ns_selector(namespace)}]


def app_namespaces(apps: Sequence[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for app in apps:
        if _has_pods(app) and app["namespace"] not in out:
            out.append(app["namespace"])
    return out


def render_policies(apps: Sequence[Mapping[str, Any]], settings: Any = None) -> list[Obj]:
    """The NetworkPolicies for the normalised apps, namespace-wide ones first."""
    settings = settings if isinstance(settings, Settings) else Settings.from_mapping(settings)
    labels = {**dict(settings.labels), ROLE_LABEL: ROLE_VALUE}
    apps = [a for a in apps if _has_pods(a)]
    apps_by_key = {(a["namespace"], a["name"]): a for a in apps}
    exposed = exposed_ports(apps)
    out: list[Obj] = []

    def meta(name: str, namespace: str, extra: Optional[Mapping[str, str]] = None) -> Obj:
        return {"name": name, "namespace": namespace, "labels": {**labels, **dict(extra or {})}}

    if settings.default_deny:
        for namespace in app_namespaces(apps):
            out.append({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(DEFAULT_DENY_NAME, namespace),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            })
            out.append({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(DNS_POLICY_NAME, namespace),
                "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [_dns_rule(settings)]},
            })
            if settings.acme_http01_solvers:
                # The solver pods cert-manager starts in the Certificate's namespace: without this the
                # ACME server's HTTP-01 check, relayed by the ingress controller, never reaches them.
                out.append({
                    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(ACME_SOLVER_POLICY_NAME, namespace),
                    "spec": {"podSelector": {"matchLabels": dict(ACME_SOLVER_SELECTOR)}, "policyTypes": ["Ingress"],
                             "ingress": [_rule("from", [{"namespaceSelector": _ns_selector(settings.ingress_controller_namespace)}],
                                               _ports([{"port": ACME_SOLVER_PORT, "protocol": "TCP"}]))]},
                })
    for app in apps:
        namespace = app["namespace"]
        inbound = ingress_flows(app, settings, exposed)
        outbound = egress_flows(app, settings)
        if app["network"]["enabled"]:
            types = ["Ingress", "Egress"]
        elif inbound:  # only derived flows, and default deny is on
            types = ["Ingress"]
        else:
            continue
        ingress_rules: list[Obj] = []
        for flow in inbound:
            rule = _rule("from", _peer_objects(flow, namespace, apps_by_key, settings), _ports(flow.ports))
            if rule not in ingress_rules:
                ingress_rules.append(rule)
        # Empty rule lists are left out (the API server drops them too): with policyTypes set, no rules means deny.
        spec: Obj = {"podSelector": {"matchLabels": dict(app["selector"])}, "policyTypes": types}
        if ingress_rules:
            spec["ingress"] = ingress_rules
        if "Egress" in types:
            egress_rules: list[Obj] = []
            for flow in outbound:
                rule = _rule("to", _peer_objects(flow, namespace, apps_by_key, settings), _ports(flow.ports))
                if rule not in egress_rules:
                    egress_rules.append(rule)
            if not settings.default_deny:  # the namespace-wide DNS policy is not there: keep DNS working
                egress_rules.append(_dns_rule(settings))
            if egress_rules:
                spec["egress"] = egress_rules
        out.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(app["name"] + POLICY_SUFFIX, namespace, {"app.kubernetes.io/name": app["name"]}),
            "spec": spec,
        })
    return out


# --------------------------------------------------------------------------------------
# Verification plan
# --------------------------------------------------------------------------------------

def sample_address(cidr: str, excepts: Sequence[str] = ()) -> Optional[str]:
    """An address inside ``cidr`` and outside every ``excepts`` entry (None when there is none among a few tries)."""
    net = ipaddress.ip_network(cidr)
    excluded = [ipaddress.ip_network(e) for e in excepts]
    size = net.num_addresses
    offsets = [0] if size == 1 else [size // 2 + 1, 1, size - 2, size // 4 + 1, 3 * (size // 4) + 1, 2]
    for offset in offsets:
        if not 0 <= offset < size:
            continue
        address = net.network_address + offset
        if not any(address in e for e in excluded):
            return str(address)
    return None


def inside_address(cidr: str) -> str:
    """An address inside ``cidr`` (its first host)."""
    net = ipaddress.ip_network(cidr)
    return str(net.network_address + (1 if net.num_addresses > 1 else 0))


def _pod_ready(pod: Mapping[str, Any]) -> bool:
    meta = pod.get("metadata") or {}
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not meta.get("deletionTimestamp")


def _matches(labels: Mapping[str, str], selector: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


class _Endpoints:
    """Who stands for each party in the queries: a live pod, or a stand-in pod offline."""

    def __init__(self, apps: Sequence[Mapping[str, Any]], settings: Settings, pods: Optional[Sequence[Mapping[str, Any]]]) -> None:
        self.settings = settings
        self.live = pods is not None
        self.resources: list[Obj] = []
        self._apps: dict[tuple[str, str], Optional[str]] = {}
        self.special: dict[str, Optional[str]] = {}
        if pods is None:
            self._stand_ins(apps)
        else:
            usable = sorted((p for p in pods if _pod_ready(p)), key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))

            def first(namespace: str, selector: Mapping[str, str]) -> Optional[str]:
                for pod in usable:
                    meta = pod["metadata"]
                    if meta["namespace"] == namespace and _matches(meta.get("labels") or {}, selector):
                        return f"{namespace}/{meta['name']}"
                return None

            for app in apps:
                self._apps[(app["namespace"], app["name"])] = first(app["namespace"], app["selector"])
            self.special["ingress_controller"] = first(settings.ingress_controller_namespace, {})
            self.special["monitoring"] = first(settings.monitoring_namespace, {})
            self.special["dns"] = first(settings.dns_namespace, settings.dns_selector)

    def _stand_ins(self, apps: Sequence[Mapping[str, Any]]) -> None:
        s = self.settings
        namespaces: list[str] = []

        def pod(namespace: str, name: str, labels: Mapping[str, str], ports: Sequence[Mapping[str, Any]]) -> str:
            if namespace not in namespaces:
                namespaces.append(namespace)
            container: Obj = {"name": "main", "image": "stand-in"}
            if ports:
                container["ports"] = [{"containerPort": p["port"], "protocol": p["protocol"]} for p in ports]
            self.resources.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                                   "spec": {"containers": [container]}})
            return f"{namespace}/{name}"

        for app in apps:
            ports = [{"port": p["target_port"], "protocol": p["protocol"]} for p in app["ports"]]
            self._apps[(app["namespace"], app["name"])] = pod(app["namespace"], app["name"], app["selector"], ports)
        self.special["ingress_controller"] = pod(s.ingress_controller_namespace, "ingress-controller-stand-in",
                                                 {"app.kubernetes.io/name": "ingress-controller-stand-in"}, [])
        self.special["monitoring"] = pod(s.monitoring_namespace, "monitoring-stand-in", {"app.kubernetes.io/name": "monitoring-stand-in"}, [])
        self.special["dns"] = pod(s.dns_namespace, "dns-stand-in", s.dns_selector,
                                  [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}])
        self.resources[:0] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {NAME_LABEL: ns}}}
                              for ns in namespaces]

    def app(self, app: Mapping[str, Any]) -> Optional[str]:
        return self._apps.get((app["namespace"], app["name"]))


def _port_list(ports: Sequence[Mapping[str, Any]]) -> list[Obj]:
    return [dict(p) for p in ports] or [{"port": ANY_PORT_PROBE, "protocol": "TCP"}]


def verify_plan(apps: Sequence[Mapping[str, Any]], settings: Any = None, pods: Optional[Sequence[Mapping[str, Any]]] = None) -> dict[str, Any]:
    """The expectations proving the rendered policies, for ``netpol_reachability``'s ``expect``.

    Returns ``{"expect", "reasons", "skipped", "resources", "summary"}``: ``reasons[i]`` says which
    declaration ``expect[i]`` comes from; ``resources`` is empty in live mode.
    """
    settings = settings if isinstance(settings, Settings) else Settings.from_mapping(settings)
    apps = [a for a in apps if _has_pods(a)]
    ends = _Endpoints(apps, settings, pods)
    by_key = {(a["namespace"], a["name"]): a for a in apps}
    exposed = exposed_ports(apps)
    expect: list[Obj] = []
    reasons: list[str] = []
    skipped: list[str] = []
    seen: set[tuple[str, str, int, str]] = set()

    def add(src: Optional[str], dst: Optional[str], ports: Sequence[Mapping[str, Any]], allowed: bool, why: str, missing: str) -> None:
        if src is None or dst is None:
            if missing not in skipped:
                skipped.append(missing)
            return
        for port in ports:
            key = (src, dst, port["port"], port["protocol"])
            if key in seen:
                continue
            seen.add(key)
            expect.append({"from": src, "to": dst, "port": port["port"], "protocol": port["protocol"], "allowed": allowed})
            reasons.append(why)

    def label(app: Mapping[str, Any]) -> str:
        return f"{app['namespace']}/{app['name']}"

    def no_pod(*parties: Mapping[str, Any]) -> str:
        lacking = [label(a) for a in parties if ends.app(a) is None]
        return f"no running pod for app {', '.join(lacking)}"

    declared: dict[tuple[tuple[str, str], tuple[str, str]], list[Obj]] = {}
    for app in apps:
        me = ends.app(app)
        key = (app["namespace"], app["name"])
        for flow in ingress_flows(app, settings, exposed):
            if flow.kind == "app":
                other = by_key[(flow.namespace or "", flow.app or "")]
                declared.setdefault(((other["namespace"], other["name"]), key), []).extend(flow.ports)
                add(ends.app(other), me, flow.ports, True, f"{label(app)} network.from {label(other)}", no_pod(other, app))
            elif flow.kind == "cidr":
                cidr = flow.cidr or ""
                source = sample_address(cidr, flow.excepts)
                add(source, me, flow.ports, True, f"{label(app)} network.from cidr {cidr}", no_pod(app))
                for item in flow.excepts:
                    add(inside_address(item), me, flow.ports[:1], False, f"{label(app)} network.from cidr {cidr} except {item}", no_pod(app))
            else:
                who = "ingress controller" if flow.kind == "ingress_controller" else "monitoring"
                what = "derived from an Ingress routing to it" if flow.kind == "ingress_controller" else "metrics port"
                why = f"{label(app)} from the {who} namespace" + (f" ({what})" if flow.derived else "")
                source_ns = settings.ingress_controller_namespace if flow.kind == "ingress_controller" else settings.monitoring_namespace
                missing = f"no pod in the {who} namespace {source_ns}"
                add(ends.special[flow.kind], me, flow.ports, True, why, missing if me else no_pod(app))
        if app["network"]["enabled"] or settings.default_deny:
            dns = ends.special["dns"]
            add(me, dns, [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}], True, f"{label(app)} DNS to kube-dns",
                no_pod(app) if me is None else f"no DNS pod in namespace {settings.dns_namespace} matching {dict(settings.dns_selector)}")
        for flow in egress_flows(app, settings):
            if flow.kind == "app":
                other = by_key[(flow.namespace or "", flow.app or "")]
                declared.setdefault((key, (other["namespace"], other["name"])), []).extend(flow.ports)
                add(me, ends.app(other), flow.ports, True, f"{label(app)} network.to {label(other)}", no_pod(app, other))
            else:
                cidr = flow.cidr or ""
                probe = _port_list(flow.ports)
                add(me, sample_address(cidr, flow.excepts), probe, True, f"{label(app)} network.to cidr {cidr}", no_pod(app))
                for item in flow.excepts:
                    add(me, inside_address(item), probe[:1], False, f"{label(app)} network.to cidr {cidr} except {item}", no_pod(app))
    # Every ordered pair of the platform's apps, on the destination's ports, that no side declared.
    for src in apps:
        for dst in apps:
            if src is dst:
                continue
            isolated = settings.default_deny or src["network"]["enabled"] or dst["network"]["enabled"]
            if not isolated:
                continue
            allowed_ports = declared.get(((src["namespace"], src["name"]), (dst["namespace"], dst["name"])), [])
            ports = [p for p in _dst_ports(dst) if p not in allowed_ports]
            add(ends.app(src), ends.app(dst), ports, False, f"{label(src)} -> {label(dst)} is not declared", no_pod(src, dst))
    allowed = sum(1 for e in expect if e["allowed"])
    return {
        "expect": expect,
        "reasons": reasons,
        "skipped": skipped,
        "resources": ends.resources,
        "summary": f"{len(expect)} expectations ({allowed} allowed, {len(expect) - allowed} denied)"
                   + (f"; not verified: {'; '.join(skipped)}" if skipped else ""),
    }


def _dst_ports(app: Mapping[str, Any]) -> list[Obj]:
    out: list[Obj] = []
    for port in app["ports"]:
        item = {"port": port["target_port"], "protocol": port["protocol"]}
        if item not in out:
            out.append(item)
    return out
