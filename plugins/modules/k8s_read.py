#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: this is an action plugin (plugins/action/k8s_read.py) that runs on the
# controller; there is no module to send to a host.

from __future__ import annotations

DOCUMENTATION = r"""
module: k8s_read
short_description: List Kubernetes objects of one or several kinds from the controller process
version_added: 0.1.0
author: LinkOps platform engineering (@linkops)
description:
  - Lists objects the way C(kubernetes.core.k8s_info) does (same option names, same C(resources) and C(api_found)
    answer), but as an action plugin in the Ansible worker, with no module packaging and no new Python interpreter per
    task.
  - With O(queries), one task answers several reads (kinds, namespaces, label selectors) at once, each under its
    own name in RV(queries).
  - A kind the cluster does not serve gives no resources and C(api_found=false). Any other error (for example 403
    Forbidden or an unreachable API server) fails the task, naming the kind.
  - Never changes anything; runs the same in check mode.
options:
  kind:
    description: Kind to list. Required unless O(queries) is given.
    type: str
  api_version:
    description: API group and version of O(kind).
    type: str
    default: v1
  namespace:
    description: Only this namespace (all namespaces when omitted; ignored for cluster-scoped kinds).
    type: str
  name:
    description: Only the object of this name (no resources when it does not exist).
    type: str
  label_selectors:
    description: Label selectors, all of which must match.
    type: list
    elements: str
    default: []
  field_selectors:
    description: Field selectors, all of which must match.
    type: list
    elements: str
    default: []
  queries:
    description:
      - Several reads at once, by name. Each value takes the keys C(kind) (required), C(api_version),
        C(namespace), C(name), C(label_selectors) and C(field_selectors), as the options above.
      - Mutually exclusive with O(kind).
    type: dict
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - linkops.k8s_platform.read_only
"""

EXAMPLES = r"""
- name: Read the StorageClasses
  linkops.k8s_platform.k8s_read:
    api_version: storage.k8s.io/v1
    kind: StorageClass
  register: classes

- name: Read what the preflight needs in one task
  linkops.k8s_platform.k8s_read:
    queries:
      crds: {api_version: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}
      claims: {kind: PersistentVolumeClaim, label_selectors: [app.kubernetes.io/managed-by=linkops.k8s_platform]}
  register: live
"""

RETURN = r"""
resources:
  description: The objects found (without O(queries)).
  returned: when O(kind) is given
  type: list
  elements: dict
  sample: [{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"}}]
api_found:
  description: Whether the cluster serves the kind (without O(queries)).
  returned: when O(kind) is given
  type: bool
  sample: true
queries:
  description: Per name of O(queries), a dict with C(resources) and C(api_found) as above.
  returned: when O(queries) is given
  type: dict
  sample: {"crds": {"resources": [], "api_found": true}}
"""
