"""Schema upgrades: stored documents and spilled operations of older versions, in today's shape.

``linkspider mongo migrate`` runs :func:`migrate_database` once, with no crawl writing: it rewrites
the ``edges`` of schema 1 into a new collection created with today's options (zstd), swaps it in,
and re-creates the indexes. The writer converts operations of older spill files with
:func:`link_sets_of`, so nothing spilled before an upgrade is lost.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from linkspider.store.documents import (
    OP_EDGE,
    OP_LINKS,
    OP_LOST,
    OP_PAGE,
    SCHEMA_VERSION,
    Op,
    link_set,
)

__all__ = ["link_sets_of", "upgrade_edge", "upgrade_page"]

logger = logging.getLogger(__name__)

_V1_DROPPED = ("source_host", "target_host", "last_seen")


def upgrade_edge(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A schema-1 edge (hex ``_id``, host fields, ``last_seen``) as schema 2; a schema-2 edge unchanged.

    The hex ``_id`` was the same blake2b digest, so the binary one is the id the writer computes.
    """
    if doc.get("schema_version") == SCHEMA_VERSION:
        return dict(doc)
    out = {k: v for k, v in doc.items() if k not in _V1_DROPPED}
    if isinstance(out["_id"], str):
        out["_id"] = bytes.fromhex(out["_id"])
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
