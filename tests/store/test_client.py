"""One client per process and options; MONGO_URI / MONGO_DATABASE resolution; no password in errors."""
from __future__ import annotations

import pytest

from linkspider.errors import ConfigurationError
from linkspider.store.client import get_client, mongo_settings


@pytest.mark.parametrize(
    ("settings", "env", "expected"),
    [
        ({}, {}, ("mongodb://127.0.0.1:27017", "linkspider")),
        ({}, {"MONGO_URI": "mongodb://env:1/", "MONGO_DATABASE": "envdb"}, ("mongodb://env:1/", "envdb")),
        ({"MONGO_URI": "mongodb://set:2/", "MONGO_DATABASE": "setdb"}, {"MONGO_URI": "mongodb://env:1/"},
         ("mongodb://set:2/", "setdb")),
        ({"MONGO_DATABASE": "setdb"}, {"MONGO_URI": "mongodb://env:1/"}, ("mongodb://env:1/", "setdb")),
    ],
    ids=["defaults", "environment", "settings-win", "mixed"],
)
def test_mongo_settings(monkeypatch, settings, env, expected):
    monkeypatch.delenv("MONGO_URI", raising=False)
    monkeypatch.delenv("MONGO_DATABASE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert mongo_settings(settings) == expected


def test_one_client_per_uri_and_options(mongo_uri):
    assert get_client(mongo_uri) is get_client(mongo_uri)
    assert get_client(mongo_uri, serverSelectionTimeoutMS=1234) is get_client(mongo_uri, serverSelectionTimeoutMS=1234)
    assert get_client(mongo_uri, serverSelectionTimeoutMS=1234) is not get_client(mongo_uri)


def test_unusable_uri_fails_without_quoting_the_password():
    with pytest.raises(ConfigurationError, match="MONGO_URI") as info:
        get_client("mongodb://app:hunter2secret@m1:99999/?replicaSet=rs")
    assert "hunter2secret" not in str(info.value)
    assert info.value.__cause__ is None  # the chained pymongo error could quote it
