"""FrontierScheduler without an engine: hand-out, bad entries, children before acks, errbacks, close."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

import linkspider.frontier
from linkspider.frontier import FrontierConfig, FrontierScheduler
from linkspider.frontier.codec import LEASE_META_KEY
from linkspider.items import PageItem


class _Spider(scrapy.Spider):
    name = "links"

    def __init__(self, crawl_id: str, **kw) -> None:
        super().__init__(**kw)
        self.crawl_id = crawl_id
        self.errors: list[Failure] = []

    def parse(self, response):  # pragma: no cover - called by the tests through the request
        yield from ()

    def on_error(self, failure):
        self.errors.append(failure)


class _Crawlerless:
    """Just enough of a crawler for StatsCollector."""

    class settings:
        @staticmethod
        def getbool(name, default=False):
            return False


def open_scheduler(redis_client, crawl_id, **config) -> FrontierScheduler:
    """A scheduler without a crawler (the test drives heartbeats), opened on ``crawl_id``."""
    s = FrontierScheduler(redis_client, FrontierConfig(**config), stats=StatsCollector(_Crawlerless()))
    s.open(_Spider(crawl_id))
    return s


@pytest.fixture
def sched(redis_client, crawl_id):
    s = open_scheduler(redis_client, crawl_id, lease_seconds=30, heartbeat_seconds=5, ack_delay=0)
    yield s
    s.close("test")


def stat(s, key):
    return s.stats.get_value(f"linkspider/frontier/{key}", 0)


def test_prefetch_leases_several_per_round_trip(sched, redis_client):
    spider = sched.spider
    for i in range(6):
        sched.enqueue_request(scrapy.Request(f"http://d{i}.test/", callback=spider.parse))
    sched.flush()
    redis_client.config_resetstat()
    got = [sched.next_request() for _ in range(6)]
    assert sorted(r.url for r in got) == sorted(f"http://d{i}.test/" for i in range(6))
    evalsha = redis_client.info("commandstats")["cmdstat_evalsha"]
    # a script's first use on a server fails with NOSCRIPT (redis-py loads it and calls again): that
    # happens once per server, whether or not an earlier test ran the script, and is not counted here
    calls = evalsha["calls"] - evalsha.get("failed_calls", 0)
    assert calls == 2, "6 leases in 2 round trips (LINKSPIDER_FRONTIER_PREFETCH = 4)"


def test_enqueue_then_next_request_round_trip(sched):
    spider = sched.spider
    assert sched.enqueue_request(scrapy.Request("http://a.test/1", callback=spider.parse, errback=spider.on_error,
                                                meta={"depth": 2}))
    assert sched.has_pending_requests(), "buffered until the next round trip"
    req = sched.next_request()
    assert req.url == "http://a.test/1" and req.callback == spider.parse and req.meta["depth"] == 2
    assert LEASE_META_KEY in req.meta
    assert req.errback.__wrapped_errback__ == spider.on_error
    assert sched.next_request() is None
    assert stat(sched, "pushed") == 1 and stat(sched, "leased") == 1


def test_bad_entries_in_redis_are_skipped_logged_and_counted(sched, redis_client, caplog):
    keys = sched.frontier.keys
    redis_client.zadd(keys.queue("evil.test"), {b"900\t\x80\x04pickle": 1,
                                                "901\t" + json.dumps({"v": 1, "url": "x"}): 2})
    redis_client.zadd(keys.ready, {"evil.test": 0})
    redis_client.hset(keys.counters, "queued", 2)
    sched.enqueue_request(scrapy.Request("http://good.test/", callback=sched.spider.parse))
    sched.flush()
    got = [sched.next_request() for _ in range(3)]
    assert [r.url for r in got if r is not None] == ["http://good.test/"]
    assert stat(sched, "bad_entry") == 2
    assert redis_client.llen(keys.key("bad")) == 2
    assert "skipping bad entry" in caplog.text
    assert sched.frontier.pending() == (0, 1, False), "bad entries do not stay leased"


def test_children_are_pushed_before_the_parent_is_acked(sched, redis_client):
    spider = sched.spider
    sched.enqueue_request(scrapy.Request("http://a.test/", callback=spider.parse))
    parent = sched.next_request()
    response = HtmlResponse(parent.url, body=b"<html></html>", request=parent)
    child = scrapy.Request("http://a.test/child", callback=spider.parse, meta=dict(parent.meta))
    page = PageItem(url=parent.url)
    out = sched.track_output(parent.meta[LEASE_META_KEY], iter([child, page]))
    assert list(out) == [child, page]
    assert LEASE_META_KEY not in child.meta, "a child that copied meta is not a continuation of the parent"
    sched.enqueue_request(child)
    assert sched.frontier.pending()[1] == 1, "not acked while the item is in the pipelines"
    sched._on_item_done(page, response=response)
    queued, leased, _ = sched.frontier.pending()
    assert (queued, leased) == (1, 0), "child pushed, parent acked"
    assert stat(sched, "acked/ok") == 1


def test_download_error_acks_and_calls_the_spiders_errback(sched):
    spider = sched.spider
    sched.enqueue_request(scrapy.Request("http://a.test/", callback=spider.parse, errback=spider.on_error))
    req = sched.next_request()
    failure = Failure(ConnectionRefusedError("nope"))
    failure.request = req
    assert req.errback(failure) is None
    assert len(spider.errors) == 1
    assert sched.frontier.pending() == (0, 0, False)
    assert stat(sched, "acked/download_error") == 1


def test_retry_of_a_leased_request_replaces_its_lease(sched):
    spider = sched.spider
    sched.enqueue_request(scrapy.Request("http://a.test/", callback=spider.parse))
    req = sched.next_request()
    retry = req.copy()
    retry.meta["retry_times"] = 1
    retry.dont_filter = True
    assert sched.enqueue_request(retry)
    assert sched.frontier.pending() == (1, 0, False)
    again = sched.next_request()
    assert again.url == req.url and again.meta["retry_times"] == 1
    assert stat(sched, "acked/replaced") == 1


def test_close_hands_back_unfinished_leases_and_keeps_shared_state(sched, redis_client):
    spider = sched.spider
    for i in range(3):
        sched.enqueue_request(scrapy.Request(f"http://a.test/{i}", callback=spider.parse))
    sched.next_request()
    sched.close("shutdown")
    assert sched.frontier.pending() == (3, 0, False)
    assert sched.frontier.backlog("a.test") == 3
    assert stat(sched, "released") == 3, "the handed-out lease and the two prefetched ones"


def test_domain_cap_refuses_new_urls_beyond_it(redis_client, crawl_id):
    s = open_scheduler(redis_client, crawl_id, domain_cap=2, ack_delay=0)
    for i in range(4):
        s.enqueue_request(scrapy.Request(f"http://a.test/{i}", callback=s.spider.parse))
    s.flush()
    assert stat(s, "pushed") == 2 and stat(s, "dropped/domain_cap") == 2
    s.close("test")


def test_no_frontier_module_imports_pickle():
    root = Path(linkspider.frontier.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                 for a in node.names} | {node.module for node in ast.walk(tree)
                                          if isinstance(node, ast.ImportFrom) and node.module}
        assert not any("pickle" in (n or "") for n in names), path


def test_robots_crawl_delay_is_recorded_for_every_worker(sched, redis_client):
    from scrapy.http import TextResponse

    robots = scrapy.Request("http://www.a.test/robots.txt", headers={"User-Agent": "linkspider/0.1"})
    body = b"User-agent: *\nCrawl-delay: 1.5\nDisallow: /private/\n"
    sched._on_response_received(TextResponse(robots.url, body=body, request=robots), robots, sched.spider)
    assert redis_client.hget(sched.frontier.keys.delay, "a.test") == b"1500"
    assert sched.crawl_delays == {"a.test": 1.5}
    assert stat(sched, "crawl_delay_recorded") == 1


def test_ack_delay_frees_the_slot_now_and_keeps_the_lease_until_the_store_has_written(redis_client, crawl_id):
    s = open_scheduler(redis_client, crawl_id, ack_delay=0.3, max_concurrency=1)
    for i in range(2):
        s.enqueue_request(scrapy.Request(f"http://a.test/{i}", callback=s.spider.parse))
    first = s.next_request()
    assert s.next_request() is None, "one slot for a.test"
    assert s.ack(first.meta[LEASE_META_KEY], "ok")
    second = s.next_request()
    assert second is not None and second.url == "http://a.test/1", "the slot was freed at once"
    assert s.frontier.pending()[1] == 2, "the first lease is kept until the ack delay passes"
    import time as _time

    _time.sleep(0.35)
    s.flush()
    assert s.frontier.pending()[1] == 1
    s.close("test")


def test_requests_refused_by_a_full_redis_are_kept_counted_and_sent_later(sched, redis_client):
    """At maxmemory (noeviction) Redis refuses the push: the worker keeps the requests, counts and
    logs the refusal, hands out nothing meanwhile, and writes them once Redis has room again."""
    spider = sched.spider
    assert redis_client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
    used = int(redis_client.info("memory")["used_memory"])
    redis_client.config_set("maxmemory", used + 64 * 1024)
    try:
        for i in range(3000):
            sched.enqueue_request(scrapy.Request(f"http://full.test/{i}/{'x' * 150}", callback=spider.parse))
        sched.flush()
        assert stat(sched, "refused_oom") >= 1
        assert sched.next_request() is None  # nothing handed out while Redis refuses writes
    finally:
        redis_client.config_set("maxmemory", 0)
    sched.flush()
    assert sched.frontier.backlog("full.test") == 3000
    assert [sched.next_request() is not None for _ in range(3)] == [True, True, True]
