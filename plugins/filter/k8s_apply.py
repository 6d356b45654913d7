# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugins used by the k8s_apply role."""

from __future__ import annotations

from ansible_collections.linkops.k8s_platform.plugins.module_utils.object_diff import results_diff


def k8s_results_diff(task_result):
    return results_diff(task_result or {})


class FilterModule:
    def filters(self):
        return {"k8s_results_diff": k8s_results_diff}
