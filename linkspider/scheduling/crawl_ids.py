"""Crawl ids for scheduled runs: each recurring run gets its own, so runs can be compared.

A crawl id names the shared Redis frontier and tags every edge and page, so every node of one
run must use the same id, and two runs (yesterday's and today's) must not. A cron line or a
systemd timer calls ``linkspider schedule start --crawl-id-template 'daily-{date}'``; the
template is expanded once, on the machine that schedules, and the result goes to every node.
"""
from __future__ import annotations

import re
import string
from datetime import datetime, timezone

from linkspider.errors import ConfigurationError

#: What a crawl id may contain: it becomes part of Redis keys, scrapyd job ids and log file names.
CRAWL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

#: Separates the crawl id from the per-node suffix in scrapyd job ids (``<crawl_id>--<node>-<nonce>``).
JOB_ID_SEPARATOR = "--"


def _placeholders(now: datetime) -> dict[str, str]:
    iso_year, iso_week, _ = now.isocalendar()
    return {
        "date": now.strftime("%Y-%m-%d"),
        "datetime": now.strftime("%Y%m%dT%H%M%SZ"),
        "hour": now.strftime("%Y-%m-%dT%H"),
        "week": f"{iso_year}-W{iso_week:02d}",
        "month": now.strftime("%Y-%m"),
        "timestamp": str(int(now.timestamp())),
    }


#: The placeholders a template may use, for the help text and the error message.
PLACEHOLDERS = tuple(_placeholders(datetime(2000, 1, 1, tzinfo=timezone.utc)))


def crawl_id_of(spider: object) -> str:
    """The crawl a running spider belongs to: its ``crawl_id`` argument, else its name.

    Every component (frontier, dupefilter, idle close, crawl report) asks here, so a spider without
    the argument still gets one consistent id across all of them.
    """
    return str(getattr(spider, "crawl_id", None) or getattr(spider, "name", None) or "default")


def validate_crawl_id(crawl_id: str) -> str:
    """Return ``crawl_id`` if it is safe in keys, job ids and file names; raise otherwise."""
    if not CRAWL_ID_RE.fullmatch(crawl_id) or JOB_ID_SEPARATOR in crawl_id:
        raise ConfigurationError(
            f"crawl id {crawl_id!r} is not usable: use 1-100 letters, digits, '.', '_' or '-' "
            f"(starting with a letter or digit, and no {JOB_ID_SEPARATOR!r})"
        )
    return crawl_id


def expand_crawl_id_template(template: str, now: datetime | None = None) -> str:
    """Expand ``{date}``-style placeholders with the time of scheduling (UTC) and validate the result.

    A naive ``now`` is taken as UTC; an aware one is converted to UTC, so the same instant always
    yields the same id whatever the scheduling machine's time zone.
    """
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    else:
        now = now.astimezone(timezone.utc)
    values = _placeholders(now)
    try:
        fields = [field for _, field, spec, conv in string.Formatter().parse(template) if field is not None]
    except ValueError as exc:
        raise ConfigurationError(f"crawl id template {template!r} is malformed: {exc}") from exc
    unknown = sorted({f for f in fields if f not in values})
    if unknown:
        raise ConfigurationError(
            f"crawl id template {template!r} uses unknown placeholder(s) {unknown}; "
            f"known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
        )
    try:
        expanded = template.format_map(values)
    except (ValueError, IndexError) as exc:
        raise ConfigurationError(f"crawl id template {template!r} is malformed: {exc}") from exc
    return validate_crawl_id(expanded)


def job_id_for(crawl_id: str, node_index: int, nonce: str) -> str:
    """The scrapyd job id of one node's share of a crawl: the crawl id can be read back from it."""
    return f"{crawl_id}{JOB_ID_SEPARATOR}n{node_index}-{nonce}"


def crawl_id_of_job(job_id: str) -> str | None:
    """The crawl id a job id was made from by :func:`job_id_for`, or None for other jobs."""
    crawl_id, sep, rest = job_id.rpartition(JOB_ID_SEPARATOR)
    if not sep or not crawl_id or not re.fullmatch(r"n\d+-[0-9a-f]+", rest):
        return None
    return crawl_id
