"""MongoPipeline against a real mongod: documents, idempotency, lost links, flush triggers."""
from __future__ import annotations

import threading
import time

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from linkspider.errors import ConfigurationError
from linkspider.items import LinkItem
from linkspider.store.documents import OP_EDGE, edge_document
from linkspider.store.pipeline import MongoPipeline
from linkspider.store.writer import StoreConfig, StoreWriter

from .conftest import run, stat
from .helpers import as_page_items, at, edge_keys, fetch, synthetic_site


def stored_keys(db) -> set[tuple[str, str, str, str, str]]:
    return {
        (d["source_key"], d["target_key"], d["link_type"], d["anchor_text"], d["placement"])
        for d in db.edges.find({}, {"source_key": 1, "target_key": 1, "link_type": 1, "anchor_text": 1, "placement": 1})
    }


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_edges_and_pages_are_stored(mongo_uri, mongo_db, make_pipeline):
    items = synthetic_site(30, 12, at(0))
    pipeline = run(make_pipeline(mongo_uri, mongo_db.name), items)
    pipeline.close()
    expected = edge_keys(items)
    assert stored_keys(mongo_db) == expected
    assert mongo_db.edges.count_documents({}) == len(expected)
    assert mongo_db.pages.count_documents({}) == 30
    link_items = [i for i in items if isinstance(i, LinkItem)]
    assert stat(pipeline, "edges_written") == len(expected)  # a link repeated on a page is written once
    assert stat(pipeline, "pages_written") == 30
    assert stat(pipeline, "write_errors") == 0 and stat(pipeline, "spilled") == 0
    sample = link_items[5]
    doc = mongo_db.edges.find_one({"_id": edge_document(sample)["_id"]})
    assert doc == edge_document(sample)
    page = mongo_db.pages.find_one({"_id": "https://a.test/p3"})
    assert page["status"] == 200 and page["outlinks"] == 13 and page["fetched_at"] == at(0)


def test_links_inside_page_items_store_the_same_as_separate_items(mongo_uri, mongo_db, make_pipeline):
    """The spider sends a page's edges inside its PageItem; the store must not care which form it gets."""
    client = mongo_db.client
    separate, inside = client[mongo_db.name + "_sep"], client[mongo_db.name + "_in"]
    try:
        first = synthetic_site(25, 9, at(0))
        second = synthetic_site(20, 7, at(60))  # a re-crawl: fewer pages and links, so some are lost
        for db, form in ((separate, list), (inside, as_page_items)):
            for batch in (first, second):
                run(make_pipeline(mongo_uri, db.name), form(batch)).close()
        inside_pipeline_items = as_page_items(first)
        assert len(inside_pipeline_items) == 25 and all(p["links"] for p in inside_pipeline_items)
        assert list(inside.edges.find().sort("_id")) == list(separate.edges.find().sort("_id"))
        assert inside.edges.count_documents({"lost_at": {"$exists": True}}) > 0
        strip = {"first_fetched": 0}
        assert list(inside.pages.find({}, strip).sort("_id")) == list(separate.pages.find({}, strip).sort("_id"))
    finally:
        client.drop_database(separate.name)
        client.drop_database(inside.name)


def test_second_crawl_of_unchanged_pages_writes_only_the_pages(mongo_uri, mongo_db, make_pipeline):
    run(make_pipeline(mongo_uri, mongo_db.name), synthetic_site(20, 10, at(0), crawl_id="c1")).close()
    first = {d["_id"]: d for d in mongo_db.edges.find()}
    second_pipeline = run(make_pipeline(mongo_uri, mongo_db.name), synthetic_site(20, 10, at(3600), crawl_id="c2"))
    second_pipeline.close()
    assert {d["_id"]: d for d in mongo_db.edges.find()} == first  # not one edge rewritten
    assert all(d["first_seen"] == at(0) and "lost_at" not in d for d in first.values())
    assert stat(second_pipeline, "pages_unchanged") == 20 and stat(second_pipeline, "edges_written") == 0
    assert stat(second_pipeline, "pages_written") == 20 and stat(second_pipeline, "write_errors") == 0
    pages = list(mongo_db.pages.find())
    assert len(pages) == 20 and all(p["fetched_at"] == at(3600) and p["crawl_id"] == "c2" for p in pages)


P = "https://a.test/page"
Q = "https://a.test/gone"
R = "https://a.test/moved"
S = "https://a.test/flaky"
LINKS = [("https://b.test/1", "one", "body"), ("https://b.test/2", "two", "nav"), ("https://c.test/3", "three", "footer")]


def edges_of(db, source):
    return {d["target_key"]: d for d in db.edges.find({"source_key": source})}


def test_a_soft_404_loses_the_links_of_its_live_fetch(mongo_uri, mongo_db, make_pipeline):
    """A page that answered 200 with its links, then 200 with the site's "not found" page: page_gone."""
    run(make_pipeline(mongo_uri, mongo_db.name), fetch(P, LINKS, at(0))).close()
    *_, page = fetch(P, [], at(100))
    page["soft_404"] = True
    run(make_pipeline(mongo_uri, mongo_db.name), [page]).close()
    p = edges_of(mongo_db, P)
    assert len(p) == 3 and all(d["lost_reason"] == "page_gone" and d["lost_at"] == at(100) for d in p.values())
    stored = mongo_db.pages.find_one({"_id": P})
    assert stored["status"] == 200 and stored["soft_404"] is True


def test_lost_links_removed_gone_redirect_and_restored(mongo_uri, mongo_db, make_pipeline):
    first = [*fetch(P, LINKS, at(0)), *fetch(Q, LINKS, at(0)), *fetch(R, LINKS, at(0)), *fetch(S, LINKS, at(0))]
    run(make_pipeline(mongo_uri, mongo_db.name), first).close()

    second = [
        *fetch(P, LINKS[:2], at(100)),  # link 3 removed
        *fetch(Q, [], at(100), status=404),
        *fetch(R, [("https://a.test/new", "", "body", "redirect")], at(100), status=301,
               redirect_to="https://a.test/new"),
        *fetch(S, [], at(100), status=503),  # transient: says nothing about its links
    ]
    pipeline = run(make_pipeline(mongo_uri, mongo_db.name), second)
    pipeline.close()
    p = edges_of(mongo_db, P)
    assert p["https://c.test/3"]["lost_at"] == at(100) and p["https://c.test/3"]["lost_reason"] == "link_removed"
    for target in ("https://b.test/1", "https://b.test/2"):
        assert "lost_at" not in p[target] and p[target]["first_seen"] == at(0)
    q = edges_of(mongo_db, Q)
    assert len(q) == 3 and all(d["lost_reason"] == "page_gone" and d["lost_at"] == at(100) for d in q.values())
    r = edges_of(mongo_db, R)
    assert len(r) == 4
    assert "lost_at" not in r["https://a.test/new"]  # the redirect itself is a live edge
    assert all(r[t]["lost_reason"] == "page_redirects" for t in ("https://b.test/1", "https://b.test/2", "https://c.test/3"))
    assert not any("lost_at" in d for d in edges_of(mongo_db, S).values())
    assert stat(pipeline, "lost_marked") == 1 + 3 + 3
    assert mongo_db.pages.find_one({"_id": Q})["status"] == 404

    # third fetch: still without link 3 -> keeps its original lost_at; then it comes back -> restored
    run(make_pipeline(mongo_uri, mongo_db.name), fetch(P, LINKS[:2], at(200))).close()
    assert edges_of(mongo_db, P)["https://c.test/3"]["lost_at"] == at(100)
    run(make_pipeline(mongo_uri, mongo_db.name), [*fetch(P, LINKS, at(300)), *fetch(Q, LINKS, at(300))]).close()
    for source in (P, Q):
        for doc in edges_of(mongo_db, source).values():
            assert "lost_at" not in doc and "lost_reason" not in doc, doc
            assert doc["first_seen"] == at(0)


def test_lost_marking_follows_the_page_edges_within_one_batch(mongo_uri, mongo_db, make_pipeline):
    """Edges, re-fetch and lost mark of the same page in one flush: only the missing link is lost."""
    items = [*fetch(P, LINKS, at(0)), *fetch(P, LINKS[1:], at(50))]
    run(make_pipeline(mongo_uri, mongo_db.name, LINKSPIDER_STORE_FLUSH_COUNT=1000,
                      LINKSPIDER_STORE_FLUSH_INTERVAL=60), items).close()
    p = edges_of(mongo_db, P)
    assert p["https://b.test/1"]["lost_reason"] == "link_removed"
    assert not any("lost_at" in p[t] for t in ("https://b.test/2", "https://c.test/3"))


def test_cutoff_is_the_earliest_link_of_the_fetch(mongo_uri, mongo_db, make_pipeline):
    """A spider whose LinkItems carry seen_at earlier than the PageItem's fetched_at loses nothing."""
    run(make_pipeline(mongo_uri, mongo_db.name), fetch(P, LINKS, at(0))).close()
    items = list(fetch(P, LINKS, at(100)))
    items[-1]["fetched_at"] = at(105)
    run(make_pipeline(mongo_uri, mongo_db.name), items).close()
    assert not any("lost_at" in d for d in edges_of(mongo_db, P).values())


@pytest.mark.parametrize(
    ("settings", "count", "anchor"),
    [
        ({"LINKSPIDER_STORE_FLUSH_COUNT": 10, "LINKSPIDER_STORE_FLUSH_INTERVAL": 60}, 10, "x"),
        ({"LINKSPIDER_STORE_FLUSH_COUNT": 10_000, "LINKSPIDER_STORE_FLUSH_INTERVAL": 0.1}, 3, "x"),
        ({"LINKSPIDER_STORE_FLUSH_COUNT": 10_000, "LINKSPIDER_STORE_FLUSH_INTERVAL": 60,
          "LINKSPIDER_STORE_FLUSH_BYTES": 4096}, 6, "y" * 1000),
    ],
    ids=["by-count", "by-time", "by-bytes"],
)
def test_flush_triggers(mongo_uri, mongo_db, make_pipeline, settings, count, anchor):
    """Each page (one link here) is one operation for the writer; the triggers count and size those."""
    pipeline = make_pipeline(mongo_uri, mongo_db.name, **settings)
    items = [page for i in range(count)
             for page in as_page_items(fetch(f"https://a.test/{i}", [(f"https://b.test/{i}", anchor, "body")], at(0)))]
    run(pipeline, items)
    assert wait_for(lambda: mongo_db.edges.count_documents({}) == count, timeout=5)


def test_nothing_is_written_before_a_trigger_and_everything_on_close(mongo_uri, mongo_db, make_pipeline):
    pipeline = make_pipeline(mongo_uri, mongo_db.name, LINKSPIDER_STORE_FLUSH_COUNT=10_000,
                             LINKSPIDER_STORE_FLUSH_INTERVAL=60)
    run(pipeline, fetch(P, LINKS, at(0)))
    time.sleep(0.5)
    assert mongo_db.edges.count_documents({}) == 0
    pipeline.close()
    assert mongo_db.edges.count_documents({}) == 3 and mongo_db.pages.count_documents({}) == 1


def test_concurrent_writers_racing_on_the_same_new_edges(mongo_uri, mongo_db, tmp_path):
    """Two workers upserting the same new edges at once: E11000 races are retried, nothing lost."""
    from linkspider.store.client import get_client

    docs = [edge_document(i) for i in synthetic_site(60, 30, at(0)) if isinstance(i, LinkItem)]
    config = StoreConfig(flush_count=200, ensure_indexes=False)
    writers = [StoreWriter(get_client(mongo_uri)[mongo_db.name], config, spill_dir=tmp_path / f"s{i}")
               for i in range(2)]
    barrier = threading.Barrier(2)

    def feed(writer: StoreWriter) -> None:
        barrier.wait()
        for doc in docs:
            writer.put(OP_EDGE, doc)

    for w in writers:
        w.start()
    threads = [threading.Thread(target=feed, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in writers:
        w.close()
    distinct = len({d["_id"] for d in docs})
    assert mongo_db.edges.count_documents({}) == distinct
    for w in writers:
        assert w.stats.local.get("write_errors", 0) == 0
        assert w.stats.local["edges_written"] <= distinct
    assert sum(w.stats.local["edges_written"] for w in writers) >= distinct


def test_backpressure_signals_when_the_buffer_has_room_again(mongo_uri, mongo_db, make_pipeline, tmp_path):
    from linkspider.store.client import get_client

    config = StoreConfig(flush_count=5, max_buffer=5, flush_interval=0.05, ensure_indexes=False)
    writer = StoreWriter(get_client(mongo_uri)[mongo_db.name], config, spill_dir=tmp_path)
    docs = [edge_document(i) for i in fetch(P, [(f"https://b.test/{n}", "", "body") for n in range(20)], at(0))
            if isinstance(i, LinkItem)]
    results = [writer.put(OP_EDGE, d) for d in docs]  # the thread is not started: nothing drains
    assert results == [True] * 4 + [False] * 16
    freed = threading.Event()
    writer.when_space(freed.set)
    assert not freed.is_set()
    writer.start()
    assert freed.wait(5)
    writer.close()
    assert mongo_db.edges.count_documents({}) == 20


def test_pipeline_passes_other_items_through_and_is_switchable(mongo_uri, mongo_db, make_pipeline):
    pipeline = make_pipeline(mongo_uri, mongo_db.name)
    other = {"something": "else"}
    assert pipeline.process_item(other) is other
    with pytest.raises(NotConfigured):
        MongoPipeline.from_crawler(get_crawler(settings_dict={"LINKSPIDER_STORE_ENABLED": False}))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LINKSPIDER_STORE_FLUSH_COUNT", 0),
        ("LINKSPIDER_STORE_FLUSH_COUNT", "many"),
        ("LINKSPIDER_STORE_FLUSH_INTERVAL", -1),
        ("LINKSPIDER_STORE_MAX_BUFFER", 10),
        ("LINKSPIDER_STORE_RETRY_BACKOFF_MAX", 0.01),
        ("LINKSPIDER_STORE_SERVER_TIMEOUT", 0),
    ],
    ids=["count-zero", "count-not-a-number", "interval-negative", "buffer-below-flush", "backoff-max-below-backoff",
         "timeout-zero"],
)
def test_bad_settings_fail_at_start_naming_the_setting(name, value):
    with pytest.raises(ConfigurationError, match=name):
        MongoPipeline.from_crawler(get_crawler(settings_dict={name: value}))


def test_documents_mongodb_cannot_take_are_counted_and_the_rest_written(mongo_uri, mongo_db, make_pipeline):
    pipeline = make_pipeline(mongo_uri, mongo_db.name)
    links = [(f"https://b.test/{i}", f"fine {i}", "body") for i in range(20)]
    links[3] = ("https://b.test/3", "lone \ud800 surrogate", "body")  # cannot be encoded as BSON
    links[7] = ("https://b.test/" + "x" * 17_000_000, "huge", "body")  # over MongoDB's 16 MB document limit
    run(pipeline, fetch(P, links, at(0)))
    pipeline.close()
    assert mongo_db.edges.count_documents({}) == 18
    assert mongo_db.pages.count_documents({}) == 1
    assert stat(pipeline, "too_large") == 1  # refused before queueing
    assert stat(pipeline, "write_errors") == 1  # refused by the writer, the rest of its batch written
    assert stat(pipeline, "edges_written") == 18
    assert stat(pipeline, "spilled") == 0
    assert pipeline.writer.fatal is None


def test_a_command_too_large_for_mongodb_is_isolated_not_retried(mongo_uri, mongo_db, tmp_path):
    """Defence behind the pipeline's size check: a document near the limit whose upsert exceeds it."""
    from linkspider.store.client import get_client

    docs = [edge_document(i) for i in fetch(P, [(f"https://b.test/{n}", "", "body") for n in range(5)], at(0))
            if isinstance(i, LinkItem)]
    docs[2] = {**docs[2], "target_url": "https://b.test/" + "y" * 9_000_000, "target_key": "z" * 9_000_000}
    writer = StoreWriter(get_client(mongo_uri)[mongo_db.name], StoreConfig(ensure_indexes=False),
                         spill_dir=tmp_path).start()
    for doc in docs:
        writer.put(OP_EDGE, doc)
    writer.close()
    assert mongo_db.edges.count_documents({}) == 4
    assert writer.stats.local.get("write_errors") == 1 and not writer.stats.local.get("spilled")


def test_duplicate_key_errors_are_retried_for_those_ops_only(mongo_uri, mongo_db, tmp_path):
    """A persistent E11000 (here from a unique secondary index) is retried a few times, then counted."""
    from pymongo import UpdateOne

    from linkspider.store.client import get_client
    from linkspider.store.writer import DUPLICATE_RETRIES

    coll = mongo_db["dups"]
    coll.create_index("u", unique=True)
    coll.insert_one({"_id": 1, "u": 1})
    writer = StoreWriter(get_client(mongo_uri)[mongo_db.name], StoreConfig(ensure_indexes=False), spill_dir=tmp_path)
    ops = [UpdateOne({"_id": 2}, {"$set": {"u": 1}}, upsert=True),  # always collides on u
           UpdateOne({"_id": 3}, {"$set": {"u": 3}}, upsert=True),
           UpdateOne({"_id": 1}, {"$set": {"v": 1}}, upsert=True)]
    modified, inserted = writer._bulk(coll, ops)
    assert inserted == {1} and modified == 1
    assert writer.stats.local["retried"] == DUPLICATE_RETRIES
    assert writer.stats.local["write_errors"] == 1
    assert sorted(d["_id"] for d in coll.find()) == [1, 3]
