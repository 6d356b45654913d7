# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LinkOps platform engineering
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP and TLS from the host to the ingress controller, as a client outside the cluster sees it:
the address standing for the load balancer (network.env INGRESS_IP, the controller Service's
external IP), the host name in SNI and in the Host header."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass, field
from typing import Optional

from cryptography import x509

from e2e_env import NETWORK

INGRESS_IP = NETWORK["INGRESS_IP"]
INGRESS_ZONE = NETWORK["INGRESS_ZONE"]


def dns_names(certificate: x509.Certificate) -> list[str]:
    """The DNS names of a certificate's subjectAltName."""
    return certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    # The leaf certificate the server presented (HTTPS only).
    certificate: Optional[x509.Certificate] = None
    chain_verified: bool = False
    extra: dict = field(default_factory=dict)

    def header(self, name: str) -> Optional[str]:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class IngressClient:
    """One keep-alive connection to the ingress address for one host name.

    ``trust``: PEM CA certificates the server's chain must verify against (with the host name
    checked); None accepts any certificate (to look at what is served, or when TLS is not the
    point of the test). A handshake that does not verify raises ssl.SSLCertVerificationError."""

    def __init__(self, host: str, https: bool = True, trust: Optional[str] = None, timeout: float = 10.0) -> None:
        self.host, self.https, self.trust, self.timeout = host, https, trust, timeout
        self.port = 443 if https else 80
        self._conn: Optional[http.client.HTTPConnection] = None
        self._certificate: Optional[x509.Certificate] = None

    def _connect(self) -> http.client.HTTPConnection:
        sock = socket.create_connection((INGRESS_IP, self.port), timeout=self.timeout)
        if self.https:
            if self.trust is not None:
                context = ssl.create_default_context(cadata=self.trust)
            else:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=self.host)
            self._certificate = x509.load_der_x509_certificate(sock.getpeercert(binary_form=True))
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        conn.sock = sock
        return conn

    def request(self, path: str, method: str = "GET", headers: Optional[dict[str, str]] = None) -> Response:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.request(method, path, headers={"Host": self.host, **(headers or {})})
            raw = self._conn.getresponse()
            body = raw.read().decode(errors="replace")
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        if raw.getheader("connection", "").lower() == "close":
            self.close()
        return Response(raw.status, dict(raw.getheaders()), body, self._certificate, self.trust is not None)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "IngressClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def get(host: str, path: str = "/", https: bool = True, trust: Optional[str] = None, **kwargs) -> Response:
    """One request on a connection of its own."""
    with IngressClient(host, https=https, trust=trust) as client:
        return client.request(path, **kwargs)
