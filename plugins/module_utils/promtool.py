# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus rule groups through `promtool check rules`, Prometheus' own parser.

promtool reads rule files, so the groups are written to a private temporary file that is removed
afterwards, whatever happens. Used by the controller-side promtool_check action.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Runner = Callable[..., subprocess.CompletedProcess]


@dataclass(frozen=True)
class PromtoolResult:
    ran: bool  # False: the binary was not found or could not be started
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.ran and self.rc == 0

    def as_dict(self) -> dict[str, Any]:
        return {"ran": self.ran, "rc": self.rc, "stdout": self.stdout, "stderr": self.stderr}


def check_rule_groups(groups: Sequence[Mapping[str, Any]], run: Runner, binary: str = "promtool", timeout: int = 120) -> PromtoolResult:
    """`promtool check rules` on a file holding `{"groups": groups}`; `run` is subprocess.run (or a
    stand-in), given by the caller: the action plugin, which may start processes."""
    handle, path = tempfile.mkstemp(suffix=".rules.yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            # JSON is YAML to promtool, and json takes the str/dict subclasses Ansible hands over
            # (tagged values) where yaml.safe_dump refuses them.
            json.dump({"groups": list(groups)}, out, indent=1)
        try:
            done = run([binary, "check", "rules", path], capture_output=True, text=True, check=False, timeout=timeout)
        except (OSError, subprocess.SubprocessError) as exc:
            return PromtoolResult(ran=False, rc=-1, stdout="", stderr=f"{binary}: {exc}")
        return PromtoolResult(ran=True, rc=done.returncode, stdout=done.stdout.replace(path, "rules"),
                              stderr=done.stderr.replace(path, "rules"))
    finally:
        os.unlink(path)
