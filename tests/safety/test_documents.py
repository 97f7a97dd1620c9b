"""MongoDB-injection guard: content never becomes an operator or a path."""
from __future__ import annotations

import datetime

import pytest
from bson import ObjectId

from linkspider.errors import UnsafeDocumentError
from linkspider.safety import safe_document, safe_filter, safe_update

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

EDGE = {
    "_id": "ab" * 20,
    "source_url": "http://a.example/",
    "target_url": "http://b.example/x?q=$where",
    "anchor_text": '{"$gt": ""}',
    "alt": None,
    "link_type": "a",
    "rel": ["nofollow", "$ne"],
    "nofollow": True,
    "placement": "body",
    "first_seen": NOW,
    "schema_version": 1,
    "oid": ObjectId(),
    "depth": 2.5,
}


def test_edge_with_operator_looking_text_is_accepted_unchanged() -> None:
    assert safe_document(EDGE) == EDGE


UNSAFE_DOCS = [
    ({"$where": "sleep(1000)"}, "starts with '\\$'"),
    ({"anchor_text": {"$gt": ""}}, "starts with '\\$'"),
    ({"a.b": 1}, "contains '.'"),
    ({"nul\x00key": 1}, "contains '.' or NUL"),
    ({"rel": [{"$ne": None}]}, "starts with '\\$'"),
    ({1: "x"}, "not a string"),
    ({"anchor_text": object()}, "unsupported type object"),
    ({"anchor_text": {"x"}}, "unsupported type set"),
]


@pytest.mark.parametrize(("doc", "match"), UNSAFE_DOCS, ids=[repr(d)[:40] for d, _ in UNSAFE_DOCS])
def test_unsafe_documents_rejected(doc: dict, match: str) -> None:
    with pytest.raises(UnsafeDocumentError, match=match):
        safe_document(doc)


def test_deep_nesting_rejected() -> None:
    doc: dict = {"v": "x"}
    for _ in range(40):
        doc = {"n": doc}
    with pytest.raises(UnsafeDocumentError, match="nested deeper"):
        safe_document(doc)


def test_not_a_mapping() -> None:
    with pytest.raises(UnsafeDocumentError):
        safe_document(["x"])  # type: ignore[arg-type]


def test_safe_update() -> None:
    update = {"$set": {"last_seen": NOW, "anchor_text": "$where"}, "$setOnInsert": {"first_seen": NOW},
              "$inc": {"counts.links": 1}}
    assert safe_update(update) == update


@pytest.mark.parametrize(
    "update",
    [
        {"$where": {"x": 1}},
        {"$set": {"$x": 1}},
        {"$set": {"anchor_text": {"$gt": ""}}},
        {"$set": "text"},
        [{"$set": {"anchor_text": "$source_url"}}],  # pipeline update: "$..." strings are field paths
    ],
    ids=["operator", "dollar-field", "dict-value", "not-mapping", "pipeline"],
)
def test_unsafe_updates_rejected(update: object) -> None:
    with pytest.raises(UnsafeDocumentError):
        safe_update(update)  # type: ignore[arg-type]


def test_safe_filter() -> None:
    assert safe_filter({"_id": "abc", "target_key": "$where"}) == {"_id": "abc", "target_key": "$where"}
    with pytest.raises(UnsafeDocumentError):
        safe_filter({"target_url": {"$ne": None}})
    with pytest.raises(UnsafeDocumentError):
        safe_filter({"$where": "1"})
