# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small platform of a test's own, converged with site.yml and inventories/local (the demo's
apps are never touched: the roles prune only in the spec's namespaces), and polling."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from k8s_cluster import REPO_ROOT, VENV_BIN, Cluster

# The roles a scratch platform needs to carry traffic through the ingress controller.
TAGS = "namespaces,rbac,services,workloads,cert_manager,ingress,network_policies"


def converge(cluster: Cluster, tmp: Path, extra: dict[str, Any], namespace: str, deployments: Sequence[str]) -> None:
    """site.yml with these extra vars (the scratch spec), then every deployment rolled out."""
    vars_file = tmp / f"vars-{uuid.uuid4().hex[:6]}.json"
    vars_file.write_text(json.dumps(extra))
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(REPO_ROOT / "inventories" / "local"), str(REPO_ROOT / "playbooks" / "site.yml"),
         "--tags", TAGS, "-e", f"@{vars_file}"],
        env=cluster.env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"site.yml failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}"
    for name in deployments:
        cluster.kubectl("-n", namespace, "rollout", "status", f"deployment/{name}", "--timeout=180s")


def wait_until(what: str, check, timeout: float = 120.0, interval: float = 1.0):
    """check() until it returns something true (returned); network and TLS errors count as not yet."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, ssl.SSLError) as exc:
            last = exc
        time.sleep(interval)
    pytest.fail(f"{what}: not within {timeout:.0f}s (last: {last!r})")


def certificate_ready(cluster: Cluster, namespace: str, name: str) -> bool:
    status = cluster.get_json("-n", namespace, "certificate", name).get("status", {})
    return any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))


def secret_certificate(cluster: Cluster, namespace: str, name: str) -> str:
    """The PEM certificate (tls.crt) of a TLS Secret."""
    return base64.b64decode(cluster.get_json("-n", namespace, "secret", name)["data"]["tls.crt"]).decode()


def request_issuance(cluster: Cluster, namespace: str, name: str, why: str) -> None:
    """What `cmctl renew` does: ask cert-manager to issue the Certificate now (the Issuing condition)."""
    status = cluster.get_json("-n", namespace, "certificate", name).get("status", {})
    conditions = [c for c in status.get("conditions", []) if c["type"] != "Issuing"] + [{
        "type": "Issuing", "status": "True", "reason": "ManuallyTriggered", "message": why,
        "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]
    cluster.kubectl("-n", namespace, "patch", "certificate", name, "--subresource=status", "--type=merge",
                    "-p", json.dumps({"status": {"conditions": conditions}}))
