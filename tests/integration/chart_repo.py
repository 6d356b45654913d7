# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loopback Helm chart repository for tests: the air-gapped "private chart repository" path.

``serve_charts(sources) -> url`` (or ``start_chart_repo`` for a stoppable ``ChartRepo``) serves chart
archives (the official ones of tests/charts.py, copied as they are) and chart directories (packaged
with the real ``helm package``); either can be packaged again at other versions. It builds the
repository index with ``helm repo index`` and serves the directory over HTTP on 127.0.0.1 (a free
port, a daemon thread). Roles then install from the
returned URL exactly as they would from a private repository; nothing is downloaded.

Use it through the ``chart_repo`` fixture (``chart_repo([archive, (archive, ["37.3.0", "37.4.0"])])``),
which stops every server it started at the end of the test (import it into the test module
or a conftest.py to use it).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Union

import pytest
import yaml

from charts import helm_binary, reversioned  # pylint: disable=import-error


# A chart archive (.tgz) or directory, or (archive or directory, versions to package it as).
ChartSource = Union[str, Path, tuple[Union[str, Path], Sequence[str]]]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (signature of the base class)  pylint: disable=redefined-builtin
        return


@dataclass
class ChartRepo:
    url: str
    directory: Path
    packages: list[Path]
    _server: ThreadingHTTPServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)

    def index(self) -> dict:
        return yaml.safe_load((self.directory / "index.yaml").read_text())


def _run(args: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def package_chart(chart_dir: Path, destination: Path, version: str | None = None, helm: str | None = None) -> Path:
    """``helm package`` a chart directory into ``destination``; returns the .tgz path."""
    helm = helm or helm_binary()
    chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    args = [helm, "package", str(chart_dir), "--destination", str(destination)]
    if version:
        args += ["--version", version]
    _run(args)
    package = destination / f"{chart['name']}-{version or chart['version']}.tgz"
    if not package.is_file():
        raise RuntimeError(f"helm package did not produce {package}")
    return package


def start_chart_repo(chart_dirs: Iterable[ChartSource], helm: str | None = None) -> ChartRepo:
    """Copy or package the charts, index them and serve them on 127.0.0.1; ``.url`` is the repository URL."""
    helm = helm or helm_binary()
    directory = Path(tempfile.mkdtemp(prefix="linkops-chart-repo-"))
    packages: list[Path] = []
    try:
        for source in chart_dirs:
            chart_dir, versions = (source[0], list(source[1])) if isinstance(source, tuple) else (source, [None])
            chart_path = Path(chart_dir)
            for version in versions:
                if chart_path.is_file() and version is None:  # an archive, served as it is
                    packages.append(Path(shutil.copy2(chart_path, directory / chart_path.name)))
                elif chart_path.is_file():
                    packages.append(reversioned(chart_path, version, directory, helm))
                else:
                    packages.append(package_chart(chart_path, directory, version, helm))
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
        url = f"http://127.0.0.1:{server.server_address[1]}"
        _run([helm, "repo", "index", str(directory), "--url", url])
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    thread = threading.Thread(target=server.serve_forever, name=f"chart-repo-{url}", daemon=True)
    thread.start()
    return ChartRepo(url=url, directory=directory, packages=packages, _server=server, _thread=thread)


def serve_charts(chart_dirs: Iterable[ChartSource], helm: str | None = None) -> str:
    """Like ``start_chart_repo`` but returns only the URL; the server runs until the process exits."""
    repo = start_chart_repo(chart_dirs, helm)
    atexit.register(repo.stop)
    return repo.url


@pytest.fixture
def chart_repo() -> Iterator:
    """``chart_repo(chart_dirs) -> ChartRepo``; every repository started is stopped after the test."""
    started: list[ChartRepo] = []

    def start(chart_dirs: Iterable[ChartSource]) -> ChartRepo:
        repo = start_chart_repo(chart_dirs)
        started.append(repo)
        return repo

    yield start
    for repo in started:
        repo.stop()


__all__ = ["ChartRepo", "chart_repo", "helm_binary", "package_chart", "serve_charts", "start_chart_repo"]
