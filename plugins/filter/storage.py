# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the storage role: input validation, desired claims, live-claim and CRD preflight.

Documentation lives in the sidecar files storage_spec_errors.yml, storage_claims.yml,
storage_live_errors.yml, storage_crd_errors.yml and storage_quantity_compare.yml.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.linkops.k8s_platform.plugins.module_utils.platform_spec import parse_quantity
from ansible_collections.linkops.k8s_platform.plugins.module_utils.storage import (
    claims,
    crd_errors,
    live_claim_errors,
    live_class_errors,
    spec_errors,
)


def storage_spec_errors(classes: Any, apps: Any = None, catalogue: Any = None, settings: Any = None) -> list[str]:
    return spec_errors(classes, [] if apps is None else apps, catalogue or {}, settings or {})


def storage_claims(apps: Any, common_labels: Any = None, backup_labels: Any = None) -> list[dict[str, Any]]:
    return claims(apps, common_labels or {}, backup_labels or {})


def storage_live_errors(desired: Any, live_pvcs: Any, desired_classes: Any = None, live_classes: Any = None,
                        rendered_classes: Any = None) -> list[str]:
    errors = live_class_errors(rendered_classes or [], live_classes or [])
    return errors + live_claim_errors(desired, live_pvcs, desired_classes or [], live_classes or [])


def storage_crd_errors(crds: Any, needed: Any, kinds_only: bool = False) -> list[str]:
    return crd_errors(crds, needed, kinds_only)


def storage_quantity_compare(left: Any, right: Any) -> int:
    a, b = parse_quantity(left), parse_quantity(right)
    if a is None or b is None:
        raise AnsibleFilterError(f"not a Kubernetes quantity: {left if a is None else right!r}")
    return (a > b) - (a < b)


class FilterModule:
    """linkops.k8s_platform storage filters."""

    def filters(self) -> dict[str, Any]:
        return {
            "storage_spec_errors": storage_spec_errors,
            "storage_claims": storage_claims,
            "storage_live_errors": storage_live_errors,
            "storage_crd_errors": storage_crd_errors,
            "storage_quantity_compare": storage_quantity_compare,
        }
