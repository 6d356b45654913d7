# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The storage role on the real control plane: classes, claims bound by the real PV controller, growth and
refusals, snapshot classes and schedule (RBAC proved with rbac_access), Velero, rules, restore, check mode, absent."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


RBAC_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: The snapshot job may create and delete VolumeSnapshots in its namespace, and nothing else
      linkops.k8s_platform.rbac_access:
        kubeconfig: "{{ k8s_platform_kubeconfig }}"
        subject: "system:serviceaccount:{{ ns }}:storage-snapshots"
        expect_allowed:
          - {verb: create, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ ns }}"}
          - {verb: delete, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ ns }}"}
          - {verb: list, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ ns }}"}
          - {verb: list, resource: persistentvolumeclaims, namespace: "{{ ns }}"}
        expect_denied:
          - {verb: create, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ other }}"}
          - {verb: delete, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ other }}"}
          - {verb: list, resource: volumesnapshots, group: snapshot.storage.k8s.io}
          - {verb: update, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ ns }}"}
          - {verb: patch, resource: volumesnapshots, group: snapshot.storage.k8s.io, namespace: "{{ ns }}"}
          - {verb: delete, resource: volumesnapshotcontents, group: snapshot.storage.k8s.io}
          - {verb: create, resource: volumesnapshotclasses, group: snapshot.storage.k8s.io}
          - {verb: delete, resource: persistentvolumeclaims, namespace: "{{ ns }}"}
          - {verb: create, resource: persistentvolumeclaims, namespace: "{{ ns }}"}
          - {verb: update, resource: persistentvolumeclaims, namespace: "{{ ns }}"}
          - {verb: list, resource: persistentvolumeclaims, namespace: "{{ other }}"}
          - {verb: create, resource: pods, namespace: "{{ ns }}"}
          - {verb: get, resource: configmaps, namespace: "{{ ns }}"}
          - {verb: delete, resource: persistentvolumes}
        expect_denied_risky: true
"""


@pytest.fixture(scope="module")
def crds(cluster):
    """The upstream CRDs of external-snapshotter, Velero and prometheus-operator (they stay installed; other tests reuse them)."""
    cluster.apply_crds("snapshot.storage.k8s.io", "velero.io", "monitoring.coreos.com")


@pytest.fixture
def env(cluster, crds, unique_name):
    """Namespaces (apps, monitoring, another) and the cluster-scoped names of one test; all removed after."""
    names = {"ns": f"{unique_name}-apps", "mon": f"{unique_name}-mon", "other": f"{unique_name}-other", "u": unique_name}
    for key in ("ns", "mon", "other"):
        cluster.kubectl("create", "namespace", names[key])
    yield names
    cluster.kubectl("delete", "storageclass,volumesnapshotclass,persistentvolume", "-l", f"linkops.io/test={unique_name}",
                    "--ignore-not-found", "--wait=false", check=False)
    for kind in ("storageclass", "volumesnapshotclass"):
        out = cluster.kubectl("get", kind, "-o", "name", check=False).stdout.split()
        mine = [n for n in out if unique_name in n]
        if mine:
            cluster.kubectl("delete", *mine, "--ignore-not-found", "--wait=false", check=False)
    for key in ("ns", "mon", "other"):
        cluster.kubectl("delete", "namespace", names[key], "--ignore-not-found", "--wait=false", check=False)
    pvs = [n for n in cluster.kubectl("get", "pv", "-o", "name", check=False).stdout.split() if unique_name in n]
    if pvs:
        cluster.kubectl("delete", *pvs, "--ignore-not-found", "--wait=false", check=False)


def base_vars(env: dict, **extra) -> dict:
    u = env["u"]
    return {
        "k8s_platform_storage_classes": [
            {"name": f"{u}-ebs", "provisioner": "ebs.csi.aws.com", "default": True,
             "parameters": {"iops": "4000", "throughput": "250"}, "reclaim_policy": "Retain"},
            {"name": f"{u}-gce", "provisioner": "pd.csi.storage.gke.io"},
            {"name": f"{u}-azure", "provisioner": "disk.csi.azure.com"},
            {"name": f"{u}-local", "provisioner": "rancher.io/local-path", "allow_volume_expansion": False},
        ],
        "k8s_platform_apps": [{
            "name": "api", "namespace": env["ns"], "labels": {"team": "ml"},
            "storage": [
                {"name": "data", "size": "1Gi", "class": f"{u}-ebs", "backup": True, "mount_path": "/data"},
                {"name": "cache", "size": "512Mi", "class": f"{u}-local", "access_modes": ["ReadWriteOncePod"]},
            ],
        }],
        "storage_monitoring_namespace": env["mon"],
        "storage_snapshot_class_prefix": f"{u}-",
        "storage_snapshot_retention": 5,
        **extra,
    }


def test_converge_idempotence_check_mode_rbac_and_absent(cluster, run_playbook, role_playbook, env, tmp_path):
    playbook = role_playbook("storage")
    u, ns = env["u"], env["ns"]
    spec = base_vars(env)
    check_first = run_playbook(playbook, spec, check=True)
    assert check_first.returncode == 0, check_first.output
    assert check_first.recap()["changed"] == 1
    assert f"{u}-ebs" in check_first.output and "api-data" in check_first.output, "check mode shows what it would create"
    assert not cluster.exists("storageclass", f"{u}-ebs"), "check mode must not create anything"
    assert not cluster.exists("pvc", "api-data", "-n", ns)

    first = run_playbook(playbook, spec)
    assert first.returncode == 0, first.output
    assert first.recap()["changed"] == 1

    ebs = cluster.get_json("storageclass", f"{u}-ebs")
    assert ebs["provisioner"] == "ebs.csi.aws.com"
    assert ebs["parameters"] == {"type": "gp3", "iops": "4000", "throughput": "250", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"}
    assert ebs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert ebs["reclaimPolicy"] == "Retain" and ebs["volumeBindingMode"] == "WaitForFirstConsumer" and ebs["allowVolumeExpansion"] is True
    gce = cluster.get_json("storageclass", f"{u}-gce")
    assert gce["provisioner"] == "pd.csi.storage.gke.io" and gce["parameters"]["type"] == "pd-balanced"
    assert gce["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"
    assert cluster.get_json("storageclass", f"{u}-azure")["parameters"] == {"skuName": "StandardSSD_LRS"}
    local = cluster.get_json("storageclass", f"{u}-local")
    assert local["provisioner"] == "rancher.io/local-path" and local["allowVolumeExpansion"] is False and "parameters" not in local

    # One VolumeSnapshotClass per snapshot-capable driver, the default for its driver; none for local-path.
    vsc = {item["driver"]: item for item in cluster.get_json("volumesnapshotclass")["items"] if item["metadata"]["name"].startswith(u)}
    assert sorted(vsc) == ["disk.csi.azure.com", "ebs.csi.aws.com", "pd.csi.storage.gke.io"]
    assert vsc["ebs.csi.aws.com"]["metadata"]["name"] == f"{u}-ebs-csi-aws-com"
    assert vsc["ebs.csi.aws.com"]["deletionPolicy"] == "Delete"
    assert vsc["ebs.csi.aws.com"]["metadata"]["annotations"]["snapshot.storage.kubernetes.io/is-default-class"] == "true"

    data = cluster.get_json("pvc", "api-data", "-n", ns)
    assert data["spec"]["storageClassName"] == f"{u}-ebs"
    assert data["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert data["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert data["metadata"]["labels"]["linkops.io/backup"] == "true" and data["metadata"]["labels"]["team"] == "ml"
    cache = cluster.get_json("pvc", "api-cache", "-n", ns)
    assert cache["spec"]["accessModes"] == ["ReadWriteOncePod"] and "linkops.io/backup" not in cache["metadata"]["labels"]
    assert data["status"]["phase"] == "Pending"  # WaitForFirstConsumer and no CSI driver here

    cron = cluster.get_json("cronjob", "storage-snapshots", "-n", ns)
    assert cron["spec"]["schedule"] == "0 2 * * *" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "storage-snapshots"
    env_vars = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env_vars["SELECTOR"] == "linkops.io/backup=true" and env_vars["RETENTION"] == "5"
    assert pod["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False
    script = cluster.get_json("configmap", "storage-snapshots-script", "-n", ns)["data"]["snapshot.sh"]
    assert script == (REPO / "roles" / "storage" / "files" / "snapshot.sh").read_text().rstrip("\n")
    # A dry-run Pod from the template passes Pod Security "restricted" on the real admission plugin.
    cluster.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted", "--overwrite")
    dry = cluster.kubectl("create", "job", "--from=cronjob/storage-snapshots", f"{u}-dry", "-n", ns, "--dry-run=server", check=False)
    assert dry.returncode == 0, dry.stderr

    rule = cluster.get_json("prometheusrule", "linkops-storage", "-n", env["mon"])
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert "kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 80" in alerts["StorageVolumeUsageHigh"]["expr"]
    assert alerts["StorageVolumeUsageCritical"]["expr"].endswith("> 90")
    assert alerts["StorageClaimPending"]["expr"] == 'kube_persistentvolumeclaim_status_phase{phase="Pending"} == 1'
    assert 'owner_name="storage-snapshots"' in alerts["StorageSnapshotJobFailed"]["expr"]
    assert "{{ $labels.persistentvolumeclaim }}" in alerts["StorageVolumeUsageHigh"]["annotations"]["summary"]

    rbac = tmp_path / "rbac.yml"
    rbac.write_text(RBAC_PLAYBOOK)
    proved = run_playbook(rbac, {"ns": ns, "other": env["other"]})
    assert proved.returncode == 0, proved.output

    second = run_playbook(playbook, spec)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output
    again = run_playbook(playbook, spec, check=True)
    assert again.returncode == 0 and again.recap()["changed"] == 0, again.output

    # A changed threshold shows in --check --diff and is not applied.
    diff = run_playbook(playbook, {**spec, "storage_monitoring_usage_warning_percent": 75}, check=True)
    assert diff.recap()["changed"] == 1 and "> 75" in diff.output, diff.output
    assert cluster.get_json("prometheusrule", "linkops-storage", "-n", env["mon"])["spec"]["groups"][0]["rules"][0]["expr"].endswith("> 80")

    absent = run_playbook(playbook, {**spec, "storage_state": "absent"})
    assert absent.returncode == 0, absent.output
    for args in (["storageclass", f"{u}-ebs"], ["storageclass", f"{u}-local"], ["volumesnapshotclass", f"{u}-ebs-csi-aws-com"],
                 ["cronjob", "storage-snapshots", "-n", ns], ["serviceaccount", "storage-snapshots", "-n", ns],
                 ["role", "storage-snapshots", "-n", ns], ["rolebinding", "storage-snapshots", "-n", ns],
                 ["configmap", "storage-snapshots-script", "-n", ns], ["prometheusrule", "linkops-storage", "-n", env["mon"]]):
        assert not cluster.exists(*args), args
    assert cluster.exists("pvc", "api-data", "-n", ns), "absent keeps claims unless asked"

    gone = run_playbook(playbook, {**spec, "storage_state": "absent", "storage_delete_claims": True})
    assert gone.returncode == 0, gone.output
    deadline = time.time() + 30
    while time.time() < deadline and cluster.exists("pvc", "api-data", "-n", ns):
        time.sleep(1)
    assert not cluster.exists("pvc", "api-data", "-n", ns) and not cluster.exists("pvc", "api-cache", "-n", ns)


def wait_phase(cluster, ns: str, name: str, phase: str, timeout: int = 60) -> str:
    deadline, current = time.time() + timeout, None
    while time.time() < deadline:
        current = cluster.get_json("pvc", name, "-n", ns).get("status", {}).get("phase")
        if current == phase:
            return current
        time.sleep(1)
    return current or "missing"


def test_static_pv_is_bound_then_the_claim_grows_and_shrink_class_modes_are_refused(cluster, run_playbook, role_playbook, env):
    playbook = role_playbook("storage")
    u, ns = env["u"], env["ns"]
    cls = f"{u}-imm"
    spec = {
        "k8s_platform_storage_classes": [{"name": cls, "provisioner": "ebs.csi.aws.com", "volume_binding_mode": "Immediate"},
                                         {"name": f"{u}-other", "provisioner": "ebs.csi.aws.com"}],
        "k8s_platform_apps": [{"name": "db", "namespace": ns, "storage": [{"name": "data", "size": "1Gi", "class": cls}]}],
        "storage_require_default_class": False, "storage_backup_method": "none", "storage_monitoring_enabled": False,
    }
    cluster.kubectl("apply", "-f", "-", stdin=f"""
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {u}-pv, labels: {{linkops.io/test: {u}}}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  storageClassName: {cls}
  persistentVolumeReclaimPolicy: Retain
  hostPath: {{path: /tmp/{u}}}
  claimRef: {{namespace: {ns}, name: db-data}}
""")
    first = run_playbook(playbook, spec)
    assert first.returncode == 0, first.output
    assert wait_phase(cluster, ns, "db-data", "Bound") == "Bound"
    assert cluster.get_json("pvc", "db-data", "-n", ns)["spec"]["volumeName"] == f"{u}-pv"

    # Growing works (the claim is Bound and the class allows expansion); 2048Mi is the same size as 2Gi.
    spec["k8s_platform_apps"][0]["storage"][0]["size"] = "2Gi"
    grown = run_playbook(playbook, spec)
    assert grown.returncode == 0, grown.output
    assert grown.recap()["changed"] == 1
    assert cluster.get_json("pvc", "db-data", "-n", ns)["spec"]["resources"]["requests"]["storage"] == "2Gi"
    spec["k8s_platform_apps"][0]["storage"][0]["size"] = "2048Mi"
    same = run_playbook(playbook, spec)
    assert same.returncode == 0 and same.recap()["changed"] == 0, same.output

    # Shrink, class change and access mode change: all reported at once, before apply; a new claim in the same run is not created.
    bad = dict(spec)
    bad["k8s_platform_apps"] = [{"name": "db", "namespace": ns, "storage": [
        {"name": "data", "size": "2G", "class": f"{u}-other", "access_modes": ["ReadWriteMany"]},
        {"name": "extra", "size": "1Gi", "class": cls},
    ]}]
    refused = run_playbook(playbook, bad)
    assert refused.returncode != 0
    out = refused.output
    assert "storage: 3 problem(s) found before apply, nothing was applied" in out, out
    assert f"{ns}/db-data (app db, volume data): size 2G is smaller than the live claim's 2Gi" in out
    assert "cannot shrink a PersistentVolumeClaim" in out
    assert f"class '{cls}' -> '{u}-other'" in out
    assert "access modes ['ReadWriteOnce'] -> ['ReadWriteMany']" in out
    assert "Traceback" not in out
    assert not cluster.exists("pvc", "db-extra", "-n", ns)
    assert cluster.get_json("pvc", "db-data", "-n", ns)["spec"]["resources"]["requests"]["storage"] == "2Gi"

    # A Pending claim cannot grow: refused before apply too.
    spec["k8s_platform_apps"][0]["storage"].append({"name": "pending", "size": "1Gi", "class": f"{u}-other"})
    assert run_playbook(playbook, spec).returncode == 0
    spec["k8s_platform_apps"][0]["storage"][1]["size"] = "3Gi"
    pending = run_playbook(playbook, spec)
    assert pending.returncode != 0 and "size 1Gi -> 3Gi needs a Bound claim (it is Pending)" in pending.output, pending.output


@pytest.mark.parametrize(("change", "expected"), [
    ({"provisioner": "kubernetes.io/aws-ebs"},
     "storage_classes[1].provisioner: 'kubernetes.io/aws-ebs' is an in-tree volume plugin removed from Kubernetes (CSI migration); "
     "use the CSI driver 'ebs.csi.aws.com'"),
    ({"parameters": {"iops": "1000"}}, "storage_classes[1].parameters.iops: 1000 is outside the gp3 range 3000-80000"),
    ({"default": True}, "storage_classes: exactly one default storage class is allowed, found 2 (items 0, 1)"),
])
def test_bad_input_is_refused_before_anything_is_applied(cluster, run_playbook, role_playbook, env, change, expected):
    playbook = role_playbook("storage")
    u = env["u"]
    spec = {"k8s_platform_storage_classes": [{"name": f"{u}-good", "provisioner": "ebs.csi.aws.com", "default": True},
                                             {"name": f"{u}-bad", "provisioner": "ebs.csi.aws.com", **change}],
            "storage_monitoring_enabled": False}
    result = run_playbook(playbook, spec)
    assert result.returncode != 0
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("storageclass", f"{u}-good")


def test_bad_sizes_and_settings_are_reported_together(run_playbook, role_playbook, env):
    playbook = role_playbook("storage")
    spec = {"k8s_platform_apps": [{"name": "a", "namespace": env["ns"], "storage": [{"name": "d", "size": "10GB"}]}],
            "storage_snapshot_retention": 0, "storage_snapshot_schedule": "daily", "storage_monitoring_enabled": False}
    result = run_playbook(playbook, spec)
    assert result.returncode != 0
    assert not result.output.count("Traceback")
    for fragment in ("storage: 3 problem(s) in the role inputs, nothing was applied",
                     "storage_apps[0].storage[0].size: '10GB' is not a Kubernetes quantity",
                     "storage_snapshot_retention: 0 must be a whole number of snapshots >= 1",
                     "storage_snapshot_schedule: 'daily' is not a cron schedule"):
        assert fragment in result.output, result.output


def test_missing_crds_are_named_with_what_to_install(cluster, run_playbook, role_playbook, env):
    playbook = role_playbook("storage")
    # The CRDs are shared with other tests, so "missing" is a version the cluster does not serve.
    u = env["u"]
    spec = base_vars(env, storage_snapshot_api_version="snapshot.storage.k8s.io/v1alpha9",
                     storage_monitoring_api_version="monitoring.coreos.com/v0")
    result = run_playbook(playbook, spec)
    assert result.returncode != 0
    out = result.output
    assert "snapshots: the cluster does not serve VolumeSnapshotClass (snapshot.storage.k8s.io/v1alpha9)" in out, out
    assert "snapshots: the cluster does not serve VolumeSnapshot (snapshot.storage.k8s.io/v1alpha9)" in out
    assert "external-snapshotter" in out
    assert "storage monitoring: the cluster does not serve PrometheusRule (monitoring.coreos.com/v0)" in out
    assert "run the linkops.k8s_platform.monitoring role first" in out
    assert not cluster.exists("storageclass", f"{u}-ebs")


def test_velero_schedule_instead_of_the_cronjob(cluster, run_playbook, role_playbook, env):
    playbook = role_playbook("storage")
    u, ns = env["u"], env["ns"]
    spec = base_vars(env, storage_backup_method="velero", storage_velero_namespace=env["other"], storage_velero_ttl="72h0m0s",
                     storage_require_default_class=False)
    spec["k8s_platform_storage_classes"] = [sc for sc in spec["k8s_platform_storage_classes"] if sc["provisioner"] == "ebs.csi.aws.com"]
    spec["k8s_platform_storage_classes"][0]["default"] = False
    spec["k8s_platform_apps"][0]["storage"] = spec["k8s_platform_apps"][0]["storage"][:1]
    result = run_playbook(playbook, spec)
    assert result.returncode == 0, result.output
    schedule = cluster.get_json("schedule.velero.io", "linkops-storage", "-n", env["other"])["spec"]
    assert schedule["schedule"] == "0 2 * * *"
    assert schedule["template"]["includedNamespaces"] == [ns]
    assert schedule["template"]["labelSelector"] == {"matchLabels": {"linkops.io/backup": "true"}}
    assert schedule["template"]["ttl"] == "72h0m0s" and schedule["template"]["snapshotVolumes"] is True
    assert not cluster.exists("cronjob", "storage-snapshots", "-n", ns)
    vsc = cluster.get_json("volumesnapshotclass", f"{u}-ebs-csi-aws-com")
    assert vsc["metadata"]["labels"]["velero.io/csi-volumesnapshot-class"] == "true"
    rule = cluster.get_json("prometheusrule", "linkops-storage", "-n", env["mon"])
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    assert 'increase(velero_backup_failure_total{schedule="linkops-storage"}[1h]) > 0' in exprs
    absent = run_playbook(playbook, {**spec, "storage_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert not cluster.exists("schedule.velero.io", "linkops-storage", "-n", env["other"])
    assert not cluster.exists("volumesnapshotclass", f"{u}-ebs-csi-aws-com")


def test_restore_playbook_creates_a_claim_from_a_snapshot(cluster, run_playbook, env):
    ns, u = env["ns"], env["u"]
    cluster.kubectl("apply", "-f", "-", stdin=f"""
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {{name: api-data-20260102-020000, namespace: {ns}}}
spec:
  source: {{persistentVolumeClaimName: api-data}}
""")
    restore = REPO / "playbooks" / "restore_pvc.yml"
    args = {"restore_namespace": ns, "restore_snapshot": "api-data-20260102-020000", "restore_pvc_name": "api-data-restored",
            "restore_size": "2Gi", "restore_storage_class": f"{u}-ebs"}
    check = run_playbook(restore, args, check=True)
    assert check.returncode == 0, check.output
    assert not cluster.exists("pvc", "api-data-restored", "-n", ns)
    result = run_playbook(restore, args)
    assert result.returncode == 0, result.output
    pvc = cluster.get_json("pvc", "api-data-restored", "-n", ns)
    assert pvc["spec"]["dataSource"] == {"kind": "VolumeSnapshot", "apiGroup": "snapshot.storage.k8s.io", "name": "api-data-20260102-020000"}
    assert pvc["spec"]["dataSourceRef"]["name"] == "api-data-20260102-020000"  # the API server mirrors dataSource
    assert pvc["spec"]["resources"]["requests"]["storage"] == "2Gi" and pvc["spec"]["storageClassName"] == f"{u}-ebs"
    assert pvc["status"]["phase"] == "Pending"  # no CSI driver on this control plane provisions from snapshots
    assert run_playbook(restore, args).recap()["changed"] == 0

    missing = run_playbook(restore, {**args, "restore_snapshot": "nope", "restore_pvc_name": "other"})
    assert missing.returncode != 0 and f"VolumeSnapshot {ns}/nope does not exist" in missing.output, missing.output
    bad = run_playbook(restore, {"restore_namespace": ns, "restore_snapshot": "x", "restore_pvc_name": "Bad_Name", "restore_size": "10GB"})
    assert bad.returncode != 0
    assert "restore_pvc_name: Bad_Name is not a DNS-1123 subdomain" in bad.output and "restore_size: 10GB is not a Kubernetes quantity" in bad.output
