# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the Molecule scenarios' testinfra tests (molecule/<scenario>/tests/).

Molecule's testinfra verifier runs pytest in the scenario's directory with
`--connection=ansible --ansible-inventory=<the scenario's inventory>`. testinfra's `host` fixture is
then the inventory's one host, molecule-cluster, whose ansible_connection is local: `host` runs
commands on this machine, which is also where the local cluster's real node runs (a pod IP or a
ClusterIP answers a `curl` from here). On top of it:

- `spec`: the scenario's host variables, i.e. its inventory (platform spec, role variables);
- `kube`: kubectl with the scenario's kubeconfig: objects as dicts, polling, and a testinfra host
  inside a pod (testinfra's kubectl backend, `kubectl exec`) to check what the pod itself reaches;
- `module`: one of the collection's modules, run by `ansible` on the scenario's inventory host;
- `scratch_pod`: a throwaway agnhost pod, deleted after the test.

molecule/pytest.ini makes molecule/ pytest's rootdir, which is why this file is loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import testinfra

REPO_ROOT = Path(__file__).resolve().parents[1]
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.59"


def _prepare_environment() -> None:
    # testinfra's kubectl backend runs the kubectl on PATH: make sure there is one (the local
    # cluster's binaries, as tools/run-tests.sh puts them on PATH).
    if shutil.which("kubectl") is None:
        build = REPO_ROOT / "tools" / "local-cluster" / "build.sh"
        bin_dir = subprocess.run(["bash", str(build), "--print"], capture_output=True, text=True, check=True).stdout.strip()
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    # The collection's own Python (filters, module_utils) is importable as ansible_collections.linkops.k8s_platform.
    collections = str(REPO_ROOT / ".collections")
    if collections not in sys.path:
        sys.path.insert(0, collections)


_prepare_environment()


class Kube:
    """kubectl against the scenario's cluster, run with testinfra's `host` (the control node)."""

    def __init__(self, host: Any, kubeconfig: str) -> None:
        self.host = host
        self.kubeconfig = kubeconfig

    def kubectl(self, *args: str, check: bool = True) -> Any:
        """Run kubectl; a failure fails the test unless `check` is false (then read `.rc`, `.stderr`)."""
        command = " ".join(["kubectl --kubeconfig %s"] + ["%s"] * len(args))
        result = self.host.run(command, self.kubeconfig, *args)
        if check:
            assert result.rc == 0, f"kubectl {' '.join(args)} failed (rc {result.rc}): {result.stderr.strip()}"
        return result

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """One object as a dict, None when it does not exist."""
        scope = ["-n", namespace] if namespace else []
        out = self.kubectl("get", kind, name, *scope, "-o", "json", "--ignore-not-found").stdout
        return json.loads(out) if out.strip() else None

    def items(self, kind: str, namespace: str | None = None, selector: str | None = None) -> list[dict[str, Any]]:
        """Every object of a kind (in a namespace, or all namespaces), optionally by label selector."""
        scope = ["-n", namespace] if namespace else ["-A"]
        labels = ["-l", selector] if selector else []
        return json.loads(self.kubectl("get", kind, *scope, *labels, "-o", "json").stdout)["items"]

    def apply(self, *objects: dict[str, Any], check: bool = True, dry_run: bool = False) -> Any:
        """`kubectl apply` of objects given as dicts; `dry_run`: through admission, nothing stored."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as manifest:
            json.dump({"apiVersion": "v1", "kind": "List", "items": list(objects)}, manifest)
        try:
            return self.kubectl("apply", *(["--dry-run=server"] if dry_run else []), "-f", manifest.name, check=check)
        finally:
            os.unlink(manifest.name)

    @staticmethod
    def until(probe: Callable[[], Any], timeout: float = 60, interval: float = 2) -> Any:
        """Call `probe` until it returns something truthy or `timeout` seconds passed; its last answer."""
        deadline = time.monotonic() + timeout
        answer = probe()
        while not answer and time.monotonic() < deadline:
            time.sleep(interval)
            answer = probe()
        return answer

    def ready_pods(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        """The pods of a selector that run, are Ready and are not being deleted, by name."""
        pods = [pod for pod in self.items("pods", namespace, selector)
                if pod["status"].get("phase") == "Running" and "deletionTimestamp" not in pod["metadata"]
                and any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))]
        return sorted(pods, key=lambda pod: pod["metadata"]["name"])

    def pod_host(self, namespace: str, pod: str, container: str | None = None) -> Any:
        """A testinfra host inside the pod: commands run with `kubectl exec`, in the pod's network namespace."""
        target = f"kubectl://{pod}?namespace={namespace}" + (f"&container={container}" if container else "")
        return testinfra.get_host(target, kubeconfig=self.kubeconfig)

    def app_host(self, namespace: str, app: str) -> Any:
        """A testinfra host inside a ready pod of an app (selected by app.kubernetes.io/name)."""
        pods = self.ready_pods(namespace, f"app.kubernetes.io/name={app}")
        assert pods, f"no ready pod of {namespace}/{app}"
        return self.pod_host(namespace, pods[0]["metadata"]["name"])

    @staticmethod
    def process_status(inside: Any) -> dict[str, str]:
        """/proc/self/status of a process started in a pod (`inside` from pod_host): Uid, CapBnd,
        NoNewPrivs, Seccomp... as the kernel applies them (the stand-in images have no `id`)."""
        lines = inside.check_output("cat /proc/self/status").splitlines()
        return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}

    @staticmethod
    def ready_endpoints(slices: list[dict[str, Any]]) -> list[str]:
        """Addresses of the ready endpoints of EndpointSlices."""
        return sorted(address for s in slices for e in s.get("endpoints") or []
                      if (e.get("conditions") or {}).get("ready") for address in e["addresses"])


def restricted_pod(name: str, namespace: str, args: list[str], labels: dict[str, str] | None = None,
                   run_as_user: int = 65534, ready_port: int | None = None) -> dict[str, Any]:
    """An agnhost pod the restricted Pod Security level admits (`args`: agnhost's, e.g. `["pause"]`);
    with `ready_port`, Ready once that TCP port accepts connections."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"linkops.io/molecule-scratch": "true", **(labels or {})}},
        "spec": {
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 0,
            "securityContext": {"runAsNonRoot": True, "runAsUser": run_as_user, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "main",
                "image": AGNHOST,
                "args": args,
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }],
        },
    }
    if ready_port:
        pod["spec"]["containers"][0]["readinessProbe"] = {"tcpSocket": {"port": ready_port}, "periodSeconds": 1}
    return pod


@pytest.fixture(scope="module")
def spec(host: Any) -> dict[str, Any]:
    """The scenario's inventory variables for molecule-cluster."""
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def kube(host: Any, spec: dict[str, Any]) -> Kube:
    return Kube(host, spec["k8s_platform_kubeconfig"])


@pytest.fixture(scope="module")
def module(host: Any, spec: dict[str, Any], request: pytest.FixtureRequest) -> Callable[..., dict[str, Any]]:
    """`module("rbac_access", subject=..., ...)`: the module's result; a failed run fails the test with its message.

    An ad-hoc `ansible` run on the scenario's inventory host with the json callback, not
    `host.ansible`: testinfra reads the result from `ansible --tree`, which on ansible-core 2.21
    does not carry `failed`, so a module that fails (a mismatch of netpol_reachability or
    rbac_access) would look like a success there.
    """

    def run(name: str, **args: Any) -> dict[str, Any]:
        target = spec["inventory_hostname"]
        proc = host.run(
            "ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json ansible %s -i %s -m %s -a %s",
            target, request.config.option.ansible_inventory, f"linkops.k8s_platform.{name}",
            json.dumps({"kubeconfig": spec["k8s_platform_kubeconfig"], **args}))
        try:
            result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"][target]
        except (ValueError, KeyError, IndexError):
            pytest.fail(f"{name} gave no result (rc {proc.rc}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        if result.get("failed") or proc.rc != 0:
            pytest.fail(f"{name} failed (rc {proc.rc}): {result.get('msg', result)}")
        return result

    return run


@pytest.fixture
def scratch_pod(kube: Kube) -> Iterator[Callable[..., dict[str, Any]]]:
    """`scratch_pod(pod_dict)`: creates the pod, waits until it is Ready and returns it as read back;
    every pod made this way is deleted after the test."""
    made: list[tuple[str, str]] = []

    def make(pod: dict[str, Any], timeout: int = 90) -> dict[str, Any]:
        pod = json.loads(json.dumps(pod))
        pod["metadata"]["name"] = f"{pod['metadata']['name']}-{uuid.uuid4().hex[:5]}"
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        kube.apply(pod)
        made.append((namespace, name))
        waited = kube.kubectl("-n", namespace, "wait", "--for=condition=Ready", f"pod/{name}", f"--timeout={timeout}s", check=False)
        assert waited.rc == 0, f"pod {namespace}/{name} did not become Ready: {waited.stderr.strip()}\n{kube.get('pod', name, namespace)}"
        return kube.get("pod", name, namespace)

    yield make
    for namespace, name in made:
        kube.kubectl("-n", namespace, "delete", "pod", name, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture(scope="session")
def agnhost_pod() -> Callable[..., dict[str, Any]]:
    """`agnhost_pod(name, namespace, args, ...)`: the manifest of restricted_pod()."""
    return restricted_pod
