"""Render report objects as a terminal table, JSON or CSV.

JSON is the stable contract for scripts (datetimes as ISO 8601 strings). CSV is long-form, one
row per number, so every report fits one rectangular file; the table is for people.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from linkspider.reports.backlinks import backlinks_scope
from linkspider.reports.targets import editorial_words

__all__ = ["FORMATS", "render", "table", "to_json"]

FORMATS = ("table", "json", "csv")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, default=_jsonable) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    return " ".join(text.split())  # no newlines or tabs from hostile anchors in a terminal table


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, max_width: int = 60) -> str:
    """A plain aligned text table (numbers right-aligned); long cells are cut with an ellipsis."""
    body = [[_cell(v) for v in row] for row in rows]
    body = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in body]
    numeric = [all(_is_number(r[i]) for r in body) and bool(body) for i in range(len(headers))]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    return "\n".join(out) + "\n"


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime) else v for v in row])
    return buf.getvalue()


# --- backlinks ---------------------------------------------------------------------------

_TOTALS = (
    "backlinks",
    "referring_pages",
    "referring_domains",
    "dofollow",
    "nofollow",
    "sponsored",
    "ugc",
    "sitewide",
    "sitewide_domains",
)
_LISTS = ("top_anchors", "top_pages", "top_referring_domains", "sitewide_referring_domains")


def _backlinks_rows(report: dict[str, Any]) -> list[tuple[str, Any, int]]:
    rows: list[tuple[str, Any, int]] = [("totals", key, report[key]) for key in _TOTALS]
    for section in ("placements", "link_types"):
        rows += [(section, k, v) for k, v in report[section].items()]
    for section in _LISTS:
        rows += [(section, r["value"], r["count"]) for r in report[section]]
    return rows


def _backlinks_table(report: dict[str, Any]) -> str:
    t = report["target"]
    parts = [f"Backlinks of {t['kind']} {t['value']} ({backlinks_scope(report)})\n"]
    parts.append(table(["metric", "count"], [(k, report[k]) for k in _TOTALS]))
    for section in ("placements", "link_types"):
        parts.append(table([section.rstrip("s").replace("_", " "), "count"], report[section].items()))
    titles = {
        "top_anchors": "anchor",
        "top_pages": "target page",
        "top_referring_domains": "referring domain",
        "sitewide_referring_domains": "sitewide domain",
    }
    for section in _LISTS:
        if report[section]:
            parts.append(table([titles[section], "count"], [(r["value"], r["count"]) for r in report[section]]))
    return "\n".join(parts)


# --- new-lost ----------------------------------------------------------------------------

_LINK_COLUMNS = (
    "event",
    "date",
    "source_url",
    "target_url",
    "anchor_text",
    "link_type",
    "placement",
    "nofollow",
    "sponsored",
    "ugc",
    "lost_reason",
)


def _new_lost_link_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for event, field in (("new", "first_seen"), ("lost", "lost_at")):
        for link in report[f"{event}_links"]:
            rows.append([event, link.get(field)] + [link.get(c) for c in _LINK_COLUMNS[2:]])
    return rows


def _new_lost_table(report: dict[str, Any]) -> str:
    t = report["target"]
    since = _cell(report["since"]) or "the beginning"
    window = f"from {since} until {_cell(report['until']) or 'now'} (exclusive)"
    head = f"New and lost backlinks of {t['kind'] + ' ' + t['value'] if t else 'all targets'}, {window}\n"
    parts = [head, table(["event", "links"], [("new", report["new"]), ("lost", report["lost"])])]
    days = sorted(set(report["new_by_day"]) | set(report["lost_by_day"]))
    if days:
        parts.append(
            table(
                ["day", "new", "lost"],
                [(d, report["new_by_day"].get(d, 0), report["lost_by_day"].get(d, 0)) for d in days],
            )
        )
    rows = _new_lost_link_rows(report)
    if rows:
        cols = ("event", "date", "source_url", "target_url", "anchor_text", "lost_reason")
        idx = [_LINK_COLUMNS.index(c) for c in cols]
        parts.append(table(cols, [[r[i] for i in idx] for r in rows], max_width=50))
    return "\n".join(parts)


# --- domains -----------------------------------------------------------------------------

_RANK_COLUMNS = ("rank", "domain", "pagerank", "referring_domains", "backlinks", "linked_domains")
_GRAPH_COLUMNS = ("source_domain", "target_domain", "links")


def _domains_table(report: dict[str, Any]) -> str:
    if "graph" in report:
        shown = len(report["graph"])
        head = f"Domain graph: {shown} of {report['domain_links']} domain links, most links first\n"
        return head + table(_GRAPH_COLUMNS, [[r[c] for c in _GRAPH_COLUMNS] for r in report["graph"]])
    head = (
        f"Domain ranking by {report['by']} over {report['domains']} domains and {report['domain_links']} "
        f"domain links (PageRank, damping {report['damping']}, every live external link counts)\n"
    )
    return head + table(_RANK_COLUMNS, [[r[c] for c in _RANK_COLUMNS] for r in report["ranking"]])


# --- gap ---------------------------------------------------------------------------------


def _gap_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per (gap domain, competitor it links to), with that competitor's example link."""
    rows = []
    for r in report["rows"]:
        for comp, item in r["per_competitor"].items():
            ex = item["example"]
            rows.append(
                [
                    r["referring_domain"],
                    r["competitors"],
                    r["links"],
                    comp,
                    item["links"],
                    ex.get("source_url"),
                    ex.get("target_url"),
                    ex.get("anchor_text"),
                ]
            )
    return rows


_GAP_COLUMNS = (
    "referring_domain",
    "competitors",
    "links",
    "competitor",
    "competitor_links",
    "example_source_url",
    "example_target_url",
    "example_anchor",
)


def _only(report: dict[str, Any]) -> str:
    """" (followed links only, body score >= S)": the link filters a report was run with."""
    words = ["followed links only"] if report.get("followed_only") else []
    if report.get("min_body_score") is not None:
        words.append(editorial_words(report["min_body_score"]))
    return f" ({', '.join(words)})" if words else ""


def _gap_table(report: dict[str, Any]) -> str:
    comps = report["competitors"]
    followed = _only(report)
    head = (
        f"Link gap for {report['target']}: {report['referring_domains']} referring domains link to at least "
        f"{report['min_competitors']} of {', '.join(comps)} but not to {report['target']}{followed}\n"
    )
    rows = [
        [r["referring_domain"], r["competitors"], r["links"]]
        + [r["per_competitor"].get(c, {}).get("links", 0) for c in comps]
        + [next(iter(r["per_competitor"].values()))["example"].get("source_url")]
        for r in report["rows"]
    ]
    return head + table(["referring domain", "competitors", "links", *comps, "example link"], rows)


# --- broken -------------------------------------------------------------------------------

_BROKEN_COLUMNS = (
    "target_url",
    "state",
    "status",
    "links",
    "referring_domains",
    "source_url",
    "anchor_text",
    "placement",
    "nofollow",
    "sponsored",
    "ugc",
)


def _broken_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per example link of each broken target page."""
    rows = []
    for b in report["broken"]:
        head = [b["target_url"], b["state"], b["status"], b["links"], b["referring_domains"]]
        for e in b["examples"] or [{}]:
            rows.append(
                head
                + [
                    e.get("source_url"),
                    e.get("anchor_text") or e.get("alt"),
                    e.get("placement"),
                    e.get("nofollow"),
                    e.get("sponsored"),
                    e.get("ugc"),
                ]
            )
    return rows


def _broken_table(report: dict[str, Any]) -> str:
    t = report["target"]
    head = (
        f"Broken backlinks of {t['kind']} {t['value']}: {report['broken_links']} live links to "
        f"{report['broken_pages']} broken pages; {report['unchecked_pages']} of {report['target_pages']} "
        "target pages never checked (linkspider check-targets)\n"
    )
    states = table(
        ["state", "pages", "links"],
        [(s, report["pages_by_state"][s], report["links_by_state"][s]) for s in report["pages_by_state"]],
    )
    cols = ("target_url", "state", "status", "links", "source_url", "anchor_text", "placement")
    idx = [_BROKEN_COLUMNS.index(c) for c in cols]
    rows = _broken_rows(report)
    links = table(cols, [[r[i] for i in idx] for r in rows], max_width=50) if rows else ""
    return "\n".join(p for p in (head, states, links) if p)


# --- outgoing -----------------------------------------------------------------------------

_OUT_DOMAIN_COLUMNS = (
    "domain",
    "links",
    "pages",
    "followed",
    "nofollow",
    "sponsored",
    "ugc",
    "placements",
    "broken_pages",
    "unchecked_pages",
)
_OUT_PAGE_COLUMNS = (
    "target_url",
    "domain",
    "links",
    "followed",
    "nofollow",
    "sponsored",
    "ugc",
    "placements",
    "state",
    "broken",
)


def _cells(row: dict[str, Any], columns: Sequence[str]) -> list[Any]:
    return [" ".join(row[c]) if isinstance(row[c], list) else row[c] for c in columns]


def _outgoing_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per linked page (domain totals are sums of these rows)."""
    return [_cells(p, _OUT_PAGE_COLUMNS) for p in report["pages"]]


def _outgoing_table(report: dict[str, Any]) -> str:
    s = report["source"]
    head = (
        f"Outgoing links of {s['kind']} {s['value']}: {report['links']} live external links to "
        f"{report['linked_pages']} pages on {report['linked_domains']} domains; "
        f"{report['broken_pages']} broken, {report['unchecked_pages']} never checked\n"
    )
    parts = [head]
    if report["domains"]:
        parts.append(table(_OUT_DOMAIN_COLUMNS, [_cells(d, _OUT_DOMAIN_COLUMNS) for d in report["domains"]]))
        parts.append(table(_OUT_PAGE_COLUMNS, _outgoing_rows(report), max_width=50))
    return "\n".join(parts)


# --- anchors ------------------------------------------------------------------------------


def _anchor_rows(report: dict[str, Any]) -> list[list[Any]]:
    """Long form: a ``share`` row per class, then its top anchors."""
    rows: list[list[Any]] = []
    for c in report["classes"]:
        rows.append([c["class"], "", c["links"], round(c["share"], 6)])
        rows += [[c["class"], a["value"], a["count"], ""] for a in c["top_anchors"]]
    return rows


def _anchors_table(report: dict[str, Any]) -> str:
    t = report["target"]
    head = (f"Anchor profile of {t['kind']} {t['value']} (brand name {report['brand']!r}): {report['links']} "
            f"links{_only(report)}\n")
    parts = [
        head,
        table(
            ["class", "links", "share", "distinct anchors"],
            [(c["class"], c["links"], f"{100 * c['share']:.1f}%", c["distinct_anchors"]) for c in report["classes"]],
        ),
    ]
    for c in report["classes"]:
        if c["top_anchors"]:
            rows = [(a["value"] or "(no text, no alt)", a["count"]) for a in c["top_anchors"]]
            parts.append(table([f"{c['class']} anchor", "links"], rows))
    return "\n".join(parts)


# --- domains by metric ---------------------------------------------------------------------

_METRIC_COLUMNS = (
    "position",
    "domain",
    "rank",
    "pagerank_followed",
    "harmonic",
    "followed_referring_domains",
    "followed_linked_domains",
)


def _metric_table(report: dict[str, Any]) -> str:
    how = "exact" if report["harmonic_exact"] else f"estimated from {report['harmonic_samples']} sampled domains"
    head = (
        f"Domain {report['metric']} over {report['domains']} domains and {report['domain_links']} followed, live, "
        f"external domain links (rank 0-100 from PageRank, damping {report['damping']}; harmonic centrality {how})\n"
    )
    return head + table(_METRIC_COLUMNS, [[r[c] for c in _METRIC_COLUMNS] for r in report["ranking"]])


#: kind -> (csv columns, csv rows, table) for the reports whose CSV is one row per item.
_ITEM_REPORTS: dict[str, tuple[Sequence[str], Any, Any]] = {
    "gap": (_GAP_COLUMNS, _gap_rows, _gap_table),
    "broken": (_BROKEN_COLUMNS, _broken_rows, _broken_table),
    "outgoing": (_OUT_PAGE_COLUMNS, _outgoing_rows, _outgoing_table),
    "anchors": (("class", "anchor", "links", "share"), _anchor_rows, _anchors_table),
    "domains-metric": (
        _METRIC_COLUMNS,
        lambda r: [[x[c] for c in _METRIC_COLUMNS] for x in r["ranking"]],
        _metric_table,
    ),
}


def render(kind: str, report: dict[str, Any], fmt: str) -> str:
    """Render a report (``backlinks``, ``new-lost``, ``domains``, ``gap``, ``broken``, ``outgoing``,
    ``anchors``, ``domains-metric``) in ``table``, ``json`` or ``csv``."""
    if fmt == "json":
        return to_json(report)
    if kind in _ITEM_REPORTS and fmt in ("csv", "table"):
        columns, rows, as_table = _ITEM_REPORTS[kind]
        return _csv(columns, rows(report)) if fmt == "csv" else as_table(report)
    if fmt == "csv":
        if kind == "backlinks":
            return _csv(("section", "value", "count"), _backlinks_rows(report))
        if kind == "new-lost":
            return _csv(_LINK_COLUMNS, _new_lost_link_rows(report))
        if kind == "domains":
            if "graph" in report:
                return _csv(_GRAPH_COLUMNS, [[r[c] for c in _GRAPH_COLUMNS] for r in report["graph"]])
            return _csv(_RANK_COLUMNS, [[r[c] for c in _RANK_COLUMNS] for r in report["ranking"]])
    elif fmt == "table":
        if kind == "backlinks":
            return _backlinks_table(report)
        if kind == "new-lost":
            return _new_lost_table(report)
        if kind == "domains":
            return _domains_table(report)
    raise ValueError(f"cannot render {kind!r} as {fmt!r}")
