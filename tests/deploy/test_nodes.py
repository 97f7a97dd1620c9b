"""Node lists and credentials: parsed strictly, credentials only from the environment."""
from __future__ import annotations

import logging

import pytest

from linkspider.errors import ConfigurationError
from linkspider.scheduling.nodes import (
    check_transport,
    is_loopback,
    nodes_from,
    parse_auth,
    parse_nodes,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:6800", ["http://127.0.0.1:6800/"]),
        ("http://a:6800/, http://b:6800/", ["http://a:6800/", "http://b:6800/"]),
        ("http://a:6800,http://a:6800/", ["http://a:6800/"]),
        ("https://gw.example/scrapyd", ["https://gw.example/scrapyd/"]),
        ("http://[::1]:6800,,", ["http://[::1]:6800/"]),
    ],
    ids=["one", "two-spaced", "duplicate", "path-prefix", "ipv6-trailing-commas"],
)
def test_parse_nodes(value: str, expected: list[str]) -> None:
    assert parse_nodes(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "no scrapyd nodes"),
        ("127.0.0.1:6800", "not an http"),
        ("ftp://a:6800", "not an http"),
        ("http://user:secret@a:6800", "LINKSPIDER_SCRAPYD_AUTH"),
        ("http://a:6800/?x=1", "query"),
    ],
    ids=["empty", "no-scheme", "ftp", "credentials-in-url", "query"],
)
def test_bad_nodes(value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        parse_nodes(value)
    assert "secret" not in str(info.value)


def test_nodes_fall_back_to_environment() -> None:
    env = {"LINKSPIDER_SCRAPYD_NODES": "http://n1:6800,http://n2:6800"}
    assert nodes_from(None, env) == ["http://n1:6800/", "http://n2:6800/"]
    assert nodes_from("http://cli:6800", env) == ["http://cli:6800/"]
    with pytest.raises(ConfigurationError):
        nodes_from(None, {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("ops:s3cret", ("ops", "s3cret")), ("ops:a:b:c", ("ops", "a:b:c"))],
    ids=["unset", "empty", "plain", "colon-in-password"],
)
def test_parse_auth(value: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_auth(value) == expected


@pytest.mark.parametrize(
    "value", ["nocolonsecret", ":pwsecret", "usersecret:"], ids=["no-colon", "no-user", "no-password"]
)
def test_bad_auth_does_not_echo_the_value(value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_auth(value)
    assert "secret" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:6800/", True),
        ("http://127.8.9.1:6800/", True),
        ("http://localhost:6800/", True),
        ("http://[::1]:6800/", True),
        ("http://10.0.0.5:6800/", False),
        ("http://scrapyd-0.scrapyd:6800/", False),
    ],
    ids=["v4", "v4-net", "localhost", "v6", "private", "dns"],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected


def test_transport_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="linkspider.scheduling.nodes"):
        check_transport("http://127.0.0.1:6800/", None)
        assert caplog.records == []
        check_transport("http://10.0.0.5:6800/", None)
        assert "must require basic auth" in caplog.text
        caplog.clear()
        check_transport("http://10.0.0.5:6800/", ("ops", "hunter2-long-secret"))
        assert "plain http" in caplog.text
        assert "hunter2" not in caplog.text
        caplog.clear()
        check_transport("https://10.0.0.5:6800/", ("ops", "hunter2-long-secret"))
        assert caplog.records == []
