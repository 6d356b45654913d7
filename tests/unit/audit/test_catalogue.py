# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue: stable IDs, every entry implemented, docs/audit.md in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# importing the engine registers the checks
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit import engine  # noqa: F401 pylint: disable=unused-import
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import (
    API_VERSIONS,
    CATALOGUE,
    SECTIONS,
    SEVERITIES,
    catalogue_markdown,
    id_matches,
    select,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.context import REGISTRY

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit.md"
PLANNED_ROLES = {"namespaces", "services", "workloads", "rbac", "ingress_controller", "ingress", "cert_manager",
                 "network_policies", "storage", "dns", "monitoring"}

# The IDs the issue fixes as a public interface; they must never disappear.
PUBLIC_IDS = (
    [f"SVC-00{i}" for i in range(1, 8)]
    + [f"ING-{i:03d}" for i in range(1, 12)]
    + ["CRT-001"]
    + [f"RBAC-00{i}" for i in range(1, 10)]
    + [f"NET-00{i}" for i in range(1, 8)]
    + [f"POD-00{i}" for i in range(1, 10)]
    + [f"STO-00{i}" for i in range(1, 10)]
    + [f"DNS-00{i}" for i in range(1, 4)]
    + [f"MON-00{i}" for i in range(1, 9)]
)


def test_public_ids_are_all_there_and_unique():
    ids = [c.id for c in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert set(PUBLIC_IDS) <= set(ids)


def test_every_entry_is_implemented_and_nothing_else():
    assert set(REGISTRY) == {c.id for c in CATALOGUE}


@pytest.mark.parametrize("entry", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_entry_is_complete(entry):
    assert entry.title and entry.fix
    assert entry.section in dict(SECTIONS)
    assert entry.severity in SEVERITIES
    assert entry.role in PLANNED_ROLES
    assert entry.variable.startswith(entry.role + "_"), "public role variables carry the role name as prefix"
    assert entry.remediation.startswith(f"role linkops.k8s_platform.{entry.role}, variable {entry.variable}: ")
    assert entry.kinds and all(kind in API_VERSIONS for kind in entry.kinds)
    assert re.fullmatch(r"[A-Z]+-\d{3}", entry.id)


def test_select_by_ids_and_prefixes():
    chosen, unknown = select(["NET-", "ING-004"], ["NET-007"])
    assert [c.id for c in chosen] == ["ING-004", "NET-001", "NET-002", "NET-003", "NET-004", "NET-005", "NET-006"]
    assert unknown == []
    chosen, unknown = select(["NET"], None)
    assert len(chosen) == 7 and not unknown
    _chosen, unknown = select(["NOPE-", "ING-099"], None)
    assert unknown == ["NOPE-", "ING-099"]
    assert len(select(None, None)[0]) == len(CATALOGUE)


def test_id_matches():
    assert id_matches("ING-007", "ING-007")
    assert id_matches("ing-", "ING-007")
    assert id_matches("RBAC", "RBAC-001")
    assert id_matches("*", "MON-001")
    assert not id_matches("ING-00", "ING-007")
    assert not id_matches("ING-007", "ING-0070")
    assert not id_matches("", "ING-007")


def test_docs_table_matches_the_catalogue():
    text = DOC.read_text()
    begin, end = "<!-- catalogue:begin -->\n", "<!-- catalogue:end -->"
    assert begin in text and end in text
    table = text[text.index(begin) + len(begin): text.index(end)]
    assert table == catalogue_markdown(), "docs/audit.md is out of date: regenerate the table from catalogue_markdown()"
    documented = re.findall(r"^\| ([A-Z]+-\d{3}) \| (.+?) \| (\w+) \|", table, flags=re.M)
    assert [(c.id, c.title, c.severity) for c in CATALOGUE] == documented
