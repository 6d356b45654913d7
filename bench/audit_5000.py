# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the checklist audit over 5,000 objects, offline and through a counting fake client.

Prints timings, the time per object against a 500-object run measured in the same run (a
ratio near 10 for 10x the objects means the pass is linear), the slowest checks, and the list
calls the live read made per kind (it must be one per kind, with no per-object reads).

Live half (skip it with --offline-only): the same generated objects, made fit for a real API
server (no status, Deployments at 0 replicas, plain Secrets, no cluster-scoped objects), are
created in the local control plane with one `kubectl apply --server-side -f` of a multi-document
file, in namespaces unique to this run; the audit then reads the cluster through a real
kubernetes.core client wrapped to count `get` calls per kind and every HTTP request, and the
namespaces are deleted at the end. Offline and live times are printed side by side.

    .venv/bin/python bench/audit_5000.py [--objects 5000] [--repeat 3] [--kubeconfig PATH] [--offline-only]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
# tests/conftest.py links the collection at .collections and puts it on sys.path
import conftest  # noqa: E402,F401  pylint: disable=unused-import

sys.path.insert(0, str(REPO / "tests" / "unit" / "audit"))
from audit_fake_client import FakeClient  # noqa: E402

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit import context  # noqa: E402
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE  # noqa: E402
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import (  # noqa: E402
    AuditOptions,
    read_cluster,
    run_audit,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import namespace_of  # noqa: E402

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
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": name, "namespace": ns, "annotations": {"nginx.ingress.kubernetes.io/limit-rps": "10"}},
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
    for _run in range(repeat):
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


# --------------------------------------------------------------------------- live half


def live_objects(objects: list[dict], prefix: str, run_id: str) -> list[dict]:
    """The generated objects made fit for a real API server, in namespaces `<prefix>-team-NNN`."""
    fit = []
    for original in objects:
        obj = copy.deepcopy(original)
        obj.pop("status", None)
        metadata = obj["metadata"]
        kind = obj["kind"]
        if kind in ("StorageClass", "IngressClass"):
            continue  # cluster-scoped: the cluster is shared, do not add a default StorageClass for everyone
        if kind == "Namespace":
            metadata["name"] = f"{prefix}-{metadata['name']}"
            metadata.setdefault("labels", {})["linkops.io/bench"] = run_id
        else:
            metadata["namespace"] = f"{prefix}-{metadata['namespace']}"
        if kind == "Deployment":
            obj["spec"]["replicas"] = 0  # the objects, not 1,000 pods on someone else's cluster
        if kind == "Service":
            obj["spec"]["clusterIP"] = "None"  # headless: 500 Services would exhaust the local cluster's service IP range
        if kind == "PersistentVolumeClaim":
            obj["spec"].update(accessModes=["ReadWriteOnce"], resources={"requests": {"storage": "1Gi"}})
        if kind == "Secret":
            obj["type"] = "Opaque"  # kubernetes.io/tls needs tls.crt and tls.key
        if kind == "RoleBinding":
            for subject in obj["subjects"]:
                subject["namespace"] = metadata["namespace"]
        if kind == "ServiceAccount":
            obj["automountServiceAccountToken"] = False
        fit.append(obj)
    return fit


class CountingClient:
    """kubernetes.core's K8SClient with every `get` counted per kind (and its parameters kept)."""

    def __init__(self, client) -> None:
        self.client = client
        self.list_calls: Counter[str] = Counter()
        self.get_params: list[dict] = []

    def resource(self, kind: str, api_version: str):
        return self.client.resource(kind, api_version)

    def get(self, resource, **params):
        self.list_calls[resource.kind] += 1
        self.get_params.append(dict(params))
        return self.client.get(resource, **params)


class HTTPCounter:
    """Counts every HTTP request the kubernetes client sends (discovery included): (method, url, seconds)."""

    def __init__(self) -> None:
        import kubernetes.client.rest

        self.rest_client = kubernetes.client.rest.RESTClientObject
        self.original = self.rest_client.request
        self.requests: list[tuple[str, str, float]] = []

    def __enter__(self) -> "HTTPCounter":
        original, requests = self.original, self.requests

        def request(rest_self, method, url, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(rest_self, method, url, *args, **kwargs)
            finally:
                requests.append((str(method).upper(), str(url), time.perf_counter() - start))

        self.rest_client.request = request
        return self

    def __exit__(self, *exc) -> None:
        self.rest_client.request = self.original


def kubectl(kubeconfig: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, text=True, check=False, timeout=900)
    if check and done.returncode != 0:
        raise SystemExit(f"kubectl {' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done


def default_kubeconfig() -> str:
    if os.environ.get("KUBECONFIG"):
        return os.environ["KUBECONFIG"]
    return subprocess.run(["make", "-s", "-C", str(REPO), "kubeconfig"], capture_output=True, text=True, check=True).stdout.strip()


def live_half(args, large: list[dict], t_offline: float) -> int:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client

    kubeconfig = args.kubeconfig or default_kubeconfig()
    run_id = uuid.uuid4().hex[:6]
    prefix = f"bench-{run_id}"
    objects = live_objects(large, prefix, run_id)
    namespaces = sorted({o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"})
    print(f"\nlive: {len(objects)} objects in {len(namespaces)} namespaces ({prefix}-*), kubeconfig {kubeconfig}")
    exit_code = 0
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "objects.yaml"
        manifest.write_text(yaml.safe_dump_all(objects, sort_keys=False))
        try:
            start = time.perf_counter()
            kubectl(kubeconfig, "apply", "--server-side", "--field-manager=linkops-bench", "-f", str(manifest))
            print(f"create (kubectl apply --server-side, one multi-document file): {time.perf_counter() - start:.1f} s")

            options = AuditOptions(namespaces=namespaces, exclude_namespaces=[])
            reads, audits, totals = [], [], []
            result = None
            for _run in range(args.repeat):
                with HTTPCounter() as http:
                    start = time.perf_counter()
                    client = CountingClient(get_api_client(kubeconfig=kubeconfig))
                    snapshot = read_cluster(client, CATALOGUE)
                    t_read = time.perf_counter() - start
                    result = run_audit(snapshot.objects, options, live=True, forbidden=snapshot.forbidden)
                    t_total = time.perf_counter() - start
                reads.append(t_read)
                audits.append(t_total - t_read)
                totals.append(t_total)
            mine = [o for o in snapshot.objects if namespace_of(o) in set(namespaces) or o.get("metadata", {}).get("name") in set(namespaces)]
            calls = dict(client.list_calls)
            per_object = [p for p in client.get_params if p.get("name")] + [r for r in http.requests if r[0] != "GET"]
            print(f"read: {len(snapshot.objects)} objects in the cluster ({len(mine)} of this run), "
                  f"{sum(calls.values())} list calls for {len(calls)} kinds, max per kind {max(calls.values())}, "
                  f"forbidden {sorted(snapshot.forbidden) or 'none'}, not served {len(snapshot.not_served)}")
            print(f"HTTP requests in the last run: {len(http.requests)} ({len(http.requests) - sum(calls.values())} discovery, "
                  f"the rest one list per served kind); per-object reads or writes: {len(per_object)}")
            print(f"live read:  {statistics.median(reads) * 1000:8.1f} ms (median of {args.repeat}); last run: "
                  f"{sum(r[2] for r in http.requests) * 1000:.1f} ms waiting on HTTP, the rest turning the responses into dicts")
            print(f"live audit: {statistics.median(audits) * 1000:8.1f} ms on the snapshot, "
                  f"{statistics.median(totals) * 1000:8.1f} ms read + audit")
            print(f"offline audit of the same {len(large)} generated objects: {t_offline * 1000:8.1f} ms; "
                  f"live/offline {statistics.median(totals) / t_offline:.1f}x")
            print(f"live findings in the run's namespaces: {result['summary']['total']}, objects checked {result['summary']['objects_checked']}")
            if max(calls.values()) != 1 or per_object:
                print("FAIL: more than one list call for a kind, or a per-object call")
                exit_code = 1
        finally:
            start = time.perf_counter()
            kubectl(kubeconfig, "delete", "namespace", "-l", f"linkops.io/bench={run_id}", "--wait=false", check=False)
            print(f"clean-up: namespaces {prefix}-* deleted ({time.perf_counter() - start:.1f} s, finalised by the cluster in the background)")
    return exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kubeconfig", help="cluster for the live half (default: $KUBECONFIG, else `make -s kubeconfig`)")
    parser.add_argument("--offline-only", action="store_true", help="skip the live half")
    args = parser.parse_args()

    small = make_objects(args.objects // 10)
    large = make_objects(args.objects)
    print(f"objects: {len(large)} (baseline run: {len(small)}), checks: {len(CATALOGUE)}, median of {args.repeat} runs")

    t_small, _result = timed(lambda: run_audit(small, AuditOptions()), args.repeat)
    t_large, result = timed(lambda: run_audit(large, AuditOptions()), args.repeat)
    print(f"offline audit, {len(small):>5} objects: {t_small * 1000:8.1f} ms ({t_small / len(small) * 1e6:6.1f} us/object)")
    print(f"offline audit, {len(large):>5} objects: {t_large * 1000:8.1f} ms ({t_large / len(large) * 1e6:6.1f} us/object)")
    print(f"ratio {len(large) // len(small)}x objects -> {t_large / t_small:.1f}x time")
    print(f"findings: {result['summary']['total']}, statuses: {result['summary']['checks']}")

    client = FakeClient(large)
    start = time.perf_counter()
    snapshot = read_cluster(client, CATALOGUE)
    t_read = time.perf_counter() - start
    t_live, _result = timed(lambda: run_audit(snapshot.objects, AuditOptions(), live=True, forbidden=snapshot.forbidden), args.repeat)
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
    if args.offline_only:
        return 0
    return live_half(args, large, t_large)


if __name__ == "__main__":
    sys.exit(main())
