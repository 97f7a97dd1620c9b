"""The safety components in real crawls: real sockets, real name resolution, Scrapy's redirects.

Each scenario is a separate process (the reactor and its DNS resolver are per process). The
control run fetches the same URLs with nothing enabled, so the other tests pass only because a
component refused, not because a server was unreachable.
"""
from __future__ import annotations

from linkspider.safety.redact import MASK

GUARD = {"DOWNLOADER_MIDDLEWARES": {"linkspider.safety.NetworkGuardMiddleware": 50}}
RESOLVER = {"TWISTED_DNS_RESOLVER": "linkspider.safety.PublicOnlyResolver"}
REDACTION = {"EXTENSIONS": {"linkspider.safety.RedactionExtension": 0}}
ENTRY = "127.0.0.3"  # the one address the tests allow, standing in for a public site
ALLOW_ENTRY = {"LINKSPIDER_ALLOWED_NETWORKS": [f"{ENTRY}/32"]}
SECRET = "hunter2-s3cret"
CARELESS = {  # the probe spider logs these URLs verbatim and puts one in the stats
    "REDIS_URL": f"redis://:{SECRET}@127.0.0.1:1/0",
    "MONGO_URI": f"mongodb://app:{SECRET}@127.0.0.1:1/",
    "PROBE_CARELESS": True,
}


def urls(port: int) -> list[str]:
    return [
        f"http://{ENTRY}:{port}/ok",
        f"http://{ENTRY}:{port}/redirect-to/127.0.0.1:{port}/after-redirect",  # redirect into loopback
        f"http://localhost:{port}/by-name",  # a name that resolves to loopback
        f"http://2130706433:{port}/decimal",  # 127.0.0.1 spelled as one number
        f"http://127.0.0.1:{port}/literal",
    ]


def test_control_nothing_enabled_everything_reached(loopback_web, probe) -> None:
    port = loopback_web.port
    result = probe(urls(port), CARELESS)
    assert sorted(loopback_web.paths("127.0.0.1")) == ["/after-redirect", "/by-name", "/decimal", "/literal"]
    assert not [k for k in result.stats if k.startswith("linkspider/")]
    assert SECRET in result.log and SECRET in result.stats["probe/redis_url"]


def test_guard_refuses_names_redirects_and_literals(loopback_web, probe) -> None:
    port = loopback_web.port
    result = probe(urls(port), {**GUARD, **ALLOW_ENTRY})
    assert sorted(loopback_web.paths()) == sorted([f"/redirect-to/127.0.0.1:{port}/after-redirect", "/ok"])
    assert loopback_web.paths("127.0.0.1") == []
    assert result.stats["linkspider/ssrf/refused/loopback"] == 4
    assert result.fetched == [f"http://{ENTRY}:{port}/ok"]


def test_resolver_alone_refuses_private_answers(loopback_web, probe) -> None:
    """No middleware: the connection itself cannot reach a name that resolves to loopback."""
    port = loopback_web.port
    result = probe(
        [f"http://localhost:{port}/by-name", f"http://2130706433:{port}/decimal", f"http://{ENTRY}:{port}/ok"],
        {**RESOLVER, **ALLOW_ENTRY},
    )
    assert loopback_web.paths() == ["/ok"]
    assert result.stats["downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError"] == 2
    assert "'localhost' is a loopback address; refusing to connect" in result.log


def test_production_wiring_guard_resolver_redaction(loopback_web, probe) -> None:
    """All three components as settings.py enables them."""
    port = loopback_web.port
    result = probe(urls(port), {**GUARD, **RESOLVER, **REDACTION, **ALLOW_ENTRY, **CARELESS})
    assert loopback_web.paths("127.0.0.1") == []
    assert result.stats["linkspider/ssrf/refused/loopback"] == 4
    # refused (and counted) by the guard before any connection attempt, so no DNS error
    assert "downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError" not in result.stats
    assert SECRET not in result.log
    assert SECRET not in str(result.stats)
    assert f"redis://:{MASK}@127.0.0.1:1/0" in result.log
    assert result.stats["probe/redis_url"] == f"redis://:{MASK}@127.0.0.1:1/0"
    assert result.stats["linkspider/redaction/stats_masked"] == 1
