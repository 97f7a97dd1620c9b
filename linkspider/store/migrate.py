"""Schema upgrades: stored documents and spilled operations of older versions, in today's shape.

``linkspider mongo migrate`` runs :func:`migrate_database` once, with no crawl writing: it rewrites
the ``edges`` of schema 1 into a new collection created with today's options (zstd), swaps it in,
and re-creates the indexes. The writer converts operations of older spill files with
:func:`link_sets_of`, so nothing spilled before an upgrade is lost.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.database import Database

from linkspider.errors import StoreError
from linkspider.store.documents import (
    EDGES,
    OP_EDGE,
    OP_LINKS,
    OP_LOST,
    OP_PAGE,
    PAGES,
    SCHEMA_VERSION,
    Op,
    edge_id,
    link_set,
)
from linkspider.store.indexes import COLLECTION_OPTIONS, ensure_collections, ensure_indexes
from linkspider.store.rollup import rebuild_rollup

__all__ = ["link_sets_of", "migrate_database", "upgrade_edge", "upgrade_page"]

MIGRATING = "edges_migrating"

logger = logging.getLogger(__name__)

_V1_DROPPED = ("source_host", "target_host", "last_seen")


def upgrade_edge(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A schema-1 edge (hex ``_id``, host fields, ``last_seen``) as schema 2; a schema-2 edge unchanged.

    The ``_id`` is computed again from the identity fields, as the writer computes it.
    """
    if doc.get("schema_version") == SCHEMA_VERSION:
        return dict(doc)
    out = {k: v for k, v in doc.items() if k not in _V1_DROPPED}
    out["_id"] = edge_id(out["source_key"], out["target_key"], out["link_type"], out["anchor_text"],
                         out["placement"])
    if out.get("alt") is None:
        out.pop("alt", None)
    if not out.get("rel"):
        out.pop("rel", None)
    out["schema_version"] = SCHEMA_VERSION
    return out


def upgrade_page(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Pages keep their fields; without a ``links_digest`` their next fetch is diffed against the edges."""
    return {**doc, "schema_version": SCHEMA_VERSION}


def link_sets_of(ops: Iterable[Op]) -> tuple[list[dict[str, Any]], int]:
    """The ``OP_LINKS`` payloads of a batch, schema-1 ops (from old spill files) converted; and the
    number of ops of unknown kind.

    A schema-1 fetch was its edges, its page, then its lost mark (which the page's status implies):
    the edges wait for their page; edges whose page is not in the batch only add.
    """
    out: list[dict[str, Any]] = []
    waiting: dict[str, list[dict[str, Any]]] = {}
    unknown = 0
    for kind, payload in ops:
        if kind == OP_LINKS:
            out.append(payload)
        elif kind == OP_EDGE:
            edge = upgrade_edge(payload)
            waiting.setdefault(edge["source_key"], []).append(edge)
        elif kind == OP_PAGE:
            page = upgrade_page(payload)
            key = page["_id"]
            out.append(link_set(page, waiting.pop(key, [])))
        elif kind == OP_LOST:
            pass  # the page's status, which link_set reads, said the same
        else:
            unknown += 1
    for key, edges in waiting.items():
        out.append(link_set(None, edges, key))
    return out, unknown


def _creation_string(db: Database, name: str) -> str:
    stats = next(db[name].aggregate([{"$collStats": {"storageStats": {}}}]), {})
    return str(stats.get("storageStats", {}).get("wiredTiger", {}).get("creationString", ""))


def _needs_rewrite(db: Database) -> bool:
    if EDGES not in db.list_collection_names():
        return False
    if db[EDGES].find_one({"schema_version": {"$ne": SCHEMA_VERSION}}, {"_id": 1}) is not None:
        return True
    wanted = COLLECTION_OPTIONS[EDGES]["storageEngine"]["wiredTiger"]["configString"]
    return wanted not in _creation_string(db, EDGES)


def migrate_database(db: Database, *, batch: int = 5000) -> dict[str, int]:
    """Bring a store to the current schema; idempotent. Run it with no crawl writing to ``db``.

    ``edges`` is copied, upgraded, into ``edges_migrating`` (created with today's options, so the
    copy is also how an existing collection gets zstd), counted, then renamed over ``edges``: until
    that rename the old collection is untouched, so an interrupted run is simply run again. Pages
    only get the new ``schema_version``; then the indexes are (re)created and the rollup recounted.
    """
    out = {"edges_rewritten": 0, "pages_updated": 0, "rollup_keys": 0}
    if _needs_rewrite(db):
        db.drop_collection(MIGRATING)  # left by an interrupted run
        ensure_collections(db, {EDGES: MIGRATING})
        started = time.monotonic()
        target = db[MIGRATING]
        chunk: list[dict[str, Any]] = []
        for doc in db[EDGES].find(batch_size=batch):
            chunk.append(upgrade_edge(doc))
            if len(chunk) >= batch:
                target.insert_many(chunk, ordered=False)
                out["edges_rewritten"] += len(chunk)
                chunk = []
                logger.info("migrate: %d edges rewritten (%.0fs)", out["edges_rewritten"], time.monotonic() - started)
        if chunk:
            target.insert_many(chunk, ordered=False)
            out["edges_rewritten"] += len(chunk)
        source_count = db[EDGES].count_documents({})
        if target.count_documents({}) != source_count:
            raise StoreError(f"migrate: {source_count} edges in {db.name}.{EDGES} but {target.count_documents({})} "
                             f"copied; {EDGES} left as it was (is a crawl writing?)")
        db.client.admin.command("renameCollection", f"{db.name}.{MIGRATING}", to=f"{db.name}.{EDGES}",
                                dropTarget=True)
    result = db[PAGES].update_many({"schema_version": {"$ne": SCHEMA_VERSION}},
                                   {"$set": {"schema_version": SCHEMA_VERSION}})
    out["pages_updated"] = result.modified_count
    ensure_indexes(db)
    out["rollup_keys"] = rebuild_rollup(db)
    return out
