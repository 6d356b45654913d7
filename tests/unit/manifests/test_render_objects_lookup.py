# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The render_objects lookup in a real ansible-playbook run (no cluster): the same objects as
ansible.builtin.template | from_yaml_all, and the host's variables untouched by the template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def run_play(tmp_path: Path, tasks: list[dict]) -> subprocess.CompletedProcess[str]:
    play = [{"hosts": "localhost", "gather_facts": False,
             "vars": {"apps": [{"name": "web"}, {"name": "api"}], "template": str(HERE / "templates" / "objects.yaml.j2")},
             "tasks": tasks}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)],
                          capture_output=True, text=True, env=env, check=False, timeout=120)


def test_same_objects_as_the_builtin_lookup_and_host_variables_untouched(tmp_path):
    result = run_play(tmp_path, [
        {"ansible.builtin.set_fact": {"ours": "{{ query('linkops.k8s_platform.render_objects', template) }}"}},
        {"ansible.builtin.set_fact": {"builtin": "{{ lookup('ansible.builtin.template', template) | ansible.builtin.from_yaml_all | select | list }}"}},
        {"ansible.builtin.debug": {"msg": "RESULT {{ {'ours': ours, 'builtin': builtin, 'apps': apps} | to_json }} END"}},
    ])
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if "RESULT " in line)
    answer = json.loads(json.loads('"' + line.split('"msg": "', 1)[1].rsplit('"', 1)[0] + '"')[len("RESULT "):-len(" END")])
    assert answer["ours"] == answer["builtin"]
    assert [obj["metadata"]["name"] for obj in answer["ours"]] == ["web", "api"]
    assert answer["ours"][0]["data"] == {"pattern": "^web\\.example$"}
    assert answer["apps"] == [{"name": "web"}, {"name": "api"}]


def test_a_missing_template_and_a_bad_render_are_clear_errors(tmp_path):
    (tmp_path / "bad.yaml.j2").write_text("- not\n- a mapping\n", encoding="utf-8")
    missing = run_play(tmp_path, [{"ansible.builtin.debug": {"msg": "{{ query('linkops.k8s_platform.render_objects', 'nowhere.yaml.j2') }}"}}])
    assert missing.returncode != 0 and "render_objects: the template nowhere.yaml.j2 could not be found" in missing.stdout
    bad = run_play(tmp_path, [{"ansible.builtin.debug": {"msg": "{{ query('linkops.k8s_platform.render_objects', '" + str(tmp_path / "bad.yaml.j2") + "') }}"}}])
    assert bad.returncode != 0 and "document 0 rendered to a list, not a mapping" in bad.stdout
    assert "Traceback" not in missing.stdout + bad.stdout
