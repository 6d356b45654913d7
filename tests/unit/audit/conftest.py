# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# Apache License 2.0 (see LICENSE)
"""Prints the corpus precision/recall table in pytest's terminal summary."""

from __future__ import annotations

CORPUS_TABLE: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest hook signature
    if CORPUS_TABLE:
        terminalreporter.section("checklist_audit corpus: precision and recall per check")
        for line in CORPUS_TABLE:
            terminalreporter.write_line(line)
