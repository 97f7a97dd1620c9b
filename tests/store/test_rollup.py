"""The rollup the writer keeps equals the raw aggregation of the edges: first crawls, re-crawls, lost
links, a replayed spill; a writer cut short leaves a mark, and a rebuild recounts."""
from __future__ import annotations

import time

import pytest

from linkspider.cli import main
from linkspider.reports.formatters import FORMATS, render
from linkspider.reports.html import render_html
from linkspider.reports.runner import ReportSettings, run_backlinks, run_domain_graph, run_new_lost
from linkspider.reports.targets import Target
from linkspider.store.documents import OP_LINKS, edge_document, link_set, page_document
from linkspider.store.rollup import (
    ROLLUP,
    ROLLUP_STATE,
    rollup_deltas,
    rollup_key,
    rollup_pipeline,
    rollup_ready,
)
from linkspider.store.writer import StoreConfig, StoreWriter

from .conftest import run, stat
from .helpers import as_page_items
from .recrawl import SITES, crawls
from .test_outage import FAST_FAILURE


def rollup_of(db) -> dict:
    return {tuple(d["_id"].values()): d["n"] for d in db[ROLLUP].find({"n": {"$ne": 0}})}


def raw_of(db) -> dict:
    return {tuple(d["_id"].values()): d["n"] for d in db.edges.aggregate(rollup_pipeline())}


def test_rollup_key_and_deltas():
    edge = {"internal": False, "target_domain": "t.test", "source_domain": "s.test", "placement": "footer",
            "link_type": "a", "nofollow": True, "sponsored": False, "ugc": True}
    assert rollup_key(edge) == {"t": "t.test", "s": "s.test", "p": "footer", "k": "a", "f": 5}
    assert rollup_key({**edge, "internal": True}) is None
    key = tuple(rollup_key(edge).values())
    assert rollup_deltas([edge, edge], [edge]) == {key: 1}
    assert rollup_deltas([edge], [edge]) == {}  # nothing to write


HEADLINE = ("backlinks", "dofollow", "nofollow", "sponsored", "ugc", "placements", "link_types",
            "referring_domains", "top_referring_domains", "top_anchors", "top_pages")


def assert_reports_agree(db) -> None:
    """The rollup's headline (and, on a store smaller than the sample, its lists) equal the edges'."""
    settings = ReportSettings(top=50)
    for domain in SITES:
        target = Target("domain", domain)
        fast = run_backlinks(db, target, settings, source="rollup")
        full = run_backlinks(db, target, settings, source="edges")
        assert fast["computed"]["figures"] == "rollup" and full["computed"]["figures"] == "edges"
        # auto: exact (every edge) up to LINKSPIDER_REPORT_EXACT_MAX_BACKLINKS live backlinks, the rollup past it
        assert run_backlinks(db, target, settings) == full
        big = run_backlinks(db, target, ReportSettings(top=50, exact_max_backlinks=full["backlinks"] - 1))
        assert big["computed"] == fast["computed"] and big["backlinks"] == full["backlinks"]
        assert full["backlinks"] > 0
        for field in HEADLINE:
            assert fast[field] == full[field], (domain, field)
        assert fast["referring_pages"] is None and fast["sitewide"] is None  # need every backlink: left out
        for fmt in FORMATS:
            assert str(fast["backlinks"]) in render("backlinks", fast, fmt)
        assert "Backlinks of domain" in render_html(fast, run_new_lost(db, target, since=None, until=None, limit=10))
    assert run_domain_graph(db).links == run_domain_graph(db, source="edges").links


def test_rollup_equals_the_raw_aggregation_after_each_crawl(mongo_uri, mongo_db, make_pipeline):
    for n, items in enumerate(crawls()):
        pipeline = run(make_pipeline(mongo_uri, mongo_db.name), as_page_items(items))
        pipeline.close()
        assert rollup_ready(mongo_db), n
        raw = raw_of(mongo_db)
        assert raw and rollup_of(mongo_db) == raw, n
        assert_reports_agree(mongo_db)
    assert mongo_db.edges.count_documents({"lost_at": {"$exists": True}, "internal": False}) > 0


def test_rollup_after_a_replayed_spill(mongo_uri, mongo_db, make_pipeline):
    all_crawls = crawls()
    run(make_pipeline(mongo_uri, mongo_db.name), all_crawls[0]).close()
    dead = make_pipeline("mongodb://127.0.0.1:9", mongo_db.name, **FAST_FAILURE)  # nothing listens on port 9
    run(dead, all_crawls[1] + all_crawls[2])
    dead.close()
    assert stat(dead, "spilled") > 0 and stat(dead, "edges_written") == 0
    up = make_pipeline(mongo_uri, mongo_db.name)
    up.close()
    assert stat(up, "replayed") == stat(dead, "spilled")
    assert rollup_ready(mongo_db) and rollup_of(mongo_db) == raw_of(mongo_db)
    assert_reports_agree(mongo_db)


def test_a_writer_cut_short_leaves_a_mark_and_a_rebuild_recounts(mongo_uri, mongo_db, tmp_path, monkeypatch, capsys):
    items = as_page_items(crawls()[0])
    writer = StoreWriter(mongo_db, StoreConfig(), spill_dir=tmp_path)
    writer.start()
    deadline = time.monotonic() + 10
    while not rollup_ready(mongo_db) and time.monotonic() < deadline:  # the writer's start-up runs in its thread
        time.sleep(0.02)
    assert rollup_ready(mongo_db)  # a new store: the empty rollup is exact
    boom = RuntimeError("crash between the edges and the rollup")

    def crash(*_args, **_kwargs):
        raise boom

    monkeypatch.setattr("linkspider.store.writer.rollup_ops", crash)
    page = items[0]
    writer.put(OP_LINKS, link_set(page_document(page), [edge_document(link) for link in page["links"]]))
    with pytest.raises(Exception, match="store writer failed"):
        writer.close()
    assert mongo_db.edges.count_documents({}) > 0  # the edges went in, the rollup did not
    assert mongo_db[ROLLUP_STATE].count_documents({"_id": writer.writer_id}) == 1
    assert not rollup_ready(mongo_db)
    assert rollup_of(mongo_db) != raw_of(mongo_db)
    target = Target("domain", items[0]["links"][0]["target_domain"])
    assert run_backlinks(mongo_db, target, ReportSettings())["computed"]["figures"] == "edges"  # not the rollup
    assert main(["mongo", "rollup", "--mongo-uri", mongo_uri, "--database", mongo_db.name]) == 0
    assert f"{mongo_db.name}.rollup: {len(raw_of(mongo_db))} keys" in capsys.readouterr().out
    assert rollup_ready(mongo_db) and rollup_of(mongo_db) == raw_of(mongo_db)
