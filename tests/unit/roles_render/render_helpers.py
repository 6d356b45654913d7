# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the roles' templates with Ansible's own templar, as the roles' set_fact lookups do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.linkops.k8s_platform.plugins.filter.app_roles import app_role_spec

REPO_ROOT = Path(__file__).resolve().parents[3]
ROLE_DEFAULTS = {
    "workloads": {"workloads_default_probes": True, "workloads_tmp_volume": True, "workloads_tmp_volume_size": "64Mi"},
}
TEMPLATES = {"services": "services.yaml.j2", "workloads": "workloads.yaml.j2", "rbac": "rbac.yaml.j2"}


def inventory(env: str = "local") -> dict[str, Any]:
    path = REPO_ROOT / "inventories" / env / "group_vars" / "all" / "platform.yml"
    return yaml.safe_load(path.read_text())


def normalised(role: str, apps: list[dict[str, Any]], namespaces: Any = None, environment: Any = None) -> list[dict[str, Any]]:
    result = app_role_spec(apps, role, apps_var=f"{role}_apps", namespaces=namespaces, environment=environment)
    assert result["errors"] == [], result["errors"]
    return result["apps"]


def render(role: str, apps: list[dict[str, Any]], namespaces: Any = None, environment: Any = None, **overrides: Any) -> list[dict[str, Any]]:
    """The objects the role would apply for these (raw) apps."""
    source = (REPO_ROOT / "roles" / role / "templates" / TEMPLATES[role]).read_text()
    variables = {**ROLE_DEFAULTS.get(role, {}), f"_{role}_apps": normalised(role, apps, namespaces, environment), **overrides}
    text = Templar(loader=DataLoader(), variables=variables).template(trust_as_template(source))
    return [doc for doc in yaml.safe_load_all(text or "") if doc]


def by_kind_name(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}
