# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the platform spec: every validation problem, and the normalised spec.

Documentation lives in the sidecar files platform_spec_errors.yml and platform_spec_normalize.yml.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import (
    PlatformSpecError,
    normalize,
    resources_errors,
    validate,
)


def _extra(extra_known: Optional[Iterable[Any]]) -> list[str]:
    if extra_known is None:
        return []
    if isinstance(extra_known, str) or not isinstance(extra_known, Iterable):
        raise AnsibleFilterError("extra_known must be a list of variable names")
    return [str(item) for item in extra_known]


def platform_spec_errors(spec: Any, extra_known: Optional[Iterable[Any]] = None) -> list[str]:
    """Every problem of the spec, each as 'path: message'; empty when the spec is valid."""
    return validate(spec, _extra(extra_known))


def platform_spec_normalize(spec: Any, extra_known: Optional[Iterable[Any]] = None) -> dict[str, Any]:
    """The spec with every default filled in; fails with all messages when the spec is invalid."""
    try:
        return normalize(spec, _extra(extra_known))
    except PlatformSpecError as exc:
        raise AnsibleFilterError("invalid platform spec:\n" + "\n".join(exc.errors)) from None


def resources_block_errors(value: Any, name: str) -> list[str]:
    """Problems of a chart's container resources variable, each naming the variable; empty when valid."""
    return resources_errors(str(name), value)


class FilterModule:
    """linkops.k8s_platform platform spec filters."""

    def filters(self) -> dict[str, Any]:
        return {
            "platform_spec_errors": platform_spec_errors,
            "platform_spec_normalize": platform_spec_normalize,
            "resources_block_errors": resources_block_errors,
        }
