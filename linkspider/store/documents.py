"""Pure functions that turn items into MongoDB documents and write operations.

Everything the store writes is built here, so the shape of an edge or page document and the
exact update sent to MongoDB can be tested without a server. Keys are fixed literals: no string
taken from a crawled page ever becomes a field name or an operator (values are coerced to the
expected scalar types, so a hostile value cannot smuggle ``{"$ne": ...}`` into a filter).

Timestamps are truncated to milliseconds because that is what BSON stores; the lost-link rule
compares ``last_seen`` with a page's fetch time, and a microsecond part would make a link seen in
this very fetch look older than the fetch.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from hashlib import blake2b as _blake2b
from typing import Any

from pymongo import InsertOne, UpdateMany, UpdateOne

SCHEMA_VERSION = 2
"""Bumped whenever the meaning or shape of a stored field changes; stored on every document.

2: binary ``_id`` (see :func:`edge_id`); no ``source_host``/``target_host`` (derived from the URLs) and no ``last_seen``
(a live edge was last seen when its source page was: ``pages.fetched_at``); ``alt``, ``rel`` and
``body_score`` only when set; pages carry ``links_digest``. ``linkspider mongo migrate`` rewrites version 1.
An edge without ``body_score`` was not scored (redirects, page-level links, WAT, or written before it
was stored): no migration is needed.
"""

EDGES = "edges"
PAGES = "pages"

MAX_ANCHOR_CHARS = 1024
"""Safety cap on stored anchor text (extraction caps it already; this bounds hostile items)."""

GONE_STATUSES = frozenset({404, 410})

# Kinds of operation the writer queues (and spills): one tuple ``(kind, payload)`` each.
OP_EDGE = "edge"  # payload: a full edge document (see edge_document)
OP_PAGE = "page"  # payload: a full page document (see page_document)
OP_LOST = "lost"  # payload: {"source_key", "cutoff", "reason"} (see lost_mark)
OP_LINKS = "links"  # payload: one page's complete fetch (see link_set): the only kind written since schema 2

LOST_LINK_REMOVED = "link_removed"
LOST_PAGE_GONE = "page_gone"
LOST_PAGE_REDIRECTS = "page_redirects"

Op = tuple[str, dict[str, Any]]


def to_millis(value: datetime) -> datetime:
    """UTC, timezone-aware, truncated to the millisecond (BSON's precision)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    elif value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def utcnow() -> datetime:
    return to_millis(datetime.now(timezone.utc))


def page_prefix(source_key: str) -> bytes:
    """The first 8 bytes of every edge ``_id`` of a page: blake2b of its key."""
    return _blake2b(source_key.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def page_id_range(source_key: str) -> dict[str, bytes]:
    """The ``_id`` range that holds the page's edges (and, rarely, those of a page with the same prefix)."""
    prefix = page_prefix(source_key)
    return {"$gte": prefix + b"\x00" * 8, "$lte": prefix + b"\xff" * 8}


def edge_id(source_key: str, target_key: str, link_type: str, anchor_text: str, placement: str) -> bytes:
    """The edge's identity, 16 bytes (BinData): the page's prefix, then 8 bytes of blake2b over the
    identity fields.

    The page's edges sit side by side in the ``_id`` index (shared prefixes compress, a page's
    inserts fill a leaf together), and the writer reads a page's stored edges by :func:`page_id_range`
    without an index of its own. The hashed text is the five lengths, then the five fields back to
    back, so the encoding is unambiguous (``("a:b", "c")`` and ``("a", "b:c")`` differ).
    """
    raw = (f"{len(source_key)}:{len(target_key)}:{len(link_type)}:{len(anchor_text)}:{len(placement)}|"
           f"{source_key}{target_key}{link_type}{anchor_text}{placement}")
    return page_prefix(source_key) + _blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _str(value: Any) -> str:
    return value if type(value) is str else ("" if value is None else str(value))


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _score(value: Any) -> float | None:
    """A body score in [0, 1], or None (missing, not a number, out of range: not stored)."""
    if type(value) is float or type(value) is int:
        return float(value) if 0.0 <= value <= 1.0 else None
    return None


def _rel(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split()
    return [_str(token).lower() for token in value]


def _when(item: Mapping[str, Any], field: str, now: datetime | None) -> datetime:
    value = _fields(item).get(field)
    if isinstance(value, datetime):
        return to_millis(value)
    if now is None:
        return utcnow()
    return to_millis(now)


_last_time: tuple[Any, datetime | None] = (object(), None)  # (input, to_millis(input)) of the last edge


def _fields(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The item's field dict: a scrapy ``Item`` keeps it in ``_values``; ``Item.get`` costs ~0.7 us a call."""
    values = getattr(item, "_values", None)
    return values if isinstance(values, dict) else item


def edge_document(item: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The full edge document for a ``LinkItem`` (as inserted when the edge is new).

    ``last_seen`` is the item's ``seen_at`` (the fetch time), else ``now``. This runs on the
    reactor thread once per link, so it avoids per-field function calls on the common path.
    """
    global _last_time
    get = _fields(item).get
    source_url = get("source_url")
    target_url = get("target_url")
    source_key = get("source_key") or source_url
    target_key = get("target_key") or target_url
    link_type = get("link_type") or "a"
    anchor_text = get("anchor_text") or ""
    placement = get("placement") or "body"
    source_host = get("source_host")
    target_host = get("target_host")
    source_domain = get("source_domain")
    target_domain = get("target_domain")
    crawl_id = get("crawl_id")
    alt = get("alt")
    if not (type(source_url) is str and type(target_url) is str and type(source_key) is str
            and type(target_key) is str and type(link_type) is str and type(anchor_text) is str
            and type(placement) is str and type(source_host) is str and type(target_host) is str
            and type(source_domain) is str and type(target_domain) is str and type(crawl_id) is str
            and (alt is None or type(alt) is str)):
        source_url, target_url, source_key, target_key = (
            _str(source_url), _str(target_url), _str(source_key), _str(target_key))
        link_type, anchor_text, placement = _str(link_type), _str(anchor_text), _str(placement)
        source_host, target_host = _str(source_host), _str(target_host)
        source_domain, target_domain, crawl_id = _str(source_domain), _str(target_domain), _str(crawl_id)
        alt = _opt_str(alt)
    if len(anchor_text) > MAX_ANCHOR_CHARS:
        anchor_text = anchor_text[:MAX_ANCHOR_CHARS]
    rel = get("rel")
    rel = _rel(rel) if rel else []
    seen = get("seen_at")
    cached = _last_time
    if seen is cached[0]:  # every link of a page carries the same fetch time object
        seen = cached[1]
    elif isinstance(seen, datetime):
        millis = to_millis(seen)
        _last_time = (seen, millis)
        seen = millis
    else:
        seen = utcnow() if now is None else to_millis(now)
    doc = {
        "_id": edge_id(source_key, target_key, link_type, anchor_text, placement),
        "source_url": source_url,
        "source_key": source_key,
        "target_url": target_url,
        "target_key": target_key,
        "source_domain": source_domain,
        "target_domain": target_domain,
        "anchor_text": anchor_text,
        "link_type": link_type,
        "nofollow": bool(get("nofollow")),
        "sponsored": bool(get("sponsored")),
        "ugc": bool(get("ugc")),
        "placement": placement,
        "internal": bool(get("internal")),
        "first_seen": seen,
        "crawl_id": crawl_id,
        "schema_version": SCHEMA_VERSION,
    }
    if alt is not None:
        doc["alt"] = alt
    if rel:
        doc["rel"] = rel
    score = get("body_score")
    if score is not None and (score := _score(score)) is not None:
        doc["body_score"] = score
    source = get("source")
    if source is not None:  # read from an archive (WARC/WAT ingest); crawled edges have no source
        doc["source"] = _str(source)
        doc["source_file"] = _opt_str(get("source_file"))
    return doc


_EDGE_INSERT_ONLY = ("_id", "first_seen")
_EDGE_OPTIONAL = ("alt", "rel", "body_score")  # stored only when set


def edge_upsert_from_document(doc: Mapping[str, Any]) -> UpdateOne:
    """The idempotent upsert for an edge document (a lost edge seen again, or an insert that raced).

    ``first_seen`` only on insert; every other field is refreshed (an optional one the fetch no
    longer has is removed); a lost edge is restored (``lost_at``/``lost_reason`` removed).
    """
    fields = {k: v for k, v in doc.items() if k not in _EDGE_INSERT_ONLY}
    unset = {"lost_at": "", "lost_reason": "", **{k: "" for k in _EDGE_OPTIONAL if k not in doc}}
    return UpdateOne(
        {"_id": doc["_id"]},
        {"$setOnInsert": {"first_seen": doc["first_seen"]}, "$set": fields, "$unset": unset},
        upsert=True,
    )


def edge_update(item: Mapping[str, Any], now: datetime | None = None) -> UpdateOne:
    """``LinkItem`` -> the idempotent upsert of its edge."""
    return edge_upsert_from_document(edge_document(item, now))


def edge_insert(doc: Mapping[str, Any]) -> InsertOne:
    """The fast path for an edge that does not exist yet (same result as the upsert on a miss)."""
    return InsertOne(dict(doc))


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def page_document(item: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The page document for a ``PageItem`` (``_id`` is the page's url_key).

    ``links_digest`` is added by :func:`link_set` when the fetch lists the page's links completely.
    """
    get = _fields(item).get
    url = _str(get("url"))
    doc = {
        "_id": _str(get("url_key") or url),
        "url": url,
        "status": _int(get("status")),
        "fetched_at": _when(item, "fetched_at", now),
        "crawl_id": _str(get("crawl_id")),
        "outlinks": _int(get("outlinks")),
        "domain": _str(get("domain")),
        "host": _str(get("host")),
        "depth": _int(get("depth")),
        "redirect_to": _opt_str(get("redirect_to")),
        "soft_404": get("soft_404") is True,
        "schema_version": SCHEMA_VERSION,
    }
    source = get("source")
    if source is not None:
        doc["source"] = _str(source)
        doc["source_file"] = _opt_str(get("source_file"))
    return doc


def page_upsert_from_document(doc: Mapping[str, Any]) -> UpdateOne:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "fetched_at")}
    return UpdateOne(
        {"_id": doc["_id"]},
        {
            "$setOnInsert": {"first_fetched": doc["fetched_at"]},
            "$set": {**fields, "fetched_at": doc["fetched_at"]},
        },
        upsert=True,
    )


def page_check_update(
    url: str,
    url_key: str,
    *,
    status: int,
    error: str | None,
    soft_404: bool,
    checked_at: datetime,
    domain: str,
    host: str,
) -> UpdateOne:
    """A target page's status from ``linkspider check-targets``, written into ``pages`` (upsert on ``_id``).

    Only the status fields are set: a page the crawl already stored keeps its links and counts. A page
    seen only by the check gets ``crawl_id: "check-targets"`` and ``outlinks: 0``, so it is never taken
    for a crawled page with no links (no lost-link marking runs from here).
    """
    when = to_millis(checked_at)
    return UpdateOne(
        {"_id": _str(url_key)},
        {
            "$set": {
                "status": _int(status),
                "error": _opt_str(error),
                "soft_404": soft_404 is True,
                "checked_at": when,
            },
            "$setOnInsert": {
                "url": _str(url),
                "domain": _str(domain),
                "host": _str(host),
                "fetched_at": when,
                "first_fetched": when,
                "crawl_id": "check-targets",
                "outlinks": 0,
                "depth": 0,
                "schema_version": SCHEMA_VERSION,
            },
        },
        upsert=True,
    )


def page_update(item: Mapping[str, Any], now: datetime | None = None) -> UpdateOne:
    """``PageItem`` -> the idempotent upsert of its page document."""
    return page_upsert_from_document(page_document(item, now))


def edge_content(doc: Mapping[str, Any]) -> str:
    """What a re-fetch can change in an edge that keeps its ``_id``: flags, rel, alt, URLs and domains.

    ``first_seen`` and ``crawl_id`` are not content: they say when and by which crawl the edge was
    found as it is now.
    """
    get = doc.get
    return (f"{int(bool(get('nofollow')))}{int(bool(get('sponsored')))}{int(bool(get('ugc')))}"
            f"{int(bool(get('internal')))}|{get('alt')}|{' '.join(get('rel') or ())}|{get('source_url')}|"
            f"{get('target_url')}|{get('source_domain')}|{get('target_domain')}")


def link_digest(edges: Iterable[Mapping[str, Any]]) -> bytes:
    """16 bytes that change when a page's edges change (which edges, or the content of one).

    Order and repeats do not matter.
    """
    rows = sorted({e["_id"].hex() + edge_content(e) for e in edges})
    return _blake2b("\n".join(rows).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def link_set(page: dict[str, Any] | None, edges: list[dict[str, Any]], source_key: str | None = None,
             *, partial: bool = False) -> dict[str, Any]:
    """Payload of an ``OP_LINKS`` operation: one fetch of one page and the edges it found.

    With a page whose status lists its links (:func:`lost_reason` is not None) the set is complete:
    the writer marks the page's other live edges lost at ``fetched_at``, and the page gets the
    set's ``links_digest``, so the next fetch that finds the same set writes only the page. Without
    a page (LinkItems whose PageItem never came), with a transient status or with a ``partial`` link
    list (an archive ingest that filtered the links), edges are only added.
    Edges repeated on the page are one edge (the first one found).
    """
    unique = list({e["_id"]: e for e in reversed(edges)}.values())[::-1]
    reason = None
    if page is not None:
        source_key = page["_id"]
        reason = None if partial else lost_reason(page["status"], page.get("redirect_to"),
                                                  page.get("soft_404") is True)
        if reason is not None:
            page = {**page, "links_digest": link_digest(unique)}
    elif source_key is None:
        source_key = unique[0]["source_key"] if unique else ""
    return {"source_key": source_key, "page": page, "edges": unique, "reason": reason}


def lost_by_ids(ids: list[bytes], at: datetime, reason: str) -> UpdateMany:
    """Mark these live edges lost (a fetch of their page no longer lists them); lost ones keep their mark."""
    return UpdateMany({"_id": {"$in": ids}, "lost_at": {"$exists": False}},
                      {"$set": {"lost_at": at, "lost_reason": reason}})


def lost_reason(status: int, redirect_to: str | None, soft_404: bool = False) -> str | None:
    """Why the edges a fetch did not see are lost, or None when the fetch says nothing about them.

    A 2xx page lists its links, so a missing one was removed; 404/410 (or a soft 404) means the page is gone;
    a redirect (3xx or a ``redirect_to``) means the page now only points elsewhere. Any other
    status (5xx, 403, 429...) is treated as transient and marks nothing.
    """
    if status in GONE_STATUSES or soft_404:
        return LOST_PAGE_GONE
    if redirect_to or 300 <= status < 400:
        return LOST_PAGE_REDIRECTS
    if 200 <= status < 300:
        return LOST_LINK_REMOVED
    return None


def lost_mark(source_key: str, cutoff: datetime, reason: str) -> dict[str, Any]:
    """Payload of a schema-1 ``OP_LOST`` operation (only read back from old spill files)."""
    return {"source_key": _str(source_key), "cutoff": to_millis(cutoff), "reason": _str(reason)}


def estimate_size(doc: Mapping[str, Any]) -> int:
    """A cheap estimate of an edge's or page's BSON size, for the flush-by-bytes rule.

    Only the variable-length fields are measured (keys repeat the URLs); the fixed part is a constant.
    """
    url = doc.get("source_url")
    if url is None:
        return 300 + 2 * len(doc.get("url") or "")
    return 300 + 2 * (len(url) + len(doc["target_url"])) + len(doc["anchor_text"])
