# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Python file of the repository carries the collection's licence header (GPL-3.0-or-later,
COPYING), the one ansible-test's validate-modules wants on modules, and no other licence."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
HEADER = (
    "# -*- coding: utf-8 -*-\n"
    "# Copyright: (c) 2026, LinkOps platform engineering\n"
    "# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)\n"
)


def python_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [REPO / name for name in listed if (REPO / name).is_file()]


def test_every_python_file_starts_with_the_gpl_header() -> None:
    files = python_files()
    assert len(files) > 100, "git ls-files found too few files: is this a checkout?"
    wrong = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            continue  # empty package markers
        body = text.split("\n", 1)[1] if text.startswith("#!") else text
        if not body.startswith(HEADER) or "Apache License" in text[:500]:
            wrong.append(str(path.relative_to(REPO)))
    assert wrong == []
