"""``report gap``: referring domains that link to competitors but not to you (link intersect).

A referring domain is listed when it has live external links to at least ``min_competitors`` of
the competitors and none to the target. With ``followed`` only links without ``nofollow``,
``sponsored`` or ``ugc`` count, on both sides: a domain whose only link to the target is nofollow
is then still a gap. The target and the competitors themselves are never listed as referrers.

One pipeline: links to any of the domains, grouped by (referring domain, linked domain), then by
referring domain; the per-domain example link is the smallest (source URL, target URL), so the
answer is the same on every run.
"""

from __future__ import annotations

from typing import Any

from linkspider.errors import ReportError
from linkspider.reports.targets import followed_filter

__all__ = ["MAX_COMPETITORS", "gap_pipeline", "gap_result", "validate_gap"]

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


def gap_pipeline(
    competitors: list[str], target: str, *, min_competitors: int = 1, followed: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """The aggregation over ``edges`` whose single result document :func:`gap_result` reads."""
    domains = [*competitors, target]
    match: dict[str, Any] = {
        "target_domain": {"$in": domains},
        "internal": False,
        "lost_at": None,
        "source_domain": {"$nin": domains},
    }
    if followed:
        match.update(followed_filter())
    example = {
        "$top": {
            "sortBy": {"source_url": 1, "target_url": 1},
            "output": {"source_url": "$source_url", "target_url": "$target_url", "anchor_text": "$anchor_text"},
        }
    }
    rows = [
        {"$sort": {"competitors": -1, "links": -1, "_id": 1}},
        *([{"$limit": limit}] if limit else []),
    ]
    return [
        {"$match": match},
        {
            "$project": {
                "_id": 0,
                "source_domain": 1,
                "target_domain": 1,
                "source_url": 1,
                "target_url": 1,
                "anchor_text": 1,
            }
        },
        {"$group": {"_id": {"r": "$source_domain", "t": "$target_domain"}, "links": {"$sum": 1}, "example": example}},
        {
            "$group": {
                "_id": "$_id.r",
                "linked": {"$push": {"domain": "$_id.t", "links": "$links", "example": "$example"}},
                "links": {"$sum": "$links"},
                "to_target": {"$max": {"$eq": ["$_id.t", target]}},
            }
        },
        {"$match": {"to_target": False}},
        {"$addFields": {"competitors": {"$size": "$linked"}}},
        {"$match": {"competitors": {"$gte": min_competitors}}},
        {"$facet": {"total": [{"$count": "n"}], "rows": rows}},
    ]


def gap_result(
    doc: dict[str, Any] | None,
    *,
    competitors: list[str],
    target: str,
    min_competitors: int,
    followed: bool,
    limit: int,
) -> dict[str, Any]:
    """The ``--format json`` object: one row per gap domain, with links and an example per competitor."""
    doc = doc or {}
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
                    c: {"links": int(linked[c]["links"]), "example": dict(linked[c]["example"])}
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
        "referring_domains": int(total[0]["n"]) if total else 0,
        "rows": rows,
        "settings": {"limit": limit},
    }
