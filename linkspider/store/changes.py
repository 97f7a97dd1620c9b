"""What a batch of fetches changes in the store: pure planning, so each rule is tested without a server.

A fetch (an ``OP_LINKS`` payload, see :func:`linkspider.store.documents.link_set`) is compared with
what the store holds for its page:

- *stale*: the stored page was fetched later (a late replay of a spill): nothing is written;
- *unchanged*: the page's stored ``links_digest`` equals the fetch's: only the page document is
  written, its edges stay as they are (a live edge is as fresh as its page's ``fetched_at``);
- otherwise the page's stored edges are read and compared: edges not stored are inserted, lost
  ones found again are restored, and (for a complete set) live ones the fetch no longer lists are
  marked lost at the fetch time.

``added``/``removed`` (and ``updates``/``replaced``, an edge whose flags changed) list every edge
that became live or stopped being live, with the fields the rollup counts.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linkspider.store.documents import edge_content

__all__ = ["Changes", "needs_edges", "plan_changes", "unique_chunks"]


@dataclass
class Changes:
    """The writes of one batch of fetches, in the order the writer applies them."""

    inserts: list[dict[str, Any]] = field(default_factory=list)  # new edges (full documents)
    restores: list[dict[str, Any]] = field(default_factory=list)  # stored lost edges listed again
    updates: list[dict[str, Any]] = field(default_factory=list)  # live edges whose content changed
    replaced: list[Mapping[str, Any]] = field(default_factory=list)  # their stored documents (same order)
    lost: list[tuple[list[bytes], datetime, str]] = field(default_factory=list)  # (ids, lost_at, reason)
    removed: list[Mapping[str, Any]] = field(default_factory=list)  # stored docs of the edges marked lost
    pages: list[dict[str, Any]] = field(default_factory=list)  # page documents to upsert
    unchanged: int = 0
    stale: int = 0

    @property
    def added(self) -> list[dict[str, Any]]:
        return self.inserts + self.restores


def _is_stale(link_set: Mapping[str, Any], stored: Mapping[str, Any] | None) -> bool:
    page = link_set["page"]
    return (page is not None and stored is not None and isinstance(stored.get("fetched_at"), datetime)
            and stored["fetched_at"] > page["fetched_at"])


def _unchanged(link_set: Mapping[str, Any], stored: Mapping[str, Any] | None) -> bool:
    page = link_set["page"]
    if page is None or stored is None:
        return False
    digest = page.get("links_digest")
    if digest is None:  # a transient status: nothing to compare, but nothing to add either when empty
        return not link_set["edges"]
    return stored.get("links_digest") == digest


def needs_edges(link_set: Mapping[str, Any], stored: Mapping[str, Any] | None) -> bool:
    """True when the page's stored edges must be read to plan this fetch."""
    return not (_is_stale(link_set, stored) or _unchanged(link_set, stored))


def plan_changes(link_sets: Iterable[Mapping[str, Any]], stored_pages: Mapping[str, Mapping[str, Any]],
                 existing: Mapping[str, list[Mapping[str, Any]]]) -> Changes:
    """The writes for ``link_sets`` (one per page: see :func:`unique_chunks`).

    ``stored_pages`` maps page keys to their stored ``links_digest``/``fetched_at``; ``existing``
    maps the keys of the pages that :func:`needs_edges` to their stored edge documents.
    """
    out = Changes()
    for link_set in link_sets:
        key, page = link_set["source_key"], link_set["page"]
        stored = stored_pages.get(key)
        if _is_stale(link_set, stored):
            out.stale += 1
            continue
        if page is not None:
            out.pages.append(page)
        if _unchanged(link_set, stored):
            out.unchanged += 1
            continue
        old = {e["_id"]: e for e in existing.get(key, ())}
        listed = set()
        for edge in link_set["edges"]:
            listed.add(edge["_id"])
            before = old.get(edge["_id"])
            if before is None:
                out.inserts.append(edge)
            elif before.get("lost_at") is not None:
                out.restores.append(edge)
            elif edge_content(before) != edge_content(edge):
                out.updates.append(edge)
                out.replaced.append(before)
        reason = link_set["reason"]
        if reason is not None and page is not None:
            gone = [e for i, e in old.items() if i not in listed and e.get("lost_at") is None]
            if gone:
                out.lost.append(([e["_id"] for e in gone], page["fetched_at"], reason))
                out.removed.extend(gone)
    return out


def unique_chunks(link_sets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive runs in which no page repeats: a page fetched twice in one batch is diffed twice, in order."""
    chunks: list[list[dict[str, Any]]] = [[]]
    keys: set[str] = set()
    for link_set in link_sets:
        key = link_set["source_key"]
        if key in keys:
            chunks.append([])
            keys = set()
        keys.add(key)
        chunks[-1].append(link_set)
    return [c for c in chunks if c]
