# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the network_policies role: validate the apps, render the NetworkPolicies, plan the proof.

The logic lives in plugins/module_utils/netpol_render.py; documentation in the sidecar files
network_policies_spec.yml, network_policies_render.yml and network_policies_verify_plan.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol_render import (
    render_policies,
    role_spec,
    verify_plan,
)


def _settings(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError(f"network_policies filters: settings must be a dict, got {type(settings).__name__}")
    return dict(settings)


def network_policies_spec(apps: Any, namespaces: Any = None, settings: Any = None, apps_var: str = "network_policies_apps",
                          namespaces_var: str = "network_policies_namespaces", platform_name: Optional[str] = None,
                          environment: Optional[str] = None) -> dict[str, Any]:
    return role_spec(apps, namespaces, _settings(settings), apps_var=apps_var, namespaces_var=namespaces_var,
                     platform_name=platform_name, environment=environment)


def _apps(apps: Any, name: str) -> list[Any]:
    if not isinstance(apps, list) or any(not isinstance(a, Mapping) or "network" not in a for a in apps):
        raise AnsibleFilterError(f"{name} expects the apps normalised by network_policies_spec")
    return apps


def network_policies_render(apps: Any, settings: Any = None) -> list[dict[str, Any]]:
    return render_policies(_apps(apps, "network_policies_render"), _settings(settings))


def network_policies_verify_plan(apps: Any, settings: Any = None, pods: Any = None) -> dict[str, Any]:
    if pods is not None and not isinstance(pods, list):
        raise AnsibleFilterError("network_policies_verify_plan: pods must be a list of Pod objects (or omitted for offline)")
    return verify_plan(_apps(apps, "network_policies_verify_plan"), _settings(settings), pods)


class FilterModule:
    """linkops.k8s_platform filters for the network_policies role."""

    def filters(self) -> dict[str, Any]:
        return {
            "network_policies_spec": network_policies_spec,
            "network_policies_render": network_policies_render,
            "network_policies_verify_plan": network_policies_verify_plan,
        }
