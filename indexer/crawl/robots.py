"""robots.txt, per host, parsed with Protego (Scrapy's maintained parser: wildcards, `$`,
Allow/Disallow precedence, Crawl-delay, Sitemap lines).

RFC 9309 rules for fetching it: a 4xx means "no rules" (crawl everything), a 5xx or a network
failure means "assume everything is disallowed" (the site may be in trouble), redirects are
followed by the fetcher like any other request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from protego import Protego

ROBOTS_AGENT = "docsift"
MAX_ROBOTS_BYTES = 512 * 1024  # Google reads the first 500 KiB


@dataclass(frozen=True)
class RobotsRules:
    """The rules one host gave us; `problem` explains a disallow-all caused by an error."""

    parser: Protego | None = None
    problem: str = ""
    sitemaps: tuple[str, ...] = field(default=())

    def allows(self, url: str, agent: str = ROBOTS_AGENT) -> bool:
        if self.problem:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str = ROBOTS_AGENT) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay else 0.0


def parse_robots(text: str) -> RobotsRules:
    parser = Protego.parse(text[:MAX_ROBOTS_BYTES])
    return RobotsRules(parser=parser, sitemaps=tuple(parser.sitemaps))


# what the crawler's fetcher tells us: (status, body) or raises on network failure
RobotsFetch = Callable[[str], tuple[int, bytes]]


class RobotsCache:
    """Rules per `scheme://host:port`, fetched once per crawl; safe to use from worker threads."""

    def __init__(self, fetch: RobotsFetch) -> None:
        self._fetch = fetch
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def known(self, origin: str) -> RobotsRules | None:
        return self._rules.get(origin)

    def rules(self, origin: str) -> RobotsRules:
        """The rules for an origin such as `https://example.org`, fetching them if need be."""
        if origin in self._rules:
            return self._rules[origin]
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._rules:
                self._rules[origin] = self._load(origin)
        return self._rules[origin]

    def _load(self, origin: str) -> RobotsRules:
        try:
            status, body = self._fetch(origin + "/robots.txt")
        except Exception as exc:  # noqa: BLE001 - any failure to read robots.txt means "wait"
            reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            if reason.startswith("refused"):
                return RobotsRules(problem=reason)
            return RobotsRules(problem=f"robots.txt unreachable ({reason})")
        if status >= 500:
            return RobotsRules(problem=f"robots.txt answered HTTP {status}")
        if status >= 400:
            return RobotsRules()
        return parse_robots(body.decode("utf-8", errors="replace"))
