"""``check_targets``: fetch a list of target pages once and report their status, never their links.

Run by ``linkspider check-targets`` (in-process, Scrapy's own scheduler): robots.txt, the network
guard and the soft-404 check apply as in a crawl; redirects are not followed (a 301 is the answer).
Each URL yields one item, ``{url, url_key, status, error, soft_404, checked_at}``, which
:class:`linkspider.store.target_status.TargetStatusPipeline` writes into ``pages``.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest

try:  # Scrapy 2.14+ wraps download errors in its own types
    from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
except ImportError:  # pragma: no cover - older Scrapy raises the Twisted errors below
    CannotResolveHostError = DownloadConnectionRefusedError = DownloadTimeoutError = ()  # type: ignore[misc,assignment]
from twisted.internet.error import (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

from linkspider.safety.network import PrivateAddressLookupRefused
from linkspider.soft404 import SOFT_404_META_KEY
from linkspider.urls import url_key

__all__ = ["CheckTargetsSpider", "error_kind"]

logger = logging.getLogger(__name__)


def error_kind(exc: BaseException) -> str | None:
    """What a failed fetch records in ``pages.error`` (None: record nothing, e.g. robots.txt forbids it).

    The network guard's refusal is a DNS error to Twisted, but the host did resolve: it is ``refused_address``.
    """
    if isinstance(exc, PrivateAddressLookupRefused):
        return "refused_address"
    if isinstance(exc, (DNSLookupError, CannotResolveHostError)):
        return "dns"
    if isinstance(exc, (TimeoutError, TCPTimedOutError, DownloadTimeoutError)):
        return "timeout"
    if isinstance(exc, (ConnectionRefusedError, DownloadConnectionRefusedError)):
        return "connection_refused"
    if isinstance(exc, IgnoreRequest):
        return None
    if isinstance(exc, ConnectError):
        return "connect_error"
    return type(exc).__name__.lower()


class CheckTargetsSpider(scrapy.Spider):
    """One request per URL (robots.txt through :mod:`linkspider.robotstxt`, like a crawl)."""

    name = "check_targets"

    def __init__(self, urls: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = list(urls)

    def _request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "dont_redirect": True,
                "handle_httpstatus_all": True,
                "referrer_policy": "no-referrer",
            },
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield self._request(url)

    def parse(self, response: scrapy.http.Response) -> Iterator[Any]:
        request = response.request
        url = request.url if request is not None else response.url
        yield self._record(url, status=response.status, soft_404=bool(response.meta.get(SOFT_404_META_KEY)))

    def on_error(self, failure: Any) -> Iterator[Any]:
        kind = error_kind(failure.value)
        self.crawler.stats.inc_value(f"check_targets/error/{kind or 'skipped'}")
        if kind is None:
            logger.info("not checked: %s (%s)", failure.request.url, failure.getErrorMessage())
        else:
            yield self._record(failure.request.url, status=0, error=kind)

    @staticmethod
    def _record(url: str, *, status: int, error: str | None = None, soft_404: bool = False) -> dict[str, Any]:
        return {
            "url": url,
            "url_key": url_key(url),
            "status": status,
            "error": error,
            "soft_404": soft_404,
            "checked_at": datetime.now(timezone.utc),
        }
