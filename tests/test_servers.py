from __future__ import annotations

import pytest

from linkspider.demo import servers
from linkspider.errors import ServerMissingError


def test_redis_and_mongo_answer(redis_client, mongo_db):
    assert redis_client.ping()
    mongo_db.probe.insert_one({"x": 1})
    assert mongo_db.probe.count_documents({}) == 1


def test_missing_binary_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("LINKSPIDER_REDIS_SERVER", raising=False)
    with pytest.raises(ServerMissingError, match="apt-get install redis-server"):
        servers.find_redis_server()


def test_mongo_restart_keeps_data(tmp_path):
    import pymongo

    server = servers.MongoServer(tmp_path).start()
    try:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        client.db.c.insert_one({"_id": 1})
        server.stop()
        server.start()
        assert client.db.c.find_one({"_id": 1}) == {"_id": 1}
        client.close()
    finally:
        server.stop()
