# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the app roles (rbac, services, workloads) applied: the Services, workloads and access as
stored and as the API server judges them, then the pods on the real node. They run agnhost netexec
on the apps' ports (workloads_stand_in_image): they answer through their Services from the node
(curl: ClusterIP, NodePort, a headless Service's pod) and from another app's pod (testinfra's
kubectl backend), and inside them the security context and the claims are in force."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.filter.app_roles import app_role_spec, rbac_access_expectations

APPS, DATA = "molecule-apps", "molecule-apps-data"
# (kind, namespace, name, user the pods run as: the app's run_as_user, else the stand-in's nobody)
WORKLOADS = [("deployment", APPS, "mlops-platform", 10001), ("deployment", APPS, "frontend", 65534), ("statefulset", DATA, "database", 999)]
# (namespace, Service, ready endpoints it must have)
SERVICES_WITH_PODS = [(APPS, "mlops-platform", 2), (APPS, "mlops-platform-lb", 2), (APPS, "frontend", 1), (DATA, "database", 1)]


def _wid(workload):
    return workload[2]


def _mounts(inside):
    """Mount point -> options, from /proc/mounts inside a pod."""
    return {fields[1]: fields[3].split(",") for fields in (line.split() for line in inside.check_output("cat /proc/mounts").splitlines())}


@pytest.fixture(scope="module")
def services(kube):
    found = {}
    for namespace, name in [(APPS, "mlops-platform"), (APPS, "mlops-platform-lb"), (APPS, "frontend"), (APPS, "edge"),
                            (APPS, "object-store"), (DATA, "database")]:
        found[name] = kube.get("service", name, namespace)
        assert found[name], f"Service {namespace}/{name} is missing"
    return found


def test_every_service_has_the_expected_fields(services):
    mlops, lb, frontend = services["mlops-platform"], services["mlops-platform-lb"], services["frontend"]
    assert mlops["spec"]["type"] == "ClusterIP"
    assert mlops["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert mlops["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert mlops["metadata"]["labels"]["linkops.io/environment"] == "molecule"
    assert lb["spec"]["type"] == "LoadBalancer"
    assert (lb["spec"]["ports"][0]["port"], lb["spec"]["ports"][0]["targetPort"]) == (80, 8000)
    assert lb["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/8"]
    assert lb["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    assert frontend["spec"]["type"] == "NodePort"
    assert frontend["spec"]["ports"][0]["nodePort"] == 31780 and frontend["spec"]["ports"][0]["appProtocol"] == "http"
    assert frontend["spec"]["sessionAffinity"] == "ClientIP"
    assert services["edge"]["spec"]["type"] == "LoadBalancer" and services["edge"]["spec"]["externalTrafficPolicy"] == "Local"
    assert services["object-store"]["spec"]["type"] == "ExternalName"
    assert services["object-store"]["spec"]["externalName"] == "s3.eu-west-1.amazonaws.com"
    assert services["database"]["spec"]["clusterIP"] == "None" and services["database"]["spec"]["publishNotReadyAddresses"]


@pytest.mark.parametrize("workload", WORKLOADS, ids=_wid)
def test_workload_rolled_out_restricted_with_probes_resources_and_claims(kube, workload):
    kind, namespace, name, _ = workload
    found = kube.get(kind, name, namespace)
    pod, container = found["spec"]["template"]["spec"], found["spec"]["template"]["spec"]["containers"][0]
    assert found["status"].get("readyReplicas", 0) == found["spec"]["replicas"], found["status"]
    assert pod["serviceAccountName"] == f"{name}-sa"
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert "readinessProbe" in container and "livenessProbe" in container
    assert "cpu" in container["resources"]["requests"] and "memory" in container["resources"]["limits"]
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes", []) if "persistentVolumeClaim" in v]
    assert name == "frontend" or (claims and claims[0].startswith(f"{name}-")), claims


@pytest.mark.parametrize("service", SERVICES_WITH_PODS, ids=lambda s: s[1])
def test_the_service_has_ready_endpoints_from_the_workloads_pods(kube, service):
    namespace, name, count = service

    def ready():
        endpoints = kube.ready_endpoints(kube.items("endpointslices", namespace, f"kubernetes.io/service-name={name}"))
        return endpoints if len(endpoints) == count else None

    assert kube.until(ready, timeout=30), f"{namespace}/{name} has not {count} ready endpoints"


def test_each_app_may_do_what_it_declared_and_nothing_risky(module, spec):
    """SubjectAccessReviews through rbac_access, for every app with RBAC, in one run."""
    apps = app_role_spec(spec["k8s_platform_apps"], "rbac", environment=spec["k8s_platform_environment"])["apps"]
    subjects = [{key: expectation[key] for key in ("subject", "expect_allowed", "expect_denied")}
                for expectation in map(rbac_access_expectations, [a for a in apps if a["rbac"]["enabled"]])]
    assert {s["subject"] for s in subjects} >= {f"system:serviceaccount:{APPS}:mlops-platform-sa", f"system:serviceaccount:{APPS}:edge-sa"}
    module("rbac_access", subjects=subjects)


def test_the_edge_app_may_read_its_one_secret_and_no_other(module):
    module("rbac_access", subject=f"system:serviceaccount:{APPS}:edge-sa",
           expect_allowed=[{"verb": "get", "resource": "secrets", "namespace": APPS, "name": "edge-tls"}],
           expect_denied=[{"verb": "get", "resource": "secrets", "namespace": APPS, "name": "other"},
                          {"verb": "list", "resource": "secrets", "namespace": APPS}])


def test_a_pod_that_breaks_the_restricted_level_is_rejected(kube, agnhost_pod):
    pod = agnhost_pod("verify-root", APPS, ["pause"])
    pod["spec"]["securityContext"] = {"runAsUser": 0}
    pod["spec"]["containers"][0]["securityContext"] = {"allowPrivilegeEscalation": True}
    answer = kube.apply(pod, dry_run=True, check=False)
    assert answer.rc != 0 and "violates PodSecurity" in answer.stderr, answer.stderr


def test_the_apps_answer_through_their_services_from_the_node(host, kube, services):
    """ClusterIP, the LoadBalancer's ClusterIP and NodePort, the NodePort on the node's address, and
    the headless Service's pod: each answer comes from one of the Service's own pods."""
    def pods(namespace, app):
        return {p["metadata"]["name"] for p in kube.ready_pods(namespace, f"app.kubernetes.io/name={app}")}

    mlops, frontend, database = pods(APPS, "mlops-platform"), pods(APPS, "frontend"), pods(DATA, "database")
    node = kube.get("node", kube.ready_pods(APPS, "app.kubernetes.io/name=frontend")[0]["spec"]["nodeName"])
    node_ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    lb = services["mlops-platform-lb"]["spec"]
    targets = [
        (services["mlops-platform"]["spec"]["clusterIP"], 8000, mlops),
        (lb["clusterIP"], 80, mlops),
        (node_ip, lb["ports"][0]["nodePort"], mlops),
        (services["frontend"]["spec"]["clusterIP"], 80, frontend),
        (node_ip, 31780, frontend),
        (kube.ready_pods(DATA, "app.kubernetes.io/name=database")[0]["status"]["podIP"], 5432, database),
    ]
    for address, port, expected in targets:
        answer = host.run("curl -s --max-time 5 http://%s:%s/hostname", address, str(port))
        assert answer.stdout in expected, f"{address}:{port} answered {answer.stdout!r} {answer.stderr}, not one of {sorted(expected)}"


def test_an_app_reaches_the_others_by_name_from_its_pod(kube):
    frontend = kube.app_host(APPS, "frontend")
    assert frontend.addr(f"mlops-platform.{APPS}").port(8000).is_reachable
    assert frontend.addr(f"database-0.database.{DATA}.svc.cluster.local").port(5432).is_reachable


@pytest.mark.parametrize("workload", WORKLOADS, ids=_wid)
def test_inside_the_pod_the_security_context_is_in_force(kube, workload):
    _, namespace, name, user = workload
    inside = kube.app_host(namespace, name)
    status = kube.process_status(inside)
    assert status["Uid"].split()[0] == str(user), status["Uid"]
    assert status["NoNewPrivs"] == "1", "allowPrivilegeEscalation: false"
    assert int(status["CapBnd"], 16) == 0, "capabilities drop: [ALL] (the bounding set is empty)"
    assert status["Seccomp"] == "2", "seccomp RuntimeDefault filter"
    assert "ro" in _mounts(inside)["/"], "the root filesystem is mounted read-write"
    assert inside.run("echo probe > /tmp/probe").rc == 0, "no writable /tmp"
    # (testinfra's file module needs `uname`, which the stand-in image lacks: the shell's test instead)
    assert inside.run("test -e /var/run/secrets/kubernetes.io/serviceaccount/token").rc != 0, "the token is mounted"


@pytest.mark.parametrize("app,mount", [("mlops-platform", "/app/data"), ("database", "/var/lib/postgresql/data")])
def test_the_claims_are_mounted_where_the_spec_says(kube, app, mount):
    inside = kube.app_host(APPS if app == "mlops-platform" else DATA, app)
    mounts = _mounts(inside)
    assert mount in mounts, sorted(mounts)
