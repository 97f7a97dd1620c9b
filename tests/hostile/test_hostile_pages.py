"""Hostile pages through extract_links: each gives a bounded, counted answer, never a crash or a wrong edge.

The crawl-level cases (a 50 MB body, binary served as text/html) are in test_hostile_crawl.py.
"""
from __future__ import annotations

import random
import time

import pytest

from linkspider.defaults import LINKSPIDER_MAX_LINKS_PER_PAGE
from linkspider.extract import extract_links
from linkspider.extract.links import extract_links_with_stats

BASE = "http://site.example/dir/page.html"


def targets(body: bytes | str, base: str = BASE, **kwargs) -> list[str]:
    return [link.target_url for link in extract_links(body, base, **kwargs)]


PAGES = [
    # (id, body, headers, expected targets in order)
    ("unclosed-anchors", b'<p>a<a href="/a">x<a href="/b">y<div><a href=/c>z', None,
     ["http://site.example/a", "http://site.example/b", "http://site.example/c"]),
    ("truncated-in-tag", b'<a href="/ok">ok</a><a href="/trunc', None, ["http://site.example/ok"]),
    ("truncated-in-attr", b'<a href="/ok">ok</a><a hr', None, ["http://site.example/ok"]),
    ("garbage-around", b'\x80\x81<<<>>><a href="/g">g</a>&&&;</</>', None, ["http://site.example/g"]),
    ("nul-bytes", b'<a href="/before">b</a>\x00\x00<a href="/af\x00ter">a\x00b</a>', None,
     ["http://site.example/before", "http://site.example/af%EF%BF%BDter"]),
    ("comment-hides-link", b'<!-- <a href="/commented">x</a> --><a href="/ok">ok</a>', None, ["http://site.example/ok"]),
    ("unterminated-comment", b'<a href="/ok">ok</a><!-- <a href="/never">x</a>', None, ["http://site.example/ok"]),
    ("cdata-in-html-is-bogus-comment", b'<![CDATA[<a href="/cdata">x</a>]]><a href="/ok">ok</a>', None,
     ["http://site.example/ok"]),
    ("cdata-in-svg-is-text", b'<svg><![CDATA[<a href="/svg">x</a>]]></svg><a href="/ok">ok</a>', None,
     ["http://site.example/ok"]),
    ("script-and-style-text", b'<script>document.write("<a href=/js>")</script><style>a{}</style><a href="/ok">o</a>',
     None, ["http://site.example/ok"]),
    ("base-elsewhere", b'<base href="http://elsewhere.example/sub/"><a href="page">p</a>', None,
     ["http://elsewhere.example/sub/page"]),
    ("base-relative", b'<base href="/other/"><a href="page">p</a>', None, ["http://site.example/other/page"]),
    ("base-first-wins", b'<base href="http://one.example/"><base href="http://two.example/"><a href="p">p</a>', None,
     ["http://one.example/p"]),
    ("base-invalid", b'<base href="http://[invalid"><a href="page">p</a>', None, ["http://site.example/dir/page"]),
    ("base-javascript", b'<base href="javascript:alert(1)"><a href="page">p</a>', None, ["http://site.example/dir/page"]),
    ("base-data", b'<base href="data:text/html,x"><a href="page">p</a>', None, ["http://site.example/dir/page"]),
    ("charset-header-wins-over-meta", '<meta charset="utf-8"><a href="/café">c</a>'.encode(),
     {"Content-Type": "text/html; charset=iso-8859-1"}, ["http://site.example/caf%C3%83%C2%A9"]),
    ("charset-meta", '<meta charset="windows-1251"><a href="/п">п</a>'.encode("cp1251"), None,
     ["http://site.example/%D0%BF"]),
    ("charset-missing-sniff-cp1252", '<a href="/café">c</a>'.encode("cp1252"), None, ["http://site.example/caf%C3%A9"]),
    ("charset-missing-utf8", '<a href="/café">c</a>'.encode(), None, ["http://site.example/caf%C3%A9"]),
    ("charset-bogus-name", '<a href="/café">c</a>'.encode(), {"Content-Type": "text/html; charset=x-bogus"},
     ["http://site.example/caf%C3%A9"]),
    ("charset-utf16-bom", '\ufeff<a href="/u16">u</a>'.encode("utf-16-le"), None, ["http://site.example/u16"]),
    ("empty", b"", None, []),
    ("whitespace-only", b" \n\t ", None, []),
    ("no-html-just-text", b"hello world", None, []),
]


@pytest.mark.parametrize(("body", "headers", "expected"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_hostile_page(body: bytes, headers: dict | None, expected: list[str]) -> None:
    assert targets(body, headers=headers) == expected


def test_anchor_text_with_nul_and_binary_is_clean() -> None:
    links = extract_links(b'<a href="/x">a\x00b\x01c\x7f</a>', BASE)
    assert links and "\x00" not in links[0].anchor_text


def test_binary_served_as_html() -> None:
    rng = random.Random(7)
    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(200_000))
    result = extract_links_with_stats(png, BASE, headers={"Content-Type": "text/html"})
    for link in result.links:  # whatever lxml makes of noise, each link must still be a sound URL
        assert link.target_url.startswith(("http://", "https://")) and "#" not in link.target_url


def test_links_per_page_capped_and_counted() -> None:
    body = b"<body>" + b"".join(b'<a href="/p%d">l%d</a>' % (i, i) for i in range(20_000))
    result = extract_links_with_stats(body, BASE, max_links=500)
    assert len(result.links) == 500
    assert result.dropped["max_links"] == 19_500
    assert result.links[0].target_url == "http://site.example/p0"


def _page(n: int) -> bytes:
    return b"<body>" + b"".join(b'<p><a href="/p%d">link %d</a></p>\n' % (i, i) for i in range(n))


def test_200k_links_page_is_bounded() -> None:
    """A 200,000-link page under the default cap: the first links kept, the rest counted.

    (What the cap costs in time is measured by bench/bench_extract.py, not asserted here.)
    """
    cap = LINKSPIDER_MAX_LINKS_PER_PAGE
    result = extract_links_with_stats(_page(200_000), BASE, max_links=cap)
    assert len(result.links) == cap
    assert result.dropped["max_links"] == 200_000 - cap


def test_10000_deep_nesting_keeps_or_counts_links() -> None:
    depth = 10_000
    body = b"<div>" * depth + b'<a href="/deep">deep</a>' + b"</div>" * depth + b'<a href="/after">after</a>'
    start = time.perf_counter()
    result = extract_links_with_stats(body, BASE)
    assert time.perf_counter() - start < 10
    found = [link.target_url for link in result.links]
    assert found == ["http://site.example/deep", "http://site.example/after"] or sum(result.dropped.values()) > 0


def test_2000_deep_nesting_is_parsed() -> None:
    body = b"<div>" * 2000 + b'<a href="/deep">deep</a>' + b"</div>" * 2000 + b'<a href="/after">after</a>'
    assert targets(body) == ["http://site.example/deep", "http://site.example/after"]


def test_overlong_anchor_text_capped() -> None:
    links = extract_links(b'<a href="/x">' + b"word " * 100_000 + b"</a>", BASE, max_anchor_chars=256)
    assert len(links) == 1 and len(links[0].anchor_text) <= 257
