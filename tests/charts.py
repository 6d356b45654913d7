# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official Helm charts the roles pin, as archives on this machine (shared by the unit and integration tiers).

``PINNED``: every (role, chart, version, repository) the roles' defaults pin. ``official_archive(chart)``
is the archive of a pinned chart: from LINKOPS_CHART_MIRROR (an air-gapped folder of
<chart>-<version>.tgz, as `helm package` names them), else `helm pull`ed from the role's repository
into a cache outside the clone (needs the internet). ``mirror_archive(pin)`` is None when the mirror
lacks the chart.

``scaffold_chart(name, version, destination)`` is for the pinned charts no archive exists for here:
Helm's own `helm create` scaffold (an nginx Deployment and Service), packaged under the upstream
name at the pinned version. Nothing of the upstream chart is in it; tests using it assert what the
role passed with `helm get values`, not what the chart made of it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from k8s_cluster import bin_dir  # pylint: disable=import-error

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR_ENV = "LINKOPS_CHART_MIRROR"


@dataclass(frozen=True)
class Pinned:
    role: str
    chart: str
    version: str
    repo: str


# (role, chart, version variable, repository variable), the variables from the role's defaults
# (the ingress controller's repositories are per flavour, in its vars/main.yml).
PINS = (
    ("ingress_controller", "traefik", "ingress_controller_traefik_chart_version", None),
    ("ingress_controller", "ingress-nginx", "ingress_controller_nginx_chart_version", None),
    ("cert_manager", "cert-manager", "cert_manager_chart_version", "cert_manager_chart_repo_url"),
    ("dns", "external-dns", "dns_external_dns_chart_version", "dns_external_dns_chart_repo_url"),
    ("monitoring", "kube-prometheus-stack", "monitoring_stack_chart_version", "monitoring_stack_chart_repo_url"),
    ("monitoring", "loki", "monitoring_loki_chart_version", "monitoring_grafana_chart_repo_url"),
    ("monitoring", "fluent-bit", "monitoring_fluent_bit_chart_version", "monitoring_fluent_chart_repo_url"),
    ("monitoring", "alloy", "monitoring_alloy_chart_version", "monitoring_grafana_chart_repo_url"),
    ("monitoring", "tempo", "monitoring_tempo_chart_version", "monitoring_grafana_chart_repo_url"),
    ("monitoring", "jaeger", "monitoring_jaeger_chart_version", "monitoring_jaeger_chart_repo_url"),
    ("monitoring", "opentelemetry-collector", "monitoring_otel_collector_chart_version", "monitoring_otel_chart_repo_url"),
)


def _pinned() -> list[Pinned]:
    defaults = {role: yaml.safe_load((REPO_ROOT / "roles" / role / "defaults" / "main.yml").read_text())
                for role in {role for role, *_ in PINS}}
    ingress_repos = yaml.safe_load((REPO_ROOT / "roles" / "ingress_controller" / "vars" / "main.yml").read_text())
    ingress_repos = {v["chart_name"]: v["repo_url"] for v in ingress_repos["_ingress_controller_defaults"].values()}
    out = []
    for role, chart, version_var, repo_var in PINS:
        repo = defaults[role][repo_var] if repo_var else ingress_repos[chart]
        out.append(Pinned(role, chart, str(defaults[role][version_var]), repo))
    return out


PINNED = _pinned()


def pin(chart: str) -> Pinned:
    """The pin of a chart by its name."""
    found = [p for p in PINNED if p.chart == chart]
    if not found:
        raise KeyError(f"no role pins a chart named {chart}")
    return found[0]


def helm_binary() -> str:
    """The helm built by tools/local-cluster/build.sh."""
    helm = Path(bin_dir()) / "helm"
    if not helm.is_file():
        raise RuntimeError(f"helm is not built: run `bash tools/local-cluster/build.sh` ({helm} is missing)")
    return str(helm)


def mirror() -> Path | None:
    value = os.environ.get(MIRROR_ENV, "")
    return Path(value) if value else None


def mirror_archive(pinned: Pinned) -> Path | None:
    """The mirror's archive of a pinned chart, or None (no mirror, or the mirror lacks it)."""
    folder = mirror()
    archive = folder / f"{pinned.chart}-{pinned.version}.tgz" if folder else None
    return archive if archive and archive.is_file() else None


def has_archive(chart: str) -> bool:
    """An official archive of the pinned chart can be had: the mirror holds it, or (no mirror) it is pulled."""
    return mirror() is None or mirror_archive(pin(chart)) is not None


def official_archive(pinned: Pinned | str, helm: str | None = None) -> Path:
    """The official archive of a pinned chart: the mirror's, or `helm pull`ed once into a cache outside the clone."""
    pinned = pin(pinned) if isinstance(pinned, str) else pinned
    if mirror() is not None:
        archive = mirror_archive(pinned)
        if archive is None:
            raise AssertionError(f"{pinned.chart}-{pinned.version}.tgz is not in {MIRROR_ENV}={mirror()}")
        return archive
    cache = Path(os.environ.get("LINKOPS_CACHE_DIR") or Path.home() / ".cache" / "linkops-k8s-platform") / "charts"
    archive = cache / f"{pinned.chart}-{pinned.version}.tgz"
    if not archive.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:  # no half-written archive in the cache
            done = subprocess.run([helm or helm_binary(), "pull", pinned.chart, "--repo", pinned.repo, "--version", pinned.version,
                                   "--destination", tmp], capture_output=True, text=True, timeout=300, check=False)
            pulled = Path(tmp) / archive.name
            if done.returncode != 0 or not pulled.is_file():
                raise AssertionError(f"helm pull {pinned.chart} {pinned.version} from {pinned.repo} failed "
                                     f"(no internet? set {MIRROR_ENV}): {done.stderr}")
            pulled.replace(archive)
    return archive


def scaffold_chart(name: str, version: str, destination: Path, helm: str | None = None) -> Path:
    """Helm's own `helm create` scaffold named ``name``, packaged at ``version`` into ``destination``: the .tgz.

    For the pinned charts of which no official archive exists here (see the module docstring)."""
    helm = helm or helm_binary()
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for args in ([helm, "create", name], [helm, "package", name, "--version", version, "--destination", str(destination)]):
            done = subprocess.run(args, cwd=tmp, capture_output=True, text=True, timeout=120, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")
    archive = destination / f"{name}-{version}.tgz"
    if not archive.is_file():
        raise RuntimeError(f"helm package did not write {archive}")
    return archive


def reversioned(archive: Path, version: str, destination: Path, helm: str | None = None) -> Path:
    """The chart of ``archive`` (unchanged) packaged again as ``version``: an upgrade target the mirror cannot hold."""
    helm = helm or helm_binary()
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["tar", "-xzf", str(archive), "-C", tmp], check=True)
        [chart_dir] = [p for p in Path(tmp).iterdir() if p.is_dir()]
        name = yaml.safe_load((chart_dir / "Chart.yaml").read_text())["name"]
        done = subprocess.run([helm, "package", str(chart_dir), "--version", version, "--destination", str(destination)],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"helm package {chart_dir} --version {version} failed: {done.stderr}")
    return destination / f"{name}-{version}.tgz"
