#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: checklist_audit
short_description: Audit a cluster or a set of manifests against the networking and infrastructure checklist
version_added: 0.1.0
author: LinkOps platform engineering (@linkops)
description:
  - Runs the collection's check catalogue (services, ingress and TLS, RBAC, network policies, pod security,
    storage, DNS, monitoring; see C(docs/audit.md)) over the live cluster, or offline over O(resources).
  - Live mode lists every kind the selected checks read once, across all namespaces, and makes no call per
    object. A kind the credentials may not list (401/403) does not stop the audit; the checks that read it
    report status V(error) with the reason. Kinds the cluster does not serve (CRDs not installed) read as empty.
  - Offline, O(resources) is taken as the whole cluster. Status-based checks (ready pods, load-balancer
    addresses, Certificate readiness, PVC phase, endpoints) judge only objects that carry a status.
  - Findings about a pod template name the workload that owns it, or the Pod when nothing owns it.
  - Reads only, so it supports check mode and never reports a change. The report file, when asked for, is
    written on the host the module runs on (the control node), in check mode too.
options:
  resources:
    description:
      - Manifests to audit offline (mappings in the API's shape; C(kind=List) wrappers are flattened).
      - When set, the cluster is not contacted and the connection options are ignored.
    type: list
    elements: raw
  checks:
    description:
      - Check IDs or prefixes to run (for example V(NET-) or V(ING-004)). All checks when omitted.
    type: list
    elements: str
  skip_checks:
    description:
      - Check IDs or prefixes not to run.
    type: list
    elements: str
  namespaces:
    description:
      - Namespaces to audit. When omitted, every namespace seen (Namespace objects plus the namespaces of
        namespaced objects), minus O(exclude_namespaces).
    type: list
    elements: str
  exclude_namespaces:
    description:
      - Namespaces never audited. Cluster-scoped checks (DNS in kube-system, StorageClasses, ...) still run.
    type: list
    elements: str
    default: [kube-system, kube-public, kube-node-lease]
  min_severity:
    description:
      - Checks whose severity is below this are not run (they report V(not_applicable)).
    type: str
    default: info
    choices: [info, low, medium, high, critical]
  fail_on:
    description:
      - Fail the task when a finding (not exempted) is at or above this severity. Never fails on findings when omitted.
    type: str
    choices: [info, low, medium, high, critical]
  certificate_expiry_days:
    description:
      - ING-004 reports certificates that expire within this many days.
    type: int
    default: 21
  exemptions:
    description:
      - Findings to exempt, besides the C(k8s-platform.linkops.io/exempt) annotation on an object or its namespace.
      - Each entry matches findings by check IDs or prefixes and, optionally, the resource's kind, namespace and
        name (shell-style wildcards allowed in namespace and name). Exempted findings are returned in RV(exempted).
    type: list
    elements: dict
    suboptions:
      ids:
        description: Check IDs or prefixes (V(NET-)); a comma-separated string is accepted too.
        type: list
        elements: str
        required: true
      kind:
        description: Kind of the resource named by the finding.
        type: str
      namespace:
        description: Namespace of the resource (for a Namespace finding, the namespace itself).
        type: str
      name:
        description: Name of the resource.
        type: str
      reason:
        description: Why the exemption exists; returned with each exempted finding.
        type: str
  report:
    description:
      - Write a report file.
    type: dict
    suboptions:
      path:
        description: Path of the report file (parent folders are created).
        type: path
        required: true
      format:
        description:
          - Report format. When omitted, taken from the file extension (C(.html), C(.md), C(.xml), C(.sarif)), else V(json).
          - V(html) is one self-contained page (no network fetches) with the checklist sections and, when O(flows) is
            given, the allowed-flows graph.
        type: str
        choices: [json, markdown, junit, sarif, html]
  flows:
    description:
      - Allowed flows to draw in the HTML report (for example from the netpol_reachability module), each
        with C(from), C(to), C(port) and C(protocol).
    type: list
    elements: dict
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - kubernetes >= 24.2.0 (live mode)
  - cryptography (certificate checks)
notes:
  - The check IDs are a public interface and stay stable.
"""

EXAMPLES = r"""
- name: Audit the cluster and write an HTML report on the control node
  linkops.k8s_platform.checklist_audit:
    kubeconfig: ~/.kube/config
    report:
      path: ~/audit-reports/audit.html
      format: html
    fail_on: critical

- name: Audit rendered manifests offline, network policies and pod security only
  linkops.k8s_platform.checklist_audit:
    resources: "{{ lookup('file', 'rendered.yaml') | from_yaml_all | list }}"
    checks: [NET-, POD-]
    exemptions:
      - ids: [NET-007]
        namespace: ingress-nginx
        reason: the ingress controller accepts traffic from everywhere by design
"""

RETURN = r"""
findings:
  description: Findings that are not exempted, at or above O(min_severity).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Check ID.
      type: str
      sample: NET-001
    severity:
      description: Severity of the check.
      type: str
      sample: high
    resource:
      description: The object concerned (kind V(Cluster) for cluster-wide findings).
      type: dict
      sample: {api_version: v1, kind: Namespace, namespace: "", name: mlops}
    message:
      description: What is wrong.
      type: str
    remediation:
      description: The role and variable of this collection that fix it.
      type: str
exempted:
  description: Findings exempted by annotation or O(exemptions), each with C(exempted_by).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by severity and by check, check statuses, a 0-100 score weighted by severity, objects checked.
  returned: always
  type: dict
  sample: {total: 3, by_severity: {critical: 0, high: 2, medium: 1, low: 0, info: 0}, by_check: {NET-001: 1},
           checks: {pass: 40, fail: 3, not_applicable: 20, error: 1}, score: 87, objects_checked: 120, exempted: 0}
checks:
  description: Every catalogue entry with its status (pass, fail, not_applicable, error), reason and counts.
  returned: always
  type: list
  elements: dict
source:
  description:
    - How the objects were read, C(mode) offline or live.
    - C(list_calls), the kinds asked for (one list call each at most); C(forbidden) and C(not_served) kinds.
  returned: always
  type: dict
report_path:
  description: Path of the report written.
  returned: when O(report) is set
  type: str
"""

import copy
import os

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.catalogue import SEVERITIES
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.engine import (
    AuditOptionError,
    AuditOptions,
    fails_on,
    read_cluster,
    run_audit,
    validate_options,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.audit.reports import FORMATS, render, write_report
from ansible_collections.linkops.k8s_platform.plugins.module_utils.k8s_objects import SYSTEM_NAMESPACES, flatten_manifests

EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".xml": "junit", ".sarif": "sarif", ".json": "json"}


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        resources=dict(type="list", elements="raw"),
        checks=dict(type="list", elements="str"),
        skip_checks=dict(type="list", elements="str"),
        namespaces=dict(type="list", elements="str"),
        exclude_namespaces=dict(type="list", elements="str", default=list(SYSTEM_NAMESPACES)),
        min_severity=dict(type="str", default="info", choices=list(SEVERITIES)),
        fail_on=dict(type="str", choices=list(SEVERITIES)),
        certificate_expiry_days=dict(type="int", default=21),
        exemptions=dict(
            type="list",
            elements="dict",
            options=dict(
                ids=dict(type="list", elements="str", required=True),
                kind=dict(type="str"),
                namespace=dict(type="str"),
                name=dict(type="str"),
                reason=dict(type="str"),
            ),
        ),
        report=dict(
            type="dict",
            options=dict(
                path=dict(type="path", required=True),
                format=dict(type="str", choices=list(FORMATS)),
            ),
        ),
        flows=dict(type="list", elements="dict"),
    )
    return spec


def report_format(report):
    if report.get("format"):
        return report["format"]
    return EXTENSIONS.get(os.path.splitext(report["path"])[1].lower(), "json")


def check_flows(flows):
    for position, flow in enumerate(flows or []):
        missing = [key for key in ("from", "to") if not flow.get(key)]
        if missing:
            return f"flows[{position}]: missing {', '.join(missing)} (each flow needs from, to, port, protocol)"
    return ""


def main():
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True, check_k8s=False)
    params = module.params
    exemptions = [{k: v for k, v in e.items() if v is not None} for e in params.get("exemptions") or []]
    options = AuditOptions(
        checks=params.get("checks"),
        skip_checks=params.get("skip_checks"),
        namespaces=params.get("namespaces"),
        exclude_namespaces=list(params.get("exclude_namespaces") or []),
        min_severity=params["min_severity"],
        exemptions=exemptions,
        expiry_days=params["certificate_expiry_days"],
    )
    try:
        chosen = validate_options(options)
    except AuditOptionError as exc:
        module.fail_json(msg=str(exc))
    problem = check_flows(params.get("flows"))
    if problem:
        module.fail_json(msg=problem)

    source = {"mode": "offline", "list_calls": 0, "forbidden": {}, "not_served": []}
    if params.get("resources") is not None:
        try:
            objects = list(flatten_manifests(params["resources"]))
        except ValueError as exc:
            module.fail_json(msg=str(exc))
        for position, obj in enumerate(objects):
            if not obj.get("kind") or not isinstance(obj.get("metadata") or {}, dict):
                module.fail_json(msg=f"resources: object {position} has no kind or a malformed metadata: {str(obj)[:200]}")
        result = run_audit(objects, options)
    else:
        module.requires("kubernetes")
        try:
            client = get_api_client(module=module)
            snapshot = read_cluster(client, chosen)
        except Exception as exc:  # connection, discovery or an unexpected API error: one clear message
            module.fail_json(msg=f"could not read the cluster: {type(exc).__name__}: {exc}")
        source = {
            "mode": "live",
            "list_calls": snapshot.list_calls,
            "forbidden": snapshot.forbidden,
            "not_served": snapshot.not_served,
        }
        result = run_audit(snapshot.objects, options, live=True, forbidden=snapshot.forbidden)

    output = dict(changed=False, source=source, **result)
    if params.get("report"):
        fmt = report_format(params["report"])
        path = params["report"]["path"]
        try:
            write_report(path, render(result, fmt, params.get("flows")))
        except OSError as exc:
            module.fail_json(msg=f"report.path: cannot write {path}: {exc}", **output)
        output["report_path"] = path

    failing = fails_on(result["findings"], params.get("fail_on"))
    if failing:
        ids = sorted({f["id"] for f in failing})
        module.fail_json(msg=f"{len(failing)} finding(s) at or above {params['fail_on']}: {', '.join(ids)}", **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
