"""What a report is about: a target (a registered domain or one URL) and a time window.

Both are parsed once from the command line into small frozen values, so the pipeline builders
stay pure and a bad argument fails before any query runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from linkspider.domains import registered_domain
from linkspider.errors import InvalidURLError, ReportError
from linkspider.urls import host_of, url_key

__all__ = [
    "Target",
    "followed_filter",
    "parse_domain",
    "parse_target",
    "parse_when",
    "target_domain",
    "target_filter",
    "window_filter",
]

_RELATIVE = re.compile(r"^(\d+)\s*([dhw])$", re.I)


@dataclass(frozen=True)
class Target:
    """A report target: ``domain`` (matches ``target_domain``) or ``url`` (matches ``target_key``)."""

    kind: Literal["domain", "url"]
    value: str

    @property
    def field(self) -> str:
        return "target_domain" if self.kind == "domain" else "target_key"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}


def parse_target(text: str, *, option: str = "--target") -> Target:
    """``example.com`` / ``www.example.com`` -> domain target; ``https://example.com/a`` -> URL target.

    A domain is reduced to its registered domain (IDNA hosts to punycode), as edges store it; a URL
    goes through :func:`linkspider.urls.url_key`, as edges store ``target_key``.
    """
    raw = text.strip()
    if not raw:
        raise ReportError(f"{option} is empty")
    if "://" in raw:
        try:
            return Target("url", url_key(raw))
        except InvalidURLError as exc:
            raise ReportError(f"{option} {raw!r} is not a valid http(s) URL") from exc
    if any(ch in raw for ch in "/?#@ "):
        raise ReportError(
            f"{option} {raw!r} is neither a domain nor a full URL; give a URL with its scheme (https://...)"
        )
    host = host_of(f"http://{raw}")
    if not host:
        raise ReportError(f"{option} {raw!r} is not a valid domain name")
    return Target("domain", registered_domain(host))


def parse_domain(text: str, *, option: str = "--target") -> str:
    """A registered domain from the command line; a URL is refused (the question is about a whole site)."""
    target = parse_target(text, option=option)
    if target.kind != "domain":
        raise ReportError(f"{option} {text.strip()!r} must be a domain, not a URL")
    return target.value


def target_domain(target: Target) -> str:
    """The registered domain a target belongs to (a URL target: its host's)."""
    if target.kind == "domain":
        return target.value
    return registered_domain(host_of(target.value) or "")


def parse_when(text: str, *, now: datetime | None = None, end_of_day: bool = False) -> datetime:
    """Aware UTC time from ``2026-01-31``, ``2026-01-31T12:00``, ``...Z``/``+02:00``, or ``7d``/``12h``/``2w``
    ago.

    A naive time is UTC. With ``end_of_day`` a bare date means the midnight *after* it, so
    ``--until 2026-01-31`` includes that whole day.
    """
    raw = text.strip()
    now = now or datetime.now(timezone.utc)
    rel = _RELATIVE.match(raw)
    if rel:
        unit = {"d": "days", "h": "hours", "w": "weeks"}[rel.group(2).lower()]
        return now - timedelta(**{unit: int(rel.group(1))})
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            return start + timedelta(days=1) if end_of_day else start
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise ReportError(
            f"cannot read {raw!r} as a date (YYYY-MM-DD, ISO 8601 time, or 7d/12h/2w ago)"
        ) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def target_filter(target: Target | None, *, include_lost: bool) -> dict[str, Any]:
    """The ``$match`` for backlinks of ``target``: external links only, live ones unless ``include_lost``.

    ``lost_at: None`` matches a missing or null ``lost_at`` and can use the ``(..., lost_at)`` indexes.
    """
    query: dict[str, Any] = {} if target is None else {target.field: target.value}
    query["internal"] = False
    if not include_lost:
        query["lost_at"] = None
    return query


def editorial_filter(min_body_score: float) -> dict[str, Any]:
    """Links the placement model scored at least ``min_body_score`` (0 to 1): editorial links in the
    main content, at a threshold of the analyst's choosing. Unscored links (redirects, page-level
    links, WAT, edges stored before scores were) never match."""
    return {"body_score": {"$gte": float(min_body_score)}}


def editorial_words(min_body_score: float) -> str:
    """How reports say which links :func:`editorial_filter` keeps."""
    return f"body score >= {min_body_score:g}"


def followed_filter() -> dict[str, Any]:
    """Links that pass ranking credit: none of ``nofollow``, ``sponsored``, ``ugc`` set (the
    ``dofollow`` of ``report backlinks``; ``$ne: true`` also matches a missing flag)."""
    return {"nofollow": {"$ne": True}, "sponsored": {"$ne": True}, "ugc": {"$ne": True}}


def window_filter(since: datetime | None, until: datetime | None) -> dict[str, datetime]:
    """A half-open ``[since, until)`` range condition; empty when neither bound is given."""
    cond: dict[str, datetime] = {}
    if since is not None:
        cond["$gte"] = since
    if until is not None:
        cond["$lt"] = until
    return cond
