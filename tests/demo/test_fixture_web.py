"""The fixture web: site per loopback address, rewritten real pages, robots, specials, log and faults.

Checks read the served HTML with lxml and follow it over HTTP, independently of the model's own
``outlinks``/``injected_links``, so a wrong model cannot confirm itself.
"""
from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from linkspider.demo.fixture_web import (
    CORPUS_ENV,
    FixtureWeb,
    FixtureWebError,
    FixtureWebServer,
    _classify_href,
    build_web,
    default_corpus_dir,
    read_log_file,
)
from linkspider.errors import LinkspiderError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCE = "https://www.example-news.com/section/story.html"


def fetch(url: str, method: str = "GET", timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """One request, no proxies, no redirect following."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path or "/")
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def http_links(body: bytes, base: str) -> list[str]:
    """Absolute http(s) targets (fragment removed) of every <a>/<area> href, read from the HTML."""
    doc = lxml.html.document_fromstring(body)
    out = []
    for el in doc.iter("a", "area"):
        href = (el.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        target = urljoin(base, href).split("#", 1)[0]
        if target.startswith(("http://", "https://")):
            out.append(target)
    return out


@pytest.fixture(scope="module")
def web() -> FixtureWeb:
    return build_web(sites=3, pages_per_site=10, seed=0)


@pytest.fixture(scope="module")
def server(web: FixtureWeb):
    with FixtureWebServer(web) as srv:
        yield srv


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        pytest.param("/world/", ("a", "root", False, False, ""), id="root-relative"),
        pytest.param("other.html#top", ("a", "root", False, False, "top"), id="relative-with-fragment"),
        pytest.param("https://www.example-news.com/", ("a", "abs", False, True, ""), id="absolute-own-home"),
        pytest.param("https://video.example-news.com/x", ("a", "abs", False, False, ""), id="own-subdomain"),
        pytest.param("https://twitter.com/share?u=1", ("a", "abs", True, False, ""), id="external"),
        pytest.param("//cdn.other.org/a", ("a", "proto", True, False, ""), id="protocol-relative-external"),
        pytest.param("HTTP://Other.org/", ("a", "abs", True, True, ""), id="uppercase-scheme"),
        pytest.param("#comments", None, id="fragment-only-kept"),
        pytest.param("mailto:desk@example-news.com", None, id="mailto-kept"),
        pytest.param("javascript:void(0)", None, id="javascript-kept"),
        pytest.param("Javascript:void(0)", None, id="javascript-mixed-case-kept"),
        pytest.param("tel:+15551234", None, id="tel-kept"),
        pytest.param("whatsapp://send?text=x", None, id="app-scheme-kept"),
        pytest.param("   ", None, id="blank-kept"),
    ],
)
def test_classify_href(href: str, expected: tuple | None) -> None:
    slot = _classify_href(href, SOURCE, "example-news.com")
    got = None if slot is None else (slot.kind, slot.form, slot.external, slot.home, slot.fragment)
    assert got == expected


def test_same_original_url_maps_to_same_key() -> None:
    a = _classify_href("/world/", SOURCE, "example-news.com")
    b = _classify_href("https://www.example-news.com/world/", SOURCE, "example-news.com")
    c = _classify_href("/business/", SOURCE, "example-news.com")
    assert a is not None and b is not None and c is not None
    assert a.key == b.key != c.key


TINY_PAGES = {
    f"t{i}": (
        (f"<html><head><title>Story {i}</title></head><body><nav><a href='/'>Home</a> "
         f"<a href='/s{i % 3}/'>Section</a></nav><p><a href='https://other{i}.example/'>out</a> "
         f"<a href='/story-{i + 1}.html'>next</a></p></body></html>").encode(),
        f"https://news{i % 2}.example/story-{i}.html",
    )
    for i in range(7)
}


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven small synthetic pages: fast to build any size from."""
    return _write_corpus(tmp_path_factory.mktemp("tiny"), TINY_PAGES)


def test_build_is_deterministic_and_seeded(tiny_corpus: Path) -> None:
    webs = [build_web(tiny_corpus, sites=3, pages_per_site=5, seed=seed) for seed in (0, 0, 1)]
    for w in webs:
        w.bind(8000)
    same, again, other = webs
    urls = same.page_urls()
    assert again.page_urls() == urls
    assert [again.page_body(u) for u in urls] == [same.page_body(u) for u in urls]
    assert [p.template for p in other.pages[0]] != [p.template for p in same.pages[0]]
    other_bodies = [other.page_body(u) for u in other.page_urls()]
    assert other_bodies != [same.page_body(u) for u in urls]


def test_sizes_for_unit_tests_and_benchmarks(tiny_corpus: Path) -> None:
    small = build_web(tiny_corpus)
    assert (len(small.sites), small.page_count) == (3, 30)
    bench = build_web(tiny_corpus, sites=20, pages_per_site=100)
    assert len(bench.sites) == 20 and bench.page_count == 2000
    assert [s.address for s in bench.sites] == [f"127.0.0.{i}" for i in range(2, 22)]
    bench.bind(1)
    urls = bench.page_urls()
    assert len(set(urls)) == 2000
    depths = bench.reachable()
    assert set(depths) == set(urls) and max(depths.values()) <= 22


@pytest.mark.slow
def test_whole_corpus_builds_and_stays_on_the_web() -> None:
    """All 121 corpus pages (2 sites x 61 pages covers each): every http link lands on the web."""
    corpus_size = len(list((default_corpus_dir() / "html").glob("*.html.gz")))
    web = build_web(sites=2, pages_per_site=(corpus_size + 1) // 2)
    web.bind(8000)
    assert len({p.template for site in web.pages for p in site}) == corpus_size
    pages = set(web.page_urls())
    others = {r.url for r in web.redirects + web.refreshes} | set(web.missing) | set(web.private_urls)
    for url in web.page_urls():
        targets = http_links(web.page_body(url), url)
        assert set(targets) <= pages | others, url
        assert sorted(targets) == sorted(web.outlinks(url)), url
    assert set(web.reachable()) == pages


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"sites": 0}, "sites must be", id="no-sites"),
        pytest.param({"sites": 251}, "sites must be", id="too-many-sites"),
        pytest.param({"pages_per_site": 0}, "pages_per_site", id="no-pages"),
        pytest.param({"fanout": 0}, "fanout", id="no-fanout"),
    ],
)
def test_bad_sizes_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(FixtureWebError, match=message):
        build_web(**kwargs)


def test_missing_corpus_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(FixtureWebError, match=str(missing / "html")) as info:
        build_web(missing)
    assert isinstance(info.value, LinkspiderError)
    monkeypatch.setenv(CORPUS_ENV, str(missing))
    assert default_corpus_dir() == missing
    with pytest.raises(FixtureWebError, match=CORPUS_ENV):
        build_web()


def test_default_corpus_ships_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo and the tests need nothing outside the package: the pages are package data."""
    import linkspider

    monkeypatch.delenv(CORPUS_ENV, raising=False)
    corpus = default_corpus_dir()
    assert corpus.is_relative_to(Path(linkspider.__file__).parent)
    assert len(list((corpus / "html").glob("*.html.gz"))) >= 100
    assert (corpus / "ground-truth.json").is_file() and (corpus / "LICENSE").is_file()


def _write_corpus(root: Path, pages: dict[str, tuple[bytes, str]]) -> Path:
    (root / "html").mkdir(parents=True)
    truth = {}
    for key, (raw, url) in pages.items():
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(raw))
        truth[key] = {"url": url, "articleBody": ""}
    (root / "ground-truth.json").write_text(json.dumps(truth))
    return root


def test_synthetic_page_is_transcoded_and_rewritten(tmp_path: Path) -> None:
    """Latin-1 page with base, canonical, stylesheet, img srcset, external and mailto links."""
    raw = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        '<base href="https://elsewhere.example/"><title>Caf\xe9 news</title>'
        '<link rel="canonical" href="https://www.example-news.com/a.html">'
        '<link rel="stylesheet" href="https://cdn.example/s.css"></head>'
        '<body><nav><a href="/">Home</a></nav><!-- a comment -->'
        '<p>Caf\xe9 <a href="https://twitter.com/x">tweet</a> <a href="mailto:a@b.c">mail</a> '
        '<a href="#top">top</a><img src="https://cdn.example/i.jpg" srcset="https://cdn.example/i2.jpg 2x"></p>'
        "<footer><a href='/about'>About</a></footer></body></html>"
    ).encode("latin-1")
    corpus = _write_corpus(tmp_path / "c", {"p1": (raw, "https://www.example-news.com/a.html")})
    web = build_web(corpus, sites=2, pages_per_site=1)
    web.bind(8123)
    home0, home1 = web.home_urls()
    body = web.page_body(home0)
    text = body.decode("utf-8")  # transcoded: this must not raise
    assert "Café news" in text and "Café " in text
    assert text.lower().count("charset") == 1 and '<meta charset="utf-8">' in text
    doc = lxml.html.document_fromstring(body)
    assert doc.find(".//base") is None
    assert doc.xpath("//link[@rel='canonical']/@href") == [home0]
    assert doc.xpath("//link[@rel='stylesheet']/@href") == []
    assert doc.xpath("//nav/a[text()='Home']/@href") == ["/"]
    assert doc.xpath("//a[text()='tweet']/@href") == [home1]  # external -> other site (only page: home)
    assert doc.xpath("//a[text()='mail']/@href") == ["mailto:a@b.c"]
    assert doc.xpath("//a[text()='top']/@href") == ["#top"]
    assert doc.xpath("//p/img/@srcset") == [] and doc.xpath("//p/img/@src")[0].startswith("/img/")
    assert [c.text for c in doc.xpath("//comment()")] == [" a comment "]


# --------------------------------------------------------------------------- served over HTTP


def test_site_is_chosen_by_local_address(web: FixtureWeb, server: FixtureWebServer) -> None:
    port = server.port
    assert server.base_urls == [f"http://127.0.0.{i + 2}:{port}/" for i in range(3)]
    server.clear_log()
    status0, headers0, body0 = fetch(f"http://127.0.0.2:{port}/")
    status1, _, body1 = fetch(f"http://127.0.0.3:{port}/")
    assert status0 == status1 == 200
    assert headers0["content-type"] == "text/html; charset=utf-8"
    assert body0 == web.page_body(web.site_url(0)) and body1 == web.page_body(web.site_url(1))
    assert body0 != body1
    assert [(r.site, r.address, r.path, r.status) for r in server.requests()] == [
        (0, "127.0.0.2", "/", 200), (1, "127.0.0.3", "/", 200)]


def test_every_page_is_served_exactly(web: FixtureWeb, server: FixtureWebServer) -> None:
    urls = web.page_urls()
    assert len(urls) == len(set(urls)) == 30
    for url in urls:
        status, headers, body = fetch(url)
        assert status == 200, url
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert int(headers["content-length"]) == len(body)
        assert body == web.page_body(url)
    status, _, body = fetch(urls[3], method="HEAD")
    assert status == 200 and body == b""


def test_every_link_stays_on_the_fixture_web(web: FixtureWeb, server: FixtureWebServer) -> None:
    """Every http(s) href of every page is on the web and answers as the model says."""
    pages = set(web.page_urls())
    specials = {r.url: 301 for r in web.redirects} | {r.url: 200 for r in web.refreshes}
    specials |= dict.fromkeys(web.missing, 404) | dict.fromkeys(web.private_urls, 200)
    hosts = {urlsplit(u).netloc for u in web.home_urls()}
    seen: set[str] = set()
    cross_site = 0
    for url in web.page_urls():
        targets = http_links(web.page_body(url), url)
        assert len(targets) > 10, url
        assert sorted(targets) == sorted(web.outlinks(url)), url
        for target in targets:
            assert urlsplit(target).netloc in hosts, (url, target)
            assert target in pages or target in specials, (url, target)
            cross_site += urlsplit(target).netloc != urlsplit(url).netloc
        seen.update(targets)
    assert cross_site > 0
    for target in sorted(seen - pages):
        assert fetch(target)[0] == specials[target], target


def test_all_pages_reachable_from_site0_home_over_http(web: FixtureWeb, server: FixtureWebServer) -> None:
    """Breadth-first crawl over HTTP, reading the HTML: every page, every site, within a few clicks."""
    start = web.site_url(0)
    depth = {start: 0}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        status, headers, body = fetch(url)
        if status != 200 or "/private/" in url or not headers["content-type"].startswith("text/html"):
            continue
        for target in http_links(body, url):
            if target not in depth:
                depth[target] = depth[url] + 1
                queue.append(target)
    pages = web.page_urls()
    assert set(pages) <= set(depth)
    assert max(depth[u] for u in pages) <= 4
    model = web.reachable()
    assert set(model) == set(pages)
    for site in web.sites:  # within a site: home reaches every page in at most 2 clicks (fanout 10)
        home = web.site_url(site.index)
        within = {u: d for u, d in web.reachable(home, max_depth=2).items() if u.startswith(home)}
        assert set(within) == {u for u in pages if u.startswith(home)}


def _placement_by_markup(a) -> str:
    for ancestor in a.iterancestors():
        if ancestor.tag in ("nav", "aside", "footer", "header"):
            return {"aside": "sidebar"}.get(ancestor.tag, ancestor.tag)
    return "body"


@pytest.mark.parametrize("page_index", [0, 1, 7], ids=["home", "page1", "page7"])
def test_injected_links_have_clear_cases(web: FixtureWeb, server: FixtureWebServer, page_index: int) -> None:
    """Each injected link is in the served HTML where the model says: nav/aside/footer, or a <p>
    among the page's own article paragraphs."""
    url = web.page_url(web.pages[1][page_index])
    _, _, body = fetch(url)
    doc = lxml.html.document_fromstring(body)
    injected = web.injected_links(url)
    for link in injected:
        matches = []
        for a in doc.iter("a"):
            img = a.find("img")
            if (a.get("href"), " ".join(a.text_content().split()), img.get("alt") if img is not None else None,
                    tuple((a.get("rel") or "").split())) == (link.href, link.anchor_text, link.alt, link.rel):
                matches.append(a)
        assert matches, link
        assert link.placement in {_placement_by_markup(a) for a in matches}, link
        assert urljoin(url, link.href) == link.target_url
        if link.placement == "body":
            p = next(a for a in matches if _placement_by_markup(a) == "body").getparent()
            assert p.tag == "p"
            article_text = [s for s in p.itersiblings("p", preceding=True) if len(s.text_content()) > 80]
            assert article_text or p.getparent().tag == "article", "body links sit among article paragraphs"
    rels = {link.rel for link in injected}
    assert {("nofollow",), ("sponsored",), ("ugc",), ("nofollow", "noopener"), ()} <= rels
    placements = [link.placement for link in injected]
    assert placements.count("sidebar") == 1
    assert placements.count("nav") == 1 + len(range(page_index * 10 + 1, min(10, page_index * 10 + 11)))
    assert placements.count("footer") == (2 if page_index == 0 else 1)  # partner site (+ staff area on home)
    images = [link for link in injected if link.alt]
    assert [link.link_type for link in images] == ["img"] and images[0].anchor_text == ""
    alt = images[0].alt or ""
    assert alt.startswith("Photo: ") and len(alt) > 10
    assert {link.link_type for link in injected if not link.alt} == {"a"}
    # Plain HTML: nothing carries data-* markers an extractor could use.
    block = doc.xpath("/html/body/section[last()]")[0]
    assert not [k for el in block.iter() for k in el.attrib if k.startswith("data-")]


@pytest.mark.parametrize(("sites", "pages"), [(3, 10), (1, 2), (2, 1)], ids=["small", "one-site", "one-page"])
def test_injected_links_are_distinct_edges(tiny_corpus: Path, sites: int, pages: int) -> None:
    """No two injected links share target, text, placement and type (one edge each, its own rel)."""
    web = build_web(tiny_corpus, sites=sites, pages_per_site=pages)
    web.bind(1)
    for url in web.page_urls():
        keys = [(link.target_url, link.anchor_text, link.placement, link.link_type)
                for link in web.injected_links(url)]
        assert len(keys) == len(set(keys)), url


def test_injected_image_link_is_the_only_image_link_to_its_target(web: FixtureWeb) -> None:
    """Corpus logos and thumbnails link pages with empty text too; the injected one must not share
    an edge (target, empty text, body) with them, or its alt would be ambiguous."""
    web.bind(web.port or 1)
    for url in web.page_urls():
        (image,) = [link for link in web.injected_links(url) if link.link_type == "img"]
        doc = lxml.html.document_fromstring(web.page_body(url))
        wrapping = [a for a in doc.iter("a") if a.find(".//img") is not None
                    and urljoin(url, (a.get("href") or "").strip()).split("#")[0] == image.target_url]
        assert len(wrapping) == 1, url
        assert image.target_url not in (url, web.site_url(web.page(url).site))


def test_corpus_markup_is_kept(web: FixtureWeb) -> None:
    """Same nav/header/aside/footer elements and comments as the original page, plus the block's."""
    web.bind(web.port or 1)
    page = web.pages[2][4]
    raw = gzip.decompress((default_corpus_dir() / "html" / page.template).read_bytes())
    original = lxml.html.document_fromstring(raw)
    served = lxml.html.document_fromstring(web.page_body(web.page_url(page)))
    # Body links go among the page's own article paragraphs; only pages without one get an <article>.
    block_articles = len(served.xpath("/html/body/section[last()]/article"))
    assert block_articles == 0
    added = {"nav": 1, "aside": 1, "footer": 1, "article": block_articles, "header": 0, "section": 1}
    for tag, extra in added.items():
        assert len(served.xpath(f"//{tag}")) == len(original.xpath(f"//{tag}")) + extra, tag
    assert len(served.xpath("//comment()")) == len(original.xpath("//comment()"))
    assert len(served.xpath("//a")) == len(original.xpath("//a")) + len(web.injected_links(web.page_url(page)))


def test_robots_txt_and_private_path(web: FixtureWeb, server: FixtureWebServer) -> None:
    status, headers, body = fetch(web.url(2, "/robots.txt"))
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert body.decode().splitlines() == ["User-agent: *", "Disallow: /private/"]
    private = web.private_urls[0]
    assert private in web.outlinks(web.site_url(0))
    server.clear_log()
    assert fetch(private)[0] == 200
    assert [r.path for r in server.private_requests()] == ["/private/staff.html"]


def test_crawl_delay_option() -> None:
    web = build_web(sites=3, pages_per_site=2, crawl_delay={1: 0.5})
    assert "Crawl-delay" not in web.robots_txt(0)
    assert web.robots_txt(1).splitlines()[-1] == "Crawl-delay: 0.5"
    every = build_web(sites=2, pages_per_site=2, crawl_delay=2)
    assert [every.robots_txt(i).splitlines()[-1] for i in range(2)] == ["Crawl-delay: 2"] * 2


def test_redirect_refresh_and_missing(web: FixtureWeb, server: FixtureWebServer) -> None:
    home_links = web.outlinks(web.site_url(0))
    assert len(web.redirects) == len(web.refreshes) == len(web.missing) == 3
    for redirect in web.redirects:
        status, headers, _ = fetch(redirect.url)
        assert status == 301 and headers["location"] == redirect.target
        assert redirect.target in web.page_urls()
    for refresh in web.refreshes:
        status, _, body = fetch(refresh.url)
        doc = lxml.html.document_fromstring(body)
        content = doc.xpath("//meta[@http-equiv='refresh']/@content")
        assert status == 200 and content == [f"0; url={refresh.target}"]
    for url in web.missing:
        assert fetch(url)[0] == 404
    assert {web.redirects[0].url, web.refreshes[0].url, web.missing[0]} <= set(home_links)
    assert fetch(web.url(0, "/no/such/page.html"))[0] == 404
    assert not set(web.page_urls()) & ({r.url for r in web.redirects + web.refreshes} | set(web.missing))


def test_specials_can_be_switched_off() -> None:
    web = build_web(sites=2, pages_per_site=3, specials=False)
    web.bind(1)
    assert web.redirects == web.refreshes == web.missing == []
    assert web.respond(0, "/moved/front-page.html").status == 404
    assert not [u for u in web.outlinks(web.site_url(0)) if "/moved/" in u or "/gone/" in u]


def test_request_log_in_memory_and_file(tmp_path: Path) -> None:
    web = build_web(sites=2, pages_per_site=3)
    log = tmp_path / "requests.jsonl"
    with FixtureWebServer(web, log_file=log) as srv:
        urls = web.page_urls()
        for url in urls:
            fetch(url)
        fetch(web.url(1, "/gone/column.html"))
        records = srv.requests()
        assert srv.requests(site=1)[-1].status == 404
    assert [(r.address, r.path, r.status) for r in records] == [
        (urlsplit(u).hostname, urlsplit(u).path, 200) for u in urls] + [("127.0.0.3", "/gone/column.html", 404)]
    monos = [r.mono for r in records]
    assert monos == sorted(monos) and abs(records[0].wall - time.time()) < 60
    assert read_log_file(log) == records


def test_faults_at_construction_and_run_time() -> None:
    web = build_web(sites=3, pages_per_site=2)
    with FixtureWebServer(web, faults={2: "503"}, hold_seconds=0.6) as srv:
        home = web.home_urls()
        assert fetch(home[2])[0] == 503
        assert fetch(home[0])[0] == 200
        srv.set_fault(0, "500")
        assert fetch(home[0])[0] == 500 and fetch(web.url(0, "/robots.txt"))[0] == 500
        srv.set_fault(0, "slow:0.3")
        started = time.monotonic()
        assert fetch(home[0])[0] == 200
        assert time.monotonic() - started >= 0.3
        srv.set_fault(1, "timeout")
        started = time.monotonic()
        with pytest.raises((socket.timeout, http.client.RemoteDisconnected)):
            fetch(home[1], timeout=0.3)
        assert time.monotonic() - started < 0.6
        with pytest.raises(http.client.RemoteDisconnected):
            fetch(home[1], timeout=5)  # held for hold_seconds, then closed unanswered
        srv.set_fault(1, "close")
        with pytest.raises(http.client.RemoteDisconnected):
            fetch(home[1])
        for site in range(3):
            srv.set_fault(site, None)
        assert [fetch(u)[0] for u in home] == [200, 200, 200]
        faulted = [r for r in srv.requests() if r.fault == "timeout"]
        assert faulted and all(r.status is None for r in faulted)


def test_added_routes_serve_test_bytes(web: FixtureWeb, server: FixtureWebServer) -> None:
    """Hostile tests mount their own bodies and headers on a site; pages and page_urls are unchanged."""
    raw = b"\x00\xff binary <a href=/x>x</a>"
    url = web.add_route(1, "/hostile/binary.html", raw, content_type="text/html",
                        headers=[("X-Test", "1")])
    try:
        assert url == web.url(1, "/hostile/binary.html") and url not in web.page_urls()
        status, headers, body = fetch(url)
        assert (status, headers["content-type"], headers["x-test"], body) == (200, "text/html", "1", raw)
        assert fetch(web.url(0, "/hostile/binary.html"))[0] == 404  # only on the site it was added to
        web.add_route(1, "/hostile/none", b"x", status=203, content_type="")
        status, headers, _ = fetch(web.url(1, "/hostile/none"))
        assert status == 203 and "content-type" not in headers
    finally:
        web.remove_route(1, "/hostile/binary.html")
        web.remove_route(1, "/hostile/none")
    assert fetch(url)[0] == 404
    with pytest.raises(FixtureWebError):
        web.add_route(9, "/x", b"")


@pytest.mark.parametrize("kind", ["boom", "slow:x", "slow:-1", "600", "5000"], ids=str)
def test_unknown_fault_is_refused(kind: str) -> None:
    srv = FixtureWebServer(build_web(sites=1, pages_per_site=1))
    with pytest.raises(FixtureWebError, match="fault"):
        srv.set_fault(0, kind)
    with pytest.raises(FixtureWebError, match="no site"):
        srv.set_fault(5, "500")


def test_port_collision_is_retried_and_fixed_port_collision_fails() -> None:
    web = build_web(sites=2, pages_per_site=1)
    with FixtureWebServer(web) as first:
        other = build_web(sites=2, pages_per_site=1)
        with pytest.raises(FixtureWebError, match="cannot listen"):
            FixtureWebServer(other, port=first.port or 1).start()
        with FixtureWebServer(other) as second:
            assert second.port != first.port
            assert fetch(other.site_url(1))[0] == 200


def test_runs_as_a_process(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    seeds = tmp_path / "seeds.txt"
    log = tmp_path / "log.jsonl"
    faults = tmp_path / "faults.json"
    cmd = [sys.executable, "-m", "linkspider.demo.fixture_web", "--sites", "2", "--pages-per-site", "3",
           "--port", "0", "--ready-file", str(ready), "--seeds-file", str(seeds), "--log-file", str(log),
           "--fault", "1=500", "--faults-file", str(faults)]
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert info["pid"] == proc.pid and info["pages"] == 6
        assert info["sites"] == seeds.read_text().split() == [
            f"http://127.0.0.2:{info['port']}/", f"http://127.0.0.3:{info['port']}/"]
        assert fetch(info["sites"][0])[0] == 200
        assert fetch(info["sites"][1])[0] == 500
        faults.write_text('{"0": "503", "1": null}')  # run-time faults for a server in another process
        deadline = time.monotonic() + 10
        while fetch(info["sites"][0])[0] != 503:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert fetch(info["sites"][1])[0] == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err.decode()
    statuses = [(r["site"], r["status"]) for r in map(json.loads, log.read_text().splitlines())]
    assert statuses[:2] == [(0, 200), (1, 500)] and statuses[-2:] == [(0, 503), (1, 200)]


def test_linkspider_fixture_web_command_is_wired() -> None:
    from linkspider import cli
    from linkspider.commands import fixture_web as command
    from linkspider.demo import fixture_web

    args = cli.build_parser().parse_args(["fixture-web", "--bench", "--port", "8811", "--fault", "3=timeout"])
    assert args._run is command.run and command.NAME == "fixture-web"
    assert (args.bench, args.port, args.fault) == (True, 8811, ["3=timeout"])
    assert fixture_web.run is not None
