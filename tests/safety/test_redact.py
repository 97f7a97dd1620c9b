"""Credential redaction: URLs, free text, log records, stats."""
from __future__ import annotations

import logging

import pytest
from scrapy.settings import Settings

from linkspider.safety import (
    RedactingFilter,
    install_log_redaction,
    redact_stats,
    redact_text,
    redact_url,
    secrets_from_settings,
    url_secrets,
)

REDACT_URL = [
    ("redis://:s3cretpw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("redis://default:s3cretpw@redis.internal:6379", "redis://default:***@redis.internal:6379"),
    ("rediss://user:p%40ss%2Fword@h:6380/1", "rediss://user:***@h:6380/1"),
    ("redis://:p@ss@host:6379/0", "redis://:***@host:6379/0"),  # unescaped "@" in the password
    ("redis://:pa/ss@host:6379/0", "redis://:***@host:6379/0"),  # unescaped "/" in the password
    ("mongodb://app:pw1234@m1:27017,m2:27017/db?replicaSet=rs0&authSource=admin",
     "mongodb://app:***@m1:27017,m2:27017/db?replicaSet=rs0&authSource=admin"),
    ("mongodb+srv://app:pw1234@cluster0.example.net/?retryWrites=true",
     "mongodb+srv://app:***@cluster0.example.net/?retryWrites=true"),
    ("mongodb://AKIAX@h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok123",
     "mongodb://AKIAX@h/?authMechanism=MONGODB-AWS&authMechanismProperties=***"),
    ("redis://h:6379/0?password=qwerty12", "redis://h:6379/0?password=***"),
    ("mongodb://h/?tlsCertificateKeyFilePassword=abcd1234&tls=true", "mongodb://h/?tlsCertificateKeyFilePassword=***&tls=true"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),  # nothing to hide
    ("mongodb://user@h/", "mongodb://user@h/"),  # user only (x.509 or external auth)
    ("user:pw9999@h:6379", "***@h:6379"),  # no scheme: the whole userinfo goes
    ("http://example.com/a@b", "http://example.com/a@b"),
]


@pytest.mark.parametrize(("url", "expected"), REDACT_URL, ids=[u for u, _ in REDACT_URL])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_finds_urls_in_messages() -> None:
    text = "Overridden settings:\n{'MONGO_URI': 'mongodb://app:pw1234@m1/db', 'REDIS_URL': 'redis://:zz99zz@r:6379'}"
    redacted = redact_text(text)
    assert "pw1234" not in redacted and "zz99zz" not in redacted
    assert "'mongodb://app:***@m1/db'" in redacted and "'redis://:***@r:6379'" in redacted


def test_redact_text_literal_secrets() -> None:
    assert redact_text("auth failed for password hunter22 on r:6379", ["hunter22"]) == (
        "auth failed for password *** on r:6379"
    )


def test_url_secrets() -> None:
    assert url_secrets("redis://:p%40ss1@h/0") == {"p%40ss1", "p@ss1"}
    assert url_secrets("redis://:ab@h/0") == set()  # too short to mask as a literal
    assert url_secrets("redis://h/0") == set()


def test_secrets_from_settings() -> None:
    settings = Settings(
        {
            "REDIS_URL": "redis://:redispw1@r:6379/0",
            "MONGO_URI": "mongodb://u:mongopw1@m/",
            "SOME_API_TOKEN": "tok-abcdef",
            "USER_AGENT": "linkspider/0.1",
        }
    )
    found = secrets_from_settings(settings)
    assert {"redispw1", "mongopw1", "tok-abcdef"} <= found
    assert "linkspider/0.1" not in found


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("x", logging.ERROR, __file__, 1, msg, args or None, exc_info)


def test_filter_masks_args_and_tracebacks() -> None:
    filt = RedactingFilter(["literal-secret-9"])
    record = _record("connecting to %s", "redis://:pw5678@h:6379/0")
    assert filt.filter(record) is True
    assert record.getMessage() == "connecting to redis://:***@h:6379/0"
    try:
        raise ConnectionError("auth with literal-secret-9 failed for mongodb://u:pw5678@m/")
    except ConnectionError as exc:
        record = _record("boom", exc=exc)
    filt.filter(record)
    formatted = logging.Formatter().format(record)
    assert "pw5678" not in formatted and "literal-secret-9" not in formatted
    assert "ConnectionError" in formatted


def test_filter_on_handler_sees_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction(["hunter2hunter2"], handlers=[caplog.handler])
    logging.getLogger("scrapy.crawler").warning("settings %r", {"REDIS_URL": "redis://:hunter2hunter2@h"})
    logging.getLogger("pymongo.x").error("password hunter2hunter2 rejected")
    assert "hunter2hunter2" not in caplog.text
    assert caplog.text.count("***") == 2
    # installing twice keeps one filter and adds the new secrets to it
    install_log_redaction(["another-secret"], handlers=[caplog.handler])
    filters = [f for f in caplog.handler.filters if isinstance(f, RedactingFilter)]
    assert len(filters) == 1 and "another-secret" in filters[0].secrets
    caplog.handler.removeFilter(filters[0])


def test_redact_stats() -> None:
    stats = {
        "downloader/request_count": 3,
        "frontier/url": "redis://:pw5678@h/0",
        "errors/mongodb://u:pw5678@m/": 1,
        "note": "token literal-secret-9",
    }
    assert redact_stats(stats, ["literal-secret-9"]) == 3
    assert stats == {
        "downloader/request_count": 3,
        "frontier/url": "redis://:***@h/0",
        "errors/mongodb://u:***@m/": 1,
        "note": "token ***",
    }
