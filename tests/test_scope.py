from __future__ import annotations

import pytest

from linkspider.errors import ConfigurationError
from linkspider.scope import Scope, scope_key


def test_workers_share_the_scope_through_redis(redis_client):
    seeder = Scope("domain", "c1", redis_client)
    seeder.add({"a.example"})
    worker = Scope("domain", "c1", redis_client)
    assert worker.allows("a.example")
    assert not worker.allows("b.example")
    assert redis_client.smembers(scope_key("c1")) == {b"a.example"}


def test_a_domain_seeded_mid_crawl_is_followed_after_a_second(redis_client, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("linkspider.scope.time.monotonic", lambda: clock[0])
    worker = Scope("domain", "c2", redis_client, refresh_seconds=60)
    assert not worker.allows("late.example")
    Scope("domain", "c2", redis_client).add({"late.example"})
    assert not worker.allows("late.example"), "re-read at most once a second"
    clock[0] += 1.5
    assert worker.allows("late.example")


def test_scope_all_allows_everything():
    assert Scope("all", "c3").allows("anything.example")


def test_unknown_scope_mode():
    with pytest.raises(ConfigurationError):
        Scope("planet", "c4")
