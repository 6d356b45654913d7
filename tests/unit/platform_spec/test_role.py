# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform_spec role through ansible-playbook (no cluster needed: it makes no cluster call)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PLAY = """
- hosts: all
  gather_facts: false
  roles:
    - linkops.k8s_platform.platform_spec
  tasks:
    - ansible.builtin.debug:
        msg: "SPEC={{ k8s_platform_spec.k8s_platform_apps | map(attribute='rbac.service_account') | select | list | to_json }}"
"""


def run(tmp_path: Path, env_name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    play = tmp_path / "play.yml"
    play.write_text(PLAY, encoding="utf-8")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), K8S_PLATFORM_KUBECONFIG="/nonexistent")
    binary = Path(sys.executable).parent / "ansible-playbook"
    return subprocess.run([str(binary), "-i", str(REPO / "inventories" / env_name), str(play), *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_role_sets_normalised_fact(tmp_path: Path) -> None:
    result = run(tmp_path, "prod")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SPEC=" in result.stdout
    spec_text = result.stdout.split("SPEC=", 1)[1]
    for account in ("mlops-platform-sa", "audit-assess-sa", "database-sa"):
        assert f'"{account}"' in spec_text


def test_role_fails_with_every_message(tmp_path: Path) -> None:
    bad = {"k8s_platform_app": [], "k8s_platform_apps": [{"name": "api", "namespace": "ghost", "port": 70000, "service": {"type": "NodePort", "node_port": 80}}]}
    result = run(tmp_path, "local", "-e", json.dumps(bad))
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "has 4 problem(s)" in out
    for message in ("k8s_platform_app: unknown platform variable", "k8s_platform_apps[0].port: 70000 is outside 1-65535",
                    "k8s_platform_apps[0].service.node_port: 80 is outside 30000-32767", "namespace 'ghost' is not declared"):
        assert message in out
    assert "Traceback" not in out
