# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe pod manifest and pod status assessment."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import (
    DEFAULT_IMAGE,
    PROBE_LABEL,
    SOURCE_ANNOTATION,
    assess_pod,
    container_running,
    default_container,
    owner_manifest,
    probe_pod_manifest,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import selector_matches

SOURCE_LABELS = {"app": "api", "pod-template-hash": "6d4b8", PROBE_LABEL: "stale"}


def manifest(**overrides):
    args = dict(
        name="linkops-probe-abcd1234-1",
        namespace="shop",
        run_id="abcd1234",
        owner_uid="uid-1",
        source_key="shop/api",
        source_labels=SOURCE_LABELS,
    )
    args.update(overrides)
    return probe_pod_manifest(**args)


def restricted_violations(pod: dict) -> list[str]:
    """The Pod Security Standards' restricted profile (v1.35), checked field by field from its
    documented rules, for the fields this pod could get wrong."""
    spec = pod["spec"]
    pod_sc = spec.get("securityContext") or {}
    problems = []
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(flag):
            problems.append(flag)
    if any(v for v in spec.get("volumes") or [] if set(v) - {"name", "configMap", "emptyDir", "projected", "secret",
                                                             "downwardAPI", "persistentVolumeClaim", "ephemeral", "csi"}):
        problems.append("volume type")
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        sc = container.get("securityContext") or {}
        name = container["name"]
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        if "ALL" not in (sc.get("capabilities") or {}).get("drop", []):
            problems.append(f"{name}: capabilities.drop must hold ALL")
        if set((sc.get("capabilities") or {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: capabilities.add")
        run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        if run_as_non_root is not True:
            problems.append(f"{name}: runAsNonRoot")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser 0")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile")
        if container.get("ports") and any(p.get("hostPort") for p in container["ports"]):
            problems.append(f"{name}: hostPort")
    return problems


def test_probe_pod_is_restricted_compliant_and_locked_down():
    pod = manifest()
    assert restricted_violations(pod) == []
    spec = pod["spec"]
    container = spec["containers"][0]
    assert spec["automountServiceAccountToken"] is False
    assert spec["terminationGracePeriodSeconds"] == 0
    assert spec["restartPolicy"] == "Never"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["runAsUser"] == 65534
    assert container["command"] == ["/agnhost", "pause"]
    assert container["image"] == DEFAULT_IMAGE and container["imagePullPolicy"] == "IfNotPresent"
    assert set(container["resources"]) == {"requests", "limits"}
    assert all(set(values) == {"cpu", "memory"} for values in container["resources"].values())


def test_the_restricted_checker_catches_a_bad_pod():
    pod = manifest()
    del pod["spec"]["securityContext"]["runAsNonRoot"]
    del pod["spec"]["containers"][0]["securityContext"]["runAsNonRoot"]
    pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    assert len(restricted_violations(pod)) == 2


def test_probe_pod_carries_the_source_labels_and_the_run_label():
    pod = manifest()
    labels = pod["metadata"]["labels"]
    assert labels == {"app": "api", "pod-template-hash": "6d4b8", PROBE_LABEL: "abcd1234"}
    # the ReplicaSet's selector selects it: hence the owner reference below
    assert selector_matches({"matchLabels": {"app": "api", "pod-template-hash": "6d4b8"}}, labels)
    assert pod["metadata"]["annotations"][SOURCE_ANNOTATION] == "shop/api"


def test_probe_pod_is_controlled_by_the_run_owner():
    pod = manifest()
    owner = owner_manifest("shop", "abcd1234")
    refs = pod["metadata"]["ownerReferences"]
    assert len(refs) == 1
    ref = refs[0]
    assert (ref["kind"], ref["name"], ref["uid"]) == ("ConfigMap", owner["metadata"]["name"], "uid-1")
    assert ref["controller"] is True
    assert owner["metadata"]["namespace"] == pod["metadata"]["namespace"]  # owners must share the namespace
    assert owner["metadata"]["labels"][PROBE_LABEL] == "abcd1234"


def test_probe_pod_is_never_ready():
    probe = manifest()["spec"]["containers"][0]["readinessProbe"]
    port = probe["tcpSocket"]["port"]
    container = manifest()["spec"]["containers"][0]
    assert not container.get("ports"), "nothing in the probe pod may listen on the readiness port"
    assert port not in [p.get("containerPort") for p in container.get("ports") or []]
    assert probe["failureThreshold"] == 1


def test_probe_pod_takes_the_sources_dns_settings_only():
    source_spec = {
        "dnsPolicy": "None",
        "dnsConfig": {"nameservers": ["10.96.0.10"]},
        "hostAliases": [{"ip": "10.0.0.9", "hostnames": ["legacy"]}],
        "serviceAccountName": "api",
        "hostNetwork": True,
        "containers": [{"name": "app", "image": "api:1"}],
        "volumes": [{"name": "data", "hostPath": {"path": "/"}}],
    }
    spec = manifest(source_spec=source_spec)["spec"]
    assert spec["dnsPolicy"] == "None" and spec["dnsConfig"] == {"nameservers": ["10.96.0.10"]}
    assert spec["hostAliases"] == source_spec["hostAliases"] and spec["serviceAccountName"] == "api"
    assert "hostNetwork" not in spec and "volumes" not in spec
    assert [c["name"] for c in spec["containers"]] == ["probe"]
    host_net = manifest(source_spec={"dnsPolicy": "ClusterFirstWithHostNet"})["spec"]
    assert "dnsPolicy" not in host_net


def test_image_deadline_and_pull_policy():
    pod = manifest(image="registry.local/agnhost:2.59", image_pull_policy="Never", active_deadline_seconds=420)
    assert pod["spec"]["containers"][0]["image"] == "registry.local/agnhost:2.59"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"
    assert pod["spec"]["activeDeadlineSeconds"] == 420


def running_pod(**status):
    base = {
        "metadata": {"name": "p"},
        "status": {"phase": "Running", "containerStatuses": [{"name": "probe", "state": {"running": {}}}]},
    }
    base["status"].update(status)
    return base


def test_assess_pod_states():
    assert assess_pod(running_pod()).running
    assert not assess_pod(None).running and assess_pod(None).fatal
    pulling = {"status": {"phase": "Pending", "containerStatuses": [
        {"name": "probe", "state": {"waiting": {"reason": "ErrImagePull", "message": "not found"}}}]}}
    state = assess_pod(pulling)
    assert not state.running and state.fatal is None and state.summary.startswith("ErrImagePull")
    backoff = {"status": {"phase": "Pending", "containerStatuses": [
        {"name": "probe", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}}
    assert "ImagePullBackOff" in assess_pod(backoff).fatal
    unscheduled = {"status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available"}]}}
    state = assess_pod(unscheduled)
    assert state.fatal is None and "0/1 nodes are available" in state.summary
    failed = {"status": {"phase": "Failed", "reason": "DeadlineExceeded", "message": "too long"}}
    assert assess_pod(failed).fatal == "the pod ended (Failed): DeadlineExceeded: too long"
    deleting = running_pod()
    deleting["metadata"]["deletionTimestamp"] = "now"
    assert assess_pod(deleting).fatal


@pytest.mark.parametrize(
    "annotations, expected",
    [({}, "app"), ({"kubectl.kubernetes.io/default-container": "sidecar"}, "sidecar"),
     ({"kubectl.kubernetes.io/default-container": "gone"}, "app")],
)
def test_default_container(annotations, expected):
    pod = {"metadata": {"annotations": annotations}, "spec": {"containers": [{"name": "app"}, {"name": "sidecar"}]}}
    assert default_container(pod) == expected


def test_container_running():
    pod = {"status": {"containerStatuses": [{"name": "app", "state": {"running": {}}},
                                            {"name": "sidecar", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
    assert container_running(pod, "app") and not container_running(pod, "sidecar")
    assert not container_running(pod, "other")
