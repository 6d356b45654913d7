# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# Apache License 2.0 (see LICENSE)
"""Filter plugins used by the k8s_apply role."""

from __future__ import annotations

from ansible_collections.linkops.k8s_platform.plugins.module_utils.object_diff import results_diff


def k8s_results_diff(task_result):
    return results_diff(task_result or {})


class FilterModule:
    def filters(self):
        return {"k8s_results_diff": k8s_results_diff}
