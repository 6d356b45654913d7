# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every scenario's full matrix through all three evaluation paths.

1. the fast matrix (`NetpolModel.allowed_rows`, bitsets) for pod pairs, plus
   `NetpolModel.evaluate` for the IP cells;
2. `NetpolModel.evaluate` for every cell, which also names the deciding policies;
3. the naive `ReferenceEvaluator`, which re-reads every policy for every cell.

Each must equal the expected table written in scenarios.py, and (2) and (3) must agree on
the deciding policies too.
"""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import NetpolModel
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.reference import ReferenceEvaluator

from .scenarios import SCENARIOS
from .topology import IPS, PODS, PORTS, PROTOCOLS, describe_differences

IDS = [s.name for s in SCENARIOS]


def test_scenario_inventory():
    assert len(SCENARIOS) >= 40
    assert len(set(IDS)) == len(IDS), "scenario names must be unique"
    # every cell of every table is stated: 12 endpoints squared minus the 9 IP -> IP pairs
    cells = (12 * 12 - 9) * len(PORTS) * len(PROTOCOLS)
    assert all(len(s.expected()) == cells for s in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_fast_matrix(scenario):
    model = NetpolModel(scenario.objects())
    assert model.pod_keys == list(PODS)
    expected = scenario.expected()
    got = {}
    index = {key: i for i, key in enumerate(model.pod_keys)}
    for port in PORTS:
        for protocol in PROTOCOLS:
            rows = model.allowed_rows(port, protocol)
            for s in PODS:
                for d in PODS:
                    got[(s, d, port, protocol)] = bool(rows[index[s]] >> index[d] & 1)
    for cell in expected:
        s, d, port, protocol = cell
        if s in IPS or d in IPS:
            got[cell] = model.evaluate(s, d, port, protocol).allowed
    assert got == expected, describe_differences(expected, got)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_evaluate(scenario):
    model = NetpolModel(scenario.objects())
    expected = scenario.expected()
    got = {cell: model.evaluate(*cell).allowed for cell in expected}
    assert got == expected, describe_differences(expected, got)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_reference(scenario):
    reference = ReferenceEvaluator(scenario.objects())
    expected = scenario.expected()
    got = {cell: reference.allowed(*cell) for cell in expected}
    assert got == expected, describe_differences(expected, got)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_evaluate_and_reference_name_the_same_policies(scenario):
    objects = scenario.objects()
    model = NetpolModel(objects)
    reference = ReferenceEvaluator(objects)
    for cell in scenario.expected():
        verdict = model.evaluate(*cell)
        mine = {
            "allowed": verdict.allowed,
            "ingress_allowed": verdict.ingress_allowed,
            "egress_allowed": verdict.egress_allowed,
            "ingress_policies": list(verdict.ingress_policies),
            "egress_policies": list(verdict.egress_policies),
        }
        assert mine == reference.verdict(*cell), cell
