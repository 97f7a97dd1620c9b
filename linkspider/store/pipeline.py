"""Scrapy item pipeline that stores link edges and pages in MongoDB: ``linkspider.store.pipeline.MongoPipeline``.

Enable it with ``ITEM_PIPELINES = {"linkspider.store.pipeline.MongoPipeline": 800}``.

``process_item`` turns the item into a document and hands it to the :class:`StoreWriter` thread;
it never waits on MongoDB. The one exception is backpressure: when ``LINKSPIDER_STORE_MAX_BUFFER``
operations are queued (MongoDB slower than the crawl, or a long spill replay), it returns a
coroutine that resumes when the writer has taken some, which slows the crawl instead of growing
memory without bound. Memory is therefore bounded by ``max_buffer + flush_count`` operations.

A page's edges come inside its ``PageItem`` (``links``), or as ``LinkItem``s before it; the page
also queues the lost-link mark for the page (see :func:`linkspider.store.documents.lost_reason`), written after the
page's edges by the same thread.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.project import data_path

from linkspider.config import get_setting
from linkspider.items import LinkItem, PageItem
from linkspider.store.client import get_client, mongo_settings
from linkspider.store.documents import (
    OP_EDGE,
    OP_LOST,
    OP_PAGE,
    edge_document,
    estimate_size,
    lost_mark,
    lost_reason,
    page_document,
)
from linkspider.store.writer import StoreConfig, StoreWriter

logger = logging.getLogger(__name__)

_MAX_TRACKED_SOURCES = 10_000
MAX_DOCUMENT_BYTES = 15 * 1024 * 1024
"""Edges/pages estimated above this are dropped (MongoDB's limit is 16 MB per document and per command)."""


def spill_path(path: str) -> str:
    """Where spill files go: Scrapy's project data dir, or ``.scrapy/`` of the working directory.

    A job run from an egg (scrapyd) has project settings but no ``scrapy.cfg``, and Scrapy's
    ``data_path`` then raises NotConfigured, which would switch the store off without a word.
    """
    try:
        return data_path(path)
    except NotConfigured:
        fallback = str(Path(".scrapy", path).resolve())
        logger.info("no Scrapy project data dir (no scrapy.cfg): spill files go to %s", fallback)
        return fallback


class MongoPipeline:
    """Buffers edges and pages and writes them from a background thread; see the module docstring."""

    def __init__(self, uri: str, database: str, config: StoreConfig | None = None, *,
                 spill_dir: str | None = None, stats: Any | None = None) -> None:
        self.uri = uri
        self.database = database
        self.config = config or StoreConfig()
        self.spill_dir = spill_dir or self.config.spill_dir
        self.stats = stats
        self.writer: StoreWriter | None = None
        # earliest seen_at of the LinkItems of each page whose PageItem has not arrived yet
        self._fetch_start: dict[str, datetime] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> MongoPipeline:
        settings = crawler.settings
        if not get_setting(settings, "LINKSPIDER_STORE_ENABLED"):
            raise NotConfigured("LINKSPIDER_STORE_ENABLED is off")
        config = StoreConfig.from_settings(settings)
        uri, database = mongo_settings(settings)
        return cls(uri, database, config, spill_dir=spill_path(config.spill_dir), stats=crawler.stats)

    # -- lifecycle -----------------------------------------------------------------------------
    def open_spider(self) -> None:
        timeout_ms = int(self.config.server_timeout * 1000)
        client = get_client(self.uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
        self.writer = StoreWriter(client[self.database], self.config, spill_dir=self.spill_dir,
                                  stats=self.stats).start()
        logger.info("storing edges in MongoDB database %r (spill dir %s)", self.database, self.writer.spill.directory)

    async def close_spider(self) -> None:
        """Flush (or spill) everything in a thread, so the reactor keeps running meanwhile."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        await maybe_deferred_to_future(deferToThread(self.close))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    # -- items ---------------------------------------------------------------------------------
    def process_item(self, item: Any) -> Any:
        writer = self.writer
        if writer is None:
            return item
        if isinstance(item, LinkItem):
            has_space = self._put_edge(writer, item)
        elif isinstance(item, PageItem):
            has_space = True
            for link in item.get("links") or ():
                has_space = self._put_edge(writer, link) and has_space
            has_space = self._put_page(writer, item) and has_space
        else:
            return item
        if has_space:
            return item
        return self._wait_for_space(item)

    def _put_edge(self, writer: StoreWriter, item: Any) -> bool:
        doc = edge_document(item)
        key = doc["source_key"]
        seen = doc["last_seen"]
        start = self._fetch_start.get(key)
        if start is None or seen < start:
            if len(self._fetch_start) >= _MAX_TRACKED_SOURCES:
                self._fetch_start.clear()  # PageItems that never came; worst case cutoff = fetched_at
            self._fetch_start[key] = seen
        size = estimate_size(doc)
        if size > MAX_DOCUMENT_BYTES:
            self._too_large(item, size)
            return True
        return writer.put(OP_EDGE, doc, size)

    def _put_page(self, writer: StoreWriter, item: Any) -> bool:
        doc = page_document(item)
        size = estimate_size(doc)
        if size > MAX_DOCUMENT_BYTES:
            self._too_large(item, size)
            return True
        has_space = writer.put(OP_PAGE, doc, size)
        start = self._fetch_start.pop(doc["_id"], None)
        reason = lost_reason(doc["status"], doc["redirect_to"], doc["soft_404"])
        if reason is not None and not item.get("partial"):  # a filtered link list proves no loss
            cutoff = doc["fetched_at"] if start is None else min(start, doc["fetched_at"])
            has_space = writer.put(OP_LOST, lost_mark(doc["_id"], cutoff, reason), 128)
        return has_space

    def _too_large(self, item: Any, size: int) -> Any:
        """Counted and logged, not stored; the item goes on to later pipelines."""
        if self.stats is not None:
            self.stats.inc_value("linkspider/store/too_large")
        logger.warning("not storing a %s of about %d bytes (over %d)", type(item).__name__, size, MAX_DOCUMENT_BYTES)
        return item

    async def _wait_for_space(self, item: Any) -> Any:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import defer, reactor

        assert self.writer is not None
        if self.stats is not None:
            self.stats.inc_value("linkspider/store/backpressure_waits")
        d: defer.Deferred[None] = defer.Deferred()

        def fire() -> None:
            if not d.called:
                d.callback(None)

        self.writer.when_space(lambda: reactor.callFromThread(fire))  # type: ignore[attr-defined]
        await maybe_deferred_to_future(d)
        return item
