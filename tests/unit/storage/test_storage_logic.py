# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage role logic: input validation, claims, live-claim comparison, CRD check."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.storage import (
    claims,
    crd_errors,
    live_class_errors,
    live_claim_errors,
    spec_errors,
)

CATALOGUE = {
    "ebs.csi.aws.com": {"parameters": {"type": "gp3", "iops": "3000", "throughput": "125"}, "snapshots": True},
    "rancher.io/local-path": {"parameters": {}, "snapshots": False},
}
CLASSES = [
    {"name": "fast", "provisioner": "ebs.csi.aws.com", "default": True},
    {"name": "local", "provisioner": "rancher.io/local-path", "allow_volume_expansion": False},
]
APPS = [{"name": "api", "namespace": "mlops", "labels": {"team": "ml"},
         "storage": [{"name": "data", "size": "10Gi", "class": "fast", "backup": True},
                     {"name": "cache", "size": "1Gi", "class": "local", "access_modes": ["ReadWriteOncePod"]}]}]
SETTINGS = {"storage_backup_method": "snapshot", "storage_snapshot_schedule": "0 2 * * *", "storage_snapshot_retention": 7}


def test_valid_inputs_have_no_errors() -> None:
    assert spec_errors(CLASSES, APPS, CATALOGUE, SETTINGS) == []


def test_in_tree_provisioner_is_refused_with_its_csi_replacement() -> None:
    errors = spec_errors([{"name": "fast-ssd", "provisioner": "kubernetes.io/aws-ebs", "default": True}], [], CATALOGUE, SETTINGS)
    assert errors == ["storage_classes[0].provisioner: 'kubernetes.io/aws-ebs' is an in-tree volume plugin removed from Kubernetes "
                      "(CSI migration); use the CSI driver 'ebs.csi.aws.com'"]


@pytest.mark.parametrize(("defaults", "required", "fragment"), [
    ((False, False), True, "exactly one storage class must have default: true (none has)"),
    ((True, True), True, "exactly one default storage class is allowed, found 2 (items 0, 1)"),
    ((True, True), False, "exactly one default storage class is allowed, found 2"),
])
def test_exactly_one_default_class(defaults, required, fragment) -> None:
    classes = [{"name": f"c{i}", "provisioner": "ebs.csi.aws.com", "default": d} for i, d in enumerate(defaults)]
    errors = spec_errors(classes, [], CATALOGUE, {**SETTINGS, "storage_require_default_class": required})
    assert any(fragment in e for e in errors), errors


def test_no_default_is_fine_when_not_required() -> None:
    classes = [{"name": "c0", "provisioner": "ebs.csi.aws.com"}]
    assert spec_errors(classes, [], CATALOGUE, {**SETTINGS, "storage_require_default_class": False}) == []


@pytest.mark.parametrize(("params", "fragment"), [
    ({"iops": "2000"}, "parameters.iops: 2000 is outside the gp3 range 3000-80000"),
    ({"iops": 3000}, "parameters.iops: must be a string (quote it), got int 3000"),
    ({"throughput": "1000"}, "1000 MiB/s needs at least 4000 iops on gp3"),
    ({"throughput": "100"}, "100 MiB/s is outside the gp3 range 125-2000"),
    ({"type": "io2", "throughput": "200"}, "only gp3 volumes take a throughput"),
    ({"type": "st1", "iops": "3000"}, "only gp3, io1 and io2 volumes take iops"),
])
def test_gp3_parameters(params, fragment) -> None:
    errors = spec_errors([{"name": "c", "provisioner": "ebs.csi.aws.com", "default": True, "parameters": params}], [], CATALOGUE, SETTINGS)
    assert any(fragment in e for e in errors), errors


def test_every_problem_at_once_by_path() -> None:
    apps = [{"name": "api", "namespace": "mlops", "storage": [
        {"name": "data", "size": "10GB", "class": "nope"},
        {"name": "logs", "size": "0", "access_modes": ["RWO"], "backup": True, "class": "local"},
        {"name": "data", "size": "1Gi"},
    ]}]
    errors = spec_errors(CLASSES, apps, CATALOGUE, {**SETTINGS, "storage_snapshot_retention": 0, "storage_snapshot_schedule": "daily"})
    expected = [
        "storage_apps[0].storage[0].size: '10GB' is not a Kubernetes quantity",
        "storage_apps[0].storage[0].class: storage class 'nope' is not in storage_classes (fast, local)",
        "storage_apps[0].storage[1].size: '0' must be greater than zero",
        "storage_apps[0].storage[1].access_modes[0]: 'RWO' is not one of",
        "storage_apps[0].storage[1].backup: class 'local' uses 'rancher.io/local-path', which has no CSI snapshot support",
        "storage_apps[0].storage[2]: PersistentVolumeClaim 'api-data' in namespace 'mlops' is already declared at storage_apps[0].storage[0]",
        "storage_snapshot_schedule: 'daily' is not a cron schedule",
        "storage_snapshot_retention: 0 must be a whole number of snapshots >= 1",
    ]
    for fragment in expected:
        assert any(e.startswith(fragment) for e in errors), (fragment, errors)
    assert len(errors) == len(expected), errors


def test_backup_with_method_none_is_refused() -> None:
    errors = spec_errors(CLASSES, APPS, CATALOGUE, {**SETTINGS, "storage_backup_method": "none"})
    assert errors == ["storage_apps[0].storage[0].backup: backup is requested but storage_backup_method is 'none'"]


def test_bad_shapes_do_not_raise() -> None:
    assert spec_errors("x", 5, None, None)[0].startswith("storage_classes: must be a list")
    assert any("storage_apps: must be a list" in e for e in spec_errors([], "x", {}, {}))
    assert spec_errors([7], [None], {}, {"storage_require_default_class": False})[:2] == [
        "storage_classes[0]: must be a dict with name and provisioner, got int", "storage_apps[0]: must be a dict"]


def test_claims_fill_defaults_and_label_backups() -> None:
    out = claims(APPS, {"app.kubernetes.io/managed-by": "linkops.k8s_platform"}, {"linkops.io/backup": "true"})
    assert [c["claim_name"] for c in out] == ["api-data", "api-cache"]
    assert out[0]["labels"] == {"app.kubernetes.io/managed-by": "linkops.k8s_platform", "app.kubernetes.io/name": "api",
                                "team": "ml", "linkops.io/backup": "true"}
    assert "linkops.io/backup" not in out[1]["labels"]
    assert out[0]["access_modes"] == ["ReadWriteOnce"] and out[1]["access_modes"] == ["ReadWriteOncePod"]


def pvc(name, size, phase="Bound", cls="fast", modes=("ReadWriteOnce",), ns="mlops"):
    return {"metadata": {"name": name, "namespace": ns},
            "spec": {"resources": {"requests": {"storage": size}}, "storageClassName": cls, "accessModes": list(modes)},
            "status": {"phase": phase}}


def desired(size, cls="fast", modes=("ReadWriteOnce",)):
    return [{"app": "api", "name": "data", "namespace": "mlops", "claim_name": "api-data", "size": size, "class": cls,
             "access_modes": list(modes)}]


@pytest.mark.parametrize(("live", "want"), [("1Gi", "1024Mi"), ("1024Mi", "1Gi"), ("1G", "1000M"), ("1Gi", "1073741824")])
def test_equal_quantities_are_not_a_change(live, want) -> None:
    assert live_claim_errors(desired(want), [pvc("api-data", live)]) == []


def test_shrink_is_refused_even_when_units_differ() -> None:
    errors = live_claim_errors(desired("2G"), [pvc("api-data", "2Gi")])  # 2G = 2e9 < 2Gi = 2147483648
    assert len(errors) == 1
    assert "size 2G is smaller than the live claim's 2Gi" in errors[0] and "cannot shrink" in errors[0]
    assert errors[0].startswith("mlops/api-data (app api, volume data): ")


def test_grow_works_on_a_bound_claim_of_an_expandable_class() -> None:
    assert live_claim_errors(desired("2Gi"), [pvc("api-data", "1Gi")], CLASSES, []) == []


def test_grow_refused_when_pending_or_class_not_expandable() -> None:
    pending = live_claim_errors(desired("2Gi"), [pvc("api-data", "1Gi", phase="Pending")])
    assert pending and "needs a Bound claim (it is Pending)" in pending[0]
    live_sc = [{"metadata": {"name": "fast"}, "allowVolumeExpansion": False}]
    fixed = live_claim_errors(desired("2Gi"), [pvc("api-data", "1Gi")], CLASSES, live_sc)
    assert fixed and "does not set allowVolumeExpansion: true" in fixed[0]


def test_class_and_access_mode_changes_are_refused_together() -> None:
    errors = live_claim_errors(desired("500Mi", cls="local", modes=("ReadWriteMany",)), [pvc("api-data", "1Gi")])
    assert len(errors) == 3, errors
    assert "cannot shrink" in errors[0]
    assert "class 'fast' -> 'local'" in errors[1]
    assert "access modes ['ReadWriteOnce'] -> ['ReadWriteMany']" in errors[2]


def test_unset_class_and_new_claims_are_not_changes() -> None:
    assert live_claim_errors(desired("1Gi", cls=None), [pvc("api-data", "1Gi", cls="whatever-default")]) == []
    assert live_claim_errors(desired("1Gi"), [pvc("other", "5Gi")]) == []
    assert live_claim_errors(desired("1Gi"), [pvc("api-data", "5Gi", ns="elsewhere")]) == []


def test_immutable_storage_class_fields() -> None:
    rendered = [{"kind": "StorageClass", "metadata": {"name": "fast"}, "provisioner": "ebs.csi.aws.com",
                 "parameters": {"type": "gp3", "iops": "4000"}, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}]
    live = [{"metadata": {"name": "fast"}, "provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3", "iops": "3000"},
             "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}]
    errors = live_class_errors(rendered, live)
    assert len(errors) == 1 and errors[0].startswith("StorageClass fast: parameters")
    live[0]["parameters"]["iops"] = "4000"
    assert live_class_errors(rendered, live) == []


def crd(group, kind, versions=(("v1", True),), established=True):
    return {"spec": {"group": group, "names": {"kind": kind}, "versions": [{"name": v, "served": s} for v, s in versions]},
            "status": {"conditions": [{"type": "Established", "status": "True" if established else "False"}]}}


NEEDED = [
    {"feature": "snapshots", "api_version": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "install": "install external-snapshotter"},
    {"feature": "storage monitoring", "api_version": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "install": "run the monitoring role"},
]


def test_crd_check_names_what_to_install() -> None:
    served = [crd("snapshot.storage.k8s.io", "VolumeSnapshot")]
    assert crd_errors(served, NEEDED) == [
        "storage monitoring: the cluster does not serve PrometheusRule (monitoring.coreos.com/v1); run the monitoring role"]
    assert crd_errors(served, NEEDED, kinds_only=True) == ["PrometheusRule"]
    assert crd_errors(served + [crd("monitoring.coreos.com", "PrometheusRule")], NEEDED) == []


def test_crd_unserved_version_or_not_established_counts_as_missing() -> None:
    crds = [crd("snapshot.storage.k8s.io", "VolumeSnapshot", versions=(("v1beta1", True), ("v1", False))),
            crd("monitoring.coreos.com", "PrometheusRule", established=False)]
    assert crd_errors(crds, NEEDED, kinds_only=True) == ["VolumeSnapshot", "PrometheusRule"]


def test_quantity_compare_filter() -> None:
    from ansible.errors import AnsibleFilterError

    from ansible_collections.linkops.k8s_platform.plugins.filter.storage import storage_quantity_compare

    assert storage_quantity_compare("1Gi", "1024Mi") == 0
    assert storage_quantity_compare("2G", "2Gi") == -1
    assert storage_quantity_compare("3Gi", "2Gi") == 1
    with pytest.raises(AnsibleFilterError, match="not a Kubernetes quantity: '10GB'"):
        storage_quantity_compare("10GB", "1Gi")
