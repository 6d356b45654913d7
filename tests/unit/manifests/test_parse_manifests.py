# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/manifests: what the render_objects lookup returns for rendered text."""

from __future__ import annotations

import pytest

from ansible_collections.linkops.k8s_platform.plugins.plugin_utils.manifests import ManifestError, parse_manifests, rendered_objects

TEXT = """
---
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {enabled: "true"}}
---
# an app without a Service renders an empty document
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: a}
data: {on: "yes", port: "8080"}
"""


def test_documents_in_order_empty_ones_dropped_types_as_yaml_says():
    objects = parse_manifests(TEXT, "t.yaml.j2")
    assert [obj["metadata"]["name"] for obj in objects] == ["a", "b"]
    assert objects[0]["metadata"]["labels"] == {"enabled": "true"}
    assert objects[1]["data"] == {True: "yes", "port": "8080"}  # YAML 1.1, as ansible.builtin.from_yaml_all reads it


def test_nothing_rendered_is_an_empty_list():
    assert parse_manifests("\n---\n\n---\n", "empty.j2") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: [1, 2\n", "x.j2 did not render to valid YAML"),
        ("---\nkind: A\n---\n- a list\n", "x.j2: document 1 rendered to a list, not a mapping"),
        ("just text\n", "x.j2: document 0 rendered to a str"),
    ],
)
def test_bad_renders_name_the_template_and_document(text, fragment):
    with pytest.raises(ManifestError, match=fragment):
        parse_manifests(text, "x.j2")


def test_native_render_results():
    assert rendered_objects(None, "empty.j2") == []
    assert rendered_objects("kind: A\n", "t.j2") == [{"kind": "A"}]
    assert rendered_objects({"kind": "A"}, "t.j2") == [{"kind": "A"}]
    assert rendered_objects([{"kind": "A"}, {"kind": "B"}], "t.j2") == [{"kind": "A"}, {"kind": "B"}]
    with pytest.raises(ManifestError, match="t.j2 rendered to a int"):
        rendered_objects(3, "t.j2")
