# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: converge timings beside kubectl, scale, audit and reachability -> bench/RESULTS.md.

Starts two throw-away local control planes (tools/local-cluster, names bench-ans / bench-kctl
on ports 7443 / 7444 by default, never the shared one on 6443), loads the upstream CRDs
(tools/local-cluster/crds.sh) in both, then in one process:

1. converge: ``ansible-playbook playbooks/site.yml -i inventories/local`` against bench-ans, first
   and second run. A bench-only callback (bench/callback_plugins/bench_capture.py) records every
   object the roles applied; exactly those objects are then applied to bench-kctl with one
   ``kubectl apply --server-side --field-manager=bench -f`` (first and second run). Ratios are
   Ansible / kubectl of the same run.
2. scale: specs of 20, 100 and 300 apps generated from the example (bench/scale_spec.py), each in
   namespaces of its own, same procedure; time per app, a least-squares slope, and the peak
   RSS of the largest process of the ansible-playbook tree (os.wait4).
3. the cost of one task by kind (debug, kubernetes.core.k8s_info / k8s against the collection's
   controller-side k8s_read / k8s_apply_objects actions), on bench-ans.
4. the checklist audit (bench/audit_5000.py, live half on bench-ans) and the reachability
   matrix (bench/netpol_matrix.py), as they print.

The machine's facts (cores, memory, versions) and the load average before and after each
phase are written beside the figures. Timings are wall clock; other work on the machine
shows in the load average column.

    .venv/bin/python bench/run_all.py [--apps 20,100,300] [--output bench/RESULTS.md] [--keep-clusters]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH = REPO_ROOT / "bench"
CLUSTER_SH = REPO_ROOT / "tools" / "local-cluster" / "cluster.sh"
BUILD_SH = REPO_ROOT / "tools" / "local-cluster" / "build.sh"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
SITE = REPO_ROOT / "playbooks" / "site.yml"
PLATFORM = BENCH / "platform.yml"
CRDS_SH = REPO_ROOT / "tools" / "local-cluster" / "crds.sh"
sys.path.insert(0, str(BENCH))

from scale_spec import headless, load_example, scaled_spec  # noqa: E402  pylint: disable=wrong-import-position


def bin_dir() -> str:
    return subprocess.run(["bash", str(BUILD_SH), "--print"], check=True, capture_output=True, text=True).stdout.strip()


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), bin_dir(), env.get("PATH", "")])
    env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO_ROOT / ".collections")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    return env


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


@dataclass
class Measured:
    seconds: float
    maxrss_mib: float
    returncode: int
    output: str


def measured(cmd: list[str], env: dict[str, str]) -> Measured:
    """Run cmd; wall time and the peak RSS of the largest process of its tree (wait4)."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)  # pylint: disable=consider-using-with
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode, out.read())


def recap(output: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in output.splitlines():
        if " : ok=" in line:
            for key, value in re.findall(r"(\w+)=(\d+)", line):
                totals[key] = totals.get(key, 0) + int(value)
    return totals


def _has_profile_tasks() -> bool:
    found = subprocess.run([str(VENV_BIN / "ansible-doc"), "-t", "callback", "ansible.posix.profile_tasks"], capture_output=True,
                           text=True, check=False, env=base_env())
    return found.returncode == 0


# ansible.posix.profile_tasks (in the `ansible` package) prints the slowest tasks of each run, when it is there.
CALLBACKS = "bench_capture,ansible.posix.profile_tasks" if _has_profile_tasks() else "bench_capture"


def slowest_tasks(output: str) -> list[str]:
    """The profile_tasks recap lines: 'role : task ---- 12.34s'."""
    return [line.strip() for line in output.split("TASKS RECAP", 1)[-1].splitlines()
            if re.search(r"-{3,} +\d+\.\d+s$", line)] if "TASKS RECAP" in output else []


class Clusters:
    """Two throw-away control planes: one for Ansible, one for the kubectl baseline."""

    def __init__(self, names: tuple[str, str], ports: tuple[int, int], keep: bool) -> None:
        self.names, self.ports, self.keep = names, ports, keep
        self.kubeconfigs: dict[str, str] = {}

    def _env(self, name: str, port: int) -> dict[str, str]:
        return {**base_env(), "LINKOPS_CLUSTER_NAME": name, "LINKOPS_APISERVER_PORT": str(port)}

    def up(self) -> None:
        for name, port in zip(self.names, self.ports):
            proc = subprocess.run(["bash", str(CLUSTER_SH), "up"], env=self._env(name, port), capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise SystemExit(f"cluster {name} did not start:\n{proc.stderr}")
            self.kubeconfigs[name] = proc.stdout.strip().splitlines()[-1]
            # Every upstream CRD on both clusters, as `make demo` does: inventories/local sets
            # cert_manager_install_crds false, so no chart installs CRDs there.
            crds = subprocess.run(["bash", str(CRDS_SH), "apply", "--field-manager=bench-setup"], capture_output=True, text=True,
                                  check=False, env={**base_env(), "KUBECONFIG": self.kubeconfigs[name]})
            if crds.returncode != 0:
                raise SystemExit(f"the CRDs did not install on {name}:\n{crds.stderr}")

    def down(self) -> None:
        if self.keep:
            return
        for name, port in zip(self.names, self.ports):
            subprocess.run(["bash", str(CLUSTER_SH), "down"], env=self._env(name, port), capture_output=True, check=False)


def kubectl(kubeconfig: str, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([os.path.join(bin_dir(), "kubectl"), "--kubeconfig", kubeconfig, *args], input=stdin,
                          capture_output=True, text=True, check=check, env=base_env())


def strip_for_kubectl(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key != "status"}


@dataclass
class Pair:  # pylint: disable=too-many-instance-attributes
    label: str
    ansible: Measured
    kubectl: Measured
    objects: int
    changed: int
    tasks: int = 0
    apply_tasks: int = 0
    apply_seconds: float = 0.0
    slowest: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.ansible.seconds / self.kubectl.seconds if self.kubectl.seconds else float("inf")


def converge_pair(label: str, inventory: str, ans_kubeconfig: str, kctl_kubeconfig: str,  # pylint: disable=too-many-arguments,too-many-positional-arguments
                  workdir: Path, playbook: Path = SITE) -> tuple[Pair, Pair]:
    """First and second run of site.yml beside kubectl apply of the very objects it applied."""
    results = []
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    objects_file = workdir / f"{slug}-objects.yaml"
    for run in ("first", "second"):
        capture = workdir / f"{slug}-{run}.json"
        env = {**base_env(), "K8S_PLATFORM_KUBECONFIG": ans_kubeconfig, "BENCH_CAPTURE_FILE": str(capture),
               "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"), "ANSIBLE_CALLBACKS_ENABLED": CALLBACKS,
               "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "12"}
        ans = measured([str(VENV_BIN / "ansible-playbook"), "-i", inventory, str(playbook), "-e", f"@{BENCH / 'bench_vars.yml'}"], env)
        log = workdir / f"{slug}-{run}.log"
        log.write_text(ans.output)
        if ans.returncode != 0:
            tail = "\n".join(ans.output.splitlines()[-40:])
            raise SystemExit(f"{label}: the {run} converge failed (log {log}):\n{tail}")
        captured = json.loads(capture.read_text()) if capture.exists() else {}
        objects = captured.get("objects", [])
        if run == "first":
            objects_file.write_text(yaml.safe_dump_all([strip_for_kubectl(obj) for obj in objects], sort_keys=False))
            # Namespaces Helm made on the Ansible side (create_namespace) are made here, untimed.
            made = {obj["metadata"]["name"] for obj in objects if obj.get("kind") == "Namespace"}
            for namespace in sorted({obj["metadata"].get("namespace") for obj in objects} - made - {None}):
                kubectl(kctl_kubeconfig, "create", "namespace", namespace, check=False)
        kctl = measured([os.path.join(bin_dir(), "kubectl"), "--kubeconfig", kctl_kubeconfig, "apply", "--server-side",
                         "--field-manager=bench", "-f", str(objects_file)], base_env())
        if kctl.returncode != 0:
            raise SystemExit(f"{label}: kubectl apply failed:\n{kctl.output[-3000:]}")
        results.append(Pair(f"{label} ({run} run)", ans, kctl, len(objects), recap(ans.output).get("changed", -1),
                            captured.get("tasks", 0), captured.get("apply_tasks", 0), captured.get("apply_seconds", 0.0),
                            tuple(slowest_tasks(ans.output))))
    return results[0], results[1]


def inventory_dir(workdir: Path, name: str, kubeconfig: str, spec: dict[str, Any]) -> str:
    root = workdir / f"inventory-{name}"
    (root / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    host = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"), "k8s_platform_kubeconfig": kubeconfig}
    (root / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"bench-cluster": host}}}))
    (root / "group_vars" / "all" / "platform.yml").write_text(yaml.safe_dump(spec, sort_keys=False))
    # The local environment's other settings (chart sources, switches) as they are.
    for extra in (REPO_ROOT / "inventories" / "local" / "group_vars" / "all").glob("*.yml"):
        if extra.name != "platform.yml":
            (root / "group_vars" / "all" / extra.name).write_text(extra.read_text(encoding="utf-8").replace("{{ inventory_dir }}/../..", str(REPO_ROOT)))
    return str(root)


def slope(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares fit y = a + b x: (a, b)."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return mean_y - b * mean_x, b


def versions(kubeconfig: str) -> dict[str, str]:
    found: dict[str, str] = {"python": platform.python_version()}
    out = subprocess.run([str(VENV_BIN / "ansible"), "--version"], capture_output=True, text=True, check=False, env=base_env()).stdout
    found["ansible-core"] = (re.search(r"core ([\d.]+)", out) or re.search(r"([\d.]+)", out) or [None, "?"])[1]
    listing = subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "list", "kubernetes.core"], capture_output=True,
                             text=True, check=False, env=base_env()).stdout
    match = re.search(r"kubernetes\.core\s+([\d.]+)", listing)
    found["kubernetes.core"] = match.group(1) if match else "?"
    try:
        import kubernetes  # pylint: disable=import-outside-toplevel
        found["kubernetes (Python client)"] = kubernetes.__version__
    except ImportError:
        found["kubernetes (Python client)"] = "?"
    kv = json.loads(kubectl(kubeconfig, "version", "-o", "json", check=False).stdout or "{}")
    found["kubectl"] = kv.get("clientVersion", {}).get("gitVersion", "?")
    found["kube-apiserver"] = kv.get("serverVersion", {}).get("gitVersion", "?")
    return found


def machine() -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text(encoding="utf-8"))
    return {"cores": str(os.cpu_count()), "memory": f"{total_kib / 1024 / 1024:.1f} GiB", "cpu": model.group(1).strip() if model else "?",
            "kernel": platform.release()}


def run_script(args: list[str], env: dict[str, str]) -> tuple[str, float]:
    start = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "python"), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    return (proc.stdout + proc.stderr).strip(), time.perf_counter() - start


def fmt_pair(pair: Pair, load_avg: str) -> str:
    return (f"| {pair.label} | {pair.objects} | {pair.ansible.seconds:.2f} | {pair.kubectl.seconds:.2f} | **{pair.ratio:.1f}x** | "
            f"{pair.changed} | {pair.tasks} | {pair.apply_tasks} / {pair.apply_seconds:.1f} s | {pair.ansible.maxrss_mib:.0f} | {load_avg} |")


TABLE_HEAD = [
    "| run | objects | ansible-playbook s | kubectl s | ratio | changed | tasks | apply tasks / their s | peak RSS MiB | load before |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
]


def floor_seconds(workdir: Path) -> float:
    """ansible-playbook of one debug task on one local host: the fixed cost of any run."""
    play = workdir / "floor.yml"
    play.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: {msg: floor}\n")
    return measured([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", str(play)], base_env()).seconds


def noop_play_seconds(workdir: Path, tasks: int) -> float:
    """ansible-playbook of ``tasks`` debug tasks on one local host: what a converge that runs that many
    tasks costs even if none of them did any work (a lower bound for it)."""
    play = [{"hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": f"noop {i}", "ansible.builtin.debug": {"msg": "noop", "verbosity": 1}} for i in range(tasks)]}]
    path = workdir / f"noop_{tasks}.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return measured([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)], base_env()).seconds


TASK_COST_REPEAT = 8
TASK_COST_KINDS = {
    "ansible.builtin.debug (no module)": {"ansible.builtin.debug": {"msg": "x"}},
    "kubernetes.core.k8s_info (module), list ConfigMaps": {
        "kubernetes.core.k8s_info": {"kind": "ConfigMap", "namespace": "kube-system", "kubeconfig": "{{ kc }}"}},
    "linkops.k8s_platform.k8s_read (action), the same list": {
        "linkops.k8s_platform.k8s_read": {"kind": "ConfigMap", "namespace": "kube-system", "kubeconfig": "{{ kc }}"}},
    "kubernetes.core.k8s (module), server-side apply of one ConfigMap": {
        "kubernetes.core.k8s": {"definition": "{{ obj }}", "apply": True, "server_side_apply": {"field_manager": "bench-cost"},
                                "kubeconfig": "{{ kc }}"}},
    "linkops.k8s_platform.k8s_apply_objects (action), the same apply": {
        "linkops.k8s_platform.k8s_apply_objects": {"objects": ["{{ obj }}"], "field_manager": "bench-cost", "kubeconfig": "{{ kc }}"}},
}


def task_costs(workdir: Path, kubeconfig: str, floor: float) -> list[str]:
    """Seconds per task of each kind: a play of TASK_COST_REPEAT such tasks, minus the floor, divided."""
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bench-task-cost", "namespace": "default"}, "data": {"k": "v"}}
    rows = []
    for label, task in TASK_COST_KINDS.items():
        play = [{"hosts": "localhost", "gather_facts": False, "vars": {"kc": kubeconfig, "obj": obj},
                 "tasks": [{"name": f"t{i}", **task} for i in range(TASK_COST_REPEAT)]}]
        path = workdir / "task_cost.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        run = measured([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                        "-e", f"ansible_python_interpreter={VENV_BIN / 'python'}", str(path)], base_env())
        if run.returncode != 0:
            raise SystemExit(f"task cost play failed ({label}):\n{run.output[-2000:]}")
        per_task = max(run.seconds - floor, 0.0) / TASK_COST_REPEAT
        rows.append(f"| {label} | {run.seconds:.2f} | {per_task:.3f} |")
        print(f"[bench] task cost: {label}: {per_task:.3f} s/task", flush=True)
    return rows


def main() -> int:  # pylint: disable=too-many-locals,too-many-statements
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default="20,100,300", help="comma-separated app counts for the scale runs ('' to skip)")
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--names", default="bench-ans,bench-kctl")
    parser.add_argument("--ports", default="7443,7444")
    parser.add_argument("--keep-clusters", action="store_true")
    parser.add_argument("--skip-audit", action="store_true", help="leave out the audit and reachability benches")
    args = parser.parse_args()
    names = tuple(args.names.split(","))
    ports = tuple(int(p) for p in args.ports.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="linkops-bench-"))
    started = datetime.now(timezone.utc)
    loads = {"start": load()}
    print(f"[bench] load {loads['start']}; work dir {workdir}", flush=True)
    clusters = Clusters(names, ports, args.keep_clusters)  # type: ignore[arg-type]
    try:
        clusters.up()
        ans_kc, kctl_kc = clusters.kubeconfigs[names[0]], clusters.kubeconfigs[names[1]]
        facts = {**machine(), **versions(ans_kc)}
        roles = re.findall(r"role:\s*linkops\.k8s_platform\.(\w+)", SITE.read_text(encoding="utf-8"))
        floors = [floor_seconds(workdir) for _attempt in range(3)]
        floor = sorted(floors)[1]
        print(f"[bench] ansible-playbook floor (one debug task): {floor:.2f} s", flush=True)
        cost_rows = task_costs(workdir, ans_kc, floor)

        print("[bench] converge of inventories/local", flush=True)
        before = load()
        site_failure = ""
        try:
            first, second = converge_pair("inventories/local", str(REPO_ROOT / "inventories" / "local"), ans_kc, kctl_kc, workdir)
            converge_rows = [fmt_pair(first, before), fmt_pair(second, load())]
        except SystemExit as exc:  # recorded in the report; the other phases still run
            site_failure = "\n".join(str(exc).splitlines()[:3])
            converge_rows = [f"| site.yml converge FAILED: {site_failure.splitlines()[0]} | | | | | | | | | |"]
        print("\n".join(converge_rows), flush=True)
        print("[bench] converge of inventories/local with bench/platform.yml (every object role)", flush=True)
        before = load()
        # Same inventory, same namespaces (already made by the site.yml run on both sides).
        p_first, p_second = converge_pair("inventories/local, platform.yml", str(REPO_ROOT / "inventories" / "local"), ans_kc, kctl_kc,
                                          workdir, PLATFORM)
        platform_rows = [fmt_pair(p_first, before), fmt_pair(p_second, load())]
        print("\n".join(platform_rows), flush=True)
        # The second runs are the ones with a target (2x) close to the floor of Ansible itself.
        noop_floors = [(pair, noop_play_seconds(workdir, pair.tasks))
                       for pair in ((() if site_failure else (second,)) + (p_second,))]
        for pair, noop in noop_floors:
            print(f"[bench] {pair.tasks} no-op tasks: {noop:.2f} s ({noop / pair.kubectl.seconds:.1f}x {pair.label} kubectl)", flush=True)

        audit_out = netpol_out = ""
        audit_s = netpol_s = 0.0
        if not args.skip_audit:
            print("[bench] audit and reachability", flush=True)
            loads["audit"] = load()
            audit_out, audit_s = run_script([str(BENCH / "audit_5000.py"), "--kubeconfig", ans_kc], base_env())
            netpol_out, netpol_s = run_script([str(BENCH / "netpol_matrix.py")], base_env())
            loads["after audit"] = load()
        scale_rows: list[str] = []
        points: list[tuple[int, Pair, Pair]] = []
        scale_failures: list[str] = []

        def write_report() -> None:
            lines: list[str] = []
            lines += [
                "# Benchmarks",
                "",
                f"Written by `make bench` (bench/run_all.py) on {started:%Y-%m-%d %H:%M} UTC. Wall-clock seconds; every ratio is",
                "Ansible / kubectl measured in the same run, one after the other, on two throw-away local control planes",
                f"({names[0]} for Ansible, {names[1]} for kubectl, so neither sees the other's objects). The kubectl baseline is one",
                "`kubectl apply --server-side --field-manager=bench -f` of exactly the objects the roles applied in that run",
                "(recorded by bench/callback_plugins/bench_capture.py from the apply module's own arguments). Helm releases, waits",
                "and read-only preflight calls have no kubectl counterpart here and count on the Ansible side only.",
                "",
                "## Machine",
                "",
                "| fact | value |",
                "| --- | --- |",
                *[f"| {key} | {value} |" for key, value in facts.items()],
                f"| load average (1/5/15 min) | {', '.join(f'{k}: {v}' for k, v in loads.items())} |",
                "",
                "The load average is the machine's, other people's test runs included: figures taken under load are slower on",
                "both sides, the ratios less so.",
                "",
                "## Converge of inventories/local (playbooks/site.yml)",
                "",
                f"Roles in site.yml at the time of the run: {', '.join(roles)}. Extra variables: bench/bench_vars.yml.",
                "Targets (issue): first run <= 3x kubectl, second run <= 2x kubectl with changed=0.",
                "",
                *TABLE_HEAD,
                *converge_rows,
                "",
                "The same inventory with bench/platform.yml: site.yml without the roles that install Helm charts",
                "(ingress_controller, cert_manager) and without dns; the scale runs below use it too:",
                "",
                *TABLE_HEAD,
                *platform_rows,
                "",
            ]
            site_pairs = () if site_failure else (first, second)
            if site_failure:
                lines += ["site.yml did not converge in this run (the rest of the bench went on):", "", "```text", site_failure, "```", ""]
            for name, one, two in ((("site.yml", first, second),) if not site_failure else ()) + (("platform.yml", p_first, p_second),):
                first_ok = one.ratio <= 3
                second_ok = two.ratio <= 2 and two.changed == 0
                lines += [f"{name}: first run target {'met' if first_ok else 'MISSED'} ({one.ratio:.1f}x); second run target "
                          f"{'met' if second_ok else 'MISSED'} ({two.ratio:.1f}x, changed={two.changed}).", ""]
            lines += ["### Where the time goes", "",
                      f"- ansible-playbook floor, one debug task on localhost (median of 3 in this run): **{floor:.2f} s**, "
                      f"{floor / p_first.kubectl.seconds:.1f}x the platform.yml kubectl first run on its own."]
            for pair, noop in noop_floors:
                lines.append(f"- a play of {pair.tasks} no-op tasks (debug, skipped below verbosity 1), as many as {pair.label} ran: "
                             f"**{noop:.1f} s = {noop / pair.kubectl.seconds:.1f}x** that run's kubectl; a converge of this many "
                             "tasks cannot be faster than that, whatever its tasks do.")
            for pair in (*site_pairs, p_first, p_second):
                rest = pair.ansible.seconds - pair.apply_seconds
                lines.append(f"- {pair.label}: {pair.tasks} tasks; the {pair.apply_tasks} server-side apply task(s) took {pair.apply_seconds:.1f} s "
                             f"of {pair.ansible.seconds:.1f} s; without them at all the run would still take {rest:.1f} s = "
                             f"**{rest / pair.kubectl.seconds:.1f}x** kubectl (a lower bound for any faster apply, action plugin included).")
            lines += ["", f"Cost of one task by kind ({TASK_COST_REPEAT} such tasks in one play, minus the floor, divided by "
                      f"{TASK_COST_REPEAT}; the apply and read hit the Ansible bench cluster):", "",
                      "| task | play s | s per task |", "| --- | ---: | ---: |", *cost_rows]
            lines.append("")
            for pair in (*site_pairs, p_first, p_second):
                if pair.slowest:
                    lines += [f"Slowest tasks, {pair.label} (ansible.posix.profile_tasks):", "", "```text", *pair.slowest, "```", ""]
            if scale_failures:
                lines += ["## Scale runs that failed", "", *[f"- {failure}" for failure in scale_failures], ""]
            if points:
                xs = [float(count) for count, _f, _s in points]
                a1, b1 = slope(xs, [f.ansible.seconds for _c, f, _s in points])
                a2, b2 = slope(xs, [s.ansible.seconds for _c, _f, s in points])
                ka, kb = slope(xs, [f.kubectl.seconds for _c, f, _s in points])
                per_app = [f"{count}: {f.ansible.seconds / count:.3f} s/app first, {s.ansible.seconds / count:.3f} s/app second"
                           for count, f, s in points]
                lines += [
                    "## Scale: specs of N apps generated from the example (bench/scale_spec.py)",
                    "",
                    *TABLE_HEAD,
                    *scale_rows,
                    "",
                    "Time per app: " + "; ".join(per_app) + ".",
                    "",
                    f"Least-squares fit t = a + b*N: first run a = {a1:.1f} s, **b = {b1:.3f} s/app**; second run a = {a2:.1f} s, "
                    f"**b = {b2:.3f} s/app**; kubectl first run a = {ka:.1f} s, b = {kb:.3f} s/app. A constant b (time linear in N, "
                    "time per app falling towards b as the fixed cost a is shared) is what \"flat\" means here.",
                    "",
                    "Peak RSS (largest process of the ansible-playbook tree, from wait4): "
                    + ", ".join(f"{count} apps {f.ansible.maxrss_mib:.0f}/{s.ansible.maxrss_mib:.0f} MiB" for count, f, s in points)
                    + " (first/second run).",
                    "",
                ]
            if audit_out or netpol_out:
                lines += [
                    "## Checklist audit (bench/audit_5000.py, live half on the Ansible bench cluster)",
                    "",
                    f"Total {audit_s:.1f} s, load before {loads['audit']}.",
                    "",
                    "```text", audit_out, "```",
                    "",
                    "## Reachability matrix (bench/netpol_matrix.py)",
                    "",
                    f"Total {netpol_s:.1f} s, load after {loads['after audit']}.",
                    "",
                    "```text", netpol_out, "```",
                    "",
                ]
            Path(args.output).write_text("\n".join(lines), encoding="utf-8")
            print(f"[bench] wrote {args.output}; logs in {workdir}", flush=True)

        write_report()
        example = load_example()
        for count in [int(c) for c in args.apps.split(",") if c]:
            print(f"[bench] scale: {count} apps", flush=True)
            before = load()
            inv = inventory_dir(workdir, f"s{count}", ans_kc, headless(scaled_spec(count, f"s{count}", example)))
            try:
                s_first, s_second = converge_pair(f"{count} apps", inv, ans_kc, kctl_kc, workdir, PLATFORM)
            except SystemExit as exc:
                scale_failures.append(f"{count} apps: {str(exc).splitlines()[0]} (more in the log named there)")
                write_report()
                break
            points.append((count, s_first, s_second))
            scale_rows += [fmt_pair(s_first, before), fmt_pair(s_second, load())]
            print("\n".join(scale_rows[-2:]), flush=True)
            write_report()

        loads["end"] = load()
        write_report()
    finally:
        clusters.down()

    return 0


if __name__ == "__main__":
    sys.exit(main())
