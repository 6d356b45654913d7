# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolving from / to / DNS sources against the live objects."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import PROBE_LABEL
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.targets import ClusterView, ResolveError

from .fake_cluster import (
    API,
    API_READY_IP,
    API_SERVICE_IP,
    API_UNREADY_IP,
    FRONTEND_IP,
    POSTGRES_IP,
    pod,
    shop_cluster,
)


@pytest.fixture(name="view")
def fixture_view():
    return ClusterView(shop_cluster())


def test_a_workload_source_takes_a_running_pods_real_labels(view):
    source = view.source("shop/api", "queries[0].from")
    assert source.key == "shop/api"
    assert source.labels == {"app": "api", "pod-template-hash": "6d4b8"}
    assert source.pod_name == "api-6d4b8-aaaaa"  # the ready one first
    assert source.spec["serviceAccountName"] == "app"


def test_a_pod_name_resolves_to_its_workload(view):
    assert view.source("shop/api-6d4b8-bbbbb", "x").index == view.source("shop/api", "x").index
    assert view.source("shop/deployment/api", "x").key == "shop/api"


def test_a_workload_without_pods_uses_its_template(view):
    source = view.source("shop/batch", "dns[0].from")
    assert source.pod is None and source.labels == {"app": "batch"}
    assert source.spec["containers"][0]["name"] == "app"
    with pytest.raises(ResolveError, match=r"dns\[0\].from: shop/batch has no running pod to exec into"):
        view.source("shop/batch", "dns[0].from", need_running=True)


def test_a_bare_pod_source(view):
    source = view.source("db/postgres", "x")
    assert source.key == "db/postgres" and source.pod_name == "postgres" and source.labels == {"app": "postgres"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("nowhere/api", r"queries\[2\].from: 'nowhere/api': unknown namespace 'nowhere'"),
        ("shop/nope", r"queries\[2\].from: 'shop/nope': no pod or workload of that name in namespace 'shop'"),
        ("10.244.0.11", r"queries\[2\].from: '10.244.0.11': probes start from a pod or workload"),
        ("api.shop.svc", r"queries\[2\].from: 'api.shop.svc': probes start from a pod or workload"),
        ("db/migrate-1", r"queries\[2\].from: 'db/migrate-1': the pod is Succeeded"),
        ("", r"queries\[2\].from: expected namespace/pod-or-workload"),
    ],
)
def test_bad_sources_name_the_option(view, text, message):
    with pytest.raises(ResolveError, match=message):
        view.source(text, "queries[2].from")


def test_pod_destination_prefers_a_ready_pod(view):
    destination = view.destination("shop/api", "queries[0].to")
    assert (destination.kind, destination.host, destination.pod_name) == ("pod", API_READY_IP, "api-6d4b8-aaaaa")
    assert destination.index == view.source("shop/api", "x").index and destination.not_compared is None
    other = view.destination("shop/api", "q", avoid_pod="api-6d4b8-aaaaa")
    assert other.host == API_UNREADY_IP


def test_service_destinations(view):
    cluster_ip = view.destination("shop/service/api", "q")
    assert (cluster_ip.kind, cluster_ip.host, cluster_ip.key) == ("service", API_SERVICE_IP, "shop/service/api")
    assert cluster_ip.not_compared
    assert view.destination("db/svc/postgres-headless", "q").host == "postgres-headless.db.svc"
    assert view.destination("shop/service/billing", "q").host == "billing.example.com"
    with pytest.raises(ResolveError, match=r"q: 'shop/service/nope': no Service 'nope' in namespace 'shop'; known there: api, billing"):
        view.destination("shop/service/nope", "q")
    with pytest.raises(ResolveError, match="unknown namespace 'x'"):
        view.destination("x/service/api", "q")


def test_ip_destinations(view):
    pod_ip = view.destination(POSTGRES_IP, "q")
    assert pod_ip.kind == "ip" and pod_ip.index == view.source("db/postgres", "x").index and pod_ip.not_compared is None
    assert view.destination(API_UNREADY_IP, "q").index == view.source("shop/api", "x").index
    service_ip = view.destination(API_SERVICE_IP, "q")
    assert service_ip.index is None and "shop/service/api" in service_ip.not_compared
    outside = view.destination("203.0.113.9", "q")
    assert outside.ip_only and outside.index is None and outside.not_compared is None


def test_dns_and_bad_destinations(view):
    name = view.destination("kubernetes.default.svc.cluster.local", "q")
    assert (name.kind, name.host) == ("dns", "kubernetes.default.svc.cluster.local") and name.not_compared
    with pytest.raises(ResolveError, match=r"queries\[1\].to: 'not a name' is neither"):
        view.destination("not a name", "queries[1].to")
    with pytest.raises(ResolveError, match=r"queries\[1\].to: shop/batch has no running pod"):
        view.destination("shop/batch", "queries[1].to")


def test_probe_pods_of_any_run_are_left_out():
    leftover = pod("shop", "linkops-probe-0000-1", dict(API, **{PROBE_LABEL: "0000"}), "10.244.0.99")
    view = ClusterView(shop_cluster() + [leftover])
    assert "10.244.0.99" not in view.ip_owner
    assert all(p.key != "shop/linkops-probe-0000-1" for p in view.model.pods)
    with pytest.raises(ResolveError):
        view.source("shop/linkops-probe-0000-1", "q")


def test_matrix_members_and_declared_ports(view):
    members = view.members(["shop", "db"])
    assert [view.model.pods[i].key for i in members] == ["db/postgres", "shop/api", "shop/batch", "shop/frontend"]
    frontend = view.source("shop/frontend", "x").index
    assert view.declared_ports(frontend) == [(8080, "TCP"), (9090, "TCP")]
    with pytest.raises(ResolveError, match="namespaces: unknown namespace"):
        view.members(["nope"])


def test_frontend_ip_maps_to_its_workload(view):
    assert view.ip_owner[FRONTEND_IP] == view.source("shop/frontend", "x").index
