#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time the full reachability matrix: the optimised model beside the naive reference.

Generates, from a seed, a cluster of 500 pods (bare Pods and Deployment / StatefulSet /
DaemonSet templates across 20 namespaces) and 200 NetworkPolicies of the shapes real clusters
use (default denies, app-to-app allows, namespace selectors, DNS egress, ipBlocks, named
ports, endPort ranges), then computes the verdict for every ordered pod pair on each port in
the same process with:

  fast       NetpolModel: selectors evaluated once, then bitset rows per port
  per-pair   NetpolModel.evaluate() for every pair (precomputed sets, no bitsets)
  naive      ReferenceEvaluator: re-reads every policy and re-evaluates every selector for
             every pair

and asserts that all three agree on every cell. Times include building each evaluator.

    python bench/netpol_matrix.py                      # 500 pods, 200 policies
    python bench/netpol_matrix.py --pods 200 --policies 80 --ports 80,53/UDP --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO_ROOT / ".collections"


def _import_collection():
    link = COLLECTIONS / "ansible_collections" / "linkops" / "k8s_platform"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    sys.path.insert(0, str(COLLECTIONS))


_import_collection()

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.analysis import analyse  # noqa: E402
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import (  # noqa: E402
    NetpolModel,
    parse_port_spec,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.reference import (  # noqa: E402
    ReferenceEvaluator,
)

APPS = [f"app{n:02d}" for n in range(40)]
TIERS = ["frontend", "backend", "db", "cache", "worker"]
TEAMS = ["payments", "search", "identity", "platform", "data"]
ENVS = ["prod", "staging", "dev"]


def generate(pods: int, policies: int, seed: int, namespaces: int = 20) -> list[dict]:
    rng = random.Random(seed)
    objects: list[dict] = []
    ns_names = [f"ns{n:02d}" for n in range(namespaces)]
    for ns in ns_names:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"team": rng.choice(TEAMS), "env": rng.choice(ENVS)}},
            }
        )
    per_ns_apps: dict[str, list[str]] = {ns: [] for ns in ns_names}
    for number in range(pods):
        ns = ns_names[number % namespaces]
        app = rng.choice(APPS)
        per_ns_apps[ns].append(app)
        labels = {"app": app, "tier": rng.choice(TIERS)}
        if rng.random() < 0.5:
            labels["version"] = rng.choice(["v1", "v2"])
        if rng.random() < 0.3:
            labels["monitored"] = "true"
        http = rng.choice([80, 8080, 8443])
        spec = {
            "containers": [
                {
                    "name": "main",
                    "ports": [
                        {"name": "http", "containerPort": http, "protocol": "TCP"},
                        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                    ]
                    + ([{"name": "dns", "containerPort": 53, "protocol": "UDP"}] if rng.random() < 0.05 else []),
                }
            ]
        }
        name = f"{app}-{number:03d}"
        kind = rng.choices(["Pod", "Deployment", "StatefulSet", "DaemonSet"], weights=[4, 4, 1, 1])[0]
        if kind == "Pod":
            objects.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": spec})
        else:
            objects.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": kind,
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": spec}},
                }
            )

    def app_selector(ns: str) -> dict:
        choice = rng.random()
        apps = per_ns_apps[ns] or APPS
        if choice < 0.5:
            return {"matchLabels": {"app": rng.choice(apps)}}
        if choice < 0.7:
            return {"matchLabels": {"tier": rng.choice(TIERS)}}
        if choice < 0.85:
            return {"matchExpressions": [{"key": "app", "operator": "In", "values": rng.sample(APPS, 3)}]}
        return {"matchLabels": {"tier": rng.choice(TIERS)}, "matchExpressions": [{"key": "version", "operator": "NotIn", "values": ["v1"]}]}

    def peer(ns: str) -> dict:
        choice = rng.random()
        if choice < 0.35:
            return {"podSelector": app_selector(ns)}
        if choice < 0.55:
            return {"namespaceSelector": {"matchLabels": {"team": rng.choice(TEAMS)}}}
        if choice < 0.8:
            return {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(ns_names)}},
                "podSelector": app_selector(ns),
            }
        if choice < 0.9:
            return {"namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "staging"]}]}}
        return {"ipBlock": {"cidr": "10.0.0.0/8", "except": [f"10.{rng.randrange(256)}.0.0/16"]}}

    def ports() -> list:
        choice = rng.random()
        if choice < 0.3:
            return [{"port": "http"}]
        if choice < 0.5:
            return [{"port": rng.choice([80, 443, 8080])}]
        if choice < 0.6:
            return [{"port": 8000, "endPort": 8100}]
        if choice < 0.7:
            return [{"port": "metrics"}, {"port": 80}]
        if choice < 0.8:
            return [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
        return []

    for number in range(policies):
        ns = rng.choice(ns_names)
        shape = rng.random()
        if shape < 0.1:
            spec = {"podSelector": {}, "policyTypes": rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])}
        elif shape < 0.6:
            spec = {
                "podSelector": app_selector(ns),
                "ingress": [
                    {"from": [peer(ns) for _ in range(rng.randint(1, 3))], "ports": ports()}
                    for _ in range(rng.randint(1, 2))
                ],
            }
        elif shape < 0.85:
            spec = {
                "podSelector": app_selector(ns),
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"tier": "db"}}}], "ports": [{"port": 5432}]},
                    {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                    {"to": [peer(ns)], "ports": ports()},
                ],
            }
        else:
            spec = {
                "podSelector": app_selector(ns),
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [peer(ns)], "ports": ports()}],
                "egress": [{"to": [peer(ns), peer(ns)]}],
            }
        objects.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"np{number:03d}", "namespace": ns},
                "spec": spec,
            }
        )
    return objects


class Stopwatch:
    """Wall-clock and this process's CPU time: on a loaded machine the CPU time is the steadier figure."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def split(self) -> dict[str, float]:
        return {"wall": time.perf_counter() - self.wall, "cpu": time.process_time() - self.cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=500)
    parser.add_argument("--policies", type=int, default=200)
    parser.add_argument("--ports", default="80", help="comma-separated, e.g. 80,8080,53/UDP (the naive time grows with each)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--skip-per-pair", action="store_true", help="leave out the evaluate()-per-pair run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    specs = [parse_port_spec(p.strip()) for p in options.ports.split(",") if p.strip()]
    ports = [(s.port, s.protocol) for s in specs]

    objects = generate(options.pods, options.policies, options.seed)
    times: dict[str, dict[str, float]] = {}

    # fast: build the model, one bitset row per pod and port, then one dict entry per cell
    # (the naive run produces the same dict, so the two do the same output work)
    watch = Stopwatch()
    model = NetpolModel(objects)
    times["fast_build"] = watch.split()
    all_rows = {(port, protocol): model.allowed_rows(port, protocol) for port, protocol in ports}
    rows_split = watch.split()
    times["fast_rows"] = {k: rows_split[k] - times["fast_build"][k] for k in rows_split}
    keys = model.pod_keys
    fast: dict[tuple[str, str, int, str], bool] = {}
    for (port, protocol), rows in all_rows.items():
        for s, source in enumerate(keys):
            row = rows[s]
            for d, destination in enumerate(keys):
                fast[(source, destination, port, protocol)] = bool(row >> d & 1)
    times["fast"] = watch.split()
    assert len(keys) == options.pods, (len(keys), options.pods)
    assert len(model.policies) == options.policies

    # what the module does with matrix: true (a list of result dicts)
    watch = Stopwatch()
    module_result = analyse(objects, matrix=True, ports=[f"{p}/{q}" for p, q in ports])
    times["module"] = watch.split()
    assert len(module_result["matrix"]) == len(fast)
    assert all(fast[(m["from"], m["to"], m["port"], m["protocol"])] == m["allowed"] for m in module_result["matrix"])

    if not options.skip_per_pair:
        watch = Stopwatch()
        per_pair_model = NetpolModel(objects)
        mismatched = [cell for cell in fast if per_pair_model.evaluate(*cell).allowed != fast[cell]]
        times["per_pair"] = watch.split()
        assert not mismatched, f"evaluate() and the fast matrix disagree on {len(mismatched)} cells, e.g. {mismatched[:3]}"

    watch = Stopwatch()
    naive = ReferenceEvaluator(objects).matrix(ports, keys)
    times["naive"] = watch.split()
    differing = [cell for cell in fast if naive[cell] != fast[cell]]
    assert not differing, f"naive and fast disagree on {len(differing)} cells, e.g. {differing[:3]}"

    allowed = sum(fast.values())
    figures = {
        "pods": len(keys),
        "policies": len(model.policies),
        "namespaces": len(model.namespaces),
        "ports": [f"{p}/{q}" for p, q in ports],
        "cells": len(fast),
        "allowed_cells": allowed,
        "seed": options.seed,
        "seconds": {name: {k: round(v, 4) for k, v in split.items()} for name, split in times.items()},
        "naive_over_fast": {k: round(times["naive"][k] / times["fast"][k], 1) for k in ("cpu", "wall")},
        "agree": True,
        "python": sys.version.split()[0],
    }
    if options.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"{figures['pods']} pods, {figures['policies']} policies, {figures['namespaces']} namespaces, "
        f"ports {', '.join(figures['ports'])}: {figures['cells']} cells, {allowed} allowed "
        f"({100 * allowed / len(fast):.1f}%), seed {options.seed}"
    )
    print(f"  {'':9} {'cpu s':>9} {'wall s':>9}")

    def line(name: str, label: str, note: str) -> None:
        if name in times:
            print(f"  {label:9} {times[name]['cpu']:9.4f} {times[name]['wall']:9.4f}  {note}")

    line("fast", "fast", "NetpolModel: build + bitset rows + a dict entry per cell")
    line("fast_build", "  build", "selectors evaluated once, policies compiled")
    line("fast_rows", "  rows", "the verdicts, as one bitset row per pod and port")
    line("module", "module", "analyse(matrix=true): the same, as the module's list of dicts")
    line("per_pair", "per-pair", "NetpolModel.evaluate() for every cell")
    line("naive", "naive", "ReferenceEvaluator: every policy and selector again for every cell")
    ratio = figures["naive_over_fast"]
    print(f"  naive / fast = {ratio['cpu']}x (cpu), {ratio['wall']}x (wall); all evaluators agree on every cell")
    return 0


if __name__ == "__main__":
    sys.exit(main())
