"""Property tests over the URL functions: hostile input never raises, stored URLs are canonical.

"Stored" means what :func:`linkspider.urls.normalize_url` returns: absolute http(s), no fragment,
no userinfo, and a fixed point (normalizing it again gives it back).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkspider.errors import InvalidURLError
from linkspider.urls import host_of, normalize_url, resolve_href, url_key

from .strategies import HREFS, urls

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_stored_form(url: str) -> None:
    assert url.startswith(("http://", "https://")), url
    assert "#" not in url, url
    authority = url.split("//", 1)[1].split("/", 1)[0]
    assert "@" not in authority, url
    assert host_of(url), url
    assert normalize_url(url) == url, url
    assert url.isascii(), url  # IDN hosts as punycode, everything else percent-encoded
    assert not any(c in url for c in " \t\n\r\x00"), url


@FUZZ
@given(st.one_of(urls(), st.text(max_size=80)))
@example("http://user:pass@Example.COM:80/a/../b?x#frag")
@example("http://bücher.example/ä")
@example("http://[0:0::1]:8080/")
@example("http://%zz/")
@example("https://а.example/")  # Cyrillic a
def test_normalize_url_total(url: str) -> None:
    stored = normalize_url(url)
    if stored is not None:
        assert_stored_form(stored)
        assert url_key(stored) == url_key(url_key(stored))


@FUZZ
@given(HREFS, st.one_of(urls(), st.just("http://base.example/dir/page.html")))
def test_resolve_href_total(href: str, base: str) -> None:
    resolved = resolve_href(href, base)
    if resolved is None:
        return
    assert isinstance(resolved, str)
    stored = normalize_url(resolved)
    if stored is not None:
        assert_stored_form(stored)


@FUZZ
@given(st.one_of(urls(), st.text(max_size=80)))
def test_url_key_raises_only_invalid_url_error(url: str) -> None:
    try:
        key = url_key(url)
    except InvalidURLError:
        assert normalize_url(url) is None
        return
    assert_stored_form(key)
    assert url_key(key) == key


@FUZZ
@given(st.one_of(urls(), st.text(max_size=80)))
def test_host_of_total(url: str) -> None:
    assert isinstance(host_of(url), str)


HOSTILE_URLS = [
    # (input, expected stored form)
    ("http://user:secret@example.com/", "http://example.com/"),
    ("https://:pw@example.com:443/x", "https://example.com/x"),
    ("http://bücher.example/", "http://xn--bcher-kva.example/"),
    ("http://аpple.com/", "http://xn--pple-43d.com/"),  # Cyrillic а: homograph stored as punycode
    ("http://ЕXAMPLE.com/", "http://xn--xample-2of.com/"),  # Cyrillic Е
    ("http://例え.テスト/", "http://xn--r8jz45g.xn--zckzah/"),
    ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
    ("http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
    ("http://0x7f.1/", "http://127.0.0.1/"),
    ("http://2130706433/", "http://127.0.0.1/"),
    ("http://example.com/%7euser/%e2%82%ac", "http://example.com/~user/%E2%82%AC"),
    ("http://example.com/a%zzb", "http://example.com/a%zzb"),
    ("http://example.com/#frag", "http://example.com/"),
    ("HTTP://EXAMPLE.COM:80/./a/../b", "http://example.com/b"),
    ("javascript:alert(1)", None),
    ("mailto:a@example.com", None),
    ("x-custom://example.com/", None),
    ("ftp://example.com/", None),
    ("http://exa mple.com/", None),
    ("http://[::1/", None),
    ("http://256.1.1.1/", None),
    ("http:///", None),
    ("", None),
]


@pytest.mark.parametrize(("url", "expected"), HOSTILE_URLS, ids=[u or "empty" for u, _ in HOSTILE_URLS])
def test_hostile_url_table(url: str, expected: str | None) -> None:
    assert normalize_url(url) == expected
