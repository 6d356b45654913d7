# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the reliability tests: the integration fixtures, plus a second control plane.

``cluster``, ``unique_name`` and ``run_playbook`` are the ones of tests/integration/conftest.py
(loaded from that file by helpers.py). ``second_cluster`` starts a throw-away control plane of
its own (tools/local-cluster with LINKOPS_CLUSTER_NAME / LINKOPS_APISERVER_PORT), so tests may
stop its API server without touching the shared cluster on port 6443; it is removed at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import ExtraCluster, integration, start_extra_cluster, stop_extra_cluster  # noqa: E402  pylint: disable=wrong-import-position

cluster = integration.cluster
unique_name = integration.unique_name
run_playbook = integration.run_playbook


@pytest.fixture(scope="session")
def second_cluster() -> Iterator[ExtraCluster]:
    try:
        extra = start_extra_cluster("rel")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield extra
    finally:
        stop_extra_cluster(extra)
