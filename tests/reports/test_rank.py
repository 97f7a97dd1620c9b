"""Followed-links rank and harmonic centrality (igraph) against a linear solve and breadth-first searches in Python."""

from __future__ import annotations

import math
from collections import defaultdict, deque

import pytest

from linkspider.reports.rank import (
    _graph,
    _harmonic_sampled,
    domain_metrics,
    harmonic_centrality,
    pagerank_scores,
    rank_scale,
)
from linkspider.reports.runner import ReportSettings, run_domain_metrics
from tests.reports.edgegen import EdgeSet
from tests.reports.test_domains import GRAPHS, solve_pagerank


def python_harmonic(edges) -> dict[str, float]:
    """sum over u != v of 1 / d(u, v), one BFS per source."""
    out: dict[str, set[str]] = defaultdict(set)
    nodes = set()
    for s, t in edges:
        nodes |= {s, t}
        if s != t:
            out[s].add(t)
    total = dict.fromkeys(nodes, 0.0)
    for source in nodes:
        dist = {source: 0}
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for v in out[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        for v, d in dist.items():
            if d:
                total[v] += 1.0 / d
    return total


@pytest.mark.parametrize("edges", GRAPHS)
def test_pagerank_scores_equal_linear_solution(edges) -> None:
    got = pagerank_scores(edges)
    want = solve_pagerank(set(edges))
    assert set(got) == set(want)
    for name, score in want.items():
        assert got[name] == pytest.approx(score, abs=1e-9), name


@pytest.mark.parametrize("edges", GRAPHS)
def test_harmonic_exact_equals_bfs(edges) -> None:
    got, exact = harmonic_centrality(edges)
    assert exact
    want = python_harmonic(edges)
    assert got == pytest.approx(want)


def _random_edges(n: int, m: int, seed: int) -> list[tuple[str, str]]:
    import random

    rng = random.Random(seed)
    return [(f"d{rng.randrange(n)}", f"d{int(n * rng.random() ** 2)}") for _ in range(m)]


def test_harmonic_sampled_with_every_source_is_exact() -> None:
    edges = _random_edges(60, 300, seed=1)
    graph, names = _graph(edges)
    got = dict(zip(names, _harmonic_sampled(graph, len(names), seed=5), strict=True))
    assert got == pytest.approx(python_harmonic(edges))


def test_harmonic_estimate_is_close_and_repeatable() -> None:
    edges = _random_edges(400, 4000, seed=2)
    want = python_harmonic(edges)
    got, exact = harmonic_centrality(edges, exact_max=10, samples=200, seed=3)
    again, _ = harmonic_centrality(edges, exact_max=10, samples=200, seed=3)
    assert not exact and got == again
    top = sorted(want, key=want.get, reverse=True)[:20]
    for d in top:  # well-connected domains: the estimate is within 25 %
        assert got[d] == pytest.approx(want[d], rel=0.25), d
    assert math.fsum(got.values()) == pytest.approx(math.fsum(want.values()), rel=0.1)


def test_rank_scale() -> None:
    scores = {"top": 0.5, "mid": 0.05, "none": 0.005, "also-none": 0.005}
    got = rank_scale(scores)
    assert got == {"top": 100.0, "mid": 50.0, "none": 0.0, "also-none": 0.0}
    assert rank_scale({}) == {}
    assert rank_scale({"a": 0.5, "b": 0.5}) == {"a": 0.0, "b": 0.0}


def test_rank_follows_pagerank_order() -> None:
    edges = _random_edges(50, 200, seed=4)
    m = domain_metrics(edges)
    order_pr = sorted(m.pagerank, key=lambda d: (-m.pagerank[d], d))
    ranks = [m.rank[d] for d in order_pr]
    assert ranks == sorted(ranks, reverse=True)
    assert max(ranks) == 100.0
    no_inlinks = {d for d, n in m.referring.items() if n == 0}
    assert no_inlinks and all(m.rank[d] == 0.0 for d in no_inlinks)


def test_domain_metrics_empty() -> None:
    m = domain_metrics([])
    assert (m.pagerank, m.rank, m.harmonic, m.harmonic_exact) == ({}, {}, {}, True)


@pytest.mark.parametrize("metric", ["rank", "harmonic"])
def test_report_counts_followed_live_external_links_only(report_db, edge_set: EdgeSet, metric) -> None:
    followed = {
        (e["source_domain"], e["target_domain"])
        for e in edge_set.edges
        if not e["internal"]
        and e.get("lost_at") is None
        and not (e["nofollow"] or e["sponsored"] or e["ugc"])
        and e["source_domain"] != e["target_domain"]
    }
    report = run_domain_metrics(report_db, ReportSettings(), by=metric, top=None)
    assert report["domain_links"] == len(followed)
    want_pr = solve_pagerank(followed)
    want_h = python_harmonic(followed)
    rows = {r["domain"]: r for r in report["ranking"]}
    assert set(rows) == set(want_pr)
    referring: dict[str, int] = defaultdict(int)
    for _, t in followed:
        referring[t] += 1
    for d, row in rows.items():
        assert row["pagerank_followed"] == pytest.approx(want_pr[d], abs=1e-9), d
        assert row["harmonic"] == pytest.approx(want_h[d]), d
        assert row["followed_referring_domains"] == referring[d]
        assert 0.0 <= row["rank"] <= 100.0
    key = "pagerank_followed" if metric == "rank" else "harmonic"
    values = [r[key] for r in report["ranking"]]
    assert values == sorted(values, reverse=True)
    assert [r["position"] for r in report["ranking"]] == list(range(1, len(rows) + 1))


def test_report_on_empty_store(mongo_db) -> None:
    report = run_domain_metrics(mongo_db, ReportSettings(), by="rank")
    assert (report["domains"], report["domain_links"], report["ranking"]) == (0, 0, [])
