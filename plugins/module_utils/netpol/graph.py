# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render allowed flows between pods as Graphviz DOT or a Mermaid flowchart.

Nodes are grouped by namespace (a DOT cluster, a Mermaid subgraph); every pod considered is
drawn, so a fully isolated pod still shows. One edge per (source, destination) pair, labelled
with the ports it may use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

GRAPH_FORMATS = ("dot", "mermaid")


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _by_namespace(pods: Sequence[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for key, namespace, name in pods:
        grouped.setdefault(namespace, []).append((key, name))
    return grouped


def render(
    fmt: str,
    pods: Sequence[tuple[str, str, str]],
    flows: Mapping[tuple[str, str], Sequence[str]],
) -> str:
    """`pods`: (key, namespace, display name); `flows`: (source key, destination key) -> port labels."""
    if fmt == "dot":
        return render_dot(pods, flows)
    if fmt == "mermaid":
        return render_mermaid(pods, flows)
    raise ValueError(f"unknown graph format {fmt!r} (expected {' or '.join(GRAPH_FORMATS)})")


def render_dot(pods, flows) -> str:
    lines = ["digraph netpol_reachability {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
    for number, (namespace, members) in enumerate(sorted(_by_namespace(pods).items())):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f"    label={_dot_quote(namespace)};")
        for key, name in members:
            lines.append(f"    {_dot_quote(key)} [label={_dot_quote(name)}];")
        lines.append("  }")
    for (source, destination), ports in sorted(flows.items()):
        lines.append(f"  {_dot_quote(source)} -> {_dot_quote(destination)} [label={_dot_quote(', '.join(ports))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_mermaid(pods, flows) -> str:
    ids = {pod[0]: f"p{number}" for number, pod in enumerate(pods)}
    lines = ["flowchart LR"]
    for number, (namespace, members) in enumerate(sorted(_by_namespace(pods).items())):
        lines.append(f"  subgraph ns{number}[{_mermaid_text(namespace)}]")
        for key, name in members:
            lines.append(f"    {ids[key]}[{_mermaid_text(name)}]")
        lines.append("  end")
    for (source, destination), ports in sorted(flows.items()):
        lines.append(f"  {ids[source]} -->|{_mermaid_text(', '.join(ports))}| {ids[destination]}")
    return "\n".join(lines) + "\n"
