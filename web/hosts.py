"""Which Host names this server answers to (issue 18: DNS rebinding).

A web page on evil.example can make its own name resolve to 127.0.0.1 and then read the local
server as same-origin; the browser still sends `Host: evil.example`. So a request whose Host
is not one of ours gets a 400 before anything else runs: the address the server is bound to,
the loopback names, and whatever `--allowed-host` (or `allowed_hosts`) adds for a proxy. A
server bound to every address (0.0.0.0 or ::) also answers any IP-address Host: a rebinding
page is always a name, never a literal address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from flask import Flask, request
from werkzeug.exceptions import BadRequest

EXTENSION = "docsift_allowed_hosts"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class DisallowedHost(BadRequest):
    """A request whose Host header names a host this server does not answer to."""

    docsift_code = "bad_host"


def normalise(host: str) -> str:
    """A Host header's name alone: no port, no brackets, no trailing dot, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def allowed_hosts(bound: str | None, extra: Iterable[str] = ()) -> tuple[frozenset[str], bool]:
    """(the names a server bound to `bound` answers to, whether any IP literal is fine)."""
    names = {normalise(h) for h in (*LOOPBACK_NAMES, *extra) if h.strip()}
    any_address = False
    if bound:
        host = normalise(bound)
        if host in ("0.0.0.0", "::", ""):
            any_address = True
            for name in (socket.gethostname(), socket.getfqdn()):
                names.add(normalise(name))
        else:
            names.add(host)
    return frozenset(names), any_address


def init_app(app: Flask, bound: str | None, extra: Iterable[str] = ()) -> None:
    """Refuse (400) every request whose Host is not one `bound` and `extra` allow."""
    app.extensions[EXTENSION] = allowed_hosts(bound, extra)
    app.before_request(check_host)


def check_host() -> None:
    """before_request: the Host header must name this server.

    Raises:
        DisallowedHost: it names another host.
    """
    from flask import current_app

    names, any_address = current_app.extensions[EXTENSION]
    raw = request.headers.get("Host") or request.environ.get("SERVER_NAME", "")
    host = normalise(raw)
    if host in names or (any_address and _is_address(host)):
        return
    shown = raw[:100].encode("ascii", "backslashreplace").decode("ascii")
    raise DisallowedHost(
        f"This docsift does not answer to the host {shown!r}. Behind a proxy or under another "
        "name, start it with `docsift serve --allowed-host NAME` (or set DOCSIFT_ALLOWED_HOSTS)."
    )
