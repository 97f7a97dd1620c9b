"""``report html``: one self-contained HTML page with inline SVG charts for a target.

No JavaScript, no external CSS, fonts or images: the file works offline and can be mailed or
archived as is. Every text from the crawl (anchors, URLs, domains) is HTML-escaped, since anchors
are whatever the crawled pages said.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import Any

from linkspider.reports.backlinks import backlinks_scope

__all__ = ["bar_chart", "day_series", "donut_chart", "render_html", "timeline_chart"]

GREEN = "#2e7d32"
RED = "#c62828"
BLUE = "#1565c0"
PALETTE = ("#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#9e9e9e")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:980px;
color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem}
.card b{display:block;font-size:1.3rem}figure{margin:1rem 0}svg text{font-size:12px;fill:#333}
table{border-collapse:collapse}td,th{padding:.15rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right}.muted{color:#777}
"""


def _t(value: Any) -> str:
    return escape(str(value), quote=True)


def _short(text: str, n: int = 48) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def bar_chart(items: Sequence[tuple[str, int]], *, chart_id: str, title: str, color: str = BLUE) -> str:
    """Horizontal bars, one per ``(label, count)``, longest first as given."""
    row_h, label_w, bar_w, pad = 22, 300, 520, 60
    height = max(1, len(items)) * row_h + 10
    peak = max((c for _, c in items), default=0) or 1
    out = [
        f'<svg id="{_t(chart_id)}" class="chart bar" role="img" '
        f'viewBox="0 0 {label_w + bar_w + pad} {height}" width="100%">',
        f"<title>{_t(title)}</title>",
    ]
    if not items:
        out.append('<text x="0" y="15" class="muted">no links</text>')
    for i, (label, count) in enumerate(items):
        y = i * row_h + 5
        w = max(1.0, bar_w * count / peak) if count else 0
        shown = _short(label) if label != "" else "(empty)"
        out.append(
            f'<g class="bar-row"><text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{_t(shown)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{color}">'
            f"<title>{_t(label)}: {count}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + 14}">{count}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def donut_chart(parts: Sequence[tuple[str, int]], *, chart_id: str, title: str) -> str:
    """A donut of ``(label, count)`` parts with a legend; the first part's share is printed in the middle."""
    total = sum(c for _, c in parts)
    r, cx, cy, stroke = 70, 100, 100, 36
    circ = 2 * 3.141592653589793 * r
    out = [
        f'<svg id="{_t(chart_id)}" class="chart donut" role="img" viewBox="0 0 520 200" width="520" height="200">',
        f"<title>{_t(title)}</title>",
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#eee" stroke-width="{stroke}"/>',
    ]
    offset = 0.0
    for i, (label, count) in enumerate(parts):
        if total and count:
            length = circ * count / total
            out.append(
                f'<circle class="slice" cx="{cx}" cy="{cy}" r="{r}" fill="none" '
                f'stroke="{PALETTE[i % len(PALETTE)]}" '
                f'stroke-width="{stroke}" stroke-dasharray="{length:.2f} {circ - length:.2f}" '
                f'stroke-dashoffset="{-offset if offset else 0:.2f}" transform="rotate(-90 {cx} {cy})">'
                f"<title>{_t(label)}: {count}</title></circle>"
            )
            offset += length
        out.append(
            f'<rect x="230" y="{30 + i * 26}" width="14" height="14" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="252" y="{42 + i * 26}">{_t(label)}: {count}'
            f"{f' ({100 * count / total:.1f}%)' if total else ''}</text>"
        )
    first = f"{100 * parts[0][1] / total:.0f}%" if total and parts else "–"
    out.append(f'<text x="{cx}" y="{cy + 6}" text-anchor="middle" style="font-size:20px">{first}</text></svg>')
    return "".join(out)


def day_series(new_by_day: dict[str, int], lost_by_day: dict[str, int]) -> list[tuple[str, int, int]]:
    """``(day, new, lost)`` for each UTC day from the first to the last with an event (zeros filled in)."""
    days = sorted(set(new_by_day) | set(lost_by_day))
    if not days:
        return []
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    out = []
    day = first
    while day <= last:
        key = day.isoformat()
        out.append((key, new_by_day.get(key, 0), lost_by_day.get(key, 0)))
        day += timedelta(days=1)
    return out


def timeline_chart(series: Sequence[tuple[str, int, int]], *, chart_id: str, title: str) -> str:
    """New links per day as bars above the axis, lost links below it."""
    width, half, left, bottom = 900, 110, 50, 30
    height = 2 * half + bottom + 10
    peak = max([max(n, lo) for _, n, lo in series] + [1])
    step = (width - left - 10) / max(1, len(series))
    axis = 10 + half
    out = [
        f'<svg id="{_t(chart_id)}" class="chart timeline" role="img" viewBox="0 0 {width} {height}" width="100%">',
        f"<title>{_t(title)}</title>",
        f'<line x1="{left}" y1="{axis}" x2="{width - 10}" y2="{axis}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{axis - half + 10}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 6}" y="{axis + half}" text-anchor="end">{peak}</text>',
    ]
    if not series:
        out.append(f'<text x="{left + 10}" y="{axis - 10}" class="muted">no new or lost links</text>')
    label_every = max(1, len(series) // 8)
    for i, (day, new, lost) in enumerate(series):
        x = left + i * step
        w = max(1.0, step * 0.8)
        if new:
            h = half * new / peak
            out.append(
                f'<rect class="new" x="{x:.1f}" y="{axis - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{GREEN}"><title>{day}: {new} new</title></rect>'
            )
        if lost:
            h = half * lost / peak
            out.append(
                f'<rect class="lost" x="{x:.1f}" y="{axis:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{RED}"><title>{day}: {lost} lost</title></rect>'
            )
        if i % label_every == 0:
            out.append(f'<text x="{x:.1f}" y="{height - 8}">{day}</text>')
    out.append("</svg>")
    return "".join(out)


def _cards(items: Sequence[tuple[str, Any]]) -> str:
    return (
        '<div class="cards">' + "".join(f'<div class="card"><b>{_t(v)}</b>{_t(k)}</div>' for k, v in items) + "</div>"
    )


def render_html(
    backlinks: dict[str, Any],
    new_lost: dict[str, Any],
    *,
    generated_at: datetime | None = None,
    anchor_profile: dict[str, Any] | None = None,
    broken: dict[str, Any] | None = None,
    outgoing: dict[str, Any] | None = None,
    gap: dict[str, Any] | None = None,
) -> str:
    """The page: totals, anchor distribution, dofollow share, placements, link types, new vs lost by day,
    then a section for each workflow report given (anchor profile, broken backlinks, outgoing links, link gap)."""
    generated_at = generated_at or datetime.now(timezone.utc)
    target = backlinks["target"]
    total = backlinks["backlinks"]
    flagged = total - backlinks["dofollow"]
    anchors = [(r["value"], r["count"]) for r in backlinks["top_anchors"]]
    series = day_series(new_lost["new_by_day"], new_lost["lost_by_day"])
    scope = backlinks_scope(backlinks)
    sections = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Backlinks of {_t(target['value'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>Backlinks of {_t(target['kind'])} {_t(target['value'])}</h1>",
        f'<p class="muted">Generated {_t(generated_at.strftime("%Y-%m-%d %H:%M UTC"))} by linkspider; '
        f"counts over {scope} from other registered domains.</p>",
        _cards(
            [
                ("backlinks", total),
                ("referring pages", backlinks["referring_pages"]),
                ("referring domains", backlinks["referring_domains"]),
                ("dofollow", backlinks["dofollow"]),
                ("sitewide links", backlinks["sitewide"]),
            ]
        ),
        "<h2>Anchor distribution</h2>",
        f"<figure>{bar_chart(anchors, chart_id='chart-anchors', title='Top anchors')}</figure>",
        "<h2>Dofollow share</h2>",
        "<figure>"
        + donut_chart(
            [("dofollow", backlinks["dofollow"]), ("nofollow / sponsored / ugc", flagged)],
            chart_id="chart-dofollow",
            title="Dofollow share",
        )
        + "</figure>",
        bar_chart(
            [
                ("nofollow", backlinks["nofollow"]),
                ("sponsored", backlinks["sponsored"]),
                ("ugc", backlinks["ugc"]),
            ],
            chart_id="chart-rel",
            title="rel flags (a link can carry several)",
            color="#ef6c00",
        ),
        "<h2>Placements</h2>",
        "<figure>"
        + bar_chart(list(backlinks["placements"].items()), chart_id="chart-placements", title="Placements")
        + "</figure>",
        "<h2>Link types</h2>",
        "<figure>"
        + bar_chart(list(backlinks["link_types"].items()), chart_id="chart-link-types", title="Link types")
        + "</figure>",
        "<h2>New vs lost links by day</h2>",
        f'<p class="muted">{new_lost["new"]} new, {new_lost["lost"]} lost (green above the line: new; '
        "red below: lost; UTC days).</p>",
        "<figure>" + timeline_chart(series, chart_id="chart-timeline", title="New vs lost links by day") + "</figure>",
        "<h2>Top referring domains</h2>",
        _list_table("referring domain", backlinks["top_referring_domains"]),
        "<h2>Top target pages</h2>",
        _list_table("page", backlinks["top_pages"]),
        *(_anchor_section(anchor_profile) if anchor_profile else []),
        *(_broken_section(broken) if broken else []),
        *(_outgoing_section(outgoing) if outgoing else []),
        *(_gap_section(gap) if gap else []),
        "</body></html>",
    ]
    return "\n".join(sections) + "\n"


def _list_table(header: str, rows: Sequence[dict[str, Any]]) -> str:
    body = "".join(f'<tr><td>{_t(r["value"])}</td><td class="n">{r["count"]}</td></tr>' for r in rows)
    return f"<table><tr><th>{_t(header)}</th><th>links</th></tr>{body}</table>"


def _rows_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_t(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_t(v)}</td>' if isinstance(v, (int, float)) else f"<td>{_t(_short(str(v), 80))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _anchor_section(report: dict[str, Any]) -> list[str]:
    parts = [
        "<h2>Anchor profile</h2>",
        f'<p class="muted">Brand name {_t(report["brand"])!s}; a high share of "other" (keyword) anchors '
        "is the over-optimized profile.</p>",
        "<figure>"
        + donut_chart(
            [(c["class"], c["links"]) for c in report["classes"]],
            chart_id="chart-anchor-classes",
            title="Anchor classes",
        )
        + "</figure>",
    ]
    for c in report["classes"]:
        if c["top_anchors"]:
            parts.append(_list_table(f"{c['class']} anchor", c["top_anchors"]))
    return parts


def _broken_section(report: dict[str, Any]) -> list[str]:
    rows = [
        (b["target_url"], b["state"], b["status"] or "", b["links"], (b["examples"] or [{}])[0].get("source_url", ""))
        for b in report["broken"]
    ]
    return [
        "<h2>Broken backlinks</h2>",
        f'<p class="muted">{report["broken_links"]} live links to {report["broken_pages"]} broken pages; '
        f"{report['unchecked_pages']} of {report['target_pages']} target pages never checked "
        "(<code>linkspider check-targets</code>).</p>",
        _rows_table(("target page", "state", "status", "links", "example referring page"), rows),
    ]


def _outgoing_section(report: dict[str, Any]) -> list[str]:
    rows = [(d["domain"], d["links"], d["followed"], d["pages"], d["broken_pages"]) for d in report["domains"]]
    return [
        "<h2>Outgoing links</h2>",
        f'<p class="muted">{report["links"]} live external links to {report["linked_domains"]} domains; '
        f"{report['broken_pages']} broken target pages.</p>",
        _rows_table(("linked domain", "links", "followed", "pages", "broken pages"), rows),
    ]


def _gap_section(report: dict[str, Any]) -> list[str]:
    comps = report["competitors"]
    rows = [
        (r["referring_domain"], r["competitors"], *[r["per_competitor"].get(c, {}).get("links", 0) for c in comps])
        for r in report["rows"]
    ]
    return [
        "<h2>Link gap</h2>",
        f'<p class="muted">{report["referring_domains"]} referring domains link to at least '
        f"{report['min_competitors']} of {_t(', '.join(comps))} but not to {_t(report['target'])}.</p>",
        _rows_table(("referring domain", "competitors", *comps), rows),
    ]
