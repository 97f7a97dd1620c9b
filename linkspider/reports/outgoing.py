"""``report outgoing``: the external domains and pages a site (or one page) links to.

Live external links from the source, grouped by target page with their rel flags and placements;
each target page's state comes from ``pages`` (:func:`linkspider.reports.broken.target_state`),
so broken targets are marked. Domains are summed from the page rows in Python (a site links to
far fewer pages than it has links).
"""

from __future__ import annotations

from typing import Any

from linkspider.reports.broken import BROKEN_STATES, page_lookup, target_state
from linkspider.reports.targets import Target

__all__ = ["outgoing_pipeline", "outgoing_result", "source_filter"]

_FLAGS = ("nofollow", "sponsored", "ugc")


def source_filter(source: Target) -> dict[str, Any]:
    """Live external links from a domain (``source_domain``) or one page (``source_key``)."""
    field = "source_domain" if source.kind == "domain" else "source_key"
    return {field: source.value, "internal": False, "lost_at": None}


def outgoing_pipeline(source: Target) -> list[dict[str, Any]]:
    """One row per target page: links, flag counts, placements, the source pages, and its page document."""
    flag = {f: {"$sum": {"$cond": [{"$eq": [f"${f}", True]}, 1, 0]}} for f in _FLAGS}
    followed = {"$sum": {"$cond": [{"$or": [{"$eq": [f"${f}", True]} for f in _FLAGS]}, 0, 1]}}
    return [
        {"$match": source_filter(source)},
        {
            "$group": {
                "_id": "$target_key",
                "url": {"$min": "$target_url"},
                "domain": {"$first": "$target_domain"},
                "links": {"$sum": 1},
                "followed": followed,
                **flag,
                "placements": {"$addToSet": "$placement"},
                "source_pages": {"$addToSet": "$source_key"},
            }
        },
        {"$addFields": {"source_pages": {"$size": "$source_pages"}}},
        page_lookup(),
    ]


def outgoing_result(rows: list[dict[str, Any]], *, source: Target, limit: int) -> dict[str, Any]:
    """Domains and pages linked from ``source``, most links first, with broken targets marked."""
    pages = []
    domains: dict[str, dict[str, Any]] = {}
    for row in rows:
        state = target_state((row.get("page") or [None])[0])
        placements = sorted(p for p in row.get("placements") or [] if isinstance(p, str))
        page = {
            "target_key": row["_id"],
            "target_url": row.get("url"),
            "domain": row.get("domain"),
            "links": int(row["links"]),
            "followed": int(row["followed"]),
            **{f: int(row[f]) for f in _FLAGS},
            "placements": placements,
            "source_pages": int(row["source_pages"]),
            "state": state,
            "broken": state in BROKEN_STATES,
        }
        pages.append(page)
        d = domains.setdefault(
            page["domain"],
            {
                "domain": page["domain"],
                "links": 0,
                "pages": 0,
                "followed": 0,
                **dict.fromkeys(_FLAGS, 0),
                "placements": set(),
                "broken_pages": 0,
                "unchecked_pages": 0,
            },
        )
        d["links"] += page["links"]
        d["pages"] += 1
        d["followed"] += page["followed"]
        for f in _FLAGS:
            d[f] += page[f]
        d["placements"].update(placements)
        d["broken_pages"] += page["broken"]
        d["unchecked_pages"] += state == "unchecked"
    pages.sort(key=lambda r: (-r["links"], r["target_key"]))
    domain_rows = sorted(domains.values(), key=lambda r: (-r["links"], r["domain"] or ""))
    for d in domain_rows:
        d["placements"] = sorted(d["placements"])
    return {
        "source": source.as_dict(),
        "links": sum(p["links"] for p in pages),
        "linked_domains": len(domain_rows),
        "linked_pages": len(pages),
        "broken_pages": sum(p["broken"] for p in pages),
        "unchecked_pages": sum(p["state"] == "unchecked" for p in pages),
        "domains": domain_rows[:limit] if limit else domain_rows,
        "pages": pages[:limit] if limit else pages,
        "settings": {"limit": limit},
    }
