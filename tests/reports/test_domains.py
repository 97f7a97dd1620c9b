"""``report domains``: the domain graph against Python grouping, PageRank against a direct linear solve."""

from __future__ import annotations

from collections import defaultdict

import pytest

from linkspider.reports.domains import DomainGraph, domain_ranking
from linkspider.reports.runner import run_domains
from tests.reports.edgegen import EdgeSet


def solve_pagerank(edges: set[tuple[str, str]], damping: float = 0.85) -> dict[str, float]:
    """PageRank as the solution of (I - d(M + D)) x = (1 - d)/n * 1, by Gaussian elimination."""
    nodes = sorted({n for e in edges for n in e})
    n = len(nodes)
    idx = {name: i for i, name in enumerate(nodes)}
    out: dict[int, list[int]] = defaultdict(list)
    for s, t in edges:
        if s != t:
            out[idx[s]].append(idx[t])
    a = [[0.0] * n for _ in range(n)]
    for j in range(n):
        targets = sorted(set(out[j]))
        for i in range(n):
            m = (1.0 / len(targets) if i in targets else 0.0) if targets else 1.0 / n
            a[i][j] = (1.0 if i == j else 0.0) - damping * m
    b = [(1 - damping) / n] * n
    for col in range(n):  # partial pivoting
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv] = a[piv], a[col]
        b[col], b[piv] = b[piv], b[col]
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            if f:
                for c in range(col, n):
                    a[r][c] -= f * a[col][c]
                b[r] -= f * b[col]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (b[r] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return {nodes[i]: x[i] for i in range(n)}


GRAPHS = [
    pytest.param([("a", "b"), ("b", "c"), ("c", "a")], id="cycle"),
    pytest.param([("a", "hub"), ("b", "hub"), ("c", "hub"), ("hub", "a")], id="star-with-return"),
    pytest.param([("a", "b"), ("a", "c")], id="dangling-nodes"),
    pytest.param([("a", "b"), ("a", "b"), ("b", "a"), ("c", "c")], id="duplicates-and-self-loop"),
    pytest.param([("x", "y"), ("y", "z"), ("z", "x"), ("z", "y"), ("w", "x"), ("v", "w")], id="mixed"),
]


def test_domain_ranking_of_an_empty_graph() -> None:
    report = domain_ranking(DomainGraph({}))
    assert report["domains"] == 0 and report["ranking"] == []


def test_domain_report_matches_python(report_db, edge_set: EdgeSet) -> None:
    graph, report = run_domains(report_db, top=None)
    live = [e for e in edge_set.edges if not e["internal"] and e.get("lost_at") is None]
    links: dict[tuple[str, str], int] = defaultdict(int)
    for e in live:
        links[(e["source_domain"], e["target_domain"])] += 1
    assert graph.links == dict(links)
    referring: dict[str, set[str]] = defaultdict(set)
    inbound: dict[str, int] = defaultdict(int)
    for (s, t), n in links.items():
        referring[t].add(s)
        inbound[t] += n
    want_rank = solve_pagerank(set(links))
    rows = {r["domain"]: r for r in report["ranking"]}
    assert set(rows) == {d for pair in links for d in pair}
    for domain, row in rows.items():
        assert row["referring_domains"] == len(referring[domain]), domain
        assert row["backlinks"] == inbound[domain], domain
        assert row["pagerank"] == pytest.approx(want_rank[domain], abs=1e-9), domain
    ordered = [r["pagerank"] for r in report["ranking"]]
    assert ordered == sorted(ordered, reverse=True)
    assert [r["rank"] for r in report["ranking"]] == list(range(1, len(rows) + 1))


def test_include_lost_adds_lost_edges(report_db, edge_set: EdgeSet) -> None:
    graph, _ = run_domains(report_db, include_lost=True, top=5)
    assert sum(graph.links.values()) == sum(1 for e in edge_set.edges if not e["internal"])


def test_ranking_by_referring_domains_and_top() -> None:
    graph = DomainGraph({("a", "c"): 1, ("b", "c"): 5, ("c", "a"): 2, ("d", "b"): 1})
    report = domain_ranking(graph, top=2, by="referring_domains")
    assert [(r["domain"], r["referring_domains"], r["backlinks"]) for r in report["ranking"]] == [
        ("c", 2, 6),
        ("a", 1, 2),
    ]
    assert report["domains"] == 4 and report["domain_links"] == 4
