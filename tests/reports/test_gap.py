"""``report gap`` against referring domains counted in Python from the inserted edges."""

from __future__ import annotations

import random
import zlib
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import pytest

from linkspider.errors import ReportError
from linkspider.reports.gap import MAX_COMPETITORS, validate_gap
from linkspider.reports.runner import run_gap
from tests.reports.edgegen import OTHER_TARGET, TARGET, EdgeSet

FOLLOWED_FLAGS = ("nofollow", "sponsored", "ugc")
MINE, COMPETITORS = "mine.com", ["alpha.com", "beta.net", "gamma.org"]


def gap_edges(seed: int = 3) -> list[dict[str, Any]]:
    """Referring domains that link to random subsets of MINE and COMPETITORS, with every flag and lost links."""
    rng = random.Random(seed)
    when = datetime(2026, 3, 1, tzinfo=timezone.utc)
    out = []
    for i in range(40):
        ref = f"prospect{i}.com"
        for t in [MINE, *COMPETITORS]:
            if rng.random() < 0.45:
                continue
            for j in range(rng.randint(1, 3)):
                src = f"https://{ref}/post/{rng.randrange(5)}"
                dst = f"https://www.{t}/page/{j}"
                doc = {
                    "_id": f"gap-{i}-{t}-{j}", "source_url": src, "source_key": src, "target_url": dst,
                    "target_key": dst, "source_domain": ref, "target_domain": t,
                    "anchor_text": rng.choice(["", "a", "b"]), "alt": None, "link_type": "a", "placement": "body",
                    "nofollow": rng.random() < 0.3, "sponsored": rng.random() < 0.1, "ugc": rng.random() < 0.1,
                    "internal": False, "first_seen": when, "last_seen": when,
                }
                doc["body_score"] = zlib.crc32(doc["_id"].encode()) % 1001 / 1000  # not from rng: same stream
                if rng.random() < 0.15:
                    doc["lost_at"] = when
                out.append(doc)
    # a competitor linking to another competitor, and mine linking out: never prospects
    for src_domain, t in (("alpha.com", "beta.net"), (MINE, "gamma.org")):
        src = f"https://{src_domain}/x"
        out.append({**out[0], "_id": f"self-{src_domain}", "source_url": src, "source_key": src,
                    "source_domain": src_domain, "target_domain": t, "target_url": f"https://{t}/",
                    "target_key": f"https://{t}/", "nofollow": False, "sponsored": False, "ugc": False})
        out[-1].pop("lost_at", None)
    return out


@pytest.fixture
def gap_db(report_db, edge_set: EdgeSet):
    extra = gap_edges()
    report_db.edges.insert_many([dict(e) for e in extra])
    return report_db, EdgeSet(edges=edge_set.edges + extra, pages=edge_set.pages)


def expected_gap(edge_set: EdgeSet, competitors: list[str], target: str, *, min_n: int, followed: bool,
                 min_body_score: float | None = None):
    domains = {*competitors, target}
    linked: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for e in edge_set.edges:
        if e["internal"] or e.get("lost_at") is not None or e["target_domain"] not in domains:
            continue
        if e["source_domain"] in domains:
            continue
        if followed and any(e[f] for f in FOLLOWED_FLAGS):
            continue
        if min_body_score is not None and e.get("body_score", -1.0) < min_body_score:
            continue
        linked[e["source_domain"]][e["target_domain"]].append(e)
    out = {}
    for ref, by_target in linked.items():
        if target in by_target or len(by_target) < min_n:
            continue
        out[ref] = {
            c: {
                "links": len(links),
                "example": min((e["source_url"], e["target_url"], e["anchor_text"]) for e in links),
            }
            for c, links in by_target.items()
        }
    return out


CASES = [
    pytest.param(COMPETITORS, MINE, 1, False, id="three-competitors-min1"),
    pytest.param(COMPETITORS, MINE, 2, False, id="min2"),
    pytest.param(COMPETITORS, MINE, 3, False, id="min3"),
    pytest.param(COMPETITORS, MINE, 2, True, id="followed-only"),
    pytest.param([MINE, "beta.net"], "alpha.com", 1, False, id="other-way-round"),
    pytest.param([TARGET, OTHER_TARGET], "ref2.com", 1, False, id="generated-set"),
    pytest.param(COMPETITORS, "nobody-links-here.test", 2, False, id="unknown-target"),
]


@pytest.mark.parametrize(("competitors", "target", "min_n", "followed"), CASES)
def test_gap_matches_python(gap_db, competitors, target, min_n, followed) -> None:
    db, edge_set = gap_db
    want = expected_gap(edge_set, competitors, target, min_n=min_n, followed=followed)
    got = run_gap(db, competitors, target, min_competitors=min_n, followed=followed, limit=0)
    assert_gap(got, want)


@pytest.mark.parametrize(("min_n", "min_body_score"), [(1, 0.3), (2, 0.5), (1, 0.9)])
def test_editorial_gap_matches_python(gap_db, min_n: int, min_body_score: float) -> None:
    """--min-body-score: only links scored at least that count, to the competitors and to the target."""
    db, edge_set = gap_db
    want = expected_gap(edge_set, COMPETITORS, MINE, min_n=min_n, followed=False, min_body_score=min_body_score)
    got = run_gap(db, COMPETITORS, MINE, min_competitors=min_n, limit=0, min_body_score=min_body_score)
    assert got["min_body_score"] == min_body_score
    assert_gap(got, want)
    assert want != expected_gap(edge_set, COMPETITORS, MINE, min_n=min_n, followed=False)  # the floor matters


def assert_gap(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got["referring_domains"] == len(want)
    assert len(want) > 0  # every case has prospects: the comparison below is not vacuous
    rows = {r["referring_domain"]: r for r in got["rows"]}
    assert set(rows) == set(want)
    for ref, per in want.items():
        row = rows[ref]
        assert row["competitors"] == len(per)
        assert row["links"] == sum(p["links"] for p in per.values())
        assert set(row["per_competitor"]) == set(per)
        for comp, p in per.items():
            item = row["per_competitor"][comp]
            assert item["links"] == p["links"]
            ex = item["example"]
            assert (ex["source_url"], ex["target_url"], ex["anchor_text"]) == p["example"]
    order = [(-r["competitors"], -r["links"], r["referring_domain"]) for r in got["rows"]]
    assert order == sorted(order)


def test_gap_limit_keeps_total(gap_db) -> None:
    db, _ = gap_db
    full = run_gap(db, COMPETITORS, MINE, limit=0)
    assert full["referring_domains"] >= 3
    cut = run_gap(db, COMPETITORS, MINE, limit=2)
    assert cut["referring_domains"] == full["referring_domains"]
    assert cut["rows"] == full["rows"][:2]


def test_gap_empty_store(mongo_db) -> None:
    got = run_gap(mongo_db, ["a.com", "b.com"], "c.com", limit=10)
    assert got["referring_domains"] == 0 and got["rows"] == []


@pytest.mark.parametrize(
    ("competitors", "target", "min_n", "message"),
    [
        pytest.param([f"c{i}.com" for i in range(MAX_COMPETITORS + 1)], "t.com", 1, "at most 10", id="too-many"),
        pytest.param([], "t.com", 1, "empty", id="none"),
        pytest.param(["a.com", "t.com"], "t.com", 1, "also in --competitors", id="target-is-competitor"),
        pytest.param(["a.com", "b.com"], "t.com", 3, "--min must be between 1 and", id="min-too-high"),
        pytest.param(["a.com"], "t.com", 0, "--min must be between 1 and", id="min-zero"),
    ],
)
def test_validate_gap_refuses(competitors, target, min_n, message) -> None:
    with pytest.raises(ReportError, match=message):
        validate_gap(competitors, target, min_n)


def test_validate_gap_deduplicates() -> None:
    assert validate_gap(["a.com", "b.com", "a.com"], "t.com", 2) == ["a.com", "b.com"]
