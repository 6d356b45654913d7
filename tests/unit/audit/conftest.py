# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prints the corpus precision/recall table in pytest's terminal summary.

test_corpus.py writes the table to tests/output/audit_corpus_scores.txt; the summary shows it
when that file was written during this session (so it also works under pytest-xdist, where the
test runs in a worker process).
"""

from __future__ import annotations

import time
from pathlib import Path

CORPUS_TABLE: list[str] = []
SCORES_FILE = Path(__file__).resolve().parents[2] / "output" / "audit_corpus_scores.txt"
# This conftest is imported before any test of this folder runs.
_LOADED = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest hook signature
    lines = list(CORPUS_TABLE)
    if not lines and SCORES_FILE.exists() and SCORES_FILE.stat().st_mtime >= _LOADED - 1:
        lines = SCORES_FILE.read_text().splitlines()
    if lines:
        terminalreporter.section("checklist_audit corpus: precision and recall per check")
        for line in lines:
            terminalreporter.write_line(line)
