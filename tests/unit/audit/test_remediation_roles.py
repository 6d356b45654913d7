# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every remediation names a role of this collection and a variable that role really has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE, COLLECTION

ROLES = Path(__file__).resolve().parents[3] / "roles"


def role_variables(role: str) -> set[str]:
    """Top-level variables of a role: defaults, vars and the argument spec of its entry points."""
    names: set[str] = set()
    for part in ("defaults", "vars"):
        path = ROLES / role / part / "main.yml"
        if path.exists():
            names |= set(yaml.safe_load(path.read_text()) or {})
    spec = ROLES / role / "meta" / "argument_specs.yml"
    if spec.exists():
        for entry in (yaml.safe_load(spec.read_text()) or {}).get("argument_specs", {}).values():
            names |= set((entry or {}).get("options") or {})
    return names


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e.id)
def test_remediation_names_an_existing_role_and_variable(entry):
    assert (ROLES / entry.role / "tasks" / "main.yml").exists(), f"{entry.id}: no role {entry.role}"
    assert entry.variable in role_variables(entry.role), f"{entry.id}: role {entry.role} has no variable {entry.variable}"
    assert entry.remediation.startswith(f"role {COLLECTION}.{entry.role}, variable {entry.variable}: ")
