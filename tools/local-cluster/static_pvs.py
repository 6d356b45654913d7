# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print static PersistentVolumes for every storage entry of an inventory's platform spec.

The local control plane has no storage provisioner, so a claim would stay Pending and the pod
that mounts it would never be scheduled. An administrator of a cluster without dynamic
provisioning creates PersistentVolumes by hand; `make demo` does the same with these, and the
real PV controller and scheduler bind them to the storage role's claims.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def main(platform_file: str, base_dir: str = "/tmp/linkops-demo") -> int:
    spec = yaml.safe_load(Path(platform_file).read_text())
    volumes = []
    for app in spec.get("k8s_platform_apps") or []:
        for entry in app.get("storage") or []:
            name = f"local-{app['namespace']}-{app['name']}-{entry['name']}"[:63]
            volumes.append(
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolume",
                    "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "linkops-demo"}},
                    "spec": {
                        "capacity": {"storage": entry["size"]},
                        "accessModes": entry.get("access_modes") or ["ReadWriteOnce"],
                        "storageClassName": entry.get("class") or "",
                        "persistentVolumeReclaimPolicy": "Retain",
                        "hostPath": {"path": f"{base_dir}/{name}", "type": "DirectoryOrCreate"},
                    },
                }
            )
    json.dump({"apiVersion": "v1", "kind": "List", "items": volumes}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
