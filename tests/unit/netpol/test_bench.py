# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bench runs and its evaluators agree (small sizes: the real run is bench/netpol_matrix.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "netpol_matrix.py"


def test_bench_smoke():
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--pods", "60", "--policies", "25", "--ports", "80,53/UDP", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(proc.stdout)
    assert figures["agree"] is True
    assert figures["pods"] == 60 and figures["policies"] == 25
    assert figures["cells"] == 60 * 60 * 2
    assert set(figures["seconds"]) == {"fast", "fast_build", "fast_rows", "module", "per_pair", "naive"}
    assert 0 < figures["allowed_cells"] < figures["cells"]


def test_bench_generation_is_deterministic():
    sys.path.insert(0, str(BENCH.parent))
    try:
        import netpol_matrix  # noqa: PLC0415
    finally:
        sys.path.remove(str(BENCH.parent))
    assert netpol_matrix.generate(50, 20, seed=3) == netpol_matrix.generate(50, 20, seed=3)
    assert netpol_matrix.generate(50, 20, seed=3) != netpol_matrix.generate(50, 20, seed=4)
