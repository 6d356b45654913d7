# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes.core's client for the collection's controller-side action plugins.

Same connection options as kubernetes.core's modules (AUTH_ARG_SPEC, with the K8S_AUTH_*
environment variables read by `get_api_client`), with kubeconfig problems named by path.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client

AUTH_KEYS = tuple(AUTH_ARG_SPEC)
SECRET_KEYS = tuple(name for name, spec in AUTH_ARG_SPEC.items() if spec.get("no_log"))
NO_LOG_MARK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


class ClientError(Exception):
    """The client could not be made (missing or broken kubeconfig, unknown context)."""


def argument_spec(**own: Mapping[str, Any]) -> dict[str, Any]:
    """kubernetes.core's connection options plus the action's own."""
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(own)
    return spec


def masked(args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments as they may be shown (secrets replaced, as Ansible does for modules)."""
    return {k: (NO_LOG_MARK if k in SECRET_KEYS and v is not None else v) for k, v in args.items()}


def client_from_args(args: Mapping[str, Any]) -> Any:
    auth = {k: args[k] for k in AUTH_KEYS if args.get(k) is not None}
    kubeconfig = auth.get("kubeconfig")
    if isinstance(kubeconfig, str) and not os.path.exists(os.path.expanduser(kubeconfig)):
        raise ClientError(f"Failed to get client due to the kubeconfig file {kubeconfig} does not exist")
    try:
        return get_api_client(**auth)
    except Exception as exc:  # CoreException (bad kubeconfig or context) and configuration errors alike
        where = f" (kubeconfig {kubeconfig})" if isinstance(kubeconfig, str) else ""
        raise ClientError(f"Failed to get client due to {exc}{where}") from None
