# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml run by ansible-playbook, in check mode, on manifests (audit_resources).

The live run on the local control plane belongs to the integration tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import audit_corpus_lib as corpus

REPO = Path(__file__).resolve().parents[3]
PLAYBOOK = REPO / "playbooks" / "audit.yml"
EXCLUDE = ["kube-system", "kube-public", "kube-node-lease", "platform"]


def ansible_playbook() -> str:
    beside = Path(sys.executable).parent / "ansible-playbook"
    found = str(beside) if beside.exists() else shutil.which("ansible-playbook")
    assert found, "ansible-playbook not found"
    return found


def run_playbook(tmp_path: Path, extra_vars: dict, *args: str) -> subprocess.CompletedProcess:
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra_vars))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home"))
    command = [ansible_playbook(), "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
               "-e", f"@{vars_file}", str(PLAYBOOK), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO, env=env, check=False)


def test_syntax_with_the_project_inventory(tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"), ANSIBLE_HOME=str(tmp_path / "home"))
    done = subprocess.run([ansible_playbook(), "-i", str(REPO / "inventories" / "local"), "--syntax-check", str(PLAYBOOK)],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_mode_offline_writes_the_report(tmp_path):
    report = tmp_path / "reports" / "audit.md"
    done = run_playbook(tmp_path, {"audit_resources": corpus.build_objects({"name": "pb", "base": True}), "audit_exclude_namespaces": EXCLUDE,
                                   "audit_report_path": str(report), "audit_report_format": "markdown"}, "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "score 100/100, 0 findings" in done.stdout
    assert "changed=0" in done.stdout
    assert report.read_text().startswith("# Kubernetes checklist audit")


def test_fail_on_fails_the_play_after_the_summary(tmp_path):
    case = {"name": "pb-fail", "base": True, "set": {"Deployment/shop/web": {"spec.template.spec.hostNetwork": True}}}
    report = tmp_path / "audit.html"
    done = run_playbook(tmp_path, {"audit_resources": corpus.build_objects(case), "audit_exclude_namespaces": EXCLUDE,
                                   "audit_report_path": str(report), "audit_fail_on": "critical", "audit_skip_checks": ["MON-"]}, "--check")
    assert done.returncode != 0
    assert "1 finding(s) at or above critical: POD-007" in done.stdout
    assert "score " in done.stdout and "1 findings" in done.stdout
    assert 'id="check-POD-007" data-status="fail"' in report.read_text()
    assert 'id="check-MON-001" data-status="not_applicable"' in report.read_text()


def test_default_report_path_is_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    done = run_playbook(tmp_path, {"audit_resources": corpus.build_objects({"name": "pb-default", "base": True}),
                                   "audit_exclude_namespaces": EXCLUDE, "audit_report_format": "sarif"}, "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    expected = tmp_path / "xdg" / "linkops-k8s-platform" / "reports" / "audit-localhost.sarif"
    assert f"report: {expected}" in done.stdout
    assert json.loads(expected.read_text())["version"] == "2.1.0"
    assert not (REPO / "reports").exists() or not any((REPO / "reports").glob("audit-localhost.*"))
