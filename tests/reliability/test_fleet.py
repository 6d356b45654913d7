# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of two control planes (inventories/fleet-local) converged in one run, audited into one summary."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from helpers import REPO_ROOT, VENV_BIN, ansible_playbook, write_inventory
from specs import example_spec, namespaces

FLEET = REPO_ROOT / "inventories" / "fleet-local"
SITE = REPO_ROOT / "playbooks" / "site.yml"
FLEET_AUDIT = REPO_ROOT / "playbooks" / "fleet_audit.yml"


def test_two_clusters_converged_in_one_run_and_audited_together(cluster, second_cluster, tmp_path: Path, unique_name: str) -> None:
    spec = example_spec(unique_name)
    spec_file = tmp_path / "spec.yml"
    spec_file.write_text(yaml.safe_dump(spec))
    env = {**cluster.env(), "K8S_PLATFORM_FLEET_A_KUBECONFIG": cluster.kubeconfig, "K8S_PLATFORM_FLEET_B_KUBECONFIG": second_cluster.kubeconfig}
    try:
        converge = ansible_playbook(env, FLEET, SITE, "--forks", "4", "-e", f"@{spec_file}", "-e", "workloads_wait=false",
                                    "--tags", "namespaces,rbac,services,workloads")
        assert converge.returncode == 0, converge.output
        assert "fleet-a" in converge.stdout and "fleet-b" in converge.stdout
        hosts_in_recap = {line.split()[0] for line in converge.stdout.splitlines() if " : ok=" in line}
        assert hosts_in_recap == {"fleet-a", "fleet-b"}
        for member in (cluster, second_cluster):
            for ns in namespaces(spec):
                labels = member.get_json("namespace", ns)["metadata"]["labels"]
                assert labels["app.kubernetes.io/managed-by"] == "linkops.k8s_platform"

        # A third cluster nobody can reach joins through a second inventory source: it must show as a gap.
        ghost = write_inventory(tmp_path / "ghost.json", {"fleet-ghost": {
            "ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
            "k8s_platform_kubeconfig": str(tmp_path / "no-such-kubeconfig.yaml")}})
        reports = tmp_path / "reports"
        audit = ansible_playbook(env, FLEET, FLEET_AUDIT, "-i", str(ghost), "--forks", "4", "-e", f"fleet_report_dir={reports}",
                                 "-e", json.dumps({"audit_namespaces": namespaces(spec)}))
        assert "Traceback" not in audit.output
        summary = json.loads((reports / "fleet-summary.json").read_text(encoding="utf-8"))
        by_name = {c["cluster"]: c for c in summary["clusters"]}
        assert set(by_name) == {"fleet-a", "fleet-b", "fleet-ghost"}, audit.output
        assert sorted(summary["audited"]) == ["fleet-a", "fleet-b"], audit.output
        assert summary["not_audited"] == ["fleet-ghost"]
        assert by_name["fleet-ghost"]["error"]
        for name in ("fleet-a", "fleet-b"):
            member = by_name[name]
            assert isinstance(member["score"], int) and 0 <= member["score"] <= 100
            assert member["objects_checked"] > 0
            report = json.loads(Path(member["report"]).read_text(encoding="utf-8"))
            assert report["summary"]["total"] == member["total"]
        assert summary["total_findings"] == by_name["fleet-a"]["total"] + by_name["fleet-b"]["total"]
        assert summary["lowest_score"] == min(by_name["fleet-a"]["score"], by_name["fleet-b"]["score"])
        assert sum(summary["by_severity"].values()) == summary["total_findings"]
        markdown = (reports / "fleet-summary.md").read_text(encoding="utf-8")
        assert "| fleet-ghost | NOT AUDITED |" in markdown and "| fleet-a |" in markdown
    finally:
        for ns in namespaces(spec):
            for member in (cluster, second_cluster):
                member.kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)
