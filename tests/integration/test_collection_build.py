# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built collection tarball installs, and its roles, modules and filters resolve by FQCN."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_built_tarball_installs_and_resolves_by_fqcn(tmp_path: Path):
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"], galaxy["version"]) == ("linkops", "k8s_platform", "0.1.0")
    assert galaxy["dependencies"]["kubernetes.core"] == ">=5.0.0"

    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    # Only the installed copy: not the repository's own .collections link.
    env["ANSIBLE_COLLECTIONS_PATH"] = str(tmp_path / "collections")
    env["ANSIBLE_CONFIG"] = str(tmp_path / "ansible.cfg")
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")

    run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO_ROOT)], env, tmp_path)
    tarball = tmp_path / "linkops-k8s_platform-0.1.0.tar.gz"
    assert tarball.is_file()
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    for excluded in ("tests/", "molecule/", "tools/", "bench/", ".venv", ".collections", ".ci/"):
        assert not any(name.startswith(excluded) or f"/{excluded}" in f"/{name}" for name in names), f"{excluded} shipped in the tarball"
    assert "roles/namespaces/meta/argument_specs.yml" in names
    assert "meta/runtime.yml" in names

    # --no-deps: kubernetes.core comes from the ansible package already installed (no Galaxy here).
    run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(tmp_path / "collections"), str(tarball)], env, tmp_path)
    installed = tmp_path / "collections" / "ansible_collections" / "linkops" / "k8s_platform"
    assert (installed / "MANIFEST.json").is_file()

    modules = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    for module in modules:
        doc = run([str(VENV_BIN / "ansible-doc"), f"linkops.k8s_platform.{module}"], env, tmp_path)
        assert module in doc.stdout

    roles = sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file())
    assert "namespaces" in roles
    for role in roles:
        doc = run([str(VENV_BIN / "ansible-doc"), "-t", "role", f"linkops.k8s_platform.{role}"], env, tmp_path)
        assert f"linkops.k8s_platform.{role}" in doc.stdout

    playbook = tmp_path / "uses_fqcn.yml"
    playbook.write_text(
        yaml.safe_dump(
            [{"hosts": "localhost", "gather_facts": False, "roles": [{"role": f"linkops.k8s_platform.{role}"} for role in roles]}]
        )
    )
    run([str(VENV_BIN / "ansible-playbook"), "--syntax-check", str(playbook)], env, tmp_path)
