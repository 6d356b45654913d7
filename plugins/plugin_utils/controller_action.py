# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's controller-side actions (k8s_apply_objects, k8s_read).

They talk to the API server from the Ansible worker itself: no connection to the inventory host,
no file transfer, arguments validated against the subclass's ARGUMENT_SPEC before `run_validated`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC: ClassVar[Mapping[str, Any]] = {}
    # Extra keywords for validate_argument_spec (mutually_exclusive, required_one_of, ...).
    ARGUMENT_RULES: ClassVar[Mapping[str, Any]] = {}

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=dict(self.ARGUMENT_SPEC), **self.ARGUMENT_RULES)
        return self.run_validated(result, args)

    def run_validated(self, result: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError
