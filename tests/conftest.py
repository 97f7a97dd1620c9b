"""Shared fixtures: real redis-server and mongod on free loopback ports, one pair per test session.

Set LINKSPIDER_TEST_REDIS_URL / LINKSPIDER_TEST_MONGO_URI to use servers you already run instead.
A missing server binary fails the session with instructions; it is never skipped.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pymongo
import pytest
import redis

from linkspider.testing.servers import MongoServer, RedisServer


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
