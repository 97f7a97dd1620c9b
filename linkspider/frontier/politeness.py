"""Politeness across the cluster: robots.txt Crawl-delay, recorded once in Redis for every worker.

The enforcement itself (at most N leases in flight per registered domain, a minimum delay between
hand-outs, counted from the later of the previous hand-out and the previous completion) lives in the
lease and ack Lua scripts of :mod:`.queue`, atomic with the queue operations. This module turns a
robots.txt response into a per-domain delay, and spaces the requests one worker sends to a domain
within one lease (Scrapy's RobotsTxtMiddleware fetches robots.txt outside the scheduler, right
before the page that needed it).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from protego import Protego
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from .config import FrontierConfig
from .signals import frontier_opened

logger = logging.getLogger(__name__)

__all__ = ["DomainDelayMiddleware", "crawl_delay_from_robots", "effective_crawl_delay", "is_robots_url"]


def is_robots_url(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path == "/robots.txt" and parts.scheme in ("http", "https")


def crawl_delay_from_robots(body: bytes | str, user_agent: str) -> float | None:
    """The Crawl-delay a robots.txt asks of ``user_agent`` (or of ``*``), None when it sets none."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        delay = Protego.parse(text).crawl_delay(user_agent)
    except (ValueError, TypeError) as exc:
        logger.debug("unparsable robots.txt: %s", exc)
        return None
    return float(delay) if delay is not None and delay >= 0 else None


def effective_crawl_delay(asked: float | None, configured: float, cap: float) -> float | None:
    """The delay to record: what robots.txt asks, capped at ``cap``; None when it adds nothing.

    ``cap`` 0 turns Crawl-delay off. A site asking for an hour between pages would otherwise take
    a slot of the crawl forever.
    """
    if asked is None or cap <= 0:
        return None
    delay = min(asked, cap)
    return delay if delay > configured else None


class DomainDelayMiddleware:
    """Downloader middleware: this worker never sends a request to a registered domain sooner than
    the politeness delay after its previous request there started or finished, robots.txt included.

    The lease scripts space hand-outs across workers (with one slot per domain, the next lease of a
    domain starts a delay after the previous request finished); this covers what they cannot see:
    a robots.txt fetch and the page that triggered it go out inside one lease.
    ``DOWNLOADER_MIDDLEWARES = {"linkspider.frontier.DomainDelayMiddleware": 960}``.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.frontier: Any = None
        self._next: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DomainDelayMiddleware:
        config = FrontierConfig.from_settings(crawler.settings)
        delay, honour = config.delay_seconds, config.max_crawl_delay > 0
        if delay <= 0 and not honour:
            raise NotConfigured("no politeness delay")
        mw = cls(delay)
        crawler.signals.connect(mw._on_frontier_opened, signal=frontier_opened)
        return mw

    def _on_frontier_opened(self, frontier: Any, **kwargs: Any) -> None:
        self.frontier = frontier

    def reserve(self, domain: str, now: float) -> float:
        """Seconds to wait before sending to ``domain`` at ``now``; books the slot after it."""
        start = max(now, self._next.get(domain, 0.0))
        self._next[domain] = start + self._delay(domain)
        return start - now

    def finished(self, domain: str, now: float) -> None:
        """A request to ``domain`` completed: the next one waits a full delay from now."""
        self._next[domain] = max(self._next.get(domain, 0.0), now + self._delay(domain))

    def _delay(self, domain: str) -> float:
        if self.frontier is None:
            return self.delay
        return max(self.delay, self.frontier.crawl_delays.get(domain, 0.0))

    async def process_request(self, request: Request) -> None:
        wait = self.reserve(_domain(request.url), time.monotonic())
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Any) -> Any:
        self.finished(_domain(request.url), time.monotonic())
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.finished(_domain(request.url), time.monotonic())


def _domain(url: str) -> str:
    from linkspider.domains import domain_of

    return domain_of(url)
