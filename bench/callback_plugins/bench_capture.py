# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench-only callback: record the objects every server-side apply of a run sent to the cluster.

Enabled by bench/run_all.py with ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins and
ANSIBLE_CALLBACKS_ENABLED=bench_capture; writes to $BENCH_CAPTURE_FILE when the play ends a JSON
object: ``objects`` (the manifests, in apply order), ``tasks`` (tasks started), ``apply_tasks``
and ``apply_seconds`` (how many server-side apply tasks ran and their wall time, start of the
task to its result), so the report can say where a converge's time goes. The objects are read from the module's own
``invocation.module_args`` (the templated arguments it ran with), so the kubectl baseline
applies exactly what the roles rendered.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_capture
type: aggregate
short_description: record the manifests each server-side apply sent (bench only)
description: Writes the objects of every state=present apply to $BENCH_CAPTURE_FILE as one JSON list.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
"""

_APPLY_ACTIONS = {"kubernetes.core.k8s", "k8s", "linkops.k8s_platform.k8s_apply_objects", "k8s_apply_objects"}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_capture"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._objects: list[dict] = []
        self._tasks = 0
        self._apply_tasks = 0
        self._apply_seconds = 0.0
        self._task_started = 0.0

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:  # pylint: disable=unused-argument
        self._tasks += 1
        self._task_started = time.perf_counter()

    def _record(self, result) -> None:
        if result._task.action not in _APPLY_ACTIONS:  # pylint: disable=protected-access
            return
        args = (result._result.get("invocation") or {}).get("module_args") or {}  # pylint: disable=protected-access
        if args.get("state", "present") != "present":
            return
        self._apply_tasks += 1
        self._apply_seconds += time.perf_counter() - self._task_started
        definition = args.get("definition") or args.get("objects") or []
        if isinstance(definition, dict):
            definition = [definition]
        self._objects.extend(obj for obj in definition if isinstance(obj, dict))

    def v2_runner_on_ok(self, result) -> None:
        self._record(result)

    def v2_playbook_on_stats(self, stats) -> None:  # pylint: disable=unused-argument
        path = os.environ.get("BENCH_CAPTURE_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"objects": self._objects, "tasks": self._tasks, "apply_tasks": self._apply_tasks,
                           "apply_seconds": round(self._apply_seconds, 3)}, handle)
