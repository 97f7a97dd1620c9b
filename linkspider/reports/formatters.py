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
    lost = " (live and lost links)" if report["include_lost"] else " (live links)"
    parts = [f"Backlinks of {t['kind']} {t['value']}{lost}\n"]
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
            parts.append(
                table([titles[section], "count"], [(r["value"], r["count"]) for r in report[section]])
            )
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
        f"domain links (PageRank, damping {report['damping']}, {report['iterations']} iterations)\n"
    )
    return head + table(_RANK_COLUMNS, [[r[c] for c in _RANK_COLUMNS] for r in report["ranking"]])


def render(kind: str, report: dict[str, Any], fmt: str) -> str:
    """Render a ``backlinks``, ``new-lost`` or ``domains`` report in ``table``, ``json`` or ``csv``."""
    if fmt == "json":
        return to_json(report)
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
