# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control plane under test is real: each of these fails against a mock or a bare API stub.

- Deployment -> ReplicaSet -> Pods needs the controller manager; Running pods need the scheduler
  and a (kwok) kubelet; EndpointSlices need the endpointslice controller.
- Rejecting a Pod needs the PodSecurity admission plugin reading the namespace's labels.
- A SubjectAccessReview needs the RBAC authorizer and a ServiceAccount the API server knows.
"""

from __future__ import annotations

import json
import time


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


def test_deployment_pods_reach_running_on_kwok_nodes_and_get_endpoints(cluster, namespace):
    nodes = cluster.get_json("nodes")["items"]
    kwok_nodes = {n["metadata"]["name"] for n in nodes if n["metadata"].get("annotations", {}).get("kwok.x-k8s.io/node") == "fake"}
    if cluster.local:
        assert len(kwok_nodes) >= 2, f"expected at least two kwok fake nodes, got {sorted(kwok_nodes)}"

    cluster.kubectl("-n", namespace, "create", "deployment", "web", "--image=registry.example/web:1", "--replicas=3", "--port=8080")
    cluster.kubectl("-n", namespace, "expose", "deployment", "web", "--port=80", "--target-port=8080")

    def running_pods():
        pods = cluster.get_json("-n", namespace, "pods", "-l", "app=web")["items"]
        running = [p for p in pods if p["status"].get("phase") == "Running"]
        return running if len(running) == 3 else None

    pods = wait_until(running_pods, what="3 Running pods")
    assert all(p["spec"].get("nodeName") for p in pods), "scheduler did not bind every pod to a node"
    if cluster.local:
        assert {p["spec"]["nodeName"] for p in pods} <= kwok_nodes
    owners = {ref["kind"] for p in pods for ref in p["metadata"].get("ownerReferences", [])}
    assert owners == {"ReplicaSet"}, "pods should be created by the ReplicaSet controller"

    def ready_endpoints():
        slices = cluster.get_json("-n", namespace, "endpointslices", "-l", "kubernetes.io/service-name=web")["items"]
        addresses = [a for s in slices for e in (s.get("endpoints") or []) if e.get("conditions", {}).get("ready") for a in e["addresses"]]
        return addresses if len(addresses) == 3 else None

    wait_until(ready_endpoints, what="3 ready endpoints in the Service's EndpointSlices")


def test_restricted_namespace_rejects_non_compliant_pod(cluster, namespace):
    cluster.kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted")
    bad_pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "privileged", "namespace": namespace},
        "spec": {"containers": [{"name": "c", "image": "registry.example/app:1", "securityContext": {"privileged": True}}]},
    }
    result = cluster.kubectl("apply", "-f", "-", stdin=json.dumps(bad_pod), check=False)
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted' in result.stderr
    assert not cluster.exists("-n", namespace, "pod", "privileged")

    good_pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "compliant", "namespace": namespace},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                {
                    "name": "c",
                    "image": "registry.example/app:1",
                    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                }
            ],
        },
    }
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(good_pod))
    assert cluster.exists("-n", namespace, "pod", "compliant")


def test_fresh_service_account_may_not_read_secrets(cluster, namespace):
    cluster.kubectl("-n", namespace, "create", "serviceaccount", "fresh")
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": f"system:serviceaccount:{namespace}:fresh",
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
            "resourceAttributes": {"namespace": namespace, "verb": "get", "resource": "secrets"},
        },
    }
    answer = json.loads(cluster.kubectl("create", "-o", "json", "-f", "-", stdin=json.dumps(review)).stdout)
    assert answer["status"]["allowed"] is False

    # The same question after granting it: now allowed, so the denial above came from RBAC.
    cluster.kubectl("-n", namespace, "create", "role", "read-secrets", "--verb=get", "--resource=secrets")
    cluster.kubectl("-n", namespace, "create", "rolebinding", "read-secrets", "--role=read-secrets", f"--serviceaccount={namespace}:fresh")

    def allowed():
        result = json.loads(cluster.kubectl("create", "-o", "json", "-f", "-", stdin=json.dumps(review)).stdout)
        return result["status"].get("allowed") is True

    wait_until(allowed, timeout=15, what="RBAC to allow after the RoleBinding")


def test_service_account_tokens_are_signed(cluster, namespace):
    cluster.kubectl("-n", namespace, "create", "serviceaccount", "tokened")
    token = cluster.kubectl("-n", namespace, "create", "token", "tokened", "--duration=10m").stdout.strip()
    assert token.count(".") == 2, "expected a signed JWT"
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
    answer = json.loads(cluster.kubectl("create", "-o", "json", "-f", "-", stdin=json.dumps(review)).stdout)
    assert answer["status"]["authenticated"] is True
    assert answer["status"]["user"]["username"] == f"system:serviceaccount:{namespace}:tokened"
