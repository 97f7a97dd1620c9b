"""Record every job of a crawl in MongoDB (``crawls``), so runs can be told apart and compared.

One document per job (a ``scrapy crawl links`` process, scheduled by scrapyd or not): crawl id,
job id, node, start, end, finish reason and the headline counts, plus the raw Scrapy stats. The
document is written when the spider opens (``state: running``) and replaced when it closes
(``state: finished``); a job that died without closing stays ``running`` with no ``end``.

Both writes are single upserts run in a thread, once per job, off the reactor's hot path.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from pymongo.errors import PyMongoError
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from linkspider.config import get_setting
from linkspider.scheduling.crawl_ids import crawl_id_of
from linkspider.store.client import get_client, mongo_settings

logger = logging.getLogger(__name__)

COLLECTION = "crawls"
SCHEMA_VERSION = 1

#: Headline counts: the first stats key present wins (the links spider's own keys, then Scrapy's).
COUNTERS: dict[str, tuple[str, ...]] = {
    "pages": ("linkspider/pages", "response_received_count"),
    "edges": ("linkspider/links_found", "item_scraped_count"),
    "errors": ("log_count/ERROR",),
}
#: Prefix of per-exception fetch failure counters, summed into ``fetch_errors``.
FETCH_ERRORS_PREFIX = "linkspider/fetch_errors/"


def job_id_of(spider: Spider, environ: Mapping[str, str]) -> str | None:
    """The scrapyd job id: scrapyd >= 1.5 passes it as the ``_job`` spider argument; older ones
    set ``SCRAPY_JOB`` in the environment. None when not run by scrapyd."""
    job = getattr(spider, "_job", None) or environ.get("SCRAPY_JOB")
    return str(job) if job else None


def mongo_safe_key(key: str) -> str:
    """Stats keys may hold dots (exception class paths) or start with '$'; MongoDB paths may not."""
    key = key.replace(".", "_")
    return "_" + key[1:] if key.startswith("$") else key


def summarize_stats(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Headline counts for a report document, from a Scrapy stats dict."""
    summary: dict[str, Any] = {}
    for name, keys in COUNTERS.items():
        summary[name] = next((int(stats[k]) for k in keys if k in stats), 0)
    summary["fetch_errors"] = sum(int(v) for k, v in stats.items() if k.startswith(FETCH_ERRORS_PREFIX))
    return summary


def report_document(
    *,
    crawl_id: str,
    job_id: str | None,
    spider: str,
    node: str,
    pid: int,
    start: datetime,
    end: datetime | None,
    finish_reason: str | None,
    stats: Mapping[str, Any],
    project: str | None = None,
) -> dict[str, Any]:
    """The ``crawls`` document of one job. ``_id`` is stable for the job, so writes are idempotent."""
    job_key = job_id or f"{node}-{pid}-{start.strftime('%Y%m%dT%H%M%S%fZ')}"
    doc: dict[str, Any] = {
        "_id": f"{crawl_id}/{job_key}",
        "crawl_id": crawl_id,
        "job_id": job_id,
        "project": project,
        "spider": spider,
        "node": node,
        "pid": pid,
        "start": start,
        "end": end,
        "state": "finished" if end is not None else "running",
        "finish_reason": finish_reason,
        "schema_version": SCHEMA_VERSION,
        **summarize_stats(stats),
        "stats": {mongo_safe_key(k): v for k, v in stats.items()},
    }
    return doc


class CrawlReport:
    """Scrapy extension writing the ``crawls`` document of this job at spider open and close."""

    def __init__(self, crawler: Crawler, mongo_uri: str, database: str, node: str,
                 environ: Mapping[str, str] | None = None) -> None:
        self.crawler = crawler
        self.mongo_uri = mongo_uri
        self.database = database
        self.node = node
        self.environ = os.environ if environ is None else environ
        self.start: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        if not get_setting(crawler.settings, "LINKSPIDER_CRAWL_REPORT_ENABLED"):
            raise NotConfigured("LINKSPIDER_CRAWL_REPORT_ENABLED is off")
        uri, database = mongo_settings(crawler.settings)
        ext = cls(crawler, uri, database, node=socket.gethostname())
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _document(self, spider: Spider, end: datetime | None, reason: str | None) -> dict[str, Any]:
        assert self.start is not None
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return report_document(
            crawl_id=crawl_id_of(spider),
            job_id=job_id_of(spider, self.environ),
            spider=spider.name,
            node=self.node,
            pid=os.getpid(),
            start=self.start,
            end=end,
            finish_reason=reason,
            stats=stats,
            project=self.environ.get("SCRAPY_PROJECT"),
        )

    def _write(self, doc: dict[str, Any]) -> None:
        try:
            get_client(self.mongo_uri)[self.database][COLLECTION].replace_one({"_id": doc["_id"]}, doc, upsert=True)
        except PyMongoError:
            logger.exception("could not write the %s report of crawl %s to MongoDB", doc["state"], doc["crawl_id"])
            if self.crawler.stats:
                self.crawler.stats.inc_value(f"linkspider/crawl_report/write_failed/{doc['state']}")

    async def spider_opened(self, spider: Spider) -> None:
        self.start = datetime.now(timezone.utc)
        await maybe_deferred_to_future(deferToThread(self._write, self._document(spider, None, None)))

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.start is None:  # opened before we were connected; still report the job
            self.start = datetime.now(timezone.utc)
        doc = self._document(spider, datetime.now(timezone.utc), reason)
        logger.info(
            "crawl %s job %s on %s: %s pages, %s edges, %s errors (%s)",
            doc["crawl_id"], doc["job_id"] or "-", doc["node"], doc["pages"], doc["edges"], doc["errors"], reason,
        )
        await maybe_deferred_to_future(deferToThread(self._write, doc))
