# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the monitoring role's unit tests: the role's files, its rules rendered with its
defaults, and the real promtool (built by tools/local-cluster/build.sh promtool)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jinja2
import yaml

from ansible_collections.linkops.k8s_platform.plugins.module_utils.promtool import PromtoolResult, check_rule_groups

REPO_ROOT = Path(__file__).resolve().parents[3]
ROLE = REPO_ROOT / "roles" / "monitoring"
DASHBOARDS = sorted((ROLE / "files" / "dashboards").glob("*.json"))


def promtool_binary() -> str:
    bin_dir = subprocess.run(["bash", str(REPO_ROOT / "tools" / "local-cluster" / "build.sh"), "--print"],
                             check=True, capture_output=True, text=True).stdout.strip()
    candidate = Path(bin_dir) / "promtool"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("promtool")
    if not found:
        raise RuntimeError("promtool is missing: run `bash tools/local-cluster/build.sh promtool`")
    return found


def defaults() -> dict:
    return yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())


def render_rules(cni: str = "none", ingress: str | None = None, alerts: dict | None = None) -> dict:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=False)
    template = env.from_string((ROLE / "templates" / "rules.yaml.j2").read_text())
    values = defaults()
    text = template.render(
        monitoring_alerts=alerts or values["monitoring_alerts"],
        monitoring_ingress_controller=ingress or values["monitoring_ingress_controller"],
        _monitoring_netpol_cni=cni,
    )
    return yaml.safe_load(text)


def promtool_check(groups: list[dict]) -> PromtoolResult:
    """The role's own check (module_utils/promtool, behind the promtool_check action) with the real promtool."""
    return check_rule_groups(groups, subprocess.run, promtool_binary(), timeout=60)


def load_dashboard(path: Path) -> dict:
    return json.loads(path.read_text())


