"""The indexes the reports and lost-link marking need, created once by ``linkspider mongo ensure-indexes``.

Never created per item: building an index is a command an operator runs (or the demo runs) before
reports are asked for. ``create_indexes`` is idempotent, so running the command again is harmless;
an index that exists with the same name but other keys or options fails loudly (StoreError) instead
of being dropped silently.

Why each index exists (also in the README):

- ``edges_target_domain_live``: ``report backlinks --target DOMAIN`` matches
  ``{target_domain, internal: false, lost_at: null}``; with ``--include-lost`` the prefix serves;
  ``report new-lost`` uses it for links lost in a window (range on ``lost_at``).
- ``edges_target_domain_first_seen``: ``report new-lost`` for links first seen in a window.
- ``edges_target_key_live``: the same questions for a URL target (``target_key``).
- ``edges_source_key``: the write path marks lost links by source page and ``last_seen``
  (``source_key``, ``last_seen``).
- ``edges_source_domain_live``: ``report outgoing --source DOMAIN`` matches
  ``{source_domain, internal: false, lost_at: null}``.
- ``edges_first_seen`` / ``edges_lost_at``: ``report new-lost`` over all targets; ``lost_at`` is
  sparse (only lost edges carry it), so it costs nothing for live links.
- ``pages_domain``: crawled pages per domain, for sitewide links (a ``$lookup`` per referring domain).
"""

from __future__ import annotations

import logging
import time

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import OperationFailure, PyMongoError

from linkspider.errors import StoreError

__all__ = ["INDEXES", "ensure_indexes"]

logger = logging.getLogger(__name__)

#: collection -> index models (names are fixed so a changed definition is noticed, not duplicated).
INDEXES: dict[str, list[IndexModel]] = {
    "edges": [
        IndexModel(
            [("target_domain", ASCENDING), ("internal", ASCENDING), ("lost_at", ASCENDING)],
            name="edges_target_domain_live",
        ),
        IndexModel(
            [("target_domain", ASCENDING), ("internal", ASCENDING), ("first_seen", ASCENDING)],
            name="edges_target_domain_first_seen",
        ),
        IndexModel(
            [("target_key", ASCENDING), ("internal", ASCENDING), ("lost_at", ASCENDING)],
            name="edges_target_key_live",
        ),
        IndexModel([("source_key", ASCENDING), ("last_seen", ASCENDING)], name="edges_source_key"),
        IndexModel(
            [("source_domain", ASCENDING), ("internal", ASCENDING), ("lost_at", ASCENDING)],
            name="edges_source_domain_live",
        ),
        IndexModel([("first_seen", ASCENDING)], name="edges_first_seen"),
        IndexModel([("lost_at", ASCENDING)], name="edges_lost_at", sparse=True),
    ],
    "pages": [
        IndexModel([("domain", ASCENDING)], name="pages_domain"),
    ],
}


def ensure_indexes(db: Database, collections: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Create every index in :data:`INDEXES` on ``db`` (idempotent); returns the names per collection.

    ``collections`` maps the logical names (``edges``, ``pages``) to other collection names.
    """
    names = collections or {}
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
