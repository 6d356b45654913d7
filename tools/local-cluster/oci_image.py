# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a single-layer OCI image archive from local files, for `ctr images import`.

Nothing can be pulled on the local node, so its images (the pod sandbox, agnhost, CoreDNS) are
made from static binaries built here. The layer tar is byte-for-byte reproducible (sorted entries,
fixed owners and times), so images made from the same files share one blob in containerd.

    oci_image.py OUT.tar --name registry.k8s.io/pause:3.10.1 --entrypoint '["/agnhost","pause"]' \
        --file /path/agnhost:/agnhost --symlink /bin/sh:/bin/busybox --dir /tmp:1777 [--user 65532]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
# Users an image may run as without a name lookup failing (restricted pods run as non-root).
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"
GROUP = "root:x:0:\nnobody:x:65534:\n"


def _info(name: str, kind: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name.lstrip("/"))
    info.type, info.mode, info.size, info.linkname = kind, mode, size, link
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    return info


def layer_tar(files: list[tuple[str, str]], symlinks: list[tuple[str, str]], dirs: list[tuple[str, int]]) -> bytes:
    """The layer: parent folders, the given folders, files (mode kept) and symlinks, sorted by path."""
    entries: dict[str, tuple[tarfile.TarInfo, bytes | None]] = {}

    def parents(path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:i])
            entries.setdefault(folder, (_info(folder, tarfile.DIRTYPE, 0o755), None))

    for path, mode in dirs:
        parents(path)
        entries[path] = (_info(path, tarfile.DIRTYPE, mode), None)
    for source, dest in files:
        data = Path(source).read_bytes()
        parents(dest)
        entries[dest] = (_info(dest, tarfile.REGTYPE, Path(source).stat().st_mode & 0o777, len(data)), data)
    for dest, target in symlinks:
        parents(dest)
        entries[dest] = (_info(dest, tarfile.SYMTYPE, 0o777, link=target), None)
    for dest, text in (("/etc/passwd", PASSWD), ("/etc/group", GROUP)):
        if dest not in entries:
            parents(dest)
            entries[dest] = (_info(dest, tarfile.REGTYPE, 0o644, len(text)), text.encode())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(entries):
            info, data = entries[path]
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def write_archive(out: Path, name: str, entrypoint: list[str], layer: bytes, user: str = "") -> None:
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": digest, "size": len(data)}

    layer_desc = {"mediaType": OCI_LAYER, **blob(layer)}
    image_config = {"Entrypoint": entrypoint, "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "WorkingDir": "/"}
    if user:
        image_config["User"] = user
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},
    }
    config_desc = {"mediaType": OCI_CONFIG, **blob(json.dumps(config, sort_keys=True).encode())}
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config_desc, "layers": [layer_desc]}
    manifest_desc = {
        "mediaType": OCI_MANIFEST,
        **blob(json.dumps(manifest, sort_keys=True).encode()),
        "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]},
    }
    index = {"schemaVersion": 2, "manifests": [manifest_desc]}
    tmp = out.with_suffix(".partial")
    with tarfile.open(tmp, mode="w") as tar:
        members = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", json.dumps(index).encode())]
        members += [(f"blobs/sha256/{d.split(':', 1)[1]}", data) for d, data in sorted(blobs.items())]
        for path, data in members:
            info = _info(path, tarfile.REGTYPE, 0o644, len(data))
            tar.addfile(info, io.BytesIO(data))
    tmp.replace(out)


def _pair(text: str) -> tuple[str, str]:
    left, sep, right = text.rpartition(":")
    if not sep or not left:
        raise argparse.ArgumentTypeError(f"expected A:B, got {text!r}")
    return left, right


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--name", required=True, help="image reference, as containerd will list it")
    parser.add_argument("--entrypoint", required=True, type=json.loads, help="JSON list")
    parser.add_argument("--file", action="append", default=[], type=_pair, help="SOURCE:DEST")
    parser.add_argument("--symlink", action="append", default=[], type=_pair, help="DEST:TARGET")
    parser.add_argument("--dir", action="append", default=[], type=_pair, help="DEST:OCTAL_MODE")
    # Numeric, so runAsNonRoot can check it without a user database (default: root).
    parser.add_argument("--user", default="", help="UID[:GID] the image runs as")
    args = parser.parse_args(argv)
    if args.user and not all(part.isdigit() for part in args.user.split(":", 1)):
        parser.error(f"--user must be numeric UID[:GID], got {args.user!r}")
    dirs = [(path, int(mode, 8)) for path, mode in args.dir]
    write_archive(args.out, args.name, args.entrypoint, layer_tar(args.file, args.symlink, dirs), args.user)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
