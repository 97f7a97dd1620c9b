"""``report domains``: the domain graph (who links to whom across registered domains) and a PageRank over it.

One aggregation groups external edges by ``(source_domain, target_domain)``; the resulting edge list
is read once and PageRank runs over it in Python by power iteration. The graph is unweighted: a
domain passes the same credit to each domain it links to, however many links it has to it, so a
sitewide footer link counts once (the link count is still reported as ``backlinks``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from linkspider.reports.targets import followed_filter

__all__ = ["DomainGraph", "PageRankResult", "domain_edges_pipeline", "domain_ranking", "pagerank"]

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


@dataclass(frozen=True)
class PageRankResult:
    scores: dict[str, float]
    iterations: int
    converged: bool


def pagerank(
    edges: Iterable[tuple[str, str]],
    *,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 200,
    progress: Callable[[int, float], None] | None = None,
) -> PageRankResult:
    """PageRank of a directed graph given as ``(source, target)`` pairs (duplicates count once).

    A node without out-links spreads its score evenly over all nodes, so scores always sum to 1.
    Stops when the L1 change between two iterations is below ``tol``.
    """
    index: dict[str, int] = {}
    pairs: set[tuple[int, int]] = set()
    for s, t in edges:
        si = index.setdefault(s, len(index))
        ti = index.setdefault(t, len(index))
        if si != ti:
            pairs.add((si, ti))
    n = len(index)
    if n == 0:
        return PageRankResult({}, 0, True)
    out_deg = [0] * n
    sources: list[list[int]] = [[] for _ in range(n)]
    for si, ti in pairs:
        out_deg[si] += 1
        sources[ti].append(si)
    dangling = [i for i in range(n) if out_deg[i] == 0]
    inv_out = [1.0 / d if d else 0.0 for d in out_deg]
    rank = [1.0 / n] * n
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):
        share = [r * w for r, w in zip(rank, inv_out, strict=True)]
        base = (1.0 - damping) / n + damping * sum(rank[i] for i in dangling) / n
        new = [base + damping * sum(map(share.__getitem__, src)) for src in sources]
        delta = sum(abs(a - b) for a, b in zip(new, rank, strict=True))
        rank = new
        if progress is not None:
            progress(iterations, delta)
        if delta < tol:
            converged = True
            break
    names = list(index)
    return PageRankResult({names[i]: rank[i] for i in range(n)}, iterations, converged)


def domain_ranking(
    graph: DomainGraph,
    *,
    damping: float = 0.85,
    top: int | None = 20,
    by: str = "pagerank",
    progress: Callable[[int, float], None] | None = None,
) -> dict[str, Any]:
    """Ranking rows (rank, domain, pagerank, referring_domains, backlinks, linked_domains), graph totals."""
    started = time.monotonic()
    result = pagerank(graph.links.keys(), damping=damping, progress=progress)
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
        for d, score in result.scores.items()
    ]
    if by == "pagerank":
        rows.sort(key=lambda r: (-r["pagerank"], -r["referring_domains"], r["domain"]))
    elif by == "referring_domains":
        rows.sort(key=lambda r: (-r["referring_domains"], -r["pagerank"], r["domain"]))
    else:
        raise ValueError(f"unknown ranking key {by!r}")
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    logger.info(
        "pagerank over %d domains and %d domain links: %d iterations (%s) in %.2fs",
        len(result.scores),
        len(graph.links),
        result.iterations,
        "converged" if result.converged else "not converged",
        time.monotonic() - started,
    )
    return {
        "domains": len(result.scores),
        "domain_links": len(graph.links),
        "iterations": result.iterations,
        "converged": result.converged,
        "damping": damping,
        "by": by,
        "ranking": rows[:top] if top else rows,
    }
