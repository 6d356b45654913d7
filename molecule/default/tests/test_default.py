# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What site.yml applied with every area but the namespaces switched off: the namespaces with their
Pod Security levels, as stored, as the API server admits pods, and as pods run on the real node."""

from __future__ import annotations

RESTRICTED, BASELINE = "molecule-mlops", "molecule-legacy"


def _levels(entry):
    return entry["pod_security"] if isinstance(entry["pod_security"], dict) else {"enforce": entry["pod_security"]}


def _as_root(pod):
    pod["spec"]["securityContext"].update(runAsNonRoot=False, runAsUser=0)
    return pod


def test_every_namespace_has_its_pod_security_levels_pinned(kube, spec):
    for entry in spec["k8s_platform_namespaces"]:
        namespace = kube.get("namespace", entry["name"])
        assert namespace, f"namespace {entry['name']} is missing"
        labels = namespace["metadata"].get("labels", {})
        for mode, level in _levels(entry).items():
            assert labels.get(f"pod-security.kubernetes.io/{mode}") == level, f"{entry['name']}: {mode} in {labels}"
        assert labels.get("pod-security.kubernetes.io/enforce-version") == "v1.35", labels
        assert labels.get("app.kubernetes.io/managed-by") == "linkops.k8s_platform", labels
        for key, value in entry.get("labels", {}).items():
            assert labels.get(key) == value, f"{entry['name']}: label {key} in {labels}"


def test_restricted_namespace_rejects_a_privileged_pod(kube, agnhost_pod):
    pod = agnhost_pod("verify-privileged", RESTRICTED, ["pause"])
    pod["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    answer = kube.apply(pod, dry_run=True, check=False)
    assert answer.rc != 0 and "violates PodSecurity" in answer.stderr, answer.stderr


def test_a_root_pod_is_refused_by_restricted_but_runs_under_baseline(kube, agnhost_pod, scratch_pod):
    refused = kube.apply(_as_root(agnhost_pod("verify-root", RESTRICTED, ["pause"])), dry_run=True, check=False)
    assert refused.rc != 0 and 'violates PodSecurity "restricted:v1.35"' in refused.stderr, refused.stderr
    # molecule-legacy enforces baseline and warns at restricted: admitted, with the warning.
    admitted = kube.apply(_as_root(agnhost_pod("verify-root", BASELINE, ["pause"])), dry_run=True, check=False)
    assert admitted.rc == 0, admitted.stderr
    assert 'would violate PodSecurity "restricted:v1.35"' in admitted.stderr, admitted.stderr
    pod = scratch_pod(_as_root(agnhost_pod("verify-root", BASELINE, ["pause"])))
    inside = kube.pod_host(BASELINE, pod["metadata"]["name"])
    assert kube.process_status(inside)["Uid"].split()[0] == "0", "the baseline namespace's pod runs as root on the node"


def test_pods_run_and_answer_with_no_policy_in_the_way(host, kube, agnhost_pod, scratch_pod):
    """network_policies_enabled is false: nothing isolates the namespaces, so a pod answers
    the node and a pod of another namespace."""
    for namespace in (RESTRICTED, BASELINE):
        assert kube.items("networkpolicies", namespace) == [], f"network policies in {namespace} although the area is off"
    server = scratch_pod(agnhost_pod("verify-web", RESTRICTED, ["netexec", "--http-port=8080"], ready_port=8080))
    name, address = server["metadata"]["name"], server["status"]["podIP"]
    assert host.check_output("curl -s --max-time 5 http://%s:8080/hostname", address) == name
    client = scratch_pod(agnhost_pod("verify-client", BASELINE, ["pause"]))
    assert kube.pod_host(BASELINE, client["metadata"]["name"]).addr(address).port(8080).is_reachable
