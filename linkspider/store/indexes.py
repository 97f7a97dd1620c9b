"""The indexes the reports and lost-link marking need, created once by ``linkspider mongo ensure-indexes``.

Never created per item: building an index is a command an operator runs (or the demo runs) before
reports are asked for. ``create_indexes`` is idempotent, so running the command again is harmless;
an index that exists with the same name but other keys or options fails loudly (StoreError) instead
of being dropped silently.

Every report reads external links only (``internal: false``), so the report indexes are partial
over those: internal links (about a third of a crawl) cost no entry in them. Why each exists (also
in the README):

- ``edges_target_domain``: ``report backlinks --target DOMAIN`` matches
  ``{target_domain, internal: false, lost_at: null}``; with ``--include-lost`` the prefix serves;
  ``report new-lost`` reads links lost in a window (a range on ``lost_at``) and first seen in a
  window (``first_seen``, the third key, filtered inside the index).
- ``edges_target_key``: the same questions for a URL target (``target_key``).
- none for the writer: it reads a changed page's stored edges by ``_id`` range (an edge's ``_id``
  starts with 8 bytes of its page's key, see :func:`linkspider.store.documents.edge_id`).
- ``edges_first_seen`` / ``edges_lost_at``: ``report new-lost`` over all targets; ``lost_at`` only
  indexes lost edges, so it costs nothing for live links.
- ``pages_domain``: crawled pages per domain, for sitewide links.

The ``edges`` collection is created with zstd block compression (:data:`EDGES_OPTIONS`); one
created by an older version keeps its compressor until ``linkspider mongo migrate`` rewrites it.
- ``edges_source_domain``: ``report outgoing --source DOMAIN`` matches
  ``{source_domain, internal: false, lost_at: null}``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure, PyMongoError

from linkspider.errors import StoreError

__all__ = ["COLLECTION_OPTIONS", "INDEXES", "ensure_collections", "ensure_indexes"]

logger = logging.getLogger(__name__)

_EXTERNAL = {"partialFilterExpression": {"internal": False}}

#: collection -> index models (names are fixed so a changed definition is noticed, not duplicated).
INDEXES: dict[str, list[IndexModel]] = {
    "edges": [
        IndexModel([("target_domain", ASCENDING), ("lost_at", ASCENDING), ("first_seen", ASCENDING)],
                   name="edges_target_domain", **_EXTERNAL),
        IndexModel([("target_key", ASCENDING), ("lost_at", ASCENDING), ("first_seen", ASCENDING)],
                   name="edges_target_key", **_EXTERNAL),
        IndexModel([("first_seen", ASCENDING)], name="edges_first_seen", **_EXTERNAL),
        IndexModel([("lost_at", ASCENDING)], name="edges_lost_at",
                   partialFilterExpression={"internal": False, "lost_at": {"$exists": True}}),
        IndexModel([("source_domain", ASCENDING), ("lost_at", ASCENDING)], name="edges_source_domain",
                   **_EXTERNAL),
    ],
    "pages": [
        IndexModel([("domain", ASCENDING)], name="pages_domain"),
    ],
}

#: Options of collections created by :func:`ensure_collections` (zstd: about a third smaller than snappy).
COLLECTION_OPTIONS: dict[str, dict[str, Any]] = {
    "edges": {"storageEngine": {"wiredTiger": {"configString": "block_compressor=zstd"}},
              "indexOptionDefaults": {"storageEngine": {"wiredTiger": {"configString": "block_compressor=zstd"}}}},
}


def ensure_collections(db: Database, collections: dict[str, str] | None = None) -> list[str]:
    """Create the collections that have options (zstd ``edges``) unless they exist; returns those created."""
    names = collections or {}
    created = []
    existing = set(db.list_collection_names())
    for logical, options in COLLECTION_OPTIONS.items():
        name = names.get(logical, logical)
        if name in existing:
            continue
        try:
            db.create_collection(name, **options)
        except CollectionInvalid:  # another worker created it meanwhile
            continue
        except PyMongoError as exc:
            raise StoreError(f"cannot create {db.name}.{name}: {type(exc).__name__}: {exc}") from exc
        created.append(name)
    return created


def ensure_indexes(db: Database, collections: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Create every index in :data:`INDEXES` on ``db`` (idempotent); returns the names per collection.

    ``collections`` maps the logical names (``edges``, ``pages``) to other collection names.
    """
    names = collections or {}
    ensure_collections(db, names)
    created: dict[str, list[str]] = {}
    for logical, models in INDEXES.items():
        coll = db[names.get(logical, logical)]
        started = time.monotonic()
        try:
            created[coll.name] = coll.create_indexes(models)
        except OperationFailure as exc:
            raise StoreError(
                f"cannot create indexes on {db.name}.{coll.name}: "
                f"{exc.details.get('errmsg') if exc.details else exc}"
                " (an index with the same name but another definition exists? drop it and run again)"
            ) from exc
        except PyMongoError as exc:
            raise StoreError(
                f"cannot create indexes on {db.name}.{coll.name}: {type(exc).__name__}: {exc}"
            ) from exc
        logger.info(
            "indexes on %s.%s: %s (%.2fs)",
            db.name,
            coll.name,
            ", ".join(created[coll.name]),
            time.monotonic() - started,
        )
    return created
