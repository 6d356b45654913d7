#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: netpol_reachability
short_description: Work out which connections Kubernetes NetworkPolicies allow
version_added: 0.1.0
author:
  - LinkOps platform engineering (@linkops)
description:
  - Evaluates C(networking.k8s.io/v1) NetworkPolicy semantics in pure Python and answers
    whether a connection from one pod (or workload, or outside IP address) to another on a
    port and protocol is allowed, and which policies decided it.
  - Works offline on a O(resources) list of Namespaces, Pods, NetworkPolicies, Deployments,
    StatefulSets, DaemonSets and ReplicaSets (a workload's pod template stands for its pods),
    or, when O(resources) is not given, on the live cluster the connection options point at.
  - A connection is allowed when the source side allows it as egress and the destination side
    allows it as ingress. A side no policy isolates allows everything; a side some policy
    isolates allows only what some rule of those policies admits. For an IP address outside
    the cluster only the pod's side applies.
  - Covers policyTypes and their defaults (absent means Ingress, plus Egress when there are
    egress rules), podSelector and namespaceSelector (ANDed inside one peer, ORed across
    peers), empty versus absent fields, ipBlock with except, named ports resolved against
    each destination pod, port ranges with endPort, TCP, UDP and SCTP.
  - Read-only; never changes the cluster.
options:
  resources:
    description:
      - Objects to analyse offline, as dicts in the API's shape (for example from
        C(lookup('file', 'manifests.yaml') | from_yaml_all)). C(List) wrappers (C(PodList) and
        the like) are unpacked; kinds the analysis does not use are ignored.
      - Namespaced objects without C(metadata.namespace) are placed in C(default).
      - When absent the module reads the live cluster, listing Namespaces, Pods, NetworkPolicies,
        Deployments, StatefulSets, DaemonSets and ReplicaSets in all namespaces.
    type: list
    elements: raw
  queries:
    description:
      - Connections to evaluate. RV(results) answers them in the same order.
      - O(queries[].from) and O(queries[].to) are C(namespace/pod-name),
        C(namespace/workload-name), or an IP address for a peer outside the cluster. When a
        pod and a workload share a name, use C(namespace/kind/name) (for example
        C(web/deployment/api)). The name of a pod a listed workload stands for resolves to that
        workload.
      - An unknown namespace or pod is an error, never a silent C(denied).
    type: list
    elements: dict
    default: []
    suboptions:
      from:
        description: Source pod, workload or IP address.
        type: str
        required: true
      to:
        description: Destination pod, workload or IP address.
        type: str
        required: true
      port:
        description: Destination port number (1-65535).
        type: int
        required: true
      protocol:
        description: C(TCP), C(UDP) or C(SCTP) (case-insensitive).
        type: str
        default: TCP
  expect:
    description:
      - Connections with the verdict they must have. The module fails, listing every
        mismatch in RV(mismatches) and in the message, when any does not hold.
    type: list
    elements: dict
    suboptions:
      from:
        description: Source pod, workload or IP address.
        type: str
        required: true
      to:
        description: Destination pod, workload or IP address.
        type: str
        required: true
      port:
        description: Destination port number.
        type: int
        required: true
      protocol:
        description: C(TCP), C(UDP) or C(SCTP).
        type: str
        default: TCP
      allowed:
        description: Whether the connection must be allowed.
        type: bool
        required: true
  matrix:
    description:
      - Return RV(matrix), the verdict for every ordered pair of pods on every port in O(ports).
      - The list grows with the square of the pod count (250000 entries per port for 500
        pods); O(namespaces) narrows it.
    type: bool
    default: false
  ports:
    description:
      - Ports the matrix and the graph evaluate, each a number (C(80), TCP), a string
        C(port/PROTOCOL) (C(81/UDP)), or a dict with C(port) and C(protocol).
      - Required with O(matrix) or O(graph).
    type: list
    elements: raw
  graph:
    description:
      - Return RV(graph), the allowed flows between pods on O(ports) as Graphviz DOT or a
        Mermaid flowchart. A bare pod's loopback edge is left out.
    type: str
    choices: [dot, mermaid]
  namespaces:
    description:
      - Only these namespaces' pods in RV(matrix), RV(graph) and RV(pods). Queries may still
        name any pod, and policies everywhere still apply.
    type: list
    elements: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - kubernetes >= 24.2.0 (live mode only)
notes:
  - Supports check mode; the module never changes anything.
  - Only C(networking.k8s.io/v1) NetworkPolicy is evaluated. AdminNetworkPolicy,
    BaselineAdminNetworkPolicy and plugin policies (Calico, Cilium) are not; the module warns
    when O(resources) holds them, and the live mode does not read them.
  - ipBlock peers match IP addresses given in a query, and a live Pod whose addresses
    (C(status.podIPs)) all lie inside the block and outside its excepts, as the network plugins
    do (kube-router, Calico and Cilium match pod IPs; the upstream conformance tests expect it).
    A workload's pod template has no address and is never matched; when a denial involving one
    was decided by a policy with ipBlock peers the module warns.
  - A bare Pod reaching itself is loopback and always allowed, as the upstream e2e suite
    expects. A workload reaching itself means one replica reaching another and is evaluated
    like any other pair.
  - Pods with C(hostNetwork) are selected and evaluated like other pods, but the
    NetworkPolicy specification leaves their traffic to the network plugin and most do not
    police it; the module warns when a query involves one.
  - Traffic from the node a pod runs on (kubelet probes) is always allowed in a real cluster
    and is not modelled. Services are not resolved; query the pods and the target port.
  - C(allowed) means that policy permits the connection; whether anything listens on the port
    is not checked.
  - >-
    Empty and absent follow the API reference. A policy without C(spec.podSelector) selects
    every pod of its namespace, like C(podSelector: {}). C(ingress: []) (or no ingress
    section) admits nothing, C(ingress: [{}]) admits everything. In a rule, C(from: []) and
    C(to: []) mean every peer, exactly like an absent C(from)/C(to), and C(ports: []) every
    port. Without C(policyTypes) a policy is Ingress, plus Egress only when C(egress) holds
    at least one rule (C(egress: []) does not count).
  - Named ports are resolved against the destination pod's container ports (containers and
    init containers, name and protocol both matching), for ingress and egress rules alike,
    so one name can mean a different number on each pod. An IP destination has no named
    ports. IPv4 and IPv6 are matched within their own family only.
  - A workload's pod template stands for its pods. Labels the controllers add to the pods
    (pod-template-hash, controller-revision-hash, statefulset.kubernetes.io/pod-name) are not
    on the template, so policies selecting by them will not match. Pods in phase Succeeded or
    Failed are left out.
  - An object the API server would reject (an unknown selector operator, a peer with both
    ipBlock and a selector, a port given as a string of digits, an endPort below port) fails
    the module with the object's name.
"""

EXAMPLES = r"""
- name: Check the intended flows against the manifests before applying them
  linkops.k8s_platform.netpol_reachability:
    resources: "{{ lookup('ansible.builtin.file', 'rendered/all.yaml') | from_yaml_all | list }}"
    expect:
      - {from: shop/frontend, to: shop/api, port: 8080, allowed: true}
      - {from: shop/frontend, to: shop/postgres, port: 5432, allowed: false}
      - {from: shop/api, to: kube-system/coredns, port: 53, protocol: UDP, allowed: true}
      - {from: 203.0.113.7, to: shop/frontend, port: 443, allowed: true}

- name: Ask the live cluster about one connection
  linkops.k8s_platform.netpol_reachability:
    kubeconfig: ~/.kube/config
    queries:
      - {from: shop/api, to: shop/postgres, port: 5432}
  register: answer

- name: Every pair in two namespaces on two ports, and a Mermaid picture of it
  linkops.k8s_platform.netpol_reachability:
    namespaces: [shop, payments]
    matrix: true
    ports: [443, "53/UDP"]
    graph: mermaid
  register: reach
"""

RETURN = r"""
results:
  description: One entry per query, in the order of O(queries).
  returned: always
  type: list
  elements: dict
  contains:
    from:
      description: The query's source as given.
      type: str
    to:
      description: The query's destination as given.
      type: str
    port:
      description: Destination port.
      type: int
    protocol:
      description: TCP, UDP or SCTP.
      type: str
    allowed:
      description: Whether both sides allow the connection.
      type: bool
    ingress_allowed:
      description: Whether the destination side allows it (true for an IP destination).
      type: bool
    egress_allowed:
      description: Whether the source side allows it (true for an IP source).
      type: bool
    ingress_policies:
      description:
        - C(namespace/name) of the policies that decided the destination side - those that
          admitted the connection when it is allowed, every isolating policy when it is
          denied, none when no policy isolates the destination.
      type: list
      elements: str
    egress_policies:
      description: The same for the source side.
      type: list
      elements: str
  sample:
    - from: shop/frontend
      to: shop/api
      port: 8080
      protocol: TCP
      allowed: true
      ingress_allowed: true
      egress_allowed: true
      ingress_policies: [shop/api-from-frontend]
      egress_policies: []
mismatches:
  description:
    - The O(expect) entries that do not hold, shaped like RV(results) plus C(expected) and a
      one-line C(explanation).
  returned: when O(expect) is given
  type: list
  elements: dict
matrix:
  description: C({from, to, port, protocol, allowed}) for every ordered pod pair and port.
  returned: when O(matrix=true)
  type: list
  elements: dict
graph:
  description: The allowed flows as DOT or Mermaid text.
  returned: when O(graph) is given
  type: str
pods:
  description:
    - The pod keys considered (C(namespace/name); C(namespace/kind/name) where a pod and a
      workload share a name), limited to O(namespaces) when given.
  returned: always
  type: list
  elements: str
"""

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

    HAS_K8S_CORE = True
except ImportError:  # pragma: no cover - kubernetes.core is a declared dependency
    AUTH_ARG_SPEC = {}
    AnsibleK8SModule = None
    HAS_K8S_CORE = False

from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.analysis import (
    LiveReadError,
    analyse,
    load_resources,
    read_live,
)
from ansible_collections.linkops.k8s_platform.plugins.module_utils.netpol.model import NetpolError, QueryError

QUERY_OPTIONS = {
    "from": {"type": "str", "required": True},
    "to": {"type": "str", "required": True},
    "port": {"type": "int", "required": True},
    "protocol": {"type": "str", "default": "TCP"},
}


def argument_spec() -> dict:
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    expect_options = dict(copy.deepcopy(QUERY_OPTIONS), allowed={"type": "bool", "required": True})
    spec.update(
        resources={"type": "list", "elements": "raw"},
        queries={"type": "list", "elements": "dict", "default": [], "options": copy.deepcopy(QUERY_OPTIONS)},
        expect={"type": "list", "elements": "dict", "options": expect_options},
        matrix={"type": "bool", "default": False},
        ports={"type": "list", "elements": "raw"},
        graph={"type": "str", "choices": ["dot", "mermaid"]},
        namespaces={"type": "list", "elements": "str"},
    )
    return spec


def live_objects(module):
    module.requires("kubernetes")
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client

    client = get_api_client(module)
    objects, warnings = read_live(client)
    for warning in warnings:
        module.warn(warning)
    return objects


def main() -> None:
    if HAS_K8S_CORE:
        module = AnsibleK8SModule(
            module_class=AnsibleModule,
            argument_spec=argument_spec(),
            supports_check_mode=True,
            check_k8s=False,
            check_pyyaml=False,
        )
    else:  # pragma: no cover
        module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if params["resources"] is None and not HAS_K8S_CORE:  # pragma: no cover
        module.fail_json(msg="live mode needs the kubernetes.core collection; pass resources to work offline")
    error = None
    try:
        if params["resources"] is not None:
            objects = load_resources(params["resources"])
        else:
            objects = live_objects(module)
        result = analyse(
            objects,
            queries=params["queries"],
            expect=params["expect"],
            matrix=params["matrix"],
            ports=params["ports"],
            graph=params["graph"],
            namespaces=params["namespaces"],
        )
    except (NetpolError, QueryError, LiveReadError) as exc:
        error = {"msg": to_text(exc)}
    except Exception as exc:  # the API client's errors: show them, with the traceback
        error = {"msg": f"{type(exc).__name__}: {to_text(exc)}", "exception": traceback.format_exc()}
    if error is not None:
        module.fail_json(**error)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
