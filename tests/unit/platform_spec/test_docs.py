# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/platform-spec.md and the validator cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import known_field_paths, validate

from .spec_helpers import mutate
from .test_bad_inputs import CASES

REPO = Path(__file__).resolve().parents[3]
DOC = (REPO / "docs" / "platform-spec.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(k8s_platform_[^`]+)` \| ([^|]+?(?:\\\|[^|]+?)*) \|", re.MULTILINE)
TYPE_NAMES = {"string": "string", "integer": "integer", "boolean": "boolean", "list": "list", "dict": "dict", "dict of strings": "map"}


def documented_fields() -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {}
    section = DOC.split("\n## Fields\n", 1)[1].split("\n## ", 1)[0]
    for path, types in ROW.findall(section):
        assert path not in fields, f"{path} is documented twice"
        names = types.replace("(required)", "").split("\\|")
        fields[path] = tuple(TYPE_NAMES[name.strip()] for name in names)
    return fields


def test_every_documented_field_is_known_and_vice_versa() -> None:
    documented, known = documented_fields(), known_field_paths()
    assert sorted(set(documented) - set(known)) == [], "documented but unknown to the validator"
    assert sorted(set(known) - set(documented)) == [], "known to the validator but not documented"


def test_documented_types_match_the_schema() -> None:
    documented, known = documented_fields(), known_field_paths()
    mismatched = {path: (documented[path], known[path]) for path in known if documented.get(path) != known[path]}
    assert mismatched == {}


def test_full_example_is_the_prod_inventory_and_valid() -> None:
    block = DOC.split("## Full example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    example = yaml.safe_load(block)
    with open(REPO / "inventories" / "prod" / "group_vars" / "all" / "platform.yml", encoding="utf-8") as handle:
        assert example == yaml.safe_load(handle)
    assert validate(example) == []


def test_example_messages_are_what_the_validator_says() -> None:
    """Every message quoted in the docs' example table is produced, verbatim, by its test case."""
    rows = re.findall(r"^\| ([a-z0-9-]+) \| `(k8s_platform_[^`]+)` \|$", DOC, re.MULTILINE)
    cases = {case_id: changes for case_id, changes, _path, _fragment in CASES}
    assert len(rows) >= 25
    for case_id, message in rows:
        assert message.replace("\\|", "|") in validate(mutate(*cases[case_id])), case_id
