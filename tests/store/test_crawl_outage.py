"""MongoDB stopped for 20 s in the middle of a real ``scrapy crawl links``: nothing is lost.

The crawl is paced (each fixture site answers slowly, one request at a time per site) so that it
is still running when MongoDB comes back; the edges it stores must be exactly those of a crawl of
the same web without an outage.
"""
from __future__ import annotations

import re
import time

import pytest

from linkspider.demo.crawl import run_crawl, start_crawl
from linkspider.demo.fixture_web import FixtureWebServer, build_web
from linkspider.demo.servers import MongoServer
from linkspider.store.client import get_client

OUTAGE_SECONDS = 20
BASE_SETTINGS = {"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True", "LINKSPIDER_IDLE_CLOSE_SECONDS": "1"}


def crawl_stats(log: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"'(linkspider/store/[a-z_]+)': (\d+)", log)}


def identities(db) -> tuple[set, set]:
    edges = {(d["_id"], d["source_key"], d["target_key"]) for d in db.edges.find({}, {"source_key": 1, "target_key": 1})}
    pages = {(d["_id"], d["status"]) for d in db.pages.find({}, {"status": 1})}
    return edges, pages


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_mongod_down_for_20s_mid_crawl_loses_no_edge(redis_url, tmp_path):
    web = build_web(sites=3, pages_per_site=24, seed=5)
    mongod = MongoServer(tmp_path / "mongod").start()
    try:
        with FixtureWebServer(web) as site_server:
            seeds = [web.site_url(0)]
            ref_log = tmp_path / "reference.log"
            status = run_crawl(seeds, f"ref-{time.time_ns()}", redis_url=redis_url, mongo_uri=mongod.uri,
                               database="reference", settings=BASE_SETTINGS, scope="all", log_path=ref_log,
                               timeout=300)
            assert status == 0, ref_log.read_text()[-3000:]
            client = get_client(mongod.uri)
            expected_edges, expected_pages = identities(client["reference"])
            assert len(expected_pages) > 60 and len(expected_edges) > 1000

            for site in range(3):
                site_server.set_fault(site, "slow:3.0")
            log = tmp_path / "outage.log"
            settings = {**BASE_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                        "LINKSPIDER_STORE_SPILL_DIR": str(tmp_path / "spill")}
            proc = start_crawl(seeds, f"outage-{time.time_ns()}", redis_url=redis_url, mongo_uri=mongod.uri,
                               database="outage", settings=settings, scope="all", log_path=log)
            try:
                outage = client["outage"]
                deadline = time.monotonic() + 120
                while outage.pages.estimated_document_count() < 5:
                    assert proc.poll() is None, log.read_text()[-3000:]
                    assert time.monotonic() < deadline, "the crawl stored nothing"
                    time.sleep(0.2)
                mongod.stop()
                time.sleep(OUTAGE_SECONDS)
                assert proc.poll() is None, "the crawl ended during the outage; pace it slower"
                mongod.start()
                status = proc.wait(300)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            text = log.read_text()
            assert status == 0, text[-3000:]
    finally:
        mongod.stop()
    stats = crawl_stats(text)
    assert stats.get("linkspider/store/spilled", 0) > 0, stats  # the outage outlasted the retry window
    assert stats.get("linkspider/store/replayed") == stats["linkspider/store/spilled"], stats
    assert not stats.get("linkspider/store/write_errors"), stats
    mongod.start()
    try:
        edges, pages = identities(get_client(mongod.uri)["outage"])
    finally:
        mongod.stop()
    assert pages == expected_pages
    assert edges == expected_edges
    assert not list((tmp_path / "spill").rglob("*.jsonl"))
