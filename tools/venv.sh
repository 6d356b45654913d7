#!/usr/bin/env bash
# Create (or reuse) the development virtualenv and link it at .venv in the repository root.
#
# The real environment lives in the cache directory, keyed by the Python version and the
# requirements files, so a fresh clone on a machine that already built it links it in seconds.
# A .venv that is a real directory (made by hand) is left alone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"

if [[ -d "$root/.venv" && ! -L "$root/.venv" ]]; then
  [[ -x "$root/.venv/bin/python" ]] || { echo "ERROR: $root/.venv exists but has no bin/python; remove it" >&2; exit 1; }
  exit 0
fi

python="$("$root/tools/find-python.sh")"
version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
key="$( (echo "$version"; cat "$root/requirements.txt" "$root/requirements-dev.txt") | sha256sum | cut -c1-16)"
target="$cache_dir/venvs/dev-py$version-$key"

if [[ ! -f "$target/.complete" ]]; then
  echo "[venv] creating $target with $python (Python $version)" >&2
  rm -rf "$target"
  mkdir -p "$cache_dir/venvs"
  "$python" -m venv "$target"
  "$target/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$target/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements-dev.txt"
  touch "$target/.complete"
fi
ln -sfn "$target" "$root/.venv"
