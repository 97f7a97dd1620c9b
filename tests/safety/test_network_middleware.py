"""NetworkGuardMiddleware on its own: literal IPs, resolved names, schemes, stats and logging.

Name resolution is injected (a table standing in for DNS), so "a public name that resolves to
10.x" is tested without a DNS server. The real resolver path runs in test_guard_crawl.py.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from linkspider.errors import UnsafeAddressError
from linkspider.safety import NetworkGuardMiddleware, PrivateAddressLookupRefused, PrivateAddressRefused

FAKE_DNS: dict[str, list[str]] = {
    "public.example": ["93.184.216.34"],
    "rebind.example": ["10.0.0.5"],  # a public-looking name that points inside
    "mixed.example": ["93.184.216.34", "127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "v6.example": ["2606:4700:4700::1111"],
    "v6local.example": ["fd00::1"],
}


async def fake_resolve(host: str) -> Sequence[str]:
    if host == "guarded.example":
        raise PrivateAddressLookupRefused(host, "metadata")
    if host not in FAKE_DNS:
        raise DNSLookupError(host)
    return FAKE_DNS[host]


def make_mw(settings: dict | None = None) -> tuple[NetworkGuardMiddleware, object]:
    crawler = get_crawler(settings_dict=settings or {})
    mw = NetworkGuardMiddleware.from_crawler(crawler)
    mw._resolve = fake_resolve
    return mw, crawler.stats


def run(mw: NetworkGuardMiddleware, url: str) -> None:
    asyncio.run(mw.process_request(Request(url)))


REFUSED = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.0.0.1:6379/", "loopback"),
    ("http://10.1.2.3/admin", "private"),
    ("https://192.168.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
    ("http://100.100.100.200/", "metadata"),
    ("http://[::1]:8080/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://100.64.1.1/", "cgnat"),
    ("http://224.0.0.251/", "multicast"),
    ("http://rebind.example/", "private"),
    ("http://mixed.example/", "loopback"),
    ("http://metadata.example/", "metadata"),
    ("http://v6local.example/", "private"),
    ("http://guarded.example/", "metadata"),
    ("http://nxdomain.example/", "unresolvable"),
    ("file:///etc/passwd", "scheme"),
    ("ftp://93.184.216.34/pub", "scheme"),
    ("s3://bucket/key", "scheme"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED, ids=[u for u, _ in REFUSED])
def test_refused(url: str, reason: str) -> None:
    mw, stats = make_mw()
    with pytest.raises(PrivateAddressRefused) as info:
        run(mw, url)
    assert info.value.reason == reason
    assert isinstance(info.value, IgnoreRequest)  # dropped, not retried
    assert isinstance(info.value, UnsafeAddressError)
    assert stats.get_value(f"linkspider/ssrf/refused/{reason}") == 1


ALLOWED = [
    "http://93.184.216.34/",
    "https://public.example/page?q=1",
    "http://v6.example/",
    "http://[2606:4700:4700::1111]/",
]


@pytest.mark.parametrize("url", ALLOWED)
def test_public_allowed(url: str) -> None:
    mw, stats = make_mw()
    assert run(mw, url) is None
    assert not [k for k in stats.get_stats() if k.startswith("linkspider/ssrf/")]


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.2:8000/", False),
        ("http://10.0.0.1/", False),
        ("http://rebind.example/", False),
        ("http://nxdomain.example/", False),  # the download's own lookup fails normally
        ("http://169.254.169.254/", True),  # metadata stays refused
        ("http://metadata.example/", True),
        ("file:///etc/passwd", True),
    ],
)
def test_allow_private_networks(url: str, refused: bool) -> None:
    mw, _ = make_mw({"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": True})
    if refused:
        with pytest.raises(PrivateAddressRefused):
            run(mw, url)
    else:
        assert run(mw, url) is None


def test_allowed_and_denied_networks() -> None:
    mw, stats = make_mw(
        {"LINKSPIDER_ALLOWED_NETWORKS": ["127.0.0.0/8"], "LINKSPIDER_DENIED_NETWORKS": ["93.184.216.0/24"]}
    )
    assert run(mw, "http://127.0.0.3:8080/") is None
    with pytest.raises(PrivateAddressRefused):
        run(mw, "http://10.0.0.1/")
    with pytest.raises(PrivateAddressRefused):
        run(mw, "http://public.example/")
    assert stats.get_value("linkspider/ssrf/refused/denied") == 1
    assert stats.get_value("linkspider/ssrf/refused/private") == 1


def test_counted_every_time_logged_once_per_host(caplog: pytest.LogCaptureFixture) -> None:
    mw, stats = make_mw()
    caplog.set_level(logging.WARNING, logger="linkspider.safety.network")
    for path in ("a", "b", "c"):
        with pytest.raises(PrivateAddressRefused):
            run(mw, f"http://10.0.0.9/{path}")
    with pytest.raises(PrivateAddressRefused):
        run(mw, "http://10.0.0.10/")
    assert stats.get_value("linkspider/ssrf/refused/private") == 4
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "'10.0.0.9'" in messages[0] and "'10.0.0.10'" in messages[1]


def test_log_and_exception_do_not_show_userinfo(caplog: pytest.LogCaptureFixture) -> None:
    mw, _ = make_mw()
    caplog.set_level(logging.WARNING, logger="linkspider.safety.network")
    with pytest.raises(PrivateAddressRefused) as info:
        run(mw, "http://admin:hunter2pass@10.0.0.1/")
    assert "hunter2pass" not in str(info.value)
    assert "hunter2pass" not in caplog.text
    assert "10.0.0.1" in caplog.text
