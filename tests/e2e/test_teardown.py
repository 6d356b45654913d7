# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make cluster-down` leaves nothing of the real node behind: no process, mount, network
namespace, veth, interface, iptables/nftables rule, ipset, cgroup or state. Runs last (make test
runs it on its own, after the rest of the tier), because it takes the cluster down."""

from __future__ import annotations

import subprocess

import pytest

from e2e_env import NODE_SCRIPT
from k8s_cluster import CLUSTER_SCRIPT

pytestmark = pytest.mark.local_node


def test_cluster_down_leaves_nothing_of_the_node(cluster, real_node):
    before = subprocess.run(["bash", str(NODE_SCRIPT), "leftovers"], capture_output=True, text=True)
    assert before.returncode == 1 and "process kubelet" in before.stdout, \
        f"the check must see a running node before the teardown, got: {before.stdout!r}"
    down = subprocess.run(["bash", str(CLUSTER_SCRIPT), "down"], capture_output=True, text=True, timeout=300)
    assert down.returncode == 0, down.stderr
    after = subprocess.run(["bash", str(NODE_SCRIPT), "leftovers"], capture_output=True, text=True)
    assert after.returncode == 0, f"left behind by cluster.sh down:\n{after.stdout}"
