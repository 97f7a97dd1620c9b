"""Idle close: every worker finishes by itself once the whole crawl has nothing left to do.

"Nothing left" means the shared queue is empty and no lease is held anywhere, continuously for
``LINKSPIDER_IDLE_CLOSE_SECONDS``; a paused crawl is never finished. Until then the extension keeps
an idle worker open with ``DontCloseSpider`` (it may get work from another worker's pages); after
it, the worker lets the engine close with reason ``finished``, so ``scrapy crawl links`` returns.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from linkspider.scheduling.crawl_ids import crawl_id_of

from .config import FrontierConfig
from .signals import frontier_opened

logger = logging.getLogger(__name__)

__all__ = ["IdleCloseExtension"]


class IdleCloseExtension:
    """``EXTENSIONS = {"linkspider.frontier.IdleCloseExtension": 500}``."""

    def __init__(self, grace_seconds: float, crawler: Crawler | None = None) -> None:
        self.grace = grace_seconds
        self.crawler = crawler
        self.frontier: Any = None
        self.done_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdleCloseExtension:
        ext = cls(FrontierConfig.from_settings(crawler.settings).idle_close_seconds, crawler)
        crawler.signals.connect(ext._on_frontier_opened, signal=frontier_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        return ext

    def _on_frontier_opened(self, frontier: Any, **kwargs: Any) -> None:
        self.frontier = frontier

    def is_finished(self, queued: int, leased: int, paused: bool, now: float) -> bool:
        """True once the crawl had nothing queued or leased (and was not paused) for the grace period."""
        if queued > 0 or leased > 0 or paused:
            self.done_since = None
            return False
        if self.done_since is None:
            self.done_since = now
        return now - self.done_since >= self.grace

    def spider_idle(self, spider: Spider) -> None:
        if self.frontier is None:  # not our scheduler: leave the stock behaviour alone
            return
        queued, leased, paused = self.frontier.crawl_pending()
        if self.is_finished(queued, leased, paused, time.monotonic()):
            logger.info("frontier: crawl %s has nothing queued or leased for %.1fs; closing this worker",
                        crawl_id_of(spider), self.grace)
            if self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.set_value("linkspider/frontier/finished", True)
            return  # no DontCloseSpider: the engine closes the spider with reason "finished"
        raise DontCloseSpider
