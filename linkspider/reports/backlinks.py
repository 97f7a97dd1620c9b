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

from linkspider.reports.targets import Target, editorial_filter, editorial_words, target_filter

__all__ = [
    "backlinks_pipeline",
    "backlinks_scope",
    "backlinks_result",
    "crawled_pages_pipeline",
    "ranked",
    "sitewide_candidates",
    "sitewide_rows",
]

#: The only fields the facets read.
_FIELDS = (
    "source_key",
    "source_domain",
    "target_key",
    "nofollow",
    "sponsored",
    "ugc",
    "placement",
    "link_type",
    "anchor_text",
    "alt",
)


def _top(key: Any, top: int) -> list[dict[str, Any]]:
    """Group by ``key``, largest count first, ties by value (byte order, the same as Python's str order)."""
    return [
        {"$group": {"_id": key, "count": {"$sum": 1}}},
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
    min_body_score: float | None = None,
) -> list[dict[str, Any]]:
    """The aggregation over ``edges`` whose single result document :func:`backlinks_result` reads.

    ``min_body_score``: only links the placement model scored at least that (:func:`editorial_filter`).

    Sitewide links need the crawled page count of each referring domain; the result lists the
    domains that could qualify (:func:`sitewide_candidates`), :func:`crawled_pages_pipeline`
    counts their pages in one indexed pass over ``pages`` (one ``$lookup`` per domain was the
    slowest stage by far), and :func:`sitewide_rows` decides.
    """
    anchor_text = {"$ifNull": ["$_id.text", ""]}
    anchor = {"$cond": [{"$eq": [anchor_text, ""]}, {"$ifNull": ["$_id.alt", ""]}, anchor_text]}
    # inclusion only: computed fields here would be evaluated for every link, and cost more than the fetch
    project = {"_id": 0, **dict.fromkeys(_FIELDS, 1)}
    # Each facet is one pass over the matched links, so there are as few as possible: the flag and
    # placement counts all come from one small group ("mix", at most a few hundred rows), and every
    # referring-domain number from one group by (domain, page).
    mix = {
        # raw field paths: an expression per link costs more than the group itself; backlinks_result
        # reads missing values as "unknown" and anything but true as false
        "_id": ["$placement", "$link_type", "$nofollow", "$sponsored", "$ugc"],  # an array key is cheapest
        "count": {"$sum": 1},
    }
    anchors = [
        {"$group": {"_id": {"text": "$anchor_text", "alt": "$alt"}, "count": {"$sum": 1}}},
        {"$group": {"_id": anchor, "count": {"$sum": "$count"}}},
        {"$sort": {"count": -1, "_id": 1}},
        {"$limit": top},
    ]
    referrers = [
        # a page belongs to one domain, so grouping by page alone is enough (and cheaper than a pair key)
        {"$group": {"_id": "$source_key", "d": {"$first": "$source_domain"}, "links": {"$sum": 1}}},
        {"$group": {"_id": "$d", "pages": {"$sum": 1}, "links": {"$sum": "$links"}}},
        {
            "$group": {
                "_id": None,
                "referring_domains": {"$sum": 1},
                "referring_pages": {"$sum": "$pages"},
                "top": {
                    "$topN": {
                        "n": top,
                        "sortBy": {"links": -1, "_id": 1},
                        "output": {"value": "$_id", "count": "$links"},
                    }
                },
                # pages > share * crawled >= share * min_pages: only these domains need a look at `pages`
                "sitewide_candidates": {
                    "$push": {
                        "$cond": [
                            {"$gt": ["$pages", sitewide_share * sitewide_min_pages]},
                            {"_id": "$_id", "pages": "$pages", "links": "$links"},
                            "$$REMOVE",
                        ]
                    }
                },
            }
        },
    ]
    match = target_filter(target, include_lost=include_lost)
    if min_body_score is not None:
        match.update(editorial_filter(min_body_score))
    return [
        {"$match": match},
        {"$project": project},
        {
            "$facet": {
                "mix": [{"$group": mix}],
                "referrers": referrers,
                "top_anchors": anchors,
                "top_pages": _top("$target_key", top),
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
    candidates: list[dict[str, Any]],
    crawled: dict[str, int],
    *,
    sitewide_share: float,
    sitewide_min_pages: int,
) -> list[dict[str, Any]]:
    """Sitewide referring domains, most links first.

    A domain qualifies with at least ``min_pages`` crawled pages, linking from more than ``share`` of them.
    """
    rows = []
    for c in candidates:
        n = crawled.get(c["_id"], 0)
        if n >= sitewide_min_pages and c["pages"] > sitewide_share * n:
            rows.append({"value": c["_id"], "count": int(c["links"]), "pages": int(c["pages"]), "crawled": n})
    rows.sort(key=lambda r: (-r["count"], r["value"]))
    return rows


def backlinks_scope(report: dict[str, Any]) -> str:
    """Which links a backlinks report counts, in words: "live links", "live and lost links", and the
    body-score floor when ``--min-body-score`` was given."""
    scope = "live and lost links" if report.get("include_lost") else "live links"
    if report.get("min_body_score") is not None:
        scope += f" with {editorial_words(report['min_body_score'])}"
    return scope


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{_id, count}]`` -> ``[{value, count}]``, largest first, ties by value."""
    out = [{"value": r["_id"], "count": int(r["count"])} for r in rows]
    out.sort(key=lambda r: (-r["count"], "" if r["value"] is None else str(r["value"])))
    return out


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def sitewide_candidates(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Referring domains of the pipeline's result that may be sitewide: ``[{_id, pages, links}]``."""
    return ((doc or {}).get("referrers") or [{}])[0].get("sitewide_candidates", [])


def backlinks_result(
    doc: dict[str, Any] | None,
    *,
    target: Target,
    include_lost: bool,
    top: int,
    sitewide_share: float,
    sitewide_min_pages: int,
    sitewide: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The stable ``--format json`` object from the pipeline's result document (None: no backlinks).

    ``sitewide`` is the output of :func:`sitewide_rows`.
    """
    doc = doc or {}
    sitewide = sitewide or []
    totals = {"backlinks": 0, "dofollow": 0, "nofollow": 0, "sponsored": 0, "ugc": 0}
    placements: dict[str, int] = {}
    link_types: dict[str, int] = {}
    for row in doc.get("mix") or []:
        (placement, link_type, *flag_values), n = row["_id"], int(row["count"])
        flags = {f: v is True for f, v in zip(("nofollow", "sponsored", "ugc"), flag_values, strict=True)}
        totals["backlinks"] += n
        for flag, on in flags.items():
            totals[flag] += n if on else 0
        if not any(flags.values()):
            totals["dofollow"] += n
        placement = "unknown" if placement is None else str(placement)
        link_type = "unknown" if link_type is None else str(link_type)
        placements[placement] = placements.get(placement, 0) + n
        link_types[link_type] = link_types.get(link_type, 0) + n
    referrers = (doc.get("referrers") or [{}])[0]
    return {
        "target": target.as_dict(),
        "include_lost": include_lost,
        "backlinks": totals["backlinks"],
        "referring_pages": int(referrers.get("referring_pages", 0)),
        "referring_domains": int(referrers.get("referring_domains", 0)),
        "dofollow": totals["dofollow"],
        "nofollow": totals["nofollow"],
        "sponsored": totals["sponsored"],
        "ugc": totals["ugc"],
        "placements": _by_count(placements),
        "link_types": _by_count(link_types),
        "top_anchors": ranked(doc.get("top_anchors") or []),
        "top_pages": ranked(doc.get("top_pages") or []),
        "top_referring_domains": [
            {"value": r["value"], "count": int(r["count"])} for r in referrers.get("top", [])
        ],
        "sitewide": sum(r["count"] for r in sitewide),
        "sitewide_domains": len(sitewide),
        "sitewide_referring_domains": sitewide[:top],
        "settings": {"top": top, "sitewide_share": sitewide_share, "sitewide_min_pages": sitewide_min_pages},
    }
