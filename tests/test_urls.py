"""URL rules: WHATWG resolution, the stored form, the dedupe key (one table per rule)."""
from __future__ import annotations

import gzip
import json

import ada_url
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkspider.demo.fixture_web import BUNDLED_CORPUS_DIR
from linkspider.errors import InvalidURLError
from linkspider.urls import fast_normalize, host_of, is_web_url, normalize_url, resolve_href, url_key

DATA = BUNDLED_CORPUS_DIR  # the pages that ship with the package
BASE = "http://example.com/dir/page.html?q=1#top"


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        pytest.param("other.html", BASE, "http://example.com/dir/other.html", id="relative-path"),
        pytest.param("../up", BASE, "http://example.com/up", id="dot-dot-segment"),
        pytest.param("./a/./b/../c", BASE, "http://example.com/dir/a/c", id="dot-segments"),
        pytest.param("/%2e%2E/x", BASE, "http://example.com/x", id="percent-encoded-dot-segment"),
        pytest.param("?x=2", BASE, "http://example.com/dir/page.html?x=2", id="query-only"),
        pytest.param("#frag", BASE, "http://example.com/dir/page.html?q=1#frag", id="fragment-kept"),
        pytest.param("//cdn.example.org/a", BASE, "http://cdn.example.org/a", id="scheme-relative"),
        pytest.param("\\\\evil.com\\a\\b", BASE, "http://evil.com/a/b", id="backslashes-are-slashes"),
        pytest.param("  /a b\t\n ", BASE, "http://example.com/a%20b", id="whitespace-stripped-and-encoded"),
        pytest.param("/pa\nth", BASE, "http://example.com/path", id="newline-removed"),
        pytest.param("HTTP://EXAMPLE.COM:80/A", "", "http://example.com/A", id="scheme-host-lowercase-default-port"),
        pytest.param("https://example.com:443/", "", "https://example.com/", id="https-default-port"),
        pytest.param("http://example.com:8080/", "", "http://example.com:8080/", id="other-port-kept"),
        pytest.param("http://bücher.de/ä", "", "http://xn--bcher-kva.de/%C3%A4", id="idna-host-and-utf8-path"),
        pytest.param("http://0x7f.1/", "", "http://127.0.0.1/", id="ipv4-shorthand"),
        pytest.param("http://[::1]:80/", "", "http://[::1]/", id="ipv6"),
        pytest.param("http://exa mple.com/", "", None, id="space-in-host-invalid"),
        pytest.param("http://[::1/", "", None, id="broken-ipv6-invalid"),
        pytest.param("http://a:b:c/", "", None, id="bad-port-invalid"),
        pytest.param("relative", "", None, id="relative-without-base-invalid"),
        pytest.param("http://ok.example/", "not a url", "http://ok.example/", id="absolute-with-unusable-base"),
        pytest.param("mailto:a@b.c", BASE, "mailto:a@b.c", id="other-scheme-returned"),
    ],
)
def test_resolve_href(href: str, base: str, expected: str | None) -> None:
    assert resolve_href(href, base) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("HTTP://WWW.Example.COM/Path", "http://www.example.com/Path", id="lowercase-scheme-host-not-path"),
        pytest.param("http://example.com", "http://example.com/", id="empty-path-is-slash"),
        pytest.param("http://example.com:80/a", "http://example.com/a", id="default-port-dropped"),
        pytest.param("http://example.com/a/../b/./c", "http://example.com/b/c", id="dot-segments-removed"),
        pytest.param("http://example.com/a#frag", "http://example.com/a", id="fragment-dropped"),
        pytest.param("http://user:pw@example.com/a", "http://example.com/a", id="userinfo-dropped"),
        pytest.param("http://example.com/%7euser/%41%2f", "http://example.com/~user/A%2F", id="percent-unreserved-decoded"),
        pytest.param("http://example.com/?q=%c3%a9", "http://example.com/?q=%C3%A9", id="percent-hex-uppercased"),
        pytest.param("http://example.com/a b", "http://example.com/a%20b", id="space-encoded"),
        pytest.param("http://bücher.de/", "http://xn--bcher-kva.de/", id="punycode-host"),
        pytest.param("http://example.com/?b=2&a=1", "http://example.com/?b=2&a=1", id="query-order-kept"),
        pytest.param("ftp://example.com/", None, id="non-web-scheme"),
        pytest.param("javascript:alert(1)", None, id="javascript"),
        pytest.param("not a url", None, id="invalid"),
    ],
)
def test_normalize_url(url: str, expected: str | None) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("http://example.com/a?utm_source=x&id=3", "http://example.com/a?id=3", id="utm-dropped"),
        pytest.param("http://example.com/a?UTM_Medium=x", "http://example.com/a", id="tracking-case-insensitive"),
        pytest.param("http://example.com/?gclid=1&fbclid=2&msclkid=3", "http://example.com/", id="click-ids-dropped"),
        pytest.param("http://example.com/?utm%5Fsource=x&k=v", "http://example.com/?k=v", id="encoded-tracking-name"),
        pytest.param("http://example.com/?b=2&a=1&c", "http://example.com/?a=1&b=2&c", id="query-sorted"),
        pytest.param("http://example.com/?a=2&a=1", "http://example.com/?a=1&a=2", id="repeated-names-sorted"),
        pytest.param("http://example.com/?", "http://example.com/", id="empty-query-dropped"),
        pytest.param("http://example.com/?&&a=1&", "http://example.com/?a=1", id="empty-pairs-dropped"),
        pytest.param("http://Example.com:80/a#x", "http://example.com/a", id="normalized-first"),
        pytest.param("http://example.com/?source=x", "http://example.com/?source=x", id="plain-names-kept"),
    ],
)
def test_url_key(url: str, expected: str) -> None:
    assert url_key(url) == expected


def test_url_key_rejects_non_web_url() -> None:
    with pytest.raises(InvalidURLError):
        url_key("mailto:someone@example.com")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("http://WWW.Example.com:8080/x", "www.example.com", id="lowercase-no-port"),
        pytest.param("http://bücher.de/", "xn--bcher-kva.de", id="punycode"),
        pytest.param("http://[::1]/", "[::1]", id="ipv6"),
        pytest.param("nonsense", "", id="invalid"),
    ],
)
def test_host_of(url: str, expected: str) -> None:
    assert host_of(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://a/", True), ("HTTPS://a/", True), ("ftp://a/", False), ("javascript:x", False), ("", False)],
    ids=["http", "https-uppercase", "ftp", "javascript", "empty"],
)
def test_is_web_url(url: str, expected: bool) -> None:
    assert is_web_url(url) is expected


def _slow(href: str, base: str) -> str | None:
    resolved = resolve_href(href, base)
    return normalize_url(resolved) if resolved else None


@pytest.mark.parametrize(
    "href",
    [
        "/plain/path?x=1", "https://example.org", "http://a.example/x?y=%7e#f", "/x/../y", "/.well-known/a",
        "/a%2e/b", "https://Example.org/", "http://xn--bcher-kva.de/", "http://1.2.3.4/", "http://a.b.c.0x1/",
        "http://a.com:80/", "/^caret", "/a'b?c'd", "//host/path", "/ lead", "http://a.com./",
    ],
)
def test_fast_path_agrees_with_ada_on_edge_cases(href: str) -> None:
    base = "https://page.example/dir/doc"
    fast = fast_normalize(href, ada_url.URL(base).origin)
    assert fast is None or fast == _slow(href, base)


def test_fast_path_agrees_with_ada_on_corpus_hrefs() -> None:
    """Every href of the fixture pages: the fast path either declines or gives Ada's answer."""
    from linkspider.extract.links import parse_html

    labels = json.loads((DATA / "link-labels.json").read_text())
    checked = 0
    for page_id, rec in labels.items():
        tree = parse_html(gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes()))
        origin = ada_url.URL(rec["url"]).origin
        for el in tree.css("a, link, img, script"):
            for href in (el.attributes.get("href"), el.attributes.get("src")):
                if href is None:
                    continue
                fast = fast_normalize(href, origin)
                if fast is not None:
                    checked += 1
                    assert fast == _slow(href, rec["url"]), href
    assert checked > 500


_URLISH = st.text(alphabet="abcXYZ019-._~!$&'()*+,;=:@/%?#[]^ \t\\éz", max_size=30)


@settings(max_examples=400, deadline=None)
@given(prefix=st.sampled_from(["http://", "https://", "/", "http://a.b/", "https://x-y.example/p/"]), rest=_URLISH)
def test_fast_path_agrees_with_ada_on_generated_hrefs(prefix: str, rest: str) -> None:
    base = "http://base.example:8080/d/e"
    href = prefix + rest
    fast = fast_normalize(href, ada_url.URL(base).origin)
    assert fast is None or fast == _slow(href, base)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://a.example/p?sid=1f2e&x=1", "http://a.example/p?x=1"),
        ("http://a.example/p?PHPSESSID=abc", "http://a.example/p"),
        ("http://a.example/p;jsessionid=ABC123?x=1", "http://a.example/p?x=1"),
        ("http://a.example/p?JSESSIONID=1&b=2&a=1", "http://a.example/p?a=1&b=2"),
        ("http://a.example/p?side=1", "http://a.example/p?side=1"),
    ],
    ids=["sid", "phpsessid", "jsessionid-path-param", "case-insensitive", "similar-name-kept"],
)
def test_url_key_drops_session_ids(url, key):
    assert url_key(url) == key


@pytest.mark.parametrize(
    ("url", "count"),
    [("http://a.example/", 0), ("http://a.example/?", 0), ("http://a.example/?a=1&&b", 2),
     ("http://a.example/?a=1#x&y", 1)],
    ids=["none", "empty", "empty-part", "fragment-ignored"],
)
def test_query_param_count(url, count):
    from linkspider.urls import query_param_count

    assert query_param_count(url) == count
