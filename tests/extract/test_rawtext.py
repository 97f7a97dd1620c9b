"""Script and style content cut before the parse (linkspider/extract/_rawtext.pyx).

Where a content ends is checked against Lexbor itself on generated scripts; whole pages are checked
by their records, which must not change: the cut parse against the whole parse, on the corpus and
on generated pages with the markup the scan does not model.
"""
from __future__ import annotations

import gzip
import logging
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from linkspider.extract import links
from tests.extract.corpus import corpus_files

rawtext = links._rawtext
pytestmark = pytest.mark.skipif(rawtext is None, reason="compiled extensions not built or disabled")

BASE = "http://news.example/2024/story.html"
LONG = "var s = '<a href=\"/in-script\">not a link</a>'; if (a < b && c > d) { f('</div>'); } " * 2


def lexbor_text(html: bytes, tag: str) -> str | None:
    """The text Lexbor gives the first ``tag`` element, as the tokenizer delimited it."""
    el = LexborHTMLParser(html).css_first(tag)
    return None if el is None else el.text()


def as_parsed(raw: bytes) -> str:
    """Bytes of script content as Lexbor's text has them (newlines normalized, NUL replaced)."""
    return raw.decode().replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


@contextmanager
def cut_min(length: int):
    saved = links.RAW_TEXT_CUT_MIN
    links.RAW_TEXT_CUT_MIN = length
    try:
        yield
    finally:
        links.RAW_TEXT_CUT_MIN = saved


def records(body: bytes, length: int) -> links.ExtractResult:
    with cut_min(length):
        return links.extract_links_with_stats(body, BASE)


def assert_cut_changes_nothing(body: bytes, length: int = 8) -> None:
    cut, whole = records(body, length), records(body, 0)
    assert cut.links == whole.links
    assert cut.dropped == whole.dropped
    assert (cut.page_nofollow, cut.base_url, cut.flattened) == (whole.page_nofollow, whole.base_url, whole.flattened)


SCRIPT_PIECES = st.sampled_from([
    "<!--", "-->", "--", "-", "<", ">", "!", "/", "<!", "</", "<!-->", "--!>", "x", "a b", "\n", "\r", "\t", "\x00", '"',
    "<script>", "<script ", "<script/", "<SCRIPT>", "<scripts>", "<scrip", "<Script\n",
    "</script>", "</script ", "</SCRIPT/", "</script", "</scriptx>", "</scrip", "</script\r", "</script\x00>",
])


@given(st.lists(SCRIPT_PIECES, max_size=14).map("".join))
@settings(max_examples=3000, deadline=None)
@example("<!--<script></script>-->")
@example("<!--<script>--></script>")
@example("<!-- <script> </script> </script>")
@example("<!--<script>-->")
@example("<!--->")
@example("x</script  ")
def test_script_content_ends_where_lexbor_ends_it(content: str) -> None:
    """The script data states, escapes and double escapes included: content ends where Lexbor ends it."""
    prefix = b"<p><script>"
    html = prefix + content.encode() + b"</script><b>after</b>"
    end = rawtext.script_end(html, len(prefix))
    expected = lexbor_text(html, "script")
    got = html[len(prefix):] if end < 0 else html[len(prefix):end]
    assert as_parsed(got) == expected


RAW_PIECES = st.sampled_from(["<", "/", ">", "</TAG", "</TAG>", "</TAG ", "</TAGs>", "</TAG/", "</TAG\n", "<!--", "-->",
                              "1{2:3}", "\n", "</sty", "</script>", "</style>", "<style>"])


@given(st.lists(RAW_PIECES, max_size=12).map("".join), st.sampled_from(["style", "STYLE", "textarea", "title", "xmp"]))
@settings(max_examples=1500, deadline=None)
@example("</style", "style")
def test_raw_text_content_ends_where_lexbor_ends_it(content: str, tag: str) -> None:
    """RAWTEXT and RCDATA end at their end tag: the spans are exactly the styles Lexbor finds (the pieces
    make no start tags the scan passes at their name, whose attributes it does not read)."""
    html = f"<p><{tag}>{content.replace('TAG', tag)}</{tag}><style>{'b{c:d}' * 3}</style>".encode()
    spans = rawtext.spans(html, 0)
    assert [as_parsed(html[s:e]) for s, e in spans] == [s.text() for s in LexborHTMLParser(html).css("style")]


ATTRIBUTES = st.sampled_from([
    ' a="x>y"', " a='>'", " a=>", " a=b>c", ' "a"=b', " =x", " a = 'q' ", " src=x.js", ' type="module"', " /",
    ' a="', " a='", " a=\"'\"", " a='\"'", " a\tb\nc", " a=`>`", " a=b/", " a=<", " /x=y",
])


@given(st.lists(ATTRIBUTES, max_size=5).map("".join))
@settings(max_examples=1000, deadline=None)
@example(' a="x>y"')
def test_script_content_starts_where_lexbor_starts_it(attributes: str) -> None:
    """Quoted values may hold '>': the start tag ends where the tokenizer ends it."""
    html = f"<p><script{attributes}>{LONG}</script><b>after</b>".encode()
    spans = rawtext.spans(html, 0)
    expected = lexbor_text(html, "script")
    if not spans:  # the tag never ends (an unclosed quote): nothing to cut, nothing to compare
        assert rawtext.tag_end(html, len(b"<p><script")) == -1
        assert expected is None
        return
    (start, end), = spans
    assert as_parsed(html[start:end]) == expected


def test_spans_skip_markup_that_hides_scripts() -> None:
    hidden = [
        "<!-- <script>x</script> -->", "<textarea><script>x</script></textarea>",
        "<title><style>x</style></title>", "<xmp><script>x</script></xmp>", "<iframe><script>x</script></iframe>",
        "<noembed><style>x</style></noembed>", "<noframes><script>x</script></noframes>", "<!x <script>x</script> >",
        "<? <script>x</script> ?>", "<svg><script>x</script></svg>", "<math><style>x</style></math>",
        "<template><script>x</script></template>",
    ]
    for markup in hidden:
        body = f"<p>{markup}<script>tail</script>".encode()
        assert [body[s:e] for s, e in rawtext.spans(body)] == [b"tail"], markup
    # an abruptly closed comment ("<!-->", "<!--->") hides nothing
    for closed in (b"<!-->", b"<!--->", b"<!---->"):
        body = closed + b"<script>y</script>"
        assert [body[s:e] for s, e in rawtext.spans(body)] == [b"y"], closed
    assert rawtext.spans(b"<plaintext><script>x</script>") == []
    assert rawtext.spans(b"<script>never ends") == []
    assert rawtext.spans(b"<!-- never ends <script>x</script>") == []


def test_strip_replaces_long_contents_with_the_marker() -> None:
    body = f"<head><script>{LONG}</script><style>b{{}}</style></head><p>text</p><script src=a.js></script>".encode()
    out, count = rawtext.strip(body, 64)
    assert count == 1
    assert out == b"<head><script>" + rawtext.MARKER + b"</script><style>b{}</style></head><p>text</p><script src=a.js></script>"
    assert rawtext.strip(body, len(LONG) + 1) == (body, 0)
    assert rawtext.strip(rawtext.MARKER + body, 64) == (rawtext.MARKER + body, 0)  # the page already has the byte



def test_corpus_pages_are_cut_and_records_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    """Every corpus page is cut (they all carry long scripts), every cut is confirmed, no record changes."""
    files = corpus_files()
    assert len(files) >= 6
    with caplog.at_level(logging.DEBUG, logger=links.logger.name):
        for path in files:
            body = gzip.decompress(path.read_bytes())
            assert rawtext.strip(body, links.RAW_TEXT_CUT_MIN)[1] > 0, path.name
            assert_cut_changes_nothing(body, links.RAW_TEXT_CUT_MIN)
    assert not [r for r in caplog.records if "not confirmed" in r.getMessage()]


UNCONFIRMED = {
    "frameset ignores the script": f"<frameset><script>{LONG}</script></frameset><a href='/f'>f</a>",
    "script in an attribute value": f"<img alt=\"<script>{LONG}\"><a href='/a'>a</a><p>x</p>\"></script>"
                                    "<a href='/b'>b</a>",
    # <svg> and <math> share the scan's count of foreign elements: </math> ends it early, and the
    # SVG script (whose content is markup, here a link) is cut; the walker sees an SVG, not HTML, script
    "svg script after a stray </math>": f"<svg></math><script><a href='/svg'>svg</a>{LONG}</script></svg>"
                                        "<a href='/d'>d</a>",
    "style in an attribute value": f"<div title='<style>'><a href='/in'>inside</a>{LONG}</style>'><a href='/c'>c</a>",
}


@pytest.mark.parametrize("body", UNCONFIRMED.values(), ids=UNCONFIRMED.keys())
def test_unconfirmed_cuts_parse_the_page_whole(body: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=links.logger.name):
        assert_cut_changes_nothing(body.encode(), 64)
    assert [r for r in caplog.records if "not confirmed" in r.getMessage()]


PAGE_PIECES = st.sampled_from([
    "<script>", "</script>", "<style>", "</style>", "<!--", "-->", "<textarea>", "</textarea>", "<title>", "</title>",
    "<svg>", "</svg>", "<math>", "</math>", "<template>", "</template>", "<frameset>", "<select>", "<table>", "<td>",
    '<img alt="', "<div title='", '">', "'>", "<a href=/x>", "<a href=/y>y", "</a>", "<p>", "text ", LONG[:40],
    "<![CDATA[", "]]>", "<plaintext>", "<noscript>", "<iframe>", "</iframe>", "<!doctype html>", "<?x>", "</p>",
])


@given(st.lists(PAGE_PIECES, max_size=30).map("".join))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_cut_never_changes_records(html: str) -> None:
    """Pages built from the markup the scan does and does not model: the records never change."""
    assert_cut_changes_nothing(html.encode())
