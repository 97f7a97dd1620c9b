"""Spider middleware that acknowledges a lease once its response's callback output is processed."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Response

from .codec import LEASE_META_KEY
from .signals import frontier_opened

__all__ = ["FrontierAckMiddleware"]


class FrontierAckMiddleware:
    """Wraps callback output so the scheduler acks after the last request is pushed and the last
    item has left the pipelines. Put it closest to the engine (a low order, e.g. 1) so it sees the
    output every other spider middleware let through.
    """

    def __init__(self) -> None:
        self.frontier: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierAckMiddleware:
        mw = cls()
        crawler.signals.connect(mw._on_frontier_opened, signal=frontier_opened)
        return mw

    def _on_frontier_opened(self, frontier: Any, **kwargs: Any) -> None:
        self.frontier = frontier

    def _lease(self, response: Response) -> bytes | None:
        request = getattr(response, "request", None)
        return request.meta.get(LEASE_META_KEY) if request is not None else None

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        if self.frontier is None:
            return result
        return self.frontier.track_output(self._lease(response), result)

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        tracked = result if self.frontier is None else self.frontier.track_output(self._lease(response), result)
        async for obj in tracked:
            yield obj

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        if self.frontier is not None:
            self.frontier.callback_failed(response)
