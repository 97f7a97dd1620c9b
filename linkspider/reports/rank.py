"""``report domains --metric rank|harmonic``: a followed-links domain rank and harmonic centrality, with igraph.

The graph: one node per registered domain, one edge ``a -> b`` when ``a`` has at least one link
to ``b`` that is followed (no ``nofollow``, ``sponsored`` or ``ugc``), live (no ``lost_at``) and
external. Link counts do not weigh the edge: each source domain's vote is split equally across
the domains it links to, as Ahrefs describes Domain Rating.

- ``pagerank_followed``: PageRank of that graph (damping 0.85, igraph's PRPACK solver; a domain
  without out-links spreads its vote over all domains), summing to 1.
- ``rank``: the same on a 0-100 log scale, ``100 * ln(p / p_min) / ln(p_max / p_min)``: the
  domain with the highest PageRank gets 100, a domain that no domain links to (only the random
  jump's share, the minimum) gets 0, and each step of equal ratio adds the same points. One
  decimal. When every score is equal, every rank is 0.
- ``harmonic``: harmonic centrality, ``sum over other domains u of 1 / d(u, v)`` (incoming
  paths; 0 when unreachable), the measure Common Crawl publishes for its host and domain graphs.
  Exact (igraph) up to ``exact_max`` domains; above that, estimated from ``samples`` source domains
  drawn with a fixed seed: one breadth-first search each, scaled by ``n / samples`` (unbiased; the
  exact sum when every domain is drawn).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import igraph
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkspider import defaults

__all__ = [
    "METRICS",
    "DomainMetrics",
    "domain_metrics",
    "harmonic_centrality",
    "metric_ranking",
    "pagerank_scores",
    "rank_scale",
]

logger = logging.getLogger(__name__)

METRICS = ("rank", "pagerank", "harmonic")


def _graph(edges: Iterable[tuple[str, str]]) -> tuple[igraph.Graph, list[str]]:
    """A simple directed igraph (duplicates and self-loops dropped) and its vertex names.

    Names become vertex ids by Arrow's dictionary encoding and pairs are deduplicated in numpy: a
    Python dict and set over a million pairs took most of the time.
    """
    pairs = list(edges)
    if not pairs:
        return igraph.Graph(directed=True), []
    encoded = pc.dictionary_encode(pa.array([s for s, _ in pairs] + [t for _, t in pairs], pa.string()))
    ids = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = encoded.dictionary.to_pylist()
    src, dst = ids[: len(pairs)], ids[len(pairs) :]
    keep = src != dst
    unique = np.unique(src[keep] * len(names) + dst[keep])
    graph = igraph.Graph(
        n=len(names), edges=np.column_stack((unique // len(names), unique % len(names))).tolist(), directed=True
    )
    return graph, names


def pagerank_scores(edges: Iterable[tuple[str, str]], *, damping: float = 0.85) -> dict[str, float]:
    """PageRank of ``(source, target)`` pairs (duplicates count once), summing to 1; {} for no edges."""
    graph, names = _graph(edges)
    if not names:
        return {}
    return dict(zip(names, graph.pagerank(directed=True, damping=damping), strict=True))


def rank_scale(scores: dict[str, float]) -> dict[str, float]:
    """PageRank scores on the 0-100 log scale of the module docstring."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high <= low or low <= 0.0:
        return dict.fromkeys(scores, 0.0)
    span = math.log(high / low)
    return {d: round(min(100.0, max(0.0, 100.0 * math.log(p / low) / span)), 1) for d, p in scores.items()}


def _harmonic_sampled(graph: igraph.Graph, samples: int, seed: int, chunk: int = 16) -> list[float]:
    """Distances from the sampled sources (igraph, ``chunk`` sources per call); each domain gets the sum
    of 1/distance from them, scaled by n / samples."""
    n = graph.vcount()
    sources = random.Random(seed).sample(range(n), samples)
    total = np.zeros(n)
    for i in range(0, len(sources), chunk):
        dist = np.asarray(graph.distances(source=sources[i : i + chunk], mode="out"), dtype=float)
        with np.errstate(divide="ignore"):
            inverse = 1.0 / dist  # unreachable: 1/inf = 0; the source itself: 1/0 = inf, dropped next
        inverse[np.isinf(inverse)] = 0.0
        total += inverse.sum(axis=0)
    return (total * (n / samples)).tolist()


def harmonic_centrality(
    edges: Iterable[tuple[str, str]],
    *,
    exact_max: int = defaults.LINKSPIDER_HARMONIC_EXACT_MAX,
    samples: int = defaults.LINKSPIDER_HARMONIC_SAMPLES,
    seed: int = 0,
) -> tuple[dict[str, float], bool]:
    """Harmonic centrality of each domain (incoming paths, not normalized), and whether it is exact."""
    graph, names = _graph(edges)
    return _harmonic(graph, names, exact_max=exact_max, samples=samples, seed=seed)


def _harmonic(
    graph: igraph.Graph, names: list[str], *, exact_max: int, samples: int, seed: int
) -> tuple[dict[str, float], bool]:
    if not names:
        return {}, True
    if len(names) <= exact_max or samples >= len(names):
        values = graph.harmonic_centrality(mode="in", normalized=False)
        return dict(zip(names, values, strict=True)), True
    return dict(zip(names, _harmonic_sampled(graph, samples, seed), strict=True)), False


@dataclass(frozen=True)
class DomainMetrics:
    """Per-domain rank, followed PageRank and harmonic centrality, and how they were computed."""

    pagerank: dict[str, float]
    rank: dict[str, float]
    harmonic: dict[str, float]
    harmonic_exact: bool
    referring: dict[str, int]
    linked: dict[str, int]
    seconds: float


def domain_metrics(
    edges: Iterable[tuple[str, str]],
    *,
    damping: float = 0.85,
    exact_max: int = defaults.LINKSPIDER_HARMONIC_EXACT_MAX,
    samples: int = defaults.LINKSPIDER_HARMONIC_SAMPLES,
    seed: int = 0,
) -> DomainMetrics:
    """Both metrics over one igraph graph (built once)."""
    started = time.monotonic()
    graph, names = _graph(edges)
    pr = dict(zip(names, graph.pagerank(directed=True, damping=damping), strict=True)) if names else {}
    harmonic, exact = _harmonic(graph, names, exact_max=exact_max, samples=samples, seed=seed)
    referring = dict(zip(names, graph.indegree(), strict=True))
    linked = dict(zip(names, graph.outdegree(), strict=True))
    seconds = time.monotonic() - started
    logger.info(
        "rank and harmonic centrality over %d domains and %d followed domain links in %.2fs (harmonic %s)",
        len(names),
        graph.ecount(),
        seconds,
        "exact" if exact else f"estimated from {samples} sources",
    )
    return DomainMetrics(pr, rank_scale(pr), harmonic, exact, referring, linked, seconds)


def metric_ranking(metrics: DomainMetrics, *, by: str, top: int | None) -> list[dict[str, Any]]:
    """Rows (position, domain, rank, pagerank_followed, harmonic, referring/linked domains), best first."""
    rows: list[dict[str, Any]] = [
        {
            "domain": d,
            "rank": metrics.rank[d],
            "pagerank_followed": metrics.pagerank[d],
            "harmonic": metrics.harmonic[d],
            "followed_referring_domains": metrics.referring[d],
            "followed_linked_domains": metrics.linked[d],
        }
        for d in metrics.pagerank
    ]
    if by == "rank":
        rows.sort(key=lambda r: (-r["pagerank_followed"], -r["harmonic"], r["domain"]))
    elif by == "harmonic":
        rows.sort(key=lambda r: (-r["harmonic"], -r["pagerank_followed"], r["domain"]))
    else:
        raise ValueError(f"unknown metric {by!r}")
    for i, row in enumerate(rows, 1):
        row["position"] = i
    return rows[:top] if top else rows
