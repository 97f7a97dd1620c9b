"""Pure functions of the write path: edge ids, documents, the exact MongoDB operations."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from pymongo import UpdateMany, UpdateOne

from linkspider.items import LinkItem, PageItem
from linkspider.store.documents import (
    MAX_ANCHOR_CHARS,
    SCHEMA_VERSION,
    edge_document,
    edge_id,
    edge_update,
    lost_reason,
    lost_update,
    page_document,
    page_update,
    to_millis,
)

T0 = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=timezone.utc)
T0_MS = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=timezone.utc)


def link(**overrides) -> LinkItem:
    fields = {
        "source_url": "https://a.example/page", "source_key": "https://a.example/page",
        "source_host": "a.example", "source_domain": "a.example",
        "target_url": "https://b.example/x?q=1", "target_key": "https://b.example/x?q=1",
        "target_host": "b.example", "target_domain": "b.example", "href": "/x?q=1#frag",
        "anchor_text": "Read more", "alt": None, "link_type": "a", "rel": ["nofollow", "ugc"], "nofollow": True,
        "sponsored": False, "ugc": True, "placement": "body", "internal": False, "crawl_id": "c1", "seen_at": T0,
    }
    fields.update(overrides)
    return LinkItem(**fields)


def expected_id(*parts: str) -> str:
    raw = (":".join(str(len(p)) for p in parts) + "|" + "".join(parts)).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("s", "t", "a", "x", "body"), ("s", "t", "a", "x", "body"), True),
        (("s", "t", "a", "x", "body"), ("s", "t", "a", "x", "nav"), False),
        (("s", "t", "a", "x", "body"), ("s", "t", "img", "x", "body"), False),
        (("s", "t", "a", "x", "body"), ("s", "t", "a", "y", "body"), False),
        (("s", "t", "a", "x", "body"), ("s", "u", "a", "x", "body"), False),
        (("s", "t", "a", "x", "body"), ("r", "t", "a", "x", "body"), False),
        # a naive join with a separator would collide on these two
        (("s|t", "u", "a", "", "body"), ("s", "t|u", "a", "", "body"), False),
        (("s:t", "u", "a", "", "body"), ("s", "t:u", "a", "", "body"), False),
    ],
    ids=["identical", "placement", "link_type", "anchor", "target", "source", "separator-pipe", "separator-colon"],
)
def test_edge_id_identity(a, b, same):
    assert (edge_id(*a) == edge_id(*b)) is same


def test_edge_id_is_blake2b_of_lengths_then_fields():
    parts = ("https://a.example/", "https://b.example/", "a", "héllo wörld", "footer")
    assert edge_id(*parts) == expected_id(*parts)
    assert len(edge_id(*parts)) == 32


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (T0, T0_MS),
        (T0.replace(tzinfo=None), T0_MS),
        (T0.astimezone(timezone(timedelta(hours=2))), T0_MS),
        (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 1, tzinfo=timezone.utc)),
    ],
    ids=["utc", "naive-is-utc", "other-offset", "already-ms"],
)
def test_to_millis(value, expected):
    result = to_millis(value)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_edge_document_fields():
    doc = edge_document(link())
    assert doc == {
        "_id": expected_id("https://a.example/page", "https://b.example/x?q=1", "a", "Read more", "body"),
        "source_url": "https://a.example/page", "source_key": "https://a.example/page",
        "target_url": "https://b.example/x?q=1", "target_key": "https://b.example/x?q=1",
        "source_host": "a.example", "target_host": "b.example",
        "source_domain": "a.example", "target_domain": "b.example",
        "anchor_text": "Read more", "alt": None, "link_type": "a", "rel": ["nofollow", "ugc"],
        "nofollow": True, "sponsored": False, "ugc": True, "placement": "body", "internal": False,
        "first_seen": T0_MS, "last_seen": T0_MS, "crawl_id": "c1", "schema_version": SCHEMA_VERSION,
    }
    assert "href" not in doc


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"rel": ["NoFollow", "UGC"]}, "rel", ["nofollow", "ugc"]),
        ({"rel": "noopener  NOREFERRER"}, "rel", ["noopener", "noreferrer"]),
        ({"rel": None}, "rel", []),
        ({"rel": ("sponsored",)}, "rel", ["sponsored"]),
        ({"anchor_text": "x" * (MAX_ANCHOR_CHARS + 50)}, "anchor_text", "x" * MAX_ANCHOR_CHARS),
        ({"anchor_text": None}, "anchor_text", ""),
        ({"alt": 5}, "alt", "5"),
        ({"link_type": None}, "link_type", "a"),
        ({"placement": None}, "placement", "body"),
        ({"nofollow": 0}, "nofollow", False),
        ({"internal": 1}, "internal", True),
        ({"target_key": None}, "target_key", "https://b.example/x?q=1"),
    ],
    ids=["rel-lowercased", "rel-string", "rel-none", "rel-tuple", "anchor-capped", "anchor-none", "alt-coerced",
         "link-type-default", "placement-default", "bool-coerced-false", "bool-coerced-true", "key-falls-back-to-url"],
)
def test_edge_document_coercion(overrides, field, expected):
    assert edge_document(link(**overrides))[field] == expected


@pytest.mark.parametrize(
    "hostile",
    [{"$ne": None}, {"$gt": ""}, ["$where"]],
    ids=["ne-operator", "gt-operator", "list"],
)
def test_hostile_values_never_become_operators(hostile):
    """A value that is a dict would be an operator in a filter; every filter value is a plain string."""
    doc = edge_document(link(source_key=hostile, target_key=hostile, anchor_text=hostile, crawl_id=hostile))
    for field in ("source_key", "target_key", "anchor_text", "crawl_id", "_id"):
        assert isinstance(doc[field], str), field
    op = lost_update(hostile, T0, "link_removed")  # type: ignore[arg-type]
    assert isinstance(op._filter["source_key"], str)
    page = page_document(PageItem(url=hostile, url_key=hostile, status="200", fetched_at=T0))
    assert isinstance(page["_id"], str) and page["status"] == 200


def test_edge_document_without_seen_at_uses_now():
    item = link()
    del item["seen_at"]
    now = datetime(2026, 5, 5, 1, 2, 3, 456789, tzinfo=timezone.utc)
    doc = edge_document(item, now)
    assert doc["first_seen"] == doc["last_seen"] == to_millis(now)


def test_edge_update_is_idempotent_upsert():
    op = edge_update(link())
    assert isinstance(op, UpdateOne)
    doc = edge_document(link())
    assert op._filter == {"_id": doc["_id"]}
    assert op._upsert is True
    update = op._doc
    assert set(update) == {"$setOnInsert", "$max", "$set", "$unset"}
    assert update["$setOnInsert"] == {"first_seen": T0_MS}
    assert update["$max"] == {"last_seen": T0_MS}
    assert update["$unset"] == {"lost_at": "", "lost_reason": ""}
    assert "_id" not in update["$set"] and "first_seen" not in update["$set"] and "last_seen" not in update["$set"]
    assert update["$set"]["anchor_text"] == "Read more" and update["$set"]["schema_version"] == SCHEMA_VERSION
    # no field is touched by two operators (MongoDB rejects that)
    touched = [key for part in update.values() for key in part]
    assert len(touched) == len(set(touched))


def test_page_document_and_update():
    item = PageItem(url="https://a.example/page", url_key="https://a.example/page", status=200, fetched_at=T0,
                    crawl_id="c1", depth=2, host="a.example", domain="a.example", outlinks=7, redirect_to=None)
    doc = page_document(item)
    assert doc == {
        "_id": "https://a.example/page", "url": "https://a.example/page", "status": 200, "fetched_at": T0_MS,
        "crawl_id": "c1", "outlinks": 7, "domain": "a.example", "host": "a.example", "depth": 2,
        "redirect_to": None, "soft_404": False, "schema_version": SCHEMA_VERSION,
    }
    op = page_update(item)
    assert op._filter == {"_id": "https://a.example/page"} and op._upsert is True
    assert op._doc["$set"]["fetched_at"] == T0_MS and op._doc["$setOnInsert"] == {"first_fetched": T0_MS}


@pytest.mark.parametrize(
    ("status", "redirect_to", "expected"),
    [
        (200, None, "link_removed"),
        (203, None, "link_removed"),
        (404, None, "page_gone"),
        (410, None, "page_gone"),
        (301, "https://a.example/new", "page_redirects"),
        (308, None, "page_redirects"),
        (200, "https://a.example/refresh", "page_redirects"),
        (500, None, None),
        (503, None, None),
        (403, None, None),
        (429, None, None),
    ],
    ids=["ok", "ok-203", "not-found", "gone", "moved", "redirect-without-target", "redirect-to-on-200",
         "server-error", "unavailable", "forbidden", "rate-limited"],
)
def test_lost_reason(status, redirect_to, expected):
    assert lost_reason(status, redirect_to) == expected


def test_lost_update_selects_unseen_live_edges_of_the_page():
    op = lost_update("https://a.example/page", T0, "page_gone")
    assert isinstance(op, UpdateMany)
    assert op._filter == {
        "source_key": "https://a.example/page", "last_seen": {"$lt": T0_MS}, "lost_at": {"$exists": False},
    }
    assert op._doc == {"$set": {"lost_at": T0_MS, "lost_reason": "page_gone"}}
