"""``report html``: one self-contained page whose charts carry the report's numbers."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from linkspider.cli import main
from linkspider.reports.html import bar_chart, day_series, donut_chart, render_html, timeline_chart
from linkspider.reports.targets import Target
from tests.reports.edgegen import TARGET, EdgeSet
from tests.reports.test_backlinks import expected_backlinks


class _Elements(HTMLParser):
    """Collects (tag, attrs) of every element, and the text, to look at the page as a browser would."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def _svg(page: str, chart_id: str) -> str:
    match = re.search(rf'<svg id="{chart_id}".*?</svg>', page, re.S)
    assert match, chart_id
    return match.group(0)


@pytest.fixture
def page(report_db, mongo_uri: str, tmp_path) -> str:
    out = tmp_path / "sub" / "report.html"
    code = main(
        [
            "report",
            "html",
            "--target",
            TARGET,
            "--html",
            str(out),
            "--top",
            "6",
            "--mongo-uri",
            mongo_uri,
            "--database",
            report_db.name,
        ]
    )
    assert code == 0
    return out.read_text(encoding="utf-8")


def test_page_has_every_chart_with_the_numbers(page: str, edge_set: EdgeSet) -> None:
    want = expected_backlinks(edge_set, Target("domain", TARGET), include_lost=False, top=6)
    anchors = _svg(page, "chart-anchors")
    assert anchors.count('class="bar-row"') == 6
    top = want["top_anchors"]
    titles = re.findall(r"<rect [^>]*><title>(.*?)</title>", anchors)
    assert titles == [f"{_esc(a['value'])}: {a['count']}" for a in top]

    dofollow = _svg(page, "chart-dofollow")
    assert f"dofollow: {want['dofollow']}" in dofollow
    assert f"nofollow / sponsored / ugc: {want['backlinks'] - want['dofollow']}" in dofollow
    assert f"{100 * want['dofollow'] / want['backlinks']:.0f}%" in dofollow

    placements = _svg(page, "chart-placements")
    for name, count in want["placements"].items():
        assert f"<title>{name}: {count}</title>" in placements, name

    timeline = _svg(page, "chart-timeline")
    external = [e for e in edge_set.edges if not e["internal"] and e["target_domain"] == TARGET]
    new = Counter(e["first_seen"].strftime("%Y-%m-%d") for e in external)
    lost = Counter(e["lost_at"].strftime("%Y-%m-%d") for e in external if e.get("lost_at"))
    assert sorted(re.findall(r"<title>(\S+): (\d+) new</title>", timeline)) == sorted(
        (d, str(n)) for d, n in new.items()
    )
    assert sorted(re.findall(r"<title>(\S+): (\d+) lost</title>", timeline)) == sorted(
        (d, str(n)) for d, n in lost.items()
    )


def _esc(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def test_page_is_self_contained_and_escapes_anchors(page: str) -> None:
    parser = _Elements()
    parser.feed(page)
    tags = [t for t, _ in parser.elements]
    assert "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    assert tags.count("svg") >= 5
    for _, attrs in parser.elements:
        for name, value in attrs.items():
            assert not (name in ("src", "href") or (value or "").startswith(("http:", "https:", "//"))), (
                name,
                value,
            )
    assert "url(" not in page and "@import" not in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page  # the anchor is text, not markup


def test_hostile_text_is_escaped_everywhere() -> None:
    evil = '<script>alert("x")</script>'
    backlinks = {
        "target": {"kind": "url", "value": 'https://a.com/"><script>'},
        "include_lost": False,
        "backlinks": 2,
        "referring_pages": 1,
        "referring_domains": 1,
        "dofollow": 1,
        "nofollow": 1,
        "sponsored": 0,
        "ugc": 0,
        "sitewide": 0,
        "placements": {evil: 2},
        "link_types": {"a": 2},
        "top_anchors": [{"value": evil, "count": 2}],
        "top_pages": [{"value": evil, "count": 2}],
        "top_referring_domains": [{"value": evil, "count": 2}],
    }
    timeline = {"new": 0, "lost": 0, "new_by_day": {}, "lost_by_day": {}}
    page = render_html(backlinks, timeline)
    parser = _Elements()
    parser.feed(page)
    assert "script" not in [t for t, _ in parser.elements]
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 4


@pytest.mark.parametrize(
    ("new", "lost", "want"),
    [
        pytest.param({}, {}, [], id="empty"),
        pytest.param(
            {"2026-02-27": 2},
            {"2026-03-02": 1},
            [("2026-02-27", 2, 0), ("2026-02-28", 0, 0), ("2026-03-01", 0, 0), ("2026-03-02", 0, 1)],
            id="gap-over-month-end",
        ),
        pytest.param({"2026-01-01": 1}, {"2026-01-01": 3}, [("2026-01-01", 1, 3)], id="same-day"),
    ],
)
def test_day_series_fills_gaps(new, lost, want) -> None:
    assert day_series(new, lost) == want


def test_charts_scale_to_the_largest_value() -> None:
    svg = bar_chart([("a", 10), ("b", 5)], chart_id="c", title="t")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == pytest.approx(2 * widths[1])
    donut = donut_chart([("x", 1), ("y", 3)], chart_id="d", title="t")
    assert "25%" in donut and donut.count('class="slice"') == 2
    timeline = timeline_chart([("2026-01-01", 4, 0), ("2026-01-02", 0, 2)], chart_id="t", title="t")
    heights = [float(h) for h in re.findall(r'class="(?:new|lost)"[^>]*height="([\d.]+)"', timeline)]
    assert heights[0] == pytest.approx(2 * heights[1])


def test_every_chart_is_well_formed_svg(page: str) -> None:
    import xml.etree.ElementTree as ET

    charts = re.findall(r'<svg id=".*?</svg>', page, re.S)
    assert len(charts) == 7  # six backlink charts and the anchor classes
    for svg in charts:
        root = ET.fromstring(svg)
        assert root.tag == "svg" and root.find("title") is not None


def test_workflow_sections(states_db, mongo_uri: str, tmp_path) -> None:
    """Anchor profile, broken backlinks, outgoing links and (with --competitors) link gap, with their numbers."""
    from linkspider.reports.runner import ReportSettings, run_anchors, run_broken, run_gap, run_outgoing
    from linkspider.reports.targets import Target

    out = tmp_path / "r.html"
    argv = ["report", "html", "--target", TARGET, "--html", str(out), "--competitors", "other-target.org,ref3.com",
            "--mongo-uri", mongo_uri, "--database", states_db.name]
    assert main(argv) == 0
    page = out.read_text(encoding="utf-8")
    target = Target("domain", TARGET)
    for heading in ("Anchor profile", "Broken backlinks", "Outgoing links", "Link gap"):
        assert f"<h2>{heading}</h2>" in page
    anchors = run_anchors(states_db, target, ReportSettings())
    for c in anchors["classes"]:
        if c["links"]:
            assert f"<title>{c['class']}: {c['links']}" in page, c["class"]
    broken = run_broken(states_db, target)
    assert f"{broken['broken_links']} live links to {broken['broken_pages']} broken pages" in page
    assert broken["broken_pages"] > 0 and all(b["target_url"] in page for b in broken["broken"])
    outgoing = run_outgoing(states_db, target)
    assert f"{outgoing['links']} live external links to {outgoing['linked_domains']} domains" in page
    gap = run_gap(states_db, ["other-target.org", "ref3.com"], TARGET, limit=50)
    assert f"{gap['referring_domains']} referring domains link to at least 1" in page
