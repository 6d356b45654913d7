# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe pod, its per-run owner object, and what a pod's status says; plain dicts only.

A probe pod carries its source's labels, so NetworkPolicies treat it as the source. Two
consequences are handled here:

- it must never receive Service traffic: a readiness probe that always fails (a TCP check of a
  port nothing listens on) keeps it out of every Service's ready endpoints;
- it must never be adopted by the source's ReplicaSet or StatefulSet (controllers adopt orphan
  pods matching their selector, then delete the extras): it has a controller ownerReference to
  a per-run ConfigMap, so no other controller may claim it, and deleting that ConfigMap
  garbage-collects every probe pod of the run as a safety net.

The pod is restricted-Pod-Security compliant, mounts no token, starts nothing but
``/agnhost pause``, stops at once (grace 0) and is stopped by the kubelet after
`activeDeadlineSeconds` should the module die without cleaning up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import dig

Obj = dict[str, Any]

DEFAULT_IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.59"
PROBE_LABEL = "linkops.io/connectivity-probe"
SOURCE_ANNOTATION = "linkops.io/connectivity-probe-source"
CONTAINER = "probe"
PROBE_UID = 65534  # nobody
# The readiness probe's target: nothing in the probe pod listens on it, so the pod is never Ready.
NEVER_LISTENED_PORT = 1
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "10m", "memory": "32Mi"},
    "limits": {"cpu": "200m", "memory": "128Mi"},
}
# Waiting reasons after which the container will not start without someone changing something.
FATAL_WAITING_REASONS: frozenset[str] = frozenset(
    {
        "ImagePullBackOff",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "CrashLoopBackOff",
    }
)


def owner_name(run_id: str) -> str:
    return f"linkops-probe-{run_id}"


def pod_name(run_id: str, number: int) -> str:
    return f"linkops-probe-{run_id}-{number}"


def owner_manifest(namespace: str, run_id: str) -> Obj:
    """The per-run, per-namespace ConfigMap every probe pod of the namespace is owned by."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": owner_name(run_id),
            "namespace": namespace,
            "labels": {PROBE_LABEL: run_id},
            "annotations": {
                "linkops.io/purpose": (
                    "owner of the connectivity probe pods of one linkops.k8s_platform.connectivity_probe run; "
                    "deleting it deletes them"
                )
            },
        },
        "data": {"run": run_id},
    }


def probe_labels(source_labels: Mapping[str, Any], run_id: str) -> dict[str, str]:
    labels = {str(k): str(v) for k, v in source_labels.items() if str(k) != PROBE_LABEL}
    labels[PROBE_LABEL] = run_id
    return labels


def probe_pod_manifest(
    *,
    name: str,
    namespace: str,
    run_id: str,
    owner_uid: str,
    source_key: str,
    source_labels: Mapping[str, Any],
    image: str = DEFAULT_IMAGE,
    image_pull_policy: str = "IfNotPresent",
    active_deadline_seconds: int = 3600,
    source_spec: Optional[Mapping[str, Any]] = None,
) -> Obj:
    """A pod that looks like `source_key` to NetworkPolicies and to the DNS resolver.

    From the source's pod spec it takes what changes name resolution (dnsPolicy, dnsConfig,
    hostAliases) and its service account (no token is mounted); nothing else.
    """
    source_spec = source_spec or {}
    container_security = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": PROBE_UID,
        "runAsGroup": PROBE_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    spec: Obj = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 0,
        "activeDeadlineSeconds": int(active_deadline_seconds),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": PROBE_UID,
            "runAsGroup": PROBE_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": CONTAINER,
                "image": image,
                "imagePullPolicy": image_pull_policy,
                "command": ["/agnhost", "pause"],
                "securityContext": container_security,
                "resources": {kind: dict(values) for kind, values in RESOURCES.items()},
                "readinessProbe": {
                    "tcpSocket": {"port": NEVER_LISTENED_PORT},
                    "periodSeconds": 60,
                    "timeoutSeconds": 1,
                    "failureThreshold": 1,
                },
            }
        ],
    }
    for key in ("dnsPolicy", "dnsConfig", "hostAliases", "serviceAccountName"):
        value = source_spec.get(key)
        if value and not (key == "dnsPolicy" and value == "ClusterFirstWithHostNet"):
            spec[key] = value
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": probe_labels(source_labels, run_id),
            "annotations": {SOURCE_ANNOTATION: source_key},
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "name": owner_name(run_id),
                    "uid": owner_uid,
                    "controller": True,
                    # true would need delete permission on the owner's finalizers, and the
                    # pods are deleted by name anyway
                    "blockOwnerDeletion": False,
                }
            ],
        },
        "spec": spec,
    }


def default_container(pod: Mapping[str, Any]) -> Optional[str]:
    """The container `kubectl exec` would pick: the annotated default, else the first one."""
    names = [str(c.get("name")) for c in dig(pod, "spec", "containers", default=None) or [] if c.get("name")]
    annotated = dig(pod, "metadata", "annotations", DEFAULT_CONTAINER_ANNOTATION)
    if annotated and annotated in names:
        return str(annotated)
    return names[0] if names else None


def _container_status(pod: Mapping[str, Any], container: str) -> Mapping[str, Any]:
    for status in dig(pod, "status", "containerStatuses", default=None) or []:
        if status.get("name") == container:
            return status
    return {}


def container_running(pod: Mapping[str, Any], container: str) -> bool:
    return bool(dig(_container_status(pod, container), "state", "running", default=None) is not None)


@dataclass(frozen=True)
class PodState:
    """Whether commands can be exec'd in the pod now; `fatal` when they never will be."""

    running: bool
    fatal: Optional[str] = None
    summary: str = ""


def assess_pod(pod: Optional[Mapping[str, Any]], container: str = CONTAINER) -> PodState:
    if not pod:
        return PodState(False, "the pod is gone", "gone")
    if dig(pod, "metadata", "deletionTimestamp"):
        return PodState(False, "the pod is being deleted", "deleting")
    phase = str(dig(pod, "status", "phase") or "Pending")
    reason = dig(pod, "status", "reason")
    message = dig(pod, "status", "message")
    if phase in ("Failed", "Succeeded"):
        detail = ": ".join(str(x) for x in (reason, message) if x) or "no reason given"
        return PodState(False, f"the pod ended ({phase}): {detail}", phase)
    status = _container_status(pod, container)
    state = status.get("state") or {}
    if phase == "Running" and state.get("running") is not None:
        return PodState(True, None, "running")
    waiting = state.get("waiting") or {}
    if waiting.get("reason") in FATAL_WAITING_REASONS:
        detail = f"{waiting['reason']}: {waiting.get('message') or 'no message'}"
        return PodState(False, f"container {container} cannot start ({detail})", detail)
    terminated = state.get("terminated")
    if terminated:
        detail = f"{terminated.get('reason') or 'terminated'} (exit code {terminated.get('exitCode')})"
        return PodState(False, f"container {container} stopped: {detail}", detail)
    for condition in dig(pod, "status", "conditions", default=None) or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return PodState(False, None, f"not scheduled: {condition.get('reason')}: {condition.get('message')}")
    if waiting.get("reason"):
        return PodState(False, None, f"{waiting['reason']}: {waiting.get('message') or ''}".rstrip(": "))
    return PodState(False, None, f"phase {phase}")
