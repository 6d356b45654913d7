# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad platform specs through playbooks/site.yml on the real control plane.

Each case must fail with its message (path included), never with a Python traceback, and
nothing may reach the cluster: the valid namespaces in the same spec must not be created.
The cases are the validator's own bad-input catalogue (tests/unit/platform_spec), renamed onto
namespaces unique to this run.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from platform_spec.spec_helpers import BASE, set_path  # noqa: E402  (the unit tests' catalogue)
from platform_spec.test_bad_inputs import CASES  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
SITE = REPO_ROOT / "playbooks" / "site.yml"
BASE_NAMESPACES = [ns["name"] for ns in BASE["k8s_platform_namespaces"]]


def _mentions_namespace(text: str) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in BASE_NAMESPACES)


# Cases whose messages do not quote a namespace name, so they stay exact after renaming; an even
# spread of 30 of them (each is a full ansible-playbook run), across every area of the spec.
def _survives_inventory(value) -> bool:
    """Inventories are YAML/JSON: integer keys and Python-only values cannot be written in one."""
    try:
        return json.loads(json.dumps(value)) == value
    except TypeError:
        return False


_ELIGIBLE = [
    case
    for case in CASES
    if not _mentions_namespace(case[3])
    and not any(_mentions_namespace(json.dumps(v, default=str)) for _, v in case[1])
    and all(_survives_inventory(v) for _, v in case[1])
]
LIVE_CASES = [_ELIGIBLE[round(i * (len(_ELIGIBLE) - 1) / 29)] for i in range(30)] if len(_ELIGIBLE) >= 30 else _ELIGIBLE


def test_enough_live_cases():
    assert len({case[0] for case in LIVE_CASES}) >= 25, len(LIVE_CASES)


def _renamed_spec(changes, suffix: str) -> tuple[dict, list[str]]:
    spec = copy.deepcopy(BASE)
    renames = {name: f"{name}-{suffix}" for name in BASE_NAMESPACES}
    for ns in spec["k8s_platform_namespaces"]:
        ns["name"] = renames[ns["name"]]
    for app in spec["k8s_platform_apps"]:
        app["namespace"] = renames.get(app["namespace"], app["namespace"])
        for peer in (app.get("network") or {}).get("to", []) + (app.get("network") or {}).get("from", []):
            if "namespace" in peer:
                peer["namespace"] = renames.get(peer["namespace"], peer["namespace"])
    for path, value in changes:
        set_path(spec, path, value)
    return spec, list(renames.values())


@pytest.mark.parametrize(("changes", "path", "fragment"), [pytest.param(c, p, f, id=i) for i, c, p, f in LIVE_CASES])
def test_bad_spec_fails_before_anything_is_applied(cluster, run_playbook, unique_name, changes, path, fragment):
    spec, namespaces = _renamed_spec(changes, unique_name[2:])
    result = run_playbook(SITE, spec)
    assert result.returncode != 0, result.output
    variable = re.split(r"[.\[]", path)[0]
    by_validator = f"{path}: " in result.output and fragment in result.output
    # A wrong top-level type is caught one step earlier, by the role's argument_specs.
    by_argument_spec = "Validation of arguments failed" in result.output and f"option '{variable}'" in result.output
    assert by_validator or by_argument_spec, result.output[-3000:]
    assert "Traceback" not in result.output
    for namespace in namespaces:
        assert not cluster.exists("namespace", namespace), f"namespace {namespace} was created despite the bad spec"


def test_the_same_spec_without_the_mistake_converges(cluster, run_playbook, unique_name):
    """The control case: the renamed base spec is valid and its namespaces do get created."""
    spec, namespaces = _renamed_spec([], unique_name[2:])
    try:
        result = run_playbook(SITE, spec, "--tags", "namespaces")
        assert result.returncode == 0, result.output
        for namespace in namespaces:
            assert cluster.exists("namespace", namespace)
    finally:
        for namespace in namespaces:
            cluster.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found", check=False)
