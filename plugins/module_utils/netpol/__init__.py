# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes NetworkPolicy reachability analysis.

- `model`: the evaluator. A `NetpolModel` is built once from the objects (Namespaces, Pods,
  NetworkPolicies, workloads); `evaluate()` answers one connection with the policies that
  decided it, `allowed_rows()` answers every pod pair on one port with precomputed bitsets.
- `reference`: the obvious evaluator, written straight from the API documentation and kept
  apart from `model` on purpose (its own selector matching, no precomputation). The tests and
  the bench run both and require them to agree.
- `analysis`: the module's option handling (queries, expect, matrix, graph, live read).
- `graph`: DOT and Mermaid rendering of the allowed flows.
"""
