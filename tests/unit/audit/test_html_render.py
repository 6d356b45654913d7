# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open the HTML report in headless Chromium (Debian's `chromium` package).

The test fails, never skips, when Chromium is missing: CI installs it (apt-get install chromium).
The screenshot is kept as a test artifact in tests/output/audit_report.png (gitignored).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

import audit_corpus_lib as corpus

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE, SECTIONS
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import run_audit
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.reports import to_html, write_report

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "output"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]
FLOWS = [
    {"from": "ingress-nginx/controller", "to": "shop/web", "port": 8080, "protocol": "TCP"},
    {"from": "shop/web", "to": "shop/db", "port": 5432, "protocol": "TCP"},
    {"from": "shop/web", "to": "kube-system/kube-dns", "port": 53, "protocol": "UDP"},
]


def _chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install -y chromium)")
    return path


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(tmp_path))
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    case = {
        "name": "render",
        "base": True,
        "set": {"Deployment/shop/web": {"spec.template.spec.hostNetwork": True}},
        "remove": ["NetworkPolicy/shop/default-deny-egress"],
    }
    options, _expected = corpus.case_options(case)
    result = run_audit(corpus.build_objects(case), options, forbidden={"Secret": "forbidden (403 Forbidden)"})
    path = tmp_path_factory.mktemp("report") / "audit.html"
    write_report(str(path), to_html(result, FLOWS))
    return path


def test_chromium_renders_the_report(report, tmp_path):
    chromium = _chromium()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT / "audit_report.png"
    if screenshot.exists():
        screenshot.unlink()
    common = FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]

    dom = _run([chromium, *common, "--dump-dom", report.as_uri()], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert "<title>Kubernetes checklist audit</title>" in html
    for key, title in SECTIONS:
        assert f'id="section-{key}"' in html, key
    assert html.count('<tr class="check"') == len(CATALOGUE)
    assert 'id="check-POD-007" data-status="fail"' in html
    assert 'id="check-ING-004" data-status="error"' in html
    assert '<svg id="flows-graph"' in html
    assert 'id="section-flows"' in html

    shot = _run([chromium, *common, f"--screenshot={screenshot}", "--window-size=1280,2000", report.as_uri()], tmp_path)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.exists(), shot.stderr[-2000:]
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    # a blank page compresses to a few kilobytes; the rendered report is far larger
    assert len(data) > 50_000, len(data)
