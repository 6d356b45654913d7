# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cluster the tests talk to (kubectl with its kubeconfig) and ansible-playbook runs on it.

Shared by the integration and end-to-end tiers' fixtures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CLUSTER_SCRIPT = REPO_ROOT / "tools" / "local-cluster" / "cluster.sh"
BUILD_SCRIPT = REPO_ROOT / "tools" / "local-cluster" / "build.sh"
CRDS_SCRIPT = REPO_ROOT / "tools" / "local-cluster" / "crds.sh"
VENV_BIN = Path(sys.executable).parent


def bin_dir() -> str:
    return subprocess.run(["bash", str(BUILD_SCRIPT), "--print"], check=True, capture_output=True, text=True).stdout.strip()


def crds_dir() -> Path:
    """The upstream CRDs, one folder per API group: $LINKOPS_CRDS_DIR (tools/run-tests.sh sets it), else
    what tools/local-cluster/crds.sh prints (it downloads them first when they are missing)."""
    found = os.environ.get("LINKOPS_CRDS_DIR") or subprocess.run(
        ["bash", str(CRDS_SCRIPT)], check=True, capture_output=True, text=True).stdout.strip()
    return Path(found)


def crd_files(*groups: str) -> list[Path]:
    """The upstream CRD files of these API groups."""
    files = []
    for group in groups:
        found = sorted((crds_dir() / group).glob("*.yaml"))
        if not found:
            raise RuntimeError(f"no CRD of {group} in {crds_dir()} (run tools/local-cluster/crds.sh)")
        files += found
    return files


@dataclass(frozen=True)
class Cluster:
    kubeconfig: str
    bin_dir: str
    local: bool

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["KUBECONFIG"] = self.kubeconfig
        env["K8S_PLATFORM_KUBECONFIG"] = self.kubeconfig
        env["PATH"] = os.pathsep.join([str(VENV_BIN), self.bin_dir, env.get("PATH", "")])
        env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO_ROOT / ".collections")
        env["ANSIBLE_FORCE_COLOR"] = "0"
        env["ANSIBLE_NOCOLOR"] = "1"
        env.update(extra)
        return env

    def kubectl(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [os.path.join(self.bin_dir, "kubectl"), *args],
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def get_json(self, *args: str) -> dict:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def exists(self, *args: str) -> bool:
        return self.kubectl("get", *args, check=False).returncode == 0

    def apply_crds(self, *groups: str, field_manager: str = "linkops-test-fixtures") -> None:
        """Server-side apply the upstream CRDs of these API groups (left installed: shared), wait until Established."""
        files = [arg for path in crd_files(*groups) for arg in ("-f", str(path))]
        self.kubectl("apply", "--server-side", f"--field-manager={field_manager}", *files)
        self.kubectl("wait", "--for=condition=Established", "--timeout=60s", *files)

    def run_module(self, module: str, args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        """Run one of the collection's modules against this cluster; its result."""
        _code, result = run_adhoc(module, {"kubeconfig": self.kubeconfig, **args}, self.env(), check_mode=check_mode)
        return result


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def recap(self) -> dict[str, int]:
        """Totals over the PLAY RECAP lines (ok, changed, failed, ...)."""
        totals: dict[str, int] = {}
        for line in self.stdout.splitlines():
            if " : ok=" not in line:
                continue
            for key, value in re.findall(r"(\w+)=(\d+)", line):
                totals[key] = totals.get(key, 0) + int(value)
        return totals


def run_adhoc(module: str, args: dict[str, Any], env: dict[str, str] | None = None, check_mode: bool = False,
              local_temp: Path | None = None) -> tuple[int, dict[str, Any]]:
    """Run one of the collection's modules as an ad-hoc task on localhost, as a user would (AnsiballZ
    and all), with the json callback: (ansible's exit code, the task's result)."""
    env = dict(env or os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / ".collections"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    if local_temp is not None:
        env["ANSIBLE_LOCAL_TEMP"] = str(local_temp)
    command = [str(VENV_BIN / "ansible"), "localhost", "-m", f"linkops.k8s_platform.{module}", "-a", json.dumps(args),
               "-e", json.dumps({"ansible_python_interpreter": str(VENV_BIN / "python")})]
    if check_mode:
        command.append("--check")
    proc = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False)
    try:
        return proc.returncode, json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError) as exc:
        raise AssertionError(f"{module} gave no result (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}") from exc
