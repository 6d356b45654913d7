# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the storage role applied (classes, the claim bound to prepare's static PV, the snapshot
schedule and its access, the alert rules), and on the real node: what a pod writes to the claim
lands in the PersistentVolume's directory on the node (testinfra's local backend reads it there)."""

from __future__ import annotations

import pytest

NAMESPACE = "molecule-storage"
CLAIM = "mlops-platform-data"
# prepare.yml's static PersistentVolume for the claim, and its directory on the node
VOLUME, VOLUME_DIR = "molecule-storage-pv", "/tmp/molecule-storage"


@pytest.fixture(scope="module")
def claim(kube):
    def bound():
        found = kube.get("pvc", CLAIM, NAMESPACE)
        return found if found and found["status"].get("phase") == "Bound" else None

    found = kube.until(bound, timeout=60)
    assert found, f"the claim {NAMESPACE}/{CLAIM} is not Bound: {kube.get('pvc', CLAIM, NAMESPACE)}"
    return found


def test_the_claim_on_the_static_pv_is_bound_by_the_pv_controller(claim):
    assert claim["spec"]["volumeName"] == VOLUME
    assert claim["spec"]["storageClassName"] == "molecule-storage-static"


def test_the_class_snapshot_class_cronjob_and_rule_read_back(kube):
    storage_class = kube.get("storageclass", "molecule-storage-ebs")
    assert storage_class["provisioner"] == "ebs.csi.aws.com"
    parameters = storage_class["parameters"]
    assert (parameters["type"], parameters["iops"], parameters["throughput"]) == ("gp3", "3000", "125")
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer" and storage_class["allowVolumeExpansion"]
    assert kube.get("volumesnapshotclass", "molecule-storage-ebs-csi-aws-com")["driver"] == "ebs.csi.aws.com"
    cron = kube.get("cronjob", "storage-snapshots", NAMESPACE)
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["serviceAccountName"] == "storage-snapshots"
    rule = kube.get("prometheusrule", "linkops-storage", "molecule-storage-mon")
    assert [group["name"] for group in rule["spec"]["groups"]] == ["storage.volumes", "storage.claims", "storage.backups"]


def test_the_snapshot_job_may_manage_volumesnapshots_in_its_namespace_only(module):
    module("rbac_access", subject=f"system:serviceaccount:{NAMESPACE}:storage-snapshots", expect_denied_risky=True,
           expect_allowed=[{"verb": verb, "resource": "volumesnapshots", "group": "snapshot.storage.k8s.io", "namespace": NAMESPACE}
                           for verb in ("create", "delete")],
           expect_denied=[{"verb": "create", "resource": "volumesnapshots", "group": "snapshot.storage.k8s.io", "namespace": "default"},
                          {"verb": "delete", "resource": "persistentvolumeclaims", "namespace": NAMESPACE}])


@pytest.mark.usefixtures("claim")  # bound first
def test_what_a_pod_writes_to_the_claim_lands_in_the_volume_on_the_node(host, kube, agnhost_pod, scratch_pod):
    on_node = host.file(f"{VOLUME_DIR}/written-by-molecule")
    writer = agnhost_pod("claim-writer", NAMESPACE, ["pause"])
    # The hostPath directory is root's: the writer runs as root (the namespace enforces no level).
    writer["spec"]["securityContext"].update(runAsNonRoot=False, runAsUser=0)
    writer["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": CLAIM}}]
    writer["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    pod = scratch_pod(writer)
    try:
        kube.pod_host(NAMESPACE, pod["metadata"]["name"]).check_output("echo %s > /data/written-by-molecule", pod["metadata"]["name"])
        assert on_node.is_file and on_node.content_string.strip() == pod["metadata"]["name"]
    finally:
        host.run("rm -f %s", on_node.path)
