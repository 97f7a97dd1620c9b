"""Credentials never reach an error message: configuration errors are logged and shown to operators."""
from __future__ import annotations

import pytest
from scrapy.settings import Settings

from linkspider.errors import ConfigurationError
from linkspider.safety import redact_text

SECRET = "pw-Zq81xx"


def _message(call) -> str:
    with pytest.raises(ConfigurationError) as info:
        call()
    text = str(info.value)
    cause = info.value.__cause__
    return text + (f" | {cause}" if cause else "")


@pytest.mark.parametrize("which", ["redis_from_url", "redis_from_settings"])
def test_bad_redis_url_error_hides_password(which: str) -> None:
    from linkspider.frontier import connection

    url = f"http://:{SECRET}@redis.internal:6379/0"
    if which == "redis_from_url":
        message = _message(lambda: connection.redis_from_url(url))
    else:
        message = _message(lambda: connection.redis_from_settings(Settings({"REDIS_URL": url})))
    assert "REDIS_URL" in message
    assert SECRET not in message


def test_bad_mongo_uri_error_hides_password() -> None:
    from linkspider.store.client import get_client

    message = _message(lambda: get_client(f"mongodb://app:{SECRET}@m1:99999/?replicaSet=rs"))
    assert SECRET not in message


def test_log_filter_would_still_mask_these_messages() -> None:
    """The RedactionExtension's filter masks such messages if they are logged during a crawl."""
    text = f"REDIS_URL='http://:{SECRET}@redis.internal:6379/0' must start with redis://"
    assert SECRET not in redact_text(text)
