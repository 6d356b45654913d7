# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendered manifest text (several YAML documents) into a list of Kubernetes objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

try:  # libyaml when the interpreter has it: several times faster on large renders
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class ManifestError(ValueError):
    """The text is not a stream of YAML mappings."""


def parse_manifests(text: str, source: str) -> list[dict[str, Any]]:
    """Every non-empty document of ``text``, each a mapping; ``source`` names the text in errors."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))  # nosec B506 - a safe loader
    except yaml.YAMLError as exc:
        raise ManifestError(f"{source} did not render to valid YAML: {exc}") from None
    objects = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ManifestError(f"{source}: document {index} rendered to a {type(document).__name__}, not a mapping: {str(document)[:80]!r}")
        objects.append(document)
    return objects


def rendered_objects(rendered: Any, source: str) -> list[dict[str, Any]]:
    """What a template render gave, as objects. Ansible renders with Jinja's native types: a template
    with no output gives None (no objects), one made of a single expression may give that
    expression's value (a mapping, or a list of them) instead of text."""
    if rendered is None:
        return []
    if isinstance(rendered, str):
        return parse_manifests(str(rendered), source)  # an exact str: libyaml refuses the subclasses Ansible tags values with
    if isinstance(rendered, Mapping):
        return [dict(rendered)]
    if isinstance(rendered, list) and all(isinstance(item, Mapping) for item in rendered):
        return [dict(item) for item in rendered]
    raise ManifestError(f"{source} rendered to a {type(rendered).__name__}, not YAML text or mappings: {str(rendered)[:80]!r}")
