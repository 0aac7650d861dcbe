"""Where a webhook may be sent: the URL's shape, the address policy, and one resolution.

A destination is resolved exactly once per delivery. Every address the name resolves to
must pass the policy, and the connection is then made to one of *those* addresses (see
``pinned_http``), never to a second answer from DNS: a name that answers a public address
to the check and ``127.0.0.1`` to the connect (DNS rebinding) cannot steer us inward.

The policy refuses anything that is not a globally routable unicast address: loopback,
private ranges, link-local (169.254.169.254, the cloud metadata service, included),
CGNAT (100.64.0.0/10), multicast, reserved and unspecified addresses, and their IPv6
forms. IPv6 addresses that carry an IPv4 address inside (IPv4-mapped ``::ffff:a.b.c.d``,
NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) are judged by the address they
carry, because a gateway on the path would deliver them there.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

MAX_URL_LENGTH = 2000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Stated outright rather than trusting ``is_global`` alone: its tables differ between
# Python versions, and these are the ranges that matter most for server-side forgery.
BLOCKED_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10",
    "ff00::/8",
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")

# What the owner reads; the same words whatever the address was, so the answer tells
# nobody which internal addresses exist or listen.
NOT_PUBLIC = "The URL points at a private, loopback or reserved address."
BAD_URL = "Enter an absolute http:// or https:// URL."
NO_CREDENTIALS = "Credentials in the URL are not allowed; the signature authenticates us."
DOES_NOT_RESOLVE = "The host name does not resolve."


class DestinationRefused(Exception):
    """The URL may not be sent to; ``str(exc)`` is the owner-facing reason."""


@dataclass(frozen=True)
class Destination:
    """A URL split into what the connection needs, with the addresses it may use."""

    scheme: str
    host: str  # ASCII (IDNA) name or IP literal, IPv6 without brackets
    port: int
    addresses: tuple[str, ...]  # checked, in resolver order; connect only to these

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def getaddrinfo(host: str, port: int):
    """The system resolver. Tests replace this module attribute with a fake."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def allow_private_targets() -> bool:
    """Outside production the shop's test server usually lives on 127.0.0.1."""
    configured = current_app.config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS")
    if configured is not None:
        return bool(configured)
    return current_app.config.get("APP_ENV") != "production"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address; the server part is a relay
    return None


def is_public(address: IPAddress) -> bool:
    """True only for a globally routable unicast address (see the module docstring)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    if any(address in network for network in BLOCKED_NETWORKS if network.version == address.version):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_link_local
                                      or address.is_loopback or address.is_unspecified or address.is_private)


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL; raises DestinationRefused otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise DestinationRefused(BAD_URL)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused(BAD_URL) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused(BAD_URL)
    if parts.username or parts.password:
        raise DestinationRefused(NO_CREDENTIALS)
    host = parts.hostname
    try:
        ipaddress.ip_address(host)
    except ValueError:
        # The name as it travels (Host header, TLS server name): IDNA, ASCII only.
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise DestinationRefused(BAD_URL) from None
    return parts.scheme, host, port


def target_of(url: str) -> str:
    """The request target (path and query) of an accepted URL; the fragment never travels."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def resolve(url: str) -> Destination:
    """Check ``url`` and resolve its host once. Raises DestinationRefused.

    Every address must pass the policy (unless private targets are allowed): a name that
    lists one inward address among public ones is refused as a whole, since we could not
    say which one a later resolution would favour.
    """
    scheme, host, port = parse(url)
    try:
        infos = getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError, OSError):
        raise DestinationRefused(DOES_NOT_RESOLVE) from None
    addresses: list[str] = []
    for info in infos:
        if info[0] not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(info[4][0])
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise DestinationRefused(NOT_PUBLIC) from None  # scoped (fe80::1%eth0) or odd: never public
        if text not in addresses:
            addresses.append(text)
        if not is_public(address) and not allow_private_targets():
            raise DestinationRefused(NOT_PUBLIC)
    if not addresses:
        raise DestinationRefused(DOES_NOT_RESOLVE)
    return Destination(scheme, host, port, tuple(addresses))


def problem(url: str) -> str | None:
    """Why we must not register ``url``, or None. Where private targets are allowed
    (development) only the URL's shape is checked, so an endpoint may be registered
    before its name resolves; deliveries resolve and check again every time."""
    try:
        if allow_private_targets():
            parse(url)
        else:
            resolve(url)
    except DestinationRefused as exc:
        return str(exc)
    return None
