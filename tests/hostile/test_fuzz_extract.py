"""Property tests over extract_links: random and damaged HTML never raises, every link is sound."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkspider.demo.fixture_web import default_corpus_dir
from linkspider.extract import extract_links
from linkspider.extract.links import extract_links_with_stats

from .strategies import html_fragments, mutate, urls
from .test_fuzz_urls import assert_stored_form

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASES = st.one_of(st.sampled_from(["http://site.example/dir/page.html", "https://[2001:db8::1]/x/",
                                   "http://bücher.example/a?b#c"]), urls())
MAX_ANCHOR = 40
MAX_LINKS = 7


def check_links(body: bytes | str, base: str, headers: dict | None = None) -> None:
    result = extract_links_with_stats(body, base, headers=headers, max_links=MAX_LINKS, max_anchor_chars=MAX_ANCHOR)
    assert len(result.links) <= MAX_LINKS
    for link in result.links:
        assert_stored_form(link.target_url)
        assert len(link.anchor_text) <= MAX_ANCHOR + 1  # cap_text may add an ellipsis
        assert link.anchor_text == " ".join(link.anchor_text.split())
        assert link.alt is None or len(link.alt) <= MAX_ANCHOR + 1
        assert all(token == token.lower() and token.split() == [token] for token in link.rel)
        assert link.placement in {"body", "nav", "header", "sidebar", "footer", "comment"}
    assert all(count > 0 for count in result.dropped.values())


@FUZZ
@given(html_fragments(), BASES)
def test_random_html(html: str, base: str) -> None:
    check_links(html, base)
    check_links(html.encode("utf-8", "surrogatepass"), base)


@FUZZ
@given(st.binary(max_size=2000), BASES,
       st.sampled_from([None, {"Content-Type": "text/html; charset=utf-16"}, {"Content-Type": "text/html; charset=bogus"},
                        {b"Content-Type": [b"text/html; charset=shift_jis"]}, {"Content-Type": "text/html"}]))
def test_random_bytes(body: bytes, base: str, headers: dict | None) -> None:
    check_links(body, base, headers)


def _corpus_pages(limit: int = 8) -> list[bytes]:
    html_dir = default_corpus_dir() / "html"
    files = sorted(Path(html_dir).glob("*.html.gz"))[:limit]
    return [gzip.decompress(f.read_bytes()) for f in files]


try:
    CORPUS = _corpus_pages()
except OSError:  # pragma: no cover - the corpus ships next to the project
    CORPUS = []


@pytest.mark.skipif(not CORPUS, reason="corpus not found (set LINKSPIDER_FIXTURE_CORPUS)")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 7), st.lists(st.integers(0, 10**7), max_size=50), st.lists(st.integers(0, 255), max_size=50),
       st.one_of(st.none(), st.integers(0, 10**7)))
def test_damaged_real_pages(index: int, positions: list[int], values: list[int], cut: int | None) -> None:
    page = CORPUS[index % len(CORPUS)]
    check_links(mutate(page, positions, values, cut), "http://news.example/2024/article.html")


def test_real_page_unharmed_still_has_links() -> None:
    if not CORPUS:
        pytest.skip("corpus not found")
    links = extract_links(CORPUS[0], "http://news.example/2024/article.html")
    assert len(links) > 10
