"""Re-crawls write only what changed, and every report answers as if each fetch had rewritten its edges."""
from __future__ import annotations

import pytest

from linkspider.reports.runner import ReportSettings, run_backlinks, run_domain_graph, run_new_lost
from linkspider.reports.targets import Target
from linkspider.store.indexes import ensure_indexes

from .conftest import run, stat
from .helpers import as_page_items
from .recrawl import SITES, WINDOWS, crawls, model_edges

SETTINGS = ReportSettings(sitewide_share=0.3, sitewide_min_pages=2, top=50)
TARGETS = [Target("domain", s) for s in SITES] + [Target("url", "https://a.test/p1"), Target("url", "https://c.test/p3")]


def answers(db) -> dict:
    out = {}
    for target in TARGETS:
        for include_lost in (False, True):
            out[("backlinks", target, include_lost)] = run_backlinks(db, target, SETTINGS, include_lost=include_lost,
                                                                     source="edges")
        for since, until in WINDOWS:
            out[("new-lost", target, since, until)] = run_new_lost(db, target, since=since, until=until, limit=0)
    for since, until in WINDOWS:
        out[("new-lost", None, since, until)] = run_new_lost(db, None, since=since, until=until, limit=0)
    for include_lost in (False, True):
        out[("domains", include_lost)] = run_domain_graph(db, include_lost=include_lost, source="edges").links
    return out


def assert_like_model(db, model, done: list) -> list[dict]:
    """``db`` after the crawls in ``done`` answers every report as the model of those crawls does."""
    model.client.drop_database(model.name)
    edges = model_edges(done)
    model.edges.insert_many(edges)
    model.pages.insert_many(list(db.pages.find()))
    for one in (db, model):
        ensure_indexes(one)
    stored = {d["_id"]: d for d in db.edges.find()}
    assert set(stored) == {d["_id"] for d in edges}
    for doc in edges:  # liveness, first_seen and flags as the model says
        got = stored[doc["_id"]]
        for field in ("first_seen", "lost_at", "lost_reason", "nofollow", "ugc", "rel"):
            assert got.get(field) == doc.get(field), (field, doc)
    mine = answers(db)
    assert mine == answers(model)
    assert any(r["backlinks"] for k, r in mine.items() if k[0] == "backlinks")
    return edges


@pytest.mark.parametrize("form", [list, as_page_items], ids=["link-items", "links-inside-pages"])
def test_recrawls_answer_like_the_rewrite_everything_model(mongo_uri, mongo_db, mongo_client, make_pipeline, form):
    all_crawls = crawls()
    model = mongo_client[mongo_db.name + "_model"]
    pipelines = []
    try:
        for n, items in enumerate(all_crawls):
            pipeline = run(make_pipeline(mongo_uri, mongo_db.name), form(items))
            pipeline.close()
            pipelines.append(pipeline)
            edges = assert_like_model(mongo_db, model, all_crawls[:n + 1])
        # the scenario exercises every path
        assert any("lost_at" in d for d in edges) and any("lost_at" not in d for d in edges)
        assert {d.get("lost_reason") for d in edges} >= {"link_removed", "page_gone", "page_redirects"}
        assert stat(pipelines[1], "pages_unchanged") > 0 and stat(pipelines[1], "lost_marked") > 0
        assert stat(pipelines[2], "pages_unchanged") > 0 and stat(pipelines[2], "edges_written") > 0
    finally:
        mongo_client.drop_database(model.name)


def test_an_unchanged_recrawl_writes_no_edge(mongo_uri, mongo_db, make_pipeline):
    first = crawls()[0]
    run(make_pipeline(mongo_uri, mongo_db.name), first).close()
    before = list(mongo_db.edges.find().sort("_id"))
    again = [dict(i) for i in first]
    again_items = [type(i)(d) for i, d in zip(first, again, strict=True)]
    pipeline = run(make_pipeline(mongo_uri, mongo_db.name), again_items)
    pipeline.close()
    assert list(mongo_db.edges.find().sort("_id")) == before
    assert stat(pipeline, "edges_written") == 0 and stat(pipeline, "lost_marked") == 0
    assert stat(pipeline, "pages_unchanged") == stat(pipeline, "pages_written") == len(SITES) * 6
