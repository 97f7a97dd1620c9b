"""``report gap``: referring domains that link to competitors but not to you (link intersect).

A referring domain is listed when it has live external links to at least ``min_competitors`` of
the competitors and none to the target. With ``followed`` only links without ``nofollow``,
``sponsored`` or ``ugc`` count, on both sides: a domain whose only link to the target is nofollow
is then still a gap. The target and the competitors themselves are never listed as referrers.

One pipeline: links to any of the domains, grouped by (referring domain, linked domain), then by
referring domain; a second, small one picks the example link of each listed row, the smallest
(source URL, target URL), so the answer is the same on every run.
"""

from __future__ import annotations

from typing import Any

from linkspider.errors import ReportError
from linkspider.reports.targets import editorial_filter, followed_filter

__all__ = [
    "MAX_COMPETITORS",
    "gap_examples_pipeline",
    "gap_pipeline",
    "gap_referrers",
    "gap_result",
    "validate_gap",
]

#: More competitors make the report slow and unreadable; Ahrefs and Semrush stop at 10 too.
MAX_COMPETITORS = 10


def validate_gap(competitors: list[str], target: str, min_competitors: int) -> list[str]:
    """The competitors, deduplicated in order; a bad combination is a ReportError naming the option."""
    unique = list(dict.fromkeys(competitors))
    if not unique:
        raise ReportError("--competitors is empty: give one or more domains, comma-separated")
    if len(unique) > MAX_COMPETITORS:
        raise ReportError(f"--competitors lists {len(unique)} domains; at most {MAX_COMPETITORS} are allowed")
    if target in unique:
        raise ReportError(f"--target {target} is also in --competitors")
    if not 1 <= min_competitors <= len(unique):
        raise ReportError(
            f"--min must be between 1 and the number of competitors ({len(unique)}), got {min_competitors}"
        )
    return unique


def _match(competitors: list[str], target: str, followed: bool, min_body_score: float | None = None) -> dict[str, Any]:
    domains = [*competitors, target]
    match: dict[str, Any] = {
        "target_domain": {"$in": domains},
        "internal": False,
        "lost_at": None,
        "source_domain": {"$nin": domains},
    }
    if followed:
        match.update(followed_filter())
    if min_body_score is not None:
        match.update(editorial_filter(min_body_score))
    return match


def gap_pipeline(
    competitors: list[str], target: str, *, min_competitors: int = 1, followed: bool = False, limit: int = 100,
    min_body_score: float | None = None,
) -> list[dict[str, Any]]:
    """The aggregation over ``edges`` whose single result document :func:`gap_result` reads.

    It only counts; the example links of the rows it lists come from :func:`gap_examples_pipeline`
    (choosing an example for every pair of every referring domain took a third of the time).
    """
    rows = [
        {"$sort": {"competitors": -1, "links": -1, "_id": 1}},
        *([{"$limit": limit}] if limit else []),
    ]
    return [
        {"$match": _match(competitors, target, followed, min_body_score)},
        {"$project": {"_id": 0, "source_domain": 1, "target_domain": 1}},
        {"$group": {"_id": {"r": "$source_domain", "t": "$target_domain"}, "links": {"$sum": 1}}},
        {
            "$group": {
                "_id": "$_id.r",
                "linked": {"$push": {"domain": "$_id.t", "links": "$links"}},
                "links": {"$sum": "$links"},
                "to_target": {"$max": {"$eq": ["$_id.t", target]}},
            }
        },
        {"$match": {"to_target": False}},
        {"$addFields": {"competitors": {"$size": "$linked"}}},
        {"$match": {"competitors": {"$gte": min_competitors}}},
        {"$facet": {"total": [{"$count": "n"}], "rows": rows}},
    ]


def gap_examples_pipeline(
    competitors: list[str], target: str, referrers: list[str], *, followed: bool = False,
    min_body_score: float | None = None,
) -> list[dict[str, Any]]:
    """One example link per (listed referring domain, competitor): the smallest (source URL, target URL)."""
    match = _match(competitors, target, followed, min_body_score)
    match["source_domain"] = {"$in": sorted(referrers)}
    match["target_domain"] = {"$in": list(competitors)}
    return [
        {"$match": match},
        {
            "$group": {
                "_id": {"r": "$source_domain", "t": "$target_domain"},
                "example": {
                    "$top": {
                        "sortBy": {"source_url": 1, "target_url": 1},
                        "output": {
                            "source_url": "$source_url",
                            "target_url": "$target_url",
                            "anchor_text": "$anchor_text",
                        },
                    }
                },
            }
        },
    ]


def gap_referrers(doc: dict[str, Any] | None) -> list[str]:
    """The referring domains listed in :func:`gap_pipeline`'s result (for their examples)."""
    return [row["_id"] for row in (doc or {}).get("rows") or []]


def gap_result(
    doc: dict[str, Any] | None,
    *,
    competitors: list[str],
    target: str,
    min_competitors: int,
    followed: bool,
    limit: int,
    examples: list[dict[str, Any]] | None = None,
    min_body_score: float | None = None,
) -> dict[str, Any]:
    """The ``--format json`` object: one row per gap domain, with links and an example per competitor.

    ``examples`` is the result of :func:`gap_examples_pipeline`.
    """
    doc = doc or {}
    example = {(e["_id"]["r"], e["_id"]["t"]): dict(e["example"]) for e in examples or []}
    total = doc.get("total") or []
    rows = []
    for row in doc.get("rows") or []:
        linked = {item["domain"]: item for item in row["linked"]}
        rows.append(
            {
                "referring_domain": row["_id"],
                "competitors": int(row["competitors"]),
                "links": int(row["links"]),
                "per_competitor": {
                    c: {"links": int(linked[c]["links"]), "example": example.get((row["_id"], c), {})}
                    for c in competitors
                    if c in linked
                },
            }
        )
    return {
        "target": target,
        "competitors": competitors,
        "min_competitors": min_competitors,
        "followed_only": followed,
        "min_body_score": min_body_score,
        "referring_domains": int(total[0]["n"]) if total else 0,
        "rows": rows,
        "settings": {"limit": limit},
    }
