"""``linkspider check-targets`` against the fixture web (a real Scrapy fetch), then ``report broken`` reads the result."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError, IgnoreRequest
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from linkspider.domains import domain_of
from linkspider.reports.runner import run_broken
from linkspider.reports.targets import Target
from linkspider.safety.network import PrivateAddressLookupRefused
from linkspider.spiders.check_targets import error_kind
from linkspider.urls import url_key

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("exc", "want"),
    [
        pytest.param(DNSLookupError("nowhere.invalid"), "dns", id="dns"),
        pytest.param(CannotResolveHostError("nowhere.invalid"), "dns", id="scrapy-dns"),
        pytest.param(DownloadTimeoutError(), "timeout", id="scrapy-timeout"),
        pytest.param(PrivateAddressLookupRefused("intranet", "private"), "refused_address", id="guard"),
        pytest.param(TimeoutError(), "timeout", id="timeout"),
        pytest.param(ConnectionRefusedError(), "connection_refused", id="refused"),
        pytest.param(IgnoreRequest("robots.txt"), None, id="robots-is-not-a-result"),
        pytest.param(ValueError("x"), "valueerror", id="other"),
    ],
)
def test_error_kind(exc, want) -> None:
    assert error_kind(exc) == want


def _edge(i: int, target_url: str) -> dict:
    src = f"https://referrer.example/post/{i}"
    when = datetime(2026, 3, 1, tzinfo=timezone.utc)
    return {
        "_id": f"e{i}", "source_url": src, "source_key": url_key(src), "source_domain": "referrer.example",
        "target_url": target_url, "target_key": url_key(target_url), "target_domain": domain_of(target_url),
        "anchor_text": f"link {i}", "alt": None, "link_type": "a", "placement": "body", "nofollow": False,
        "sponsored": False, "ugc": False, "internal": False, "first_seen": when, "last_seen": when,
    }


def _check(mongo_uri: str, db_name: str, target: str, *extra: str) -> str:
    env = {**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": db_name}
    proc = subprocess.run(
        [sys.executable, "-m", "linkspider", "check-targets", "--target", target,
         "-s", "LINKSPIDER_ALLOW_PRIVATE_NETWORKS=True", "-s", "LOG_LEVEL=INFO", *extra],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_check_targets_records_each_state(fixture_web, mongo_db, mongo_uri: str) -> None:
    web = fixture_web.web
    ok_url = web.page_urls()[1]
    site = domain_of(ok_url)
    same_site = [u for u in web.missing + [r.url for r in web.redirects] + web.private_urls if domain_of(u) == site]
    gone_url, moved_url, private_url = same_site
    dns_url = "http://nowhere.invalid/page"
    urls = [ok_url, gone_url, moved_url, private_url, dns_url]
    mongo_db.edges.insert_many([_edge(i, u) for i, u in enumerate(urls)])

    before = run_broken(mongo_db, Target("domain", site))
    assert before["pages_by_state"]["unchecked"] == 4

    out = _check(mongo_uri, mongo_db.name, site)
    assert "checked 4 target pages" in out
    _check(mongo_uri, mongo_db.name, "nowhere.invalid")

    pages = {p["_id"]: p for p in mongo_db.pages.find()}
    assert pages[url_key(ok_url)]["status"] == 200
    assert pages[url_key(gone_url)]["status"] == 404
    assert pages[url_key(moved_url)]["status"] == 301
    assert url_key(private_url) not in pages  # robots.txt forbids it: not fetched, still unchecked
    assert pages[url_key(dns_url)]["error"] == "dns" and pages[url_key(dns_url)]["status"] == 0
    assert all(p["crawl_id"] == "check-targets" and p["outlinks"] == 0 for p in pages.values())

    report = run_broken(mongo_db, Target("domain", site))
    states = {k: v for k, v in report["pages_by_state"].items() if v}
    assert states == {"ok": 1, "gone": 1, "redirect": 1, "unchecked": 1}
    assert [b["target_url"] for b in report["broken"]] == [gone_url]
    assert run_broken(mongo_db, Target("domain", "nowhere.invalid"))["pages_by_state"]["dns"] == 1

    # a second run only fetches what is still unchecked; --recheck fetches all again
    assert "checked 1 target pages" in _check(mongo_uri, mongo_db.name, site)
    assert "checked 4 target pages" in _check(mongo_uri, mongo_db.name, site, "--recheck")
    assert mongo_db.edges.count_documents({"lost_at": {"$exists": True}}) == 0  # no link was marked lost
