# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LinkOps platform spec: schema, validation and normalisation.

An environment is described once as data (the ``k8s_platform_*`` inventory variables).
This module is the single source of truth for that data's shape:

* ``SCHEMA`` declares every field (type, default, allowed values, the role that uses it).
  ``known_field_paths()`` lists them; docs/platform-spec.md documents exactly that set
  (a unit test compares the two).
* ``validate(spec)`` returns every problem at once, each as ``path: message``. It never
  raises, whatever it is given.
* ``normalize(spec)`` returns the spec with every default filled in and derived names
  computed, so roles render objects without re-deriving anything. It expects a valid spec
  and raises ``PlatformSpecError`` (carrying all messages) otherwise.

Extension points for later areas: add fields to the ``F(...)`` tree below (structural
checks come for free), add a ``_check_<area>`` function for cross-field rules and call it
from ``_semantic``, add a ``_norm_<area>`` function called from ``_normalize_app``, and
document the new fields in docs/platform-spec.md (the drift test fails until you do).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

Spec = dict[str, Any]
Checker = Callable[[Any], Optional[str]]

PART_OF_DEFAULT = "linkops"
MANAGED_BY = "linkops.k8s_platform"
PSA_VERSION_DEFAULT = "v1.35"
PSA_LEVELS = ("privileged", "baseline", "restricted")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "Headless")
PROTOCOLS = ("TCP", "UDP", "SCTP")
NODE_PORT_MIN, NODE_PORT_MAX = 30000, 32767
RISKY_KINDS = ("wildcard", "escalate", "bind", "impersonate", "secrets", "pod_exec")
# Subresources that give a shell, a terminal or a tunnel into the namespace's pods (and so whatever
# their tokens and mounted Secrets can reach): the risk kind "pod_exec".
POD_EXEC_RESOURCES = ("pods/exec", "pods/attach", "pods/portforward", "pods/*")
KNOWN_VERBS = (
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
    "escalate", "bind", "impersonate", "use", "approve", "sign", "*",
)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
# Capabilities the Pod Security "baseline" level allows to be added (restricted: only NET_BIND_SERVICE).
BASELINE_CAPABILITIES = (
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
)

# In-tree volume provisioners removed from (or deprecated in) Kubernetes by CSI migration,
# with the CSI driver that replaces each one. None: no in-tree replacement is named.
IN_TREE_PROVISIONERS: dict[str, Optional[str]] = {
    "kubernetes.io/aws-ebs": "ebs.csi.aws.com",
    "kubernetes.io/gce-pd": "pd.csi.storage.gke.io",
    "kubernetes.io/azure-disk": "disk.csi.azure.com",
    "kubernetes.io/azure-file": "file.csi.azure.com",
    "kubernetes.io/cinder": "cinder.csi.openstack.org",
    "kubernetes.io/vsphere-volume": "csi.vsphere.vmware.com",
    "kubernetes.io/portworx-volume": "pxd.portworx.com",
    "kubernetes.io/rbd": "rbd.csi.ceph.com",
    "kubernetes.io/cephfs": "cephfs.csi.ceph.com",
    "kubernetes.io/glusterfs": None,
    "kubernetes.io/storageos": None,
    "kubernetes.io/quobyte": None,
    "kubernetes.io/scaleio": None,
    "kubernetes.io/flocker": None,
}

# Variables the preflight may see that belong to the collection but are not spec data:
# the preflight's own results and the cluster connection / apply settings of the inventory host.
# Other areas that add non-spec k8s_platform_* variables list them here.
RESERVED_VARIABLES = frozenset({
    "k8s_platform_spec", "k8s_platform_spec_errors",
    "k8s_platform_kubeconfig", "k8s_platform_context", "k8s_platform_host", "k8s_platform_api_key",
    "k8s_platform_validate_certs", "k8s_platform_ca_cert", "k8s_platform_client_cert", "k8s_platform_client_key",
    "k8s_platform_field_manager", "k8s_platform_force_conflicts",
})


class PlatformSpecError(ValueError):
    """Raised by normalize() on an invalid spec; ``errors`` holds every message."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid platform spec:\n" + "\n".join(errors))
        self.errors = errors


# --------------------------------------------------------------------------------------
# Format checkers: each returns None when the value is fine, else the message (rule stated).
# --------------------------------------------------------------------------------------

_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_IANA_SVC_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUANTITY_RE = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_PSA_VERSION_RE = re.compile(r"^(latest|v1\.\d{1,3})$")
_ORIGIN_RE = re.compile(r"^https?://(\*\.)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\d{1,5})?$")
_CAPABILITY_RE = re.compile(r"^[A-Z][A-Z_]*$")
_HEADER_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

LABEL_RULE = "must be a DNS-1123 label: at most 63 characters, lowercase letters, digits and '-', starting and ending with a letter or digit"
DNS1035_RULE = (
    "must be a DNS-1035 label (it names a Service): at most 63 characters, lowercase letters, digits and '-', "
    "starting with a letter and ending with a letter or digit"
)
SUBDOMAIN_RULE = (
    "must be a DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels "
    "(lowercase letters, digits and '-', each starting and ending with a letter or digit)"
)


def _is_label(value: str) -> bool:
    return len(value) <= 63 and bool(_LABEL_RE.match(value))


def _is_subdomain(value: str) -> bool:
    return 0 < len(value) <= 253 and all(_is_label(part) for part in value.split("."))


def check_label(value: Any) -> Optional[str]:
    return None if _is_label(value) else f"{value!r} {LABEL_RULE}"


def check_dns1035(value: Any) -> Optional[str]:
    return None if len(value) <= 63 and _DNS1035_RE.match(value) else f"{value!r} {DNS1035_RULE}"


def check_subdomain(value: Any) -> Optional[str]:
    return None if _is_subdomain(value) else f"{value!r} {SUBDOMAIN_RULE}"


def check_dns_name(value: Any) -> Optional[str]:
    """A DNS name that is not an IP address (ExternalName targets)."""
    try:
        ipaddress.ip_address(value)
        return f"{value!r} is an IP address; external_name must be a DNS name (use a Service without selector and an EndpointSlice for IPs)"
    except ValueError:
        pass
    return check_subdomain(value.rstrip(".") if value.endswith(".") and len(value) > 1 else value)


def check_host(value: Any) -> Optional[str]:
    """An Ingress host: a DNS subdomain, optionally with a leading '*.' wildcard; not an IP."""
    try:
        ipaddress.ip_address(value)
        return f"{value!r} is an IP address; Ingress hosts must be DNS names"
    except ValueError:
        pass
    name = value[2:] if value.startswith("*.") else value
    if _is_subdomain(name):
        return None
    return f"{value!r} must be a DNS name (an optional leading '*.' wildcard, then {SUBDOMAIN_RULE[8:]})"


def check_qualified_key(value: Any) -> Optional[str]:
    """A label or annotation key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters."""
    prefix, _sep, name = value.rpartition("/")
    if "/" in value and (not prefix or not _is_subdomain(prefix)):
        return f"{value!r}: the prefix before '/' {SUBDOMAIN_RULE[5:]}"
    if len(name) > 63 or not _QUALIFIED_NAME_RE.match(name):
        return (
            f"{value!r}: the name part must be at most 63 characters of letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit"
        )
    return None


def check_label_value(value: Any) -> Optional[str]:
    if value == "" or (len(value) <= 63 and _QUALIFIED_NAME_RE.match(value)):
        return None
    return f"{value!r} is not a valid label value: at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"


def check_port_name(value: Any) -> Optional[str]:
    if len(value) <= 15 and _IANA_SVC_RE.match(value) and "--" not in value and re.search(r"[a-z]", value):
        return None
    return (
        f"{value!r} is not a valid port name: at most 15 characters, lowercase letters, digits and '-', "
        "at least one letter, no leading, trailing or doubled '-'"
    )


def check_quantity(value: Any) -> Optional[str]:
    if parse_quantity(value) is None:
        return f"{value!r} is not a Kubernetes quantity (e.g. 10Gi, 500Mi, 1.5, 250m)"
    return None


def check_positive_quantity(value: Any) -> Optional[str]:
    parsed = parse_quantity(value)
    if parsed is None:
        return f"{value!r} is not a Kubernetes quantity (e.g. 10Gi, 500Mi, 1.5, 250m)"
    if parsed <= 0:
        return f"{value!r} must be greater than zero"
    return None


def check_cidr(value: Any) -> Optional[str]:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return f"{value!r} is not a valid CIDR ({exc})"
    if "/" not in value:
        return f"{value!r} is not a valid CIDR (no prefix length, e.g. 10.0.0.0/8)"
    return None


def check_abs_path(value: Any) -> Optional[str]:
    return None if value.startswith("/") else f"{value!r} must be an absolute path starting with '/'"


def check_http_path(value: Any) -> Optional[str]:
    if not value.startswith("/"):
        return f"{value!r} must start with '/'"
    if any(ch.isspace() for ch in value):
        return f"{value!r} must not contain whitespace"
    return None


def check_psa_version(value: Any) -> Optional[str]:
    return None if _PSA_VERSION_RE.match(value) else f"{value!r} is not a Pod Security version: use 'latest' or 'v1.<minor>' (e.g. {PSA_VERSION_DEFAULT})"


def check_app_protocol(value: Any) -> Optional[str]:
    return check_qualified_key(value)


def check_origin(value: Any) -> Optional[str]:
    if value == "*" or _ORIGIN_RE.match(value):
        return None
    return f"{value!r} is not a CORS origin: use '*' or scheme://host[:port] (http or https)"


def check_header(value: Any) -> Optional[str]:
    return None if value == "*" or _HEADER_RE.match(value) else f"{value!r} is not an HTTP header name"


def check_capability(value: Any) -> Optional[str]:
    return None if _CAPABILITY_RE.match(value) else f"{value!r} is not a Linux capability name (e.g. NET_BIND_SERVICE, without CAP_)"


def check_non_empty(value: Any) -> Optional[str]:
    return None if value.strip() else "must not be empty"


_QUANTITY_SUFFIX = {
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
}


def parse_quantity(value: Any) -> Optional[Decimal]:
    """A Kubernetes quantity string (or int) as a Decimal; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _QUANTITY_RE.match(value)
    if not match:
        return None
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    try:
        base = Decimal(number)
        if suffix[:1] in ("e", "E"):
            exponent = int(suffix[1:])
            if abs(exponent) > 30:
                return None
            result = base * (Decimal(10) ** exponent)
        else:
            result = base * _QUANTITY_SUFFIX[suffix]
    except (InvalidOperation, ValueError, KeyError):
        return None
    return -result if sign == "-" else result


def resources_errors(name: str, value: Any) -> list[str]:
    """Problems of a container resources block ({requests, limits} of quantities), each naming `name`.

    For role variables passed to charts (ingress_controller_resources, cert_manager_*_resources):
    Helm would otherwise fail at install, after earlier steps changed the cluster.
    """
    if value is None or value == {}:
        return []
    if not isinstance(value, Mapping):
        return [f"{name}: must be a dict with requests and/or limits"]
    errors = [f"{name}.{key}: unknown key (requests, limits)" for key in value if key not in ("requests", "limits")]
    amounts: dict[tuple[str, str], Decimal] = {}
    for part in ("requests", "limits"):
        block = value.get(part)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            errors.append(f"{name}.{part}: must be a dict of resource name: quantity")
            continue
        for resource, quantity in block.items():
            amount = parse_quantity(quantity)
            if amount is None or amount < 0:
                errors.append(f"{name}.{part}.{resource}: {quantity!r} is not a Kubernetes quantity (e.g. 100m, 128Mi)")
            else:
                amounts[(part, str(resource))] = amount
    for (part, resource), amount in amounts.items():
        limit = amounts.get(("limits", resource))
        if part == "requests" and limit is not None and amount > limit:
            errors.append(f"{name}.requests.{resource}: {value['requests'][resource]} is more than the limit {value['limits'][resource]}")
    return errors


# --------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class F:
    """One field. ``types`` from: string, integer, boolean, list, dict, map (string -> string)."""

    types: tuple[str, ...]
    doc: str = ""
    required: bool = False
    default: str = ""  # how the default reads in the docs ("" = no default / not set)
    choices: tuple[Any, ...] = ()
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    check: Optional[Checker] = None
    fields: Optional[Mapping[str, "F"]] = None  # for dict
    elements: Optional["F"] = None  # for list
    min_items: int = 0
    roles: tuple[str, ...] = ()
    key_check: Optional[Checker] = None  # for map keys
    value_check: Optional[Checker] = None  # for map values


def _port(doc: str, required: bool = False, default: str = "", roles: tuple[str, ...] = ("services",)) -> F:
    return F(("integer",), doc, required=required, default=default, minimum=1, maximum=65535, roles=roles)


def _labels(doc: str, roles: tuple[str, ...]) -> F:
    return F(("map",), doc, default="{}", key_check=check_qualified_key, value_check=check_label_value, roles=roles)


def _annotations(doc: str, roles: tuple[str, ...]) -> F:
    return F(("map",), doc, default="{}", key_check=check_qualified_key, roles=roles)


def _str_list(doc: str, *, check: Optional[Checker] = None, choices: tuple[Any, ...] = (), default: str = "[]",
              required: bool = False, min_items: int = 0, roles: tuple[str, ...] = ()) -> F:
    return F(("list",), doc, required=required, default=default, min_items=min_items, roles=roles,
             elements=F(("string",), check=check, choices=choices))


_NODE_PORT = F(("integer",), "Fixed node port (NodePort and LoadBalancer only); unset lets Kubernetes pick one.",
               minimum=NODE_PORT_MIN, maximum=NODE_PORT_MAX, roles=("services",))
_SOURCE_RANGES = _str_list("Client CIDRs allowed to reach the load balancer (LoadBalancer only).", check=check_cidr, roles=("services",))
_ETP = F(("string",), "externalTrafficPolicy (NodePort and LoadBalancer only).", default="Cluster", choices=("Cluster", "Local"), roles=("services",))

_PORT_ENTRY = F(("dict",), fields={
    "name": F(("string",), "Port name (IANA service name).", default="`http` for the first port, else `port-<port>`",
              check=check_port_name, roles=("services",)),
    "port": _port("Service port.", required=True),
    "target_port": _port("Container port the Service forwards to.", default="`port`"),
    "protocol": F(("string",), "Protocol.", default="TCP", choices=PROTOCOLS, roles=("services",)),
    "app_protocol": F(("string",), "appProtocol (IANA name such as `http`, or a prefixed name such as `kubernetes.io/h2c`).",
                      check=check_app_protocol, roles=("services",)),
    "node_port": _NODE_PORT,
})

_EXTERNAL_LB = F(("dict",), "An extra LoadBalancer Service beside the app's own Service (the checklist's `mlops-platform-lb`).", roles=("services",), fields={
    "enabled": F(("boolean",), "Create the extra Service.", default="true", roles=("services",)),
    "name": F(("string",), "Service name.", default="`<app>-lb`", check=check_dns1035, roles=("services",)),
    "port": _port("Port the load balancer listens on.", default="the app's first port"),
    "target_port": _port("Container port traffic goes to; must be one of the app's target ports.", default="the app's first target port"),
    "node_port": _NODE_PORT,
    "annotations": _annotations("Service annotations (cloud load balancer settings).", ("services",)),
    "source_ranges": _SOURCE_RANGES,
    "external_traffic_policy": _ETP,
})

_SERVICE = F(("dict",), "How the app is exposed.", default="`{type: ClusterIP}`", roles=("services",), fields={
    "type": F(("string",), "Service type; Headless is a ClusterIP Service with `clusterIP: None`.", default="ClusterIP",
              choices=SERVICE_TYPES, roles=("services",)),
    "name": F(("string",), "Service name.", default="`<app>`", check=check_dns1035, roles=("services",)),
    "labels": _labels("Extra Service labels.", ("services",)),
    "annotations": _annotations("Extra Service annotations.", ("services",)),
    "node_port": _NODE_PORT,
    "source_ranges": _SOURCE_RANGES,
    "external_traffic_policy": _ETP,
    "external_name": F(("string",), "DNS name the ExternalName Service points at (ExternalName only, required there).",
                       check=check_dns_name, roles=("services",)),
    "session_affinity": F(("string",), "Session affinity.", default="None", choices=("None", "ClientIP"), roles=("services",)),
    "session_affinity_timeout": F(("integer",), "ClientIP affinity timeout in seconds (ClientIP only).", default="10800",
                                  minimum=1, maximum=86400, roles=("services",)),
    "publish_not_ready_addresses": F(("boolean",), "Publish endpoints of unready pods (useful for Headless/StatefulSet peers).",
                                     default="false", roles=("services",)),
    "external_lb": _EXTERNAL_LB,
})

_METRICS = F(("dict",), "Prometheus scraping: sets `prometheus.io/scrape|port|path` on the Service and pod template.",
             roles=("services", "monitoring"), fields={
    "port": _port("Container port serving metrics; added to the Service as port `metrics` if it is not already one of the app's ports.",
                  default="the app's first target port", roles=("monitoring",)),
    "path": F(("string",), "Metrics path.", default="/metrics", check=check_http_path, roles=("monitoring",)),
    "scrape": F(("boolean",), "Value of `prometheus.io/scrape`.", default="true", roles=("monitoring",)),
})

_PROBE = F(("dict",), roles=("workloads",), fields={
    "type": F(("string",), "Probe kind.", default="http", choices=("http", "tcp", "exec"), roles=("workloads",)),
    "path": F(("string",), "HTTP path (http only).", default="/", check=check_http_path, roles=("workloads",)),
    "port": _port("Container port (http and tcp); must be one of the app's target ports.", default="the app's first target port", roles=("workloads",)),
    "command": _str_list("Command (exec only, required there).", roles=("workloads",)),
    "initial_delay_seconds": F(("integer",), "", default="0", minimum=0, maximum=3600, roles=("workloads",)),
    "period_seconds": F(("integer",), "", default="10", minimum=1, maximum=3600, roles=("workloads",)),
    "timeout_seconds": F(("integer",), "", default="1", minimum=1, maximum=3600, roles=("workloads",)),
    "failure_threshold": F(("integer",), "", default="3", minimum=1, maximum=100, roles=("workloads",)),
})

_RESOURCE_SET = F(("dict",), roles=("workloads",), fields={
    "cpu": F(("string", "integer"), "CPU quantity (e.g. 250m).", check=check_positive_quantity, roles=("workloads",)),
    "memory": F(("string", "integer"), "Memory quantity (e.g. 256Mi).", check=check_positive_quantity, roles=("workloads",)),
})

_SECURITY_CONTEXT = F(("dict",), "Overrides of the restricted-compliant defaults; checked against the namespace's enforced Pod Security level.",
                      roles=("workloads",), fields={
    "run_as_non_root": F(("boolean",), "", default="true", roles=("workloads",)),
    "run_as_user": F(("integer",), "", minimum=0, maximum=2147483647, roles=("workloads",)),
    "run_as_group": F(("integer",), "", minimum=0, maximum=2147483647, roles=("workloads",)),
    "fs_group": F(("integer",), "", minimum=0, maximum=2147483647, roles=("workloads",)),
    "allow_privilege_escalation": F(("boolean",), "", default="false", roles=("workloads",)),
    "privileged": F(("boolean",), "", default="false", roles=("workloads",)),
    "read_only_root_filesystem": F(("boolean",), "", default="true", roles=("workloads",)),
    "capabilities_add": _str_list("Capabilities to add (ALL is always dropped first).", check=check_capability, roles=("workloads",)),
    "seccomp_profile": F(("string",), "", default="RuntimeDefault", choices=("RuntimeDefault", "Unconfined", "Localhost"), roles=("workloads",)),
})

_WORKLOAD = F(("dict",), "Opt-in: let the collection manage the app's Deployment/StatefulSet. Without it the app's pods come from elsewhere.",
              roles=("workloads",), fields={
    "enabled": F(("boolean",), "Manage the workload.", default="true", roles=("workloads",)),
    "kind": F(("string",), "", default="Deployment", choices=("Deployment", "StatefulSet"), roles=("workloads",)),
    "image": F(("string",), "Container image.", required=True, check=check_non_empty, roles=("workloads",)),
    "image_pull_policy": F(("string",), "", default="IfNotPresent", choices=("Always", "IfNotPresent", "Never"), roles=("workloads",)),
    "replicas": F(("integer",), "", default="1", minimum=0, maximum=1000, roles=("workloads",)),
    "command": _str_list("Container command.", roles=("workloads",)),
    "args": _str_list("Container args.", roles=("workloads",)),
    "env": F(("map",), "Environment variables (string values).", default="{}", roles=("workloads",)),
    "probes": F(("dict",), "Health checks.", default="none", roles=("workloads",), fields={
        "liveness": _PROBE, "readiness": _PROBE, "startup": _PROBE,
    }),
    "resources": F(("dict",), "Requests and limits; when the whole block is absent the defaults apply.",
                   default="requests 100m/128Mi, limits 500m/512Mi", roles=("workloads",), fields={
        "requests": _RESOURCE_SET, "limits": _RESOURCE_SET,
    }),
    "security_context": _SECURITY_CONTEXT,
})

_RULE_FIELDS: dict[str, F] = {
    "api_groups": _str_list("API groups (`\"\"` is the core group).", default='`[""]`', roles=("rbac",)),
    "resources": _str_list("Resources (`pods`, `deployments`, `pods/log`...).", roles=("rbac",)),
    "verbs": _str_list("Verbs.", required=True, min_items=1, choices=KNOWN_VERBS, roles=("rbac",)),
    "resource_names": _str_list("Restrict to these object names.", roles=("rbac",)),
}
_RULE = F(("dict",), roles=("rbac",), fields=_RULE_FIELDS)
_CLUSTER_RULE = F(("dict",), roles=("rbac",), fields={
    **_RULE_FIELDS,
    "non_resource_urls": _str_list("Non-resource URLs such as `/healthz` (cluster rules only).", check=check_http_path, roles=("rbac",)),
})

_RBAC = F(("dict",), "ServiceAccount, Role and ClusterRole for the app. Every app with pods gets a ServiceAccount.", default="`{}`", roles=("rbac",), fields={
    "service_account": F(("string",), "ServiceAccount name.", default="`<app>-sa`", check=check_subdomain, roles=("rbac",)),
    "automount_token": F(("boolean",), "automountServiceAccountToken.", default="false", roles=("rbac",)),
    "rules": F(("list",), "Namespaced Role rules (Role `<app>-role`, RoleBinding `<app>-rolebinding`).", default="[]", elements=_RULE, roles=("rbac",)),
    "cluster_rules": F(("list",), "ClusterRole rules (`<namespace>-<app>-cluster-role`).", default="[]", elements=_CLUSTER_RULE, roles=("rbac",)),
    "allow_risky": _str_list("Risky permissions this app may hold; anything risky not listed is refused.",
                             choices=RISKY_KINDS, roles=("rbac",)),
})

_BACKEND = F(("dict",), "Where the path goes.", default="this app, its first port", roles=("ingress",), fields={
    "app": F(("string",), "An app in the same namespace.", default="this app", check=check_dns1035, roles=("ingress",)),
    "port": F(("integer", "string"), "Service port number or port name of that app.", default="its first port",
              minimum=1, maximum=65535, check=check_port_name, roles=("ingress",)),
})
_INGRESS_PATH = F(("string", "dict"), roles=("ingress",), check=check_http_path, fields={
    "path": F(("string",), "", required=True, check=check_http_path, roles=("ingress",)),
    "path_type": F(("string",), "", default="Prefix", choices=("Prefix", "Exact", "ImplementationSpecific"), roles=("ingress",)),
    "backend": _BACKEND,
})

_INGRESS = F(("dict",), "Ingress for the app (host/path routing, TLS, rate limit, CORS).", roles=("ingress",), fields={
    "enabled": F(("boolean",), "", default="true", roles=("ingress",)),
    "name": F(("string",), "Ingress name.", default="`<app>-ingress`", check=check_subdomain, roles=("ingress",)),
    "class_name": F(("string",), "IngressClass.", default="nginx", check=check_subdomain, roles=("ingress",)),
    "host": F(("string",), "Shorthand for a single host.", check=check_host, roles=("ingress",)),
    "hosts": _str_list("Hosts (at least one of host/hosts).", check=check_host, roles=("ingress",)),
    "paths": F(("list",), "Paths: a string (`/api`) or a dict.", default="`[/]`", min_items=1, elements=_INGRESS_PATH, roles=("ingress",)),
    "tls": F(("boolean", "dict"), "`true` for TLS with defaults, or a dict.", default="false", roles=("ingress", "cert_manager"), fields={
        "enabled": F(("boolean",), "", default="true", roles=("ingress",)),
        "secret_name": F(("string",), "TLS Secret.", default="`<ingress name>-tls`", check=check_subdomain, roles=("ingress",)),
        "issuer": F(("string",), "cert-manager issuer that fills the Secret; unset means the Secret is provided.", check=check_subdomain,
                    roles=("cert_manager",)),
        "issuer_kind": F(("string",), "", default="ClusterIssuer", choices=("ClusterIssuer", "Issuer"), roles=("cert_manager",)),
    }),
    "https_redirect": F(("boolean",), "Redirect HTTP to HTTPS (needs TLS).", default="true when TLS is on", roles=("ingress",)),
    "rate_limit_rps": F(("integer",), "Requests per second per client.", minimum=1, maximum=1000000, roles=("ingress",)),
    "cors": F(("dict",), "CORS headers.", roles=("ingress",), fields={
        "allow_origins": _str_list("Origins (`*` or scheme://host[:port]).", required=True, min_items=1, check=check_origin, roles=("ingress",)),
        "allow_methods": _str_list("", choices=HTTP_METHODS, default="GET, PUT, POST, DELETE, PATCH, OPTIONS", roles=("ingress",)),
        "allow_headers": _str_list("", check=check_header,
                                   default="DNT, User-Agent, X-Requested-With, If-Modified-Since, Cache-Control, Content-Type, Range, Authorization",
                                   roles=("ingress",)),
        "allow_credentials": F(("boolean",), "Not allowed with origin `*`.", default="false", roles=("ingress",)),
        "max_age": F(("integer",), "Preflight cache seconds.", default="86400", minimum=0, maximum=31536000, roles=("ingress",)),
    }),
    "annotations": _annotations("Extra Ingress annotations.", ("ingress",)),
})

_PEER_PORT = F(("integer", "dict"), roles=("network_policies",), minimum=1, maximum=65535, fields={
    "port": _port("", required=True, roles=("network_policies",)),
    "protocol": F(("string",), "", default="TCP", choices=PROTOCOLS, roles=("network_policies",)),
})
_PEER_PORTS = F(("list",), "Ports (numbers or `{port, protocol}`).", default="all of the app's target ports", elements=_PEER_PORT, roles=("network_policies",))
_CIDR = F(("string",), "IP block.", check=check_cidr, roles=("network_policies",))
_EXCEPT = _str_list("CIDRs inside `cidr` to exclude.", check=check_cidr, roles=("network_policies",))
_FROM_PEER = F(("dict",), roles=("network_policies",), fields={
    "app": F(("string",), "An app of the spec.", check=check_dns1035, roles=("network_policies",)),
    "namespace": F(("string",), "Namespace of `app`.", default="this app's namespace", check=check_label, roles=("network_policies",)),
    "ingress_controller": F(("boolean",), "The ingress controller's pods (must be true).", roles=("network_policies",)),
    "monitoring": F(("boolean",), "The monitoring stack's pods (must be true).", roles=("network_policies",)),
    "cidr": _CIDR,
    "except": _EXCEPT,
    "ports": _PEER_PORTS,
})
_TO_PEER = F(("dict",), roles=("network_policies",), fields={
    "app": F(("string",), "An app of the spec.", check=check_dns1035, roles=("network_policies",)),
    "namespace": F(("string",), "Namespace of `app`.", default="this app's namespace", check=check_label, roles=("network_policies",)),
    "port": _port("One of the target app's target ports.", default="all of its target ports", roles=("network_policies",)),
    "protocol": F(("string",), "", default="TCP", choices=PROTOCOLS, roles=("network_policies",)),
    "cidr": _CIDR,
    "except": _EXCEPT,
    "ports": F(("list",), "Ports for a cidr peer (numbers or `{port, protocol}`).", default="all ports", elements=_PEER_PORT, roles=("network_policies",)),
})
_NETWORK = F(("dict",), "Allowed traffic; the app's pods are default-deny once present.", roles=("network_policies",), fields={
    "from": F(("list",), "Ingress peers: one of `app` (+`namespace`), `ingress_controller: true`, `monitoring: true`, `cidr` (+`except`).",
              default="[]", elements=_FROM_PEER, roles=("network_policies",)),
    "to": F(("list",), "Egress peers: `app` (+`namespace`, `port`, `protocol`) or `cidr` (+`except`, `ports`).",
            default="[]", elements=_TO_PEER, roles=("network_policies",)),
})

_STORAGE_ENTRY = F(("dict",), roles=("storage",), fields={
    "name": F(("string",), "Volume name within the app.", required=True, check=check_label, roles=("storage",)),
    "claim_name": F(("string",), "PersistentVolumeClaim name.", default="`<app>-<name>`", check=check_subdomain, roles=("storage",)),
    "size": F(("string",), "Requested size (Kubernetes quantity).", required=True, check=check_positive_quantity, roles=("storage",)),
    "class": F(("string",), "StorageClass; must be in k8s_platform_storage_classes when that list is not empty.",
               default="the cluster default", check=check_subdomain, roles=("storage",)),
    "access_modes": _str_list("", choices=ACCESS_MODES, default="[ReadWriteOnce]", min_items=1, roles=("storage",)),
    "mount_path": F(("string",), "Where the workload mounts it.", check=check_abs_path, roles=("storage", "workloads")),
    "backup": F(("boolean",), "Label the claim for the storage role's scheduled snapshots (or Velero backups).",
                default="false", roles=("storage",)),
})

_POD_SECURITY = F(("string", "dict"), "A level for all three modes, or a dict.", default="restricted for all three modes",
                  choices=PSA_LEVELS, roles=("namespaces",), fields={
    "enforce": F(("string",), "", default="restricted", choices=PSA_LEVELS, roles=("namespaces",)),
    "audit": F(("string",), "", default="restricted", choices=PSA_LEVELS, roles=("namespaces",)),
    "warn": F(("string",), "", default="restricted", choices=PSA_LEVELS, roles=("namespaces",)),
    "version": F(("string",), "Policy version pinned for all three modes.", default=PSA_VERSION_DEFAULT, check=check_psa_version, roles=("namespaces",)),
})

NAMESPACE = F(("dict",), fields={
    "name": F(("string",), "Namespace name.", required=True, check=check_label, roles=("namespaces",)),
    "labels": _labels("Extra labels (pod-security.kubernetes.io/* is set from pod_security).", ("namespaces",)),
    "annotations": _annotations("Extra annotations.", ("namespaces",)),
    "pod_security": _POD_SECURITY,
})

APP = F(("dict",), fields={
    "name": F(("string",), "App name; names the Service, workload and derived objects.", required=True, check=check_dns1035, roles=("all",)),
    "namespace": F(("string",), "A namespace of k8s_platform_namespaces.", required=True, check=check_label, roles=("all",)),
    "description": F(("string",), "Free text (goes to the `linkops.io/description` annotation).", roles=("services",)),
    "labels": _labels("Extra labels on every object of the app.", ("all",)),
    "annotations": _annotations("Extra annotations on every object of the app.", ("all",)),
    "selector": _labels("Pod selector.", ("services", "network_policies", "workloads")),
    "port": _port("Shorthand for a single TCP port named `http` (port = target port). Exactly one of port/ports, except ExternalName."),
    "ports": F(("list",), "Named ports.", min_items=1, elements=_PORT_ENTRY, roles=("services",)),
    "service": _SERVICE,
    "metrics": _METRICS,
    "workload": _WORKLOAD,
    "rbac": _RBAC,
    "ingress": _INGRESS,
    "network": _NETWORK,
    "storage": F(("list",), "PersistentVolumeClaims of the app.", default="[]", elements=_STORAGE_ENTRY, roles=("storage",)),
})

STORAGE_CLASS = F(("dict",), fields={
    "name": F(("string",), "StorageClass name.", required=True, check=check_subdomain, roles=("storage",)),
    "provisioner": F(("string",), "CSI driver name; removed in-tree provisioners are refused.", required=True, check=check_non_empty, roles=("storage",)),
    "parameters": F(("map",), "Provisioner parameters (all values strings: quote numbers).", default="{}", roles=("storage",)),
    "reclaim_policy": F(("string",), "", default="Delete", choices=("Delete", "Retain"), roles=("storage",)),
    "volume_binding_mode": F(("string",), "", default="WaitForFirstConsumer", choices=("Immediate", "WaitForFirstConsumer"), roles=("storage",)),
    "allow_volume_expansion": F(("boolean",), "", default="true", roles=("storage",)),
    "default": F(("boolean",), "Mark as the cluster default class (at most one).", default="false", roles=("storage",)),
    "mount_options": _str_list("", roles=("storage",)),
})

SCHEMA: dict[str, F] = {
    "k8s_platform_environment": F(("string",), "Environment name (`local`, `dev`...): label `linkops.io/environment` on every object.",
                                  check=check_label, roles=("all",)),
    "k8s_platform_name": F(("string",), "Platform name: value of `app.kubernetes.io/part-of`.", default=PART_OF_DEFAULT,
                           check=check_label_value, roles=("all",)),
    "k8s_platform_namespaces": F(("list",), "Namespaces of the environment.", default="[]", elements=NAMESPACE, roles=("namespaces",)),
    "k8s_platform_apps": F(("list",), "Apps of the environment.", default="[]", elements=APP, roles=("all",)),
    "k8s_platform_storage_classes": F(("list",), "StorageClass catalogue; when not empty, apps may only use these classes.",
                                      default="[]", elements=STORAGE_CLASS, roles=("storage",)),
}


def known_field_paths() -> dict[str, tuple[str, ...]]:
    """Every documented field path (``k8s_platform_apps[].service.type``) with its types."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(prefix: str, f: F) -> None:
        out[prefix] = f.types
        if f.fields:
            for key, sub in f.fields.items():
                walk(f"{prefix}.{key}", sub)
        if f.elements is not None:
            elem = f.elements
            if elem.fields:
                for key, sub in elem.fields.items():
                    walk(f"{prefix}[].{key}", sub)

    for name, top in SCHEMA.items():
        walk(name, top)
    return out


# --------------------------------------------------------------------------------------
# Structural pass
# --------------------------------------------------------------------------------------

def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Errors:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _matches(value: Any, type_name: str) -> bool:
    actual = _type_name(value)
    if type_name == "map":
        return actual == "dict"
    return actual == type_name


def _check_value(value: Any, f: F, path: str, errs: _Errors) -> None:
    actual = _type_name(value)
    matched = next((t for t in f.types if _matches(value, t)), None)
    if matched is None:
        wanted = " or ".join("dict of strings" if t == "map" else t for t in f.types)
        article = "an" if wanted[0] in "aeiou" else "a"
        errs.add(path, f"must be {article} {wanted}, got {actual} {_short(value)}")
        return
    if matched == "string":
        if f.choices and value not in f.choices:
            errs.add(path, f"{value!r} is not allowed; allowed values: {', '.join(map(str, f.choices))}")
        elif f.check is not None and not f.choices:
            message = f.check(value)
            if message:
                errs.add(path, message)
    elif matched == "integer":
        if f.minimum is not None and f.maximum is not None and not f.minimum <= value <= f.maximum:
            errs.add(path, f"{value} is outside {f.minimum}-{f.maximum}")
    elif matched == "map":
        for key, item in value.items():
            if not isinstance(key, str):
                errs.add(path, f"keys must be strings, got {_type_name(key)} {_short(key)}")
                continue
            if f.key_check is not None:
                message = f.key_check(key)
                if message:
                    errs.add(f"{path}.{key}", f"invalid key: {message}")
            if not isinstance(item, str):
                errs.add(f"{path}.{key}", f"must be a string (quote it), got {_type_name(item)} {_short(item)}")
            elif f.value_check is not None:
                message = f.value_check(item)
                if message:
                    errs.add(f"{path}.{key}", message)
    elif matched == "dict" and f.fields is not None:
        _check_dict(value, f.fields, path, errs)
    elif matched == "list":
        if len(value) < f.min_items:
            errs.add(path, f"must have at least {f.min_items} item{'s' if f.min_items > 1 else ''}")
        if f.elements is not None:
            for index, item in enumerate(value):
                _check_value(item, f.elements, f"{path}[{index}]", errs)


def _check_dict(value: Mapping[Any, Any], fields: Mapping[str, F], path: str, errs: _Errors) -> None:
    for key in value:
        if not isinstance(key, str):
            errs.add(path, f"keys must be strings, got {_type_name(key)} {_short(key)}")
        elif key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            errs.add(f"{path}.{key}", f"unknown field; {hint}known fields: {', '.join(fields)}")
    for key, sub in fields.items():
        if key in value:
            _check_value(value[key], sub, f"{path}.{key}", errs)
        elif sub.required:
            errs.add(path, f"missing required field '{key}'")


# --------------------------------------------------------------------------------------
# Safe accessors for the semantic pass (wrong types were reported already: treat as absent)
# --------------------------------------------------------------------------------------

def _d(obj: Any, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return dict(value) if isinstance(value, Mapping) else {}


def _l(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return list(value) if isinstance(value, (list, tuple)) else []


def _s(obj: Any, key: str, default: Optional[str] = None) -> Optional[str]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) else default


def _i(obj: Any, key: str) -> Optional[int]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _b(obj: Any, key: str, default: bool) -> bool:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, bool) else default


def _has(obj: Any, key: str) -> bool:
    return isinstance(obj, Mapping) and key in obj


def _strs(values: Iterable[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str)]


@dataclass
class _AppView:
    """What the cross-field rules need to know about one app."""

    index: int
    path: str
    name: Optional[str]
    namespace: Optional[str]
    service_type: str
    ports: list[tuple[Optional[str], int, int, str]] = field(default_factory=list)  # (name, port, target, protocol)

    @property
    def service_ports(self) -> set[int]:
        return {p[1] for p in self.ports}

    @property
    def target_ports(self) -> set[int]:
        return {p[2] for p in self.ports}

    @property
    def port_names(self) -> set[str]:
        return {p[0] for p in self.ports if p[0]}


def _app_ports(app: Mapping[str, Any]) -> list[tuple[Optional[str], int, int, str]]:
    port = _i(app, "port")
    if _has(app, "port") and not _has(app, "ports"):
        return [("http", port, port, "TCP")] if port is not None and 1 <= port <= 65535 else []
    out = []
    for index, entry in enumerate(_l(app, "ports")):
        number = _i(entry, "port")
        if number is None or not 1 <= number <= 65535:
            continue
        target = _i(entry, "target_port")
        target = target if target is not None and 1 <= target <= 65535 else number
        protocol = _s(entry, "protocol", "TCP") or "TCP"
        name = _s(entry, "name") or ("http" if index == 0 else f"port-{number}")
        out.append((name, number, target, protocol))
    return out


def _service_type(app: Mapping[str, Any]) -> str:
    value = _s(_d(app, "service"), "type", "ClusterIP")
    return value if value in SERVICE_TYPES else "ClusterIP"


# --------------------------------------------------------------------------------------
# Semantic pass
# --------------------------------------------------------------------------------------

def _psa_enforce(ns: Mapping[str, Any]) -> str:
    ps = ns.get("pod_security") if isinstance(ns, Mapping) else None
    if isinstance(ps, str) and ps in PSA_LEVELS:
        return ps
    if isinstance(ps, Mapping):
        level = _s(ps, "enforce", "restricted")
        return level if level in PSA_LEVELS else "restricted"
    return "restricted"


def _check_namespaces(namespaces: list[Any], errs: _Errors) -> dict[str, Mapping[str, Any]]:
    seen: dict[str, str] = {}
    declared: dict[str, Mapping[str, Any]] = {}
    for index, ns in enumerate(namespaces):
        path = f"k8s_platform_namespaces[{index}]"
        name = _s(ns, "name")
        if name is None:
            continue
        if name in seen:
            errs.add(f"{path}.name", f"duplicate namespace '{name}' (also at {seen[name]})")
        else:
            seen[name] = path
            declared[name] = ns
        if name.startswith("kube-"):
            errs.add(f"{path}.name", f"'{name}': names starting with 'kube-' are reserved for Kubernetes system namespaces")
        for key in _d(ns, "labels"):
            if isinstance(key, str) and key.startswith("pod-security.kubernetes.io/"):
                errs.add(f"{path}.labels.{key}", "set Pod Security levels with pod_security, not with labels")
    return declared


def _check_ports(app: Mapping[str, Any], view: _AppView, errs: _Errors) -> None:
    path = view.path
    stype = view.service_type
    has_port, has_ports = _has(app, "port"), _has(app, "ports")
    if has_port and has_ports:
        errs.add(path, "set either 'port' or 'ports', not both")
    if not has_port and not has_ports and stype != "ExternalName":
        errs.add(path, f"a {stype} service needs a port: set 'port' or 'ports'")
    names: dict[str, int] = {}
    numbers: dict[tuple[int, str], int] = {}
    for index, entry in enumerate(_l(app, "ports")):
        epath = f"{path}.ports[{index}]"
        name = _s(entry, "name")
        number = _i(entry, "port")
        protocol = _s(entry, "protocol", "TCP") or "TCP"
        if len(_l(app, "ports")) > 1 and not _has(entry, "name"):
            errs.add(epath, "every port needs a 'name' when an app has more than one port")
        if name is not None:
            if name in names:
                errs.add(f"{epath}.name", f"duplicate port name '{name}' (also ports[{names[name]}])")
            names.setdefault(name, index)
        if number is not None:
            if (number, protocol) in numbers:
                errs.add(f"{epath}.port", f"duplicate port {number}/{protocol} (also ports[{numbers[(number, protocol)]}])")
            numbers.setdefault((number, protocol), index)
        if _has(entry, "node_port") and stype not in ("NodePort", "LoadBalancer"):
            errs.add(f"{epath}.node_port", f"node_port is only valid with service type NodePort or LoadBalancer (type is {stype})")


def _check_service(app: Mapping[str, Any], view: _AppView, errs: _Errors) -> None:
    path = f"{view.path}.service"
    svc = _d(app, "service")
    stype = view.service_type
    if _has(svc, "node_port") and stype not in ("NodePort", "LoadBalancer"):
        errs.add(f"{path}.node_port", f"node_port is only valid with service type NodePort or LoadBalancer (type is {stype})")
    first = _l(app, "ports")[:1]
    if _has(svc, "node_port") and first and _has(first[0], "node_port"):
        errs.add(f"{path}.node_port", "conflicts with ports[0].node_port; set it in one place")
    if _has(svc, "source_ranges") and stype != "LoadBalancer":
        errs.add(f"{path}.source_ranges",
                 f"source_ranges is only valid with service type LoadBalancer (type is {stype}); use external_lb or network.from cidr peers")
    if _has(svc, "external_traffic_policy") and stype not in ("NodePort", "LoadBalancer"):
        errs.add(f"{path}.external_traffic_policy", f"only valid with service type NodePort or LoadBalancer (type is {stype})")
    if stype == "ExternalName":
        if not _has(svc, "external_name"):
            errs.add(path, "service type ExternalName needs 'external_name' (the DNS name it points at)")
        for key in ("workload", "storage", "metrics", "network", "rbac", "selector"):
            if _has(app, key):
                errs.add(f"{view.path}.{key}", f"an ExternalName app has no pods of its own, so '{key}' does not apply")
        if _has(svc, "session_affinity"):
            errs.add(f"{path}.session_affinity", "does not apply to an ExternalName service")
    elif _has(svc, "external_name"):
        errs.add(f"{path}.external_name", f"external_name is only valid with service type ExternalName (type is {stype})")
    if _has(svc, "session_affinity_timeout") and _s(svc, "session_affinity") != "ClientIP":
        errs.add(f"{path}.session_affinity_timeout", "only valid with session_affinity ClientIP")
    lb = svc.get("external_lb")
    if isinstance(lb, Mapping) and _b(lb, "enabled", True):
        lpath = f"{path}.external_lb"
        if stype in ("ExternalName", "LoadBalancer"):
            errs.add(lpath, f"an extra LoadBalancer Service does not apply to service type {stype}")
        lb_name = _s(lb, "name") or (f"{view.name}-lb" if view.name else None)
        svc_name = _s(svc, "name") or view.name
        if lb_name and lb_name == svc_name:
            errs.add(f"{lpath}.name", f"'{lb_name}' is already the app's Service name")
        if lb_name and not _has(lb, "name") and len(lb_name) > 63:
            errs.add(f"{view.path}.name", f"the derived Service name '{lb_name}' is longer than 63 characters; shorten the app name or set external_lb.name")
        target = _i(lb, "target_port")
        if target is not None and view.ports and target not in view.target_ports:
            errs.add(f"{lpath}.target_port", f"{target} is not a target port of app '{view.name}' ({_fmt_ports(view.target_ports)})")


def _fmt_ports(ports: Iterable[int]) -> str:
    values = sorted(ports)
    return ", ".join(str(p) for p in values) if values else "none"


def _check_metrics(app: Mapping[str, Any], view: _AppView, errs: _Errors) -> None:
    metrics = app.get("metrics")
    if not isinstance(metrics, Mapping):
        return
    port = _i(metrics, "port")
    if port is not None and view.ports and port in view.service_ports and port not in view.target_ports:
        errs.add(f"{view.path}.metrics.port", f"{port} is a Service port but not a container port of app '{view.name}'; metrics.port is the container port")


def _check_workload(app: Mapping[str, Any], view: _AppView, pod_security: str, errs: _Errors) -> None:
    wl = app.get("workload")
    if not isinstance(wl, Mapping):
        return
    path = f"{view.path}.workload"
    for name, probe in _d(wl, "probes").items():
        if not isinstance(probe, Mapping):
            continue
        ppath = f"{path}.probes.{name}"
        ptype = _s(probe, "type", "http")
        if ptype == "exec" and not _l(probe, "command"):
            errs.add(ppath, "an exec probe needs 'command'")
        if ptype != "exec" and _has(probe, "command"):
            errs.add(f"{ppath}.command", f"only valid for exec probes (type is {ptype})")
        if ptype != "http" and _has(probe, "path"):
            errs.add(f"{ppath}.path", f"only valid for http probes (type is {ptype})")
        port = _i(probe, "port")
        if port is not None and view.ports and port not in view.target_ports:
            errs.add(f"{ppath}.port", f"{port} is not a container port of app '{view.name}' ({_fmt_ports(view.target_ports)})")
    resources = _d(wl, "resources")
    requests, limits = _d(resources, "requests"), _d(resources, "limits")
    for res in ("cpu", "memory"):
        req, lim = parse_quantity(requests.get(res)), parse_quantity(limits.get(res))
        if req is not None and lim is not None and req > lim:
            errs.add(f"{path}.resources.requests.{res}", f"{requests.get(res)} is more than the limit {limits.get(res)}")
    sc = _d(wl, "security_context")
    spath = f"{path}.security_context"
    why = f"namespace '{view.namespace}' enforces Pod Security '{pod_security}'"
    if pod_security in ("baseline", "restricted"):
        if _b(sc, "privileged", False):
            errs.add(f"{spath}.privileged", f"privileged containers are refused: {why}")
        if _s(sc, "seccomp_profile") == "Unconfined":
            errs.add(f"{spath}.seccomp_profile", f"Unconfined is refused: {why}")
        allowed = ("NET_BIND_SERVICE",) if pod_security == "restricted" else BASELINE_CAPABILITIES
        for cap in _strs(_l(sc, "capabilities_add")):
            if cap not in allowed:
                errs.add(f"{spath}.capabilities_add", f"capability {cap} is refused: {why} (allowed: {', '.join(allowed)})")
    if pod_security == "restricted":
        if _has(sc, "run_as_non_root") and not _b(sc, "run_as_non_root", True):
            errs.add(f"{spath}.run_as_non_root", f"must be true: {why}")
        if _i(sc, "run_as_user") == 0:
            errs.add(f"{spath}.run_as_user", f"0 (root) is refused: {why}")
        if _b(sc, "allow_privilege_escalation", False):
            errs.add(f"{spath}.allow_privilege_escalation", f"must be false: {why}")


def _risks(rule: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, value, risk kind) for each risky item of an RBAC rule."""
    found = []
    for key in ("api_groups", "resources", "verbs"):
        for item in _strs(_l(rule, key)):
            if item == "*" or item.startswith("*/"):
                found.append((key, item, "wildcard"))
    for verb in _strs(_l(rule, "verbs")):
        if verb in ("escalate", "bind", "impersonate"):
            found.append(("verbs", verb, verb))
    for res in _strs(_l(rule, "resources")):
        if res == "secrets" or res.startswith("secrets/"):
            found.append(("resources", res, "secrets"))
        elif res in POD_EXEC_RESOURCES:
            found.append(("resources", res, "pod_exec"))
    return found


def _check_rbac(app: Mapping[str, Any], view: _AppView, errs: _Errors) -> None:
    rbac = app.get("rbac")
    if not isinstance(rbac, Mapping):
        return
    path = f"{view.path}.rbac"
    allowed = set(_strs(_l(rbac, "allow_risky")))
    used: set[str] = set()
    for key in ("rules", "cluster_rules"):
        for index, rule in enumerate(_l(rbac, key)):
            if not isinstance(rule, Mapping):
                continue
            rpath = f"{path}.{key}[{index}]"
            if not _l(rule, "resources") and not _l(rule, "non_resource_urls"):
                errs.add(rpath, "needs 'resources'" + (" or 'non_resource_urls'" if key == "cluster_rules" else ""))
            if _l(rule, "non_resource_urls") and (_has(rule, "resources") or _has(rule, "api_groups") or _has(rule, "resource_names")):
                errs.add(rpath, "a non_resource_urls rule cannot also have api_groups, resources or resource_names")
            for fname, value, risk in _risks(rule):
                used.add(risk)
                if risk not in allowed:
                    errs.add(f"{rpath}.{fname}", f"{value!r} is a risky permission ({risk}); refused unless {path}.allow_risky lists '{risk}'")
    for risk in sorted(allowed - used):
        errs.add(f"{path}.allow_risky", f"'{risk}' is allowed but no rule uses it; remove it")


@dataclass
class _Index:
    apps: dict[tuple[str, str], _AppView]
    namespaces: dict[str, Mapping[str, Any]]


def _check_ingress(app: Mapping[str, Any], view: _AppView, index: _Index, routes: dict[tuple[str, str], str], errs: _Errors) -> None:
    ing = app.get("ingress")
    if not isinstance(ing, Mapping) or not _b(ing, "enabled", True):
        return
    path = f"{view.path}.ingress"
    if view.service_type == "ExternalName":
        errs.add(path, f"app '{view.name}' is ExternalName-only (no pods behind it); an Ingress cannot route to it")
        return
    if _has(ing, "host") and _has(ing, "hosts"):
        errs.add(path, "set either 'host' or 'hosts', not both")
    hosts = ([_s(ing, "host")] if _s(ing, "host") else []) + _strs(_l(ing, "hosts"))
    if not _has(ing, "host") and not _has(ing, "hosts"):
        errs.add(path, "needs 'host' or 'hosts'")
    elif _has(ing, "hosts") and not _l(ing, "hosts") and isinstance(ing.get("hosts"), list):
        errs.add(f"{path}.hosts", "must have at least 1 item")
    for pindex, entry in enumerate(_l(ing, "paths") if _has(ing, "paths") else ["/"]):
        ppath = f"{path}.paths[{pindex}]"
        if isinstance(entry, str):
            http_path = entry
            backend: dict[str, Any] = {}
        elif isinstance(entry, Mapping):
            http_path = _s(entry, "path") or "/"
            backend = _d(entry, "backend")
        else:
            continue
        target_name = _s(backend, "app", view.name)
        target = index.apps.get((view.namespace or "", target_name or ""))
        if _has(backend, "app") and target is None:
            known = sorted(n for (ns, n) in index.apps if ns == view.namespace)
            errs.add(f"{ppath}.backend.app", f"no app '{target_name}' in namespace '{view.namespace}' "
                     f"(an Ingress can only route within its namespace; apps there: {', '.join(known) or 'none'})")
        elif target is not None and target is not view and target.service_type == "ExternalName":
            errs.add(f"{ppath}.backend.app", f"app '{target_name}' is ExternalName-only (no pods behind it); an Ingress cannot route to it")
        elif target is not None and _has(backend, "port"):
            port = backend.get("port")
            if isinstance(port, bool):
                pass
            elif isinstance(port, int) and port not in target.service_ports:
                errs.add(f"{ppath}.backend.port", f"{port} is not a Service port of app '{target_name}' ({_fmt_ports(target.service_ports)})")
            elif isinstance(port, str) and port not in target.port_names:
                errs.add(f"{ppath}.backend.port", f"'{port}' is not a port name of app '{target_name}' ({', '.join(sorted(target.port_names)) or 'none'})")
        for host in hosts:
            key = (host, http_path)
            if key in routes:
                errs.add(ppath, f"route {host}{http_path} is already declared at {routes[key]}")
            else:
                routes[key] = ppath
    tls = ing.get("tls")
    tls_on = tls is True or (isinstance(tls, Mapping) and _b(tls, "enabled", True))
    if _b(ing, "https_redirect", False) and not tls_on:
        errs.add(f"{path}.https_redirect", "needs tls (there is no HTTPS to redirect to)")
    if isinstance(tls, Mapping) and _has(tls, "issuer_kind") and not _has(tls, "issuer"):
        errs.add(f"{path}.tls.issuer_kind", "only valid with 'issuer'")
    cors = ing.get("cors")
    if isinstance(cors, Mapping) and _b(cors, "allow_credentials", False) and "*" in _strs(_l(cors, "allow_origins")):
        errs.add(f"{path}.cors.allow_credentials", "cannot be true with allow_origins '*' (browsers refuse credentialed wildcard CORS); list the origins")


def _resolve_peer(peer: Mapping[str, Any], view: _AppView, index: _Index, ppath: str, errs: _Errors) -> Optional[_AppView]:
    name = _s(peer, "app")
    namespace = _s(peer, "namespace", view.namespace)
    if name is None:
        return None
    if namespace not in index.namespaces:
        errs.add(f"{ppath}.namespace", f"namespace '{namespace}' is not declared in k8s_platform_namespaces")
        return None
    target = index.apps.get((namespace or "", name))
    if target is None:
        known = sorted(n for (ns, n) in index.apps if ns == namespace)
        errs.add(f"{ppath}.app", f"no app '{name}' in namespace '{namespace}' (apps there: {', '.join(known) or 'none'})")
        return None
    if target.service_type == "ExternalName":
        errs.add(f"{ppath}.app", f"app '{name}' is ExternalName-only (no pods to select); use a cidr peer")
        return None
    return target


def _peer_kinds(peer: Mapping[str, Any]) -> list[str]:
    return [k for k in ("app", "ingress_controller", "monitoring", "cidr") if _has(peer, k)]


def _check_peer_ports(peer: Mapping[str, Any], ppath: str, owner: Optional[_AppView], errs: _Errors) -> None:
    for pindex, item in enumerate(_l(peer, "ports")):
        number = item if isinstance(item, int) and not isinstance(item, bool) else _i(item, "port")
        if isinstance(item, int) and not isinstance(item, bool) and not 1 <= item <= 65535:
            continue  # reported structurally
        if owner is not None and number is not None and owner.ports and number not in owner.target_ports:
            errs.add(f"{ppath}.ports[{pindex}]", f"{number} is not a container port of app '{owner.name}' ({_fmt_ports(owner.target_ports)})")


def _check_cidr_except(peer: Mapping[str, Any], ppath: str, errs: _Errors) -> None:
    cidr = _s(peer, "cidr")
    if _has(peer, "except") and not _has(peer, "cidr"):
        errs.add(f"{ppath}.except", "only valid with 'cidr'")
        return
    if cidr is None or check_cidr(cidr):
        return
    net = ipaddress.ip_network(cidr)
    for eindex, item in enumerate(_strs(_l(peer, "except"))):
        if check_cidr(item):
            continue
        sub = ipaddress.ip_network(item)
        if sub.version != net.version or not sub.subnet_of(net) or sub == net:  # type: ignore[arg-type]
            errs.add(f"{ppath}.except[{eindex}]", f"{item} is not a strict subnet of {cidr}")


def _check_network(app: Mapping[str, Any], view: _AppView, index: _Index, errs: _Errors) -> None:
    net = app.get("network")
    if not isinstance(net, Mapping):
        return
    path = f"{view.path}.network"
    for pindex, peer in enumerate(_l(net, "from")):
        if not isinstance(peer, Mapping):
            continue
        ppath = f"{path}.from[{pindex}]"
        kinds = _peer_kinds(peer)
        if len(kinds) != 1:
            errs.add(ppath, f"needs exactly one of app, ingress_controller, monitoring, cidr (got {', '.join(kinds) or 'none'})")
        for flag in ("ingress_controller", "monitoring"):
            if _has(peer, flag) and peer.get(flag) is False:
                errs.add(f"{ppath}.{flag}", "must be true (leave the peer out instead)")
        if _has(peer, "namespace") and not _has(peer, "app"):
            errs.add(f"{ppath}.namespace", "only valid with 'app'")
        _resolve_peer(peer, view, index, ppath, errs)
        _check_cidr_except(peer, ppath, errs)
        _check_peer_ports(peer, ppath, view, errs)
    for pindex, peer in enumerate(_l(net, "to")):
        if not isinstance(peer, Mapping):
            continue
        ppath = f"{path}.to[{pindex}]"
        kinds = [k for k in ("app", "cidr") if _has(peer, k)]
        if len(kinds) != 1:
            errs.add(ppath, f"needs exactly one of app, cidr (got {', '.join(kinds) or 'none'})")
        if _has(peer, "app"):
            for key in ("except", "ports"):
                if _has(peer, key):
                    errs.add(f"{ppath}.{key}", "only valid with 'cidr' (use port/protocol for an app peer)")
        else:
            for key in ("namespace", "port", "protocol"):
                if _has(peer, key):
                    errs.add(f"{ppath}.{key}", "only valid with 'app' (use ports for a cidr peer)")
        target = _resolve_peer(peer, view, index, ppath, errs)
        port = _i(peer, "port")
        if target is not None and port is not None and target.ports and port not in target.target_ports:
            errs.add(f"{ppath}.port", f"{port} is not a container port of app '{target.name}' ({_fmt_ports(target.target_ports)})")
        if _has(peer, "cidr"):
            _check_cidr_except(peer, ppath, errs)


def _check_storage(app: Mapping[str, Any], view: _AppView, classes: set[str], claims: dict[tuple[str, str], str], errs: _Errors) -> None:
    names: dict[str, int] = {}
    mounts: dict[str, int] = {}
    for sindex, entry in enumerate(_l(app, "storage")):
        if not isinstance(entry, Mapping):
            continue
        spath = f"{view.path}.storage[{sindex}]"
        name = _s(entry, "name")
        if name is not None:
            if name in names:
                errs.add(f"{spath}.name", f"duplicate volume name '{name}' (also storage[{names[name]}])")
            names.setdefault(name, sindex)
            claim = _s(entry, "claim_name") or (f"{view.name}-{name}" if view.name else None)
            if claim and view.namespace:
                if len(claim) > 253:
                    errs.add(f"{spath}.claim_name", "the claim name is longer than 253 characters")
                key = (view.namespace, claim)
                if key in claims:
                    errs.add(f"{spath}.claim_name" if _has(entry, "claim_name") else f"{spath}.name",
                             f"PersistentVolumeClaim '{claim}' in namespace '{view.namespace}' is already declared at {claims[key]}")
                claims.setdefault(key, spath)
        mount = _s(entry, "mount_path")
        if mount is not None:
            if mount in mounts:
                errs.add(f"{spath}.mount_path", f"duplicate mount path '{mount}' (also storage[{mounts[mount]}])")
            mounts.setdefault(mount, sindex)
        cls = _s(entry, "class")
        if cls is not None and classes and cls not in classes:
            errs.add(f"{spath}.class", f"storage class '{cls}' is not in k8s_platform_storage_classes ({', '.join(sorted(classes))})")


def _check_storage_classes(classes: list[Any], errs: _Errors) -> set[str]:
    seen: dict[str, int] = {}
    defaults: list[int] = []
    for index, sc in enumerate(classes):
        if not isinstance(sc, Mapping):
            continue
        path = f"k8s_platform_storage_classes[{index}]"
        name = _s(sc, "name")
        if name is not None:
            if name in seen:
                errs.add(f"{path}.name", f"duplicate storage class '{name}' (also k8s_platform_storage_classes[{seen[name]}])")
            seen.setdefault(name, index)
        provisioner = _s(sc, "provisioner")
        if provisioner in IN_TREE_PROVISIONERS:
            replacement = IN_TREE_PROVISIONERS[provisioner]
            hint = f"use the CSI driver '{replacement}'" if replacement else "use the CSI driver of your storage system"
            errs.add(f"{path}.provisioner", f"'{provisioner}' is an in-tree volume plugin removed from Kubernetes (CSI migration); {hint}")
        if _b(sc, "default", False):
            defaults.append(index)
    if len(defaults) > 1:
        errs.add("k8s_platform_storage_classes", f"more than one default storage class (items {', '.join(map(str, defaults))})")
    return set(seen)


def _semantic(spec: Mapping[str, Any], errs: _Errors) -> None:
    namespaces = _check_namespaces(_l(spec, "k8s_platform_namespaces"), errs)
    classes = _check_storage_classes(_l(spec, "k8s_platform_storage_classes"), errs)
    apps = _l(spec, "k8s_platform_apps")
    index = _Index(apps={}, namespaces=namespaces)
    views: list[tuple[Mapping[str, Any], _AppView]] = []
    for aindex, app in enumerate(apps):
        if not isinstance(app, Mapping):
            continue
        view = _AppView(aindex, f"k8s_platform_apps[{aindex}]", _s(app, "name"), _s(app, "namespace"), _service_type(app), _app_ports(app))
        views.append((app, view))
        if view.name is None or view.namespace is None:
            continue
        key = (view.namespace, view.name)
        if key in index.apps:
            errs.add(f"{view.path}.name", f"duplicate app '{view.name}' in namespace '{view.namespace}' (also {index.apps[key].path})")
        else:
            index.apps[key] = view
        if view.namespace not in namespaces:
            declared = ", ".join(sorted(namespaces)) or "none"
            errs.add(f"{view.path}.namespace", f"namespace '{view.namespace}' is not declared in k8s_platform_namespaces (declared: {declared})")
    service_names: dict[tuple[str, str], str] = {}
    node_ports: dict[int, str] = {}
    routes: dict[tuple[str, str], str] = {}
    claims: dict[tuple[str, str], str] = {}
    for app, view in views:
        # The metrics port joins the app's ports (as the normaliser adds it) before anyone refers to them.
        _check_metrics(app, view, errs)
        metrics_port = _i(_d(app, "metrics"), "port")
        if metrics_port is not None and view.ports and 1 <= metrics_port <= 65535 and metrics_port not in view.target_ports \
                and metrics_port not in view.service_ports:
            view.ports.append(("metrics" if "metrics" not in view.port_names else f"metrics-{metrics_port}", metrics_port, metrics_port, "TCP"))
    for app, view in views:
        _check_ports(app, view, errs)
        _check_service(app, view, errs)
        ns = namespaces.get(view.namespace or "")
        _check_workload(app, view, _psa_enforce(ns) if ns is not None else "restricted", errs)
        _check_rbac(app, view, errs)
        _check_ingress(app, view, index, routes, errs)
        _check_network(app, view, index, errs)
        _check_storage(app, view, classes, claims, errs)
        # Service names are unique per namespace (the app's own Service and the extra LB Service).
        svc = _d(app, "service")
        lb = svc.get("external_lb")
        names = [(f"{view.path}.service.name", _s(svc, "name") or view.name)]
        if isinstance(lb, Mapping) and _b(lb, "enabled", True):
            names.append((f"{view.path}.service.external_lb.name", _s(lb, "name") or (f"{view.name}-lb" if view.name else None)))
        for npath, sname in names:
            if sname and view.namespace:
                key = (view.namespace, sname)
                if key in service_names and service_names[key] != npath:
                    errs.add(npath, f"Service '{sname}' in namespace '{view.namespace}' is already declared at {service_names[key]}")
                service_names.setdefault(key, npath)
        # Node ports are unique in the whole cluster.
        candidates = [(f"{view.path}.service.node_port", _i(svc, "node_port"))]
        candidates += [(f"{view.path}.ports[{i}].node_port", _i(p, "node_port")) for i, p in enumerate(_l(app, "ports"))]
        if isinstance(lb, Mapping):
            candidates.append((f"{view.path}.service.external_lb.node_port", _i(lb, "node_port")))
        for npath, number in candidates:
            if number is None or not NODE_PORT_MIN <= number <= NODE_PORT_MAX:
                continue
            if number in node_ports:
                errs.add(npath, f"node port {number} is already used at {node_ports[number]} (node ports are cluster-wide)")
            node_ports.setdefault(number, npath)


def validate(spec: Any, extra_known: Iterable[str] = ()) -> list[str]:
    """Every problem of ``spec`` (the ``k8s_platform_*`` variables), each as ``path: message``. Never raises."""
    errs = _Errors()
    try:
        if not isinstance(spec, Mapping):
            errs.add("spec", f"must be a dict of k8s_platform_* variables, got {_type_name(spec)}")
            return errs.items
        allowed = set(SCHEMA) | set(RESERVED_VARIABLES) | {e for e in (extra_known or ()) if isinstance(e, str)}
        top: dict[str, Any] = {}
        for key, value in spec.items():
            if not isinstance(key, str):
                errs.add("spec", f"variable names must be strings, got {_type_name(key)} {_short(key)}")
            elif key not in allowed:
                close = difflib.get_close_matches(key, list(SCHEMA), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                errs.add(key, f"unknown platform variable; {hint}known: {', '.join(SCHEMA)}")
            elif key in SCHEMA:
                top[key] = value
        for key, f in SCHEMA.items():
            if key in top:
                _check_value(top[key], f, key, errs)
        _semantic(top, errs)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # A bug in the validator must still end in a message, not a traceback.
        errs.add("spec", f"internal validator error ({type(exc).__name__}: {exc}); please report it")
    return errs.items


# --------------------------------------------------------------------------------------
# Normalisation (valid input only)
# --------------------------------------------------------------------------------------

DEFAULT_RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}
DEFAULT_CORS_METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]
DEFAULT_CORS_HEADERS = [
    "DNT", "User-Agent", "X-Requested-With", "If-Modified-Since", "Cache-Control", "Content-Type", "Range", "Authorization",
]


def _plain(value: Any) -> Any:
    """Deep copy into plain dict/list/str/int/bool (Ansible hands in tagged subclasses)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    return value


def _norm_namespace(ns: Mapping[str, Any], common: dict[str, str]) -> dict[str, Any]:
    ps = ns.get("pod_security")
    if isinstance(ps, str):
        levels = {"enforce": ps, "audit": ps, "warn": ps, "version": PSA_VERSION_DEFAULT}
    else:
        ps = ps or {}
        levels = {
            "enforce": ps.get("enforce", "restricted"),
            "audit": ps.get("audit", "restricted"),
            "warn": ps.get("warn", "restricted"),
            "version": ps.get("version", PSA_VERSION_DEFAULT),
        }
    labels = {**common, **dict(ns.get("labels") or {}), "kubernetes.io/metadata.name": ns["name"]}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = levels[mode]
        labels[f"pod-security.kubernetes.io/{mode}-version"] = levels["version"]
    return {
        "name": ns["name"],
        "labels": labels,
        "annotations": dict(ns.get("annotations") or {}),
        "pod_security": levels,
    }


def _norm_ports(app: Mapping[str, Any]) -> list[dict[str, Any]]:
    svc = app.get("service") or {}
    out: list[dict[str, Any]] = []
    if "port" in app:
        out.append({"name": "http", "port": app["port"], "target_port": app["port"], "protocol": "TCP", "app_protocol": None, "node_port": None})
    for index, entry in enumerate(app.get("ports") or []):
        out.append({
            "name": entry.get("name") or ("http" if index == 0 else f"port-{entry['port']}"),
            "port": entry["port"],
            "target_port": entry.get("target_port", entry["port"]),
            "protocol": entry.get("protocol", "TCP"),
            "app_protocol": entry.get("app_protocol"),
            "node_port": entry.get("node_port"),
        })
    if out and svc.get("node_port") is not None:
        out[0]["node_port"] = svc["node_port"]
    return out


def _norm_metrics(app: Mapping[str, Any], ports: list[dict[str, Any]]) -> dict[str, Any]:
    metrics = app.get("metrics")
    if metrics is None:
        return {"enabled": False, "port": None, "path": None, "scrape": False, "port_name": None, "annotations": {}}
    port = metrics.get("port", ports[0]["target_port"] if ports else None)
    existing = next((p for p in ports if p["target_port"] == port and p["protocol"] == "TCP"), None)
    if existing is None and port is not None:
        name = "metrics" if all(p["name"] != "metrics" for p in ports) else f"metrics-{port}"
        used = {(p["port"], p["protocol"]) for p in ports}
        if (port, "TCP") not in used:
            existing = {"name": name, "port": port, "target_port": port, "protocol": "TCP", "app_protocol": "http", "node_port": None}
            ports.append(existing)
    path = metrics.get("path", "/metrics")
    scrape = metrics.get("scrape", True)
    annotations = {
        "prometheus.io/scrape": "true" if scrape else "false",
        "prometheus.io/port": str(port),
        "prometheus.io/path": path,
    }
    return {
        "enabled": True, "port": port, "path": path, "scrape": scrape,
        "port_name": existing["name"] if existing else None, "annotations": annotations,
    }


def _norm_service(app: Mapping[str, Any], ports: list[dict[str, Any]], selector: dict[str, str],
                  labels: dict[str, str], annotations: dict[str, str], metrics: dict[str, Any]) -> dict[str, Any]:
    svc = app.get("service") or {}
    stype = svc.get("type", "ClusterIP")
    external = stype in ("NodePort", "LoadBalancer")
    affinity = svc.get("session_affinity", "None")
    out: dict[str, Any] = {
        "type": stype,
        "k8s_type": "ClusterIP" if stype == "Headless" else stype,
        "headless": stype == "Headless",
        "cluster_ip": "None" if stype == "Headless" else None,
        "name": svc.get("name", app["name"]),
        "labels": {**labels, **dict(svc.get("labels") or {})},
        "annotations": {**annotations, **metrics["annotations"], **dict(svc.get("annotations") or {})},
        "selector": {} if stype == "ExternalName" else dict(selector),
        "ports": [dict(p) for p in ports] if stype != "ExternalName" or ports else [],
        "external_name": svc.get("external_name"),
        "source_ranges": list(svc.get("source_ranges") or []),
        "external_traffic_policy": svc.get("external_traffic_policy", "Cluster") if external else None,
        "session_affinity": affinity,
        "session_affinity_timeout": svc.get("session_affinity_timeout", 10800) if affinity == "ClientIP" else None,
        "publish_not_ready_addresses": svc.get("publish_not_ready_addresses", False),
    }
    if not external:
        for port in out["ports"]:
            port["node_port"] = None
    lb = svc.get("external_lb")
    lb_enabled = lb is not None and lb.get("enabled", True) and bool(ports)
    lb = lb or {}
    if ports:
        first = ports[0]
        target = lb.get("target_port", first["target_port"])
        out["external_lb"] = {
            "enabled": lb_enabled,
            "name": lb.get("name", f"{app['name']}-lb"),
            "type": "LoadBalancer",
            "labels": dict(out["labels"]),
            "annotations": {**annotations, **dict(lb.get("annotations") or {})},
            "selector": dict(selector),
            "ports": [{
                "name": next((p["name"] for p in ports if p["target_port"] == target), first["name"]),
                "port": lb.get("port", first["port"]),
                "target_port": target,
                "protocol": next((p["protocol"] for p in ports if p["target_port"] == target), "TCP"),
                "node_port": lb.get("node_port"),
            }],
            "source_ranges": list(lb.get("source_ranges") or []),
            "external_traffic_policy": lb.get("external_traffic_policy", "Cluster"),
        }
    else:
        out["external_lb"] = {
            "enabled": False, "name": None, "type": "LoadBalancer", "labels": {}, "annotations": {}, "selector": {}, "ports": [],
            "source_ranges": [], "external_traffic_policy": None,
        }
    return out


def _norm_probe(probe: Mapping[str, Any], default_port: Optional[int]) -> dict[str, Any]:
    ptype = probe.get("type", "http")
    return {
        "type": ptype,
        "path": probe.get("path", "/") if ptype == "http" else None,
        "port": probe.get("port", default_port) if ptype != "exec" else None,
        "command": list(probe.get("command") or []) if ptype == "exec" else None,
        "initial_delay_seconds": probe.get("initial_delay_seconds", 0),
        "period_seconds": probe.get("period_seconds", 10),
        "timeout_seconds": probe.get("timeout_seconds", 1),
        "failure_threshold": probe.get("failure_threshold", 3),
    }


def stand_in_workload(workload: Mapping[str, Any], image: str) -> dict[str, Any]:
    """A normalised workload that runs `image` as agnhost netexec instead of the app's own image.

    For clusters that cannot pull the apps' images (a local test cluster): the pod keeps its
    labels, ports, probes, volumes and security context, and answers HTTP on its first TCP port
    and UDP on its first UDP port (the TCP port's number when it declares none: netexec reports
    healthy only once a UDP or SCTP server runs). An exec probe would run the app's own command,
    which the stand-in lacks: it becomes a TCP probe on the first port. agnhost's image runs as
    root, which runAsNonRoot refuses: without a user of its own the pod runs as nobody.
    """
    out = dict(workload)
    ports = workload.get("container_ports") or []
    tcp = next((p["container_port"] for p in ports if p["protocol"] == "TCP"), 8080)
    udp = next((p["container_port"] for p in ports if p["protocol"] == "UDP"), tcp)
    out["image"] = image
    out["command"] = ["/agnhost"]
    out["args"] = ["netexec", f"--http-port={tcp}", f"--udp-port={udp}"]
    out["probes"] = {
        kind: {**probe, "type": "tcp", "port": tcp, "command": None} if probe and probe.get("type") == "exec" else probe
        for kind, probe in (workload.get("probes") or {}).items()
    }
    security = dict(workload.get("security_context") or {})
    if security.get("run_as_user") is None:
        security["run_as_user"] = 65534
    out["security_context"] = security
    return out


def _norm_workload(app: Mapping[str, Any], ports: list[dict[str, Any]], service: dict[str, Any], rbac: dict[str, Any],
                   storage: list[dict[str, Any]], labels: dict[str, str], selector: dict[str, str],
                   annotations: dict[str, str], metrics: dict[str, Any]) -> dict[str, Any]:
    wl = app.get("workload")
    enabled = wl is not None and wl.get("enabled", True) and service["type"] != "ExternalName"
    wl = wl or {}
    default_port = ports[0]["target_port"] if ports else None
    probes = wl.get("probes") or {}
    resources = wl.get("resources")
    if resources is None:
        resources_out = {k: dict(v) for k, v in DEFAULT_RESOURCES.items()}
    else:
        resources_out = {"requests": dict(resources.get("requests") or {}), "limits": dict(resources.get("limits") or {})}
    sc = wl.get("security_context") or {}
    container_ports: list[dict[str, Any]] = []
    for port in ports:
        if all(c["container_port"] != port["target_port"] or c["protocol"] != port["protocol"] for c in container_ports):
            container_ports.append({"name": port["name"], "container_port": port["target_port"], "protocol": port["protocol"]})
    return {
        "enabled": enabled,
        "kind": wl.get("kind", "Deployment"),
        "name": app["name"],
        "container_name": app["name"],
        "image": wl.get("image"),
        "image_pull_policy": wl.get("image_pull_policy", "IfNotPresent"),
        "replicas": wl.get("replicas", 1),
        "command": list(wl.get("command") or []),
        "args": list(wl.get("args") or []),
        "env": dict(wl.get("env") or {}),
        "labels": dict(labels),
        "selector": dict(selector),
        "pod_labels": {**labels, **selector},
        "pod_annotations": {**annotations, **metrics["annotations"]},
        "service_name": service["name"],
        "service_account": rbac["service_account"],
        "automount_token": rbac["automount_token"],
        "container_ports": container_ports,
        "probes": {name: (_norm_probe(probes[name], default_port) if name in probes else None) for name in ("liveness", "readiness", "startup")},
        "resources": resources_out,
        "security_context": {
            "run_as_non_root": sc.get("run_as_non_root", True),
            "run_as_user": sc.get("run_as_user"),
            "run_as_group": sc.get("run_as_group"),
            "fs_group": sc.get("fs_group"),
            "allow_privilege_escalation": sc.get("allow_privilege_escalation", False),
            "privileged": sc.get("privileged", False),
            "read_only_root_filesystem": sc.get("read_only_root_filesystem", True),
            "capabilities_drop": ["ALL"],
            "capabilities_add": list(sc.get("capabilities_add") or []),
            "seccomp_profile": sc.get("seccomp_profile", "RuntimeDefault"),
        },
        "volumes": [{"name": s["name"], "claim_name": s["claim_name"], "mount_path": s["mount_path"]} for s in storage if s["mount_path"]],
    }


def _norm_rule(rule: Mapping[str, Any], cluster: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"verbs": list(rule["verbs"])}
    if rule.get("non_resource_urls"):
        out["non_resource_urls"] = list(rule["non_resource_urls"])
        return out
    out["api_groups"] = list(rule.get("api_groups", [""]))
    out["resources"] = list(rule.get("resources") or [])
    out["resource_names"] = list(rule.get("resource_names") or [])
    if cluster:
        out["non_resource_urls"] = []
    return out


def _norm_rbac(app: Mapping[str, Any]) -> dict[str, Any]:
    name, namespace = app["name"], app["namespace"]
    has_pods = (app.get("service") or {}).get("type") != "ExternalName"
    rbac = app.get("rbac") or {}
    rules = [_norm_rule(r, False) for r in rbac.get("rules") or []]
    cluster_rules = [_norm_rule(r, True) for r in rbac.get("cluster_rules") or []]
    return {
        "enabled": has_pods,
        "service_account": rbac.get("service_account", f"{name}-sa") if has_pods else None,
        "automount_token": rbac.get("automount_token", False),
        "rules": rules,
        "cluster_rules": cluster_rules,
        "allow_risky": list(rbac.get("allow_risky") or []),
        "role_name": f"{name}-role" if rules else None,
        "role_binding_name": f"{name}-rolebinding" if rules else None,
        "cluster_role_name": f"{namespace}-{name}-cluster-role" if cluster_rules else None,
        "cluster_role_binding_name": f"{namespace}-{name}-cluster-rolebinding" if cluster_rules else None,
    }


def _norm_ingress(app: Mapping[str, Any], services: dict[tuple[str, str], dict[str, Any]], labels: dict[str, str],
                  annotations: dict[str, str]) -> dict[str, Any]:
    ing = app.get("ingress")
    enabled = ing is not None and ing.get("enabled", True)
    ing = ing or {}
    name = ing.get("name", f"{app['name']}-ingress")
    hosts = [ing["host"]] if "host" in ing else list(ing.get("hosts") or [])
    paths = []
    for entry in (ing.get("paths") or ["/"]) if enabled else []:
        entry = {"path": entry} if isinstance(entry, str) else entry
        backend = entry.get("backend") or {}
        target_app = backend.get("app", app["name"])
        svc = services[(app["namespace"], target_app)]
        port = backend.get("port", svc["ports"][0]["port"])
        chosen = next(p for p in svc["ports"] if (p["name"] == port if isinstance(port, str) else p["port"] == port))
        paths.append({
            "path": entry["path"],
            "path_type": entry.get("path_type", "Prefix"),
            "backend": {"app": target_app, "service": svc["name"], "port": chosen["port"], "port_name": chosen["name"]},
        })
    tls = ing.get("tls", False)
    if enabled and (tls is True or (isinstance(tls, Mapping) and tls.get("enabled", True))):
        tls_map = tls if isinstance(tls, Mapping) else {}
        issuer = tls_map.get("issuer")
        tls_out = {
            "enabled": True,
            "secret_name": tls_map.get("secret_name", f"{name}-tls"),
            "issuer": issuer,
            "issuer_kind": tls_map.get("issuer_kind", "ClusterIssuer") if issuer else None,
            "hosts": list(hosts),
        }
    else:
        tls_out = {"enabled": False, "secret_name": None, "issuer": None, "issuer_kind": None, "hosts": []}
    cors = ing.get("cors")
    if enabled and cors is not None:
        cors_out = {
            "enabled": True,
            "allow_origins": list(cors["allow_origins"]),
            "allow_methods": list(cors.get("allow_methods", DEFAULT_CORS_METHODS)),
            "allow_headers": list(cors.get("allow_headers", DEFAULT_CORS_HEADERS)),
            "allow_credentials": cors.get("allow_credentials", False),
            "max_age": cors.get("max_age", 86400),
        }
    else:
        cors_out = {"enabled": False, "allow_origins": [], "allow_methods": [], "allow_headers": [], "allow_credentials": False, "max_age": None}
    return {
        "enabled": enabled,
        "name": name,
        "class_name": ing.get("class_name", "nginx"),
        "hosts": hosts,
        "paths": paths,
        "rules": [{"host": host, "paths": paths} for host in hosts],
        "tls": tls_out,
        "https_redirect": ing.get("https_redirect", tls_out["enabled"]),
        "rate_limit_rps": ing.get("rate_limit_rps"),
        "cors": cors_out,
        "labels": dict(labels),
        "annotations": {**annotations, **dict(ing.get("annotations") or {})},
    }


def _norm_peer_ports(items: Optional[list[Any]], fallback: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if items is None:
        return [dict(p) for p in fallback]
    out = []
    for item in items:
        if isinstance(item, int):
            out.append({"port": item, "protocol": "TCP"})
        else:
            out.append({"port": item["port"], "protocol": item.get("protocol", "TCP")})
    return out


def _target_ports(app: dict[str, Any]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for port in app["ports"]:
        item = {"port": port["target_port"], "protocol": port["protocol"]}
        if item not in seen:
            seen.append(item)
    return seen


def _norm_network(app: Mapping[str, Any], norm_apps: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    net = app.get("network")
    if net is None:
        return {"enabled": False, "from": [], "to": []}
    me = norm_apps[(app["namespace"], app["name"])]
    own_ports = _target_ports(me)
    peers_from = []
    for peer in net.get("from") or []:
        if "app" in peer:
            ns = peer.get("namespace", app["namespace"])
            other = norm_apps[(ns, peer["app"])]
            peers_from.append({"kind": "app", "app": peer["app"], "namespace": ns, "selector": dict(other["selector"]),
                               "ports": _norm_peer_ports(peer.get("ports"), own_ports)})
        elif "cidr" in peer:
            peers_from.append({"kind": "cidr", "cidr": peer["cidr"], "except": list(peer.get("except") or []),
                               "ports": _norm_peer_ports(peer.get("ports"), own_ports)})
        elif "monitoring" in peer:
            fallback = [{"port": me["metrics"]["port"], "protocol": "TCP"}] if me["metrics"]["enabled"] else own_ports
            peers_from.append({"kind": "monitoring", "ports": _norm_peer_ports(peer.get("ports"), fallback)})
        else:
            peers_from.append({"kind": "ingress_controller", "ports": _norm_peer_ports(peer.get("ports"), own_ports)})
    peers_to = []
    for peer in net.get("to") or []:
        if "app" in peer:
            ns = peer.get("namespace", app["namespace"])
            other = norm_apps[(ns, peer["app"])]
            if "port" in peer:
                ports = [{"port": peer["port"], "protocol": peer.get("protocol", "TCP")}]
            else:
                ports = _target_ports(other)
            peers_to.append({"kind": "app", "app": peer["app"], "namespace": ns, "selector": dict(other["selector"]), "ports": ports})
        else:
            peers_to.append({"kind": "cidr", "cidr": peer["cidr"], "except": list(peer.get("except") or []),
                             "ports": _norm_peer_ports(peer.get("ports"), [])})
    return {"enabled": True, "from": peers_from, "to": peers_to}


def _norm_storage(app: Mapping[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{
        "name": entry["name"],
        "claim_name": entry.get("claim_name", f"{app['name']}-{entry['name']}"),
        "size": entry["size"],
        "class": entry.get("class"),
        "access_modes": list(entry.get("access_modes", ["ReadWriteOnce"])),
        "mount_path": entry.get("mount_path"),
        "backup": entry.get("backup", False),
        "labels": dict(labels),
    } for entry in app.get("storage") or []]


def _norm_storage_class(sc: Mapping[str, Any], common: dict[str, str]) -> dict[str, Any]:
    return {
        "name": sc["name"],
        "provisioner": sc["provisioner"],
        "parameters": dict(sc.get("parameters") or {}),
        "reclaim_policy": sc.get("reclaim_policy", "Delete"),
        "volume_binding_mode": sc.get("volume_binding_mode", "WaitForFirstConsumer"),
        "allow_volume_expansion": sc.get("allow_volume_expansion", True),
        "default": sc.get("default", False),
        "mount_options": list(sc.get("mount_options") or []),
        "labels": dict(common),
        "annotations": {"storageclass.kubernetes.io/is-default-class": "true" if sc.get("default", False) else "false"},
    }


def normalize(spec: Any, extra_known: Iterable[str] = ()) -> dict[str, Any]:
    """The spec with every default filled in and derived names computed.

    Raises PlatformSpecError (with every message) when ``validate`` finds problems.
    Variables named in ``extra_known`` are passed through unchanged.
    """
    errors = validate(spec, extra_known)
    if errors:
        raise PlatformSpecError(errors)
    spec = _plain(spec)
    part_of = spec.get("k8s_platform_name", PART_OF_DEFAULT)
    environment = spec.get("k8s_platform_environment")
    common = {"app.kubernetes.io/part-of": part_of, "app.kubernetes.io/managed-by": MANAGED_BY}
    if environment:
        common["linkops.io/environment"] = environment
    namespaces = [_norm_namespace(ns, common) for ns in spec.get("k8s_platform_namespaces") or []]
    apps_in = spec.get("k8s_platform_apps") or []
    norm_apps: dict[tuple[str, str], dict[str, Any]] = {}
    ordered: list[dict[str, Any]] = []
    # Pass 1: everything an app owns. Pass 2: what refers to other apps (ingress backends, network peers).
    for app in apps_in:
        name = app["name"]
        selector = dict(app.get("selector") or {"app.kubernetes.io/name": name})
        labels = {**common, "app.kubernetes.io/name": name, **dict(app.get("labels") or {})}
        annotations = dict(app.get("annotations") or {})
        if app.get("description"):
            annotations["linkops.io/description"] = app["description"]
        ports = _norm_ports(app)
        metrics = _norm_metrics(app, ports)
        service = _norm_service(app, ports, selector, labels, annotations, metrics)
        rbac = _norm_rbac(app)
        storage = _norm_storage(app, labels)
        external_name_only = service["type"] == "ExternalName"
        out = {
            "name": name,
            "namespace": app["namespace"],
            "description": app.get("description"),
            "labels": labels,
            "annotations": annotations,
            "selector": {} if external_name_only else selector,
            "port": ports[0]["port"] if ports else None,
            "ports": ports,
            "service": service,
            "metrics": metrics,
            "rbac": rbac,
            "storage": storage,
            "workload": _norm_workload(app, ports, service, rbac, storage, labels, selector, annotations, metrics),
        }
        norm_apps[(app["namespace"], name)] = out
        ordered.append(out)
    services = {key: value["service"] for key, value in norm_apps.items()}
    for app, out in zip(apps_in, ordered):
        out["ingress"] = _norm_ingress(app, services, out["labels"], out["annotations"])
        out["network"] = _norm_network(app, norm_apps)
    result: dict[str, Any] = {
        "k8s_platform_environment": environment,
        "k8s_platform_name": part_of,
        "k8s_platform_common_labels": common,
        "k8s_platform_namespaces": namespaces,
        "k8s_platform_apps": ordered,
        "k8s_platform_storage_classes": [_norm_storage_class(sc, common) for sc in spec.get("k8s_platform_storage_classes") or []],
    }
    for key in extra_known or ():
        if key in spec and key not in result:
            result[key] = spec[key]
    return result


def namespaces_for_apps(apps: list[Any], namespaces: Any, namespaces_var: str) -> tuple[list[Any], list[str]]:
    """The declared namespaces plus any namespace the apps use but nobody declared.

    A role imported on its own is often given apps only; their namespaces count as declared
    (with the default Pod Security level) so its slice of the spec validates. Returns the
    namespace list and the problems with ``namespaces`` itself.
    """
    declared: list[Any] = list(namespaces) if isinstance(namespaces, list) else []
    errors: list[str] = []
    if namespaces is not None and not isinstance(namespaces, list):
        errors.append(f"{namespaces_var}: must be a list of namespaces, got {type(namespaces).__name__}")
    known = {ns.get("name") for ns in declared if isinstance(ns, Mapping)}
    for app in apps:
        ns = app.get("namespace") if isinstance(app, Mapping) else None
        if isinstance(ns, str) and ns not in known:
            declared.append({"name": ns})
            known.add(ns)
    return declared, errors
