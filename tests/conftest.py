# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the repository importable as ansible_collections.linkops.k8s_platform.

The repository root is the collection. pytest imports it through a symlink tree at
.collections/ansible_collections/linkops/k8s_platform (the Makefile's `collection-link`
target makes the same link for ansible-playbook and molecule).
"""

from __future__ import annotations

import os
import sys

import pytest
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS_ROOT = REPO_ROOT / ".collections"


def _link_collection() -> None:
    link = COLLECTIONS_ROOT / "ansible_collections" / "linkops" / "k8s_platform"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO_ROOT, target_is_directory=True)
        except FileExistsError:  # another xdist worker made it first
            pass
    if str(COLLECTIONS_ROOT) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_ROOT))
    os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))


_link_collection()


@pytest.fixture(autouse=True)
def _fresh_ansible_warnings(monkeypatch):
    """Each test runs a module as if in its own process.

    Ansible keeps module warnings and deprecations in process-wide dicts (deduplicated), which
    a real module run starts empty; and once any controller-side code (a filter plugin, the
    templar) has been imported in the process, module warnings go to the controller's display
    instead of the result. A real module process has neither, so neither may leak between tests.
    """
    from ansible.module_utils import _internal
    from ansible.module_utils.common import warnings

    monkeypatch.setattr(_internal, "is_controller", False)
    warnings._global_warnings.clear()  # pylint: disable=protected-access
    warnings._global_deprecations.clear()  # pylint: disable=protected-access
    yield
