"""``report backlinks``: the numbers a backlink tool shows for a domain or a page, in one ``$facet`` pipeline.

Definitions (also in the README):

- a *backlink* is an edge whose source is on another registered domain (``internal: false``);
  lost edges (with ``lost_at``) count only with ``include_lost``;
- *dofollow* = not ``nofollow`` and not ``sponsored`` and not ``ugc`` (any of the three rel hints
  tells search engines not to pass ranking credit);
- the *anchor* of a link is its ``anchor_text``, or its image ``alt`` when the text is empty;
- a referring domain is *sitewide* when it links to the target from more than ``sitewide_share``
  of its crawled pages (pages in the ``pages`` collection with that ``domain``) and has at least
  ``sitewide_min_pages`` crawled pages; ``sitewide`` counts the backlinks from such domains.
"""
from __future__ import annotations

from typing import Any

from linkspider.reports.targets import Target, target_filter

__all__ = ["backlinks_pipeline", "backlinks_result", "crawled_pages_pipeline", "ranked", "sitewide_rows"]

_TRUE = True


def _flag(field: str) -> dict[str, Any]:
    return {"$eq": [f"${field}", _TRUE]}


def _count_of(expr: str) -> dict[str, Any]:
    return {"$sum": {"$cond": [expr, 1, 0]}}


def _top(field: str, top: int) -> list[dict[str, Any]]:
    """Group by ``field``, largest count first, ties by value (byte order, the same as Python's str order)."""
    return [
        {"$group": {"_id": f"${field}", "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id": 1}},
        {"$limit": top},
    ]


def backlinks_pipeline(
    target: Target,
    *,
    include_lost: bool = False,
    top: int = 10,
    sitewide_share: float = 0.3,
    sitewide_min_pages: int = 5,
) -> list[dict[str, Any]]:
    """The aggregation over ``edges`` whose single result document :func:`backlinks_result` reads.

    Sitewide links need the crawled page count of each referring domain; the facet
    ``sitewide_candidates`` lists the domains that could qualify, :func:`crawled_pages_pipeline`
    counts their pages in one indexed pass over ``pages`` (one ``$lookup`` per domain was the
    slowest stage by far), and :func:`sitewide_rows` decides.
    """
    anchor_text = {"$ifNull": ["$anchor_text", ""]}
    project = {
        "_id": 0,
        "source_key": 1,
        "source_domain": 1,
        "target_key": 1,
        "nf": _flag("nofollow"),
        "sp": _flag("sponsored"),
        "ug": _flag("ugc"),
        "placement": {"$ifNull": ["$placement", "unknown"]},
        "link_type": {"$ifNull": ["$link_type", "unknown"]},
        "anchor": {"$cond": [{"$eq": [anchor_text, ""]}, {"$ifNull": ["$alt", ""]}, anchor_text]},
    }
    totals = {
        "_id": None,
        "backlinks": {"$sum": 1},
        "nofollow": _count_of("$nf"),
        "sponsored": _count_of("$sp"),
        "ugc": _count_of("$ug"),
        "dofollow": {"$sum": {"$cond": [{"$or": ["$nf", "$sp", "$ug"]}, 0, 1]}},
    }
    sitewide_candidates = [
        {"$group": {"_id": {"d": "$source_domain", "p": "$source_key"}, "links": {"$sum": 1}}},
        {"$group": {"_id": "$_id.d", "pages": {"$sum": 1}, "links": {"$sum": "$links"}}},
        # pages > share * crawled >= share * min_pages: only these domains need a look at `pages`
        {"$match": {"pages": {"$gt": sitewide_share * sitewide_min_pages}}},
    ]
    return [
        {"$match": target_filter(target, include_lost=include_lost)},
        {"$project": project},
        {
            "$facet": {
                "totals": [{"$group": totals}],
                "referring_pages": [{"$group": {"_id": "$source_key"}}, {"$count": "n"}],
                "referring_domains": [{"$group": {"_id": "$source_domain"}}, {"$count": "n"}],
                "placements": [{"$group": {"_id": "$placement", "count": {"$sum": 1}}}],
                "link_types": [{"$group": {"_id": "$link_type", "count": {"$sum": 1}}}],
                "top_anchors": _top("anchor", top),
                "top_pages": _top("target_key", top),
                "top_referring_domains": _top("source_domain", top),
                "sitewide_candidates": sitewide_candidates,
            }
        },
    ]


def crawled_pages_pipeline(domains: list[str]) -> list[dict[str, Any]]:
    """Crawled pages per domain for ``domains``, over ``pages`` (a covered scan of the ``domain`` index)."""
    return [
        {"$match": {"domain": {"$in": sorted(domains)}}},
        {"$project": {"_id": 0, "domain": 1}},
        {"$group": {"_id": "$domain", "n": {"$sum": 1}}},
    ]


def sitewide_rows(
    candidates: list[dict[str, Any]], crawled: dict[str, int], *, sitewide_share: float, sitewide_min_pages: int
) -> list[dict[str, Any]]:
    """Sitewide referring domains, most links first: at least ``min_pages`` crawled, linking from more than ``share``."""
    rows = []
    for c in candidates:
        n = crawled.get(c["_id"], 0)
        if n >= sitewide_min_pages and c["pages"] > sitewide_share * n:
            rows.append({"value": c["_id"], "count": int(c["links"]), "pages": int(c["pages"]), "crawled": n})
    rows.sort(key=lambda r: (-r["count"], r["value"]))
    return rows


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{_id, count}]`` -> ``[{value, count}]``, largest first, ties by value."""
    out = [{"value": r["_id"], "count": int(r["count"])} for r in rows]
    out.sort(key=lambda r: (-r["count"], "" if r["value"] is None else str(r["value"])))
    return out


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["value"]: r["count"] for r in ranked(rows)}


def _single(rows: list[dict[str, Any]], key: str) -> int:
    return int(rows[0][key]) if rows else 0


def backlinks_result(
    doc: dict[str, Any] | None, *, target: Target, include_lost: bool, top: int, sitewide_share: float,
    sitewide_min_pages: int, sitewide: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The stable ``--format json`` object from the pipeline's result document (None: no backlinks).

    ``sitewide`` is the output of :func:`sitewide_rows`.
    """
    doc = doc or {}
    totals = (doc.get("totals") or [{}])[0]
    sitewide = sitewide or []
    return {
        "target": target.as_dict(),
        "include_lost": include_lost,
        "backlinks": int(totals.get("backlinks", 0)),
        "referring_pages": _single(doc.get("referring_pages") or [], "n"),
        "referring_domains": _single(doc.get("referring_domains") or [], "n"),
        "dofollow": int(totals.get("dofollow", 0)),
        "nofollow": int(totals.get("nofollow", 0)),
        "sponsored": int(totals.get("sponsored", 0)),
        "ugc": int(totals.get("ugc", 0)),
        "placements": _counts(doc.get("placements") or []),
        "link_types": _counts(doc.get("link_types") or []),
        "top_anchors": ranked(doc.get("top_anchors") or []),
        "top_pages": ranked(doc.get("top_pages") or []),
        "top_referring_domains": ranked(doc.get("top_referring_domains") or []),
        "sitewide": sum(r["count"] for r in sitewide),
        "sitewide_domains": len(sitewide),
        "sitewide_referring_domains": sitewide[:top],
        "settings": {"top": top, "sitewide_share": sitewide_share, "sitewide_min_pages": sitewide_min_pages},
    }
