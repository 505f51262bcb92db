"""Pure units of the crawler: URL canonicalisation, address checks, robots.txt, discovery.

Literal inputs, exact assertions, nothing connects: the address checks get literal addresses
and a fake resolver.
"""

from __future__ import annotations

import gzip

import pytest

from indexer.crawl.discover import (
    gunzip_capped,
    page_links,
    parse_feed,
    parse_listing,
    parse_sitemap,
)
from indexer.crawl.robots import RobotsCache, parse_robots
from indexer.net.fetcher import parse_retry_after
from indexer.net.guard import Refused, address_problem, check_url_allowed, is_public_address
from indexer.net.urls import canonicalize, host_key
from search.errors import SkipDocument

# -- canonical URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTP://Example.ORG:80/a/b?x=1#frag", "http://example.org/a/b?x=1"),
        ("https://example.org:443", "https://example.org/"),
        ("https://example.org:8443/", "https://example.org:8443/"),
        ("http://example.org/?utm_source=x&utm_medium=y&id=3", "http://example.org/?id=3"),
        ("http://example.org/s?fbclid=1&gclid=2&b=2&a=1", "http://example.org/s?a=1&b=2"),
        ("http://example.org/a//b", "http://example.org/a/b"),
        ("http://example.org/caf\u00e9 story", "http://example.org/caf%C3%A9%20story"),
        ("http://example.org/x%2Fy", "http://example.org/x%2Fy"),
        ("http://bücher.example/", "http://xn--bcher-kva.example/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
    ],
)
def test_canonicalize(given: str, expected: str) -> None:
    assert canonicalize(given) == expected


@pytest.mark.parametrize(
    "given", ["mailto:a@b.c", "javascript:void(0)", "ftp://example.org/f", "file:///etc/passwd", ""]
)
def test_canonicalize_rejects_what_is_not_http(given: str) -> None:
    assert canonicalize(given) is None


def test_canonicalize_resolves_relative_links_and_keeps_host_key() -> None:
    url = canonicalize("../b.html?utm_campaign=z#top", "http://Example.org:8080/news/a/x.html")
    assert url == "http://example.org:8080/news/b.html"
    assert host_key(url) == "example.org:8080"


# -- address checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.0.1",
        "169.254.169.254",  # cloud metadata
        "127.0.0.1",
        "127.0.0.2",
        "0.0.0.0",
        "100.64.0.1",  # carrier-grade NAT
        "100.127.255.254",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fc00::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "fe80::1",
        "fe80::1%eth0",
        "::ffff:127.0.0.1",  # IPv4-mapped IPv6
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:a00:1::",  # 6to4 of 10.0.0.1
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)
    assert address_problem(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111"]
)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def test_metadata_address_is_named_in_the_reason() -> None:
    assert (
        address_problem("169.254.169.254") == "169.254.169.254 is a link-local or metadata address"
    )


def fake_resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


def test_check_url_refuses_a_name_with_any_private_answer() -> None:
    resolve = fake_resolver({"news.example": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(Refused, match="10.0.0.7 is a private address"):
        check_url_allowed("http://news.example/a", resolve=resolve)


def test_check_url_returns_checked_addresses() -> None:
    resolve = fake_resolver({"news.example": ["93.184.216.34"]})
    assert check_url_allowed("https://news.example/a", resolve=resolve) == ["93.184.216.34"]


def test_check_url_allowlist_and_allow_private() -> None:
    resolve = fake_resolver({"127.0.0.1": ["127.0.0.1"], "127.0.0.2": ["127.0.0.2"]})
    allowed = {"127.0.0.1:8000"}
    assert check_url_allowed("http://127.0.0.1:8000/", resolve=resolve, allow_hosts=allowed)
    with pytest.raises(Refused, match="loopback"):
        check_url_allowed("http://127.0.0.1:8001/", resolve=resolve, allow_hosts=allowed)
    with pytest.raises(Refused, match="loopback"):
        check_url_allowed("http://127.0.0.2:8000/", resolve=resolve, allow_hosts=allowed)
    assert check_url_allowed("http://127.0.0.2:8000/", resolve=resolve, allow_private=True)


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "gopher://x/"])
def test_check_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(Refused, match="only http and https"):
        check_url_allowed(url, resolve=fake_resolver({}))


# -- robots.txt -------------------------------------------------------------------------------


ROBOTS = """
User-agent: *
Disallow: /private/
Allow: /private/open.html
Disallow: /*.pdf$
Crawl-delay: 2.5
Sitemap: https://news.example/sitemap_index.xml

User-agent: docsift
Disallow: /no-docsift/
Crawl-delay: 0.5
"""


def test_robots_rules_for_docsift() -> None:
    rules = parse_robots(ROBOTS)
    assert not rules.allows("https://news.example/no-docsift/a")
    assert rules.allows("https://news.example/private/a")  # docsift's own group wins
    assert rules.crawl_delay() == 0.5
    assert rules.sitemaps == ("https://news.example/sitemap_index.xml",)


def test_robots_wildcards_and_allow_precedence() -> None:
    rules = parse_robots(ROBOTS.split("User-agent: docsift")[0])
    assert not rules.allows("https://news.example/private/a.html")
    assert rules.allows("https://news.example/private/open.html")
    assert not rules.allows("https://news.example/files/report.pdf")
    assert rules.allows("https://news.example/files/report.pdf?x=1")
    assert rules.crawl_delay() == 2.5


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (403, True), (500, False), (503, False)]
)
def test_robots_fetch_status_rules(status: int, allowed: bool) -> None:
    cache = RobotsCache(lambda url: (status, b""))
    assert cache.rules("https://news.example").allows("https://news.example/a") is allowed


def test_robots_unreachable_means_wait() -> None:
    def fail(url: str) -> tuple[int, bytes]:
        raise OSError("connection refused")

    rules = RobotsCache(fail).rules("https://news.example")
    assert not rules.allows("https://news.example/a")
    assert rules.problem.startswith("robots.txt unreachable")


# -- discovery --------------------------------------------------------------------------------


def test_page_links_resolve_dedupe_and_skip_nofollow() -> None:
    html = """<html><head><base href="/news/"><link rel="canonical" href="/news/story?utm_source=x">
    </head><body><a href="a.html#top">A</a><a href="a.html">A again</a>
    <a href="mailto:x@y.z">mail</a><a rel="nofollow" href="/ads">ad</a>
    <a href="https://other.example/b?gclid=1">B</a></body></html>"""
    found = page_links(html, "http://news.example/index.html")
    assert found.links == ("http://news.example/news/a.html", "https://other.example/b")
    assert found.canonical == "http://news.example/news/story"


SITEMAP = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://news.example/a?utm_source=sm</loc></url><url><loc> https://news.example/b </loc>
</url></urlset>"""


def test_sitemap_and_sitemap_index() -> None:
    assert parse_sitemap(SITEMAP, "https://news.example/").pages == (
        "https://news.example/a",
        "https://news.example/b",
    )
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://news.example/s1.xml.gz</loc></sitemap></sitemapindex>"""
    listing = parse_sitemap(index, "https://news.example/")
    assert (listing.pages, listing.sitemaps) == ((), ("https://news.example/s1.xml.gz",))


def test_gzipped_sitemap_is_read() -> None:
    listing = parse_listing(gzip.compress(SITEMAP), "https://news.example/", 10_000)
    assert listing is not None and len(listing.pages) == 2


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(SkipDocument, match="inflates past"):
        gunzip_capped(bomb, 1_000_000)


def test_sitemap_entities_are_not_expanded() -> None:
    evil = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <urlset><url><loc>https://news.example/&x;</loc></url></urlset>"""
    listing = parse_sitemap(evil, "https://news.example/")
    assert all("root:" not in url for url in listing.pages)


def test_rss_and_atom_items() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>a</title><link>https://news.example/a?utm_medium=rss</link></item>
    <item><title>b</title><link>/b</link></item></channel></rss>"""
    assert parse_feed(rss, "https://news.example/feed").pages == (
        "https://news.example/a",
        "https://news.example/b",
    )
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>a</title><link rel="alternate" href="https://news.example/c"/></entry></feed>"""
    listing = parse_listing(atom, "https://news.example/atom", 10_000)
    assert listing is not None and listing.kind == "feed"
    assert listing.pages == ("https://news.example/c",)


def test_retry_after_seconds_and_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
