"""The ``links`` spider's callback on recorded responses (scrapy-mock cassettes) and on built ones.

The cassettes in tests/fixtures/cassettes were recorded from the fixture web served on port 8765
(``python -m linkspider.demo.fixture_web --sites 3 --pages-per-site 10 --port 8765``); CI
replays them (``CI=true`` makes scrapy-mock refuse to record).
"""
from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import lxml.html
import pytest
import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from linkspider.errors import ConfigurationError
from linkspider.items import LinkItem, PageItem
from linkspider.spiders.links import LinksSpider, parse_seeds

HOME = "http://127.0.0.2:8765/"
ARTICLE = "http://127.0.0.2:8765/articles/1-nasa-finds-water-plumes-above-the-surface-of-jupiter-s-icy-m.html"


def make_spider(scope: str = "all", redis_url: str | None = None, **settings) -> LinksSpider:
    values = {"REDIS_URL": redis_url or "redis://127.0.0.1:1/0", **settings}
    crawler = get_crawler(LinksSpider, settings_dict=values)
    crawler.stats = crawler._create_stats() if hasattr(crawler, "_create_stats") else crawler.stats
    return LinksSpider.from_crawler(crawler, crawl_id="unit", scope=scope)


@pytest.fixture
def spider() -> LinksSpider:
    return make_spider()


def independent_targets(response) -> set[str]:
    doc = lxml.html.fromstring(response.body)
    targets = set()
    for el in doc.iter("a", "area"):
        href = (el.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue  # empty, or an in-page jump: not an edge
        target = urldefrag(urljoin(response.url, href))[0]
        if target.startswith(("http://", "https://")):
            targets.add(target)
    return targets


def split(output):
    output = list(output)
    assert not any(isinstance(o, LinkItem) for o in output), "edges travel inside their page item"
    pages = [o for o in output if isinstance(o, PageItem)]
    links = [link for page in pages for link in page["links"]]
    assert all(isinstance(link, LinkItem) for link in links)
    requests = [o for o in output if isinstance(o, scrapy.Request)]
    return links, pages, requests


@pytest.mark.parametrize("url", [HOME, ARTICLE], ids=["home", "article"])
def test_parse_records_every_link_then_the_page(spider, response, url):
    output = list(spider.parse(response))
    links, pages, requests = split(output)
    assert len(pages) == 1 and output[-1] is pages[0], "the page item comes last"
    page = pages[0]
    assert page["url"] == url and page["status"] == 200 and page["outlinks"] == len(links)
    anchors = {link["target_url"] for link in links if link["link_type"] in ("a", "img", "area")}
    assert anchors == independent_targets(response)
    assert all(link["source_url"] == url and link["crawl_id"] == "unit" for link in links)
    assert all(link["internal"] == (link["target_domain"] == "127.0.0.2") for link in links)
    followed = {r.url for r in requests}
    assert followed <= {link["target_url"] for link in links}
    assert not any(link["link_type"] == "img" and link["target_url"] in followed
                   and not any(o["target_url"] == link["target_url"] and o["link_type"] != "img" for o in links)
                   for link in links), "image-only targets are not followed"


@pytest.mark.parametrize("url", [HOME], ids=["home"])
def test_domain_scope_follows_only_seed_domains(response, url, redis_client, redis_url):
    spider = make_spider(scope="domain", redis_url=redis_url)
    spider.scope.add({"127.0.0.2"})
    links, _, requests = split(spider.parse(response))
    assert any(not link["internal"] for link in links), "the page links to other sites"
    assert requests and all(r.url.startswith("http://127.0.0.2:8765/") for r in requests)
    other = make_spider(scope="domain", redis_url=redis_url)
    assert other.scope.allows("127.0.0.2"), "a second worker learns the scope from Redis"


def built(url: str, status: int, headers: dict | None = None, body: bytes = b"", meta: dict | None = None):
    return HtmlResponse(url, status=status, headers=headers or {}, body=body, request=Request(url, meta=meta or {}))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_is_an_edge_and_is_followed(spider, status):
    out = list(spider.parse(built("http://a.example/old", status, {"Location": "/new#x"})))
    links, pages, requests = split(out)
    assert [(link["link_type"], link["target_url"]) for link in links] == [("redirect", "http://a.example/new")]
    assert pages[0]["redirect_to"] == "http://a.example/new" and pages[0]["status"] == status
    assert [(r.url, r.meta["redirect_hops"]) for r in requests] == [("http://a.example/new", 1)]


def test_redirect_chain_stops_at_redirect_max_times():
    spider = make_spider(REDIRECT_MAX_TIMES=2)
    links, _, requests = split(spider.parse(built("http://a.example/3", 301, {"Location": "/4"},
                                                  meta={"redirect_hops": 2})))
    assert len(links) == 1 and requests == []
    assert spider.crawler.stats.get_value("linkspider/links_not_followed/redirect_chain_too_long") == 1


@pytest.mark.parametrize("status", [404, 410])
def test_gone_page_has_no_links(spider, status):
    links, pages, requests = split(spider.parse(built("http://a.example/x", status, body=b'<a href="/y">y</a>')))
    assert (links, requests) == ([], []) and pages[0]["status"] == status


def test_non_web_links_are_counted(spider):
    body = b'<a href="mailto:a@b.c">m</a><a href="javascript:void(0)">j</a><a href="/ok">ok</a>'
    links, _, _ = split(spider.parse(built("http://a.example/", 200, body=body)))
    assert [link["target_url"] for link in links] == ["http://a.example/ok"]
    stats = spider.crawler.stats
    assert stats.get_value("linkspider/links_dropped/mailto") == 1
    assert stats.get_value("linkspider/links_dropped/javascript") == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://a.example/", ["http://a.example/"]),
        ("http://A.example/x#f, https://b.example", ["http://a.example/x", "https://b.example/"]),
        ("", []),
    ],
    ids=["one", "list-normalized", "empty"],
)
def test_parse_seeds(value, expected):
    assert parse_seeds(value) == expected


def test_parse_seeds_from_file(tmp_path):
    path = tmp_path / "seeds.txt"
    path.write_text("# crawl these\nhttp://a.example/\n\nhttps://b.example/p  # trailing comment\n")
    assert parse_seeds(f"@{path}") == ["http://a.example/", "https://b.example/p"]


@pytest.mark.parametrize("value", ["ftp://a.example/", "not a url", "@/nonexistent/seeds.txt"],
                         ids=["ftp", "garbage", "missing-file"])
def test_bad_seeds_are_configuration_errors(value):
    with pytest.raises(ConfigurationError):
        parse_seeds(value)


def test_unknown_scope_is_rejected():
    with pytest.raises(ConfigurationError, match="scope"):
        make_spider(scope="galaxy")


def test_a_target_is_followed_once_per_worker(spider):
    body = b'<a href="/x">one</a><a href="/x#frag">two</a><a href="/y?utm_source=z">y</a>'
    links, _, requests = split(spider.parse(built("http://a.example/", 200, body=body)))
    assert len(links) == 3
    assert sorted(r.url for r in requests) == ["http://a.example/x", "http://a.example/y?utm_source=z"]
    links, _, requests = split(spider.parse(built("http://a.example/other", 200, body=body + b'<a href="/y">')))
    assert len(links) == 4 and requests == [], "every target was queued by this worker already"
    assert spider.crawler.stats.get_value("linkspider/links_not_followed/already_followed") == 5
