"""The pure parts of soft-404 detection (the crawl against a soft-404 site is in tests/hostile/test_traps.py)."""
from __future__ import annotations

import pytest

from linkspider.soft404 import directory_of, probe_url, similarity, text_fingerprint

NOT_FOUND = b"""<html><head><title>Example News</title><script>var x = "tracking words here";</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<h1>Sorry, we could not find that page</h1><p>The page you asked for has moved or never existed.</p>
<footer>Copyright Example News, all rights reserved</footer></body></html>"""
ARTICLE = NOT_FOUND.replace(
    b"<h1>Sorry, we could not find that page</h1><p>The page you asked for has moved or never existed.</p>",
    b"<h1>Council approves the new bridge</h1><p>After two years of debate the city council voted on Tuesday "
    b"to fund the river crossing, which engineers say will carry twenty thousand cars a day by 2030.</p>",
)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://Example.org/", ("https", "Example.org", "")),
    ("https://example.org/a", ("https", "example.org", "")),
    ("https://example.org/news/2026/story", ("https", "example.org", "news")),
    ("http://example.org:8080/shop/", ("http", "example.org:8080", "shop")),
    ("https://example.org/a?x=/b/c", ("https", "example.org", "")),
])
def test_directory_is_site_and_first_path_segment(url, expected):
    assert directory_of(url) == expected


def test_probe_urls_are_in_the_directory_and_never_repeat():
    d = ("https", "example.org", "news")
    assert probe_url(d, "abc") == "https://example.org/news/linkspider-probe-abc"
    assert probe_url(("https", "example.org", ""), "abc") == "https://example.org/linkspider-probe-abc"
    first, second = probe_url(d), probe_url(d)
    assert first != second and first.startswith("https://example.org/news/linkspider-probe-")
    assert directory_of(first) == d


def test_same_not_found_template_is_similar_and_an_article_is_not():
    other_not_found = NOT_FOUND.replace(b"<title>Example News</title>", b"<title>Example News </title>")
    assert similarity(text_fingerprint(NOT_FOUND), text_fingerprint(other_not_found)) == 1.0
    assert similarity(text_fingerprint(NOT_FOUND), text_fingerprint(ARTICLE)) < 0.6


def test_fingerprint_ignores_scripts_and_markup_and_case():
    a = text_fingerprint(b"<p>One TWO three</p><script>alert('not text')</script>")
    b = text_fingerprint(b"<div>one two <b>three</b></div>")
    assert a == b and len(a) == 1


def test_empty_and_short_pages():
    assert text_fingerprint(b"") == frozenset()
    assert isinstance(text_fingerprint(b"\x00\xff garbage"), frozenset)  # binary garbage: no exception
    assert similarity(frozenset(), frozenset()) == 1.0
    assert similarity(text_fingerprint(b"<p>Not found</p>"), text_fingerprint(b"<p>Not found</p>")) == 1.0
    assert similarity(text_fingerprint(b"<p>Not found</p>"), frozenset()) == 0.0


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


def test_a_site_with_a_directory_per_page_costs_a_bounded_number_of_probes():
    """Past LINKSPIDER_SOFT404_DIRECTORIES_PER_SITE, the site root's probe answers for the rest."""
    import asyncio
    from types import SimpleNamespace

    from linkspider.soft404 import SoftNotFoundMiddleware

    stats = _Stats()
    mw = SoftNotFoundMiddleware(SimpleNamespace(stats=stats, engine=None), 0.9, 1000, per_site=3)
    probed: list[tuple[str, str, str]] = []

    async def probe(directory):  # the engine's download is replaced: only the bookkeeping is under test
        probed.append(directory)
        return frozenset({hash(directory)})

    mw._probe = probe

    async def crawl() -> list:
        verdicts = [await mw._verdict(("https", "users.test", f"user{i}")) for i in range(10)]
        verdicts.append(await mw._verdict(("https", "users.test", "user1")))  # known: no new probe
        verdicts.append(await mw._verdict(("https", "other.test", "news")))  # another site has its own budget
        return verdicts

    verdicts = asyncio.run(crawl())
    root = ("https", "users.test", "")
    assert probed == [("https", "users.test", "user0"), ("https", "users.test", "user1"),
                      ("https", "users.test", "user2"), root, ("https", "other.test", "news")]
    assert verdicts[5] == frozenset({hash(root)}) and verdicts[10] == frozenset({hash(("https", "users.test", "user1"))})
    assert stats.values["linkspider/soft404/site_root_used"] == 7
