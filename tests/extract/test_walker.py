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
from linkspider.testing.fixture_web import default_corpus_dir
from tests.hostile.strategies import html_fragments, mutate

COMPILED = links._walker
needs_compiled = pytest.mark.skipif(COMPILED is None, reason="compiled walker not built or disabled")
DATA = Path(__file__).parent / "data"
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


def _corpus_files() -> list[Path]:
    files = sorted(DATA.glob("*.html.gz"))
    shared = default_corpus_dir() / "html"
    if shared.is_dir():
        files += sorted(shared.glob("*.html.gz"))
    return files


@needs_compiled
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: f"{p.parent.parent.name}-{p.name[:12]}")
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
@pytest.mark.parametrize("data", [b"", b"<", b"x", b"<<a<", b"\x00<\xff<" * 1000, b"a" * 100_000 + b"<"])
def test_count_byte(data: bytes) -> None:
    assert COMPILED.count_byte(data, ord("<")) == data.count(b"<")


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
