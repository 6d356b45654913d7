# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake kubernetes.core client that answers SubjectAccessReviews from a small rule table.

The rules follow RBAC's matching: a rule grants its verbs on its resources (`resource` or
`resource/subresource`, `*` for all) in its API groups, to its subjects (`user:NAME` or
`group:NAME`), in one namespace or, with `namespace: None`, everywhere (a ClusterRoleBinding).
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any, Optional

import pytest

from ansible.module_utils.testing import patch_module_args


class ApiError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(f"({status}) Reason: {reason}")
        self.status = status
        self.reason = reason


def _has(values: list[str], value: str) -> bool:
    return "*" in values or value in values


def rule_allows(rule: dict[str, Any], spec: dict[str, Any]) -> bool:
    principals = {f"user:{spec.get('user')}"} | {f"group:{g}" for g in spec.get("groups") or []}
    if not principals & set(rule["subjects"]):
        return False
    if "nonResourceAttributes" in spec:
        attrs = spec["nonResourceAttributes"]
        return _has(rule["verbs"], attrs["verb"]) and _has(rule.get("nonResourceURLs", []), attrs["path"])
    attrs = spec["resourceAttributes"]
    if "resources" not in rule or not _has(rule["verbs"], attrs["verb"]):
        return False
    if not _has(rule.get("apiGroups", [""]), attrs.get("group", "")):
        return False
    target = attrs["resource"] + (f"/{attrs['subresource']}" if attrs.get("subresource") else "")
    if not _has(rule["resources"], target):
        return False
    if rule.get("resourceNames") and attrs.get("name") not in rule["resourceNames"]:
        return False
    namespace: Optional[str] = rule.get("namespace")
    return namespace is None or namespace == attrs.get("namespace", "")


class FakeSARResource:
    def __init__(self, client: "FakeClient"):
        self.client = client

    def create(self, body: Optional[dict[str, Any]] = None, **kwargs: Any) -> dict[str, Any]:
        assert not kwargs, f"unexpected create() arguments {kwargs} (dry_run must not be passed)"
        assert body["apiVersion"] == "authorization.k8s.io/v1" and body["kind"] == "SubjectAccessReview"
        self.client.bodies.append(body)
        if self.client.forbidden:
            raise ApiError(403, "Forbidden")
        for name, rule in self.client.rules.items():
            if rule_allows(rule, body["spec"]):
                status = {"allowed": True, "reason": f'RBAC: allowed by binding "{name}"'}
                break
        else:
            status = {"allowed": False}
        return {**body, "status": status}


class FakeClient:
    def __init__(self, rules: dict[str, dict[str, Any]], forbidden: bool = False):
        self.rules = rules
        self.forbidden = forbidden
        self.bodies: list[dict[str, Any]] = []
        self.resources_asked: list[tuple[str, str]] = []

    def resource(self, kind: str, api_version: str) -> FakeSARResource:
        self.resources_asked.append((kind, api_version))
        return FakeSARResource(self)


# The mlops platform's ServiceAccount: read pods and services in mlops; a group that may exec in dev;
# Prometheus may scrape /metrics; an admin group may do everything.
RULES: dict[str, dict[str, Any]] = {
    "mlops/mlops-platform-rolebinding": {
        "subjects": ["user:system:serviceaccount:mlops:mlops-platform-sa"],
        "namespace": "mlops",
        "apiGroups": [""],
        "resources": ["pods", "services"],
        "verbs": ["get", "list", "watch"],
    },
    "mlops/config-reader": {
        "subjects": ["group:system:serviceaccounts:mlops"],
        "namespace": "mlops",
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": ["mlops-config"],
        "verbs": ["get"],
    },
    "dev/developers-exec": {
        "subjects": ["group:developers"],
        "namespace": "dev",
        "apiGroups": ["", "apps"],
        "resources": ["pods", "pods/exec", "deployments"],
        "verbs": ["get", "list", "create"],
    },
    "system:discovery": {
        "subjects": ["group:system:authenticated"],
        "namespace": None,
        "verbs": ["get"],
        "nonResourceURLs": ["/healthz", "/version"],
    },
    "prometheus": {
        "subjects": ["user:system:serviceaccount:monitoring:prometheus"],
        "namespace": None,
        "verbs": ["get"],
        "nonResourceURLs": ["/metrics"],
    },
    "cluster-admins": {
        "subjects": ["group:platform-admins"],
        "namespace": None,
        "apiGroups": ["*"],
        "resources": ["*"],
        "verbs": ["*"],
    },
}


def run_module(main: Any, args: dict[str, Any], check_mode: bool = False) -> tuple[bool, dict[str, Any]]:
    """Run a module's main() as Ansible would; `(failed, result)` from its JSON output."""
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main()
    result = json.loads(out.getvalue())
    return exited.value.code != 0 or bool(result.get("failed")), result
