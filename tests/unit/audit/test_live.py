# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live mode against a fake client: one list call per kind, 403 reported per check, CRDs absent."""

from __future__ import annotations

import audit_corpus_lib as corpus
from audit_fake_client import FakeClient

from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import CATALOGUE, select
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import AuditOptions, read_cluster, run_audit

CRD_KINDS = {"Certificate", "ServiceMonitor", "PodMonitor", "PrometheusRule", "Schedule", "Middleware", "GrafanaDashboard",
             "OpenTelemetryCollector", "Jaeger"}


def live_objects():
    objects = corpus.build_objects({"name": "live", "base": True})
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web":
            obj["status"] = {"replicas": 2, "readyReplicas": 2}
    return objects


def audit(client, checks=None):
    chosen, _unknown = select(checks, None)
    snapshot = read_cluster(client, chosen)
    options = AuditOptions(exclude_namespaces=["kube-system", "kube-public", "kube-node-lease", "platform"], checks=checks, now=corpus.NOW)
    return snapshot, run_audit(snapshot.objects, options, live=True, forbidden=snapshot.forbidden)


def test_one_list_call_per_kind_and_no_per_object_reads():
    client = FakeClient(live_objects())
    snapshot, result = audit(client)
    kinds = {k for c in CATALOGUE for k in c.kinds} | {"Namespace"}
    assert set(client.list_calls) == kinds
    assert all(count == 1 for count in client.list_calls.values()), client.list_calls
    assert all(count == 1 for count in client.resource_calls.values())
    assert snapshot.list_calls == len(kinds)
    assert all(not params for params in client.get_params), "lists are cluster-wide, never per namespace or object"
    assert result["summary"]["checks"]["error"] == 0


def test_live_audit_of_the_baseline_matches_the_offline_audit():
    client = FakeClient(live_objects())
    _client, live = audit(client)
    # live mode judges status everywhere: the baseline carries the statuses a live cluster would have,
    # except the Services (no status block) which are not LoadBalancers, so nothing changes
    offline = corpus.run_case({"name": "offline", "base": True})
    assert corpus.triggered(live) == corpus.triggered(offline) == set()


def test_secrets_forbidden_the_audit_completes_with_errors_for_the_tls_checks():
    client = FakeClient(live_objects(), forbidden={"Secret"})
    snapshot, result = audit(client)
    assert set(snapshot.forbidden) == {"Secret"}
    assert "403 Forbidden" in snapshot.forbidden["Secret"]
    rows = {row["id"]: row for row in result["checks"]}
    errors = sorted(check_id for check_id, row in rows.items() if row["status"] == "error")
    assert errors == ["ING-003", "ING-004", "ING-005"]
    for check_id in errors:
        assert rows[check_id]["reason"].startswith("Secret: forbidden (403 Forbidden)")
    assert rows["ING-002"]["status"] == "pass"
    assert result["summary"]["checks"]["error"] == 3
    assert result["findings"] == []


def test_crds_not_installed_read_as_empty():
    client = FakeClient(live_objects(), not_served=CRD_KINDS)
    snapshot, result = audit(client)
    assert set(snapshot.not_served) == CRD_KINDS
    assert snapshot.forbidden == {}
    triggered = corpus.triggered(result)
    # no alert rules, scrapers aside from annotations, backups or tracing collector without the CRDs
    assert {"MON-005", "STO-008", "STO-009", "MON-008"} <= triggered
    assert result["summary"]["checks"]["error"] == 0


def test_status_is_judged_live():
    objects = live_objects()
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web":
            obj["status"] = {"replicas": 2}  # readyReplicas absent: none ready
        if obj["kind"] == "PersistentVolumeClaim":
            obj.pop("status")
    _client, result = audit(FakeClient(objects), checks=["SVC-001", "STO-003"])
    assert corpus.triggered(result) == {"SVC-001", "STO-003"}
