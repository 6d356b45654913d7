# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The workloads role on the real control plane: restricted-compliant rollouts admitted by Pod Security,
PVC mounts, EndpointSlices behind the services role's Service, idempotence, check mode, absent,
a Pod Security rejection explained, and bad input."""

from __future__ import annotations

import json
import time

import pytest

APPS = ({"role": "rbac", "vars": {"rbac_verify": False}}, "services", "workloads")


@pytest.fixture
def restricted(cluster, namespace):
    """The namespace, enforcing the restricted Pod Security level as the namespaces role makes it, and the
    static PVs a test made for it (cluster-scoped: removed here)."""
    cluster.kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted",
                    "pod-security.kubernetes.io/enforce-version=v1.35")
    pvs: list[str] = []
    yield namespace, pvs
    for pv in pvs:
        cluster.kubectl("delete", "pv", pv, "--wait=false", "--ignore-not-found", check=False)


def make_claim(cluster, ns: str, pvs: list[str], claim: str) -> None:
    """The storage role's job: a PVC bound to a static PV (the local cluster has no provisioner)."""
    pv = f"{ns}-{claim}"
    pvs.append(pv)
    manifests = [
        {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv},
         "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                  "hostPath": {"path": f"/tmp/{pv}"}, "claimRef": {"namespace": ns, "name": claim}}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": claim, "namespace": ns},
         "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "", "volumeName": pv, "resources": {"requests": {"storage": "1Gi"}}}},
    ]
    cluster.kubectl("apply", "-f", "-", stdin="\n---\n".join(json.dumps(m) for m in manifests))


def apps(ns: str, replicas: int = 2) -> list[dict]:
    return [
        {"name": "api", "namespace": ns, "port": 8000, "metrics": {"port": 9100},
         "workload": {"image": "registry.example/api:1.0", "replicas": replicas,
                      "probes": {"readiness": {"path": "/ready"}, "liveness": {"path": "/healthz", "initial_delay_seconds": 5}},
                      "resources": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                      "security_context": {"run_as_user": 10001, "run_as_group": 10001, "fs_group": 10001},
                      "env": {"LOG_LEVEL": "info"}},
         "rbac": {"rules": [{"resources": ["configmaps"], "verbs": ["get"]}]},
         "storage": [{"name": "data", "size": "1Gi", "mount_path": "/app/data"}]},
        {"name": "db", "namespace": ns, "ports": [{"name": "postgres", "port": 5432}],
         "service": {"type": "Headless"},
         "workload": {"kind": "StatefulSet", "image": "registry.example/postgres:17", "replicas": 1,
                      "probes": {"readiness": {"type": "tcp"}, "liveness": {"type": "exec", "command": ["pg_isready"]}},
                      "security_context": {"run_as_user": 999}},
         "storage": [{"name": "pgdata", "size": "1Gi", "mount_path": "/var/lib/postgresql/data"}]},
        # No workload section: the role leaves this app's pods alone.
        {"name": "external", "namespace": ns, "port": 80},
    ]


def ready_endpoints(cluster, ns: str, service: str) -> set[str]:
    slices = cluster.get_json("endpointslices", "-n", ns, "-l", f"kubernetes.io/service-name={service}")["items"]
    return {addr for s in slices for ep in s.get("endpoints") or [] if ep.get("conditions", {}).get("ready") for addr in ep["addresses"]}


def test_rollout_in_a_restricted_namespace_endpoints_idempotence_check_mode_and_absent(cluster, run_playbook, role_playbook, restricted):
    playbook = role_playbook(*APPS)
    ns, pvs = restricted
    make_claim(cluster, ns, pvs, "api-data")
    make_claim(cluster, ns, pvs, "db-pgdata")
    host_vars = {"k8s_platform_apps": apps(ns)}

    check_first = run_playbook(playbook, host_vars, check=True)
    assert check_first.returncode == 0, check_first.output
    assert not cluster.exists("deployment", "api", "-n", ns), "check mode must not create anything"

    first = run_playbook(playbook, host_vars)
    assert first.returncode == 0, first.output

    deploy = cluster.get_json("deployment", "api", "-n", ns)
    assert deploy["status"]["availableReplicas"] == 2  # the role waited for the rollout
    pod = deploy["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["serviceAccountName"] == "api-sa"
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = container["securityContext"]
    assert (sc["allowPrivilegeEscalation"], sc["readOnlyRootFilesystem"], sc["capabilities"]["drop"]) == (False, True, ["ALL"])
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["initialDelaySeconds"] == 5
    assert container["resources"] == {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "api-data"}} in pod["volumes"]
    assert {"name": "data", "mountPath": "/app/data"} in container["volumeMounts"]
    assert {(p["name"], p["containerPort"]) for p in container["ports"]} == {("http", 8000), ("metrics", 9100)}
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert deploy["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "9100"

    # The API server admitted the pods under "restricted", and they run as the app's ServiceAccount.
    pods = cluster.get_json("pods", "-n", ns, "-l", "app.kubernetes.io/name=api")["items"]
    assert len(pods) == 2
    assert all(p["status"]["phase"] == "Running" and p["spec"]["serviceAccountName"] == "api-sa" for p in pods)

    # The Service the services role rendered selects exactly these pods: ready EndpointSlices.
    pod_ips = {p["status"]["podIP"] for p in pods}
    deadline = time.time() + 30
    while ready_endpoints(cluster, ns, "api") != pod_ips and time.time() < deadline:
        time.sleep(1)
    assert ready_endpoints(cluster, ns, "api") == pod_ips

    sts = cluster.get_json("statefulset", "db", "-n", ns)
    assert sts["status"]["readyReplicas"] == 1
    assert sts["spec"]["serviceName"] == "db"
    assert sts["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "db-pgdata"
    assert sts["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"]["command"] == ["pg_isready"]
    db_pod = cluster.get_json("pod", "db-0", "-n", ns)
    deadline = time.time() + 30
    while ready_endpoints(cluster, ns, "db") != {db_pod["status"]["podIP"]} and time.time() < deadline:
        time.sleep(1)
    assert ready_endpoints(cluster, ns, "db") == {db_pod["status"]["podIP"]}
    assert not cluster.exists("deployment", "external", "-n", ns)

    second = run_playbook(playbook, host_vars)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output

    # --check --diff shows a replica change and applies nothing.
    diff = run_playbook(playbook, {"k8s_platform_apps": apps(ns, replicas=3)}, check=True)
    assert diff.returncode == 0, diff.output
    assert diff.recap()["changed"] == 1
    assert "replicas" in diff.output
    assert cluster.get_json("deployment", "api", "-n", ns)["spec"]["replicas"] == 2

    absent = run_playbook(playbook, {**host_vars, "workloads_state": "absent"})
    assert absent.returncode == 0, absent.output
    assert not cluster.exists("deployment", "api", "-n", ns)
    assert not cluster.exists("statefulset", "db", "-n", ns)
    assert cluster.exists("service", "api", "-n", ns)  # other roles' objects stay


def test_a_pod_security_rejection_is_explained(cluster, run_playbook, role_playbook, restricted):
    workloads_only = role_playbook("workloads")
    ns, _ = restricted
    cluster.kubectl("create", "serviceaccount", "legacy-sa", "-n", ns)
    # The role is told the namespace is "baseline", so run_as_non_root false passes validation; the real
    # namespace enforces "restricted", so the ReplicaSet cannot create the pods.
    host_vars = {
        "workloads_namespaces": [{"name": ns, "pod_security": "baseline"}],
        "workloads_apps": [{"name": "legacy", "namespace": ns, "port": 8080,
                            "workload": {"image": "registry.example/legacy:1", "security_context": {"run_as_non_root": False}}}],
        "workloads_wait_timeout": 20,
    }
    result = run_playbook(workloads_only, host_vars)
    assert result.returncode != 0
    assert "the rollout did not complete" in result.output, result.output
    assert "violates PodSecurity" in result.output, result.output
    assert "FailedCreate" in result.output, result.output
    assert f"ReplicaSet {ns}/legacy-" in result.output, result.output
    assert "runAsNonRoot" in result.output


def test_a_non_compliant_pod_is_rejected_by_the_api_server(cluster, restricted):
    ns, _ = restricted
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "root", "namespace": ns},
           "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}]}}
    result = cluster.kubectl("apply", "-f", "-", stdin=json.dumps(pod), check=False)
    assert result.returncode != 0
    assert "violates PodSecurity" in result.stderr and "privileged" in result.stderr


@pytest.mark.parametrize(
    ("workload", "expected"),
    [
        ({"image": "x", "security_context": {"run_as_user": 0}},
         "workloads_apps[1].workload.security_context.run_as_user: 0 (root) is refused: namespace '{ns}' enforces Pod Security 'restricted'"),
        ({"image": "x", "security_context": {"privileged": True}}, "workloads_apps[1].workload.security_context.privileged: privileged containers are refused"),
        ({"image": "x", "security_context": {"capabilities_add": ["SYS_ADMIN"]}}, "capability SYS_ADMIN is refused"),
        ({"replicas": 1}, "workloads_apps[1].workload: missing required field 'image'"),
        ({"image": "x", "kind": "DaemonSet"}, "workloads_apps[1].workload.kind: 'DaemonSet' is not allowed"),
        ({"image": "x", "probes": {"liveness": {"type": "exec"}}}, "workloads_apps[1].workload.probes.liveness: an exec probe needs 'command'"),
        ({"image": "x", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}},
         "workloads_apps[1].workload.resources.requests.cpu: 2 is more than the limit 1"),
    ],
)
def test_bad_input_is_reported_before_anything_is_applied(cluster, run_playbook, role_playbook, restricted, workload, expected):
    workloads_only = role_playbook("workloads")
    ns, _ = restricted
    good = {"name": "good", "namespace": ns, "port": 80, "workload": {"image": "registry.example/good:1"}}
    bad = {"name": "bad", "namespace": ns, "port": 80, "workload": workload}
    result = run_playbook(workloads_only, {"workloads_apps": [good, bad]})
    assert result.returncode != 0
    assert expected.format(ns=ns) in result.output, result.output
    assert "Traceback" not in result.output
    assert not cluster.exists("deployment", "good", "-n", ns)
