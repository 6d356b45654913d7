#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tls_certificate_info
short_description: Inspect a TLS certificate from a Secret or PEM text and check expiry, chain and hostnames
version_added: 0.1.0
author: LinkOps platform engineering (@linkops)
description:
  - Reads a TLS certificate bundle from a live Secret (O(namespace) and O(name)), from a Secret manifest
    (O(secret), offline) or from PEM text (O(pem)), and returns its subject, subject alternative names,
    issuer, validity window, days left, public key type and size, whether the chain verifies to a trust
    anchor, and which of O(hostnames) it covers.
  - Fails with a message naming every problem at once when the certificate expires in fewer than
    O(min_days_left) days, does not cover one of O(hostnames), does not match its private key, or (with
    O(verify_chain=true)) its chain does not verify.
  - The first certificate of the bundle (C(tls.crt)) is the leaf; the others are intermediates, in any order.
    Trust anchors are O(ca_pem) or else the Secret's C(ca.crt); a self-signed certificate is trusted only when it
    is given as an anchor. An anchor need not be a root.
  - Chain verification checks every link (issuer name equals the issuer's subject, signature verifies with the
    issuer's public key; RSA, ECDSA, Ed25519, Ed448 and DSA), the validity window of every certificate on the path,
    and that every issuer is a CA (basicConstraints, keyCertSign, path length). Where the installed cryptography
    has C(cryptography.x509.verification), the chain is also checked against its RFC 5280 / CA/Browser Forum
    profile and reported as RV(chain.strict), for information only.
  - Hostnames are matched against subjectAltName entries only; the subject common name is never used, as current
    browsers and Go do (RFC 6125, CA/Browser Forum). Wildcards follow RFC 6125 section 6.4.3 strictly - V(*) only as
    the whole left-most label, standing for exactly one label, with at least two labels after it; partial wildcards
    such as V(f*.example.com) never match. Matching is case-insensitive and compares internationalised names as
    A-labels. An IP address matches IP SANs only. A hostname that is itself a wildcard matches only the identical SAN.
  - The private key (C(tls.key), O(private_key_pem), or a key block inside O(pem)) is only compared with the
    certificate's public key (RV(private_key_matches)); it is never returned and is kept out of the logs.
  - Reads only, so it runs in check mode and never reports a change.
options:
  namespace:
    description:
      - Namespace of the Secret to read from the cluster. Required with O(name).
    type: str
  name:
    description:
      - Name of the Secret to read from the cluster (live mode, kubernetes.core connection options apply).
      - Mutually exclusive with O(pem) and O(secret).
    type: str
  secret:
    description:
      - A Secret manifest or object as a mapping (offline mode), for example from a rendered template or
        M(kubernetes.core.k8s_info). C(data) values are base64, C(stringData) values plain text.
      - Mutually exclusive with O(name) and O(pem).
    type: dict
    suboptions:
      apiVersion:
        description: API version of the object (V(v1)).
        type: str
      kind:
        description: Kind of the object; must be V(Secret) when set.
        type: str
      metadata:
        description: Object metadata (not used beyond reporting).
        type: dict
      type:
        description: Secret type, normally V(kubernetes.io/tls).
        type: str
      immutable:
        description: The Secret's immutable flag (not used).
        type: bool
      data:
        description: Base64 values; C(tls.crt) is required, C(tls.key) and C(ca.crt) are used when present.
        type: dict
      stringData:
        description: Plain-text values, taking precedence over O(secret.data).
        type: dict
  pem:
    description:
      - PEM text holding the certificate, optionally followed by intermediates (and optionally a private key block,
        which is then masked in the output; prefer O(private_key_pem)).
      - Mutually exclusive with O(name) and O(secret).
    type: str
  private_key_pem:
    description:
      - PEM private key to compare with the certificate. Overrides C(tls.key). Never logged or returned.
    type: str
  ca_pem:
    description:
      - PEM trust anchors for chain verification. Overrides the Secret's C(ca.crt).
    type: str
  hostnames:
    description:
      - Hostnames or IP addresses the certificate must cover. Any one not covered makes the module fail.
    type: list
    elements: str
    default: []
  min_days_left:
    description:
      - Fail when fewer than this many whole days remain before the certificate's notAfter (an expired
        certificate has a negative number of days left).
    type: int
  verify_chain:
    description:
      - Fail when the chain does not verify to a trust anchor.
    type: bool
    default: false
  now:
    description:
      - The moment to evaluate validity at, as an ISO 8601 timestamp (V(2026-06-01T00:00:00Z)); a timestamp without
        zone is UTC. Defaults to the current time. For reproducible runs and tests.
    type: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - cryptography >= 42.0
  - kubernetes >= 24.2.0 (live mode only)
notes:
  - The connection options are used only in live mode (O(name)).
"""

EXAMPLES = r"""
- name: The ingress certificate must cover both hosts for 30 more days and chain to its CA
  linkops.k8s_platform.tls_certificate_info:
    namespace: mlops
    name: mlops-tls
    hostnames: [mlops.example.com, api.mlops.example.com]
    min_days_left: 30
    verify_chain: true

- name: Check a rendered Secret offline
  linkops.k8s_platform.tls_certificate_info:
    secret: "{{ lookup('file', 'build/mlops-tls.yaml') | from_yaml }}"
    hostnames: [mlops.example.com]
    now: "2026-06-01T00:00:00Z"

- name: Inspect PEM text against a given CA
  linkops.k8s_platform.tls_certificate_info:
    pem: "{{ lookup('file', 'tls.crt') }}"
    ca_pem: "{{ lookup('file', 'ca.crt') }}"
  register: cert

- name: Report it
  ansible.builtin.debug:
    msg: "{{ cert.subject }} expires in {{ cert.days_left }} days; chain verified: {{ cert.chain_verified }}"
"""

RETURN = r"""
source:
  description: Where the certificate came from.
  returned: always
  type: dict
  sample: {kind: secret, namespace: mlops, name: mlops-tls}
subject:
  description: Subject of the leaf certificate (RFC 4514).
  returned: success or certificate problem
  type: str
  sample: CN=mlops.example.com,O=LinkOps
subject_common_name:
  description: The subject CN, if any (informational; never used for hostname matching).
  returned: success or certificate problem
  type: str
issuer:
  description: Issuer of the leaf certificate (RFC 4514).
  returned: success or certificate problem
  type: str
issuer_common_name:
  description: The issuer CN, if any.
  returned: success or certificate problem
  type: str
serial_number:
  description: Serial number in lower-case hex.
  returned: success or certificate problem
  type: str
subject_alt_names:
  description: Subject alternative names by type.
  returned: success or certificate problem
  type: dict
  sample: {dns: [mlops.example.com], ip: [10.0.0.10], uri: [], email: []}
not_before:
  description: Start of validity (UTC, ISO 8601).
  returned: success or certificate problem
  type: str
  sample: "2026-05-22T00:00:00Z"
not_after:
  description: End of validity (UTC, ISO 8601).
  returned: success or certificate problem
  type: str
  sample: "2026-08-20T00:00:00Z"
days_left:
  description: Whole days from O(now) to notAfter, rounded down; negative once expired.
  returned: success or certificate problem
  type: int
  sample: 80
seconds_left:
  description: Seconds from O(now) to notAfter.
  returned: success or certificate problem
  type: int
expired:
  description: Whether notAfter is before O(now).
  returned: success or certificate problem
  type: bool
not_yet_valid:
  description: Whether notBefore is after O(now).
  returned: success or certificate problem
  type: bool
valid_now:
  description: Whether O(now) is inside the validity window.
  returned: success or certificate problem
  type: bool
now:
  description: The moment used for the evaluation (UTC, ISO 8601).
  returned: success or certificate problem
  type: str
key:
  description: Type (V(RSA), V(EC), V(Ed25519), V(Ed448), V(DSA)), size in bits and EC curve of the certificate's public key.
  returned: success or certificate problem
  type: dict
  sample: {type: EC, size: 256, curve: secp256r1}
signature_algorithm:
  description: The certificate's signature algorithm.
  returned: success or certificate problem
  type: str
is_ca:
  description: Whether the leaf is a CA certificate.
  returned: success or certificate problem
  type: bool
self_signed:
  description: Whether the leaf is self-signed.
  returned: success or certificate problem
  type: bool
extended_key_usage:
  description: Extended key usages of the leaf.
  returned: success or certificate problem
  type: list
  elements: str
server_auth:
  description: Whether the leaf may be used as a TLS server certificate (serverAuth EKU, or no EKU at all).
  returned: success or certificate problem
  type: bool
fingerprint_sha256:
  description: SHA-256 fingerprint of the leaf (hex).
  returned: success or certificate problem
  type: str
intermediates:
  description: The other certificates of the bundle, described like the leaf (subject, issuer, validity, key, ...).
  returned: success or certificate problem
  type: list
  elements: dict
chain_verified:
  description: Whether the chain verifies to a trust anchor (same as RV(chain.verified)).
  returned: success or certificate problem
  type: bool
chain:
  description: Chain verification details.
  returned: success or certificate problem
  type: dict
  contains:
    verified:
      description: Every link, validity window and CA constraint holds and the path ends at a trust anchor.
      type: bool
    complete:
      description: The path reached a trust anchor or a self-signed certificate.
      type: bool
    trusted_anchor:
      description: Subject of the anchor the path ends at, if any.
      type: str
    path:
      description: Subjects on the path, leaf first.
      type: list
      elements: str
    unused_certificates:
      description: Bundle certificates that are not on the path.
      type: list
      elements: str
    problems:
      description: Every reason the chain does not verify.
      type: list
      elements: str
    reason:
      description: One line summary.
      type: str
    strict:
      description: Result of cryptography's RFC 5280 / CA/Browser Forum verifier (informational).
      type: dict
      sample: {available: true, verified: true, error: null}
private_key_matches:
  description: Whether the private key belongs to the certificate; null when no key was given or it is encrypted.
  returned: success or certificate problem
  type: bool
private_key_note:
  description: Why RV(private_key_matches) is null, if it is.
  returned: success or certificate problem
  type: str
hostnames:
  description: Coverage of each of O(hostnames).
  returned: success or certificate problem
  type: list
  elements: dict
  sample: [{hostname: mlops.example.com, covered: true, matched_by: "DNS:mlops.example.com"}]
uncovered_hostnames:
  description: The O(hostnames) the certificate does not cover.
  returned: success or certificate problem
  type: list
  elements: str
findings:
  description: Findings that do not fail the module (for example a certificate without any SAN); each is also a warning.
  returned: success or certificate problem
  type: list
  elements: str
problems:
  description: The reasons the module failed (empty on success).
  returned: success or certificate problem
  type: list
  elements: str
"""

import copy
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.linkops.k8s_platform.plugins.module_utils.api_results import status_of
from ansible_collections.linkops.k8s_platform.plugins.module_utils.tls import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    TLSInputError,
    inspect_bundle,
    parse_now,
    private_key_blocks,
    secret_pems,
)

SECRET_SPEC = dict(
    apiVersion=dict(type="str"),
    kind=dict(type="str"),
    metadata=dict(type="dict"),
    type=dict(type="str"),
    immutable=dict(type="bool"),
    data=dict(type="dict", no_log=True),
    stringData=dict(type="dict", no_log=True),
)


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        namespace=dict(type="str"),
        name=dict(type="str"),
        secret=dict(type="dict", no_log=False, options=copy.deepcopy(SECRET_SPEC)),
        pem=dict(type="str"),
        private_key_pem=dict(type="str", no_log=True),
        ca_pem=dict(type="str"),
        hostnames=dict(type="list", elements="str", default=[]),
        min_days_left=dict(type="int"),
        verify_chain=dict(type="bool", default=False),
        now=dict(type="str"),
    )
    return spec


def read_live_secret(module, namespace, name):
    """The Secret as a dict, or fail_json with a clear message."""
    module.requires("kubernetes")
    try:
        client = get_api_client(module=module)
        resource = client.resource("Secret", "v1")
        result = client.get(resource, name=name, namespace=namespace)
    except Exception as exc:  # API errors carry a status; config errors do not
        status = status_of(exc)
        if status == 404:
            module.fail_json(msg=f"Secret {namespace}/{name} not found")
        if status in (401, 403):
            module.fail_json(msg=f"not allowed to get Secret {namespace}/{name} ({status} {getattr(exc, 'reason', '') or 'Forbidden'})")
        module.fail_json(msg=f"could not read Secret {namespace}/{name}: {exc}", exception=traceback.format_exc())
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def main():
    module = AnsibleK8SModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("name", "pem"), ("name", "secret"), ("pem", "secret")],
        required_one_of=[("name", "pem", "secret")],
        required_by={"name": "namespace"},
        supports_check_mode=True,
        check_k8s=False,
        check_pyyaml=False,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography >= 42.0"), exception=str(CRYPTOGRAPHY_IMPORT_ERROR))
    params = module.params
    # Key material must never reach the output, whichever option or Secret it came in.
    no_log_values = module._module.no_log_values
    no_log_values.update(private_key_blocks(params["pem"] or ""))

    if params["name"]:
        source = {"kind": "secret", "namespace": params["namespace"], "name": params["name"]}
        secret = read_live_secret(module, params["namespace"], params["name"])
        what = f"Secret {params['namespace']}/{params['name']}"
    elif params["secret"] is not None:
        secret = {k: v for k, v in params["secret"].items() if v is not None}
        metadata = secret.get("metadata") or {}
        source = {"kind": "manifest", "namespace": metadata.get("namespace"), "name": metadata.get("name")}
        what = "secret"
    else:
        secret = None
        source = {"kind": "pem", "namespace": None, "name": None}
        what = "pem"

    try:
        now = parse_now(params["now"])
        if secret is not None:
            pems = secret_pems(secret, what)
            cert_pem, key_pem, ca_pem = pems.tls_crt, pems.tls_key, pems.ca_crt
        else:
            cert_pem, key_pem, ca_pem = params["pem"], None, None
        key_pem = params["private_key_pem"] or key_pem
        ca_source = "ca_pem" if params["ca_pem"] else f"{what} ca.crt"
        ca_pem = params["ca_pem"] or ca_pem
        if key_pem:
            no_log_values.add(key_pem)
        report = inspect_bundle(
            cert_pem,
            key_pem=key_pem,
            ca_pem=ca_pem,
            hostnames=params["hostnames"],
            now=now,
            min_days_left=params["min_days_left"],
            source=what,
            ca_source=ca_source,
        )
    except TLSInputError as exc:
        module.fail_json(msg=str(exc), source=source)

    for finding in report["findings"]:
        module.warn(finding)
    problems = list(report["problems"])
    if params["verify_chain"] and not report["chain_verified"]:
        problems.append(f"chain of {report['subject']} does not verify: {report['chain']['reason']}")
    report["problems"] = problems
    report["source"] = source
    if problems:
        module.fail_json(msg="; ".join(problems), changed=False, **report)
    module.exit_json(changed=False, **report)


if __name__ == "__main__":
    main()
