# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side reads (documentation: plugins/modules/k8s_read.py); logic in module_utils/k8s_read.py.

Like k8s_apply_objects, it runs in the Ansible worker, and the kubernetes client import at the top
is paid once per playbook by the strategy's class-only load of this plugin.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.linkops.k8s_platform.plugins.module_utils.controller_client import ClientError, argument_spec, client_from_args
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_read import Query, ReadError, read, read_all
from ansible_collections.linkops.k8s_platform.plugins.plugin_utils.controller_action import ControllerAction

_ARGUMENT_SPEC = argument_spec(
    kind={"type": "str"},
    api_version={"type": "str", "default": "v1"},
    namespace={"type": "str"},
    name={"type": "str"},
    label_selectors={"type": "list", "elements": "str", "default": []},
    field_selectors={"type": "list", "elements": "str", "default": []},
    queries={"type": "dict"},
)
_QUERY_KEYS = ("kind", "api_version", "namespace", "name", "label_selectors", "field_selectors")


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = _ARGUMENT_SPEC
    ARGUMENT_RULES = {"mutually_exclusive": [("kind", "queries")], "required_one_of": [("kind", "queries")]}
    _VALID_ARGS = frozenset(_ARGUMENT_SPEC)

    def run_validated(self, result, args):
        try:
            if args.get("queries") is not None:
                queries = {str(name): Query.from_dict(f"queries.{name}", raw) for name, raw in args["queries"].items()}
                client = client_from_args(args)
                result["queries"] = read_all(client, queries)
            else:
                single = Query.from_dict("k8s_read", {k: args[k] for k in _QUERY_KEYS})
                client = client_from_args(args)
                result.update(read(client, single))
        except ReadError as exc:
            raise AnsibleActionFail(f"k8s_read: {exc}") from None
        except ClientError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result["changed"] = False
        return result
