"""Anchor classes: the rule on a table of real anchors, the report against counts made in Python."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from linkspider.domains import brand_name
from linkspider.reports.anchors import ANCHOR_CLASSES, classify_anchor
from linkspider.reports.runner import ReportSettings, run_anchors
from linkspider.reports.targets import Target
from tests.reports.edgegen import TARGET, EdgeSet


@pytest.mark.parametrize(
    ("text", "brand", "link_type", "want"),
    [
        pytest.param("", "target", "img", "image_or_empty", id="image-no-text"),
        pytest.param("   ", "target", "a", "image_or_empty", id="whitespace"),
        pytest.param(None, "target", "a", "image_or_empty", id="missing"),
        pytest.param("https://www.target.com/p/1", "target", "a", "naked_url", id="full-url"),
        pytest.param("www.target.com", "target", "a", "naked_url", id="www-host"),
        pytest.param("Target.com", "target", "a", "naked_url", id="bare-domain"),
        pytest.param("example.co.uk/shop?x=1", "example", "a", "naked_url", id="domain-with-path"),
        pytest.param("Target", "target", "a", "brand", id="brand-exact"),
        pytest.param("the TARGET store", "target", "a", "brand", id="brand-inside"),
        pytest.param("BBC-News", "bbc", "a", "brand", id="brand-with-punctuation"),
        pytest.param("Tar get", "target", "a", "brand", id="brand-spaced"),
        pytest.param("click here", "target", "a", "generic", id="click-here"),
        pytest.param("Read more »", "target", "a", "generic", id="read-more-punctuation"),
        pytest.param("HERE", "target", "a", "generic", id="here-upper"),
        pytest.param("hier klicken", "target", "a", "generic", id="german"),
        pytest.param("en savoir plus", "target", "a", "generic", id="french"),
        pytest.param("leer más", "target", "a", "generic", id="spanish"),
        pytest.param("best cheap widgets", "target", "a", "other", id="keyword"),
        pytest.param("click here for cheap widgets", "target", "a", "other", id="generic-words-in-keyword"),
        pytest.param("»", "target", "a", "other", id="punctuation-only"),
        pytest.param("»", "target", "img", "image_or_empty", id="image-punctuation-only"),
        pytest.param("widgets", "", "a", "other", id="ip-domain-has-no-brand"),
        pytest.param("3.14 widgets", "target", "a", "other", id="number-is-not-a-url"),
    ],
)
def test_classify_anchor(text, brand, link_type, want) -> None:
    assert classify_anchor(text, brand=brand, link_type=link_type) == want


@pytest.mark.parametrize(
    ("domain", "want"),
    [
        pytest.param("target.com", "target", id="com"),
        pytest.param("bbc.co.uk", "bbc", id="co-uk"),
        pytest.param("alice.github.io", "alice", id="private-suffix"),
        pytest.param("192.0.2.7", "", id="ip"),
        pytest.param("site.test", "site", id="unlisted-suffix"),
    ],
)
def test_brand_name(domain, want) -> None:
    assert brand_name(domain) == want


def expected_profile(edge_set: EdgeSet, target: Target, *, followed: bool, include_lost: bool = False,
                     min_body_score: float | None = None):
    field = "target_domain" if target.kind == "domain" else "target_key"
    links = [
        e
        for e in edge_set.edges
        if e[field] == target.value
        and not e["internal"]
        and (include_lost or e.get("lost_at") is None)
        and not (followed and (e["nofollow"] or e["sponsored"] or e["ugc"]))
        and (min_body_score is None or e.get("body_score", -1.0) >= min_body_score)
    ]
    per_class: dict[str, Counter[str]] = defaultdict(Counter)
    for e in links:
        cls = classify_anchor(e["anchor_text"], brand="target", link_type=e["link_type"])
        per_class[cls][e["anchor_text"] or e["alt"] or ""] += 1
    return len(links), per_class


@pytest.mark.parametrize(
    ("target", "followed", "include_lost"),
    [
        pytest.param(Target("domain", TARGET), False, False, id="domain"),
        pytest.param(Target("domain", TARGET), True, False, id="followed"),
        pytest.param(Target("domain", TARGET), False, True, id="with-lost"),
        pytest.param(Target("url", "https://www.target.com/p/1"), False, False, id="one-page"),
    ],
)
def test_anchor_profile_matches_python(report_db, edge_set: EdgeSet, target, followed, include_lost) -> None:
    top = 3
    total, per_class = expected_profile(edge_set, target, followed=followed, include_lost=include_lost)
    got = run_anchors(report_db, target, ReportSettings(top=top), followed=followed, include_lost=include_lost)
    assert got["brand"] == "target"
    assert got["links"] == total > 0
    assert [c["class"] for c in got["classes"]] == list(ANCHOR_CLASSES)
    seen = 0
    for c in got["classes"]:
        want = per_class.get(c["class"], Counter())
        assert c["links"] == sum(want.values()), c["class"]
        assert c["share"] == pytest.approx(sum(want.values()) / total)
        assert c["distinct_anchors"] == len(want)
        ranked = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        assert [(a["value"], a["count"]) for a in c["top_anchors"]] == ranked
        seen += c["links"] > 0
    assert seen >= 3  # the generated anchors cover several classes, even for one page
    assert sum(c["share"] for c in got["classes"]) == pytest.approx(1.0)


@pytest.mark.parametrize("min_body_score", [0.0, 0.5, 0.95])
def test_editorial_anchor_profile_matches_python(report_db, edge_set: EdgeSet, min_body_score: float) -> None:
    target = Target("domain", TARGET)
    total, per_class = expected_profile(edge_set, target, followed=False, min_body_score=min_body_score)
    got = run_anchors(report_db, target, ReportSettings(top=3), min_body_score=min_body_score)
    assert got["links"] == total > 0 and got["min_body_score"] == min_body_score
    assert {c["class"]: c["links"] for c in got["classes"]} == {
        cls: sum(per_class.get(cls, Counter()).values()) for cls in ANCHOR_CLASSES}
    assert total < expected_profile(edge_set, target, followed=False)[0]  # unscored links never count


def test_anchor_profile_unknown_target(report_db) -> None:
    got = run_anchors(report_db, Target("domain", "nobody.example"), ReportSettings())
    assert got["links"] == 0
    assert all(c["links"] == 0 and c["share"] == 0.0 and c["top_anchors"] == [] for c in got["classes"])
