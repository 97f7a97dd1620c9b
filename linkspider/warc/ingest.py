"""Scrapy parts of WARC ingest: the downloader middleware that hands a work unit to the spider
without fetching anything, and the per-file counters and progress log."""
from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from .sources import unit_source

logger = logging.getLogger(__name__)

__all__ = ["FileProgress", "UnitMiddleware"]


class UnitMiddleware:
    """A unit request "downloads" to an empty response at once: the spider's callback reads the
    file itself, as a stream. The ``warc`` spider fetches nothing else."""

    def process_request(self, request: Request) -> Response:
        if unit_source(request.url) is None:
            raise IgnoreRequest(f"the warc spider only reads archive files, not {request.url}")
        return Response(request.url, status=200, body=b"", request=request)


class FileProgress:
    """Counts of one file, logged as a progress line every ``interval`` seconds and at the end."""

    def __init__(self, name: str, interval: float) -> None:
        self.name = name
        self.interval = interval
        self.started = self._last = time.monotonic()
        self.records = 0
        self.pages = 0
        self.edges = 0
        self.skipped = 0

    def tick(self) -> None:
        """Called once per record; reads the clock every 64 records."""
        self.records += 1
        if self.records & 63 == 0:
            now = time.monotonic()
            if now - self._last >= self.interval:
                self._last = now
                logger.info("warc: %s: %s", self.name, self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = max(1e-9, (now or time.monotonic()) - self.started)
        return (f"{self.records} records ({self.records / elapsed:.0f} records/s), {self.pages} pages, "
                f"{self.edges} edges, {self.skipped} skipped, {elapsed:.2f}s")

    def summary(self) -> dict[str, Any]:
        return {"records": self.records, "pages": self.pages, "edges": self.edges, "skipped": self.skipped}
