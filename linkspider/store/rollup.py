"""The backlink rollup: live external links counted per (target domain, referring domain, placement,
link type, rel flags), kept by the writer so a domain's headline figures cost a few documents.

One ``rollup`` document per key: ``{_id: {t, s, p, k, f}, n}`` where ``t``/``s`` are the target and
source registered domains, ``p`` the placement, ``k`` the link type and ``f`` the rel flags as bits
(1 nofollow, 2 sponsored, 4 ugc); ``n`` is the number of live links. Crawled strings are values
only, never field names. A key whose links are all lost keeps ``n: 0`` until the next rebuild.

Exactness: the writer adds the deltas of each batch (:func:`rollup_deltas`) after that batch's
edge writes. A writer marks itself in ``rollup_state`` before the edge writes of a batch and
clears the mark after its deltas are in; a mark left behind (a crash or an error in between)
says the rollup may be off, and readers then use the edges (:func:`rollup_ready`) until
``linkspider mongo rollup`` (:func:`rebuild_rollup`) recounts it from the edges.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

__all__ = ["ROLLUP", "ROLLUP_STATE", "rebuild_rollup", "rollup_deltas", "rollup_key", "rollup_ops",
           "rollup_pipeline", "rollup_ready", "start_rollup"]

ROLLUP = "rollup"
ROLLUP_STATE = "rollup_state"
BUILT = "built"  # the rollup_state document that says a full count was made


def rollup_key(edge: Mapping[str, Any]) -> dict[str, Any] | None:
    """The rollup key of an edge, or None for an internal link (reports count external links only)."""
    if edge.get("internal") is True:
        return None
    flags = (1 if edge.get("nofollow") is True else 0) | (2 if edge.get("sponsored") is True else 0) | (
        4 if edge.get("ugc") is True else 0)
    return {"t": edge.get("target_domain"), "s": edge.get("source_domain"), "p": edge.get("placement"),
            "k": edge.get("link_type"), "f": flags}


def rollup_deltas(added: Iterable[Mapping[str, Any]], removed: Iterable[Mapping[str, Any]]) -> dict[tuple, int]:
    """Net change per key: +1 for each edge that became live, -1 for each that stopped being live."""
    out: dict[tuple, int] = {}
    for edges, step in ((added, 1), (removed, -1)):
        for edge in edges:
            key = rollup_key(edge)
            if key is not None:
                k = tuple(key.values())
                out[k] = out.get(k, 0) + step
    return {k: n for k, n in out.items() if n}


def rollup_ops(deltas: Mapping[tuple, int]) -> list[UpdateOne]:
    return [UpdateOne({"_id": dict(zip("tspkf", k, strict=True))}, {"$inc": {"n": n}}, upsert=True)
            for k, n in sorted(deltas.items(), key=repr)]


def rollup_pipeline(match: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rollup counted from ``edges`` (the raw aggregation it must always equal)."""
    bit = {"$cond": [{"$eq": ["$nofollow", True]}, 1, 0]}
    return [
        {"$match": {"internal": False, "lost_at": None, **(match or {})}},
        {"$group": {
            "_id": {"t": "$target_domain", "s": "$source_domain", "p": "$placement", "k": "$link_type",
                    "f": {"$add": [bit, {"$cond": [{"$eq": ["$sponsored", True]}, 2, 0]},
                                   {"$cond": [{"$eq": ["$ugc", True]}, 4, 0]}]}},
            "n": {"$sum": 1},
        }},
    ]


def rebuild_rollup(db: Database) -> int:
    """Recount the rollup from the edges (``$out`` swaps it in whole) and clear the writers' marks.

    Run it with no crawl writing (marks set meanwhile would be cleared too). Returns the key count.
    """
    db[ROLLUP_STATE].delete_many({})
    db.edges.aggregate([*rollup_pipeline(), {"$out": ROLLUP}], allowDiskUse=True)
    db[ROLLUP].create_index([("_id.t", 1)], name="rollup_target")
    db[ROLLUP_STATE].replace_one({"_id": BUILT}, {"_id": BUILT}, upsert=True)
    return db[ROLLUP].estimated_document_count()


def start_rollup(db: Database) -> None:
    """A store without edges has an exact (empty) rollup: say so, so that reports use it from the start."""
    if db[ROLLUP_STATE].find_one({"_id": BUILT}) is None and db.edges.find_one({}, {"_id": 1}) is None:
        db[ROLLUP].create_index([("_id.t", 1)], name="rollup_target")
        db[ROLLUP_STATE].replace_one({"_id": BUILT}, {"_id": BUILT}, upsert=True)


def rollup_ready(db: Database) -> bool:
    """True when the rollup was counted in full once and no writer's mark says it may be off."""
    return (db[ROLLUP_STATE].find_one({"_id": BUILT}) is not None
            and db[ROLLUP_STATE].find_one({"_id": {"$ne": BUILT}}) is None)
