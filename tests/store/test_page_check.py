"""``page_check_update``: a target check sets the status fields only, and never passes for a crawl."""
from __future__ import annotations

from datetime import datetime, timezone

from linkspider.store.documents import page_check_update

WHEN = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def _check(db, **kw):
    fields = {"status": 404, "error": None, "soft_404": False, "checked_at": WHEN, "domain": "a.com", "host": "www.a.com"}
    fields.update(kw)
    db.pages.bulk_write([page_check_update("https://www.a.com/x", "https://www.a.com/x", **fields)], ordered=False)
    return db.pages.find_one({"_id": "https://www.a.com/x"})


def test_new_page_is_marked_as_a_check(mongo_db) -> None:
    doc = _check(mongo_db)
    assert doc["status"] == 404 and doc["crawl_id"] == "check-targets" and doc["outlinks"] == 0
    assert doc["checked_at"].replace(tzinfo=None) == doc["fetched_at"].replace(tzinfo=None) == datetime(2026, 5, 1, 12, 0, 0, 123000)  # milliseconds, as BSON


def test_crawled_page_keeps_its_crawl_fields(mongo_db) -> None:
    crawled = datetime(2026, 4, 1)
    mongo_db.pages.insert_one({"_id": "https://www.a.com/x", "status": 200, "crawl_id": "c1", "outlinks": 12,
                               "fetched_at": crawled, "domain": "a.com"})
    doc = _check(mongo_db, status=0, error="dns")
    assert (doc["status"], doc["error"], doc["crawl_id"], doc["outlinks"]) == (0, "dns", "c1", 12)
    assert doc["fetched_at"].replace(tzinfo=None) == crawled


def test_hostile_values_are_coerced(mongo_db) -> None:
    doc = _check(mongo_db, status="404", error=7, soft_404="yes")
    assert (doc["status"], doc["error"], doc["soft_404"]) == (404, "7", False)
