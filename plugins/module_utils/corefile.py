# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A parser and validator for CoreDNS's Corefile (its block structure, not CoreDNS itself).

The dns role renders a new Corefile and checks it here before it touches the cluster: braces
balance, every server block has a valid zone key, every directive names a known CoreDNS plugin,
and the addresses the `forward` plugin sends to are valid IPs (optionally with a port or a
`dns://` / `tls://` scheme) or a resolv.conf path. Problems come back as a list of
`line N: message` strings (empty when the Corefile is valid); nothing here raises on bad input.

Grammar (the subset of Caddyfile syntax that CoreDNS uses):

    corefile     := server_block*
    server_block := key+ '{' directive* '}'
    directive    := name arg* ['{' directive* '}'] NEWLINE

Tokens are separated by whitespace; `#` starts a comment; double quotes group a token; `{` and
`}` are tokens of their own.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any, Optional

# CoreDNS plugins (https://coredns.io/plugins/) plus the external ones commonly compiled in.
KNOWN_PLUGINS = frozenset({
    "acl", "any", "auto", "autopath", "azure", "bind", "bufsize", "cache", "cancel", "chaos", "clouddns",
    "debug", "dns64", "dnssec", "dnstap", "erratic", "errors", "etcd", "file", "forward", "geoip", "grpc",
    "grpc_server", "header", "health", "hosts", "https", "import", "k8s_external", "kubernetes", "loadbalance",
    "local", "log", "loop", "metadata", "minimal", "multisocket", "nomad", "nsid", "on", "pprof", "prometheus",
    "quic", "ready", "reload", "rewrite", "root", "route53", "secondary", "sign", "template", "timeouts",
    "tls", "trace", "transfer", "tsig", "view", "whoami",
})

_ZONE_RE = re.compile(
    r"^(?:(?:dns|tls|grpc|https|quic)://)?"
    r"(?:\.|(?:[A-Za-z0-9_*]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)(?:\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*\.?"
    r"|[0-9a-fA-F.:/]+)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)


@dataclass
class Directive:
    """One line of a server block: a plugin (or a plugin's own setting) with its arguments."""

    name: str
    args: list[str]
    line: int
    block: Optional[list["Directive"]] = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "args": list(self.args), "line": self.line,
            "block": None if self.block is None else [d.as_dict() for d in self.block],
        }


@dataclass
class ServerBlock:
    keys: list[str]
    line: int
    directives: list[Directive] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "line": self.line, "directives": [d.as_dict() for d in self.directives]}


@dataclass
class _Token:
    text: str
    line: int
    quoted: bool = False
    newline_before: bool = False


def _tokenize(text: str, errors: list[str]) -> list[_Token]:
    tokens: list[_Token] = []
    line = 1
    i = 0
    newline = True
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            newline = True
            i += 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif ch == '"':
            start_line = line
            i += 1
            buf = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                if text[i] == "\n":
                    line += 1
                buf.append(text[i])
                i += 1
            if i >= n:
                errors.append(f"line {start_line}: unterminated quoted string")
            i += 1
            tokens.append(_Token("".join(buf), start_line, quoted=True, newline_before=newline))
            newline = False
        else:
            start = i
            while i < n and text[i] not in " \t\r\n#\"":
                i += 1
            word = text[start:i]
            # `{` and `}` glued to a word ("forward . 1.1.1.1{") are split off the way Caddy does for braces at the end.
            tokens.append(_Token(word, line, newline_before=newline))
            newline = False
    return tokens


def parse(text: Any) -> tuple[list[ServerBlock], list[str]]:
    """Parse a Corefile into server blocks; returns (blocks, structural errors)."""
    errors: list[str] = []
    if not isinstance(text, str):
        return [], [f"the Corefile must be a string, got {type(text).__name__}"]
    tokens = _tokenize(text, errors)
    blocks: list[ServerBlock] = []
    pos = 0

    def parse_body(opened_at: int, depth: int) -> tuple[list[Directive], bool]:
        """Directives until the matching '}'; returns (directives, closed)."""
        nonlocal pos
        directives: list[Directive] = []
        while pos < len(tokens):
            tok = tokens[pos]
            if tok.text == "}" and not tok.quoted:
                pos += 1
                return directives, True
            if tok.text == "{" and not tok.quoted:
                errors.append(f"line {tok.line}: '{{' without a directive before it")
                pos += 1
                inner, closed = parse_body(tok.line, depth + 1)
                if not closed:
                    return directives, False
                continue
            directive = Directive(tok.text, [], tok.line)
            pos += 1
            while pos < len(tokens) and not tokens[pos].newline_before:
                arg = tokens[pos]
                if arg.text == "{" and not arg.quoted:
                    pos += 1
                    directive.block, closed = parse_body(arg.line, depth + 1)
                    if not closed:
                        directives.append(directive)
                        return directives, False
                    break
                if arg.text == "}" and not arg.quoted:
                    break
                directive.args.append(arg.text)
                pos += 1
            directives.append(directive)
        errors.append(f"line {opened_at}: block opened here is never closed (missing '}}')")
        return directives, False

    while pos < len(tokens):
        tok = tokens[pos]
        if tok.text == "}" and not tok.quoted:
            errors.append(f"line {tok.line}: '}}' without a matching '{{'")
            pos += 1
            continue
        if tok.text == "{" and not tok.quoted:
            errors.append(f"line {tok.line}: server block without a zone key before '{{'")
            pos += 1
            parse_body(tok.line, 1)
            continue
        keys = [tok.text]
        key_line = tok.line
        pos += 1
        while pos < len(tokens) and tokens[pos].text != "{":
            if tokens[pos].text == "}":
                break
            if tokens[pos].newline_before:
                # Keys can continue on the next line only after a trailing comma (not used by CoreDNS configs).
                break
            keys.append(tokens[pos].text.rstrip(","))
            pos += 1
        keys = [k.rstrip(",") for k in keys if k.rstrip(",")]
        if pos < len(tokens) and tokens[pos].text == "{":
            opened = tokens[pos].line
            pos += 1
            body, _end = parse_body(opened, 1)
            blocks.append(ServerBlock(keys, key_line, body))
        else:
            errors.append(f"line {key_line}: server block {' '.join(keys)} has no '{{ ... }}' body")
    return blocks, errors


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def forward_target_error(target: str) -> Optional[str]:
    """None when `target` is a valid `forward` destination, else why not."""
    if target.startswith("/"):
        return None  # a resolv.conf-style file, e.g. /etc/resolv.conf
    rest = target
    for scheme in ("dns://", "tls://"):
        if rest.startswith(scheme):
            rest = rest[len(scheme):]
            break
    else:
        if "://" in rest:
            return f"forward target {target!r}: only dns:// and tls:// schemes are allowed"
    host, port = rest, None
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return f"forward target {target!r}: unclosed '[' in an IPv6 address"
        host, tail = rest[1:close], rest[close + 1:]
        if tail:
            if not tail.startswith(":"):
                return f"forward target {target!r}: expected ':port' after ']'"
            port = tail[1:]
    elif rest.count(":") == 1:
        host, port = rest.split(":")
    if not _valid_host(host):
        return f"forward target {target!r}: {host!r} is not an IP address (forwarders must be IPs, not names)"
    if port is not None and (not port.isdigit() or not 1 <= int(port) <= 65535):
        return f"forward target {target!r}: port {port!r} is not 1-65535"
    return None


def _check_directives(directives: list[Directive], known: frozenset[str], errors: list[str], server: str) -> None:
    for directive in directives:
        name = directive.name
        if name not in known:
            hint = get_close_matches(name, sorted(known), n=1)
            errors.append(f"line {directive.line}: unknown plugin {name!r} in server block {server}"
                          + (f" (did you mean {hint[0]!r}?)" if hint else ""))
            continue
        if name == "forward":
            if len(directive.args) < 2:
                errors.append(f"line {directive.line}: forward needs a zone and at least one destination (forward . 10.0.0.10)")
            for target in directive.args[1:]:
                problem = forward_target_error(target)
                if problem:
                    errors.append(f"line {directive.line}: {problem}")
        elif name == "cache":
            if directive.args and not directive.args[0].isdigit():
                errors.append(f"line {directive.line}: cache TTL {directive.args[0]!r} is not a number of seconds")
        elif name == "import":
            if not directive.args:
                errors.append(f"line {directive.line}: import needs a file or snippet name")


def validate(text: Any, known_plugins: Optional[Any] = None) -> list[str]:
    """Every problem of a Corefile, each as 'line N: message'; empty when it is valid."""
    known = frozenset(known_plugins) if known_plugins else KNOWN_PLUGINS
    blocks, errors = parse(text)
    if not isinstance(text, str):
        return errors
    if not blocks and not errors:
        errors.append("the Corefile has no server block")
    seen: dict[str, int] = {}
    for block in blocks:
        server = " ".join(block.keys)
        for key in block.keys:
            match = _ZONE_RE.match(key)
            if not match:
                errors.append(f"line {block.line}: {key!r} is not a zone (example.com, example.com:53, .:53)")
                continue
            port = match.group("port")
            if port is not None and not 1 <= int(port) <= 65535:
                errors.append(f"line {block.line}: port {port} of {key!r} is not 1-65535")
            normal = key.rstrip(".").lower() or "."
            if ":" not in normal.split("://")[-1] and "://" not in key:
                normal += ":53"
            if normal in seen:
                errors.append(f"line {block.line}: zone {key} is already served by the block at line {seen[normal]}")
            else:
                seen[normal] = block.line
        if not block.directives:
            errors.append(f"line {block.line}: server block {server} has no plugins")
        _check_directives(block.directives, known, errors, server)
    return errors


def to_data(text: Any) -> list[dict[str, Any]]:
    """The parsed server blocks as plain data (for templates and tests)."""
    blocks, _problems = parse(text)
    return [block.as_dict() for block in blocks]


def forwarders(text: Any) -> dict[str, list[str]]:
    """Map of server block keys to the destinations of its `forward` plugin."""
    out: dict[str, list[str]] = {}
    for block in parse(text)[0]:
        for directive in block.directives:
            if directive.name == "forward" and len(directive.args) >= 2:
                out[" ".join(block.keys)] = directive.args[1:]
    return out
