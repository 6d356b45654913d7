# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the pip bootstrap script ansible-test downloads.

ansible-test creates an empty virtual environment and runs a cached `get_pip_<version>.py`
with pip-install arguments (`--disable-pip-version-check pip==X setuptools==Y ...`). Its
download host is not reachable here, so the Makefile installs this file under that cached name:
it bootstraps pip from the interpreter's bundled wheel (ensurepip), then installs the requested
packages from the package index the machine is configured for.
"""

import ensurepip
import subprocess
import sys

# get-pip.py options that `pip install` does not know.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main() -> int:
    ensurepip.bootstrap(upgrade=True)
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    return subprocess.call([sys.executable, "-m", "pip", "install", *arguments])


if __name__ == "__main__":
    sys.exit(main())
