#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: connectivity_probe
short_description: Test connections and DNS from inside the cluster with short-lived probe pods
version_added: 0.1.0
author:
  - LinkOps platform engineering (@linkops)
description:
  - Sends real packets between pods and reports what came back, the checklist's "test connectivity
    between pods" and "verify services resolve" as one task on any cluster.
  - For every source it starts a probe pod in the source's namespace carrying the source's labels,
    so NetworkPolicies treat it like the source, and runs the probes from it; with O(exec_in_pod)
    it runs them in the source's own running pod instead.
  - TCP, UDP and SCTP are C(/agnhost connect) attempts, HTTP is a TCP connect followed by one
    C(wget) request; A and AAAA lookups are C(getent ahostsv4/ahostsv6) (the pod's own resolver,
    search list included, as applications resolve), CNAME and SRV lookups C(nslookup); all run
    inside the probe image.
  - Every pod and object the module creates is deleted when it ends, also when a probe fails,
    when a pod cannot start, and on SIGTERM or SIGINT. Bad input (an unknown namespace, pod,
    workload or Service, a bad port, protocol, DNS name or path) fails the module before anything
    is created, naming the option (for example C(queries[2].from)).
  - With O(compare_with_policies) the same connections are also evaluated by the NetworkPolicy
    analysis of M(linkops.k8s_platform.netpol_reachability) on the cluster's live objects (probe
    pods left out), and every connection where the network and the analysis disagree is returned
    in RV(mismatches). What the network did comes only from the probes' packets.
  - The probe pods are transient, so the module never reports a change. In check mode it resolves
    and plans every probe, returns what it would run, and starts nothing.
options:
  queries:
    description:
      - Connections to try. RV(results) answers them in the same order.
    type: list
    elements: dict
    default: []
    suboptions:
      from:
        description:
          - The source, C(namespace/pod-or-workload) or C(namespace/kind/name) (for example
            C(shop/deployment/api)), resolved like M(linkops.k8s_platform.netpol_reachability)
            resolves it. The name of a pod a workload owns resolves to that workload.
        type: str
        required: true
      to:
        description:
          - The destination. C(namespace/pod-or-workload) (or C(namespace/kind/name)) is reached at
            the IP address of one of its running pods (a ready one when there is one).
          - C(namespace/service/NAME) is a Service, reached at its cluster IP (a headless Service at
            C(NAME.NAMESPACE.svc), an ExternalName Service at its external name); O(queries[].port)
            is then the Service port.
          - An IP address is reached as given; anything else must be a DNS name, resolved inside the
            probe pod.
        type: str
        required: true
      port:
        description: Destination port (1-65535).
        type: int
        required: true
      protocol:
        description:
          - C(TCP), C(UDP), C(SCTP) or C(HTTP) (case-insensitive).
          - C(TCP) is allowed when the connection is established.
          - C(UDP) and C(SCTP) are allowed only when the destination answers the payload the probe
            sends (agnhost C(netexec) does); a server that stays silent looks like a drop.
          - C(HTTP) is allowed when an HTTP response comes back, whatever its status (a 404 or a 503
            is still a response); RV(results[].status) holds the status of the destination's own
            response (a redirect is not followed for the verdict).
        type: str
        default: TCP
      path:
        description: Path (and query) of an C(HTTP) request, starting with C(/). Default C(/).
        type: str
  dns:
    description:
      - Names to resolve from a source's point of view (its namespace's search path and its
        O(queries[].from)'s DNS settings). RV(dns_results) answers them in the same order.
    type: list
    elements: dict
    default: []
    suboptions:
      from:
        description: The source pod or workload, as in O(queries[].from).
        type: str
        required: true
      name:
        description:
          - The name to look up, for example C(api.shop) or C(api.shop.svc.cluster.local). A and AAAA
            lookups go through the pod's resolver, so short and partly qualified names resolve as the
            app's would; CNAME and SRV lookups ask the DNS server directly, so give those full names.
        type: str
        required: true
      type:
        description: Record type, C(A), C(AAAA), C(CNAME) or C(SRV) (case-insensitive).
        type: str
        default: A
  matrix:
    description:
      - Probe every ordered pair of pods (workloads stand for their pods) of O(namespaces), each
        source to the IP address of a running pod of the destination, and return RV(matrix).
      - A bare pod is not paired with itself; a workload is (one of its pods to another).
      - The number of probes grows with the square of the pod count, one probe pod per source.
    type: bool
    default: false
  namespaces:
    description: The namespaces whose pods O(matrix) pairs. Required with O(matrix).
    type: list
    elements: str
  ports:
    description:
      - The ports O(matrix) probes on every destination, each a number (C(80), TCP), a string
        C(port/PROTOCOL) (C(53/UDP), C(8080/HTTP)) or a dict with C(port) and C(protocol).
      - Default, each destination's own declared container ports.
    type: list
    elements: raw
  compare_with_policies:
    description:
      - Also evaluate every connection with the NetworkPolicy analysis and return RV(mismatches)
        and RV(not_compared).
      - Connections to a Service or a DNS name are not compared (policies apply to the pods behind
        them); query the pods instead.
    type: bool
    default: false
  image:
    description:
      - The probe image. It must provide C(/agnhost) (C(connect) and C(pause)) and C(getent),
        C(nslookup) and C(wget) on its C(PATH), as the upstream agnhost image (Alpine with busybox,
        musl's getent and bind-tools) does.
      - The default is the agnhost version the Kubernetes 1.35 end-to-end tests use.
    type: str
    default: registry.k8s.io/e2e-test-images/agnhost:2.59
  image_pull_policy:
    description: The probe container's image pull policy.
    type: str
    choices: [Always, IfNotPresent, Never]
    default: IfNotPresent
  timeout:
    description:
      - Seconds one connection attempt may take (1-300). DNS lookups and HTTP requests are also
        cut off 10 seconds after it.
    type: int
    default: 3
  exec_in_pod:
    description:
      - Run the probes in the source's own running pod (its default container) instead of a probe
        pod. Nothing is created then.
      - The source's image must hold the probe tools (C(/agnhost), C(getent), C(nslookup), C(wget)); the module
        fails, naming the pod and container, when it does not.
    type: bool
    default: false
  pod_ready_timeout:
    description:
      - Seconds to wait for the probe pods to run (1-3600). A probe pod that cannot start (image
        pull failure, rejected by admission) fails the module at once with the reason.
    type: int
    default: 60
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - kubernetes >= 24.2.0
notes:
  - Supports check mode (plans only).
  - >-
    The credentials need to list Pods, Namespaces, Services, Deployments, StatefulSets, DaemonSets,
    ReplicaSets (and NetworkPolicies with O(compare_with_policies)) in all namespaces, and to
    create, get and delete Pods and ConfigMaps and create C(pods/exec) in the sources' namespaces.
  - >-
    The probe pod is restricted-Pod-Security compliant (non-root user 65534, RuntimeDefault seccomp,
    all capabilities dropped, no privilege escalation, read-only root file system), mounts no
    service account token, has small resource requests and limits, a termination grace period of 0
    and an C(activeDeadlineSeconds) after which the kubelet stops it should the module die. It
    takes the source's service account name and DNS settings (dnsPolicy, dnsConfig, hostAliases)
    and nothing else from the source's pod spec, and is labelled
    C(linkops.io/connectivity-probe=RUN_ID).
  - >-
    Because the probe pod carries the source's labels it is kept out of Services (a readiness
    probe that always fails keeps it unready) and out of the source's controllers (its controller
    is a per-run ConfigMap C(linkops-probe-RUN_ID) in its namespace, so no ReplicaSet or
    StatefulSet adopts it). A Service with C(publishNotReadyAddresses) does list it while it runs,
    and PodDisruptionBudgets selecting the source count it.
  - >-
    Should the module be killed outright (SIGKILL), delete what is left with
    C(kubectl delete configmap -A -l linkops.io/connectivity-probe) (the pods go with their
    owners).
  - >-
    A source with C(hostNetwork) is probed from a regular pod carrying its labels, not from the
    host's network (the module warns).
  - Sidecars that a namespace injects into every pod (service meshes) are injected into the probe
    pod too, and the probe's traffic then goes through them.
"""

EXAMPLES = r"""
- name: Does the frontend reach the API, and is the database closed to it?
  linkops.k8s_platform.connectivity_probe:
    queries:
      - {from: shop/frontend, to: shop/api, port: 8080, protocol: HTTP, path: /healthz}
      - {from: shop/frontend, to: shop/postgres, port: 5432}
      - {from: shop/api, to: shop/service/postgres, port: 5432}
    dns:
      - {from: shop/api, name: postgres.shop.svc.cluster.local}
      - {from: shop/api, name: _postgres._tcp.postgres.shop.svc.cluster.local, type: SRV}
  register: probe

- name: Fail when the API cannot reach its database
  ansible.builtin.assert:
    that: probe.results[2].allowed
    fail_msg: "{{ probe.results[2].error }}"

- name: Every pod pair of two namespaces, checked against what the NetworkPolicies say
  linkops.k8s_platform.connectivity_probe:
    matrix: true
    namespaces: [shop, payments]
    ports: [8080, "53/UDP"]
    compare_with_policies: true
  register: reach
  failed_when: reach.mismatches | length > 0

- name: Show the matrix
  ansible.builtin.debug:
    msg: "{{ reach.matrix.table }}"

- name: What would run, without starting anything
  linkops.k8s_platform.connectivity_probe:
    queries:
      - {from: shop/frontend, to: 10.96.0.10, port: 53, protocol: UDP}
  check_mode: true
"""

RETURN = r"""
results:
  description: One entry per O(queries) entry, in the same order.
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
      description: TCP, UDP, SCTP or HTTP.
      type: str
    allowed:
      description: Whether the connection was made (for HTTP, whether a response came back).
      type: bool
    error:
      description:
        - Why not, when not allowed. For TCP, UDP and SCTP the probe's own words, starting with
          C(TIMEOUT) (nothing came back, typically a policy that drops), C(REFUSED) (a reset or an
          ICMP unreachable came back, either because nothing listens on the port or because a
          policy implementation rejects instead of dropping, as kube-router does), C(DNS), C(OTHER)
          or C(UNKNOWN). Either way no connection was made.
        - For HTTP, the TCP error, or why no HTTP response came back.
      type: str
    seconds:
      description: How long the probe took, exec round trips included.
      type: float
    status:
      description: The HTTP status of the response (HTTP only; null when none came back).
      type: int
    path:
      description: The request's path (HTTP only).
      type: str
    target:
      description: The address or name the probe connected to.
      type: str
    source_pod:
      description: C(namespace/name) of the pod the probe ran in.
      type: str
    destination_pod:
      description: C(namespace/name) of the pod connected to, when the destination is a pod or workload.
      type: str
  sample:
    - from: shop/frontend
      to: shop/api
      port: 8080
      protocol: HTTP
      path: /healthz
      allowed: true
      status: 200
      error: null
      seconds: 0.41
      target: 10.244.0.17
      source_pod: shop/linkops-probe-5f0c1a2b-1
      destination_pod: shop/api-7c9d8-x2x4k
dns_results:
  description: One entry per O(dns) entry, in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    from:
      description: The source as given.
      type: str
    name:
      description: The name looked up.
      type: str
    type:
      description: The record type asked for.
      type: str
    resolved:
      description: Whether the answer held at least one record of that type.
      type: bool
    addresses:
      description: The A and AAAA addresses of the answer (after any CNAME).
      type: list
      elements: str
    records:
      description:
        - Every record of the answer as C({name, type, value}); SRV records also have C(priority),
          C(weight), C(port) and C(target).
      type: list
      elements: dict
    error:
      description: Why nothing resolved (C(NXDOMAIN), C(no AAAA record), the resolver's timeout message).
      type: str
    seconds:
      description: How long the lookup took.
      type: float
    source_pod:
      description: C(namespace/name) of the pod the lookup ran in.
      type: str
matrix:
  description:
    - The pod pairs of O(namespaces), when O(matrix=true).
  returned: when O(matrix=true)
  type: dict
  contains:
    pods:
      description: The pod and workload keys paired, in the order of the table's rows and columns.
      type: list
      elements: str
    cells:
      description:
        - One entry per pair and port, C({from, to, port, protocol, allowed, error, seconds}) (and
          C(status) for HTTP).
      type: list
      elements: dict
    table:
      description:
        - The matrix as text lines, a row per source and a numbered column per destination (the
          numbers follow RV(matrix.pods)). A cell lists the ports that connected, C(-) when every
          probed port failed, C(.) when nothing was probed.
      type: list
      elements: str
mismatches:
  description:
    - Every compared connection (from O(queries) and the matrix) where the network and the
      NetworkPolicy analysis disagree. The network side is whether the transport connected (for
      HTTP, the TCP connection).
    - A port nothing listens on does not connect whatever the policies say, so it shows here as
      allowed by the analysis and not observed; probe ports something serves (the matrix's
      default, each destination's declared container ports, usually is). Policy implementations
      that reject rather than drop make such a refusal look like a policy denial (C(REFUSED)).
  returned: when O(compare_with_policies=true)
  type: list
  elements: dict
  contains:
    where:
      description: C(queries[N]) or C(matrix[N]) (N indexes RV(matrix.cells)).
      type: str
    observed_allowed:
      description: What the packets showed.
      type: bool
    analysis_allowed:
      description: What the analysis of the live NetworkPolicies says.
      type: bool
    error:
      description: The probe's error, when it did not connect.
      type: str
    ingress_policies:
      description: The policies that decided the destination side (see netpol_reachability).
      type: list
      elements: str
    egress_policies:
      description: The policies that decided the source side.
      type: list
      elements: str
    explanation:
      description: The analysis' verdict in one line.
      type: str
not_compared:
  description:
    - The connections O(compare_with_policies) could not compare, with C(where), C(from), C(to),
      C(port), C(protocol) and the C(reason) (a Service or DNS destination, a bare pod probed
      against itself).
  returned: when O(compare_with_policies=true)
  type: list
  elements: dict
probe_pods:
  description: C(namespace/name) of every probe pod the run created; all of them were deleted.
  returned: always
  type: list
  elements: str
run_id:
  description: The run's id, the value of the C(linkops.io/connectivity-probe) label on what it created.
  returned: always
  type: str
planned_pods:
  description: The probe pods a real run would create (C(namespace), C(name), C(source), C(labels)).
  returned: in check mode
  type: list
  elements: dict
planned_probes:
  description:
    - Every probe a real run would make (C(where), C(from), C(to), C(port), C(protocol), the C(pod)
      it would run in and the C(commands)).
  returned: in check mode
  type: list
  elements: dict
cleanup_errors:
  description: Objects the module could not delete (the module then fails).
  returned: when a deletion failed
  type: list
  elements: str
"""

import copy
import traceback

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.pods import DEFAULT_IMAGE, PROBE_LABEL
from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.runner import (
    ProbeInputError,
    ProbeInterrupted,
    ProbeRunError,
    parse_options,
    run_probes,
)


def argument_spec() -> dict:
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        queries={
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "from": {"type": "str", "required": True},
                "to": {"type": "str", "required": True},
                "port": {"type": "int", "required": True},
                "protocol": {"type": "str", "default": "TCP"},
                "path": {"type": "str"},
            },
        },
        dns={
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "from": {"type": "str", "required": True},
                "name": {"type": "str", "required": True},
                "type": {"type": "str", "default": "A"},
            },
        },
        matrix={"type": "bool", "default": False},
        namespaces={"type": "list", "elements": "str"},
        ports={"type": "list", "elements": "raw"},
        compare_with_policies={"type": "bool", "default": False},
        image={"type": "str", "default": DEFAULT_IMAGE},
        image_pull_policy={"type": "str", "choices": ["Always", "IfNotPresent", "Never"], "default": "IfNotPresent"},
        timeout={"type": "int", "default": 3},
        exec_in_pod={"type": "bool", "default": False},
        pod_ready_timeout={"type": "int", "default": 60},
    )
    return spec


def probe_client(module):
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from ansible_collections.linkops.k8s_platform.plugins.module_utils.connectivity.kube import KubernetesProbeClient

    return KubernetesProbeClient(get_api_client(module=module))


def main() -> None:
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True, check_k8s=False, check_pyyaml=False)
    params = module.params
    try:
        parse_options(params)  # bad input fails before any connection is made
    except ProbeInputError as exc:
        module.fail_json(msg=to_text(exc))
    module.requires("kubernetes")
    try:
        client = probe_client(module)
        result = run_probes(client, params, check_mode=module.check_mode)
    except ProbeInputError as exc:
        module.fail_json(msg=to_text(exc))
    except (ProbeRunError, ProbeInterrupted) as exc:
        left = exc.partial.get("cleanup_errors")
        tail = f"; NOT deleted: {'; '.join(left)}" if left else ""
        module.fail_json(msg=f"{to_text(exc)}{tail}", **exc.partial)
    except Exception as exc:  # the API client's errors: show them, with the traceback
        module.fail_json(msg=f"{type(exc).__name__}: {to_text(exc)}", exception=traceback.format_exc())
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if result.get("cleanup_errors"):
        module.fail_json(
            msg=(
                "the probes ran, but these objects could not be deleted: " + "; ".join(result["cleanup_errors"])
                + f"; delete them with: kubectl delete pod,configmap -A -l {PROBE_LABEL}={result['run_id']}"
            ),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
