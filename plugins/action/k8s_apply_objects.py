# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side server-side apply (documentation: plugins/modules/k8s_apply_objects.py).

Runs in the Ansible worker (a fork of the controller): no module packaging, no new interpreter.
The kubernetes client is imported (through module_utils) at the top of this file, so the linear
strategy's class-only load of this plugin in the controller process pays the import once per
playbook, not per task. The logic is in plugins/module_utils/server_side_apply.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.linkops.k8s_platform.plugins.module_utils.controller_client import (
    ClientError,
    argument_spec,
    client_from_args,
    masked,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.server_side_apply import (
    ApplyInputError,
    ApplyOptions,
    apply_objects,
    check_objects,
)
from ansible_collections.linkops.k8s_platform.plugins.plugin_utils.controller_action import ControllerAction

_ARGUMENT_SPEC = argument_spec(
    objects={"type": "list", "elements": "raw", "required": True},
    field_manager={"type": "str", "default": "linkops.k8s_platform"},
    force_conflicts={"type": "bool", "default": False},
    wait={"type": "bool", "default": False},
    wait_timeout={"type": "int", "default": 120},
    wait_sleep={"type": "int", "default": 1},
)


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = _ARGUMENT_SPEC
    _VALID_ARGS = frozenset(_ARGUMENT_SPEC)

    def run_validated(self, result, args):
        result["invocation"] = {"module_args": masked(args)}
        try:
            objects = check_objects(args["objects"])
            client = client_from_args(args)
        except (ApplyInputError, ClientError) as exc:
            raise AnsibleActionFail(f"k8s_apply_objects: {exc}" if isinstance(exc, ApplyInputError) else str(exc)) from None
        options = ApplyOptions(
            field_manager=args["field_manager"],
            force_conflicts=args["force_conflicts"],
            dry_run=bool(self._task.check_mode),
            diff=bool(self._task.diff),
            wait=args["wait"],
            wait_timeout=args["wait_timeout"],
            wait_sleep=args["wait_sleep"],
        )
        result.update(apply_objects(client, objects, options).as_result())
        return result
