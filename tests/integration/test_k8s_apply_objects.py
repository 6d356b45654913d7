# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side k8s_apply_objects action on the real control plane, through module_defaults."""

from __future__ import annotations

from pathlib import Path

import yaml


def _play(tmp_path: Path, objects: list[dict], name: str, **extra) -> Path:
    task = {"name": "apply", "linkops.k8s_platform.k8s_apply_objects": {"objects": objects, **extra}, "register": "applied"}
    show = {"name": "show", "ansible.builtin.debug": {"msg": "{{ applied.result.results | map(attribute='changed') | list }}"}}
    play = [{
        "hosts": "all", "gather_facts": False,
        # Connection settings reach the action only through the collection's action group.
        "module_defaults": {"group/linkops.k8s_platform.k8s_platform": {"kubeconfig": "{{ k8s_platform_kubeconfig }}"}},
        "tasks": [task, show],
    }]
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return path


def test_apply_check_mode_idempotence_and_conflict(cluster, run_playbook, tmp_path, namespace, unique_name):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": unique_name, "namespace": namespace}, "data": {"level": "info"}}
    playbook = _play(tmp_path, [cm], "apply")

    dry = run_playbook(playbook, {}, check=True)
    assert dry.returncode == 0, dry.output
    assert dry.recap()["changed"] == 1
    assert not cluster.exists("configmap", unique_name, "-n", namespace), "check mode must not write"

    first = run_playbook(playbook, {})
    assert first.returncode == 0 and first.recap()["changed"] == 1, first.output
    live = cluster.get_json("configmap", unique_name, "-n", namespace, "--show-managed-fields")
    assert live["data"] == {"level": "info"}
    assert [m["manager"] for m in live["metadata"]["managedFields"]] == ["linkops.k8s_platform"]
    assert live["metadata"]["managedFields"][0]["operation"] == "Apply"

    second = run_playbook(playbook, {})
    assert second.returncode == 0 and second.recap()["changed"] == 0, second.output

    changed = _play(tmp_path, [{**cm, "data": {"level": "debug"}}], "changed")
    preview = run_playbook(changed, {}, check=True)
    assert preview.recap()["changed"] == 1 and '"level": "debug"' not in cluster.kubectl("get", "cm", unique_name, "-n", namespace, "-o", "json").stdout
    assert "changed: [test-cluster]" in preview.output

    cluster.kubectl("patch", "configmap", unique_name, "-n", namespace, "--type=merge", "-p", '{"data":{"level":"warn"}}',
                    "--field-manager=hotfix")
    conflict = run_playbook(playbook, {})
    assert conflict.returncode != 0
    assert "Failed to apply ConfigMap" in conflict.output and "conflict" in conflict.output.lower() and "hotfix" in conflict.output
    assert cluster.get_json("configmap", unique_name, "-n", namespace)["data"] == {"level": "warn"}

    forced = run_playbook(_play(tmp_path, [cm], "forced", force_conflicts=True), {})
    assert forced.returncode == 0 and forced.recap()["changed"] == 1, forced.output
    assert cluster.get_json("configmap", unique_name, "-n", namespace)["data"] == {"level": "info"}


def test_bad_objects_and_unknown_kind_fail_before_writing(cluster, run_playbook, tmp_path, namespace, unique_name):
    good = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": unique_name, "namespace": namespace}}
    bad = run_playbook(_play(tmp_path, [good, {"kind": "Service", "metadata": {"name": "x"}}], "bad"), {})
    assert bad.returncode != 0
    assert "objects[1] (Service x) has no apiVersion" in bad.output
    assert not cluster.exists("configmap", unique_name, "-n", namespace), "nothing is sent when an object is malformed"

    unknown = {"apiVersion": "example.linkops.io/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": namespace}}
    missing = run_playbook(_play(tmp_path, [unknown], "missing"), {})
    assert missing.returncode != 0
    assert "Failed to find exact match for example.linkops.io/v1.Widget by" in missing.output
