"""``report broken`` and ``report outgoing`` against Python counts, with target pages in every state."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

import pytest

from linkspider.reports.broken import BROKEN_STATES, STATES, target_state
from linkspider.reports.runner import run_broken, run_outgoing
from linkspider.reports.targets import Target
from linkspider.urls import url_key
from tests.reports.edgegen import PAGE_STATES, TARGET, EdgeSet


@pytest.mark.parametrize(
    ("page", "want"),
    [
        pytest.param(None, "unchecked", id="never-fetched"),
        pytest.param({"status": 404}, "gone", id="404"),
        pytest.param({"status": 410}, "gone", id="410"),
        pytest.param({"status": 500}, "server_error", id="500"),
        pytest.param({"status": 599}, "server_error", id="599"),
        pytest.param({"status": 200, "soft_404": True}, "soft_404", id="soft-404"),
        pytest.param({"status": 0, "error": "dns"}, "dns", id="dns"),
        pytest.param({"status": 0, "error": "connection_refused"}, "unreachable", id="refused"),
        pytest.param({"status": 302}, "redirect", id="redirect"),
        pytest.param({"status": 200}, "ok", id="ok"),
        pytest.param({"status": 403}, "ok", id="forbidden-is-not-broken"),
        pytest.param({"status": "404"}, "unchecked", id="bad-type"),
        pytest.param({"status": 0}, "unchecked", id="no-status"),
        pytest.param(
            {"status": 200, "error": "dns", "checked_at": datetime(2026, 1, 1), "fetched_at": datetime(2026, 2, 1)},
            "ok",
            id="crawled-after-a-failed-check",
        ),
        pytest.param(
            {"status": 200, "error": "dns", "checked_at": datetime(2026, 3, 1), "fetched_at": datetime(2026, 2, 1)},
            "dns",
            id="check-failed-after-the-crawl",
        ),
    ],
)
def test_target_state(page, want) -> None:
    assert target_state(page) == want


def _state(key: str, known_pages: set[str]) -> str:
    for url, (_, state) in PAGE_STATES.items():
        if url_key(url) == key:
            return state
    return "ok" if key in known_pages else "unchecked"


def test_broken_matches_python(states_db, edge_set: EdgeSet) -> None:
    known = {p["_id"] for p in edge_set.pages}
    live = [
        e for e in edge_set.edges if e["target_domain"] == TARGET and not e["internal"] and e.get("lost_at") is None
    ]
    by_page: dict[str, list[dict]] = defaultdict(list)
    for e in live:
        by_page[e["target_key"]].append(e)
    pages = Counter()
    links = Counter()
    for key, es in by_page.items():
        pages[_state(key, known)] += 1
        links[_state(key, known)] += len(es)
    got = run_broken(states_db, Target("domain", TARGET), limit=0, examples=2)
    assert got["target_pages"] == len(by_page)
    assert got["pages_by_state"] == {s: pages.get(s, 0) for s in STATES}
    assert got["links_by_state"] == {s: links.get(s, 0) for s in STATES}
    broken_keys = {k for k in by_page if _state(k, known) in BROKEN_STATES}
    assert len(broken_keys) >= 4
    assert {b["target_key"] for b in got["broken"]} == broken_keys
    assert got["broken_links"] == sum(len(by_page[k]) for k in broken_keys)
    assert got["unchecked_pages"] == pages["unchecked"] >= 1
    for b in got["broken"]:
        es = by_page[b["target_key"]]
        assert b["state"] == _state(b["target_key"], known)
        assert b["links"] == len(es)
        assert b["referring_domains"] == len({e["source_domain"] for e in es})
        want = sorted(es, key=lambda e: (e["source_url"], e["anchor_text"]))[:2]
        assert [(x["source_url"], x["anchor_text"], x["placement"]) for x in b["examples"]] == [
            (e["source_url"], e["anchor_text"], e["placement"]) for e in want
        ]
    order = [(-b["links"], b["target_key"]) for b in got["broken"]]
    assert order == sorted(order)


def test_broken_unknown_target_and_empty_store(states_db, mongo_client) -> None:
    got = run_broken(states_db, Target("domain", "nobody.example"))
    assert (got["target_pages"], got["broken"], got["broken_links"]) == (0, [], 0)
    empty = mongo_client["test_empty_broken"]
    assert run_broken(empty, Target("domain", TARGET))["target_pages"] == 0


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(Target("domain", "ref3.com"), id="domain"),
        pytest.param(Target("domain", "sitewide-a.com"), id="sitewide-domain"),
        pytest.param(Target("domain", TARGET), id="target-site-links-out"),
    ],
)
def test_outgoing_matches_python(states_db, edge_set: EdgeSet, source: Target) -> None:
    known = {p["_id"] for p in edge_set.pages}
    live = [
        e
        for e in edge_set.edges
        if e["source_domain"] == source.value and not e["internal"] and e.get("lost_at") is None
    ]
    assert live
    got = run_outgoing(states_db, source, limit=0)
    assert got["links"] == len(live)
    pages: dict[str, list[dict]] = defaultdict(list)
    for e in live:
        pages[e["target_key"]].append(e)
    assert got["linked_pages"] == len(pages)
    assert got["linked_domains"] == len({e["target_domain"] for e in live})
    for row in got["pages"]:
        es = pages[row["target_key"]]
        assert row["links"] == len(es)
        assert row["followed"] == sum(not (e["nofollow"] or e["sponsored"] or e["ugc"]) for e in es)
        for flag in ("nofollow", "sponsored", "ugc"):
            assert row[flag] == sum(e[flag] for e in es)
        assert row["placements"] == sorted({e["placement"] for e in es})
        assert row["source_pages"] == len({e["source_key"] for e in es})
        assert row["state"] == _state(row["target_key"], known)
        assert row["broken"] == (row["state"] in BROKEN_STATES)
    for d in got["domains"]:
        es = [e for e in live if e["target_domain"] == d["domain"]]
        assert d["links"] == len(es)
        assert d["pages"] == len({e["target_key"] for e in es})
        assert d["broken_pages"] == sum(
            _state(k, known) in BROKEN_STATES for k in {e["target_key"] for e in es}
        )
    assert got["broken_pages"] == sum(_state(k, known) in BROKEN_STATES for k in pages)


def test_outgoing_marks_broken(states_db) -> None:
    """The referrers link to the broken target pages: some outgoing report must mark them."""
    reports = [run_outgoing(states_db, Target("domain", f"ref{i}.com"), limit=0) for i in range(18)]
    marked = {p["target_key"] for r in reports for p in r["pages"] if p["broken"]}
    assert marked and marked <= {url_key(u) for u, (_, s) in PAGE_STATES.items() if s in BROKEN_STATES}


def test_outgoing_one_page(states_db, edge_set: EdgeSet) -> None:
    edge = next(e for e in edge_set.edges if not e["internal"] and e.get("lost_at") is None)
    live = [
        e for e in edge_set.edges if e["source_key"] == edge["source_key"] and not e["internal"]
        and e.get("lost_at") is None
    ]
    got = run_outgoing(states_db, Target("url", edge["source_key"]), limit=0)
    assert got["links"] == len(live)
