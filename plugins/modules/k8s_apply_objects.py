#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: this is an action plugin (plugins/action/k8s_apply_objects.py) that runs on
# the controller; there is no module to send to a host.

from __future__ import annotations

DOCUMENTATION = r"""
module: k8s_apply_objects
short_description: Server-side apply a list of Kubernetes objects from the controller process
version_added: 0.1.0
author: LinkOps platform engineering (@linkops)
description:
  - Applies each object of O(objects), in order, with server-side apply (a C(PATCH) with
    C(application/apply-patch+yaml)) under one field manager, and reports per object whether the API server
    changed it.
  - Runs as an action plugin in the Ansible worker process, with kubernetes.core's client and connection options;
    there is no module packaging and no new Python interpreter per task, which is what makes it faster than
    C(kubernetes.core.k8s) for the collection's roles.
  - Every object is checked (C(apiVersion), C(kind), C(metadata.name)) before anything is sent; the first API
    error stops the list (objects before it stay applied, as server-side apply is per object) and is reported
    with the API server's message (a conflict names each field and its manager).
  - A kind the cluster does not serve fails with C(Failed to find exact match for <apiVersion>.<Kind> by ...),
    the wording of C(kubernetes.core.k8s), after one refresh of the discovery cache (so a CRD applied earlier in
    the same list is found).
  - In check mode every apply is sent with C(dryRun=All), so the API server validates and defaults it, runs
    admission, reports conflicts, and writes nothing.
options:
  objects:
    description:
      - The manifests to apply, in order (for example custom resource definitions before their resources).
    type: list
    elements: raw
    required: true
  field_manager:
    description: Server-side apply field manager.
    type: str
    default: linkops.k8s_platform
  force_conflicts:
    description: Take ownership of fields another field manager set, instead of failing with the conflict.
    type: bool
    default: false
  wait:
    description:
      - After each apply, wait until the object is ready. Deployments, ReplicaSets and StatefulSets wait for
        their replicas, DaemonSets for their scheduled pods, Pods for the C(Ready) condition; other kinds are
        ready once applied. Not done in check mode.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for each object when O(wait) is true.
    type: int
    default: 120
  wait_sleep:
    description: Seconds between two reads while waiting.
    type: int
    default: 1
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: Applies with C(dryRun=All).
  diff_mode:
    support: full
    description: Each changed object's entry in C(result.results) has C(diff.before) and C(diff.after).
notes:
  - Connection options also come from the C(K8S_AUTH_*) environment variables of the controller, as for
    C(kubernetes.core.k8s), and from C(module_defaults) of C(group/linkops.k8s_platform.k8s_platform).
"""

EXAMPLES = r"""
- name: Apply the rendered objects
  linkops.k8s_platform.k8s_apply_objects:
    objects: "{{ lookup('ansible.builtin.template', 'objects.yaml.j2') | ansible.builtin.from_yaml_all | select | list }}"
    field_manager: linkops.k8s_platform
  register: applied

- name: Preview with a server-side dry run
  linkops.k8s_platform.k8s_apply_objects:
    objects:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: mlops}
        data: {level: info}
  check_mode: true
"""

RETURN = r"""
result:
  description: One entry per object applied, in order.
  returned: always
  type: dict
  contains:
    results:
      description: Per object, C(changed), C(method) (V(apply)), C(result) (the object as the API server returned
        it) and, in diff mode, C(diff) with C(before) and C(after).
      type: list
      elements: dict
      sample: [{"changed": true, "method": "apply", "result": {"kind": "ConfigMap", "metadata": {"name": "settings"}}}]
msg:
  description: On failure, which object failed and the API server's reason.
  returned: failure
  type: str
  sample: "Failed to apply ConfigMap mlops/settings: 409 Conflict: Apply failed with 1 conflict: ..."
"""
