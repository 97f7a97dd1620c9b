"""The crawls report: pure document building, and a real Scrapy process writing to real MongoDB."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from linkspider.extensions.crawl_report import (
    job_id_of,
    mongo_safe_key,
    report_document,
    summarize_stats,
)

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 9, 4, 0, tzinfo=timezone.utc)
END = datetime(2026, 3, 9, 4, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        ({}, {"pages": 0, "edges": 0, "errors": 0, "fetch_errors": 0}),
        (
            {"linkspider/pages": 7, "response_received_count": 9, "linkspider/links_found": 120,
             "item_scraped_count": 127, "log_count/ERROR": 2},
            {"pages": 7, "edges": 120, "errors": 2, "fetch_errors": 0},
        ),
        (
            {"response_received_count": 9, "item_scraped_count": 40},
            {"pages": 9, "edges": 40, "errors": 0, "fetch_errors": 0},
        ),
        (
            {"linkspider/fetch_errors/TimeoutError": 3, "linkspider/fetch_errors/DNSLookupError": 1,
             "linkspider/fetch_errorsX": 50},
            {"pages": 0, "edges": 0, "errors": 0, "fetch_errors": 4},
        ),
    ],
    ids=["empty", "linkspider-keys-win", "scrapy-fallback", "fetch-errors-summed"],
)
def test_summarize_stats(stats: dict, expected: dict) -> None:
    assert summarize_stats(stats) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("downloader/response_count", "downloader/response_count"),
        ("robotstxt/exception_count/<class 'twisted.internet.error.DNSLookupError'>",
         "robotstxt/exception_count/<class 'twisted_internet_error_DNSLookupError'>"),
        ("$where", "_where"),
    ],
    ids=["plain", "dotted", "dollar"],
)
def test_mongo_safe_key(key: str, expected: str) -> None:
    assert mongo_safe_key(key) == expected


@pytest.mark.parametrize(
    ("spider_job", "environ", "expected"),
    [("abc", {}, "abc"), (None, {"SCRAPY_JOB": "old"}, "old"), ("new", {"SCRAPY_JOB": "old"}, "new"), (None, {}, None)],
    ids=["scrapyd-arg", "legacy-env", "arg-wins", "not-scrapyd"],
)
def test_job_id_of(spider_job: str | None, environ: dict, expected: str | None) -> None:
    spider = SimpleNamespace(_job=spider_job) if spider_job else SimpleNamespace()
    assert job_id_of(spider, environ) == expected  # type: ignore[arg-type]


def test_report_document_ids_are_stable_per_job() -> None:
    kwargs = {"crawl_id": "daily-2026-03-09", "spider": "links", "node": "n1", "pid": 42, "start": START,
                  "stats": {"linkspider/pages": 3, "a.b": 1}}
    by_job = report_document(job_id="daily-2026-03-09--n0-ab", end=END, finish_reason="finished", **kwargs)
    assert by_job["_id"] == "daily-2026-03-09/daily-2026-03-09--n0-ab"
    assert by_job["state"] == "finished"
    assert by_job["pages"] == 3
    assert by_job["stats"] == {"linkspider/pages": 3, "a_b": 1}
    running = report_document(job_id="daily-2026-03-09--n0-ab", end=None, finish_reason=None, **kwargs)
    assert running["_id"] == by_job["_id"]
    assert running["state"] == "running"
    plain = report_document(job_id=None, end=END, finish_reason="finished", **kwargs)
    assert plain["_id"] == "daily-2026-03-09/n1-42-20260309T040000000000Z"


SPIDER = '''
import scrapy


class Reporting(scrapy.Spider):
    name = "reporting"

    async def start(self):
        stats = self.crawler.stats
        stats.inc_value("linkspider/pages", 3)
        stats.inc_value("linkspider/links_found", 11)
        stats.inc_value("linkspider/fetch_errors/TimeoutError", 2)
        stats.set_value("weird.key", 1)
        return
        yield
'''


def _run_spider(tmp_path: Path, mongo_uri: str, database: str, *args: str) -> subprocess.CompletedProcess:
    spider = tmp_path / "reporting.py"
    spider.write_text(SPIDER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
    env.update(MONGO_URI=mongo_uri, MONGO_DATABASE=database, PYTHONPATH=str(REPO))
    extensions = json.dumps({"linkspider.extensions.crawl_report.CrawlReport": 500})
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", f"EXTENSIONS={extensions}",
         "-s", "TELNETCONSOLE_ENABLED=False", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_real_job_reports_into_crawls(tmp_path: Path, mongo_uri: str, mongo_db) -> None:
    before = datetime.now(timezone.utc)
    result = _run_spider(tmp_path, mongo_uri, mongo_db.name, "-a", "crawl_id=c-42", "-a", "_job=c-42--n0-beef")
    assert result.returncode == 0, result.stderr[-3000:]
    docs = list(mongo_db.crawls.find())
    assert len(docs) == 1, docs
    doc = docs[0]
    assert doc["_id"] == "c-42/c-42--n0-beef"
    assert (doc["crawl_id"], doc["job_id"], doc["spider"]) == ("c-42", "c-42--n0-beef", "reporting")
    assert (doc["state"], doc["finish_reason"]) == ("finished", "finished")
    assert (doc["pages"], doc["edges"], doc["fetch_errors"], doc["errors"]) == (3, 11, 2, 0)
    assert doc["stats"]["weird_key"] == 1
    assert doc["node"] and doc["pid"] > 0
    start = doc["start"].replace(tzinfo=timezone.utc)
    end = doc["end"].replace(tzinfo=timezone.utc)
    assert before <= start <= end <= datetime.now(timezone.utc)


def test_report_can_be_switched_off(tmp_path: Path, mongo_uri: str, mongo_db) -> None:
    result = _run_spider(tmp_path, mongo_uri, mongo_db.name, "-a", "crawl_id=c-43",
                         "-s", "LINKSPIDER_CRAWL_REPORT_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    assert mongo_db.crawls.count_documents({}) == 0
