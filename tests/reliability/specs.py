# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LinkOps example spec (inventories/local), moved onto namespaces unique to a test."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "bench"))

from scale_spec import scaled_spec  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
CONVERGE = PLAYBOOKS / "converge.yml"


def example_spec(prefix: str, apps: int = 7) -> dict[str, Any]:
    """The example's apps in namespaces <prefix>-g0-mlops / <prefix>-g0-mlops-data, without storage
    (the converge playbook has no storage role) so nothing waits for a volume."""
    spec = scaled_spec(apps, prefix)
    for app in spec["k8s_platform_apps"]:
        app.pop("storage", None)
    return spec


def namespaces(spec: dict[str, Any]) -> list[str]:
    return [ns["name"] for ns in spec["k8s_platform_namespaces"]]


def app_names(spec: dict[str, Any], namespace: str) -> set[str]:
    return {app["name"] for app in spec["k8s_platform_apps"] if app["namespace"] == namespace}
