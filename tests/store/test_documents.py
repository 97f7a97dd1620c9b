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
    link_digest,
    link_set,
    lost_by_ids,
    lost_reason,
    page_document,
    page_id_range,
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


def expected_id(*parts: str) -> bytes:
    raw = (":".join(str(len(p)) for p in parts) + "|" + "".join(parts)).encode()
    page = hashlib.blake2b(parts[0].encode(), digest_size=8).digest()
    return page + hashlib.blake2b(raw, digest_size=8).digest()


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


def test_a_page_edges_share_an_id_range():
    ids = [edge_id("https://a.example/", f"https://b.example/{i}", "a", "", "body") for i in range(50)]
    other = edge_id("https://a.example/2", "https://b.example/1", "a", "", "body")
    bounds = page_id_range("https://a.example/")
    assert all(bounds["$gte"] <= i <= bounds["$lte"] for i in ids)
    assert not bounds["$gte"] <= other <= bounds["$lte"]


def test_edge_id_is_blake2b_of_lengths_then_fields():
    parts = ("https://a.example/", "https://b.example/", "a", "héllo wörld", "footer")
    assert edge_id(*parts) == expected_id(*parts)
    assert len(edge_id(*parts)) == 16  # BinData, not 32 hex characters


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
        "source_domain": "a.example", "target_domain": "b.example",
        "anchor_text": "Read more", "link_type": "a", "rel": ["nofollow", "ugc"],
        "nofollow": True, "sponsored": False, "ugc": True, "placement": "body", "internal": False,
        "first_seen": T0_MS, "crawl_id": "c1", "schema_version": SCHEMA_VERSION,
    }
    assert "href" not in doc


@pytest.mark.parametrize(
    ("score", "stored"),
    [(0.731, 0.731), (0.0, 0.0), (1, 1.0), (None, None), (1.5, None), (-0.1, None), (True, None), ("0.9", None),
     (float("nan"), None)],
)
def test_edge_document_keeps_a_valid_body_score_only(score, stored):
    doc = edge_document(link(body_score=score))
    assert doc.get("body_score") == stored and ("body_score" in doc) == (stored is not None)


def test_edge_document_omits_unset_alt_and_rel():
    doc = edge_document(link(rel=[], alt=None))
    assert "alt" not in doc and "rel" not in doc
    assert edge_document(link(alt="logo"))["alt"] == "logo"


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"rel": ["NoFollow", "UGC"]}, "rel", ["nofollow", "ugc"]),
        ({"rel": "noopener  NOREFERRER"}, "rel", ["noopener", "noreferrer"]),
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
    ids=["rel-lowercased", "rel-string", "rel-tuple", "anchor-capped", "anchor-none", "alt-coerced",
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
    for field in ("source_key", "target_key", "anchor_text", "crawl_id"):
        assert isinstance(doc[field], str), field
    assert isinstance(doc["_id"], bytes)
    page = page_document(PageItem(url=hostile, url_key=hostile, status="200", fetched_at=T0))
    assert isinstance(page["_id"], str) and page["status"] == 200


def test_edge_document_without_seen_at_uses_now():
    item = link()
    del item["seen_at"]
    now = datetime(2026, 5, 5, 1, 2, 3, 456789, tzinfo=timezone.utc)
    doc = edge_document(item, now)
    assert doc["first_seen"] == to_millis(now)


def test_edge_update_is_idempotent_upsert():
    op = edge_update(link())
    assert isinstance(op, UpdateOne)
    doc = edge_document(link())
    assert op._filter == {"_id": doc["_id"]}
    assert op._upsert is True
    update = op._doc
    assert set(update) == {"$setOnInsert", "$set", "$unset"}
    assert update["$setOnInsert"] == {"first_seen": T0_MS}
    assert update["$unset"] == {"lost_at": "", "lost_reason": "", "alt": "", "body_score": ""}  # removed if stored
    assert "_id" not in update["$set"] and "first_seen" not in update["$set"]
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


def test_lost_by_ids_marks_only_live_edges():
    ids = [b"\x01" * 16, b"\x02" * 16]
    op = lost_by_ids(ids, T0_MS, "page_gone")
    assert isinstance(op, UpdateMany)
    assert op._filter == {"_id": {"$in": ids}, "lost_at": {"$exists": False}}
    assert op._doc == {"$set": {"lost_at": T0_MS, "lost_reason": "page_gone"}}


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({}, True),
        ({"anchor_text": "Other"}, False),
        ({"rel": ["sponsored"], "nofollow": False, "sponsored": True, "ugc": False}, False),
        ({"alt": "logo"}, False),
        ({"crawl_id": "c2", "seen_at": T0 + timedelta(days=1)}, True),
    ],
    ids=["same", "other-edge", "flags-changed", "alt-changed", "later-crawl"],
)
def test_link_digest_changes_with_the_link_set(change, same):
    base = [edge_document(link()), edge_document(link(target_url="https://c.example/", target_key="https://c.example/"))]
    other = [edge_document(link(**change)), base[1]]
    assert (link_digest(base) == link_digest(list(reversed(other)))) is same
    assert link_digest(base + base) == link_digest(base)  # repeats do not count


def page_item(status: int = 200, **extra) -> PageItem:
    return PageItem(url="https://a.example/page", url_key="https://a.example/page", status=status, fetched_at=T0,
                    crawl_id="c1", depth=0, host="a.example", domain="a.example", outlinks=1, **extra)


@pytest.mark.parametrize(
    ("status", "redirect_to", "reason", "has_digest"),
    [(200, None, "link_removed", True), (404, None, "page_gone", True), (301, "https://a.example/new",
      "page_redirects", True), (503, None, None, False)],
    ids=["ok", "gone", "moved", "transient"],
)
def test_link_set_of_a_fetch(status, redirect_to, reason, has_digest):
    edges = [edge_document(link()), edge_document(link())]
    one = link_set(page_document(page_item(status, redirect_to=redirect_to)), edges)
    assert one["source_key"] == "https://a.example/page" and one["reason"] == reason
    assert len(one["edges"]) == 1  # the same link twice is one edge
    assert ("links_digest" in one["page"]) is has_digest


def test_link_set_without_page_only_adds():
    one = link_set(None, [edge_document(link())])
    assert one == {"source_key": "https://a.example/page", "page": None, "edges": [edge_document(link())],
                   "reason": None}
