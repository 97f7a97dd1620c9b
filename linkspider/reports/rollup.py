"""Headline figures of a domain target from the store's rollup, in time that does not grow with its backlinks.

:mod:`linkspider.store.rollup` keeps live external links counted per (target domain, referring
domain, placement, link type, rel flags). From it, in a few documents per referring domain:
totals, rel flags and the dofollow share, placements, link types, referring domains and the top
referring domains, exactly as :mod:`.backlinks` counts them from the edges; and the domain graph
of ``report domains``.

Lists that must read edges are bounded: top anchors and top target pages are counted over the
``SAMPLE`` most recently first-seen live backlinks (an index-ordered read). Referring pages and
sitewide links need every backlink's source page, so the rollup report leaves them out (None);
``--include-lost`` and URL targets are answered from the edges.
"""

from __future__ import annotations

from typing import Any

from linkspider.reports.backlinks import backlinks_pipeline
from linkspider.reports.targets import Target

__all__ = ["SAMPLE", "domain_graph_rows_pipeline", "headline_pipeline", "lists_pipeline"]

#: Live backlinks (most recently first seen) that the top anchors and top pages are counted over.
SAMPLE = 20_000

_FLAG = {"nofollow": 1, "sponsored": 2, "ugc": 4}


def _flag(name: str) -> dict[str, Any]:
    """True when the rollup key's flag bit is set (``f`` holds nofollow 1, sponsored 2, ugc 4)."""
    return {"$eq": [{"$mod": [{"$floor": {"$divide": ["$_id.f", _FLAG[name]]}}, 2]}, 1]}


def headline_pipeline(domain: str, *, top: int = 10) -> list[dict[str, Any]]:
    """Over ``rollup``: a result with the ``mix`` and ``referrers`` facets of :func:`backlinks_pipeline`,
    so :func:`linkspider.reports.backlinks.backlinks_result` reads either."""
    return [
        {"$match": {"_id.t": domain, "n": {"$gt": 0}}},
        {"$facet": {
            "mix": [{"$group": {
                "_id": ["$_id.p", "$_id.k", _flag("nofollow"), _flag("sponsored"), _flag("ugc")],
                "count": {"$sum": "$n"},
            }}],
            "referrers": [
                {"$group": {"_id": "$_id.s", "links": {"$sum": "$n"}}},
                {"$group": {
                    "_id": None,
                    "referring_domains": {"$sum": 1},
                    "top": {"$topN": {"n": top, "sortBy": {"links": -1, "_id": 1},
                                      "output": {"value": "$_id", "count": "$links"}}},
                }},
            ],
        }},
    ]


def lists_pipeline(target: Target, *, top: int = 10, sample: int = SAMPLE) -> list[dict[str, Any]]:
    """The backlinks pipeline over the ``sample`` most recently first-seen live backlinks only."""
    pipeline = backlinks_pipeline(target, top=top)
    return [pipeline[0], {"$sort": {"first_seen": -1}}, {"$limit": sample}, *pipeline[1:]]


def domain_graph_rows_pipeline(*, followed: bool = False) -> list[dict[str, Any]]:
    """Over ``rollup``: the ``{_id: {s, t}, links}`` rows of :func:`.domains.domain_edges_pipeline`
    (``followed``: only links without a rel flag, as its ``followed=True``)."""
    match: dict[str, Any] = {"n": {"$gt": 0}}
    if followed:
        match["_id.f"] = 0
    return [
        {"$match": match},
        {"$group": {"_id": {"s": "$_id.s", "t": "$_id.t"}, "links": {"$sum": "$n"}}},
    ]
