"""RedisSeenFilter: Scrapy's dupefilter interface over a crawl's compact Redis seen-set.

FrontierScheduler tests and sets the seen-set inside its push script (atomic with the domain cap and
the queue push) and does not call a dupefilter. This class is for setups that keep another
scheduler but want the shared, compact seen-set (``DUPEFILTER_CLASS``).
"""
from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter

from linkspider.scheduling.crawl_ids import crawl_id_of

from .config import FrontierConfig
from .connection import redis_from_settings
from .keys import FrontierKeys
from .queue import Frontier
from .seen import SeenSet, seen_key

logger = logging.getLogger(__name__)

__all__ = ["RedisSeenFilter"]


class RedisSeenFilter(BaseDupeFilter):
    def __init__(self, server, config: FrontierConfig, crawler: Crawler | None = None) -> None:
        self.server = server
        self.config = config
        self.crawler = crawler
        self.seen: SeenSet | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSeenFilter:
        return cls(redis_from_settings(crawler.settings), FrontierConfig.from_settings(crawler.settings), crawler)

    def open(self) -> None:
        spider = getattr(self.crawler, "spider", None)
        self.bind(crawl_id_of(spider))

    def bind(self, crawl_id: str) -> None:
        frontier = Frontier(self.server, crawl_id, seen=self.config.seen_config())
        self.seen = SeenSet(self.server, FrontierKeys(crawl_id), frontier.seen)  # type: ignore[arg-type]

    def request_seen(self, request: Request) -> bool:
        if self.seen is None:
            self.open()
        key = seen_key(request.url) or request.url
        return not self.seen.add(key)  # type: ignore[union-attr]

    def close(self, reason: str) -> None:
        """Keeps the seen-set: it belongs to every worker of the crawl."""

    def log(self, request: Request, spider: Spider) -> None:
        logger.debug("filtered duplicate request %s", request)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("linkspider/frontier/dropped/seen")
