"""``report new-lost`` numbers against counts computed in Python from the inserted documents."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from linkspider.reports.new_lost import new_lost_pipeline
from linkspider.reports.runner import run_new_lost
from linkspider.reports.targets import Target, parse_target
from tests.reports.edgegen import BASE, EdgeSet

LIMIT = 7


def _in(when: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    return when is not None and (since is None or when >= since) and (until is None or when < until)


CASES = [
    pytest.param("target.com", BASE + timedelta(days=10), BASE + timedelta(days=30), id="domain-window"),
    pytest.param("target.com", BASE + timedelta(days=50), None, id="domain-open-end"),
    pytest.param("https://www.target.com/", BASE, None, id="url"),
    pytest.param(None, BASE + timedelta(days=20), BASE + timedelta(days=21), id="all-targets-one-day"),
    pytest.param("target.com", BASE + timedelta(days=400), None, id="empty-window"),
]


@pytest.mark.parametrize(("target_text", "since", "until"), CASES)
def test_new_lost_match_python(report_db, edge_set: EdgeSet, target_text, since, until) -> None:
    target = parse_target(target_text) if target_text else None
    got = run_new_lost(report_db, target, since=since, until=until, limit=LIMIT)

    def mine(e) -> bool:
        if e["internal"]:
            return False
        if target is None:
            return True
        return e["target_domain" if target.kind == "domain" else "target_key"] == target.value

    edges = [e for e in edge_set.edges if mine(e)]
    for event, field in (("new", "first_seen"), ("lost", "lost_at")):
        hits = [e for e in edges if _in(e.get(field), since, until)]
        assert got[event] == len(hits), event
        hits.sort(key=lambda e: e["_id"])
        hits.sort(key=lambda e: e[field], reverse=True)
        assert [(link["source_url"], link["target_url"], link[field]) for link in got[f"{event}_links"]] == [
            (e["source_url"], e["target_url"], e[field]) for e in hits[:LIMIT]
        ]
        assert got[f"{event}_by_day"] == dict(
            sorted(Counter(e[field].strftime("%Y-%m-%d") for e in hits).items())
        )
    if target_text == "target.com" and until is not None:
        assert got["new"] and got["lost"], "the window should hold both kinds"


def test_limit_zero_lists_everything(report_db, edge_set: EdgeSet) -> None:
    got = run_new_lost(report_db, Target("domain", "target.com"), since=BASE, until=None, limit=0)
    assert len(got["new_links"]) == got["new"] > LIMIT
    assert all(link["lost_reason"] for link in got["lost_links"])


def test_window_branches_can_use_indexes() -> None:
    since, until = BASE, BASE + timedelta(days=1)
    match = new_lost_pipeline(Target("domain", "a.com"), since=since, until=until)[0]["$match"]
    assert match["target_domain"] == "a.com" and match["internal"] is False and "lost_at" not in match
    assert match["$or"] == [
        {"first_seen": {"$gte": since, "$lt": until}},
        {"lost_at": {"$gte": since, "$lt": until}},
    ]


def test_new_lost_uses_both_indexes(report_db) -> None:
    pipeline = new_lost_pipeline(Target("domain", "target.com"), since=BASE, until=BASE + timedelta(days=5))
    plan = str(
        report_db.command(
            "explain", {"aggregate": "edges", "pipeline": pipeline, "cursor": {}}, verbosity="queryPlanner"
        )
    )
    winning = plan.split("rejectedPlans")[0]
    # each $or branch (first_seen in the window, lost_at in the window) is an index scan; the lost_at one
    # reads (target_domain, lost_at, first_seen), the first_seen one that or the first_seen index
    assert winning.count("'stage': 'IXSCAN'") == 2 and "'indexName': 'edges_target_domain'" in winning
    assert "COLLSCAN" not in winning
