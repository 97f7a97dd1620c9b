"""Parsing of report arguments and settings: pure functions, tables of real cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from linkspider.errors import ConfigurationError, ReportError
from linkspider.reports.runner import ReportSettings, mask_uri
from linkspider.reports.targets import Target, parse_target, parse_when, window_filter

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param("example.com", Target("domain", "example.com"), id="domain"),
        pytest.param("WWW.Example.COM", Target("domain", "example.com"), id="host-to-registered-domain"),
        pytest.param("news.bbc.co.uk", Target("domain", "bbc.co.uk"), id="multi-label-suffix"),
        pytest.param("alice.github.io", Target("domain", "alice.github.io"), id="private-suffix"),
        pytest.param("bücher.de", Target("domain", "xn--bcher-kva.de"), id="idna"),
        pytest.param("example.com.", Target("domain", "example.com"), id="trailing-dot"),
        pytest.param("192.0.2.7", Target("domain", "192.0.2.7"), id="ip"),
        pytest.param(
            "https://Example.com/a?utm_source=x&b=2&a=1#top",
            Target("url", "https://example.com/a?a=1&b=2"),
            id="url-key",
        ),
        pytest.param("http://example.com", Target("url", "http://example.com/"), id="url-root"),
    ],
)
def test_parse_target(text: str, want: Target) -> None:
    assert parse_target(text) == want


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("example.com/page", id="url-without-scheme"),
        pytest.param("ftp://example.com/", id="not-web"),
        pytest.param("exa mple.com", id="space"),
    ],
)
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(ReportError):
        parse_target(text)


@pytest.mark.parametrize(
    ("text", "end_of_day", "want"),
    [
        pytest.param("2026-01-31", False, datetime(2026, 1, 31, tzinfo=timezone.utc), id="date"),
        pytest.param(
            "2026-01-31", True, datetime(2026, 2, 1, tzinfo=timezone.utc), id="date-until-includes-day"
        ),
        pytest.param(
            "2026-01-31T10:30:00", True, datetime(2026, 1, 31, 10, 30, tzinfo=timezone.utc), id="naive-utc"
        ),
        pytest.param(
            "2026-01-31T10:30:00Z", False, datetime(2026, 1, 31, 10, 30, tzinfo=timezone.utc), id="zulu"
        ),
        pytest.param(
            "2026-01-31T12:30:00+02:00",
            False,
            datetime(2026, 1, 31, 10, 30, tzinfo=timezone.utc),
            id="offset",
        ),
        pytest.param("7d", False, NOW - timedelta(days=7), id="days-ago"),
        pytest.param("12h", False, NOW - timedelta(hours=12), id="hours-ago"),
        pytest.param("2W", False, NOW - timedelta(weeks=2), id="weeks-ago"),
    ],
)
def test_parse_when(text: str, end_of_day: bool, want: datetime) -> None:
    assert parse_when(text, now=NOW, end_of_day=end_of_day) == want


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "7y", ""])
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(ReportError):
        parse_when(text, now=NOW)


def test_window_filter() -> None:
    assert window_filter(None, None) == {}
    assert window_filter(NOW, None) == {"$gte": NOW}
    assert window_filter(None, NOW) == {"$lt": NOW}


@pytest.mark.parametrize(
    ("uri", "want"),
    [
        pytest.param("mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017", id="no-credentials"),
        pytest.param(
            "mongodb://bob:s3cret@db1:27017/links?authSource=admin",
            "mongodb://bob:***@db1:27017/links?authSource=admin",
            id="password",
        ),
        pytest.param(
            "mongodb+srv://bob:p%40ss@cluster0.example.net/",
            "mongodb+srv://bob:***@cluster0.example.net/",
            id="srv-escaped-at",
        ),
        pytest.param(
            "mongodb://bob@db1,db2:27018/?replicaSet=rs0",
            "mongodb://bob@db1,db2:27018/?replicaSet=rs0",
            id="user-only",
        ),
        pytest.param("mongodb://bob:pa@ss@db1/", "mongodb://bob:***@db1/", id="unescaped-at"),
        pytest.param("mongodb://bob:pa/ss@db1/x", "mongodb://bob:***@db1/x", id="unescaped-slash"),
        pytest.param("mongodb://db1/?tlsCAFile=/a@b", "mongodb://db1/?tlsCAFile=/a@b", id="at-in-options"),
    ],
)
def test_mask_uri(uri: str, want: str) -> None:
    assert mask_uri(uri) == want


class _Settings(dict):
    def get(self, name, default=None):  # the one Settings method resolve() uses
        return super().get(name, default)


@pytest.mark.parametrize(
    ("kwargs", "environ", "project", "want"),
    [
        pytest.param({}, {}, {}, ("mongodb://127.0.0.1:27017", "linkspider"), id="defaults"),
        pytest.param(
            {},
            {},
            {"MONGO_URI": "mongodb://p:1", "MONGO_DATABASE": "pdb"},
            ("mongodb://p:1", "pdb"),
            id="project-settings",
        ),
        pytest.param(
            {},
            {"MONGO_URI": "mongodb://e:1", "MONGO_DATABASE": "edb"},
            {"MONGO_URI": "mongodb://p:1", "MONGO_DATABASE": "pdb"},
            ("mongodb://e:1", "edb"),
            id="environment-over-project",
        ),
        pytest.param(
            {"mongo_uri": "mongodb://c:1", "database": "cdb"},
            {"MONGO_URI": "mongodb://e:1"},
            {"MONGO_DATABASE": "pdb"},
            ("mongodb://c:1", "cdb"),
            id="command-line-first",
        ),
    ],
)
def test_settings_precedence(kwargs, environ, project, want) -> None:
    got = ReportSettings.resolve(**kwargs, environ=environ, settings=_Settings(project))
    assert (got.mongo_uri, got.database) == want


def test_settings_from_project() -> None:
    got = ReportSettings.resolve(
        environ={},
        settings=_Settings(
            {
                "LINKSPIDER_SITEWIDE_SHARE": "0.5",
                "LINKSPIDER_SITEWIDE_MIN_PAGES": "3",
                "LINKSPIDER_REPORT_TOP": 4,
            }
        ),
    )
    assert (got.sitewide_share, got.sitewide_min_pages, got.top) == (0.5, 3, 4)
    assert ReportSettings.resolve(environ={}, settings=_Settings(), sitewide_share=0.2).sitewide_share == 0.2


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        pytest.param({"sitewide_share": 0.0}, "LINKSPIDER_SITEWIDE_SHARE", id="share-zero"),
        pytest.param({"sitewide_share": 1.5}, "LINKSPIDER_SITEWIDE_SHARE", id="share-above-one"),
        pytest.param({"sitewide_min_pages": 0}, "LINKSPIDER_SITEWIDE_MIN_PAGES", id="min-pages"),
        pytest.param({"top": 0}, "LINKSPIDER_REPORT_TOP", id="top"),
    ],
)
def test_bad_settings_name_the_setting(kwargs, setting: str) -> None:
    with pytest.raises(ConfigurationError, match=setting):
        ReportSettings.resolve(environ={}, settings=_Settings(), **kwargs)


def test_bad_setting_type_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="LINKSPIDER_SITEWIDE_SHARE"):
        ReportSettings.resolve(environ={}, settings=_Settings({"LINKSPIDER_SITEWIDE_SHARE": "a lot"}))
