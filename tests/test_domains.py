"""Registered domains: Public Suffix List from tldextract's bundled snapshot only."""
from __future__ import annotations

import pytest

from linkspider import domains
from linkspider.domains import registered_domain


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("www.example.com", "example.com", id="subdomain-dropped"),
        pytest.param("example.com", "example.com", id="already-registered"),
        pytest.param("a.b.c.bbc.co.uk", "bbc.co.uk", id="two-label-public-suffix"),
        pytest.param("WWW.Example.COM", "example.com", id="lowercased"),
        pytest.param("www.example.com.", "example.com", id="trailing-dot"),
        pytest.param("alice.blogspot.com", "alice.blogspot.com", id="private-suffix-blogspot"),
        pytest.param("www.bob.github.io", "bob.github.io", id="private-suffix-github-io"),
        pytest.param("github.io", "github.io", id="bare-suffix-kept"),
        pytest.param("co.uk", "co.uk", id="bare-public-suffix-kept"),
        pytest.param("xn--bcher-kva.de", "xn--bcher-kva.de", id="punycode"),
        pytest.param("www.xn--bcher-kva.xn--p1ai", "xn--bcher-kva.xn--p1ai", id="idn-tld"),
        pytest.param("192.168.0.1", "192.168.0.1", id="ipv4-is-its-own-domain"),
        pytest.param("[2001:db8::1]", "[2001:db8::1]", id="ipv6-is-its-own-domain"),
        pytest.param("localhost", "localhost", id="single-label"),
        pytest.param("a.b.site.test", "site.test", id="unlisted-tld-default-rule"),
        pytest.param("", "", id="empty"),
    ],
)
def test_registered_domain(host: str, expected: str) -> None:
    assert registered_domain(host) == expected


def test_extractor_never_fetches_the_suffix_list() -> None:
    """No worker may download the PSL: no URLs to fetch and no cache directory to fill."""
    extractor = domains._EXTRACT
    assert tuple(extractor.suffix_list_urls) == ()
    assert extractor._cache.enabled is False
    assert extractor.include_psl_private_domains is domains.INCLUDE_PSL_PRIVATE_DOMAINS is True
