"""Fixtures for the frontier tests: a Frontier on the session redis-server (flushed per test)."""
from __future__ import annotations

import pytest

from linkspider.frontier import Frontier, PushItem, RequestCodec, SeenConfig
from linkspider.frontier.codec import Entry


@pytest.fixture
def make_frontier(redis_client, crawl_id):
    def _make(mode: str = "exact", expected: int = 10_000, error_rate: float = 0.01, **kwargs) -> Frontier:
        kwargs.setdefault("lease_seconds", 10.0)
        return Frontier(redis_client, crawl_id, seen=SeenConfig.sized(mode, expected, error_rate), **kwargs)

    return _make


@pytest.fixture
def item_for(crawl_id):
    codec = RequestCodec(crawl_id)

    def _item(url: str, *, priority: int = 0, dont_filter: bool = False, domain: str | None = None) -> PushItem:
        from urllib.parse import urlsplit

        body = codec.encode_entry(Entry(url=url, crawl_id=crawl_id, priority=priority, dont_filter=dont_filter))
        return PushItem(body, domain or urlsplit(url).hostname, url, priority, dont_filter)

    return _item
