# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check what a subject may do by asking the API server (SubjectAccessReview).

Plain Python: subject parsing, request normalisation, SubjectAccessReview bodies, evaluation
of the answers against expectations, and a plain-text mismatch table. The only cluster call is
`review()`, which takes a client with the kubernetes.core `K8SClient` shape, so tests pass a
fake.

Subject syntax (the `subject` option):

* `system:serviceaccount:NS:NAME` - a ServiceAccount. User `system:serviceaccount:NS:NAME`,
  groups `system:serviceaccounts`, `system:serviceaccounts:NS`, `system:authenticated`, as the
  API server's token authenticator assigns them.
* `system:node:NAME` - a kubelet: groups `system:nodes`, `system:authenticated`.
* `group:NAME` - a member of group NAME (and, like every authenticated caller, of
  `system:authenticated`), with no user name.
* `user:NAME` or a bare `NAME` - a user: groups `system:authenticated` (or
  `system:unauthenticated` for `system:anonymous`), as `kubectl auth can-i --as NAME` sees it.
  `user:` before a ServiceAccount or node name gives the same as the bare form.

Extra groups (an OIDC user's groups, say) are added with `extra_groups`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

SAR_API_VERSION = "authorization.k8s.io/v1"
SAR_KIND = "SubjectAccessReview"

AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
SA_PREFIX = "system:serviceaccount:"
NODE_PREFIX = "system:node:"

REQUEST_KEYS = ("verb", "resource", "group", "subresource", "namespace", "name", "non_resource_url", "description")


class RBACInputError(ValueError):
    """A subject or request that cannot be asked about; the message names the option."""


# --------------------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Subject:
    user: Optional[str]
    groups: tuple[str, ...]
    kind: str  # ServiceAccount | User | Group | Node

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "user": self.user, "groups": list(self.groups)}

    def __str__(self) -> str:
        """`serviceaccount system:serviceaccount:ns:sa`, `user alice`, `group devs`, `node system:node:n`."""
        return f"{self.kind.lower()} {self.groups[0] if self.kind == 'Group' else self.user}"


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return tuple(seen)


def parse_subject(text: str, extra_groups: Iterable[str] = ()) -> Subject:
    """The user and groups the API server would see for `text` (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise RBACInputError("subject: must be a non-empty string (user, group:NAME, or system:serviceaccount:NS:NAME)")
    text = text.strip()
    extra = [str(g).strip() for g in extra_groups or () if str(g).strip()]
    if text.startswith("group:"):
        group = text[len("group:"):].strip()
        if not group:
            raise RBACInputError("subject: group:NAME needs a group name")
        automatic = [] if group in (AUTHENTICATED, UNAUTHENTICATED) else [AUTHENTICATED]
        return Subject(user=None, groups=_dedupe([group, *extra, *automatic]), kind="Group")
    if text.startswith("user:"):
        text = text[len("user:"):].strip()
        if not text:
            raise RBACInputError("subject: user:NAME needs a user name")
    if text.startswith(SA_PREFIX):
        parts = text[len(SA_PREFIX):].split(":")
        if len(parts) != 2 or not all(parts):
            raise RBACInputError(f"subject: {text!r} is not system:serviceaccount:NAMESPACE:NAME")
        namespace = parts[0]
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", *extra, AUTHENTICATED]
        return Subject(user=text, groups=_dedupe(groups), kind="ServiceAccount")
    if text.startswith(NODE_PREFIX):
        if not text[len(NODE_PREFIX):]:
            raise RBACInputError(f"subject: {text!r} is not system:node:NAME")
        return Subject(user=text, groups=_dedupe(["system:nodes", *extra, AUTHENTICATED]), kind="Node")
    automatic = UNAUTHENTICATED if text == ANONYMOUS else AUTHENTICATED
    return Subject(user=text, groups=_dedupe([*extra, automatic]), kind="User")


def subject_namespace(subject: Subject) -> Optional[str]:
    """The namespace of a ServiceAccount subject, else None."""
    if subject.kind == "ServiceAccount" and subject.user:
        return subject.user[len(SA_PREFIX):].split(":")[0]
    return None


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class AccessRequest:
    verb: str
    resource: str = ""
    group: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    non_resource_url: str = ""
    description: str = ""

    @property
    def is_resource(self) -> bool:
        return not self.non_resource_url

    def target(self) -> str:
        """`pods/exec`, `deployments.apps`, `roles.rbac.authorization.k8s.io`, or the URL."""
        if not self.is_resource:
            return self.non_resource_url
        text = self.resource + (f".{self.group}" if self.group else "")
        return text + (f"/{self.subresource}" if self.subresource else "")

    def scope(self) -> str:
        if not self.is_resource:
            return "-"
        where = self.namespace or "*"
        return f"{where}/{self.name}" if self.name else where

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in REQUEST_KEYS}


def normalize_request(item: Mapping[str, Any], where: str) -> AccessRequest:
    """An AccessRequest from a `{verb, resource, group, subresource, namespace, name}` mapping.

    `resource` may carry its group and subresource as kubectl spells them (`deployments.apps`,
    `pods/exec`) when `group` / `subresource` are not given. `non_resource_url` (for example
    `/metrics`) replaces the resource fields.
    """
    if not isinstance(item, Mapping):
        raise RBACInputError(f"{where}: expected a mapping with verb and resource, got {type(item).__name__}")
    unknown = sorted(set(item) - set(REQUEST_KEYS))
    if unknown:
        raise RBACInputError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(REQUEST_KEYS)}")
    values = {key: ("" if item.get(key) is None else str(item.get(key)).strip()) for key in REQUEST_KEYS}
    if not values["verb"]:
        raise RBACInputError(f"{where}: verb is required")
    if values["non_resource_url"]:
        resource_fields = [k for k in ("resource", "group", "subresource", "namespace", "name") if values[k]]
        if resource_fields:
            raise RBACInputError(f"{where}: non_resource_url cannot be combined with {', '.join(resource_fields)}")
        if not values["non_resource_url"].startswith("/"):
            raise RBACInputError(f"{where}: non_resource_url must start with / (got {values['non_resource_url']!r})")
        return AccessRequest(verb=values["verb"], non_resource_url=values["non_resource_url"], description=values["description"])
    resource = values["resource"]
    if not resource:
        raise RBACInputError(f"{where}: resource (or non_resource_url) is required")
    if "/" in resource:
        resource, sub = resource.split("/", 1)
        if values["subresource"] and values["subresource"] != sub:
            raise RBACInputError(f"{where}: resource {values['resource']!r} and subresource {values['subresource']!r} disagree")
        values["subresource"] = sub
    if "." in resource:
        resource, group = resource.split(".", 1)
        if values["group"] and values["group"] != group:
            raise RBACInputError(f"{where}: resource {values['resource']!r} and group {values['group']!r} disagree")
        values["group"] = group
    if not resource:
        raise RBACInputError(f"{where}: resource {values['resource']!r} has no resource name")
    return AccessRequest(
        verb=values["verb"],
        resource=resource,
        group=values["group"],
        subresource=values["subresource"],
        namespace=values["namespace"],
        name=values["name"],
        description=values["description"],
    )


def review_body(subject: Subject, request: AccessRequest) -> dict[str, Any]:
    """The SubjectAccessReview to create for one request."""
    spec: dict[str, Any] = {}
    if subject.user:
        spec["user"] = subject.user
    if subject.groups:
        spec["groups"] = list(subject.groups)
    if request.is_resource:
        attributes = {"verb": request.verb, "group": request.group, "resource": request.resource}
        for key in ("subresource", "namespace", "name"):
            if getattr(request, key):
                attributes[key] = getattr(request, key)
        spec["resourceAttributes"] = attributes
    else:
        spec["nonResourceAttributes"] = {"verb": request.verb, "path": request.non_resource_url}
    return {"apiVersion": SAR_API_VERSION, "kind": SAR_KIND, "spec": spec}


# --------------------------------------------------------------------------- asking


class ReviewError(RuntimeError):
    """The API server could not be asked (no SAR API, not allowed to create SARs, ...)."""


def _status_code(exc: BaseException) -> Optional[int]:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def _as_dict(result: Any) -> dict[str, Any]:
    if hasattr(result, "to_dict"):
        return result.to_dict()
    return dict(result or {})


def review(client: Any, bodies: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Create each SubjectAccessReview and return its `status`.

    Uses `resource.create(body=...)` rather than `K8SClient.create`, which would add
    `dryRun=All` in check mode: a review changes nothing, so it always runs for real.
    """
    try:
        resource = client.resource(SAR_KIND, SAR_API_VERSION)
    except Exception as exc:
        raise ReviewError(f"the cluster does not serve {SAR_KIND} {SAR_API_VERSION}: {exc}") from exc
    statuses = []
    for body in bodies:
        try:
            answer = _as_dict(resource.create(body=dict(body)))
        except Exception as exc:
            status = _status_code(exc)
            if status in (401, 403):
                raise ReviewError(
                    f"not allowed to create subjectaccessreviews.authorization.k8s.io ({status} "
                    f"{getattr(exc, 'reason', '') or 'Forbidden'}): the module's own credentials need that permission"
                ) from exc
            raise ReviewError(f"SubjectAccessReview failed: {exc}") from exc
        statuses.append(dict(answer.get("status") or {}))
    return statuses


# --------------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def mismatches(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["as_expected"]]


def evaluate(
    expectations: Sequence[tuple[bool, AccessRequest]], statuses: Sequence[Mapping[str, Any]]
) -> Evaluation:
    """Pair each `(expect_allowed, request)` with its SAR status."""
    if len(expectations) != len(statuses):
        raise ValueError(f"{len(expectations)} expectations but {len(statuses)} answers")
    evaluation = Evaluation()
    for (expect_allowed, request), status in zip(expectations, statuses):
        allowed = bool(status.get("allowed"))
        result = request.to_dict()
        result.update(
            expected="allowed" if expect_allowed else "denied",
            allowed=allowed,
            denied=bool(status.get("denied")),
            reason=str(status.get("reason") or ""),
            evaluation_error=str(status.get("evaluationError") or ""),
            as_expected=allowed == expect_allowed,
        )
        evaluation.results.append(result)
    return evaluation


def _request_of(result: Mapping[str, Any]) -> AccessRequest:
    return AccessRequest(**{key: result.get(key) or "" for key in REQUEST_KEYS})


def mismatch_table(results: Iterable[Mapping[str, Any]]) -> str:
    """A plain-text table, one row per result: expected, actual, verb, target, scope, reason.

    Scope is `namespace[/name]`, `*` for all namespaces or cluster-scoped, `-` for URLs.
    """
    headers = ("EXPECTED", "ACTUAL", "VERB", "RESOURCE", "NAMESPACE/NAME", "REASON")
    rows = []
    for result in results:
        reason = result.get("reason") or ""
        if result.get("evaluation_error"):
            reason = (reason + "; " if reason else "") + f"evaluation error: {result['evaluation_error']}"
        if result.get("description"):
            reason = f"[{result['description']}] " + (reason or "-")
        request = _request_of(result)
        rows.append(
            (
                str(result.get("expected", "")),
                "allowed" if result.get("allowed") else "denied",
                request.verb,
                request.target(),
                request.scope(),
                reason or "-",
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


# --------------------------------------------------------------------------- risky requests

_RISKY_CLUSTER_WRITE_TARGETS: tuple[tuple[str, str], ...] = (
    ("", "namespaces"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("", "nodes"),
    ("", "persistentvolumes"),
    ("storage.k8s.io", "storageclasses"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
)


def risky_requests(namespace: Optional[str] = None) -> list[dict[str, str]]:
    """Requests an application's identity should normally be denied (the RBAC issue's list).

    Namespaced requests (Secrets, pods/exec|attach|portforward, escalate/bind on Roles) are
    asked in `namespace`; with no namespace they are asked across all namespaces. The rest is
    cluster-scoped. Each item has the expectation keys the module takes, plus `description`.
    """
    ns = namespace or ""
    requests: list[dict[str, str]] = []

    def add(verb: str, resource: str, description: str, group: str = "", subresource: str = "", namespaced: bool = True) -> None:
        requests.append(
            {
                "verb": verb,
                "resource": resource,
                "group": group,
                "subresource": subresource,
                "namespace": ns if namespaced else "",
                "name": "",
                "description": description,
            }
        )

    for verb in ("get", "list", "watch"):
        add(verb, "secrets", "reads Secrets")
    for sub, what in (("exec", "runs commands in pods"), ("attach", "attaches to pods"), ("portforward", "port-forwards to pods")):
        add("create", "pods", what, subresource=sub)
    for verb in ("escalate", "bind"):
        add(verb, "roles", f"can {verb} Roles (privilege escalation)", group="rbac.authorization.k8s.io")
        add(verb, "clusterroles", f"can {verb} ClusterRoles (privilege escalation)", group="rbac.authorization.k8s.io", namespaced=False)
    for resource in ("users", "groups", "serviceaccounts"):
        add("impersonate", resource, f"impersonates {resource}", namespaced=resource == "serviceaccounts")
    for verb in ("get", "list"):
        add(verb, "nodes", "reads Nodes", namespaced=False)
    for group, resource in _RISKY_CLUSTER_WRITE_TARGETS:
        for verb in ("create", "update", "patch", "delete"):
            add(verb, resource, f"writes cluster-scoped {resource}", group=group, namespaced=False)
    return requests


def expectations_from(
    expect_allowed: Iterable[Mapping[str, Any]] = (),
    expect_denied: Iterable[Mapping[str, Any]] = (),
) -> list[tuple[bool, AccessRequest]]:
    """Normalised `(expect_allowed, request)` pairs; errors name `expect_allowed[i]` / `expect_denied[i]`."""
    pairs: list[tuple[bool, AccessRequest]] = []
    for i, item in enumerate(expect_allowed or ()):
        pairs.append((True, normalize_request(item, f"expect_allowed[{i}]")))
    for i, item in enumerate(expect_denied or ()):
        pairs.append((False, normalize_request(item, f"expect_denied[{i}]")))
    return pairs


def check_access(
    client: Any,
    subject: Subject,
    expectations: Sequence[tuple[bool, AccessRequest]],
) -> Evaluation:
    """Ask the API server about every expectation and evaluate the answers."""
    statuses = review(client, [review_body(subject, pair[1]) for pair in expectations])
    return evaluate(expectations, statuses)


def failure_message(subject: Subject, evaluation: Evaluation) -> str:
    mismatches = evaluation.mismatches
    return (
        f"{len(mismatches)} of {len(evaluation.results)} access expectation(s) for {subject} do not hold:\n"
        + mismatch_table(mismatches)
    )
