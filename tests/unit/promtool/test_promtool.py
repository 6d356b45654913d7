# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/promtool with a stand-in runner, and with the real promtool when it is built."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from ansible_collections.linkops.k8s_platform.plugins.module_utils.promtool import check_rule_groups

GROUPS = [{"name": "app", "rules": [{"alert": "AppDown", "expr": 'up{job="app"} == 0', "for": "5m"}]}]


def test_the_groups_reach_promtool_in_a_file_that_is_removed_afterwards():
    seen = {}

    def run(argv, **_kwargs):
        seen["argv"] = argv
        seen["content"] = yaml.safe_load(Path(argv[-1]).read_text(encoding="utf-8"))
        return subprocess.CompletedProcess(argv, 1, f"Checking {argv[-1]}\n  FAILED:\n", "bad expr\n")

    result = check_rule_groups(GROUPS, run, "/opt/promtool")
    assert seen["argv"][:3] == ["/opt/promtool", "check", "rules"]
    assert seen["content"] == {"groups": GROUPS}
    assert not os.path.exists(seen["argv"][-1])
    assert result.ran and not result.ok and result.rc == 1
    assert result.stdout == "Checking rules\n  FAILED:\n"  # the temporary path is not shown


def test_a_missing_binary_is_reported_not_raised():
    result = check_rule_groups(GROUPS, subprocess.run, "/nonexistent/promtool")
    assert not result.ran and not result.ok
    assert "/nonexistent/promtool" in result.stderr


class TaggedStr(str):
    """Like the str subclass Ansible passes for templated values."""


def test_str_and_dict_subclasses_are_written():
    seen = {}

    def run(argv, **_kwargs):
        seen["content"] = yaml.safe_load(Path(argv[-1]).read_text(encoding="utf-8"))
        return subprocess.CompletedProcess(argv, 0, "SUCCESS", "")

    groups = [{TaggedStr("name"): TaggedStr("app"), "rules": [{"record": TaggedStr("x:y"), "expr": TaggedStr("up")}]}]
    assert check_rule_groups(groups, run).ok
    assert seen["content"] == {"groups": [{"name": "app", "rules": [{"record": "x:y", "expr": "up"}]}]}
