# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the end-to-end tests know of the local cluster: its addresses and pinned versions, read
from the same files tools/local-cluster uses."""

from __future__ import annotations

from pathlib import Path

LOCAL_CLUSTER = Path(__file__).resolve().parents[2] / "tools" / "local-cluster"
NODE_SCRIPT = LOCAL_CLUSTER / "node.sh"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a shell env file (comments and blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    return values


NETWORK = read_env_file(LOCAL_CLUSTER / "network.env")
VERSIONS = read_env_file(LOCAL_CLUSTER / "versions.env")
