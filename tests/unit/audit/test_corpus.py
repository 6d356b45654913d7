# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The labelled corpus: precision and recall per check must be 1.0.

True positive: an ID in a case's `expect` that triggered. False negative: one that did not.
False positive: an ID that triggered while listed in `expect_not`, or, in an `exhaustive`
case, any ID not in `expect`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import audit_corpus_lib as corpus
from conftest import CORPUS_TABLE

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE

CASES = corpus.load_cases()
OUTPUT = Path(__file__).resolve().parents[2] / "output"


def _score() -> tuple[dict[str, dict[str, int]], list[str]]:
    counts = {c.id: {"tp": 0, "fp": 0, "fn": 0, "cases": 0} for c in CATALOGUE}
    failures = []
    for case in CASES:
        result = corpus.run_case(case)
        got = corpus.triggered(result)
        expect = set(case.get("expect") or [])
        expect_not = set(case.get("expect_not") or [])
        errors = [f"{r['id']}: {r['reason']}" for r in result["checks"] if r["status"] == "error"]
        if errors:
            failures.append(f"{case['file']}: {case['name']}: checks in error: {errors}")
        judged = set(counts) if case.get("exhaustive") else expect | expect_not
        for check_id in judged:
            counts[check_id]["cases"] += 1
        for check_id in expect:
            counts[check_id]["tp" if check_id in got else "fn"] += 1
        false_positive = got & expect_not
        if case.get("exhaustive"):
            false_positive |= got - expect
        for check_id in false_positive:
            counts[check_id]["fp"] += 1
        missing = expect - got
        if missing or false_positive:
            failures.append(f"{case['file']}: {case['name']}: missing {sorted(missing)}, unexpected {sorted(false_positive)}")
    return counts, failures


def test_corpus_is_large_enough_and_well_formed():
    assert len(CASES) >= 150
    known = {c.id for c in CATALOGUE}
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    for case in CASES:
        labels = set(case.get("expect") or []) | set(case.get("expect_not") or [])
        assert labels <= known, f"{case['name']}: unknown IDs {labels - known}"
        assert "expect" in case or "expect_not" in case, f"{case['name']}: no labels"
        assert not set(case.get("expect") or []) & set(case.get("expect_not") or []), case["name"]


def test_baseline_is_clean():
    result = corpus.run_case({"name": "baseline", "base": True})
    assert result["findings"] == []
    assert result["summary"]["score"] == 100
    assert result["summary"]["checks"]["pass"] > 50


def test_precision_and_recall_per_check_are_one():
    counts, failures = _score()
    lines = [f"{'check':<9} {'judged':>6} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"]
    for check_id, row in counts.items():
        precision = row["tp"] / (row["tp"] + row["fp"]) if row["tp"] + row["fp"] else 1.0
        recall = row["tp"] / (row["tp"] + row["fn"]) if row["tp"] + row["fn"] else 0.0
        lines.append(f"{check_id:<9} {row['cases']:>6} {row['tp']:>4} {row['fp']:>4} {row['fn']:>4} {precision:>9.3f} {recall:>7.3f}")
    total_tp = sum(r["tp"] for r in counts.values())
    total_fp = sum(r["fp"] for r in counts.values())
    total_fn = sum(r["fn"] for r in counts.values())
    lines.append(f"{len(CASES)} cases; tp {total_tp}, fp {total_fp}, fn {total_fn}")
    CORPUS_TABLE[:] = lines
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "audit_corpus_scores.txt").write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))
    assert not failures, "\n".join(failures)
    never_triggered = [check_id for check_id, row in counts.items() if row["tp"] == 0]
    assert not never_triggered, f"every check needs at least one positive case: {never_triggered}"
    for check_id, row in counts.items():
        assert row["fp"] == 0 and row["fn"] == 0, check_id


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}::{c['name']}" for c in CASES])
def test_case(case):
    result = corpus.run_case(case)
    got = corpus.triggered(result)
    expect = set(case.get("expect") or [])
    assert expect <= got, f"missing {sorted(expect - got)}"
    assert not got & set(case.get("expect_not") or []), f"unexpected {sorted(got & set(case.get('expect_not') or []))}"
    if case.get("exhaustive"):
        assert got == expect, f"unexpected {sorted(got - expect)}"
