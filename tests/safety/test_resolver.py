"""PublicOnlyResolver: the connection-time check that closes the DNS-rebinding gap.

These tests use Scrapy's DNS cache, whose hits answer synchronously, so no reactor has to run.
The same resolver is exercised with real lookups in test_guard_crawl.py.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from scrapy.resolver import dnscache
from scrapy.settings import Settings
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from linkspider.safety import AddressPolicy, PrivateAddressLookupRefused, PublicOnlyResolver


class _Reactor:
    """Stands in for the reactor: a cache hit never reaches it."""


class _Settings:
    def __init__(self, values: dict):
        self.settings = Settings(values)


@pytest.fixture
def cache() -> Iterator[dict]:
    saved_limit = dnscache.limit
    entries: dict[str, str] = {}
    yield entries
    for name in entries:
        dnscache.pop(name, None)
    dnscache.limit = saved_limit


def lookup(resolver: PublicOnlyResolver, name: str) -> str | Failure:
    results: list[str | Failure] = []
    resolver.getHostByName(name).addBoth(results.append)
    assert len(results) == 1, "a cache hit must answer synchronously"
    return results[0]


@pytest.mark.parametrize(
    ("answer", "policy", "refused"),
    [
        ("10.0.0.5", AddressPolicy(), "private"),
        ("127.0.0.1", AddressPolicy(), "loopback"),
        ("169.254.169.254", AddressPolicy(), "metadata"),
        ("169.254.169.254", AddressPolicy(allow_private=True), "metadata"),
        ("93.184.216.34", AddressPolicy(), None),
        ("10.0.0.5", AddressPolicy(allow_private=True), None),
        ("127.0.0.1", AddressPolicy(allowed=(ipaddress.ip_network("127.0.0.0/8"),)), None),
    ],
    ids=["private", "loopback", "metadata", "metadata-allow-private", "public", "allow-private", "allowed-net"],
)
def test_answer_checked(cache: dict, answer: str, policy: AddressPolicy, refused: str | None) -> None:
    resolver = PublicOnlyResolver(_Reactor(), 100, 5.0, policy)
    cache["rebind.test"] = dnscache["rebind.test"] = answer
    result = lookup(resolver, "rebind.test")
    if refused is None:
        assert result == answer
    else:
        assert isinstance(result, Failure)
        assert result.check(PrivateAddressLookupRefused)
        # Twisted's name-resolver adapter swallows DNSLookupError quietly: no traceback in the log.
        assert result.check(DNSLookupError)
        assert result.value.reason == refused


def test_cached_answer_is_checked_every_time(cache: dict) -> None:
    """A name that was public and is now cached as private (rebinding) is refused from then on."""
    resolver = PublicOnlyResolver(_Reactor(), 100, 5.0)
    cache["flip.test"] = dnscache["flip.test"] = "93.184.216.34"
    assert lookup(resolver, "flip.test") == "93.184.216.34"
    dnscache["flip.test"] = "127.0.0.1"
    assert isinstance(lookup(resolver, "flip.test"), Failure)


def test_from_crawler_reads_process_settings(cache: dict) -> None:
    resolver = PublicOnlyResolver.from_crawler(
        _Settings({"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": True, "DNSCACHE_ENABLED": True, "DNSCACHE_SIZE": 50,
                   "DNS_TIMEOUT": 7}),
        _Reactor(),
    )
    assert resolver.policy.allow_private is True
    assert resolver.timeout == 7.0
    assert dnscache.limit == 50
