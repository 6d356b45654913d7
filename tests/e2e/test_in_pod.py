# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks run inside the apps' own pods with testinfra's kubectl backend (kubectl exec): what an
app really reaches and resolves, under the converged policies. No probe pod: the app's own
network namespace, labels and policies."""

from __future__ import annotations

import json

import pytest
import testinfra


@pytest.fixture(scope="module")
def app_pod(cluster, platform):
    """`app_pod("mlops", "frontend")`: a testinfra host inside one running pod of that app."""

    def get(namespace: str, app: str):
        pods = json.loads(cluster.kubectl("-n", namespace, "get", "pods", "-l", f"app.kubernetes.io/name={app}", "-o", "json").stdout)["items"]
        running = [p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running"
                   and "linkops.io/connectivity-probe" not in p["metadata"].get("labels", {})]
        assert running, f"no running pod of {namespace}/{app}"
        return testinfra.get_host(f"kubectl://{running[0]}?namespace={namespace}", kubeconfig=cluster.kubeconfig)

    return get


def test_an_app_reaches_what_its_policy_allows(app_pod):
    frontend = app_pod("mlops", "frontend")
    assert frontend.addr("mlops-platform.mlops.svc.cluster.local").port(8000).is_reachable
    platform_api = app_pod("mlops", "mlops-platform")
    assert platform_api.addr("database-0.database.mlops-data.svc.cluster.local").port(5432).is_reachable


def test_an_app_does_not_reach_what_its_policy_denies(app_pod):
    audit = app_pod("mlops", "audit-assess")
    assert not audit.addr("frontend.mlops.svc.cluster.local").port(80).is_reachable, "audit-assess has no egress to frontend"
    database = app_pod("mlops-data", "database")
    assert not database.addr("mlops-platform.mlops.svc.cluster.local").port(8000).is_reachable, "the database has no egress at all"


def test_names_resolve_inside_the_apps(app_pod):
    frontend = app_pod("mlops", "frontend")
    for name in ("mlops-platform", "mlops-platform.mlops", "database.mlops-data.svc.cluster.local", "kubernetes.default"):
        assert frontend.addr(name).is_resolvable, f"{name} does not resolve inside frontend"
    assert not frontend.addr("database").is_resolvable, "a short name of another namespace must not resolve"
