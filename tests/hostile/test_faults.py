"""One domain answers 500s, another holds connections until they time out: the crawl of the healthy site
is complete, the failures are counted, and the crawl still ends by itself.

Redis restarts, MongoDB outages and SIGKILLed workers are proven where "nothing lost" is defined:
tests/frontier/test_connection.py, tests/store/test_crawl_outage.py, tests/frontier/test_workers.py.
"""
from __future__ import annotations

import pytest

from linkspider.demo.fixture_web import FixtureWebServer, build_web


@pytest.fixture
def faulty_web():
    with FixtureWebServer(build_web(sites=3, pages_per_site=6, seed=3), faults={1: "500", 2: "timeout"},
                          hold_seconds=3) as server:
        yield server


def test_failing_domains_do_not_cost_the_healthy_one_anything(faulty_web, hostile_crawl) -> None:
    web = faulty_web.web
    result = hostile_crawl([web.site_url(0)], scope="all", settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"})
    assert result.status == 0, result.log[-3000:]
    stored = {d["url"]: d["status"] for d in result.db.pages.find({}, {"url": 1, "status": 1})}
    healthy = [u for u in web.page_urls() if web.locate(u)[0] == 0]
    assert healthy and all(stored.get(u) == 200 for u in healthy), "a page of the healthy site is missing"
    assert not [u for u, status in stored.items() if status == 200 and web.locate(u)[0] in (1, 2)]
    # the links to the failing sites are recorded even though their pages could not be fetched
    targets = set(result.db.edges.distinct("target_url"))
    assert web.site_url(1) in targets and web.site_url(2) in targets
    assert result.stat("linkspider/fetch_errors/HttpError") >= 1
    assert result.stat("retry/count") >= 1  # the timeouts were retried before giving up
    assert faulty_web.requests(site=2), "the timing-out site was never tried"
