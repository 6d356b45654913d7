# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform specs of any size, generated from the LinkOps example (inventories/local).

The example's apps are copied group by group: group k lives in its own namespaces
(``<prefix>-g<k>-mlops``, ``<prefix>-g<k>-mlops-data``), with every namespace reference and
ingress host renamed, fixed node ports dropped (they are cluster-wide), so the result is a valid
spec of exactly N apps. The last group may be partial: peers and backends naming an app that is
not in it are left out.

    python bench/scale_spec.py 100 --prefix s100 > /tmp/spec.yml
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "inventories" / "local" / "group_vars" / "all" / "platform.yml"


def load_example() -> dict[str, Any]:
    with open(EXAMPLE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _peer_ok(peer: Any, present: set[str]) -> bool:
    return not (isinstance(peer, dict) and "app" in peer and peer["app"] not in present)


def _group(example: dict[str, Any], prefix: str, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rename = {ns["name"]: f"{prefix}-{ns['name']}" for ns in example["k8s_platform_namespaces"]}
    apps = copy.deepcopy(example["k8s_platform_apps"][:count])
    present = {app["name"] for app in apps}
    for app in apps:
        app["namespace"] = rename[app["namespace"]]
        service = app.get("service") or {}
        service.pop("node_port", None)
        ingress = app.get("ingress")
        if ingress:
            ingress["host"] = f"{prefix}.{ingress['host']}"
            ingress["paths"] = [
                path for path in ingress.get("paths", [])
                if not (isinstance(path, dict) and path.get("backend", {}).get("app", app["name"]) not in present)
            ]
        network = app.get("network")
        if network:
            for direction in ("from", "to"):
                peers = [peer for peer in network.get(direction, []) if _peer_ok(peer, present)]
                for peer in peers:
                    if isinstance(peer, dict) and peer.get("namespace") in rename:
                        peer["namespace"] = rename[peer["namespace"]]
                network[direction] = peers
    namespaces = copy.deepcopy(example["k8s_platform_namespaces"])
    for ns in namespaces:
        ns["name"] = rename[ns["name"]]
    return namespaces, apps


def headless(spec: dict[str, Any]) -> dict[str, Any]:
    """ClusterIP Services made headless (and their extra LoadBalancer dropped): the same objects per app, but
    no cluster IP, so hundreds of apps fit a small local service range (kwok's local clusters have ~250 IPs)."""
    for app in spec["k8s_platform_apps"]:
        service = app.get("service")
        if isinstance(service, dict) and service.get("type", "ClusterIP") == "ClusterIP":
            service["type"] = "Headless"
            service.pop("external_lb", None)
    return spec


def scaled_spec(apps: int, prefix: str = "bench", example: dict[str, Any] | None = None) -> dict[str, Any]:
    """A spec of exactly ``apps`` apps (the example's, repeated in groups of namespaces)."""
    example = example or load_example()
    per_group = len(example["k8s_platform_apps"])
    spec = {key: copy.deepcopy(value) for key, value in example.items() if key not in ("k8s_platform_namespaces", "k8s_platform_apps")}
    spec["k8s_platform_namespaces"], spec["k8s_platform_apps"] = [], []
    for index in range(0, (apps + per_group - 1) // per_group):
        namespaces, group_apps = _group(example, f"{prefix}-g{index}", min(per_group, apps - index * per_group))
        spec["k8s_platform_namespaces"] += namespaces
        spec["k8s_platform_apps"] += group_apps
    return spec


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", type=int)
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--headless", action="store_true", help="ClusterIP Services headless (no cluster IP used)")
    args = parser.parse_args()
    spec = scaled_spec(args.apps, args.prefix)
    yaml.safe_dump(headless(spec) if args.headless else spec, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
