"""``report backlinks`` numbers against counts computed in Python from the inserted documents."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from linkspider.errors import ReportError
from linkspider.reports.backlinks import backlinks_pipeline
from linkspider.reports.runner import ReportSettings, run_backlinks
from linkspider.reports.targets import Target, parse_target
from tests.reports.edgegen import TARGET, EdgeSet

SHARE, MIN_PAGES, TOP = 0.3, 5, 5


def _top(counter: Counter[str], n: int) -> list[dict[str, Any]]:
    return [{"value": v, "count": c} for v, c in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def expected_backlinks(
    edge_set: EdgeSet, target: Target, *, include_lost: bool, top: int = TOP, min_body_score: float | None = None
) -> dict[str, Any]:
    field = "target_domain" if target.kind == "domain" else "target_key"
    links = [
        e
        for e in edge_set.edges
        if e[field] == target.value
        and e["source_domain"] != e["target_domain"]
        and (include_lost or e.get("lost_at") is None)
        and (min_body_score is None or e.get("body_score", -1.0) >= min_body_score)
    ]
    crawled = Counter(p["domain"] for p in edge_set.pages)
    pages_by_domain: dict[str, set[str]] = defaultdict(set)
    links_by_domain: Counter[str] = Counter()
    for e in links:
        pages_by_domain[e["source_domain"]].add(e["source_key"])
        links_by_domain[e["source_domain"]] += 1
    sitewide = {
        d
        for d, pages in pages_by_domain.items()
        if crawled[d] >= MIN_PAGES and len(pages) > SHARE * crawled[d]
    }
    return {
        "backlinks": len(links),
        "referring_pages": len({e["source_key"] for e in links}),
        "referring_domains": len({e["source_domain"] for e in links}),
        "dofollow": sum(1 for e in links if not (e["nofollow"] or e["sponsored"] or e["ugc"])),
        "nofollow": sum(1 for e in links if e["nofollow"]),
        "sponsored": sum(1 for e in links if e["sponsored"]),
        "ugc": sum(1 for e in links if e["ugc"]),
        "placements": dict(Counter(e["placement"] for e in links)),
        "link_types": dict(Counter(e["link_type"] for e in links)),
        "top_anchors": _top(Counter(e["anchor_text"] or e["alt"] or "" for e in links), top),
        "top_pages": _top(Counter(e["target_key"] for e in links), top),
        "top_referring_domains": _top(links_by_domain, top),
        "sitewide": sum(links_by_domain[d] for d in sitewide),
        "sitewide_domains": len(sitewide),
        "sitewide_set": sitewide,
    }


CASES = [
    pytest.param("target.com", False, id="domain-live"),
    pytest.param("www.TARGET.com", False, id="host-reduced-to-registered-domain"),
    pytest.param("target.com", True, id="domain-include-lost"),
    pytest.param("other-target.org", False, id="other-domain"),
    pytest.param("https://www.target.com/", False, id="url-home"),
    pytest.param("https://www.target.com/p/1", True, id="url-include-lost"),
    pytest.param("https://blog.target.com/post?utm_source=y&id=1", False, id="url-by-url-key"),
    pytest.param("nobody-links-here.com", False, id="no-backlinks"),
]


@pytest.mark.parametrize(("target_text", "include_lost"), CASES)
def test_backlinks_match_python(report_db, edge_set: EdgeSet, target_text: str, include_lost: bool) -> None:
    target = parse_target(target_text)
    settings = ReportSettings(sitewide_share=SHARE, sitewide_min_pages=MIN_PAGES, top=TOP)
    got = run_backlinks(report_db, target, settings, include_lost=include_lost)
    want = expected_backlinks(edge_set, target, include_lost=include_lost)
    sitewide_set = want.pop("sitewide_set")
    for key, value in want.items():
        assert got[key] == value, key
    assert {r["value"] for r in got["sitewide_referring_domains"]} <= sitewide_set
    assert len(got["sitewide_referring_domains"]) == min(TOP, len(sitewide_set))
    for key in (
        "backlinks",
        "referring_pages",
        "referring_domains",
        "dofollow",
        "nofollow",
        "sponsored",
        "ugc",
        "sitewide",
    ):
        assert type(got[key]) is int, key


@pytest.mark.parametrize("min_body_score", [0.0, 0.42, 0.9, 1.0])
@pytest.mark.parametrize("target_text", ["target.com", "https://www.target.com/p/1"])
def test_editorial_backlinks_match_python(report_db, edge_set: EdgeSet, target_text: str,
                                          min_body_score: float) -> None:
    """--min-body-score counts only links scored at least that; unscored links (canonical, redirect) never."""
    target = parse_target(target_text)
    settings = ReportSettings(sitewide_share=SHARE, sitewide_min_pages=MIN_PAGES, top=TOP)
    got = run_backlinks(report_db, target, settings, min_body_score=min_body_score)
    want = expected_backlinks(edge_set, target, include_lost=False, min_body_score=min_body_score)
    want.pop("sitewide_set")
    for key, value in want.items():
        assert got[key] == value, key
    assert got["min_body_score"] == min_body_score and got["computed"]["figures"] == "edges"
    everything = run_backlinks(report_db, target, settings)["backlinks"]
    assert got["backlinks"] < everything  # canonical and redirect links are never editorial


def test_editorial_backlinks_refuse_the_rollup(report_db) -> None:
    settings = ReportSettings(sitewide_share=SHARE, sitewide_min_pages=MIN_PAGES, top=TOP)
    with pytest.raises(ReportError, match="rollup keeps no body scores"):
        run_backlinks(report_db, parse_target("target.com"), settings, source="rollup", min_body_score=0.5)


def test_data_exercises_every_case(edge_set: EdgeSet) -> None:
    """Guards the generator: the cases the reports distinguish are really in the data."""
    want = expected_backlinks(edge_set, Target("domain", TARGET), include_lost=False)
    assert {"sitewide-a.com", "big.net"} <= want["sitewide_set"]
    assert not {"edge-b.com", "tiny.io"} & want["sitewide_set"]
    assert set(want["placements"]) == {"body", "nav", "header", "sidebar", "footer", "comment"}
    assert want["dofollow"] and want["nofollow"] and want["sponsored"] and want["ugc"]
    assert any(e["internal"] and e["target_domain"] == TARGET for e in edge_set.edges)
    assert any(
        e.get("lost_at") and not e["internal"] and e["target_domain"] == TARGET for e in edge_set.edges
    )
    counts = [a["count"] for a in want["top_anchors"]]
    assert counts == sorted(counts, reverse=True)


def test_sitewide_threshold_follows_settings(report_db, edge_set: EdgeSet) -> None:
    """With share 0.7 only sitewide-a.com (8 of 10 pages) stays; with min pages 2, tiny.io (2 of 2) joins."""
    target = Target("domain", TARGET)
    strict = run_backlinks(report_db, target, ReportSettings(sitewide_share=0.7, sitewide_min_pages=5))
    names = {r["value"] for r in strict["sitewide_referring_domains"]}
    assert "sitewide-a.com" in names and "big.net" not in names
    loose = run_backlinks(
        report_db, target, ReportSettings(sitewide_share=0.7, sitewide_min_pages=2, top=100)
    )
    assert "tiny.io" in {r["value"] for r in loose["sitewide_referring_domains"]}


def test_backlinks_pipeline_uses_the_index(report_db) -> None:
    pipeline = backlinks_pipeline(Target("domain", TARGET))
    plan = report_db.command(
        "explain", {"aggregate": "edges", "pipeline": pipeline, "cursor": {}}, verbosity="queryPlanner"
    )
    text = str(plan)
    assert "'indexName': 'edges_target_domain'" in text
    assert "COLLSCAN" not in text.split("$facet")[0]


@pytest.mark.parametrize(
    ("target", "first_stage"),
    [
        pytest.param(
            Target("domain", "a.com"),
            {"target_domain": "a.com", "internal": False, "lost_at": None},
            id="domain",
        ),
        pytest.param(
            Target("url", "https://a.com/"),
            {"target_key": "https://a.com/", "internal": False, "lost_at": None},
            id="url",
        ),
    ],
)
def test_pipeline_starts_with_index_friendly_match(target: Target, first_stage: dict[str, Any]) -> None:
    assert backlinks_pipeline(target)[0] == {"$match": first_stage}
    assert "lost_at" not in backlinks_pipeline(target, include_lost=True)[0]["$match"]


@pytest.mark.parametrize(
    ("pages", "links", "crawled", "sitewide"),
    [
        pytest.param(4, 9, 10, True, id="more-than-share"),
        pytest.param(3, 3, 10, False, id="exactly-share-is-not-more"),
        pytest.param(5, 5, 4, False, id="below-min-pages"),
        pytest.param(5, 5, 5, True, id="at-min-pages"),
        pytest.param(7, 7, 0, False, id="domain-never-crawled"),
    ],
)
def test_sitewide_rows(pages: int, links: int, crawled: int, sitewide: bool) -> None:
    from linkspider.reports.backlinks import sitewide_rows

    rows = sitewide_rows(
        [{"_id": "d.com", "pages": pages, "links": links}],
        {"d.com": crawled} if crawled else {},
        sitewide_share=0.3,
        sitewide_min_pages=5,
    )
    assert rows == (
        [{"value": "d.com", "count": links, "pages": pages, "crawled": crawled}] if sitewide else []
    )


def test_sitewide_rows_order() -> None:
    from linkspider.reports.backlinks import sitewide_rows

    cands = [{"_id": d, "pages": 9, "links": n} for d, n in (("b.com", 5), ("a.com", 5), ("c.com", 8))]
    rows = sitewide_rows(
        cands, {"a.com": 10, "b.com": 10, "c.com": 10}, sitewide_share=0.3, sitewide_min_pages=5
    )
    assert [r["value"] for r in rows] == ["c.com", "a.com", "b.com"]
