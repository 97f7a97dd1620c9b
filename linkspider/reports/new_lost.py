"""``report new-lost``: backlinks first seen and backlinks lost in a time window, with per-day series.

A link is *new* in ``[since, until)`` when its ``first_seen`` falls in it and *lost* when its
``lost_at`` does; a link can be both. Only external links count, as in ``report backlinks``.
The per-day series (UTC days) feed the "new vs lost" chart of the HTML report.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from linkspider.reports.targets import Target, target_filter, window_filter

__all__ = ["LINK_FIELDS", "new_lost_pipeline", "new_lost_result"]

#: Fields listed for each new or lost link.
LINK_FIELDS = (
    "source_url",
    "target_url",
    "anchor_text",
    "link_type",
    "placement",
    "nofollow",
    "sponsored",
    "ugc",
    "first_seen",
    "lost_at",
    "lost_reason",
)


def _events(field: str, window: dict[str, datetime], limit: int) -> dict[str, list[dict[str, Any]]]:
    match = {"$match": {field: window}} if window else {"$match": {field: {"$type": "date"}}}
    day = {"$dateToString": {"format": "%Y-%m-%d", "date": f"${field}", "timezone": "UTC"}}
    return {
        "count": [match, {"$count": "n"}],
        "links": [match, {"$sort": {field: -1, "_id": 1}}] + ([{"$limit": limit}] if limit else []),
        "by_day": [match, {"$group": {"_id": day, "count": {"$sum": 1}}}, {"$sort": {"_id": 1}}],
    }


def new_lost_pipeline(
    target: Target | None, *, since: datetime | None, until: datetime | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The aggregation over ``edges`` whose single result document :func:`new_lost_result` reads.

    Each list holds the ``limit`` most recent links (0: all); the counts are always complete.

    The window filter is repeated in the first ``$match`` (as an ``$or``) so each branch can use the
    ``(target, internal, first_seen)`` and ``(target, internal, lost_at)`` indexes.
    """
    window = window_filter(since, until)
    base = target_filter(target, include_lost=True)
    if window:
        base["$or"] = [{"first_seen": window}, {"lost_at": window}]
    project = {"_id": 1, **dict.fromkeys(LINK_FIELDS, 1)}
    facets: dict[str, list[dict[str, Any]]] = {}
    for name, field in (("new", "first_seen"), ("lost", "lost_at")):
        for part, stages in _events(field, window, limit).items():
            facets[f"{name}_{part}"] = stages
    return [{"$match": base}, {"$project": project}, {"$facet": facets}]


def _utc(value: Any) -> Any:
    """Datetimes as aware UTC whatever the client's ``tz_aware`` option (MongoDB stores UTC)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _link(doc: dict[str, Any]) -> dict[str, Any]:
    return {f: _utc(doc.get(f)) for f in LINK_FIELDS}


def new_lost_result(
    doc: dict[str, Any] | None, *, target: Target | None, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """The ``--format json`` object of ``report new-lost``."""
    doc = doc or {}
    out: dict[str, Any] = {
        "target": target.as_dict() if target else None,
        "since": since,
        "until": until,
    }
    for name in ("new", "lost"):
        count_rows = doc.get(f"{name}_count") or []
        out[name] = int(count_rows[0]["n"]) if count_rows else 0
        out[f"{name}_links"] = [_link(d) for d in doc.get(f"{name}_links") or []]
        out[f"{name}_by_day"] = {r["_id"]: int(r["count"]) for r in doc.get(f"{name}_by_day") or []}
    return out
