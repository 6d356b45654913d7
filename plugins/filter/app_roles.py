# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the app roles (services, workloads, rbac).

* ``app_role_spec``: validate and normalise the slice of the apps a role owns, with error paths
  that name the role's own variable (``services_apps[2].service.node_port: ...``).
* ``rbac_access_expectations``: the requests a normalised app must be allowed (its declared
  rules, expanded) and denied (the risky list, minus what the app declared on purpose), in the
  shape the ``linkops.k8s_platform.rbac_access`` module takes.

Documentation lives in the sidecar files app_role_spec.yml and rbac_access_expectations.yml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import (
    namespaces_for_apps,
    normalize,
    stand_in_workload,
    validate,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.rbac_access import risky_requests

# The fields of an app each role validates and renders from. Every role keeps the fields that decide
# the app's identity, ports and Service type (an ExternalName app has no pods, no ServiceAccount).
_BASE_FIELDS = ("name", "namespace", "description", "labels", "annotations", "selector", "port", "ports", "service", "metrics")
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    "services": _BASE_FIELDS,
    "workloads": _BASE_FIELDS + ("workload", "storage", "rbac"),
    "rbac": _BASE_FIELDS + ("rbac",),
}


def _slice(app: Any, role: str) -> Any:
    if not isinstance(app, Mapping):
        return app  # the validator reports the wrong type by path
    keep = ROLE_FIELDS[role]
    return {key: value for key, value in app.items() if key in keep}


def _rename(message: str, apps_var: str, namespaces_var: str) -> str:
    message = re.sub(r"\bk8s_platform_apps\b", apps_var, message)
    return re.sub(r"\bk8s_platform_namespaces\b", namespaces_var, message)


def app_role_spec(
    apps: Any,
    role: str,
    apps_var: str = "k8s_platform_apps",
    namespaces: Any = None,
    namespaces_var: str = "k8s_platform_namespaces",
    platform_name: Optional[str] = None,
    environment: Optional[str] = None,
    stand_in_image: Optional[str] = None,
) -> dict[str, Any]:
    """Validate and normalise the apps for one role.

    Returns ``{"errors": [...], "apps": [...]}``: every problem by path (with the role's variable
    names), and the normalised apps when there is none. Namespaces the apps use but ``namespaces``
    does not declare are taken as declared with the default Pod Security level (restricted), so a
    role imported alone works on apps only; the platform_spec preflight checks the whole spec.
    """
    if role not in ROLE_FIELDS:
        raise AnsibleFilterError(f"app_role_spec: role must be one of {', '.join(ROLE_FIELDS)}, got {role!r}")
    if not isinstance(apps, list):
        return {"errors": [f"{apps_var}: must be a list of apps, got {type(apps).__name__}"], "apps": []}
    declared, errors = namespaces_for_apps(apps, namespaces, namespaces_var)
    spec: dict[str, Any] = {"k8s_platform_apps": [_slice(app, role) for app in apps], "k8s_platform_namespaces": declared}
    if platform_name:
        spec["k8s_platform_name"] = platform_name
    if environment:
        spec["k8s_platform_environment"] = environment
    errors += [_rename(message, apps_var, namespaces_var) for message in validate(spec)]
    if errors:
        return {"errors": errors, "apps": []}
    normalised = normalize(spec)["k8s_platform_apps"]
    if stand_in_image and role == "workloads":
        normalised = [{**app, "workload": stand_in_workload(app["workload"], stand_in_image)} for app in normalised]
    return {"errors": [], "apps": normalised}


# --------------------------------------------------------------------------------------
# RBAC expectations
# --------------------------------------------------------------------------------------

def _split_resource(resource: str) -> tuple[str, str]:
    name, _slash, sub = resource.partition("/")
    return name, sub


def _rule_covers(rule: Mapping[str, Any], request: Mapping[str, str]) -> bool:
    """Whether one normalised RBAC rule grants a (resource) request, as the RBAC authorizer matches."""
    if request.get("non_resource_url"):
        return False
    verbs = rule.get("verbs") or []
    if "*" not in verbs and request["verb"] not in verbs:
        return False
    groups = rule.get("api_groups") or []
    if "*" not in groups and request.get("group", "") not in groups:
        return False
    wanted = request["resource"] + (f"/{request['subresource']}" if request.get("subresource") else "")
    resources = rule.get("resources") or []
    combined_ok = (
        "*" in resources
        or wanted in resources
        or (request.get("subresource") and f"*/{request['subresource']}" in resources)
    )
    if not combined_ok:
        return False
    names = rule.get("resource_names") or []
    return not names or request.get("name", "") in names


def _covered(app: Mapping[str, Any], request: Mapping[str, str]) -> bool:
    """Whether the app's declared rules grant the request (Role rules only inside its namespace)."""
    rbac = app["rbac"]
    if request.get("namespace") == app["namespace"] and any(_rule_covers(rule, request) for rule in rbac["rules"]):
        return True
    return any(_rule_covers(rule, request) for rule in rbac["cluster_rules"] if not rule.get("non_resource_urls"))


def _expand(rule: Mapping[str, Any], namespace: str, why: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if rule.get("non_resource_urls"):
        for url in rule["non_resource_urls"]:
            for verb in rule["verbs"]:
                out.append({"verb": verb, "non_resource_url": url, "description": why})
        return out
    for group in rule.get("api_groups") or [""]:
        for resource in rule.get("resources") or []:
            name, sub = _split_resource(resource)
            for verb in rule["verbs"]:
                for object_name in rule.get("resource_names") or [""]:
                    out.append({
                        "verb": verb, "group": group, "resource": name, "subresource": sub,
                        "namespace": namespace, "name": object_name, "description": why,
                    })
    return out


def rbac_access_expectations(app: Mapping[str, Any]) -> dict[str, Any]:
    """What ``rbac_access`` should prove for one normalised app.

    ``expect_allowed``: every declared rule expanded to concrete requests (each group x resource x
    verb x resource name; Role rules in the app's namespace, ClusterRole rules cluster-wide).
    ``expect_denied``: the collection's risky list (Secrets, pods/exec|attach|portforward, escalate,
    bind, impersonate, Nodes, writes to cluster-scoped resources) in the app's namespace, minus the
    requests the app's own rules grant (possible only for what ``allow_risky`` or an explicit
    ClusterRole rule asked for); those are listed in ``risky_granted``.
    """
    if not isinstance(app, Mapping) or "rbac" not in app or "namespace" not in app:
        raise AnsibleFilterError("rbac_access_expectations expects one app of the normalised platform spec")
    namespace = app["namespace"]
    rbac = app["rbac"]
    allowed: list[dict[str, str]] = []
    for index, rule in enumerate(rbac["rules"]):
        allowed += _expand(rule, namespace, f"declared in rbac.rules[{index}]")
    for index, rule in enumerate(rbac["cluster_rules"]):
        allowed += _expand(rule, "", f"declared in rbac.cluster_rules[{index}]")
    denied: list[dict[str, str]] = []
    granted: list[dict[str, str]] = []
    for request in risky_requests(namespace):
        (granted if _covered(app, request) else denied).append(request)
    return {
        "subject": f"system:serviceaccount:{namespace}:{rbac['service_account']}",
        "expect_allowed": allowed,
        "expect_denied": denied,
        "risky_granted": granted,
    }


class FilterModule:
    """linkops.k8s_platform filters for the app roles."""

    def filters(self) -> dict[str, Any]:
        return {
            "app_role_spec": app_role_spec,
            "rbac_access_expectations": rbac_access_expectations,
        }
