# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side server-side apply (documentation: plugins/modules/k8s_apply_objects.py).

Runs in the Ansible worker (a fork of the controller): no module packaging, no new interpreter.
The kubernetes client is imported at the top of this file, so the strategy's class-only load
of this plugin in the controller process pays the import once per playbook, not per task.
The logic is in plugins/module_utils/server_side_apply.py.
"""

from __future__ import annotations

import copy
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.linkops.k8s_platform.plugins.module_utils.server_side_apply import (
    ApplyInputError,
    ApplyOptions,
    apply_objects,
    check_objects,
)

ARGUMENT_SPEC = copy.deepcopy(AUTH_ARG_SPEC)
ARGUMENT_SPEC.update(
    objects={"type": "list", "elements": "raw", "required": True},
    field_manager={"type": "str", "default": "linkops.k8s_platform"},
    force_conflicts={"type": "bool", "default": False},
    wait={"type": "bool", "default": False},
    wait_timeout={"type": "int", "default": 120},
    wait_sleep={"type": "int", "default": 1},
)
_AUTH_KEYS = tuple(AUTH_ARG_SPEC)
_SECRET_KEYS = tuple(name for name, spec in AUTH_ARG_SPEC.items() if spec.get("no_log"))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        shown = {k: ("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" if k in _SECRET_KEYS and v is not None else v) for k, v in args.items()}
        result["invocation"] = {"module_args": shown}
        try:
            objects = check_objects(args["objects"])
        except ApplyInputError as exc:
            raise AnsibleActionFail(f"k8s_apply_objects: {exc}") from None
        auth = {k: args[k] for k in _AUTH_KEYS if args.get(k) is not None}
        kubeconfig = auth.get("kubeconfig")
        where = f" (kubeconfig {kubeconfig})" if isinstance(kubeconfig, str) else ""
        if isinstance(kubeconfig, str) and not os.path.exists(os.path.expanduser(kubeconfig)):
            raise AnsibleActionFail(f"Failed to get client due to the kubeconfig file {kubeconfig} does not exist")
        try:
            client = get_api_client(**auth)
        except Exception as exc:  # CoreException (bad kubeconfig/context) and config errors alike
            raise AnsibleActionFail(f"Failed to get client due to {exc}{where}") from None
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
