"""``linkspider mongo migrate``: a schema-1 store becomes schema 2, answers the same, and re-crawls diff against it."""
from __future__ import annotations

from typing import Any

from linkspider.cli import main
from linkspider.items import LinkItem, PageItem
from linkspider.store.documents import (
    OP_EDGE,
    OP_LOST,
    OP_PAGE,
    SCHEMA_VERSION,
    edge_document,
    lost_mark,
    page_document,
)
from linkspider.store.indexes import INDEXES
from linkspider.store.migrate import link_sets_of, upgrade_edge
from linkspider.store.rollup import rollup_pipeline, rollup_ready
from linkspider.store.writer import StoreConfig, StoreWriter

from .conftest import run
from .helpers import at
from .recrawl import crawls
from .test_recrawl import answers, assert_like_model

V1_INDEXES = [  # what ensure_indexes created in schema 1
    ([("target_domain", 1), ("internal", 1), ("lost_at", 1)], "edges_target_domain_live"),
    ([("source_key", 1), ("last_seen", 1)], "edges_source_key"),
    ([("first_seen", 1)], "edges_first_seen"),
]


def v1_edge(link: LinkItem, *, lost_at=None) -> dict[str, Any]:
    """An edge as schema 1 stored it (the shape written out, not derived from today's code)."""
    doc = edge_document(link)
    v1 = {**doc, "_id": doc["_id"].hex(), "source_host": link["source_host"], "target_host": link["target_host"],
          "alt": link["alt"], "rel": list(link["rel"]), "last_seen": doc["first_seen"], "schema_version": 1}
    if lost_at is not None:
        v1["lost_at"], v1["lost_reason"] = lost_at, "link_removed"
    return v1


def v1_store(db) -> list[list[Any]]:
    """The first crawl of the recrawl scenario stored by schema 1, one edge in five lost."""
    all_crawls = crawls()
    links = [i for i in all_crawls[0] if isinstance(i, LinkItem)]
    docs = {}
    for n, link in enumerate(links):
        doc = v1_edge(link, lost_at=at(10) if n % 5 == 0 else None)
        docs[doc["_id"]] = doc
    db.edges.insert_many(list(docs.values()))
    pages = [{**page_document(p), "schema_version": 1} for p in all_crawls[0] if isinstance(p, PageItem)]
    db.pages.insert_many(pages)
    for keys, name in V1_INDEXES:
        db.edges.create_index(keys, name=name)
    return all_crawls


def test_migrate_rewrites_a_schema_1_store(mongo_uri, mongo_db, make_pipeline, capsys):
    all_crawls = v1_store(mongo_db)
    before = answers(mongo_db)
    count = mongo_db.edges.count_documents({})
    assert main(["mongo", "migrate", "--mongo-uri", mongo_uri, "--database", mongo_db.name]) == 0
    assert f"edges rewritten {count}" in capsys.readouterr().out
    docs = list(mongo_db.edges.find())
    assert len(docs) == count
    for doc in docs:
        assert isinstance(doc["_id"], bytes) and len(doc["_id"]) == 16
        assert doc["schema_version"] == SCHEMA_VERSION
        assert not {"source_host", "target_host", "last_seen"} & set(doc)
    assert mongo_db.pages.count_documents({"schema_version": SCHEMA_VERSION}) == mongo_db.pages.count_documents({})
    assert set(mongo_db.edges.index_information()) == {"_id_"} | {m.document["name"] for m in INDEXES["edges"]}
    stats = next(mongo_db.edges.aggregate([{"$collStats": {"storageStats": {}}}]))["storageStats"]
    assert "block_compressor=zstd" in stats["wiredTiger"]["creationString"]
    assert answers(mongo_db) == before  # the reports do not see the difference
    assert rollup_ready(mongo_db)
    assert {tuple(d["_id"].values()): d["n"] for d in mongo_db.rollup.find()} == {
        tuple(d["_id"].values()): d["n"] for d in mongo_db.edges.aggregate(rollup_pipeline())}

    assert main(["mongo", "migrate", "--mongo-uri", mongo_uri, "--database", mongo_db.name]) == 0
    assert "edges rewritten 0" in capsys.readouterr().out  # idempotent

    # the writer's ids are the migrated ones: an unchanged page of the first crawl is diffed, not duplicated
    run(make_pipeline(mongo_uri, mongo_db.name), all_crawls[0]).close()
    assert mongo_db.edges.count_documents({}) == count
    assert mongo_db.edges.count_documents({"lost_at": {"$exists": True}}) == 0  # listed again: restored
    run(make_pipeline(mongo_uri, mongo_db.name), all_crawls[1]).close()
    model = mongo_db.client[mongo_db.name + "_model"]
    try:
        assert_like_model(mongo_db, model, all_crawls[:2])
    finally:
        mongo_db.client.drop_database(model.name)


def test_schema_1_spill_ops_replay_as_link_sets(mongo_uri, mongo_db, tmp_path):
    """A spill file written before the upgrade: edges, page, lost mark per fetch, schema-1 documents."""
    first, second = crawls()[:2]
    ops: list[tuple[str, dict[str, Any]]] = []
    for items in (first, second):
        for item in items:
            if isinstance(item, LinkItem):
                ops.append((OP_EDGE, v1_edge(item)))
            else:
                page = {**page_document(item), "schema_version": 1}
                ops.append((OP_PAGE, page))
                ops.append((OP_LOST, lost_mark(page["_id"], page["fetched_at"], "link_removed")))
    sets, unknown = link_sets_of(ops)
    assert unknown == 0 and len(sets) == sum(isinstance(i, PageItem) for i in first + second)
    assert all(isinstance(e["_id"], bytes) for s in sets for e in s["edges"])
    assert upgrade_edge(v1_edge(next(i for i in first if isinstance(i, LinkItem)))) == edge_document(
        next(i for i in first if isinstance(i, LinkItem)))
    writer = StoreWriter(mongo_db, StoreConfig(), spill_dir=tmp_path)
    writer.spill.append(ops)
    writer.spill.close()
    writer.start().close()
    assert writer.stats.local["replayed"] == len(ops) and not writer.stats.local.get("write_errors")
    model = mongo_db.client[mongo_db.name + "_model"]
    try:
        assert_like_model(mongo_db, model, [first, second])
    finally:
        mongo_db.client.drop_database(model.name)
