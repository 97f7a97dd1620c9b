"""Several real ``scrapy crawl links`` worker processes sharing one Redis frontier on the fixture web.

Slow (process start-up dominates): marked ``slow``.
"""
from __future__ import annotations

import collections
import itertools
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from linkspider.demo.crawl import start_crawl
from linkspider.demo.fixture_web import FixtureWebServer, build_web
from linkspider.frontier.keys import FrontierKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

FAST = {
    "LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True",
    "LINKSPIDER_IDLE_CLOSE_SECONDS": "2",
    "LINKSPIDER_FRONTIER_LEASE_SECONDS": "4",
    "LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS": "1",
    "LINKSPIDER_FRONTIER_POLL_SECONDS": "0.2",
}


@pytest.fixture
def web():
    with FixtureWebServer(build_web(sites=4, pages_per_site=12, seed=3)) as server:
        yield server


def _worker(seeds, crawl_id, tmp_path: Path, name: str, *, redis_url, mongo_uri, db, settings=None):
    merged = dict(FAST)
    merged.update(settings or {})
    return start_crawl(seeds, crawl_id, redis_url=redis_url, mongo_uri=mongo_uri, database=db.name,
                       settings=merged, scope="all", log_path=tmp_path / f"{name}.log")


def _wait(predicate, timeout: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for p in procs:
            assert p.poll() is None or p.returncode == 0, f"a worker died while waiting for {what}"
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _finish(procs, tmp_path: Path, timeout: float = 240) -> None:
    for name, proc in procs.items():
        try:
            status = proc.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            raise AssertionError(f"{name} did not finish:\n{(tmp_path / f'{name}.log').read_text()[-3000:]}") from exc
        assert status == 0, f"{name} exited {status}:\n{(tmp_path / f'{name}.log').read_text()[-3000:]}"


def _worker_id(client: redis.Redis, keys: FrontierKeys, pid: int) -> str | None:
    for member, _ in client.zrange(keys.workers, 0, -1, withscores=True):
        if f":{pid}:" in member.decode():
            return member.decode()
    return None


def _assert_complete_and_unique(db, web) -> None:
    stored = {doc["url"] for doc in db.pages.find({"status": 200}, {"url": 1})}
    missing = set(web.web.page_urls()) - stored
    assert not missing, f"{len(missing)} pages never stored, e.g. {sorted(missing)[:3]}"
    groups = list(db.edges.aggregate([
        {"$group": {"_id": {"s": "$source_url", "t": "$target_url", "l": "$link_type", "a": "$anchor_text",
                            "p": "$placement"}, "n": {"$sum": 1}}},
        {"$match": {"n": {"$gt": 1}}},
    ]))
    assert groups == [], f"duplicate edges: {groups[:3]}"
    assert db.edges.count_documents({}) > 0


def test_three_workers_one_killed_mid_crawl_still_complete(web, redis_url, redis_client, mongo_uri, mongo_db,
                                                             crawl_id, tmp_path):
    keys = FrontierKeys(crawl_id)
    for site in range(4):
        web.set_fault(site, "slow:0.3")  # long enough that the victim holds leases when it dies
    # two downloads per worker, so the first worker cannot take every lease before the others start
    kw = {"redis_url": redis_url, "mongo_uri": mongo_uri, "db": mongo_db, "settings": {"CONCURRENT_REQUESTS": "2"}}
    procs = {"a": _worker([web.web.site_url(0)], crawl_id, tmp_path, "a", **kw)}
    _wait(lambda: redis_client.hexists(keys.counters, "pushed"), 60, "the seeds", procs.values())
    procs["victim"] = _worker(None, crawl_id, tmp_path, "victim", **kw)
    procs["c"] = _worker(None, crawl_id, tmp_path, "c", **kw)
    victim = procs["victim"]

    def victim_leases() -> int:
        wid = _worker_id(redis_client, keys, victim.pid)
        if wid is None:
            return 0
        return sum(1 for m in redis_client.zrange(keys.leases, 0, -1) if m.startswith(wid.encode() + b"\t"))

    def victim_done_unacked() -> int:
        wid = _worker_id(redis_client, keys, victim.pid)
        if wid is None:
            return 0
        return sum(1 for m in redis_client.smembers(keys.key("freed")) if m.startswith(wid.encode() + b"\t"))

    # kill it while it has pages done (items handed to the store) but not yet acked, and pages in flight
    _wait(lambda: victim_done_unacked() > 0 and victim_leases() > victim_done_unacked(), 120,
          "the victim to hold done and in-flight leases", procs.values())
    held = victim_leases()
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    for site in range(4):
        web.set_fault(site, None)
    del procs["victim"]
    _finish(procs, tmp_path)

    assert held > 0
    assert int(redis_client.hget(keys.counters, "reaped") or 0) >= 1, "the dead worker's leases were requeued"
    assert redis_client.zcard(keys.leases) == 0 and int(redis_client.hget(keys.counters, "queued")) == 0
    _assert_complete_and_unique(mongo_db, web)


def test_cluster_wide_politeness_one_slot_and_delay(web, redis_url, redis_client, mongo_uri, mongo_db,
                                                     crawl_id, tmp_path):
    keys = FrontierKeys(crawl_id)
    web.clear_log()
    settings = {"LINKSPIDER_POLITENESS_CONCURRENCY": "1", "LINKSPIDER_POLITENESS_DELAY": "0.2"}
    kw = {"redis_url": redis_url, "mongo_uri": mongo_uri, "db": mongo_db, "settings": settings}
    procs = {"a": _worker([web.web.site_url(0)], crawl_id, tmp_path, "a", **kw)}
    _wait(lambda: redis_client.hexists(keys.counters, "pushed"), 60, "the seeds", procs.values())
    procs["b"] = _worker(None, crawl_id, tmp_path, "b", **kw)
    _finish(procs, tmp_path, timeout=400)

    by_site = collections.defaultdict(list)
    agents = set()
    for record in web.requests():
        by_site[record.site].append(record.mono)
        agents.add(record.user_agent)
    gaps = []
    for site, times in by_site.items():
        times.sort()
        gaps += [(b - a, site) for a, b in itertools.pairwise(times)]
    assert len(by_site) == 4 and len(gaps) > 40
    closest = min(gaps)
    assert closest[0] >= 0.2, f"two requests to site {closest[1]} only {closest[0]:.3f}s apart"
    logs = [(tmp_path / f"{n}.log").read_text() for n in procs]
    assert all("linkspider/frontier/leased" in log for log in logs), "both workers crawled"
    _assert_complete_and_unique(mongo_db, web)


def test_a_worker_closing_early_leaves_the_others_crawling(web, redis_url, redis_client, mongo_uri, mongo_db,
                                                            crawl_id, tmp_path):
    keys = FrontierKeys(crawl_id)
    for site in range(4):
        web.set_fault(site, "slow:1.0")
    # One request per domain at a time and a second per answer: the crawl needs about 12 s, so
    # it is still running when `a` has finished closing.
    kw = {"redis_url": redis_url, "mongo_uri": mongo_uri, "db": mongo_db,
          "settings": {"LINKSPIDER_POLITENESS_CONCURRENCY": "1"}}
    procs = {"a": _worker([web.web.site_url(0)], crawl_id, tmp_path, "a", **kw)}
    _wait(lambda: redis_client.hexists(keys.counters, "pushed"), 60, "the seeds", procs.values())
    procs["b"] = _worker(None, crawl_id, tmp_path, "b", **kw)
    _wait(lambda: int(redis_client.hget(keys.counters, "acked") or 0) >= 3, 120, "some pages", procs.values())
    procs["a"].send_signal(signal.SIGINT)  # graceful: Scrapy closes the spider with reason "shutdown"
    assert procs["a"].wait(60) == 0
    left_after_close = int(redis_client.hget(keys.counters, "queued") or 0) + redis_client.zcard(keys.leases)
    acked_after_close = int(redis_client.hget(keys.counters, "acked") or 0)
    for site in range(4):
        web.set_fault(site, None)
    _finish({"b": procs["b"]}, tmp_path)

    log_a = (tmp_path / "a.log").read_text()
    assert "'finish_reason': 'shutdown'" in log_a
    assert left_after_close > 0, "a left mid-crawl, with work still queued or leased (shared state kept)"
    assert int(redis_client.hget(keys.counters, "acked")) > acked_after_close, "b kept crawling after a left"
    _assert_complete_and_unique(mongo_db, web)


def test_a_worker_started_before_the_seeds_waits_then_crawls_what_the_command_seeds(
        web, redis_url, redis_client, mongo_uri, mongo_db, crawl_id, tmp_path):
    from linkspider.cli import main

    procs = {"early": start_crawl(None, crawl_id, redis_url=redis_url, mongo_uri=mongo_uri, database=mongo_db.name,
                                  settings=FAST, log_path=tmp_path / "early.log")}
    keys = FrontierKeys(crawl_id)
    _wait(lambda: redis_client.zcard(keys.workers) == 1, 60, "the worker to start", procs.values())
    time.sleep(3.0)  # longer than LINKSPIDER_IDLE_CLOSE_SECONDS: an unseeded crawl is not a finished one
    assert procs["early"].poll() is None, "the worker must wait for seeds"
    assert main(["frontier", "seed", "--crawl-id", crawl_id, "--redis-url", redis_url, web.web.site_url(1)]) == 0
    _finish(procs, tmp_path)

    stored = {doc["url"] for doc in mongo_db.pages.find({"status": 200}, {"url": 1})}
    site1 = {u for u in web.web.page_urls() if web.web.locate(u)[0] == 1}
    assert site1 <= stored, f"missing {sorted(site1 - stored)[:3]}"
    assert {web.web.locate(u)[0] for u in stored} == {1}, "scope: the seeded site's registered domain only"
    assert "waiting for seeds" in (tmp_path / "early.log").read_text()
