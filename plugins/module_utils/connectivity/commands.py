# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe commands and the parsing of what they print; no I/O.

Every probe runs as an argv (never through a shell) inside the probe image:

- TCP, UDP and SCTP: ``/agnhost connect --timeout=Ns --protocol=P HOST:PORT``. Exit 0 is a
  connection (for UDP and SCTP: the server answered the payload agnhost sends); otherwise
  stderr starts with TIMEOUT, REFUSED, DNS, OTHER or UNKNOWN.
- HTTP: the same TCP connect first (it bounds the wait by the timeout), then
  ``wget -q -S -Y off -O /dev/null URL``: ``-S`` prints the server's status line on stderr
  (indented by two spaces) for every response, 4xx and 5xx included. No ``-T``: the busybox
  wget of Debian 12 (the local node's image) has no timeout option, and ``-T`` makes it crash.
- DNS, A and AAAA: ``getent ahostsv4|ahostsv6 NAME``: the pod's own resolver (its search list,
  ndots and hosts file), so a short or partly qualified name resolves as the app's would. Exit
  2 is "not found". CNAME and SRV: ``nslookup -type=T NAME`` (busybox 1.28+ or bind's, both
  parsed), which asks the server directly: busybox's applies no search list, so give those
  fully qualified names.

A name or path reaching an argv was validated first (`valid_dns_name`, `valid_http_path`),
so nothing can start with ``-`` and be read as an option.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Optional

AGNHOST = "/agnhost"
PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP", "HTTP")
DNS_TYPES: tuple[str, ...] = ("A", "AAAA", "CNAME", "SRV")
CONNECT_ERRORS: tuple[str, ...] = ("TIMEOUT", "REFUSED", "DNS", "OTHER", "UNKNOWN")

_DNS_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_DNS_NAME = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})*\.?$")
_HTTP_STATUS = re.compile(r"^\s*HTTP/\d(?:\.\d)?\s+(\d{3})(?:\s+(.*?))?\s*$")
# "Address: 10.0.0.1", bind's "Address: fd00::1", old busybox's "Address 1: 10.0.0.1 name"
_ADDRESS = re.compile(r"^Address(?:\s+\d+)?:\s*(\S+)")
_CNAME = re.compile(r"^(\S+)\s+canonical name\s*=\s*(\S+)")
# A and AAAA lookups go through the C library's resolver, as applications resolve.
_GETENT_DATABASES = {"A": "ahostsv4", "AAAA": "ahostsv6"}
_SRV = re.compile(r"^(\S+)\s+service\s*=\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)")
# What the container runtime says when the command's binary is not in the image.
_MISSING_BINARY = re.compile(
    r"executable file not found|no such file or directory|not found in \$PATH|exec format error",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ExecResult:
    """One command run in a container.

    `returncode` is None when the command did not run to an exit of its own: it could not
    start (then `message` says why) or it outlived its deadline (`timed_out`).
    """

    returncode: Optional[int]
    stdout: str = ""
    stderr: str = ""
    message: str = ""
    timed_out: bool = False


@dataclass(frozen=True)
class ConnectOutcome:
    connected: bool
    error: Optional[str] = None


@dataclass(frozen=True)
class HttpOutcome:
    responded: bool
    status: Optional[int] = None
    reason: str = ""
    error: Optional[str] = None


@dataclass(frozen=True)
class DnsOutcome:
    resolved: bool
    addresses: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    error: Optional[str] = None


# --------------------------------------------------------------------------------------------
# Input checks and argv building
# --------------------------------------------------------------------------------------------


def valid_dns_name(name: Any) -> bool:
    """RFC 1123 labels (underscores allowed for SRV names), at most 253 characters."""
    if not isinstance(name, str) or not name or len(name.rstrip(".")) > 253:
        return False
    return bool(_DNS_NAME.match(name))


def valid_http_path(path: Any) -> bool:
    """An absolute path (query string allowed) without whitespace or control characters."""
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 2048:
        return False
    return not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in path)


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def host_port(host: str, port: int) -> str:
    """HOST:PORT, with an IPv6 address in brackets."""
    if ":" in host and is_ip(host):
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def connect_command(host: str, port: int, protocol: str, timeout: int) -> list[str]:
    proto = "tcp" if protocol.upper() == "HTTP" else protocol.lower()
    return [AGNHOST, "connect", f"--timeout={int(timeout)}s", f"--protocol={proto}", host_port(host, port)]


def http_url(host: str, port: int, path: str = "/") -> str:
    return f"http://{host_port(host, port)}{path}"


def http_command(host: str, port: int, path: str = "/") -> list[str]:
    # -Y off: a proxy from the container's environment must not answer for the destination.
    return ["wget", "-q", "-S", "-Y", "off", "-O", "/dev/null", http_url(host, port, path)]


def dns_command(name: str, record_type: str = "A") -> list[str]:
    record_type = record_type.upper()
    if record_type in _GETENT_DATABASES:
        return ["getent", _GETENT_DATABASES[record_type], name]
    return ["nslookup", f"-type={record_type}", name]


def command_text(argv: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in argv)


# --------------------------------------------------------------------------------------------
# Exec status
# --------------------------------------------------------------------------------------------


def parse_exec_status(text: Any) -> tuple[Optional[int], str]:
    """The exec error channel (a metav1.Status): (exit code, message).

    Success is exit 0; a NonZeroExitCode failure carries the code in `details.causes`; any
    other failure (the command could not start) has no code, only its message.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if isinstance(text, str):
        if not text.strip():
            return None, "the exec stream closed without an exit status"
        try:
            status = json.loads(text)
        except ValueError:
            return None, text.strip()
    else:
        status = text
    if not isinstance(status, dict):
        return None, str(status)
    if status.get("status") == "Success":
        return 0, ""
    message = str(status.get("message") or status.get("reason") or "exec failed")
    for cause in (status.get("details") or {}).get("causes") or []:
        if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
            try:
                return int(str(cause.get("message")).strip()), message
            except ValueError:
                break
    return None, message


def missing_tool(result: ExecResult) -> bool:
    """Whether the command could not run because its binary is not in the image."""
    if result.timed_out:
        return False
    if result.returncode is None:
        return bool(_MISSING_BINARY.search(result.message))
    if result.returncode in (126, 127):
        return bool(_MISSING_BINARY.search(f"{result.message}\n{result.stderr}")) or "not found" in result.stderr
    return False


def _first_line(*texts: str) -> str:
    for text in texts:
        for line in (text or "").splitlines():
            if line.strip():
                return line.strip()
    return ""


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------


def parse_connect(result: ExecResult, deadline: Optional[float] = None) -> ConnectOutcome:
    """`agnhost connect`: exit 0 is a connection; otherwise its first stderr line is the reason."""
    if result.timed_out:
        within = f" within {deadline:g} s" if deadline else ""
        return ConnectOutcome(False, f"TIMEOUT: the probe did not finish{within}")
    if result.returncode == 0:
        return ConnectOutcome(True, None)
    line = _first_line(result.stderr, result.stdout, result.message)
    if not line:
        line = f"exit code {result.returncode}" if result.returncode is not None else "no exit status"
    return ConnectOutcome(False, line)


def connect_error_kind(error: Optional[str]) -> Optional[str]:
    """TIMEOUT, REFUSED, DNS, OTHER or UNKNOWN from an agnhost error line (None otherwise)."""
    if not error:
        return None
    head = re.split(r"[:\s]", error.strip(), maxsplit=1)[0].upper()
    return head if head in CONNECT_ERRORS else None


def parse_http(result: ExecResult, deadline: Optional[float] = None) -> HttpOutcome:
    """wget -S: the first status line is the destination's own answer (a redirect is not followed
    for the verdict). A 4xx or 5xx is a response like any other; wget's exit code is ignored."""
    for line in f"{result.stderr}\n{result.stdout}".splitlines():
        match = _HTTP_STATUS.match(line)
        if match:
            return HttpOutcome(True, int(match.group(1)), (match.group(2) or "").strip(), None)
    if result.timed_out:
        within = f" within {deadline:g} s" if deadline else ""
        return HttpOutcome(False, None, "", f"no HTTP response{within}")
    line = ""
    for candidate in result.stderr.splitlines():
        if candidate.strip().startswith("wget:"):
            line = candidate.strip()[len("wget:"):].strip()
            break
    if not line:
        line = _first_line(result.stderr, result.stdout, result.message) or f"exit code {result.returncode}"
    return HttpOutcome(False, None, "", line)


def _strip_dot(name: str) -> str:
    return name[:-1] if name.endswith(".") and len(name) > 1 else name


def parse_dns(result: ExecResult, record_type: str = "A") -> DnsOutcome:
    """The answer of `dns_command(name, record_type)`."""
    if record_type.upper() in _GETENT_DATABASES:
        return parse_getent(result, record_type)
    return parse_nslookup(result, record_type)


def parse_getent(result: ExecResult, record_type: str = "A") -> DnsOutcome:
    """getent ahostsv4/ahostsv6: one line per address and socket type, the first one naming the
    canonical name ("10.96.0.1  STREAM kubernetes.default.svc.cluster.local")."""
    record_type = record_type.upper()
    addresses: list[str] = []
    canonical: Optional[str] = None
    for line in result.stdout.splitlines():
        fields = line.split()
        if not fields or not is_ip(fields[0]):
            continue
        if canonical is None and len(fields) >= 3:
            canonical = _strip_dot(fields[2])
        # ahostsv6 maps IPv4 answers into ::ffff:a.b.c.d: those are no AAAA records.
        if record_type == "AAAA" and fields[0].lower().startswith("::ffff:") and "." in fields[0]:
            continue
        if fields[0] not in addresses:
            addresses.append(fields[0])
    records = [{"name": canonical, "type": record_type, "value": address} for address in addresses]
    if addresses:
        return DnsOutcome(True, addresses, records, None)
    if result.timed_out:
        error = "no answer before the probe's deadline"
    elif result.returncode == 2:
        error = "not found (NXDOMAIN, no record of this type, or no answer from the resolver)"
    else:
        error = _first_line(result.stderr, result.message) or f"getent exited {result.returncode}"
    return DnsOutcome(False, [], [], error)


def parse_nslookup(result: ExecResult, record_type: str = "A") -> DnsOutcome:
    """nslookup output of busybox (1.28+, and the older "Address 1:" form) or bind.

    The first block (Server/Address) names the resolver and is skipped. `resolved` is true
    when the answer holds at least one record of the asked type.
    """
    record_type = record_type.upper()
    lines = result.stdout.splitlines()
    start = 0
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].startswith("Server:"):
        start = next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    name: Optional[str] = None
    for raw in lines[start:]:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("Name:"):
            name = _strip_dot(line[len("Name:"):].strip())
            continue
        address = _ADDRESS.match(line)
        if address:
            value = address.group(1)
            if is_ip(value):
                family = "AAAA" if ":" in value else "A"
                records.append({"name": name, "type": family, "value": value})
            continue
        cname = _CNAME.match(line)
        if cname:
            records.append({"name": _strip_dot(cname.group(1)), "type": "CNAME", "value": _strip_dot(cname.group(2))})
            continue
        srv = _SRV.match(line)
        if srv:
            target = _strip_dot(srv.group(5))
            priority, weight, port = int(srv.group(2)), int(srv.group(3)), int(srv.group(4))
            records.append(
                {
                    "name": _strip_dot(srv.group(1)),
                    "type": "SRV",
                    "value": f"{priority} {weight} {port} {target}",
                    "priority": priority,
                    "weight": weight,
                    "port": port,
                    "target": target,
                }
            )
            continue
        if line.startswith("** server can't find"):
            # "** server can't find NAME: NXDOMAIN" (also SERVFAIL, REFUSED)
            errors.append(line.rsplit(":", 1)[-1].strip() or line)
        elif line.startswith("*** Can't find"):
            errors.append("no answer (the name exists without records of this type)")
        elif line.startswith(";;"):
            errors.append(line.lstrip("; ").strip())
    resolved = any(r["type"] == record_type for r in records)
    addresses = [r["value"] for r in records if r["type"] in ("A", "AAAA")]
    error: Optional[str] = None
    if not resolved:
        if errors:
            error = errors[0]
        elif result.timed_out:
            error = "no answer before the probe's deadline"
        elif result.returncode not in (0, None) or result.message:
            error = _first_line(result.stderr, result.message) or f"nslookup exited {result.returncode}"
        else:
            error = f"no {record_type} record"
    return DnsOutcome(resolved, addresses, records, error)
