"""``report broken``: live backlinks whose target page is broken, to reclaim by redirect or restore.

A target page's state comes from its document in ``pages`` (``_id`` = the edge's ``target_key``),
written by the crawl or by ``linkspider check-targets``. :func:`target_state` is the one rule,
also used by ``report outgoing`` to mark broken targets:

- ``unchecked``: never fetched (no page document);
- ``dns``: the host did not resolve (``error: "dns"``);
- ``unreachable``: another fetch failure (``error`` set: refused, timeout, TLS...); an ``error``
  older than the page's last crawl (``checked_at`` < ``fetched_at``) no longer counts;
- ``gone``: 404 or 410;
- ``server_error``: 5xx;
- ``soft_404``: a 200 page that is the site's "not found" page;
- ``redirect``: 3xx (not broken: the link still leads somewhere);
- ``ok``: anything else.

``dns``, ``gone``, ``server_error`` and ``soft_404`` are broken.
"""

from __future__ import annotations

from typing import Any

from linkspider.reports.targets import Target, target_filter

__all__ = [
    "BROKEN_STATES",
    "PAGE_STATE_FIELDS",
    "STATES",
    "broken_pipeline",
    "broken_result",
    "page_lookup",
    "target_state",
    "targets_to_check_pipeline",
]

STATES = ("gone", "server_error", "soft_404", "dns", "unreachable", "redirect", "ok", "unchecked")
BROKEN_STATES = frozenset({"gone", "server_error", "soft_404", "dns"})
#: What a state needs from a page document.
PAGE_STATE_FIELDS = ("status", "soft_404", "error", "fetched_at", "checked_at")


def target_state(page: dict[str, Any] | None) -> str:
    """The state of a target page from its ``pages`` document (None: never fetched)."""
    if not page:
        return "unchecked"
    error = page.get("error")
    fetched, checked = page.get("fetched_at"), page.get("checked_at")
    if error and fetched is not None and checked is not None and fetched > checked:
        error = None  # a crawl fetched the page after the check failed: its status is newer
    if error:
        return "dns" if error == "dns" else "unreachable"
    status = page.get("status")
    status = status if isinstance(status, int) else 0
    if status in (404, 410):
        return "gone"
    if 500 <= status < 600:
        return "server_error"
    if page.get("soft_404") is True:
        return "soft_404"
    if 300 <= status < 400:
        return "redirect"
    if status == 0:
        return "unchecked"
    return "ok"


def page_lookup(local_field: str = "_id") -> dict[str, Any]:
    """A ``$lookup`` of the page document of ``local_field`` (a target_key) into ``page`` (a list)."""
    return {
        "$lookup": {
            "from": "pages",
            "localField": local_field,
            "foreignField": "_id",
            "pipeline": [{"$project": {"_id": 0, **dict.fromkeys(PAGE_STATE_FIELDS, 1)}}],
            "as": "page",
        }
    }


def broken_pipeline(target: Target, *, examples: int = 5) -> list[dict[str, Any]]:
    """Live external links to ``target`` grouped by target page, with its page document and examples."""
    example = {
        "$topN": {
            "n": examples,
            "sortBy": {"source_url": 1, "anchor_text": 1},
            "output": {
                "source_url": "$source_url",
                "anchor_text": {"$ifNull": ["$anchor_text", ""]},
                "alt": "$alt",
                "placement": "$placement",
                "nofollow": "$nofollow",
                "sponsored": "$sponsored",
                "ugc": "$ugc",
            },
        }
    }
    return [
        {"$match": target_filter(target, include_lost=False)},
        {
            "$group": {
                "_id": "$target_key",
                "url": {"$min": "$target_url"},
                "links": {"$sum": 1},
                "referring_domains": {"$addToSet": "$source_domain"},
                "examples": example,
            }
        },
        {"$addFields": {"referring_domains": {"$size": "$referring_domains"}}},
        page_lookup(),
    ]


def broken_result(rows: list[dict[str, Any]], *, target: Target, limit: int) -> dict[str, Any]:
    """Counts of target pages and links per state, and the broken pages, most links first."""
    pages = dict.fromkeys(STATES, 0)
    links = dict.fromkeys(STATES, 0)
    broken = []
    for row in rows:
        page = (row.get("page") or [None])[0]
        state = target_state(page)
        pages[state] += 1
        links[state] += int(row["links"])
        if state in BROKEN_STATES:
            broken.append(
                {
                    "target_key": row["_id"],
                    "target_url": row.get("url"),
                    "state": state,
                    "status": (page or {}).get("status"),
                    "checked_at": (page or {}).get("checked_at") or (page or {}).get("fetched_at"),
                    "links": int(row["links"]),
                    "referring_domains": int(row["referring_domains"]),
                    "examples": [dict(e) for e in row.get("examples") or []],
                }
            )
    broken.sort(key=lambda r: (-r["links"], r["target_key"]))
    return {
        "target": target.as_dict(),
        "target_pages": sum(pages.values()),
        "broken_pages": len(broken),
        "broken_links": sum(r["links"] for r in broken),
        "unchecked_pages": pages["unchecked"],
        "pages_by_state": pages,
        "links_by_state": links,
        "broken": broken[:limit] if limit else broken,
        "settings": {"limit": limit},
    }


def targets_to_check_pipeline(target: Target, *, recheck: bool = False, limit: int = 0) -> list[dict[str, Any]]:
    """Target pages of live backlinks for ``linkspider check-targets``: never-fetched ones (all with
    ``recheck``), most linked first, as ``{_id: target_key, url, links}``."""
    stages: list[dict[str, Any]] = [
        {"$match": target_filter(target, include_lost=False)},
        {"$group": {"_id": "$target_key", "url": {"$min": "$target_url"}, "links": {"$sum": 1}}},
    ]
    if not recheck:
        stages += [page_lookup(), {"$match": {"page": {"$size": 0}}}, {"$project": {"page": 0}}]
    stages.append({"$sort": {"links": -1, "_id": 1}})
    if limit:
        stages.append({"$limit": limit})
    return stages
