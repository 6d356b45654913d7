# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network the converged NetworkPolicies make, observed with packets, equals what
netpol_reachability predicts from the same policies, cell for cell, in both directions.

The observed side comes only from connections the probe pods make (connectivity_probe); the
predicted side only from the analyser. Removing one allow policy makes the two disagree, and so
would a wrong verdict of the analyser: both are shown below."""

from __future__ import annotations

import json

import pytest

NAMESPACES = ["mlops", "mlops-data"]
FIELD_MANAGER = "linkops.k8s_platform"


def cell_key(cell) -> tuple:
    return (cell["from"], cell["to"], int(cell["port"]), cell.get("protocol", "TCP").upper())


def ok(result, name):
    assert not result.get("failed"), f"{name} failed: {result.get('msg')}"
    return result


def observe(cluster) -> dict[tuple, bool]:
    """Every ordered pair of app pods, on the destination's declared ports, tried with packets."""
    result = ok(cluster.run_module("connectivity_probe", {"matrix": True, "namespaces": NAMESPACES, "timeout": 2}), "connectivity_probe")
    cells = {cell_key(c): c["allowed"] for c in result["matrix"]["cells"]}
    assert len(cells) >= 30, f"expected every ordered pair of the 6 app pods, got {len(cells)} cells"
    return cells


def predict(cluster, cells) -> dict[tuple, bool]:
    """netpol_reachability's verdicts on the same cells, from the live policies."""
    keys = sorted(cells)
    queries = [{"from": f, "to": t, "port": p, "protocol": proto} for f, t, p, proto in keys]
    result = ok(cluster.run_module("netpol_reachability", {"queries": queries}), "netpol_reachability")
    return {key: answer["allowed"] for key, answer in zip(keys, result["results"])}


def differences(observed, predicted) -> list[str]:
    return [f"{f} -> {t}:{p}/{proto}: network says {'allowed' if observed[(f, t, p, proto)] else 'denied'}, "
            f"analyser says {'allowed' if predicted[(f, t, p, proto)] else 'denied'}"
            for f, t, p, proto in sorted(observed) if observed[(f, t, p, proto)] != predicted[(f, t, p, proto)]]


@pytest.fixture(scope="module")
def converged_cells(cluster, platform):
    """(observed, predicted) on the converged platform, shared by the tests of this file."""
    observed = observe(cluster)
    return observed, predict(cluster, observed)


def test_observed_matrix_equals_the_prediction(converged_cells):
    observed, predicted = converged_cells
    assert not differences(observed, predicted), "\n".join(differences(observed, predicted))
    # Default deny with declared flows: some cells open, most closed. All-open or all-closed would
    # mean the policies are not enforced (or nothing answers), and the comparison would prove nothing.
    allowed = sum(observed.values())
    assert 0 < allowed < len(observed) / 2, f"{allowed} of {len(observed)} cells allowed"


def test_a_wrong_analyser_verdict_is_caught(converged_cells):
    """The comparison is not circular: flip one predicted cell and exactly that cell is reported."""
    observed, predicted = converged_cells
    flipped_cell = next(key for key, allowed in sorted(predicted.items()) if allowed)
    wrong = {**predicted, flipped_cell: False}
    assert differences(observed, wrong) == [differences({flipped_cell: True}, {flipped_cell: False})[0]]


def test_removing_one_allow_makes_the_matrix_fail(cluster, converged_cells):
    """Delete the policy that lets whis-data-input reach whis-enhance: the network now refuses cells the
    (earlier) prediction allows, including that one, and nothing else changes."""
    observed, predicted = converged_cells
    cell = next(k for k in predicted if k[0].startswith("mlops/whis-data-input") and k[1].startswith("mlops/whis-enhance"))
    assert predicted[cell] and observed[cell]
    policies = json.loads(cluster.kubectl("-n", "mlops", "get", "networkpolicies", "-o", "json").stdout)["items"]
    allow = next(p for p in policies
                 if p["spec"].get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "whis-enhance"
                 and any(any(peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "whis-data-input"
                             for peer in rule.get("from", [])) for rule in p["spec"].get("ingress", [])))
    saved = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {k: allow["metadata"][k] for k in ("name", "namespace", "labels", "annotations") if k in allow["metadata"]},
             "spec": allow["spec"]}
    cluster.kubectl("-n", "mlops", "delete", "networkpolicy", allow["metadata"]["name"])
    try:
        after = observe(cluster)
    finally:
        cluster.kubectl("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "-f", "-", stdin=json.dumps(saved))
    found = differences(after, predicted)
    assert found, "the matrix still matched after an allow policy was removed"
    assert any(line.startswith(f"{cell[0]} -> {cell[1]}:{cell[2]}") for line in found), found
    assert all("network says denied, analyser says allowed" in line for line in found), found
