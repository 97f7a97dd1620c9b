"""Crawl ids for recurring runs: the template expansion cron/systemd rely on, and job-id round trips."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from linkspider.errors import ConfigurationError
from linkspider.scheduling.crawl_ids import (
    crawl_id_of_job,
    expand_crawl_id_template,
    job_id_for,
    validate_crawl_id,
)

NOW = datetime(2026, 3, 9, 4, 5, 6, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("daily-{date}", "daily-2026-03-09"),
        ("run-{datetime}", "run-20260309T040506Z"),
        ("hourly-{hour}", "hourly-2026-03-09T04"),
        ("weekly-{week}", "weekly-2026-W11"),
        ("monthly-{month}", "monthly-2026-03"),
        ("ts-{timestamp}", "ts-1773029106"),
        ("fixed", "fixed"),
        ("news.{date}.{hour}", "news.2026-03-09.2026-03-09T04"),
        ("braces-{{literal}}-{date}", None),  # '{' is not allowed in a crawl id: rejected after expansion
    ],
    ids=["date", "datetime", "hour", "week", "month", "timestamp", "no-placeholder", "two", "literal-brace"],
)
def test_template_expansion(template: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ConfigurationError, match="not usable"):
            expand_crawl_id_template(template, NOW)
    else:
        assert expand_crawl_id_template(template, NOW) == expected


def test_each_daily_run_gets_its_own_id_and_reruns_the_same_day_share_it() -> None:
    day1 = expand_crawl_id_template("daily-{date}", NOW)
    same_day = expand_crawl_id_template("daily-{date}", NOW + timedelta(hours=5))
    day2 = expand_crawl_id_template("daily-{date}", NOW + timedelta(days=1))
    assert day1 == same_day == "daily-2026-03-09"
    assert day2 == "daily-2026-03-10"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 9, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "daily-2026-03-10"),
        (datetime(2026, 3, 9, 0, 30, tzinfo=timezone(timedelta(hours=2))), "daily-2026-03-08"),
        (datetime(2026, 3, 9, 12, 0), "daily-2026-03-09"),
    ],
    ids=["west-of-utc", "east-of-utc", "naive-is-utc"],
)
def test_dates_are_utc_whatever_the_local_zone(now: datetime, expected: str) -> None:
    assert expand_crawl_id_template("daily-{date}", now) == expected


def test_default_now_is_today_in_utc() -> None:
    before = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    result = expand_crawl_id_template("d-{date}")
    after = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert result in {f"d-{before}", f"d-{after}"}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("daily-{day}", "unknown placeholder"),
        ("daily-{date", "malformed"),
        ("daily-{0}", "unknown placeholder"),
        ("daily-{date.year}", "unknown placeholder"),
        ("", "not usable"),
        ("has space-{date}", "not usable"),
        ("a--{date}", "not usable"),
    ],
    ids=["unknown", "unclosed", "positional", "attribute", "empty", "space", "separator"],
)
def test_bad_templates_are_rejected(template: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        expand_crawl_id_template(template, NOW)


@pytest.mark.parametrize(
    "crawl_id",
    ["x", "daily-2026-03-09", "A.b_c-1", "9" * 100],
    ids=["one-char", "daily", "mixed", "max-length"],
)
def test_valid_crawl_ids(crawl_id: str) -> None:
    assert validate_crawl_id(crawl_id) == crawl_id


@pytest.mark.parametrize(
    "crawl_id",
    ["", "-lead", ".lead", "a/b", "a b", "a:b", "é", "9" * 101, "a--b", "{date}"],
    ids=["empty", "dash", "dot", "slash", "space", "colon", "non-ascii", "too-long", "separator", "brace"],
)
def test_invalid_crawl_ids(crawl_id: str) -> None:
    with pytest.raises(ConfigurationError):
        validate_crawl_id(crawl_id)


@pytest.mark.parametrize(
    ("crawl_id", "index", "nonce"),
    [("daily-2026-03-09", 0, "ab12cd34"), ("x", 17, "0"), ("a-b-c", 3, "deadbeef")],
    ids=["daily", "short", "dashes"],
)
def test_job_id_round_trip(crawl_id: str, index: int, nonce: str) -> None:
    job_id = job_id_for(crawl_id, index, nonce)
    assert crawl_id_of_job(job_id) == crawl_id


@pytest.mark.parametrize(
    "job_id",
    ["0f3c9a1e2b4d11efb1c2", "daily--x", "--n0-ab", "crawl--n0-XYZ", "crawl--m0-ab"],
    ids=["scrapyd-uuid", "no-node", "no-crawl", "bad-nonce", "bad-node"],
)
def test_foreign_job_ids_have_no_crawl_id(job_id: str) -> None:
    assert crawl_id_of_job(job_id) is None
