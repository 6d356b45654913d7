#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection with the ansible-core of the given python.
#
# ansible-test wants to run inside .../ansible_collections/<namespace>/<name>, with the
# collections it depends on beside it, so the tracked files are copied into a scratch tree
# and kubernetes.core is linked from the dev venv. The pip bootstrap script ansible-test would
# download is replaced by tools/ansible_test_bootstrap_pip.py (no internet here).
set -euo pipefail

python="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ -n "$(git ls-files plugins/modules plugins/module_utils plugins/filter 2>/dev/null; ls plugins/*/*.py 2>/dev/null)" ]] || {
  echo "[sanity] no plugins yet: nothing to check"; exit 0; }

pip_version="$("$python" - <<'PY'
import pathlib, re, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)"
mkdir -p "$HOME/.ansible/test/cache"
cp tools/ansible_test_bootstrap_pip.py "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
dest="$scratch/ansible_collections/linkops/k8s_platform"
mkdir -p "$dest"
# Tracked and untracked-but-not-ignored files, as they are in the working tree.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
  [[ -e "$path" ]] || continue
  mkdir -p "$dest/$(dirname "$path")"
  cp -p "$path" "$dest/$path"
done
core="$("$root/.venv/bin/python" -c 'import ansible_collections.kubernetes.core as c, os; print(os.path.dirname(c.__file__))' 2>/dev/null ||
  "$root/.venv/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("ansible_collections")
for location in spec.submodule_search_locations:
    candidate = pathlib.Path(location) / "kubernetes" / "core"
    if candidate.is_dir():
        print(candidate)
        break
PY
)"
mkdir -p "$scratch/ansible_collections/kubernetes"
ln -s "$core" "$scratch/ansible_collections/kubernetes/core"

py_version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
core_version="$("$python" -c 'import ansible; print(ansible.__version__)' 2>/dev/null || "$python" -c 'from ansible.release import __version__; print(__version__)')"
echo "[sanity] ansible-core $core_version, Python $py_version"
cd "$dest"
# Only the collection's plugins: tests and benches are checked by pytest, not by sanity.
"$(dirname "$python")/ansible-test" sanity --venv --python "$py_version" --color no plugins/ meta/
