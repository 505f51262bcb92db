"""URL canonicalisation for the crawler: one spelling per page, so nothing is fetched twice.

Two links that differ only by a fragment, the case of the scheme or host, a default port, the
order of query parameters or tracking parameters (utm_*, fbclid, ...) name the same page; the
canonical form is also what the document id is made from (`make_doc_id(canonical_url)`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# parameters that only say where a reader came from, never which page they asked for
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
        "cmpid",
        "ocid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        return f"[{host}]"
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def canonicalize(url: str, base: str | None = None) -> str | None:
    """The canonical form of `url` (resolved against `base`), or None if it is not http(s).

    Lower-cases scheme and host, drops the fragment, default ports, tracking parameters and
    empty query, sorts the remaining parameters, re-quotes the path consistently, and turns an
    empty path into "/".
    """
    url = url.strip()
    if not url or url.startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        joined = urljoin(base, url) if base else url
        parts = urlsplit(joined)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES or not parts.hostname:
            return None
        port = parts.port
    except ValueError:
        return None
    host = _host(parts.hostname)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path, safe=_SAFE_PATH) or "/"
    path = re.sub(r"/{2,}", "/", path)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote), ""))


def host_key(url: str) -> str:
    """`host[:port]` of a canonical URL: the unit of politeness (delay, one request at a time)."""
    return urlsplit(url).netloc


def same_site(url: str, hosts: frozenset[str]) -> bool:
    """True when the URL's host (ignoring a leading "www.") is one of `hosts`."""
    netloc = host_key(url)
    return netloc in hosts or netloc.removeprefix("www.") in {h.removeprefix("www.") for h in hosts}
