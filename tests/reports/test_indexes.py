"""``ensure_indexes`` and ``linkspider mongo ensure-indexes`` against a real mongod."""

from __future__ import annotations

import pytest

from linkspider.cli import main
from linkspider.errors import StoreError
from linkspider.store.indexes import INDEXES, ensure_indexes


def _index_keys(coll) -> dict[str, list[tuple[str, int]]]:
    return {name: list(info["key"]) for name, info in coll.index_information().items()}


def test_ensure_indexes_creates_every_index_and_is_idempotent(mongo_db) -> None:
    first = ensure_indexes(mongo_db)
    second = ensure_indexes(mongo_db)
    assert first == second
    for coll, models in INDEXES.items():
        have = _index_keys(mongo_db[coll])
        for model in models:
            doc = model.document
            assert have[doc["name"]] == list(doc["key"].items()), doc["name"]
    info = mongo_db.edges.index_information()
    assert info["edges_lost_at"]["partialFilterExpression"] == {"internal": False, "lost_at": {"$exists": True}}
    assert info["edges_target_domain"]["partialFilterExpression"] == {"internal": False}
    assert info["edges_target_key"]["partialFilterExpression"] == {"internal": False}
    assert "edges_source_key" not in info  # the writer reads a page's edges by _id range


def test_conflicting_index_fails_loudly(mongo_db) -> None:
    mongo_db.edges.create_index([("target_domain", 1)], name="edges_target_domain")
    with pytest.raises(StoreError, match="edges_target_domain|another definition"):
        ensure_indexes(mongo_db)


def test_mongo_ensure_indexes_command(mongo_db, mongo_uri: str, capsys) -> None:
    assert main(["mongo", "ensure-indexes", "--mongo-uri", mongo_uri, "--database", mongo_db.name]) == 0
    out = capsys.readouterr().out
    assert f"{mongo_db.name}.edges: edges_target_domain" in out
    assert "pages_domain" in _index_keys(mongo_db.pages)
