#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the checklist audit over 5,000 objects, offline and through a counting fake client.

Prints timings, the time per object against a 500-object run measured in the same run (a
ratio near 10 for 10x the objects means the pass is linear), the slowest checks, and the list
calls the live read made per kind (it must be one per kind, with no per-object reads).
The live half against the real control plane is added with the cluster harness.

    .venv/bin/python bench/audit_5000.py [--objects 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import conftest  # noqa: E402,F401  (links the collection at .collections and puts it on sys.path)

sys.path.insert(0, str(REPO / "tests" / "unit" / "audit"))
from audit_fake_client import FakeClient  # noqa: E402

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit import context  # noqa: E402
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE  # noqa: E402
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import (  # noqa: E402
    AuditOptions,
    read_cluster,
    run_audit,
)

PER_APP = 10  # objects generated per app


def make_objects(count: int) -> list[dict]:
    """A cluster of apps, ten objects each, twenty apps per namespace, with some problems sprinkled in."""
    objects: list[dict] = []
    apps = max(1, count // PER_APP)
    for index in range(apps):
        ns = f"team-{index // 20:03d}"
        name = f"app-{index:05d}"
        labels = {"app": name}
        if index % 20 == 0:
            objects.append({"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": ns, "labels": {"pod-security.kubernetes.io/enforce": "restricted" if index % 40 else "privileged"}}})
        container = {
            "name": name, "image": f"registry.example.com/{name}:1",
            "ports": [{"name": "http", "containerPort": 8080}],
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": index % 7 != 0, "capabilities": {"drop": ["ALL"]}},
            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
        }
        objects += [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
             "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                      "template": {"metadata": {"labels": labels, "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8080"}},
                                   "spec": {"serviceAccountName": name, "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                                            "containers": [container],
                                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": name}}]}}},
             "status": {"replicas": 2, "readyReplicas": 2 if index % 11 else 0}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
             "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": "http" if index % 13 else "metrics"}]}},
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}, "automountServiceAccountToken": False},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name, "namespace": ns},
             "rules": [{"apiGroups": [""], "resources": ["configmaps"] + (["secrets"] if index % 17 == 0 else []), "verbs": ["get"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": name, "namespace": ns},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
             "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]},
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns},
             "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Ingress", "Egress"],
                      "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "gateway"}}}]}],
                      "egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": ns,
                                                                               "annotations": {"nginx.ingress.kubernetes.io/limit-rps": "10"}},
             "spec": {"ingressClassName": "nginx",
                      "tls": [{"hosts": [f"{name}.example.com"], "secretName": f"{name}-tls"}],
                      "rules": [{"host": f"{name}.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                                                   "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}]}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-tls", "namespace": ns}, "type": "kubernetes.io/tls", "data": {}},
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": ns},
             "spec": {"storageClassName": "fast"}, "status": {"phase": "Bound"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"k": "v"}},
        ]
    objects.append({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "ebs.csi.aws.com",
                    "metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}})
    objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
                    "spec": {"controller": "k8s.io/ingress-nginx"}})
    return objects[:count] if len(objects) > count else objects


def timed(func, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def per_check_times(objects: list[dict]) -> list[tuple[float, str]]:
    timings: list[tuple[float, str]] = []
    originals = dict(context.REGISTRY)

    def wrap(check_id, func):
        def timed_check(ctx):
            start = time.perf_counter()
            try:
                return func(ctx)
            finally:
                timings.append((time.perf_counter() - start, check_id))
        return timed_check

    try:
        for check_id, func in originals.items():
            context.REGISTRY[check_id] = wrap(check_id, func)
        run_audit(objects, AuditOptions(), live=True)
    finally:
        context.REGISTRY.update(originals)
    return sorted(timings, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    small = make_objects(args.objects // 10)
    large = make_objects(args.objects)
    print(f"objects: {len(large)} (baseline run: {len(small)}), checks: {len(CATALOGUE)}, median of {args.repeat} runs")

    t_small, _ = timed(lambda: run_audit(small, AuditOptions()), args.repeat)
    t_large, result = timed(lambda: run_audit(large, AuditOptions()), args.repeat)
    print(f"offline audit, {len(small):>5} objects: {t_small * 1000:8.1f} ms ({t_small / len(small) * 1e6:6.1f} us/object)")
    print(f"offline audit, {len(large):>5} objects: {t_large * 1000:8.1f} ms ({t_large / len(large) * 1e6:6.1f} us/object)")
    print(f"ratio {len(large) // len(small)}x objects -> {t_large / t_small:.1f}x time")
    print(f"findings: {result['summary']['total']}, statuses: {result['summary']['checks']}")

    client = FakeClient(large)
    start = time.perf_counter()
    snapshot = read_cluster(client, CATALOGUE)
    t_read = time.perf_counter() - start
    t_live, _ = timed(lambda: run_audit(snapshot.objects, AuditOptions(), live=True, forbidden=snapshot.forbidden), args.repeat)
    calls = dict(client.list_calls)
    print(f"fake-client read: {t_read * 1000:.1f} ms, {sum(calls.values())} list calls for {len(calls)} kinds, "
          f"max per kind {max(calls.values())}, per-object reads: {sum(1 for p in client.get_params if p)}")
    print(f"audit of the fake-client snapshot: {t_live * 1000:.1f} ms")
    print("slowest checks (5,000 objects):")
    for seconds, check_id in per_check_times(large)[:6]:
        print(f"  {check_id:<9} {seconds * 1000:7.1f} ms")
    if max(calls.values()) != 1 or any(client.get_params):
        print("FAIL: more than one list call for a kind, or a per-object read")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
