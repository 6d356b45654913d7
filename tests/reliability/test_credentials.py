# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad kubeconfig, context or token: a clear error; a token never shows in the output, even with -vvv."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml

from helpers import VENV_BIN, ansible_playbook, write_inventory

PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles:
    - role: linkops.k8s_platform.namespaces
"""


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def token_access(cluster, unique_name):
    """A ServiceAccount allowed to manage namespaces, its token and the API server URL."""
    home = f"{unique_name}-sa"
    cluster.kubectl("create", "namespace", home)
    cluster.kubectl("create", "serviceaccount", "deployer", "-n", home)
    cluster.kubectl("create", "clusterrole", home, "--verb=get,list,watch,create,patch,update", "--resource=namespaces")
    cluster.kubectl("create", "clusterrolebinding", home, f"--clusterrole={home}", f"--serviceaccount={home}:deployer")
    token = cluster.kubectl("create", "token", "deployer", "-n", home, "--duration=10m").stdout.strip()
    server = yaml.safe_load(Path(cluster.kubeconfig).read_text(encoding="utf-8"))["clusters"][0]["cluster"]["server"]
    yield {"token": token, "server": server, "target": f"{unique_name}-ns"}
    for args in (("clusterrolebinding", home), ("clusterrole", home), ("namespace", home), ("namespace", f"{unique_name}-ns")):
        cluster.kubectl("delete", *args, "--ignore-not-found", "--wait=false", check=False)


def _run(cluster, tmp_path: Path, host_vars: dict, target: str) -> tuple[int, str]:
    host = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
            "k8s_platform_namespaces": [{"name": target, "pod_security": "restricted"}], **host_vars}
    inventory = write_inventory(tmp_path / f"inv-{uuid.uuid4().hex[:6]}.json", {"token-cluster": host})
    playbook = tmp_path / "namespaces.yml"
    playbook.write_text(PLAYBOOK)
    env = cluster.env()
    for name in ("KUBECONFIG", "K8S_PLATFORM_KUBECONFIG"):  # only what the inventory says
        env.pop(name, None)
    run = ansible_playbook(env, inventory, playbook, "-vvv")
    return run.returncode, run.output


def _assert_no_secret(output: str, token: str) -> None:
    assert token not in output
    assert token[-24:] not in output  # not even the signature's tail
    assert token.split(".")[1][:24] not in output  # nor the claims


def test_good_token_converges_without_showing_it(cluster, tmp_path: Path, token_access: dict) -> None:
    token, target = token_access["token"], token_access["target"]
    rc, output = _run(cluster, tmp_path, {"k8s_platform_host": token_access["server"], "k8s_platform_api_key": token,
                                          "k8s_platform_validate_certs": False}, target)
    assert rc == 0, output
    _assert_no_secret(output, token)
    assert cluster.exists("namespace", target)


def test_bad_token_is_a_clear_error_without_the_token(cluster, tmp_path: Path, token_access: dict) -> None:
    bad = token_access["token"][:-30] + uuid.uuid4().hex[:30]
    rc, output = _run(cluster, tmp_path, {"k8s_platform_host": token_access["server"], "k8s_platform_api_key": bad,
                                          "k8s_platform_validate_certs": False}, token_access["target"])
    flat = _flat(output)
    assert rc != 0
    assert "namespaces: applying failed" in flat and "Unauthorized" in flat, flat[-3000:]
    _assert_no_secret(output, bad)
    _assert_no_secret(output, token_access["token"])
    assert not cluster.exists("namespace", token_access["target"])


def test_bad_context_is_a_clear_error(cluster, tmp_path: Path, token_access: dict) -> None:
    rc, output = _run(cluster, tmp_path, {"k8s_platform_kubeconfig": cluster.kubeconfig, "k8s_platform_context": "no-such-context"},
                      token_access["target"])
    flat = _flat(output)
    assert rc != 0
    assert "namespaces: applying failed" in flat and "no-such-context" in flat, flat[-3000:]
    assert not cluster.exists("namespace", token_access["target"])


def test_bad_kubeconfig_is_a_clear_error(cluster, tmp_path: Path, token_access: dict) -> None:
    missing = tmp_path / "nowhere" / "kubeconfig.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": "not a list"}))
    for path in (missing, broken):
        rc, output = _run(cluster, tmp_path, {"k8s_platform_kubeconfig": str(path)}, token_access["target"])
        flat = _flat(output)
        assert rc != 0, path
        assert "namespaces: applying failed" in flat and str(path) in flat, flat[-3000:]
    assert not cluster.exists("namespace", token_access["target"])
