"""Crawl traps against the real stack: every trap ends in a bounded crawl that finishes by itself.

Each crawl carries CLOSESPIDER_PAGECOUNT=300 as a safety net only: a missing cap then shows as a
page count far above the cap instead of a hung test.
"""
from __future__ import annotations

from .conftest import SITE


def test_infinite_calendar_bounded_by_depth(trap_web, hostile_crawl) -> None:
    result = hostile_crawl([trap_web.url("/calendar?d=0")], settings={"DEPTH_LIMIT": "3"})
    assert result.status == 0, result.log[-3000:]
    pages = result.pages("/calendar")
    # d=0 at depth 0; each step in either direction is one level deeper: d in [-3, 3]
    assert pages == sorted(trap_web.url(f"/calendar?d={d}") for d in range(-3, 4))


def test_infinite_calendar_bounded_by_domain_cap(trap_web, hostile_crawl) -> None:
    result = hostile_crawl([trap_web.url("/calendar?d=100")], settings={"LINKSPIDER_MAX_PAGES_PER_DOMAIN": "15"})
    assert result.status == 0, result.log[-3000:]
    assert 10 <= len(result.pages("/calendar")) <= 15


def test_session_ids_and_growing_queries_bounded(trap_web, hostile_crawl) -> None:
    """Session-id URLs and ever-longer query strings are bounded without depth or domain caps."""
    result = hostile_crawl([trap_web.url("/session"), trap_web.url("/params")], settings={"CLOSESPIDER_PAGECOUNT": "60"})
    assert result.status == 0, result.log[-3000:]
    sessions, params = result.pages("/session"), result.pages("/params")
    assert len(sessions) <= 3, f"{len(sessions)} session-id pages: session parameters are not dropped"
    assert len(params) <= 21, f"{len(params)} /params pages: no query-parameter cap"


def test_redirect_loops_bounded(trap_web, hostile_crawl) -> None:
    result = hostile_crawl([trap_web.url("/redirect-self"), trap_web.url("/loop-a")], settings={"REDIRECT_MAX_TIMES": "5"})
    assert result.status == 0, result.log[-3000:]
    assert trap_web.paths(SITE, "/redirect-self").count("/redirect-self") <= 2
    assert 2 <= len(trap_web.paths(SITE, "/loop-")) <= 4
    assert result.db.edges.count_documents({"link_type": "redirect"}) >= 2


def test_redirect_chain_capped(trap_web, hostile_crawl) -> None:
    result = hostile_crawl([trap_web.url("/chain/0")], settings={"REDIRECT_MAX_TIMES": "5", "CLOSESPIDER_PAGECOUNT": "60"})
    assert result.status == 0, result.log[-3000:]
    chain = result.pages("/chain/")
    assert len(chain) <= 6, f"{len(chain)} hops of a redirect chain followed; REDIRECT_MAX_TIMES=5 not applied"
    # every hop that was fetched is recorded as a redirect edge, nothing is silently lost
    assert result.db.edges.count_documents({"link_type": "redirect"}) >= len(chain) - 1


def test_soft_404s_detected_and_not_followed(trap_web, hostile_crawl) -> None:
    """Every unknown path under /soft404/ answers 200 "Page not found" with a fresh link: a soft-404 trap.

    No cap stops it here (CLOSESPIDER_PAGECOUNT=300 is only the safety net): the probe of /soft404/
    gets a 200 "not found" page, so the first trap page is judged gone and its link not followed,
    while the real page of the same directory keeps its edges.
    """
    result = hostile_crawl([trap_web.url("/hub")])
    assert result.status == 0, result.log[-3000:]
    pages = {d["url"]: d for d in result.db.pages.find()}
    trap = [url for url in pages if "/soft404/" in url and not url.endswith("/guide")]
    assert len(trap) == 1, f"{len(trap)} soft-404 pages fetched: the trap was followed"
    assert pages[trap[0]]["soft_404"] is True and pages[trap[0]]["status"] == 200
    assert result.db.edges.count_documents({"source_url": trap[0]}) == 0, "a soft 404's template links were stored"
    guide, hub = trap_web.url("/soft404/guide"), trap_web.url("/hub")
    assert pages[guide]["soft_404"] is False and pages[hub]["soft_404"] is False
    assert result.db.edges.count_documents({"source_url": guide, "target_url": trap_web.url("/guide-target")}) == 1
    # /guide-target is answered by the trap web's catch-all, the same page its root probe got: a soft 404 too
    soft = {url for url, d in pages.items() if d["soft_404"]}
    assert soft == {trap[0], trap_web.url("/guide-target")}
    assert result.stat("linkspider/pages_soft_404") == 2
    probes = trap_web.paths(SITE, "/soft404/linkspider-probe-")
    assert len(probes) == 1, probes  # one probe for the directory, shared by its pages

