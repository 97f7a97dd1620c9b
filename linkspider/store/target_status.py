"""Write ``check_targets`` results into ``pages``: unordered bulk upserts, off the reactor thread."""
from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from twisted.internet import threads

from linkspider.domains import domain_of
from linkspider.store.client import get_client, mongo_settings
from linkspider.store.documents import PAGES, page_check_update
from linkspider.urls import host_of

__all__ = ["TargetStatusPipeline"]

logger = logging.getLogger(__name__)


class TargetStatusPipeline:
    """Buffers status records and writes them ``batch`` at a time (and the rest when the spider closes)."""

    def __init__(self, uri: str, database: str, *, batch: int = 500, crawler: Crawler | None = None) -> None:
        self.uri, self.database, self.batch = uri, database, batch
        self.crawler = crawler
        self.ops: list[Any] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TargetStatusPipeline:
        uri, database = mongo_settings(crawler.settings)
        return cls(uri, database, crawler=crawler)

    def _write(self, ops: list[Any]) -> None:
        result = get_client(self.uri)[self.database][PAGES].bulk_write(ops, ordered=False)
        if self.crawler is not None:
            self.crawler.stats.inc_value("check_targets/pages_written", result.upserted_count + result.modified_count)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> Any:
        url = item["url"]
        host = host_of(url) or ""
        self.ops.append(
            page_check_update(
                url,
                item["url_key"],
                status=item["status"],
                error=item["error"],
                soft_404=item["soft_404"],
                checked_at=item["checked_at"],
                domain=domain_of(url),
                host=host,
            )
        )
        if len(self.ops) >= self.batch:
            ops, self.ops = self.ops, []
            return threads.deferToThread(self._write, ops).addCallback(lambda _: item)
        return item

    def close_spider(self, spider: Any = None) -> Any:
        if self.ops:
            ops, self.ops = self.ops, []
            return threads.deferToThread(self._write, ops)
        return None
