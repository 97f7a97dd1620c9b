"""Shared fixtures: real redis-server and mongod on free loopback ports, one pair per test session.

Set LINKSPIDER_TEST_REDIS_URL / LINKSPIDER_TEST_MONGO_URI to use servers you already run instead.
A missing server binary fails the session with instructions; it is never skipped.
"""
from __future__ import annotations

import faulthandler
import os
import uuid
from collections.abc import Iterator

import pymongo
import pytest
import redis

from linkspider.demo.servers import MongoServer, RedisServer
from linkspider.store.client import close_clients

EXIT_GRACE_S = 300


def pytest_unconfigure(config: pytest.Config) -> None:
    """A thread left blocked by some test would hold the interpreter at exit, after the summary, until
    CI's time limit. Turn that into a failure that prints every thread's stack instead."""
    faulthandler.dump_traceback_later(EXIT_GRACE_S, exit=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer | None]:
    if os.environ.get("LINKSPIDER_TEST_REDIS_URL"):
        yield None
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer | None]:
    if os.environ.get("LINKSPIDER_TEST_MONGO_URI"):
        yield None
        return
    server = MongoServer(tmp_path_factory.mktemp("mongo")).start()
    yield server
    # While mongod still answers: a client closed after it stops waits for a server to end its
    # sessions (serverSelectionTimeoutMS each), which made the run linger a minute after its summary.
    close_clients()
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer | None) -> str:
    return os.environ.get("LINKSPIDER_TEST_REDIS_URL") or redis_server.url  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def mongo_uri(mongo_server: MongoServer | None) -> str:
    return os.environ.get("LINKSPIDER_TEST_MONGO_URI") or mongo_server.uri  # type: ignore[union-attr]


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on a flushed database: tests run one at a time, so each starts from nothing."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def mongo_client(mongo_uri: str) -> Iterator[pymongo.MongoClient]:
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture
def mongo_db(mongo_client: pymongo.MongoClient):
    """A throwaway database, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


@pytest.fixture
def crawl_id() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def fixture_web():
    """A small fixture web (3 sites x 10 real pages) served on 127.0.0.2-4 for the whole session."""
    from linkspider.demo.fixture_web import FixtureWebServer, build_web

    with FixtureWebServer(build_web(sites=3, pages_per_site=10, seed=0)) as server:
        yield server


@pytest.fixture
def crawl(redis_url: str, mongo_uri: str, mongo_db, tmp_path):
    """Run ``scrapy crawl links`` to completion against the session servers and this test's database."""
    from linkspider.demo.crawl import run_crawl

    def _crawl(seeds, crawl_id, *, settings=None, scope=None, timeout=300):
        merged = {"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True", "LINKSPIDER_IDLE_CLOSE_SECONDS": "1"}
        merged.update(settings or {})
        log = tmp_path / f"crawl-{crawl_id}.log"
        status = run_crawl(seeds, crawl_id, redis_url=redis_url, mongo_uri=mongo_uri, database=mongo_db.name,
                           settings=merged, scope=scope, log_path=log, timeout=timeout)
        assert status == 0, f"crawl exited {status}:\n{log.read_text()[-4000:]}"
        return log.read_text()

    return _crawl
