# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chart values every role computes, for every inventory, against the OFFICIAL charts.

render_values.yml runs each chart-installing role's tasks/values.yml (the task file its install
uses; no cluster access) under `ansible-playbook -i inventories/<env>`, with the components that
are off by default turned on and the ingress-nginx flavour as a variant, and writes the values as
JSON. Each release is then rendered with `helm template -f <values>` against the official chart
archive at the role's pinned version, so:

- the chart's values.schema.json judges them (a value of the wrong type, or a key the schema
  closes with additionalProperties: false, fails helm);
- every key path must also be one the chart knows: in its values.yaml (subcharts' under their
  name) or its schema's properties. Several charts' schemas leave most levels open (Traefik's top
  level, ExternalDNS) and ingress-nginx and kube-prometheus-stack have none, so helm alone accepts
  a misspelt key there. Descent stops where the chart has no documented keys (an empty map, a
  free-form Kubernetes field such as resources).

The archives come from tests/charts.py (shared with the integration tier): LINKOPS_CHART_MIRROR
(an air-gapped folder of <chart>-<version>.tgz, as `helm package` names them); without it, `helm
pull` fetches each pinned chart from the role's repository into a cache outside the clone (needs
the internet). Only the pinned charts the mirror
holds are parametrized; test_every_pinned_chart_has_an_archive names the others (xfail).
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from charts import MIRROR_ENV, PINNED, Pinned, helm_binary, mirror_archive, official_archive  # pylint: disable=import-error
from charts import mirror as _mirror  # pylint: disable=import-error

REPO = Path(__file__).resolve().parents[3]
PLAYBOOK = Path(__file__).with_name("render_values.yml")
INVENTORIES = ("dev", "staging", "prod", "local", "fleet-local")
# Keys whose contents are Kubernetes API fields or free-form maps (charts often show an example
# there, which is not the list of allowed keys): the key itself is checked, not what is under it.
FREE_FORM = frozenset({
    "affinity", "annotations", "containerSecurityContext", "labels", "nodeSelector", "podAnnotations", "podLabels",
    "podSecurityContext", "resources", "securityContext", "storageSpec", "tolerations", "topologySpreadConstraints",
})


def _checked() -> list[Pinned]:
    """With a mirror: the pinned charts it holds. Without: every pinned chart (each is pulled)."""
    return [pin for pin in PINNED if _mirror() is None or mirror_archive(pin)]


def _kube_version() -> str:
    # helm without a cluster assumes Kubernetes 1.20, which every chart's kubeVersion refuses.
    for line in (REPO / "tools" / "local-cluster" / "versions.env").read_text().splitlines():
        if line.startswith("K8S_VERSION="):
            return line.split("=", 1)[1].strip().lstrip("v")
    raise AssertionError("K8S_VERSION is missing from tools/local-cluster/versions.env")


@pytest.fixture(scope="module")
def helm() -> str:
    return helm_binary()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """inventory -> the releases render_values.yml wrote for it (with host and variant)."""
    out = tmp_path_factory.mktemp("chart-values")
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_HOME=str(out / ".ansible"),
               ANSIBLE_LOCAL_TEMP=str(out / ".ansible" / "tmp"), K8S_PLATFORM_KUBECONFIG="/nonexistent")
    binary = Path(sys.executable).parent / "ansible-playbook"

    def run(inventory: str) -> subprocess.CompletedProcess[str]:
        (out / inventory).mkdir()
        return subprocess.run([str(binary), "-i", str(REPO / "inventories" / inventory), str(PLAYBOOK),
                               "-e", f"chart_values_dir={out / inventory}"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)

    with ThreadPoolExecutor(max_workers=len(INVENTORIES)) as pool:
        results = dict(zip(INVENTORIES, pool.map(run, INVENTORIES)))
    releases: dict[str, list[dict[str, Any]]] = {}
    for inventory, done in results.items():
        assert done.returncode == 0, f"render_values.yml -i inventories/{inventory}:\n{done.stdout[-6000:]}{done.stderr[-3000:]}"
        releases[inventory] = [release for path in sorted((out / inventory).glob("*.json")) for release in json.loads(path.read_text())]
        assert releases[inventory], f"render_values.yml wrote nothing for inventories/{inventory}"
    return releases


# --- What the chart knows ------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _chart_files(archive: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The chart's default values (subcharts' merged under their name or alias), its schema, and the
    text of its templates and its subcharts' (where a key only documented in a comment is used)."""
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}

        def read(name: str) -> bytes | None:
            member = members.get(name)
            return tar.extractfile(member).read() if member else None  # type: ignore[union-attr]

        root = sorted(members)[0].split("/", 1)[0]
        templates = "\n".join(read(name).decode("utf-8", "replace") for name in sorted(members)  # type: ignore[union-attr]
                               if "/templates/" in name)
        return _load_chart(root, read, members), json.loads(read(f"{root}/values.schema.json") or b"{}"), templates


def _load_chart(root: str, read, members) -> dict[str, Any]:
    values = yaml.safe_load(read(f"{root}/values.yaml") or b"") or {}
    chart = yaml.safe_load(read(f"{root}/Chart.yaml") or b"") or {}
    names = {dep["name"]: dep.get("alias") or dep["name"] for dep in chart.get("dependencies") or []}
    prefix = f"{root}/charts/"
    subdirs = {name[len(prefix):].split("/", 1)[0] for name in members
               if name.startswith(prefix) and name.count("/") == root.count("/") + 3 and name.endswith("/Chart.yaml")}
    for sub in sorted(subdirs):
        sub_chart = yaml.safe_load(read(f"{prefix}{sub}/Chart.yaml") or b"") or {}
        key = names.get(sub_chart.get("name", sub), sub)
        sub_values = _load_chart(f"{prefix}{sub}", read, members)
        values[key] = _merge(sub_values, values.get(key) or {})
    for name in sorted(members):  # subcharts kept as archives
        if name.startswith(prefix) and name.endswith(".tgz") and name.count("/") == root.count("/") + 2:
            with tarfile.open(fileobj=io.BytesIO(read(name))) as sub_tar:
                sub_members = {m.name: m for m in sub_tar.getmembers() if m.isfile()}
                sub_root = sorted(sub_members)[0].split("/", 1)[0]
                sub_values = _load_chart(sub_root, lambda n, t=sub_tar, m=sub_members: t.extractfile(m[n]).read() if n in m else None,
                                         sub_members)
                sub_chart = yaml.safe_load(sub_tar.extractfile(sub_members[f"{sub_root}/Chart.yaml"]).read())
            key = names.get(sub_chart["name"], sub_chart["name"])
            values[key] = _merge(sub_values, values.get(key) or {})
    return values


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over if over is not None else base


def _properties(schema: Any, root: dict[str, Any]) -> dict[str, Any] | None:
    """The properties a schema node declares (following local $refs and allOf/anyOf/oneOf), or None."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema and str(schema["$ref"]).startswith("#/"):
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _properties(target, root)
    props: dict[str, Any] | None = dict(schema["properties"]) if isinstance(schema.get("properties"), dict) else None
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            more = _properties(sub, root)
            if more is not None:
                props = {**(props or {}), **more}
    return props


def unknown_keys(values: Any, defaults: Any, schema: Any, root: dict[str, Any], path: str = "") -> list[str]:
    """Key paths of `values` the chart documents nowhere (values.yaml or schema properties).

    Keys a chart documents only in a comment (`# ingressClassName: nginx`) are found here; used_in_templates
    clears those its templates read."""
    if not isinstance(values, dict):
        return []
    props = _properties(schema, root)
    documented = (isinstance(defaults, dict) and bool(defaults)) or bool(props)
    if not documented:
        return []
    out = []
    for key, value in values.items():
        here = f"{path}.{key}" if path else key
        in_defaults = isinstance(defaults, dict) and key in defaults
        in_schema = bool(props) and key in props  # type: ignore[operator]
        if not (in_defaults or in_schema or (not path and key == "global")):
            out.append(here)
        elif key not in FREE_FORM:
            out += unknown_keys(value, defaults.get(key) if in_defaults else None, (props or {}).get(key), root, here)
    return out


def used_in_templates(path: str, templates: str) -> bool:
    """The templates read `.Values.<path>`, or a subchart's `.Values.<the rest of the path>`."""
    parts = path.split(".")
    return any(f"Values.{'.'.join(parts[i:])}" in templates for i in range(len(parts) - 1 if len(parts) > 1 else 1))


# --- The tests ----------------------------------------------------------------------------

@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize("pin", _checked(), ids=lambda p: f"{p.role}-{p.chart}-{p.version}")
def test_values_render_against_the_official_chart(pin: Pinned, inventory: str, rendered, helm: str, tmp_path: Path) -> None:
    releases = [r for r in rendered[inventory] if r["role"] == pin.role and r["chart"] == pin.chart]
    assert releases, f"render_values.yml rendered no {pin.chart} release for inventories/{inventory}"
    archive = official_archive(pin, helm)
    defaults, schema, templates = _chart_files(archive)
    problems = []
    seen: set[str] = set()
    for release in releases:
        where = f"{release['host']} ({release['variant']})"
        assert release["version"] == pin.version, f"{where}: {pin.chart} {release['version']}, the role pins {pin.version}"
        text = json.dumps(release["values"], sort_keys=True)
        if text in seen:  # the same values from another host or variant: already rendered
            continue
        seen.add(text)
        values_file = tmp_path / f"{release['host']}-{release['variant']}.json"
        values_file.write_text(text)
        done = subprocess.run([helm, "template", release["release"], str(archive), "--namespace", "linkops-test",
                               "--kube-version", _kube_version(), "-f", str(values_file)],
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            problems.append(f"{where}: helm template refused the values:\n{done.stderr.strip()}")
        unknown = [key for key in unknown_keys(release["values"], defaults, schema, schema) if not used_in_templates(key, templates)]
        if unknown:
            problems.append(f"{where}: keys {pin.chart} {pin.version} does not know (not in its values.yaml, schema or templates): "
                            + ", ".join(unknown))
    assert not problems, "\n".join(problems)


def test_every_rendered_release_is_listed_here(rendered) -> None:
    """A chart a role installs but PINS does not list would go unchecked."""
    listed = {(pin.role, pin.chart) for pin in PINNED}
    missing = sorted({(r["role"], r["chart"]) for releases in rendered.values() for r in releases} - listed)
    assert not missing, f"add these (role, chart) pairs to PINS: {missing}"


def test_every_pinned_chart_has_an_archive() -> None:
    """The pinned charts whose values are NOT checked, because the mirror has no archive for them."""
    mirror = _mirror()
    if mirror is None:
        return  # every pinned chart is pulled (and a failed pull fails its test)
    missing = [f"{pin.chart} {pin.version} ({pin.role}, {pin.repo})" for pin in PINNED if not mirror_archive(pin)]
    if missing:
        pytest.xfail(f"{len(missing)} pinned chart(s) are not in {MIRROR_ENV}={mirror}, so their values are not checked: "
                     + "; ".join(missing))


def test_unknown_keys_are_found() -> None:
    """The key check itself: a misspelt key is found where the chart documents its keys, not under free-form ones."""
    defaults = {"deployment": {"replicas": 1}, "resources": {"requests": {"cpu": "1"}}, "podAnnotations": {}}
    schema = {"properties": {"ports": {"properties": {"web": {"type": "object"}}}}}
    values = {"deployment": {"replica": 2}, "resources": {"limits": {"memory": "1Gi"}}, "podAnnotations": {"a": "b"},
              "ports": {"web": {"anything": 1}, "webb": {}}, "global": {}, "extra": 1}
    assert unknown_keys(values, defaults, schema, schema) == ["deployment.replica", "ports.webb", "extra"]
    templates = "{{ .Values.ingress.ingressClassName }} {{ .Values.extra }}"
    assert used_in_templates("grafana.ingress.ingressClassName", templates)
    assert used_in_templates("extra", templates)
    assert not used_in_templates("grafana.ingress.className", templates)
    assert not used_in_templates("deployment.replica", templates)
