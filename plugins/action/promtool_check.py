# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side `promtool check rules` (documentation: plugins/modules/promtool_check.py);
logic in module_utils/promtool.py. One task instead of a temporary file, a copy, a command and a
cleanup, each of which starts a module."""

from __future__ import annotations

import subprocess

from ansible.errors import AnsibleActionFail

from ansible_collections.linkops.k8s_platform.plugins.module_utils.promtool import check_rule_groups
from ansible_collections.linkops.k8s_platform.plugins.plugin_utils.controller_action import ControllerAction

_ARGUMENT_SPEC = {
    "rule_groups": {"type": "list", "elements": "dict", "required": True},
    "promtool": {"type": "str", "default": "promtool"},
    "timeout": {"type": "int", "default": 120},
}


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = _ARGUMENT_SPEC
    _VALID_ARGS = frozenset(_ARGUMENT_SPEC)

    def run_validated(self, result, args):
        if args["timeout"] < 1:
            raise AnsibleActionFail(f"promtool_check: timeout must be at least 1, got {args['timeout']}")
        checked = check_rule_groups(args["rule_groups"], subprocess.run, args["promtool"], args["timeout"])
        result.update(checked.as_dict())
        result["changed"] = False
        if not checked.ran:
            result["failed"] = True
            result["msg"] = f"promtool could not run ({checked.stderr})"
        elif not checked.ok:
            result["failed"] = True
            result["msg"] = f"the rules do not parse (promtool check rules): {checked.stdout} {checked.stderr}".strip()
        return result
