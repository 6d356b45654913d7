# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis: at least 500 malformed platform specs through playbooks/site.yml on the real cluster.

Hypothesis mutates the LinkOps example (inventories/local) and the unit tests' small spec, moved
onto namespaces unique to this run: a value replaced by one no field accepts, an unknown key, a
bad list item. Each spec must get messages from the validator in-process; then all of them go
through site.yml in ONE ansible-playbook run, one inventory host per spec: every host must fail
in the preflight with its own count of problems (each problem's path quoted), or, when a top-level
list holds an element of the wrong type, with the platform_spec role's argument-spec message; no
Python traceback anywhere, nothing changed, and not one of the specs' namespaces may exist afterwards.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import validate
from helpers import REPO_ROOT, VENV_BIN, ansible_playbook, write_inventory
from specs import example_spec

sys.path.insert(0, str(REPO_ROOT / "tests" / "unit"))
from platform_spec.spec_helpers import BASE, malformed_specs  # noqa: E402  pylint: disable=wrong-import-position

SITE = REPO_ROOT / "playbooks" / "site.yml"
WANTED = 500


def _renamed_base(prefix: str) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    rename = {ns["name"]: f"{prefix}-{ns['name']}" for ns in spec["k8s_platform_namespaces"]}
    text = json.dumps(spec)
    for old, new in rename.items():
        text = re.sub(rf'"namespace": "{old}"', f'"namespace": "{new}"', text)
        text = text.replace(f'"name": "{old}", "pod_security"', f'"name": "{new}", "pod_security"')
    return json.loads(text)


# JSON-representable values no field of the schema accepts (an inventory is YAML or JSON).
never_valid = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()))
plain = st.one_of(st.none(), st.booleans(), st.integers(-1000, 100000), st.text(alphabet="abcxyz-_.09 ", max_size=10))


def _generate(seeds: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    found: dict[str, tuple[dict[str, Any], list[str]]] = {}

    # Top-level unknown keys keep the k8s_platform_ prefix: only those reach the spec from an inventory.
    @settings(max_examples=WANTED + 150, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(malformed_specs(seeds, never_valid, plain, top_level_prefix="k8s_platform_zz_"))
    def collect(spec: dict[str, Any]) -> None:
        errors = validate(spec)
        assert errors, "a malformed spec validated clean"
        assert all(isinstance(error, str) and ": " in error for error in errors)
        assert not any("internal validator error" in error for error in errors), errors
        found[json.dumps(spec, sort_keys=True)] = (spec, errors)

    collect()  # pylint: disable=no-value-for-parameter
    return list(found.values())


def test_500_malformed_specs_fail_in_preflight_with_messages_and_nothing_applied(cluster, tmp_path: Path, unique_name: str) -> None:
    seeds = [example_spec(f"{unique_name}x"), _renamed_base(f"{unique_name}y")]
    for seed in seeds:
        assert validate(seed) == [], validate(seed)
    cases = _generate(seeds)
    assert len(cases) >= WANTED, len(cases)

    hosts = {}
    for index, (spec, _errors) in enumerate(cases):
        hosts[f"spec{index:04d}"] = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
                                     "k8s_platform_kubeconfig": cluster.kubeconfig, **spec}
    inventory = write_inventory(tmp_path / "malformed.json", hosts)
    run = ansible_playbook(cluster.env(), inventory, SITE, "--forks", "20", timeout=3600)
    flat = " ".join(run.output.split())

    assert run.returncode != 0
    assert "Traceback" not in run.output
    recap = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(r"^(spec\d{4})\s*: ok=(\d+)\s+changed=(\d+)", run.stdout, re.M)}
    failed = dict(re.findall(r"^(spec\d{4})\s*: .*failed=(\d+)", run.stdout, re.M))
    assert len(recap) == len(cases)
    assert all(failed[host] == "1" for host in hosts), [h for h in hosts if failed.get(h) != "1"][:10]
    assert all(changed == 0 for _ok, changed in recap.values())
    blocks = dict(re.findall(r"fatal: \[(spec\d{4})\]: FAILED! =>(.*?)(?=fatal: \[|TASK \[|PLAY RECAP)", run.stdout, re.S))
    assert set(blocks) == set(hosts)
    by_argument_spec = []
    for index, (_spec, errors) in enumerate(cases):
        host = f"spec{index:04d}"
        block = " ".join(blocks[host].split())
        if "Validation of arguments failed" in block:
            # the role's argument spec (meta/argument_specs.yml) caught a wrong element type first
            assert "k8s_platform_" in block, block
            by_argument_spec.append(host)
            continue
        # otherwise the preflight names the host and counts exactly the problems the validator found in-process
        assert f"The platform spec of {host} has {len(errors)} problem(s)" in block, (index, errors, block[:2000])
        assert all(error.split(":")[0] in block for error in errors), (index, errors)
    print(f"{len(cases)} malformed specs; {len(by_argument_spec)} stopped by the role's argument spec before the validator")
    assert "The platform spec of" in flat
    leaked = [ns for ns in cluster.kubectl("get", "namespaces", "-o", "name").stdout.split() if unique_name in ns]
    assert leaked == []
