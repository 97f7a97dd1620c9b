"""The compiled walker (linkspider/extract/_walker.pyx) against the pure-Python path it accelerates.

Both must give the same records, field for field, and the same counts of dropped links: on every
corpus page, on hand-made pages aimed at the walker's edge cases, and on random and damaged HTML.
"""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkspider.extract import links, placement
from linkspider.extract.text import cap_text
from linkspider.urls import fast_normalize
from tests.extract.corpus import DATA, corpus_files
from tests.hostile.strategies import html_fragments, mutate

COMPILED = links._walker
needs_compiled = pytest.mark.skipif(COMPILED is None, reason="compiled walker not built or disabled")
BASE = "http://news.example/2024/story.html"


@contextmanager
def pure_python():
    links._walker = None
    try:
        yield
    finally:
        links._walker = COMPILED


def clear_name_caches() -> None:
    """Both paths share placement's class-name caches: each must classify the page's names itself."""
    for cache in (placement._WORD_CACHE, placement._TOKEN_CACHE, placement._NAMES_CACHE, placement._WEIGHT_CACHE):
        cache.clear()


def assert_same_class(compiled_function, python_function, name: str) -> None:
    """A class name (word or token) classified in C and in Python, each with empty caches."""
    clear_name_caches()
    compiled = compiled_function(name)
    clear_name_caches()
    assert compiled == python_function(name), name


def assert_same(body: bytes | str, base: str = BASE, **options) -> list[links.Link]:
    clear_name_caches()
    compiled = links.extract_links_with_stats(body, base, **options)
    clear_name_caches()
    with pure_python():
        python = links.extract_links_with_stats(body, base, **options)
    assert compiled.links == python.links
    assert compiled.dropped == python.dropped
    assert (compiled.page_nofollow, compiled.base_url, compiled.flattened) == (
        python.page_nofollow, python.base_url, python.flattened)
    return compiled.links


def test_compiled_walker_is_built() -> None:
    if os.environ.get("LINKSPIDER_NO_EXTENSIONS"):
        pytest.skip("LINKSPIDER_NO_EXTENSIONS is set")
    assert COMPILED is not None, "linkspider/extract/_walker.pyx is not built: run `make install` (pip install -e .)"


def test_no_extensions_switch_runs_pure_python() -> None:
    code = (
        "from linkspider.extract import links, extract_links;"
        "assert links._walker is None;"
        "print(len(extract_links(b'<nav><a href=/a>a</a></nav><p><a href=/b>b</a></p>', 'http://x.example/')))"
    )
    env = {**os.environ, "LINKSPIDER_NO_EXTENSIONS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"



@needs_compiled
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: f"{p.parent.parent.name}-{p.name[:12]}")
def test_corpus_page_records_match(path: Path) -> None:
    assert assert_same(gzip.decompress(path.read_bytes()))


EDGE_PAGES = {
    "svg and xlink": '<p>x</p><svg><a xlink:href="/svg">svg link</a><a href="/plain">plain</a></svg><a href="/h">h</a>',
    "images": '<a href="/i"><img alt="first"><img alt="second"></a><a href="/t">text <img alt="x"></a>'
              '<a><a href="/n"><img></a></a><div><a name="x"><span><img alt="no href"></span></a></div>',
    "image map": '<img usemap="#m"><map name="m"><area href="/a1" alt=" An  area "><area href="/a2"><area alt="none"></map>'
                 '<a href="/after">after</a>',
    "template": '<template><a href="/inert">inert</a></template><a href="/live">live</a>',
    "custom tags": '<site-menu class="menu"><a href="/m">m</a></site-menu><x-card class="related"><a href="/r">r</a>'
                   '</x-card><main-article><p>' + "Words, words and more words. " * 20 + '<a href="/in">in</a></p>'
                   '</main-article>',
    "roles and empty attributes": '<div role="navigation"><a href="/n">n</a></div><div role><a href="/e">e</a></div>'
                                  '<div class><a href="/c">c</a></div><div id=""><a href="/i">i</a></div>'
                                  '<div ROLE="Complementary Banner"><a href="/s">s</a></div>',
    "article with asides": '<header><a href="/home">Home</a></header><article class="post"><p>'
                           + "A long paragraph of prose, with commas, and more words. " * 12
                           + '<a href="/ed">editorial</a></p><p><a href="/more">Read more about this story here</a></p>'
                           '<div class="related-posts"><a href="/rel">related</a></div><p>'
                           + "Second paragraph, also long, with commas. " * 12
                           + '</p></article><aside><a href="/side">side</a></aside><footer><a href="/f">f</a></footer>'
                           '<div class="comments"><a href="/c" rel="ugc nofollow">c</a></div>',
    "br paragraphs": '<div class="entry">' + "Text, text, text and more text here.<br>" * 30
                     + '<a href="/b">b</a></div><td>cell<br>' + "words " * 30 + '<a href="/td">td</a></td>',
    "chunks": "".join(f'<div class="chunk"><p>{"Prose, prose and prose. " * 10}<a href="/c{i}">c{i}</a></p></div>'
                      '<div class="ad"><a href="/ad">ad</a></div>' for i in range(4)),
    "class vocabulary": "".join(
        f'<div class="{cls}"><a href="/{i}">{cls}</a></div>'
        for i, cls in enumerate(["side-bar", "mostRead", "topBar x", "XMLHttpMenu", "caf\u00e9-menu", "nav2 main",
                                 "SiteInfo", "fooBAR", "skip_links", "ÉLAN-footer", "ShareButtons", "shared",
                                 "post-content", "comment-reply", "bread crumb", "headerWrap", "canvas"])
    ) + '<div class="article-body" id="Main_Content"><p>' + "Body text, more. " * 20 + '<a href="/b">b</a></p></div>',
    "tables": '<table><tr><td class="nav"><a href="/t1">t1</a></td><td><p>' + "Cell text, more. " * 20
              + '<a href="/t2">t2</a></p></td></tr></table>',
    "invalid utf-8": b'<div class="men\xffu"><a href="/\xfe" rel="no\xc3follow">bad \xff\xfe bytes</a></div>'
                     b'<p>' + "Caf\u00e9, na\u00efve, \u00e9t\u00e9. ".encode() * 20 + b'<a href="/ok">ok \xc3</a></p>',
    "whitespace": '<p>\u00a0\u2003 ' + "Spaced, text. " * 20 + ' \u3000<a href="/w">\u00a0 a \u2028 b </a>\n</p>',
    "no body": '<a href="/only">only</a>',
    "text only": "just text, no elements",
    "nested anchors": '<a href="/outer">outer <b><a href="/inner">inner</a></b></a><svg><a href="/s1"><a href="/s2">'
                      "s</a></a></svg>",
    "script and style text": '<p><a href="/s">&copy; <script>document.write(2024)</script> Corp</a></p><td><style>'
                             + ".prose { margin: 0 }" * 40 + '</style><a href="/t">t</a></td><svg><script><a href="/v">'
                             'in svg <b>script</b></a></script></svg><p>' + "Prose, prose and prose. " * 10
                             + '<script>var x = "' + "code, " * 60 + '";</script><a href="/p">p</a></p>',
    "head links": '<head><base href="/base/"><link rel="Canonical" href="c"><meta http-equiv="refresh" '
                  'content="5; url=r"><meta name="robots" content="nofollow"></head><a href="x">x</a>',
}


@needs_compiled
@pytest.mark.parametrize("name", sorted(EDGE_PAGES))
def test_edge_page_records_match(name: str) -> None:
    assert_same(EDGE_PAGES[name])


@needs_compiled
@pytest.mark.parametrize("max_links", [0, 1, 3, 50])
def test_caps_match(max_links: int) -> None:
    page = EDGE_PAGES["article with asides"] + '<a href="javascript:x">js</a><a>none</a>' * 3
    assert_same(page, max_links=max_links, max_anchor_chars=5, max_url_length=30)


@needs_compiled
def test_deep_and_wide_pages_match() -> None:
    deep = "<div>" * 2100 + '<a href="/deep">deep</a>' + "</div>" * 2100  # more tags than _FEW_TAGS
    assert links.extract_links_with_stats(deep, BASE).flattened
    assert_same(deep)
    assert_same("<div>" * 1400 + '<a href="/deep">deep</a>' + "</div>" * 1400)  # under the limit
    assert_same("".join(f'<li class="menu-item"><a href="/{i}">link {i}</a></li>' for i in range(5000)))


@needs_compiled
def test_page_walk_rows() -> None:
    tree = links.parse_html(b'<nav><a href="/a" rel="nofollow">A <b>b</b></a></nav><a name="x">x</a>'
                            b'<p><a href="/i"><img alt="pic"></a></p><map><area href="/m" alt="map"></map>')
    rows = COMPILED.PageWalk(tree).anchors()
    assert [row[1:] for row in rows] == [
        (False, "/a", "nofollow", "A b", False, None, None),
        (False, None, None, None, False, None, None),
        (False, "/i", None, "", True, "pic", None),
        (True, "/m", None, "", False, None, "map"),
    ]
    kept = [rows[0][0], rows[2][0], rows[3][0]]
    assert COMPILED.PageWalk(tree).placements(kept, [3, 0, 0]) == ["nav", "body", "body"]


@needs_compiled
def test_links_are_filled_through_their_slots() -> None:
    offsets = COMPILED.link_slot_offsets(links.Link)
    assert all(offset > 0 for offset in offsets) and len(set(offsets)) == len(offsets)
    link = links.extract_links(b'<a href="/x" rel="ugc">x</a>', BASE)[0]
    assert link == links.Link("/x", "http://news.example/x", "x", None, "a", ("ugc",), False, False, True, "body")
    assert hash(link) == hash(links.Link(*(getattr(link, name) for name in links.Link.__dataclass_fields__)))


@needs_compiled
@pytest.mark.parametrize("data", [b"", b"<", b"x", b"<<a<", b"\x00<\xff<" * 1000, b"a" * 100_000 + b"<"])
def test_count_byte(data: bytes) -> None:
    assert COMPILED.count_byte(data, ord("<")) == data.count(b"<")


@needs_compiled
@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 15, 16, 17, 300])
def test_first_non_ascii_and_encoding(size: int) -> None:
    for tail in (b"", b"\xc3\xa9t\xc3\xa9", b"\xe9t\xe9", b"\x80"):
        data = b"a" * size + tail + b"<p>x</p>"
        expected = size if tail else -1
        assert COMPILED.first_non_ascii(data) == expected
        compiled = links._encoding(data, None)
        with pure_python():
            assert links._encoding(data, None) == compiled


VOCAB_PIECES = [literal for _, entries in placement.VOCAB_ENTRIES for _, literal, _ in entries]
VOCAB_PIECES += [literal for _, literal, _ in placement.POSITIVE_ENTRIES] + ["d", "s", "x", "\u00e9", "\u00df", "ing"]


@needs_compiled
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(VOCAB_PIECES), min_size=1, max_size=3).map("".join))
def test_word_class_matches_python(word: str) -> None:
    assert_same_class(COMPILED.word_class, placement._word_class, word)
    for cut in range(1, len(word)):  # prefixes and suffixes land on every entry's boundaries
        assert_same_class(COMPILED.word_class, placement._word_class, word[:cut])
        assert_same_class(COMPILED.word_class, placement._word_class, word[cut:])


TOKEN_PIECES = VOCAB_PIECES + ["Nav", "NAV", "Side", "BAR", "XML", "-", "_", "2", "\u00c0", "\u00e9", "\u4e2d", "a" * 130]


@needs_compiled
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKEN_PIECES), min_size=1, max_size=4).map("".join))
def test_token_class_matches_python(token: str) -> None:
    assert_same_class(COMPILED.token_class, placement._token_class, token)


@needs_compiled
@pytest.mark.parametrize("token", ["side-bar", "mostRead", "topBar", "XMLHttpMenu", "caf\u00e9-menu", "nav2",
                                   "SiteInfo", "fooBAR", "skip_links", "\u00c9LAN-footer", "ShareButtons", "shared",
                                   "\u00e0-menu", "menu-\u4e2d", "\u00b5respond", "\u00e9respond", "x" * 127 + "-menu", "x" * 129 + "-menu", "-", "2"])
def test_token_class_examples(token: str) -> None:
    assert_same_class(COMPILED.token_class, placement._token_class, token)


@needs_compiled
@pytest.mark.parametrize("word", ["shared", "sharedx", "share", "shares", "sharing", "sharingd", "nav", "navs",
                                  "subnav", "\u00e9nav", "navbar", "navigator", "ad", "ads", "adx", "reply",
                                  "replyx", "mostread", "body", "nobody", "menu", "canvas", "relatednav"])
def test_word_class_examples(word: str) -> None:
    assert_same_class(COMPILED.word_class, placement._word_class, word)


URL_CHARS = st.sampled_from(list("aZz09-._~!$&'()*+,;=:@/%?#\\ \t2eEx") + ["xn--", "%2e", "%2E", "%41", "%7e", "%7E", "%2f",
                                                                   "%3A", "%zz", "/.", "\u00e9"])
URL_HEADS = st.sampled_from(["", "/", "//", "http://", "https://", "HTTP://", "https://a.b", "http://news.example",
                             "https://news.example", "https://1.2.3.4", "https://a-.b", "https://a..b"])
ORIGINS = st.sampled_from(["https://news.example", "http://x.example:8080", "http://[::1]", ""])


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(URL_HEADS, st.lists(URL_CHARS, max_size=20).map("".join), ORIGINS)
def test_fast_target_matches_fast_normalize(head: str, tail: str, origin: str) -> None:
    href = head + tail
    assert COMPILED.fast_target(href.encode(), origin.encode()) == fast_normalize(href, origin)


@needs_compiled
@pytest.mark.parametrize("href", [
    "https://xn--bcher-kva.example/", "http://a.xn--p1ai/x", "https://a.b/%7e%7E%5f%2d%2E", "/x/%2e%2E/y",
    "/a%2fb?c=%3a%3A%7e%", "/a/./b", "/a/.", "https://A.b/", "https://a.b:80/", "https://a.b./", "https://1a.b2/",
    "https://a.2b/", "https://-a.b/", "https://a.b-/", "https://a/", "/ok#frag?x", "/sp ace", "/q?'quote'",
    "/p'ath", "https://news.example/own?x#y", "https://news.example//double", "https://news.exampleX/",
])
def test_fast_target_examples(href: str) -> None:
    for origin in ("https://news.example", ""):
        assert COMPILED.fast_target(href.encode(), origin.encode()) == fast_normalize(href, origin)


@needs_compiled
@pytest.mark.parametrize("path", corpus_files()[:40], ids=lambda p: p.name[:12])
def test_fast_target_on_corpus_hrefs(path: Path) -> None:
    tree = links.parse_html(gzip.decompress(path.read_bytes()))
    hrefs = [a.attributes.get("href") for a in tree.tags("a")]
    for origin in ("https://news.example", "http://www.example.com"):
        for href in filter(None, hrefs):
            assert COMPILED.fast_target(href.encode(), origin.encode()) == fast_normalize(href, origin), href


TEXT_CHARS = st.sampled_from(list("ab\u00e9\u4e2d\U0001f600 \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b"
                                  "\u2028\u2029\u202f\u205f\u3000\ufeff,."))


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT_CHARS, max_size=40).map("".join), st.integers(0, 12))
def test_collapse_text_matches_python(text: str, cap: int) -> None:
    collapsed = " ".join(text.split())
    assert COMPILED.collapse_text(text.encode(), cap) == (cap_text(collapsed, cap), len(collapsed))


@needs_compiled
@pytest.mark.parametrize("data", [
    b"\xed\xa0\x80", b"\xed\x9f\xbf", b"\xe0\x80\x80", b"\xe0\xa0\x80", b"\xf0\x8f\xbf\xbf", b"\xf0\x90\x80\x80",
    b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xc0\xaf", b"\xc1\xbf", b"\xc2\x80",
    b"\xc2", b"a\xe2\x80", b"\xe2\x80\x80\xe2\x80", b"\x80", b"\xbf", b"\xff",
])
def test_collapse_text_utf8_boundaries(data: bytes) -> None:
    try:
        text = data.decode()
    except UnicodeDecodeError:
        assert COMPILED.collapse_text(data, 0) is None
    else:
        assert COMPILED.collapse_text(data, 0) == (" ".join(text.split()), len(" ".join(text.split())))


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=12))
def test_collapse_text_rejects_invalid_utf8(data: bytes) -> None:
    try:
        data.decode()
    except UnicodeDecodeError:
        assert COMPILED.collapse_text(data, 0) is None
    else:
        assert COMPILED.collapse_text(data, 0) is not None


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@needs_compiled
@FUZZ
@given(html_fragments())
def test_random_html_matches(html: str) -> None:
    assert_same(html)


@needs_compiled
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 5), st.lists(st.integers(0, 10**6), max_size=40), st.lists(st.integers(0, 255), max_size=40),
       st.one_of(st.none(), st.integers(0, 10**6)))
def test_damaged_pages_match(index: int, positions: list[int], values: list[int], cut: int | None) -> None:
    page = gzip.decompress(sorted(DATA.glob("*.html.gz"))[index].read_bytes())
    assert_same(mutate(page, positions, values, cut))
