#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (ansible-core 2.21 needs it), or explain and exit 1.
# Order: $PYTHON, python3.13/3.12/3.14 on PATH, python3 on PATH, then pyenv's versions.
set -uo pipefail

ok() {
  "$1" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

candidates=()
[[ -n "${PYTHON:-}" ]] && candidates+=("$PYTHON")
for name in python3.13 python3.12 python3.14 python3; do
  path="$(command -v "$name" 2>/dev/null)" && candidates+=("$path")
done
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if [[ -d "$pyenv_root/versions" ]]; then
  # Newest first, CPython 3.12+ only.
  while IFS= read -r version; do
    candidates+=("$pyenv_root/versions/$version/bin/python3")
  done < <(ls "$pyenv_root/versions" | grep -E '^3\.(1[2-9])\.[0-9]+$' | sort -t. -k1,1n -k2,2nr -k3,3nr)
fi

for candidate in "${candidates[@]}"; do
  if [[ -x "$candidate" ]] && ok "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

{
  echo "ERROR: no Python >= 3.12 found (ansible-core 2.21 needs it)."
  echo "Tried: ${candidates[*]:-nothing on PATH}"
  echo "Install one (e.g. 'pyenv install 3.13', or your distribution's python3.12 with its venv module)"
  echo "or point PYTHON at it: make venv PYTHON=/path/to/python3.13"
} >&2
exit 1
