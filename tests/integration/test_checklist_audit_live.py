# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""checklist_audit on the real local control plane.

(a) playbooks/audit.yml over a namespace of deliberately imperfect objects: the exact findings,
    every report format parses, fail_on fails the play listing the IDs, --check changes nothing.
(b) a read-only ServiceAccount that may list everything the audit reads but Secrets, used through
    host + api_key + ca_cert: the audit completes, the Secret checks say `error` (forbidden), the
    others agree with an admin run, and the token is never printed, even with -vvv.
(c) namespaces made by playbooks/site.yml --tags namespaces carry no POD-001/POD-002 finding.

Reports are written under tests/output/ (git-ignored), never under the repository's reports/.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import API_VERSIONS, CATALOGUE, SEVERITY_RANK

REPO = Path(__file__).resolve().parents[2]
AUDIT_PLAYBOOK = REPO / "playbooks" / "audit.yml"
SITE_PLAYBOOK = REPO / "playbooks" / "site.yml"
OUTPUT = REPO / "tests" / "output" / "checklist_audit_live"
EXTENSIONS = {"json": "json", "markdown": "md", "junit": "xml", "sarif": "sarif", "html": "html"}
SECRET_CHECKS = sorted(c.id for c in CATALOGUE if "Secret" in c.kinds)
MISSING_CLASS = "linkops-audit-test-no-such-class"
# Checks the imperfect namespace exercises and passes (ready pods behind the Service, a readable TLS Secret, ...).
PASSING = ("SVC-001", "SVC-002", "ING-002", "ING-003", "ING-006", "ING-010", "ING-011", "POD-007")

# What the imperfect namespace must produce, per object: (check ID, kind, name). The namespace
# name is filled in by the test. Everything else in that namespace must pass.
EXPECTED = {
    # the namespace: no PSA enforce label, no default-deny policies
    ("POD-001", "Namespace", "{ns}"), ("NET-001", "Namespace", "{ns}"), ("NET-002", "Namespace", "{ns}"),
    # Deployment web: default ServiceAccount (token automounted), no probes, no securityContext, no resources,
    # no NetworkPolicy, not scraped
    ("RBAC-001", "Deployment", "web"), ("RBAC-002", "Deployment", "web"),
    ("MON-001", "Deployment", "web"), ("MON-002", "Deployment", "web"), ("MON-003", "Deployment", "web"),
    ("POD-003", "Deployment", "web"), ("POD-004", "Deployment", "web"), ("POD-005", "Deployment", "web"),
    ("POD-006", "Deployment", "web"), ("POD-008", "Deployment", "web"), ("POD-009", "Deployment", "web"),
    ("NET-003", "Deployment", "web"),
    # LoadBalancer Service without source ranges (and no load balancer on this cluster gives it an address)
    ("SVC-003", "Service", "web-lb"), ("SVC-004", "Service", "web-lb"),
    # Role with wildcard verbs
    ("RBAC-003", "Role", "too-wide"),
    # Ingress naming a missing class, certificate expiring in 5 days and not covering the rule host,
    # no rate limit, no CORS, no HTTPS redirect the audit can see
    ("ING-001", "Ingress", "web"), ("ING-004", "Ingress", "web"), ("ING-005", "Ingress", "web"),
    ("ING-007", "Ingress", "web"), ("ING-008", "Ingress", "web"), ("ING-009", "Ingress", "web"),
}


# --------------------------------------------------------------------------- helpers


def _certificate(dns_name: str, days_left: int) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days_left, hours=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def imperfect_objects(namespace: str) -> list[dict]:
    labels = {"app": "web"}
    cert_pem, key_pem = _certificate("other.example.test", days_left=5)
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"containers": [{"name": "web", "image": "registry.example.test/web:1",
                                                        "ports": [{"name": "http", "containerPort": 8080}]}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-lb", "namespace": namespace},
         "spec": {"type": "LoadBalancer", "selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "too-wide", "namespace": namespace},
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}]},
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "web-tls", "namespace": namespace},
         "stringData": {"tls.crt": cert_pem, "tls.key": key_pem}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": namespace},
         "spec": {"ingressClassName": MISSING_CLASS,
                  "tls": [{"hosts": ["web.example.test"], "secretName": "web-tls"}],
                  "rules": [{"host": "web.example.test", "http": {"paths": [
                      {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web-lb", "port": {"number": 80}}}}]}}]}},
    ]


def expected_for(namespace: str) -> set[tuple[str, str, str]]:
    return {(i, k, n.format(ns=namespace)) for i, k, n in EXPECTED}


def local_findings(findings: list[dict], namespace: str) -> set[tuple[str, str, str]]:
    """Findings about objects of `namespace` (or the Namespace itself): the rest of the shared cluster is not ours."""
    found = set()
    for finding in findings:
        resource = finding["resource"]
        if resource["namespace"] == namespace or (resource["kind"] == "Namespace" and resource["name"] == namespace):
            found.add((finding["id"], resource["kind"], resource["name"]))
    return found


def apply(cluster, objects: list[dict]) -> None:
    cluster.kubectl("apply", "--server-side", "--field-manager=audit-live-test", "-f", "-",
                    stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))


def wait_ready(cluster, namespace: str) -> None:
    cluster.kubectl("-n", namespace, "rollout", "status", "deployment/web", "--timeout=90s")


def state_of(cluster, namespace: str) -> dict[str, str]:
    """kind/name -> resourceVersion of the objects in the namespace (and the Namespace)."""
    # (Pods and ReplicaSets are left out: kwok and the controllers may touch their status at any time)
    listing = cluster.get_json("-n", namespace, "deployments,services,roles,secrets,ingresses,"
                               "serviceaccounts,configmaps,networkpolicies,rolebindings")
    state = {f"{o['kind']}/{o['metadata']['name']}": o["metadata"]["resourceVersion"] for o in listing["items"]}
    state["Namespace"] = cluster.get_json("namespace", namespace)["metadata"]["resourceVersion"]
    return state


def report_dir(name: str) -> Path:
    path = OUTPUT / name
    path.mkdir(parents=True, exist_ok=True)
    return path


class _HTMLChecks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.statuses: dict[str, str] = {}
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attributes = dict(attrs)
        if str(attributes.get("id", "")).startswith("check-") and "data-status" in attributes:
            self.statuses[attributes["id"][len("check-"):]] = attributes["data-status"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def imperfect_namespace(cluster, unique_name):
    namespace = f"{unique_name}-audit"
    apply(cluster, imperfect_objects(namespace))
    try:
        wait_ready(cluster, namespace)
        yield namespace
    finally:
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found", check=False)


# --------------------------------------------------------------------------- (a)


def test_audit_playbook_on_an_imperfect_namespace(cluster, run_playbook, imperfect_namespace, unique_name):
    namespace = imperfect_namespace
    before = state_of(cluster, namespace)
    out = report_dir(unique_name)
    results = {}
    for fmt, ext in EXTENSIONS.items():
        path = out / f"audit.{ext}"
        run = run_playbook(AUDIT_PLAYBOOK, {"audit_namespaces": [namespace], "audit_report_path": str(path),
                                            "audit_report_format": fmt})
        assert run.returncode == 0, run.output
        assert run.recap()["changed"] == 0
        assert f"report: {path}" in run.output
        results[fmt] = path

    report = json.loads(results["json"].read_text())
    assert report["summary"]["namespaces"] == [namespace]
    assert local_findings(report["findings"], namespace) == expected_for(namespace)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert "error" not in statuses.values(), [c for c in report["checks"] if c["status"] == "error"]
    # checks the namespace exercises and passes
    for check_id in PASSING:
        assert statuses[check_id] == "pass", (check_id, statuses[check_id])

    # markdown: every failing check of the namespace appears in a table row
    markdown = results["markdown"].read_text()
    assert markdown.startswith("# Kubernetes checklist audit")
    for check_id, _kind, _name in expected_for(namespace):
        assert f"| {check_id} |" in markdown, check_id

    # junit: one test case per catalogue entry, failures for the failing checks
    suites = ET.parse(results["junit"]).getroot()
    cases = {case.get("name", "").split(" ")[0]: case for case in suites.iter("testcase")}
    assert set(cases) >= {c.id for c in CATALOGUE}
    # (only the checks about the namespace: the cluster-wide ones may change between runs on a shared cluster)
    for check_id in {f[0] for f in expected_for(namespace)}:
        assert cases[check_id].find("failure") is not None, check_id
    for check_id in PASSING:
        assert len(cases[check_id]) == 0, check_id  # no failure, error or skipped element

    # SARIF 2.1.0
    sarif = json.loads(results["sarif"].read_text())
    assert sarif["version"] == "2.1.0"
    assert "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} >= {c.id for c in CATALOGUE}
    located = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in run["results"]}
    assert ("RBAC-003", f"Role/{namespace}/too-wide") in located
    # The namespace's findings, as in the json report (each format is a run of its own: cluster-wide
    # findings may differ between runs while other tests share the cluster).
    sarif_local = {(rule, name.split("/")[0], name.rsplit("/", 1)[1]) for rule, name in located
                   if name.split("/")[1:2] == [namespace] and name.count("/") == 2 or name == f"Namespace/{namespace}"}
    assert sarif_local == local_findings(report["findings"], namespace)

    # html: one self-contained page with every check and its status
    html_text = results["html"].read_text()
    parser = _HTMLChecks()
    parser.feed(html_text)
    assert parser.tags[0] == "html" and "script" not in parser.tags
    assert set(parser.statuses) == {c.id for c in CATALOGUE}
    assert {c for c in parser.statuses if parser.statuses[c] == "fail"} >= {f[0] for f in expected_for(namespace)}
    assert all(parser.statuses[c] == "pass" for c in PASSING)
    assert "http://" not in html_text.replace("http://www.w3.org/2000/svg", "") and "https://" not in html_text

    # fail_on: the play fails after the summary, the message lists the findings at or above high
    failed = run_playbook(AUDIT_PLAYBOOK, {"audit_namespaces": [namespace], "audit_fail_on": "high",
                                           "audit_report_path": str(out / "fail.json"), "audit_report_format": "json"})
    assert failed.returncode != 0
    fail_report = json.loads((out / "fail.json").read_text())
    high = sorted({f["id"] for f in fail_report["findings"] if SEVERITY_RANK[f["severity"]] >= SEVERITY_RANK["high"]})
    assert f"{sum(1 for f in fail_report['findings'] if SEVERITY_RANK[f['severity']] >= SEVERITY_RANK['high'])} finding(s) " \
           f"at or above high: {', '.join(high)}" in failed.output
    assert {"POD-001", "SVC-003", "RBAC-003", "ING-004", "ING-005", "POD-003"} <= set(high)
    assert "Show the audit summary" in failed.output and "score " in failed.output

    # --check: reads only, writes only the report on the control node, changes nothing in the cluster
    checked = run_playbook(AUDIT_PLAYBOOK, {"audit_namespaces": [namespace], "audit_report_path": str(out / "check.json"),
                                            "audit_report_format": "json"}, check=True)
    assert checked.returncode == 0, checked.output
    assert checked.recap()["changed"] == 0
    assert local_findings(json.loads((out / "check.json").read_text())["findings"], namespace) == expected_for(namespace)
    assert state_of(cluster, namespace) == before


# --------------------------------------------------------------------------- (b)


def _readonly_rules(cluster) -> list[dict]:
    """get/list/watch on every resource the audit reads that this cluster serves, except secrets."""
    by_kind: dict[tuple[str, str], str] = {}
    for line in cluster.kubectl("api-resources", "--no-headers", "--verbs=list").stdout.splitlines():
        parts = line.split()
        name, api_version, kind = parts[0], parts[-3], parts[-1]
        by_kind[(kind, api_version)] = name
    groups: dict[str, list[str]] = {}
    for kind, api_version in API_VERSIONS.items():
        if kind == "Secret" or (kind, api_version) not in by_kind:
            continue
        group = api_version.split("/", maxsplit=1)[0] if "/" in api_version else ""
        groups.setdefault(group, []).append(by_kind[(kind, api_version)])
    assert "secrets" not in [r for rs in groups.values() for r in rs]
    return [{"apiGroups": [group], "resources": sorted(resources), "verbs": ["get", "list", "watch"]} for group, resources in groups.items()]


def _server_and_ca(cluster, tmp_path: Path) -> tuple[str, str]:
    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    current = config.get("current-context") or config["contexts"][0]["name"]
    context = next(c["context"] for c in config["contexts"] if c["name"] == current)
    entry = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
    if entry.get("certificate-authority-data"):
        ca_path = tmp_path / "ca.crt"
        ca_path.write_bytes(base64.b64decode(entry["certificate-authority-data"]))
        return entry["server"], str(ca_path)
    ca_file = Path(entry["certificate-authority"])
    if not ca_file.is_absolute():
        ca_file = Path(cluster.kubeconfig).parent / ca_file
    return entry["server"], str(ca_file)


@pytest.fixture
def reader_token(cluster, imperfect_namespace, unique_name):
    namespace = imperfect_namespace
    role = f"{unique_name}-audit-reader"
    cluster_role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
                    "rules": _readonly_rules(cluster)}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": role},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [{"kind": "ServiceAccount", "name": "audit-reader", "namespace": namespace}]}
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "audit-reader", "namespace": namespace},
               "automountServiceAccountToken": False}
    try:
        apply(cluster, [account, cluster_role, binding])
        subject = f"system:serviceaccount:{namespace}:audit-reader"
        assert cluster.kubectl("auth", "can-i", "list", "secrets", "--as", subject, check=False).stdout.strip() == "no"
        assert cluster.kubectl("auth", "can-i", "list", "deployments.apps", "--as", subject, check=False).stdout.strip() == "yes"
        token = cluster.kubectl("-n", namespace, "create", "token", "audit-reader", "--duration=15m").stdout.strip()
        assert token.count(".") == 2
        yield namespace, token
    finally:
        cluster.kubectl("delete", "clusterrolebinding,clusterrole", role, "--ignore-not-found", check=False)


def _audit_task(options: dict) -> list[dict]:
    return [{"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Audit as the read-only ServiceAccount", "linkops.k8s_platform.checklist_audit": options, "register": "audit"},
        {"name": "Keep the result", "ansible.builtin.copy": {"content": "{{ audit | to_nice_json }}", "dest": "{{ result_file }}"},
         "delegate_to": "localhost"},
    ]}]


def test_read_only_service_account_without_secrets(cluster, run_playbook, reader_token, tmp_path, unique_name):
    namespace, token = reader_token
    assert AUTH_ARG_SPEC["api_key"].get("no_log") is True  # the masking below comes from kubernetes.core's spec
    server, ca_cert = _server_and_ca(cluster, tmp_path)
    out = report_dir(f"{unique_name}-reader")
    checks = ["SVC-", "ING-", "RBAC-001", "RBAC-002", "RBAC-003", "RBAC-009", "NET-", "POD-", "MON-001", "MON-002", "MON-003", "MON-004"]

    playbook = tmp_path / "reader.yml"
    playbook.write_text(yaml.safe_dump(_audit_task({
        "host": server, "api_key": token, "ca_cert": ca_cert,
        "namespaces": [namespace], "checks": checks,
        "report": {"path": str(out / "reader.json"), "format": "json"},
    })))
    result_file = tmp_path / "reader-result.json"
    # ansible-core 2.21 adds the module arguments to the result (and -vvv prints them) only with inject_invocation
    run = run_playbook(playbook, {"result_file": str(result_file), "ansible_inject_invocation": True}, "-vvv")
    assert run.returncode == 0, run.output.replace(token, "<TOKEN>")
    result = json.loads(result_file.read_text())

    # the audit completed as the ServiceAccount: only Secrets were refused
    assert result["source"]["mode"] == "live"
    assert set(result["source"]["forbidden"]) == {"Secret"}
    assert "forbidden" in result["source"]["forbidden"]["Secret"].lower()
    statuses = {c["id"]: c for c in result["checks"]}
    selected = [c.id for c in CATALOGUE if any(c.id == p or c.id.startswith(p) for p in checks)]
    secret_checks = [c for c in selected if c in SECRET_CHECKS]
    assert secret_checks == ["ING-003", "ING-004", "ING-005"]
    for check_id in secret_checks:
        assert statuses[check_id]["status"] == "error"
        reason = statuses[check_id]["reason"].lower()
        assert "forbidden" in reason and "secret" in reason, reason

    # the same audit with the admin kubeconfig: every check not reading Secrets agrees
    admin_file = tmp_path / "admin-result.json"
    admin_playbook = tmp_path / "admin.yml"
    admin_playbook.write_text(yaml.safe_dump(_audit_task({
        "kubeconfig": cluster.kubeconfig, "namespaces": [namespace], "checks": checks})))
    admin = run_playbook(admin_playbook, {"result_file": str(admin_file)})
    assert admin.returncode == 0, admin.output
    admin_result = json.loads(admin_file.read_text())
    assert admin_result["source"]["forbidden"] == {}
    admin_statuses = {c["id"]: c["status"] for c in admin_result["checks"]}
    for check_id in selected:
        if check_id in secret_checks:
            assert admin_statuses[check_id] == ("pass" if check_id == "ING-003" else "fail"), check_id
            continue
        assert statuses[check_id]["status"] == admin_statuses[check_id], check_id
        assert statuses[check_id]["status"] in ("pass", "fail", "not_applicable")
    assert local_findings(result["findings"], namespace) == {
        f for f in expected_for(namespace) if f[0] not in secret_checks and any(f[0].startswith(p) for p in checks)}
    assert local_findings(admin_result["findings"], namespace) - local_findings(result["findings"], namespace) == {
        ("ING-004", "Ingress", "web"), ("ING-005", "Ingress", "web")}

    # the token is never printed, masked as a no_log value in the -vvv invocation, absent from the report
    assert token not in run.output
    assert token[-24:] not in run.output
    # (ansible.cfg's callback_result_format is yaml)
    assert re.search(r"""\bapi_key["']?: ["']?VALUE_SPECIFIED_IN_NO_LOG_PARAMETER""", run.output), "api_key not shown masked in -vvv"
    assert re.search(r"""\bhost["']?: ["']?""" + re.escape(server), run.output), "the -vvv invocation was not printed"
    assert token not in (out / "reader.json").read_text()
    assert token not in result_file.read_text()
    assert result["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


# --------------------------------------------------------------------------- (c)


def test_namespaces_from_site_yml_have_no_pod_security_findings(cluster, run_playbook, unique_name):
    names = [f"{unique_name}-site-a", f"{unique_name}-site-b"]
    spec = {"k8s_platform_namespaces": [
        {"name": names[0], "pod_security": "restricted"},
        {"name": names[1], "pod_security": {"enforce": "baseline", "warn": "restricted", "audit": "restricted"}},
    ]}
    out = report_dir(f"{unique_name}-site")
    try:
        converge = run_playbook(SITE_PLAYBOOK, spec, "--tags", "namespaces")
        assert converge.returncode == 0, converge.output
        assert all(cluster.exists("namespace", n) for n in names)
        audit = run_playbook(AUDIT_PLAYBOOK, {"audit_namespaces": names, "audit_report_path": str(out / "site.json"),
                                              "audit_report_format": "json"})
        assert audit.returncode == 0, audit.output
        report = json.loads((out / "site.json").read_text())
        assert report["summary"]["namespaces"] == sorted(names)
        statuses = {c["id"]: c["status"] for c in report["checks"]}
        assert statuses["POD-001"] == "pass" and statuses["POD-002"] == "pass"
        for name in names:
            found = local_findings(report["findings"], name)
            assert not {f for f in found if f[0] in ("POD-001", "POD-002")}, found
            # the audit did look at them: the namespaces role makes no NetworkPolicy, so NET-001 fires
            assert ("NET-001", "Namespace", name) in found
    finally:
        for name in names:
            cluster.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)
