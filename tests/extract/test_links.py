"""extract_links: one table per edge field (rel, anchor text, link type, base, robots, drops, hostile input)."""
from __future__ import annotations

import dataclasses
import gzip
import json
import pickle

import ada_url
import pytest
from scrapy.http import Headers

from linkspider.demo.fixture_web import BUNDLED_CORPUS_DIR
from linkspider.extract import Link, extract_links, extract_links_with_stats
from linkspider.extract.links import _make_link, _origin
from linkspider.extract.text import DEFAULT_MAX_ANCHOR_CHARS

DATA = BUNDLED_CORPUS_DIR  # the pages that ship with the package (linkspider/demo/corpus)
PAGE = "https://site.example/blog/post.html"


def only(body: str | bytes, **kwargs) -> Link:
    links = extract_links(body.encode() if isinstance(body, str) else body, PAGE, **kwargs)
    assert len(links) == 1, links
    return links[0]


@pytest.mark.parametrize(
    ("rel", "tokens", "nofollow", "sponsored", "ugc"),
    [
        pytest.param(None, (), False, False, False, id="no-rel"),
        pytest.param("nofollow", ("nofollow",), True, False, False, id="nofollow"),
        pytest.param("sponsored", ("sponsored",), False, True, False, id="sponsored"),
        pytest.param("ugc", ("ugc",), False, False, True, id="ugc"),
        pytest.param("NoFollow UGC", ("nofollow", "ugc"), True, False, True, id="case-insensitive"),
        pytest.param(" noopener\tnoreferrer\n nofollow ", ("noopener", "noreferrer", "nofollow"), True, False, False,
                     id="any-ascii-whitespace"),
        pytest.param("nofollow nofollow", ("nofollow",), True, False, False, id="duplicates-dropped"),
        pytest.param("sponsored ugc nofollow", ("sponsored", "ugc", "nofollow"), True, True, True, id="all-three"),
        pytest.param("external", ("external",), False, False, False, id="other-token-kept"),
        pytest.param("no-follow", ("no-follow",), False, False, False, id="misspelt-is-not-nofollow"),
        pytest.param("", (), False, False, False, id="empty"),
    ],
)
def test_rel(rel, tokens, nofollow, sponsored, ugc) -> None:
    attr = "" if rel is None else f' rel="{rel}"'
    link = only(f'<p><a href="/x"{attr}>text</a></p>')
    assert (link.rel, link.nofollow, link.sponsored, link.ugc) == (tokens, nofollow, sponsored, ugc)


@pytest.mark.parametrize(
    ("html", "headers"),
    [
        pytest.param('<meta name="robots" content="nofollow">', None, id="meta-robots-nofollow"),
        pytest.param('<meta name="ROBOTS" content="noindex, NoFollow">', None, id="meta-robots-list-any-case"),
        pytest.param('<meta name="robots" content="none">', None, id="meta-robots-none"),
        pytest.param("", {"X-Robots-Tag": "nofollow"}, id="x-robots-tag-dict"),
        pytest.param("", {"x-robots-tag": ["noarchive", "noindex, nofollow"]}, id="x-robots-tag-second-value"),
        pytest.param("", Headers({"X-Robots-Tag": "none"}), id="x-robots-tag-scrapy-headers"),
        pytest.param("", [(b"X-Robots-Tag", b"nofollow")], id="x-robots-tag-byte-pairs"),
        pytest.param("", {"X-Robots-Tag": "linkspider: nofollow"}, id="x-robots-tag-our-agent"),
    ],
)
def test_page_nofollow_marks_every_link(html: str, headers) -> None:
    body = f"<html><head>{html}</head><body><a href='/a'>a</a><a href='/b' rel='ugc'>b</a></body></html>"
    result = extract_links_with_stats(body.encode(), PAGE, headers=headers)
    assert result.page_nofollow is True
    assert [link.nofollow for link in result.links] == [True, True]
    assert result.links[1].ugc is True


@pytest.mark.parametrize(
    ("html", "headers"),
    [
        pytest.param('<meta name="robots" content="noindex">', None, id="noindex-only"),
        pytest.param('<meta name="description" content="nofollow">', None, id="other-meta"),
        pytest.param("", {"X-Robots-Tag": "googlebot: nofollow"}, id="other-agent"),
        pytest.param("", {"X-Robots-Tags": "nofollow"}, id="other-header"),
    ],
)
def test_page_follow(html: str, headers) -> None:
    body = f"<html><head>{html}</head><body><a href='/a'>a</a></body></html>"
    result = extract_links_with_stats(body.encode(), PAGE, headers=headers)
    assert result.page_nofollow is False
    assert result.links[0].nofollow is False


@pytest.mark.parametrize(
    ("inner", "text"),
    [
        pytest.param("Plain text", "Plain text", id="plain"),
        pytest.param("  lots \n\t of \u00a0 space  ", "lots of space", id="whitespace-collapsed-nbsp-too"),
        pytest.param("<b>Bold</b> and <i>italic</i>", "Bold and italic", id="nested-inline"),
        pytest.param("caf&eacute; &amp; &#x263A;", "café & \u263a", id="entities-decoded"),
        pytest.param("<span>line</span><br>break", "linebreak", id="textcontent-br-adds-no-space"),
        pytest.param("<!-- hidden -->visible", "visible", id="comments-ignored"),
        pytest.param("", "", id="empty"),
        pytest.param("&copy; 2024 <script>document.write(new Date().getFullYear());</script> Example Corp",
                     "© 2024 Example Corp", id="script-code-is-not-text"),
        pytest.param("<style>.x { color: red }</style>Styled", "Styled", id="style-rules-are-not-text"),
        pytest.param('<script type="text/template"><source srcset="a.jpg 250w"></script>Headline', "Headline",
                     id="script-template-is-not-text"),
    ],
)
def test_anchor_text(inner: str, text: str) -> None:
    assert only(f'<p><a href="/x">{inner}</a></p>').anchor_text == text


def test_anchor_text_is_capped() -> None:
    words = " ".join(["word"] * 200)
    link = only(f'<p><a href="/x">{words}</a></p>')
    assert len(link.anchor_text) <= DEFAULT_MAX_ANCHOR_CHARS
    assert words.startswith(link.anchor_text) and not link.anchor_text.endswith(" ")
    assert only(f'<p><a href="/x">{words}</a></p>', max_anchor_chars=10).anchor_text == "word word"


@pytest.mark.parametrize(
    ("html", "link_type", "text", "alt"),
    [
        pytest.param('<a href="/x">text</a>', "a", "text", None, id="text-link"),
        pytest.param('<a href="/x"><img src="i.png" alt=" A  logo "></a>', "img", "", "A logo", id="image-link"),
        pytest.param('<a href="/x"><img src="i.png"></a>', "img", "", None, id="image-link-no-alt"),
        pytest.param('<a href="/x"><img src="i.png" alt="pic"> Caption</a>', "a", "Caption", "pic", id="image-and-text"),
        pytest.param('<map name="m"><area href="/x" alt="Region"></map>', "area", "", "Region", id="area"),
        pytest.param('<link rel="canonical" href="/x">', "canonical", "", None, id="canonical"),
        pytest.param('<link rel="Canonical Alternate" href="/x">', "canonical", "", None, id="canonical-among-tokens"),
        pytest.param('<meta http-equiv="refresh" content="5; url=/x">', "refresh", "", None, id="meta-refresh"),
        pytest.param("<meta http-equiv=Refresh content=\"0;URL='/x'\">", "refresh", "", None, id="meta-refresh-quoted"),
        pytest.param('<meta http-equiv="refresh" content="2, /x">', "refresh", "", None, id="meta-refresh-comma-no-url-word"),
    ],
)
def test_link_types(html: str, link_type: str, text: str, alt: str | None) -> None:
    link = only(html)
    assert (link.target_url, link.link_type, link.anchor_text, link.alt) == ("https://site.example/x", link_type, text, alt)


@pytest.mark.parametrize(
    "html",
    [
        pytest.param('<link rel="stylesheet" href="/s.css">', id="stylesheet-link"),
        pytest.param('<meta http-equiv="refresh" content="30">', id="refresh-without-url"),
        pytest.param('<meta http-equiv="refresh" content="url=/x">', id="refresh-without-time"),
        pytest.param('<meta http-equiv="refresh" content="soon; url=/x">', id="refresh-bad-time"),
        pytest.param("<a>no href</a><a name='x'>anchor</a>", id="anchor-without-href"),
    ],
)
def test_not_links(html: str) -> None:
    assert extract_links(html.encode(), PAGE) == []


def test_canonical_and_refresh_from_headers() -> None:
    links = extract_links(
        b"<base href='https://cdn.example/'><a href='x'>x</a>",
        PAGE,
        headers={"Link": '</canon>; rel="canonical", </style.css>; rel=stylesheet', "Refresh": "3; url=/next"},
    )
    got = [(link.link_type, link.target_url) for link in links]
    assert got == [
        ("canonical", "https://site.example/canon"),  # header URLs resolve against the page, not <base>
        ("refresh", "https://site.example/next"),
        ("a", "https://cdn.example/x"),
    ]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param('<base href="/other/">', "https://site.example/other/rel", id="base-honoured"),
        pytest.param('<base href="https://cdn.example/x/">', "https://cdn.example/x/rel", id="base-absolute"),
        pytest.param('<base target="_blank"><base href="/second/">', "https://site.example/second/rel",
                     id="first-base-with-href"),
        pytest.param('<base href="/one/"><base href="/two/">', "https://site.example/one/rel", id="only-first-base"),
        pytest.param('<base href="http://[bad">', "https://site.example/blog/rel", id="invalid-base-ignored"),
        pytest.param('<base href="javascript:alert(1)">', "https://site.example/blog/rel", id="non-web-base-ignored"),
    ],
)
def test_base_href(head: str, expected: str) -> None:
    assert only(f"<html><head>{head}</head><body><a href='rel'>r</a></body></html>").target_url == expected


@pytest.mark.parametrize(
    ("href", "reason"),
    [
        pytest.param("javascript:void(0)", "javascript", id="javascript"),
        pytest.param("JavaScript:go()", "javascript", id="javascript-uppercase"),
        pytest.param("mailto:me@example.com", "mailto", id="mailto"),
        pytest.param("tel:+123", "tel", id="tel"),
        pytest.param("data:text/html,hi", "data", id="data"),
        pytest.param("ftp://example.com/f", "ftp", id="ftp"),
        pytest.param("whatsapp://send?text=x", "other_scheme", id="other-scheme"),
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="blank"),
        pytest.param("#section", "fragment", id="in-page-fragment"),
        pytest.param(" #top ", "fragment", id="in-page-fragment-spaces"),
        pytest.param("http://[::1", "invalid", id="invalid"),
    ],
)
def test_dropped_links_are_counted(href: str, reason: str) -> None:
    result = extract_links_with_stats(f'<a href="{href}">x</a><a href="/kept">k</a>'.encode(), PAGE)
    assert [link.href for link in result.links] == ["/kept"]
    assert dict(result.dropped) == {reason: 1}


def test_href_as_written_and_target_normalized() -> None:
    link = only('<a href=" HTTP://Site.Example:443/a/./b/../c?utm_source=x#frag ">x</a>')
    assert link.href == " HTTP://Site.Example:443/a/./b/../c?utm_source=x#frag "
    assert link.target_url == "http://site.example:443/a/c?utm_source=x"  # keeps what it points to; url_key drops utm


def test_duplicates() -> None:
    body = b"".join(b'<p>Text <a href="/%d">link %d</a></p>' % (i % 5, i % 5) for i in range(20))
    result = extract_links_with_stats(body, PAGE)
    assert [link.target_url for link in result.links] == [f"https://site.example/{i}" for i in range(5)]
    assert result.dropped == {"duplicate": 15}


def test_max_links_counts_the_rest_without_resolving_them() -> None:
    body = b"<link rel=canonical href='/c'>" + b"".join(b'<p><a href="/%d">link %d</a></p>' % (i, i) for i in range(20))
    body += b"<a>placeholder</a><a href='javascript:x'>js</a>"
    result = extract_links_with_stats(body, PAGE, max_links=3)
    assert [link.target_url.rsplit("/", 1)[1] for link in result.links] == ["c", "0", "1"]
    # past the cap every remaining a/area element is counted unexamined (17 links, the placeholder, the js
    # link), and "/2" is cut at the end to make room for the canonical
    assert result.dropped == {"max_links": 20}


@pytest.mark.parametrize(
    ("limit", "kept"), [(2083, ["ok"]), (0, ["ok", "long"])], ids=["default-2083", "zero-no-limit"]
)
def test_max_url_length(limit: int, kept: list[str]) -> None:
    body = b'<a href="/ok">ok</a><a href="/' + b"x" * 3000 + b'">long</a>'
    result = extract_links_with_stats(body, PAGE, max_url_length=limit)
    assert [link.anchor_text for link in result.links] == kept
    assert result.dropped.get("too_long", 0) == 2 - len(kept)


def test_too_deep_page_is_reparsed_flat() -> None:
    body = b"<div>" * 5000 + b'<a href="/deep">deep</a>' + b"</div>" * 5000 + b'<a href="/after">after</a>'
    result = extract_links_with_stats(body, PAGE)
    assert result.flattened is True
    assert [link.target_url for link in result.links] == ["https://site.example/deep", "https://site.example/after"]
    assert extract_links_with_stats(b"<div>" * 1000 + b"<a href='/x'>x</a>", PAGE).flattened is False


@pytest.mark.parametrize(
    ("body", "flat"),
    [
        # deep inline nesting under many blocks: each block start tag would scan the whole stack
        pytest.param(b"<span>" * 20_000 + b"<div>x</div>" * 20_000, True, id="inline-stack-under-blocks"),
        pytest.param(b"<ul><li>" * 3_000, True, id="nested-lists"),
        # thousands of tags that close each other implicitly are not deep
        pytest.param(b"<ul>" + b"<li><a href='/x'>x</a>" * 5_000, False, id="flat-list-items"),
        pytest.param(b"<p>text " * 5_000, False, id="flat-paragraphs"),
        pytest.param(b"<div>" * 1_400 + b"</div>" * 1_400 + b"<br>" * 5_000, False, id="deep-but-under-limit"),
    ],
)
def test_nesting_guard(body: bytes, flat: bool) -> None:
    body += b"<a href='/end'>end</a>"
    result = extract_links_with_stats(body, PAGE)
    assert result.flattened is flat
    assert "https://site.example/end" in {link.target_url for link in result.links}


def test_links_in_templates_are_inert() -> None:
    """A browser does not render <template> content (scripts may clone it later): not a link of the page."""
    body = b"<template><a href='/hidden'>hidden</a></template><a href='/shown'>shown</a>"
    assert [link.target_url for link in extract_links(body, PAGE)] == ["https://site.example/shown"]


def test_html5_tree_construction() -> None:
    """The tree a browser builds: an <a> start tag closes an open <a>; a table's stray text is moved before it."""
    body = b"<a href='/one'>one<a href='/two'>two</a></a><table><a href='/three'>three</a><tr><td>x</td></tr></table>"
    links = extract_links(body, PAGE)
    assert [(link.target_url.rsplit("/", 1)[1], link.anchor_text) for link in links] == [
        ("one", "one"), ("two", "two"), ("three", "three"),
    ]


def test_same_target_different_text_is_two_links() -> None:
    links = extract_links(b'<a href="/x">one</a><a href="/x">two</a>', PAGE)
    assert [link.anchor_text for link in links] == ["one", "two"]


def test_fast_constructor_builds_the_same_link() -> None:
    args = ("/x", "https://site.example/x", "t", None, "a", ("ugc",), False, False, True, "body")
    fast = _make_link(*args)
    assert type(fast) is Link and fast == Link(*args) and hash(fast) == hash(Link(*args))
    assert repr(fast) == repr(Link(*args)) and pickle.loads(pickle.dumps(fast)) == fast
    assert dataclasses.asdict(fast)["placement"] == "body"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.anchor_text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("body", "headers", "text"),
    [
        pytest.param("<meta charset='windows-1251'><a href='/x'>\u041f\u0440\u0438\u0432\u0435\u0442</a>".encode("cp1251"),
                     None, "\u041f\u0440\u0438\u0432\u0435\u0442", id="meta-charset"),
        pytest.param("<a href='/x'>caf\u00e9</a>".encode("latin-1"), {"Content-Type": "text/html; charset=ISO-8859-1"},
                     "caf\u00e9", id="header-charset"),
        pytest.param("<a href='/x'>caf\u00e9</a>".encode("latin-1"), None, "caf\u00e9", id="undeclared-not-utf8"),
        pytest.param("<a href='/x'>caf\u00e9</a>".encode(), None, "caf\u00e9", id="undeclared-utf8"),
        pytest.param("<a href='/x'>\u65e5\u672c</a>".encode("utf-16"), None, "\u65e5\u672c", id="utf16-bom"),
        pytest.param("<meta charset='euc-jp'><a href='/x'>\u65e5\u672c</a>".encode("euc-jp"), None, "\u65e5\u672c",
                     id="euc-jp"),
        pytest.param(b"<meta charset='bogus-charset'><a href='/x'>ok</a>", None, "ok", id="unknown-charset"),
        pytest.param("<?xml version='1.0' encoding='iso-8859-1'?><html><a href='/x'>caf\u00e9</a></html>".encode("latin-1"),
                     None, "caf\u00e9", id="xml-declaration"),
        pytest.param("<?xml version='1.0' encoding='utf-8'?><a href='/x'>caf\u00e9</a>", None, "caf\u00e9",
                     id="str-input-with-xml-declaration"),
        pytest.param("<meta charset='utf-8'><a href='/x'>caf\u00e9</a>".encode("latin-1"), None, "caf\ufffd",
                     id="declared-utf8-but-latin1-bytes-replaced"),
    ],
)
def test_encodings(body: bytes | str, headers, text: str) -> None:
    assert only(body, headers=headers).anchor_text == text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \n", id="blank"),
        pytest.param(b"\x00" * 1000, id="nul-bytes"),
        pytest.param(bytes(range(256)) * 50, id="binary"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\xff" * 500, id="png-header"),
        pytest.param(b"<a href='/x'>tex\x00t</a><a href='/y", id="nul-and-truncated"),
        pytest.param(b"<div>" * 100_000 + b"<a href='/deep'>deep</a>", id="deep-nesting"),
        pytest.param(b"<a href='/a'><a href='/b'><table><a href='/c'></td></tr></form></body>", id="misnested"),
        pytest.param(b"<!--", id="open-comment"),
        pytest.param(b"<html><body><a href='\xed\xa0\x80'>lone surrogate bytes</a>", id="surrogate-bytes"),
        pytest.param("<a href='/\ud800'>x</a>".encode("utf-8", "surrogatepass"), id="encoded-surrogate"),
        pytest.param(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><a href='/&a;'>e</a>", id="entities"),
    ],
)
def test_hostile_input_never_raises(body: bytes) -> None:
    result = extract_links_with_stats(body, PAGE)
    for link in result.links:
        assert link.target_url.startswith("https://site.example/")


def test_misnested_anchors_still_found() -> None:
    links = extract_links(b"<a href='/a'>A<a href='/b'>B</a><table><tr><td><a href='/c'>C", PAGE)
    assert [link.target_url.rsplit("/", 1)[1] for link in links] == ["a", "b", "c"]


@pytest.mark.parametrize("base_url", ["", "not a url", "mailto:x@y"], ids=["empty", "garbage", "non-web"])
def test_unusable_page_url(base_url: str) -> None:
    result = extract_links_with_stats(b"<a href='/x'>x</a><a href='http://ok.example/'>ok</a>", base_url)
    assert all(link.target_url.startswith("http") for link in result.links)


def test_corpus_page_fields() -> None:
    """A real page: every record is complete and consistent."""
    labels = json.loads((DATA / "link-labels.json").read_text())
    page_id = "ad9e9e596f21a6812fae27b5d9d622359826c368e471d7d5ff9ac4676eaac9cd"
    result = extract_links_with_stats(gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes()), labels[page_id]["url"])
    assert len(result.links) > 50
    for link in result.links:
        assert link.target_url.startswith(("http://", "https://")) and "#" not in link.target_url
        assert link.anchor_text == " ".join(link.anchor_text.split())
        assert link.placement in {"body", "nav", "header", "sidebar", "footer", "comment"}
        assert link.nofollow is ("nofollow" in link.rel or result.page_nofollow)
    texts = {link.anchor_text.lower() for link in result.links}
    assert set(labels[page_id]["labels"]) <= texts  # every labelled anchor was extracted


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("short", 10, "short", id="under-cap"),
        pytest.param("two words", 4, "two", id="cut-no-trailing-space"),
        pytest.param("anything", 0, "anything", id="zero-no-cap"),
    ],
)
def test_cap_text(text: str, limit: int, expected: str) -> None:
    from linkspider.extract.text import cap_text

    assert cap_text(text, limit) == expected


def test_collapse_ws() -> None:
    from linkspider.extract.text import collapse_ws

    assert collapse_ws(" a\u00a0\tb\n\nc  ") == "a b c"


@pytest.mark.parametrize("url", ["https://A.example.COM:443/x", "http://x.example:8080/p?q#f", "https://[::1]/",
                                 "http://xn--bcher-kva.example/", "https://b\u00fccher.example/", "http://1.2.3.4/"])
def test_origin_matches_ada(url: str) -> None:
    assert _origin(url) == ada_url.URL(url).origin
