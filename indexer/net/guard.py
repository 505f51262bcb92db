"""Address checks that keep the crawler off loopback, private, link-local and metadata hosts.

A crawled page can link or redirect anywhere, including `http://169.254.169.254/` (cloud
metadata) or the admin page of a router on 192.168.0.1. So every URL is resolved here, every
address it resolves to is checked, and the fetch then connects to one of those checked
addresses (never resolving again, which would let DNS rebinding slip past the check). Pure
functions: tests pass literal addresses and a fake resolver, nothing connects.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from search.errors import SkipDocument

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# ranges `is_global` may not exclude on every Python version, listed so the rule is visible
_BLOCKED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, incl. 169.254.169.254 cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",  # unique local, incl. fd00:ec2::254 (AWS metadata over IPv6)
        "fe80::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
PRIVATE_HINT = "pass --allow-private to fetch local or private addresses"


class Refused(SkipDocument):
    """A URL the crawler will not fetch: bad scheme, or an address it must not reach."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: str | IPAddress) -> str:
    """Why this address must not be fetched ("" when it is a public address)."""
    try:
        addr = ipaddress.ip_address(str(ip).split("%")[0]) if isinstance(ip, str) else ip
    except ValueError:
        return f"{ip!r} is not an IP address"
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_ipv4(addr)
        if inner is not None:
            problem = address_problem(inner)
            return f"{addr} embeds {problem}" if problem else ""
    for net in _BLOCKED:
        if addr.version == net.version and addr in net:
            kind = (
                "loopback"
                if addr.is_loopback
                else "link-local or metadata"
                if addr.is_link_local
                else "unspecified"
                if addr.is_unspecified
                else "multicast"
                if addr.is_multicast
                else "private"
            )
            return f"{addr} is a {kind} address"
    if not addr.is_global:
        return f"{addr} is not a public address"
    return ""


def is_public_address(ip: str | IPAddress) -> bool:
    """True for addresses on the public internet; False for every internal range."""
    return not address_problem(ip)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (getaddrinfo), deduplicated, in the system's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from exc
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def check_url_allowed(
    url: str,
    *,
    resolve: Resolver = system_resolver,
    allow_private: bool = False,
    allow_hosts: Collection[str] = (),
) -> list[str]:
    """Resolve the URL's host and return the addresses that may be connected to.

    `allow_hosts` ("host:port" or "host") are trusted as given; `allow_private` trusts every
    address. Otherwise every resolved address must be public: one private answer refuses the
    whole host, since the connection could land on any of them.

    Raises:
        Refused: not http(s), no host, unresolvable, or an address that is not public.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are fetched, not {parts.scheme or 'none'}:", url)
    if not parts.hostname:
        raise Refused("URL has no host", url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("bad port in URL", url) from exc
    host = parts.hostname
    addresses = resolve(host, port)
    if not addresses:
        raise Refused(f"{host} resolves to no address", url)
    trusted = allow_private or f"{host}:{port}" in allow_hosts or host in allow_hosts
    if not trusted:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise Refused(f"refused: {host} -> {problem} ({PRIVATE_HINT})", url)
    return addresses
