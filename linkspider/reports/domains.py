"""``report domains``: the domain graph (who links to whom across registered domains) and a PageRank over it.

One aggregation groups external edges by ``(source_domain, target_domain)``; the resulting edge list
is read once and PageRank runs over it with igraph (:func:`linkspider.reports.rank.pagerank_scores`,
the one PageRank of the project). The graph is unweighted: a domain passes the same credit to each
domain it links to, however many links it has to it, so a sitewide footer link counts once (the link
count is still reported as ``backlinks``). This graph counts every live link, followed or not;
``--metric rank`` uses the followed-only graph.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from linkspider.reports.rank import pagerank_scores
from linkspider.reports.targets import followed_filter

__all__ = ["DomainGraph", "domain_edges_pipeline", "domain_ranking"]

logger = logging.getLogger(__name__)


def domain_edges_pipeline(*, include_lost: bool = False, followed: bool = False) -> list[dict[str, Any]]:
    """Group external edges into ``{_id: {s: source_domain, t: target_domain}, links: n}`` rows.

    ``followed``: only links without ``nofollow``, ``sponsored`` or ``ugc`` (the graph of ``--metric rank``).
    """
    match: dict[str, Any] = {"internal": False}
    if not include_lost:
        match["lost_at"] = None
    if followed:
        match.update(followed_filter())
    return [
        {"$match": match},
        {"$group": {"_id": {"s": "$source_domain", "t": "$target_domain"}, "links": {"$sum": 1}}},
    ]


@dataclass
class DomainGraph:
    """Domain-level edge list with link counts; self-loops and empty names are dropped."""

    links: dict[tuple[str, str], int]

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]]) -> DomainGraph:
        links: dict[tuple[str, str], int] = {}
        for row in rows:
            s, t = row["_id"].get("s"), row["_id"].get("t")
            if not s or not t or s == t:
                continue
            links[(s, t)] = links.get((s, t), 0) + int(row["links"])
        return cls(links)

    def edge_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {"source_domain": s, "target_domain": t, "links": n} for (s, t), n in self.links.items()
        ]
        rows.sort(key=lambda r: (-r["links"], r["source_domain"], r["target_domain"]))
        return rows


def domain_ranking(
    graph: DomainGraph,
    *,
    damping: float = 0.85,
    top: int | None = 20,
    by: str = "pagerank",
) -> dict[str, Any]:
    """Ranking rows (rank, domain, pagerank, referring_domains, backlinks, linked_domains), graph totals."""
    started = time.monotonic()
    scores = pagerank_scores(graph.links.keys(), damping=damping)
    referring: dict[str, int] = {}
    inbound: dict[str, int] = {}
    linked: dict[str, int] = {}
    for (s, t), n in graph.links.items():
        referring[t] = referring.get(t, 0) + 1
        inbound[t] = inbound.get(t, 0) + n
        linked[s] = linked.get(s, 0) + 1
    rows: list[dict[str, Any]] = [
        {
            "domain": d,
            "pagerank": score,
            "referring_domains": referring.get(d, 0),
            "backlinks": inbound.get(d, 0),
            "linked_domains": linked.get(d, 0),
        }
        for d, score in scores.items()
    ]
    if by == "pagerank":
        rows.sort(key=lambda r: (-r["pagerank"], -r["referring_domains"], r["domain"]))
    elif by == "referring_domains":
        rows.sort(key=lambda r: (-r["referring_domains"], -r["pagerank"], r["domain"]))
    else:
        raise ValueError(f"unknown ranking key {by!r}")
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    logger.info("pagerank over %d domains and %d domain links in %.2fs", len(scores), len(graph.links),
                time.monotonic() - started)
    return {
        "domains": len(scores),
        "domain_links": len(graph.links),
        "damping": damping,
        "by": by,
        "ranking": rows[:top] if top else rows,
    }
