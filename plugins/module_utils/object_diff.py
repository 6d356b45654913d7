# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readable diffs of applied objects, for `--check --diff` on multi-object applies.

kubernetes.core.k8s puts one `diff` per object under `result.results` when given a list of
definitions, which Ansible's callbacks do not show; this turns them into unified diffs.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

# Fields that change on every write and say nothing about what the role changed.
NOISY_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp")


def _clean(obj: Any) -> Any:
    if not isinstance(obj, Mapping):
        return obj
    cleaned = dict(obj)
    metadata = cleaned.get("metadata")
    if isinstance(metadata, Mapping):
        cleaned["metadata"] = {k: v for k, v in metadata.items() if k not in NOISY_METADATA}
    cleaned.pop("status", None)
    return cleaned


def _label(result: Mapping[str, Any]) -> str:
    obj = result.get("result") or {}
    metadata = obj.get("metadata") or {}
    name = metadata.get("name", "?")
    namespace = metadata.get("namespace")
    return f"{obj.get('kind', '?')} {namespace + '/' if namespace else ''}{name}"


def results_diff(task_result: Mapping[str, Any]) -> list[str]:
    """One unified diff per object that changed, in the order applied."""
    entries = task_result.get("result", {}).get("results") if isinstance(task_result.get("result"), Mapping) else None
    if entries is None:
        entries = [task_result]
    diffs: list[str] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not entry.get("changed"):
            continue
        diff = entry.get("diff") or {}
        before = json.dumps(_clean(diff.get("before") or {}), indent=2, sort_keys=True).splitlines()
        after = json.dumps(_clean(diff.get("after") or entry.get("result") or {}), indent=2, sort_keys=True).splitlines()
        label = _label(entry)
        text = "\n".join(difflib.unified_diff(before, after, f"{label} (cluster)", f"{label} (wanted)", lineterm=""))
        diffs.append(text or f"{label}: changed")
    return diffs
