"""``scrapy crawl links`` over the fixture web into real Redis and MongoDB, checked against the served HTML.

The expected links are computed here from the bytes the fixture server sends, with lxml and
``urljoin`` only, not with linkspider's extractor.
"""
from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import lxml.html
import pytest

from linkspider.urls import host_of


def served_targets(web, url: str) -> set[str]:
    """Distinct http(s) targets of the page's <a>/<area> links (text or image), computed independently."""
    doc = lxml.html.fromstring(web.page_body(url))
    base = url
    base_el = doc.find(".//base[@href]")
    if base_el is not None:
        base = urljoin(url, base_el.get("href").strip())
    targets = set()
    for el in doc.iter("a", "area"):
        href = el.get("href")
        if href is None or not href.strip() or href.strip().startswith("#"):
            continue  # empty, or an in-page jump: not an edge
        target = urldefrag(urljoin(base, href.strip()))[0]
        if target.startswith(("http://", "https://")):
            targets.add(target)
    return targets


@pytest.fixture(scope="module")
def crawled(request, fixture_web, redis_url, mongo_uri, mongo_client, tmp_path_factory):
    """One crawl of the whole small fixture web, shared by the checks below."""
    from linkspider.demo.crawl import run_crawl

    db = mongo_client[f"test_e2e_{tmp_path_factory.getbasetemp().name[-6:]}"]
    log = tmp_path_factory.mktemp("e2e") / "crawl.log"
    web = fixture_web.web
    status = run_crawl([web.site_url(0)], "e2e-1", redis_url=redis_url, mongo_uri=mongo_uri, database=db.name,
                       settings={"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True", "LINKSPIDER_IDLE_CLOSE_SECONDS": "1"},
                       scope="all", log_path=log, timeout=300)
    assert status == 0, log.read_text()[-4000:]
    yield db, log
    mongo_client.drop_database(db.name)


def test_every_page_is_fetched_and_stored(crawled, fixture_web):
    db, _ = crawled
    web = fixture_web.web
    stored = {doc["url"] for doc in db.pages.find({"status": 200}, {"url": 1})}
    assert set(web.page_urls()) <= stored
    assert not any("/private/" in url for url in stored), "robots.txt disallows /private/"
    assert not any(r.path.startswith("/private/") for r in fixture_web.requests())


def test_edges_match_served_html(crawled, fixture_web):
    db, _ = crawled
    web = fixture_web.web
    for url in web.page_urls():
        expected = served_targets(web, url)
        got = set(db.edges.distinct("target_url", {"source_url": url, "link_type": {"$in": ["a", "img", "area"]}}))
        assert got == expected, f"{url}: missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}"


def test_edges_keep_the_placement_models_score(crawled, fixture_web):
    """Each anchor edge stores the body score extraction gave it; page-level links store none."""
    from linkspider.extract import extract_links

    db, _ = crawled
    web = fixture_web.web
    scored = 0
    for url in web.page_urls()[:6]:
        expected: dict[tuple, set] = {}  # links that share an edge id (same target, text, type, placement) are one edge
        for link in extract_links(web.page_body(url), url):
            key = (link.target_url, link.anchor_text, link.link_type, link.placement)
            expected.setdefault(key, set()).add(link.body_score)
        for edge in db.edges.find({"source_url": url}):
            key = (edge["target_url"], edge["anchor_text"], edge["link_type"], edge["placement"])
            assert edge.get("body_score") in expected[key], key
            if edge["link_type"] in ("a", "img", "area"):
                assert 0.0 <= edge["body_score"] <= 1.0
                scored += 1
            else:
                assert "body_score" not in edge
    assert scored > 100


def test_clear_placements_and_rel_flags(crawled, fixture_web):
    db, _ = crawled
    web = fixture_web.web
    checked = {"body": 0, "nav": 0, "sidebar": 0, "footer": 0}
    for url in web.page_urls():
        for link in web.injected_links(url):
            query = {"source_url": url, "target_url": link.target_url, "placement": link.placement,
                     "link_type": link.link_type}
            if link.link_type == "img":
                query["alt"] = link.alt
            else:
                query["anchor_text"] = link.anchor_text
            edge = db.edges.find_one(query)
            assert edge is not None, f"no {link.placement} edge {link} on {url}"
            assert edge.get("rel", []) == list(link.rel)  # stored only when the link has one
            assert (edge["nofollow"], edge["sponsored"], edge["ugc"]) == (link.nofollow, link.sponsored, link.ugc)
            checked[link.placement] = checked.get(link.placement, 0) + 1
    assert all(n > 0 for n in checked.values()), checked


def test_edge_fields(crawled, fixture_web):
    db, _ = crawled
    edge = db.edges.find_one({"link_type": "a", "internal": False})
    assert edge is not None
    for field in ("source_url", "target_url", "source_domain", "target_domain", "anchor_text", "nofollow",
                  "sponsored", "ugc", "placement", "internal", "first_seen", "crawl_id"):
        assert field in edge, field
    assert edge["source_domain"] != edge["target_domain"]
    assert edge["target_domain"] == host_of(edge["target_url"])  # an IP host is its own domain
    assert "#" not in edge["target_url"]


def test_redirects_and_missing_pages_are_recorded(crawled, fixture_web):
    db, _ = crawled
    web = fixture_web.web
    for redirect in web.redirects:
        edge = db.edges.find_one({"source_url": redirect.url, "link_type": "redirect"})
        assert edge is not None and edge["target_url"] == redirect.target
    for url in web.missing:
        page = db.pages.find_one({"url": url})
        assert page is not None and page["status"] == 404


def test_non_web_links_are_counted_not_stored(crawled):
    db, log = crawled
    text = log.read_text()
    assert "'linkspider/links_dropped/mailto'" in text
    assert db.edges.count_documents({"target_url": {"$regex": "^(mailto|javascript|tel|data):"}}) == 0


def test_second_crawl_adds_no_edges(crawled, fixture_web, redis_url, mongo_uri, tmp_path):
    from linkspider.demo.crawl import run_crawl

    db, _ = crawled
    before = list(db.edges.find().sort("_id"))
    fetched_before = max(doc["fetched_at"] for doc in db.pages.find({}, {"fetched_at": 1}))
    status = run_crawl([fixture_web.web.site_url(0)], "e2e-2", redis_url=redis_url, mongo_uri=mongo_uri,
                       database=db.name, scope="all", log_path=tmp_path / "crawl2.log", timeout=300,
                       settings={"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True", "LINKSPIDER_IDLE_CLOSE_SECONDS": "1"})
    assert status == 0, (tmp_path / "crawl2.log").read_text()[-4000:]
    assert list(db.edges.find().sort("_id")) == before  # the same links: not one edge rewritten
    assert max(doc["fetched_at"] for doc in db.pages.find({}, {"fetched_at": 1})) > fetched_before


def test_robots_txt_holds_for_requests_that_wait_for_it(crawl, crawl_id, fixture_web):
    """Several requests to a host whose robots.txt is still being fetched all wait for it, and all obey it.

    Scrapy 2.13+'s RobotsTxtMiddleware hands the parsed file to the first waiter only; the others
    got None and were fetched even when disallowed."""
    import uuid

    web = fixture_web.web
    marker = uuid.uuid4().hex[:12]
    seeds = [urljoin(web.site_url(1), f"/private/{marker}-{i}.html") for i in range(8)]
    log = crawl(seeds, crawl_id, scope="domain")
    fetched = [r for r in fixture_web.requests() if marker in r.path]
    assert fetched == [], f"{len(fetched)} disallowed requests were sent"
    assert "'robotstxt/forbidden': 8" in log
