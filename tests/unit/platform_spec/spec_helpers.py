# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small valid spec, a path setter and the malformed-spec strategy shared by the platform spec tests."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

DELETE = object()

BASE: dict[str, Any] = {
    "k8s_platform_environment": "test",
    "k8s_platform_namespaces": [
        {"name": "mlops", "pod_security": "restricted"},
        {"name": "data", "pod_security": {"enforce": "baseline"}},
    ],
    "k8s_platform_storage_classes": [
        {"name": "fast-ssd", "provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3"}},
    ],
    "k8s_platform_apps": [
        {  # 0
            "name": "api", "namespace": "mlops", "port": 8000,
            "service": {"type": "ClusterIP", "external_lb": {"port": 80}},
            "metrics": {"port": 9090},
            "workload": {"image": "api:1", "probes": {"readiness": {"path": "/healthz"}}},
            "rbac": {"rules": [{"resources": ["pods"], "verbs": ["get"]}]},
            "ingress": {"host": "api.example.com", "tls": {"issuer": "letsencrypt"}, "cors": {"allow_origins": ["https://app.example.com"]}},
            "network": {
                "from": [{"app": "web"}, {"ingress_controller": True}],
                "to": [{"app": "db", "namespace": "data", "port": 5432}],
            },
            "storage": [{"name": "data", "size": "1Gi", "class": "fast-ssd", "mount_path": "/data"}],
        },
        {  # 1
            "name": "web", "namespace": "mlops",
            "ports": [{"name": "http", "port": 80, "target_port": 3000}],
            "service": {"type": "LoadBalancer", "source_ranges": ["10.0.0.0/8"]},
        },
        {"name": "admin", "namespace": "mlops", "port": 8080, "service": {"type": "NodePort", "node_port": 30080}},  # 2
        {  # 3
            "name": "db", "namespace": "data", "port": 5432, "service": {"type": "Headless"},
            "workload": {"kind": "StatefulSet", "image": "postgres:17"},
        },
        {"name": "s3", "namespace": "mlops", "service": {"type": "ExternalName", "external_name": "s3.amazonaws.com"}},  # 4
    ],
}

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[Any]:
    return [int(index) if index else key for key, index in _STEP.findall(path)]


def set_path(spec: dict[str, Any], path: str, value: Any) -> None:
    """Set (or with DELETE remove) the value at a dotted path such as k8s_platform_apps[0].service.type."""
    steps = _steps(path)
    node: Any = spec
    for step in steps[:-1]:
        node = node[step]
    last = steps[-1]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


def mutate(*changes: tuple[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    for path, value in changes:
        set_path(spec, path, value)
    return spec


def slots(spec: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a spec, containers included, depth first."""
    found: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                found.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found.append((node, index))
                walk(value)

    walk(spec)
    return found


# Maps of the schema whose keys are the user's (string to string): an extra key there is legal.
FREE_FORM_MAPS = ("labels", "annotations", "parameters")


def free_form_maps(spec: Any) -> set[int]:
    """The ids of the spec's free-form maps (values of FREE_FORM_MAPS keys)."""
    found: set[int] = set()
    for container, key in slots(spec):
        value = container[key]
        if key in FREE_FORM_MAPS and isinstance(value, dict):
            found.add(id(value))
    return found


def malformed_specs(seeds: Sequence[dict[str, Any]], never_valid: st.SearchStrategy[Any], unknown_values: st.SearchStrategy[Any],
                    top_level_prefix: str = "zz_") -> st.SearchStrategy[dict[str, Any]]:
    """A seed with 1-3 mutations: a value replaced by one no field accepts (`never_valid`), an unknown key
    (holding `unknown_values`; at the top level named `top_level_prefix` + suffix, and there too instead of
    in a free-form map such as labels, where any key is legal), or a bad list item."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        spec = copy.deepcopy(draw(st.sampled_from(list(seeds))))
        for _step in range(draw(st.integers(min_value=1, max_value=3))):
            spec_slots = slots(spec)
            action = draw(st.sampled_from(["replace", "unknown-key", "append-bad"]))
            container, key = draw(st.sampled_from(spec_slots))
            if action == "replace":
                container[key] = draw(never_valid)
            elif action == "unknown-key":
                suffix = draw(st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=6))
                if isinstance(container, dict) and container is not spec and id(container) not in free_form_maps(spec):
                    container["zz_" + suffix] = draw(unknown_values)
                else:
                    spec[top_level_prefix + suffix] = draw(unknown_values)
            else:
                lists = [c for c, _k in spec_slots if isinstance(c, list)]
                if lists:
                    draw(st.sampled_from(lists)).append(draw(never_valid))
                else:
                    spec["k8s_platform_apps"] = draw(never_valid)
        return spec

    return build()
