# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the reliability tests: the integration fixtures' module, a second control plane, runs.

tests/integration/conftest.py is loaded from its file (under a module name of its own), so its
``cluster``, ``unique_name`` and ``run_playbook`` fixtures are reused, not copied.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("linkops_integration_conftest", REPO_ROOT / "tests" / "integration" / "conftest.py")
assert _spec and _spec.loader
integration = importlib.util.module_from_spec(_spec)
sys.modules["linkops_integration_conftest"] = integration
_spec.loader.exec_module(integration)

Cluster = integration.Cluster
PlaybookRun = integration.PlaybookRun
CLUSTER_SCRIPT = integration.CLUSTER_SCRIPT
VENV_BIN = integration.VENV_BIN
cluster = integration.cluster
unique_name = integration.unique_name
run_playbook = integration.run_playbook
CACHE_DIR = Path(os.environ.get("LINKOPS_CACHE_DIR", Path.home() / ".cache" / "linkops-k8s-platform"))


def free_port(start: int = 7450, stop: int = 7999) -> int:
    """A free TCP port on 127.0.0.1 below 10001 (the API server refuses its own node-port range), picked at
    random so pytest-xdist workers starting clusters at once do not race for the same one."""
    for port in random.sample(range(start, stop), stop - start):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for a second control plane")


@dataclass(frozen=True)
class ExtraCluster:
    """A control plane started for the tests, which they may stop and start again.

    Everything a ``Cluster`` of the integration fixtures offers (env, kubectl, get_json,
    exists, kubeconfig, bin_dir) is delegated to one.
    """

    base: Cluster
    name: str
    port: int

    def __getattr__(self, attr: str):
        return getattr(self.base, attr)

    def script_env(self) -> dict[str, str]:
        return {**self.env(), "LINKOPS_CLUSTER_NAME": self.name, "LINKOPS_APISERVER_PORT": str(self.port)}

    @property
    def state_dir(self) -> Path:
        return CACHE_DIR / "kwok" / "clusters" / self.name

    def kwokctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env(), "KWOK_WORKDIR": str(CACHE_DIR / "kwok")}
        return subprocess.run([os.path.join(self.bin_dir, "kwokctl"), *args, "--name", self.name], env=env,
                              capture_output=True, text=True, check=False, timeout=180)

    def apiserver_pid(self) -> int:
        return int((self.state_dir / "pids" / "kube-apiserver.pid").read_text().strip())

    def ready(self) -> bool:
        return self.kubectl("get", "--raw", "/readyz", check=False).returncode == 0

    def kill_apiserver(self) -> None:
        """SIGKILL this cluster's kube-apiserver (only this one: its pid comes from the cluster's own pid file)."""
        os.kill(self.apiserver_pid(), 9)
        deadline = time.monotonic() + 30
        while self.ready() and time.monotonic() < deadline:
            time.sleep(0.2)

    def restart(self) -> None:
        """Stop what is left of the cluster and start it again on the same state (etcd data kept)."""
        self.kwokctl("stop", "cluster")
        started = self.kwokctl("start", "cluster")
        deadline = time.monotonic() + 120
        while not self.ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"cluster {self.name} did not come back:\n{started.stdout}\n{started.stderr}")
            time.sleep(1)


def start_extra_cluster(prefix: str) -> ExtraCluster:
    bin_dir = integration.bin_dir()
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    last = ""
    for _attempt in range(2):  # a loaded machine sometimes misses the fake nodes' deadline once
        port = free_port()
        env = {**os.environ, "LINKOPS_CLUSTER_NAME": name, "LINKOPS_APISERVER_PORT": str(port)}
        env["PATH"] = os.pathsep.join([str(VENV_BIN), bin_dir, env.get("PATH", "")])
        proc = subprocess.run(["bash", str(CLUSTER_SCRIPT), "up"], env=env, capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode == 0:
            kubeconfig = proc.stdout.strip().splitlines()[-1]
            return ExtraCluster(Cluster(kubeconfig=kubeconfig, bin_dir=bin_dir, local=True), name=name, port=port)
        last = proc.stderr
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "down"], env=env, capture_output=True, check=False)
    raise RuntimeError(f"could not start control plane {name} on port {port}:\n{last}")


def stop_extra_cluster(extra: ExtraCluster) -> None:
    subprocess.run(["bash", str(CLUSTER_SCRIPT), "down"], env=extra.script_env(), capture_output=True, check=False, timeout=300)


def write_inventory(path: Path, hosts: dict[str, dict]) -> Path:
    path.write_text(json.dumps({"all": {"hosts": hosts}}))
    return path


def ansible_playbook(env: dict[str, str], inventory: Path, playbook: Path, *args: str, timeout: int = 900) -> PlaybookRun:
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr)
