"""Hostile responses and the security properties on the real stack (``scrapy crawl links``, Redis, MongoDB)."""
from __future__ import annotations

import uuid

import pytest
from scrapy.settings import Settings

from .conftest import INJECTION_ANCHORS, INTERNAL, SITE

GUARD_MW = "linkspider.safety.NetworkGuardMiddleware"
RESOLVER = "linkspider.safety.PublicOnlyResolver"
REDACTION = "linkspider.safety.RedactionExtension"


def _project_settings() -> Settings:
    """linkspider/settings.py as Scrapy loads it (without touching SCRAPY_SETTINGS_MODULE of this process)."""
    settings = Settings()
    settings.setmodule("linkspider.settings", priority="project")
    return settings


def test_project_settings_enable_safety_by_default() -> None:
    settings = _project_settings()
    assert settings.getbool("LINKSPIDER_ALLOW_PRIVATE_NETWORKS") is False
    assert GUARD_MW in settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[GUARD_MW] < 100  # before robots.txt: nothing is contacted
    assert settings.get("TWISTED_DNS_RESOLVER") == RESOLVER
    assert REDACTION in settings.getdict("EXTENSIONS")


def test_private_addresses_refused_in_a_real_crawl(trap_web, hostile_crawl) -> None:
    """A public page links to loopback (by IP, by name, as a decimal), to cloud metadata, and redirects to loopback."""
    result = hostile_crawl(
        [trap_web.url("/private-links")], scope="all",
        settings={"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "False",
                  "LINKSPIDER_ALLOWED_NETWORKS": f"{SITE}/32"},
    )
    assert result.status == 0, result.log[-3000:]
    assert trap_web.paths(INTERNAL) == [], "an internal address was contacted"
    assert trap_web.url("/public-ok") in result.pages()
    assert result.stat("linkspider/ssrf/refused/loopback") == 4  # literal, name, decimal, redirect target
    assert result.stat("linkspider/ssrf/refused/metadata") == 1
    # the links themselves are still recorded as edges: refusing to fetch is not losing the link
    targets = set(result.db.edges.distinct("target_url", {"source_url": trap_web.url("/private-links")}))
    assert "http://169.254.169.254/latest/meta-data/" in targets
    assert f"http://{INTERNAL}:{trap_web.port}/secret-literal" in targets


def test_control_private_allowed_reaches_internal(trap_web, hostile_crawl) -> None:
    """The same crawl with private networks allowed does reach 127.0.0.1: the test above can fail."""
    before = len(trap_web.paths(INTERNAL))
    result = hostile_crawl([trap_web.url("/private-links")], scope="all",
                           settings={"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True"})
    assert result.status == 0, result.log[-3000:]
    reached = trap_web.paths(INTERNAL)[before:]
    assert "/secret-literal" in reached and "/secret-redirect" in reached
    assert result.stat("linkspider/ssrf/refused/metadata") == 1  # metadata stays refused even then


@pytest.fixture
def credentialed(redis_client, redis_url, mongo_client, mongo_uri):
    """Redis and MongoDB URLs that carry a password (an ACL user / a SCRAM user on the session servers)."""
    secret = f"S3cret-{uuid.uuid4().hex[:10]}"
    user = f"spider{uuid.uuid4().hex[:6]}"
    redis_client.acl_setuser(user, enabled=True, passwords=[f"+{secret}"], keys=["*"], channels=["*"],
                             commands=["+@all"])
    mongo_client.admin.command("createUser", user, pwd=secret, roles=["root"])
    host = redis_url.split("://", 1)[1]
    mongo_host = mongo_uri.split("://", 1)[1].rstrip("/")
    yield secret, f"redis://{user}:{secret}@{host}", f"mongodb://{user}:{secret}@{mongo_host}/?authSource=admin"
    redis_client.acl_deluser(user)
    mongo_client.admin.command("dropUser", user)


def test_hostile_responses_with_credentialed_servers(trap_web, hostile_crawl, credentialed) -> None:
    """50 MB bodies, binary as HTML, a timeout, a 500 and operator-shaped anchor text, in one crawl whose
    REDIS_URL and MONGO_URI carry a password: the crawl finishes, stores what it should, leaks nothing."""
    secret, redis_url, mongo_uri = credentialed
    seeds = [trap_web.url(p) for p in ("/big", "/big-declared", "/binary", "/slow", "/error", "/inject", "/public-ok")]
    result = hostile_crawl(seeds, redis=redis_url, mongo=mongo_uri,
                           settings={"DOWNLOAD_MAXSIZE": str(10 * 1024 * 1024)})
    assert result.status == 0, result.log[-3000:]
    pages = result.pages()
    assert trap_web.url("/public-ok") in pages and trap_web.url("/inject") in pages
    # over DOWNLOAD_MAXSIZE: cancelled, counted, nothing from the body stored
    assert trap_web.url("/big") not in pages and trap_web.url("/big-declared") not in pages
    assert result.db.edges.count_documents({"target_url": {"$regex": "/from-big$"}}) == 0
    assert result.stat("linkspider/fetch_errors/DownloadCancelledError") == 2
    # binary served as text/html: fetched, recorded, every edge from it a sound URL
    assert trap_web.url("/binary") in pages
    for edge in result.db.edges.find({"source_url": trap_web.url("/binary")}):
        assert edge["target_url"].startswith("http")
    assert result.stat("linkspider/fetch_errors/DownloadTimeoutError") == 1  # /slow
    assert result.stat("linkspider/fetch_errors/HttpError") == 1  # /error (500)
    # operator-shaped anchor text is stored as text and matches only itself
    for text in INJECTION_ANCHORS:
        found = list(result.db.edges.find({"anchor_text": text}))
        assert len(found) == 1, text
        assert isinstance(found[0]["anchor_text"], str)
    rel_edge = result.db.edges.find_one({"target_url": trap_web.url("/t-rel")})
    assert rel_edge["rel"] == ["$ne", "nofollow"] and rel_edge["nofollow"] is True
    assert result.db.edges.count_documents({"anchor_text": {"$gt": ""}}) > len(INJECTION_ANCHORS)  # real operator still works
    # no key anywhere came from content
    for doc in result.db.edges.find():
        assert not [k for k in doc if k.startswith("$") or "." in k]
    # the password never shows: log, stats, or anything stored
    assert secret not in result.log
    for name in result.db.list_collection_names():
        for doc in result.db[name].find():
            assert secret not in str(doc), f"secret stored in {name}"
