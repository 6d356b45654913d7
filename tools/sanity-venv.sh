#!/usr/bin/env bash
# Print the python of a cached virtualenv holding the ansible-core line given as $1 (e.g. 2.20),
# for running `ansible-test sanity` on the oldest ansible-core that meta/runtime.yml admits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${LINKOPS_CACHE_DIR:-$HOME/.cache/linkops-k8s-platform}"
line="$1"
python="$("$root/tools/find-python.sh")"
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
target="$cache_dir/venvs/ansible-core-$line-py$version"
if [[ ! -f "$target/.complete" ]]; then
  echo "[venv] creating $target (ansible-core $line.x)" >&2
  rm -rf "$target"
  "$python" -m venv "$target"
  "$target/bin/python" -m pip install --quiet --disable-pip-version-check "ansible-core>=$line,<$(echo "$line" | awk -F. '{print $1"."$2+1}')"
  touch "$target/.complete"
fi
echo "$target/bin/python"
