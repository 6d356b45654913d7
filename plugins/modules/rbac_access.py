#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rbac_access
short_description: Check what a user, group or ServiceAccount may do, by asking the API server
version_added: 0.1.0
author: LinkOps platform engineering (@linkops)
description:
  - Asks the API server, with one SubjectAccessReview (C(authorization.k8s.io/v1)) per request, whether
    O(subject) may do each request of O(expect_allowed) and O(expect_denied), and fails with a table of every
    request whose answer differs from the expectation.
  - The answer is the API server's own authorizer chain (RBAC, Node, webhooks), so it covers every binding,
    aggregated ClusterRole and wildcard exactly as a real request would be judged.
  - A SubjectAccessReview changes nothing, so the module runs normally in check mode and never reports a change.
  - The credentials the module connects with need C(create) on C(subjectaccessreviews.authorization.k8s.io).
options:
  subject:
    description:
      - Whom to ask about.
      - V(system:serviceaccount:NS:NAME) is a ServiceAccount; it is reviewed with the groups the API server gives
        ServiceAccount tokens - V(system:serviceaccounts), V(system:serviceaccounts:NS) and V(system:authenticated).
      - V(system:node:NAME) is a kubelet, with the groups V(system:nodes) and V(system:authenticated).
      - V(group:NAME) is a member of group NAME with no user name (plus V(system:authenticated), which every
        authenticated caller has).
      - V(user:NAME) or a bare V(NAME) is a user, with the group V(system:authenticated) (V(system:unauthenticated)
        for V(system:anonymous)), as C(kubectl auth can-i --as NAME) sees it.
      - Required unless O(subjects) is given.
    type: str
  extra_groups: &extra_groups
    description:
      - More groups the subject belongs to (for example the groups an OIDC provider gives a user).
    type: list
    elements: str
    default: []
  expect_allowed: &expect_allowed
    description:
      - Requests the subject must be allowed to make.
    type: list
    elements: dict
    default: []
    suboptions: &request
      verb:
        description: The API verb (V(get), V(list), V(watch), V(create), V(update), V(patch), V(delete), V(escalate), V(bind), V(impersonate), ...).
        type: str
        required: true
      resource:
        description:
          - Resource (plural, lower case), for example V(pods). May be written V(deployments.apps) or V(pods/exec)
            when O(expect_allowed[].group) or O(expect_allowed[].subresource) are not given.
          - Required unless O(expect_allowed[].non_resource_url) is given.
        type: str
      group:
        description: API group of the resource; empty for the core group.
        type: str
      subresource:
        description: Subresource, for example V(exec), V(log), V(status), V(scale).
        type: str
      namespace:
        description: Namespace of the request; empty means all namespaces (or a cluster-scoped resource).
        type: str
      name:
        description: Name of one object; empty means any object.
        type: str
      non_resource_url:
        description: A non-resource URL such as V(/metrics) or V(/healthz), instead of a resource.
        type: str
      description:
        description: Why this expectation exists; shown in the mismatch table.
        type: str
  expect_denied: &expect_denied
    description:
      - Requests the subject must not be allowed to make. Same keys as O(expect_allowed).
    type: list
    elements: dict
    default: []
    suboptions: *request
  expect_denied_risky: &expect_denied_risky
    description:
      - Also expect every request of the collection's risky list to be denied - reading Secrets (get, list, watch),
        pods/exec, pods/attach and pods/portforward (create), escalate and bind on Roles and ClusterRoles,
        impersonate on users, groups and ServiceAccounts, reading Nodes (get, list), and create, update, patch and
        delete on namespaces, ClusterRoles, ClusterRoleBindings, Nodes, PersistentVolumes, StorageClasses and
        CustomResourceDefinitions.
    type: bool
    default: false
  risky_namespace: &risky_namespace
    description:
      - Namespace to ask the namespaced risky requests in (O(expect_denied_risky)).
      - Defaults to the ServiceAccount's namespace for a ServiceAccount subject, else all namespaces.
    type: str
  subjects:
    description:
      - Several subjects checked in one run, each a dict with the keys C(subject) (required), C(extra_groups),
        C(expect_allowed), C(expect_denied), C(expect_denied_risky) and C(risky_namespace), as the options above.
      - The module fails when any subject's expectations do not hold, with a table per subject.
      - Mutually exclusive with O(subject).
    type: list
    elements: dict
    suboptions:
      subject:
        description: Whom to ask about, as O(subject).
        type: str
        required: true
      extra_groups: *extra_groups
      expect_allowed: *expect_allowed
      expect_denied: *expect_denied
      expect_denied_risky: *expect_denied_risky
      risky_namespace: *risky_namespace
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - kubernetes >= 24.2.0
"""

EXAMPLES = r"""
- name: The MLOps platform's ServiceAccount reads pods and services, and nothing dangerous
  linkops.k8s_platform.rbac_access:
    subject: system:serviceaccount:mlops:mlops-platform-sa
    expect_allowed:
      - {verb: list, resource: pods, namespace: mlops}
      - {verb: watch, resource: services, namespace: mlops}
    expect_denied:
      - {verb: delete, resource: pods, namespace: mlops}
      - {verb: list, resource: pods, namespace: kube-system}
    expect_denied_risky: true

- name: Developers may read deployments in dev, not exec into pods in prod
  linkops.k8s_platform.rbac_access:
    subject: group:developers
    expect_allowed:
      - {verb: get, resource: deployments.apps, namespace: dev}
    expect_denied:
      - {verb: create, resource: pods/exec, namespace: prod, description: no shell in prod}

- name: Several ServiceAccounts in one run
  linkops.k8s_platform.rbac_access:
    subjects:
      - subject: system:serviceaccount:mlops:api-sa
        expect_allowed: [{verb: list, resource: pods, namespace: mlops}]
        expect_denied_risky: true
      - subject: system:serviceaccount:mlops:worker-sa
        expect_denied_risky: true
- name: Prometheus may scrape /metrics
  linkops.k8s_platform.rbac_access:
    subject: system:serviceaccount:monitoring:prometheus
    expect_allowed:
      - {verb: get, non_resource_url: /metrics}
  register: access
"""

RETURN = r"""
subject:
  description: The user and groups the reviews were made for.
  returned: with O(subject)
  type: dict
  sample: {kind: ServiceAccount, user: "system:serviceaccount:mlops:mlops-platform-sa",
           groups: ["system:serviceaccounts", "system:serviceaccounts:mlops", "system:authenticated"]}
results:
  description: Every expectation with the API server's answer.
  returned: when the API server was asked
  type: list
  elements: dict
  contains:
    expected:
      description: V(allowed) or V(denied).
      type: str
    allowed:
      description: The API server's answer.
      type: bool
    denied:
      description: Whether an authorizer explicitly denied the request (not just no rule allowing it).
      type: bool
    reason:
      description: The authorizer's reason, for example the binding that allowed the request.
      type: str
    evaluation_error:
      description: An error the authorizer met while evaluating, if any.
      type: str
    as_expected:
      description: Whether the answer matches the expectation.
      type: bool
    verb:
      description: The request's verb.
      type: str
    resource:
      description: The request's resource.
      type: str
    group:
      description: The request's API group.
      type: str
    subresource:
      description: The request's subresource.
      type: str
    namespace:
      description: The request's namespace.
      type: str
    name:
      description: The request's object name.
      type: str
    non_resource_url:
      description: The request's non-resource URL.
      type: str
    description:
      description: Why the expectation exists.
      type: str
  sample:
    - {expected: denied, allowed: false, denied: false, reason: "", evaluation_error: "", as_expected: true, verb: get,
       resource: secrets, group: "", subresource: "", namespace: mlops, name: "", non_resource_url: "", description: reads Secrets}
mismatches:
  description: The RV(results) whose answer differs from the expectation.
  returned: when the API server was asked
  type: list
  elements: dict
mismatch_table:
  description: RV(mismatches) as a plain-text table (also in the failure message).
  returned: when the API server was asked
  type: str
subjects:
  description: With O(subjects), one entry per subject, in order, with the keys C(subject), C(results), C(mismatches)
    and C(mismatch_table) as above (RV(results) and RV(mismatches) then hold every subject's entries).
  returned: with O(subjects)
  type: list
  elements: dict
"""

import copy
import traceback

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.rbac_access import (
    RBACInputError,
    ReviewError,
    check_access,
    expectations_from,
    failure_message,
    mismatch_table,
    parse_subject,
    risky_requests,
    subject_namespace,
)

REQUEST_SPEC = dict(
    verb=dict(type="str", required=True),
    resource=dict(type="str"),
    group=dict(type="str"),
    subresource=dict(type="str"),
    namespace=dict(type="str"),
    name=dict(type="str"),
    non_resource_url=dict(type="str"),
    description=dict(type="str"),
)


def subject_spec(subject_required: bool) -> dict:
    """The options of one subject: top-level (with O(subject)) or an element of O(subjects)."""
    return dict(
        subject=dict(type="str", required=subject_required),
        extra_groups=dict(type="list", elements="str", default=[]),
        expect_allowed=dict(type="list", elements="dict", default=[], options=copy.deepcopy(REQUEST_SPEC)),
        expect_denied=dict(type="list", elements="dict", default=[], options=copy.deepcopy(REQUEST_SPEC)),
        expect_denied_risky=dict(type="bool", default=False),
        risky_namespace=dict(type="str"),
    )


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(subject_spec(subject_required=False))
    spec.update(subjects=dict(type="list", elements="dict", options=subject_spec(subject_required=True)))
    return spec


def planned(params: dict, where: str = "") -> tuple:
    """(subject, expectations) of one subject's options; RBACInputError names ``where`` (subjects[i])."""
    try:
        subject = parse_subject(params["subject"], params["extra_groups"])
        expectations = expectations_from(params["expect_allowed"], params["expect_denied"])
        if params["expect_denied_risky"]:
            namespace = params["risky_namespace"] or subject_namespace(subject)
            expectations.extend(expectations_from(expect_denied=risky_requests(namespace)))
    except RBACInputError as exc:
        raise RBACInputError(f"{where}{exc}") from None
    if not expectations:
        raise RBACInputError(f"{where}nothing to check: give expect_allowed, expect_denied or expect_denied_risky")
    return subject, expectations


def main_many(module, client_factory) -> None:
    """O(subjects): every subject planned (all input problems at once) before any review is asked."""
    plans, problems = [], []
    for index, entry in enumerate(module.params["subjects"]):
        try:
            plans.append(planned(entry, f"subjects[{index}]: "))
        except RBACInputError as exc:
            problems.append(str(exc))
    if problems:
        module.fail_json(msg="\n".join(problems))
    if not plans:
        module.fail_json(msg="subjects: nothing to check (an empty list)")
    try:
        client = client_factory(module=module)
        evaluations = [check_access(client, subject, expectations) for subject, expectations in plans]
    except ReviewError as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # connection and configuration errors
        module.fail_json(msg=f"could not ask the API server: {exc}", exception=traceback.format_exc())
    entries = [dict(subject=subject.to_dict(), results=evaluation.results, mismatches=evaluation.mismatches,
                    mismatch_table=mismatch_table(evaluation.mismatches) if evaluation.mismatches else "")
               for (subject, _expectations), evaluation in zip(plans, evaluations)]
    mismatches = [m for entry in entries for m in entry["mismatches"]]
    result = dict(changed=False, subjects=entries, results=[r for entry in entries for r in entry["results"]], mismatches=mismatches,
                  mismatch_table="\n\n".join(entry["mismatch_table"] for entry in entries if entry["mismatch_table"]))
    failing = [failure_message(subject, evaluation) for (subject, _e), evaluation in zip(plans, evaluations) if evaluation.mismatches]
    if failing:
        module.fail_json(msg=f"{len(failing)} of {len(plans)} subject(s) do not get the access expected:\n\n" + "\n\n".join(failing), **result)
    module.exit_json(msg=f"all {len(result['results'])} access expectation(s) for {len(plans)} subject(s) hold", **result)


def main():
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True,
                              mutually_exclusive=[("subject", "subjects")], required_one_of=[("subject", "subjects")])
    params = module.params
    if params["subjects"] is not None:
        main_many(module, get_api_client)
        return
    try:
        subject, expectations = planned(params)
    except RBACInputError as exc:
        module.fail_json(msg=str(exc))

    try:
        client = get_api_client(module=module)
        evaluation = check_access(client, subject, expectations)
    except ReviewError as exc:
        module.fail_json(msg=str(exc), subject=subject.to_dict())
    except Exception as exc:  # connection and configuration errors
        module.fail_json(msg=f"could not ask the API server: {exc}", subject=subject.to_dict(), exception=traceback.format_exc())

    mismatches = evaluation.mismatches
    result = dict(
        changed=False,
        subject=subject.to_dict(),
        results=evaluation.results,
        mismatches=mismatches,
        mismatch_table=mismatch_table(mismatches) if mismatches else "",
    )
    if mismatches:
        module.fail_json(msg=failure_message(subject, evaluation), **result)
    module.exit_json(msg=f"all {len(evaluation.results)} access expectation(s) for {subject} hold", **result)


if __name__ == "__main__":
    main()
