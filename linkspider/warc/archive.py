"""WARC output of a crawl: every response the spider parses, archived as Common Crawl archives it.

Switched on by ``LINKSPIDER_WARC_DIR``. Each response is written as a ``request`` and a ``response``
record (``WARC-Target-URI``, ``WARC-Date``, payload and block digests, ``WARC-Concurrent-To``), one
gzip member per record, into files rotated at ``LINKSPIDER_WARC_MAX_FILE_BYTES``. A file being
written ends in ``.open``; it is renamed when full or when the crawl ends, so a reader never sees
half a file. With ``LINKSPIDER_WARC_CDXJ`` each finished file also gets a sorted CDXJ index
(cdxj-indexer), the index pywb and other replay tools read.

The body stored is the one the spider saw (decoded); like Common Crawl, the original
``Content-Encoding``, ``Transfer-Encoding`` and ``Content-Length`` headers are kept as
``X-Crawler-*`` and ``Content-Length`` states the stored length.

The middleware stamps the ``WARC-Date`` it wrote into ``response.meta`` and the ``links`` spider
uses it as the fetch time, so ingesting the archive (``scrapy crawl warc``) gives the very edges
of the crawl, timestamps included.
"""
from __future__ import annotations

import io
import logging
import os
import socket
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from linkspider.config import read_config, require, setting
from linkspider.errors import ConfigurationError
from linkspider.soft404 import SOFT_404_META_KEY
from linkspider.spiders.links import FETCHED_AT_META_KEY
from linkspider.warc.records import SOFT_404_HEADER

logger = logging.getLogger(__name__)

__all__ = ["ArchiveConfig", "WarcArchiveMiddleware", "WarcFileWriter", "http_response_headers", "warc_date"]

WARC_VERSIONS = ("1.0", "1.1")
_RENAMED = {"content-encoding": "X-Crawler-Content-Encoding", "transfer-encoding": "X-Crawler-Transfer-Encoding",
            "content-length": "X-Crawler-Content-Length"}


def warc_date(now: datetime, version: str) -> tuple[datetime, str]:
    """(the time as stored, its WARC-Date text): seconds for WARC/1.0, microseconds for 1.1."""
    now = now.astimezone(timezone.utc)
    if version == "1.0":
        now = now.replace(microsecond=0)
        return now, now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return now, now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def http_response_headers(headers: list[tuple[str, str]], body_length: int) -> list[tuple[str, str]]:
    """Response headers for a stored, already decoded body (the Common Crawl convention)."""
    out = [(_RENAMED.get(name.lower(), name), value) for name, value in headers]
    out.append(("Content-Length", str(body_length)))
    return out


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


@dataclass(frozen=True)
class ArchiveConfig:
    """The ``LINKSPIDER_WARC_*`` settings of the archive, checked when the crawl starts."""

    directory: str = setting("LINKSPIDER_WARC_DIR")
    max_file_bytes: int = setting("LINKSPIDER_WARC_MAX_FILE_BYTES")
    version: str = setting("LINKSPIDER_WARC_VERSION")
    cdxj: bool = setting("LINKSPIDER_WARC_CDXJ")

    def __post_init__(self) -> None:
        require([
            ("LINKSPIDER_WARC_MAX_FILE_BYTES", self.max_file_bytes, self.max_file_bytes >= 1, "at least 1"),
            ("LINKSPIDER_WARC_VERSION", self.version, self.version in WARC_VERSIONS,
             " or ".join(repr(v) for v in WARC_VERSIONS)),
        ])


class WarcFileWriter:
    """Writes request/response record pairs into size-rotated ``.warc.gz`` files in ``directory``."""

    def __init__(self, directory: str, prefix: str, max_bytes: int, version: str = "1.1", cdxj: bool = False) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.version = version
        # the index of a finished file is built off the reactor thread (it reads the whole file again)
        self._indexer = ThreadPoolExecutor(1, thread_name_prefix="cdxj") if cdxj else None
        self._indexing: list[Future[None]] = []
        self.files: list[str] = []  # finished files
        self.records = 0
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._path = ""
        self._seq = 0
        os.makedirs(directory, exist_ok=True)

    def _open(self) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._seq:05d}.warc.gz"
        self._seq += 1
        self._path = os.path.join(self.directory, name)
        self._fh = open(self._path + ".open", "wb")  # noqa: SIM115 - closed in _close
        self._writer = WARCWriter(self._fh, gzip=True, warc_version=self.version)
        info = self._writer.create_warcinfo_record(name, {
            "software": "linkspider", "format": f"WARC File Format {self.version}",
            "hostname": socket.gethostname(), "isPartOf": self.prefix,
        })
        self._writer.write_record(info)

    def _close(self) -> None:
        if self._fh is None:
            return
        self._fh.close()
        os.replace(self._path + ".open", self._path)
        self.files.append(self._path)
        logger.info("warc archive: wrote %s", self._path)
        self._fh = self._writer = None
        if self._indexer is not None:
            self._indexing.append(self._indexer.submit(write_cdxj, self._path))

    def write(self, *, url: str, date: str, method: str, request_headers: list[tuple[str, str]],
              status: int, protocol: str, response_headers: list[tuple[str, str]], body: bytes,
              extra: dict[str, str] | None = None) -> None:
        if self._fh is None:
            self._open()
        assert self._writer is not None and self._fh is not None
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        http = StatusAndHeaders(f"{status} {reason}", http_response_headers(response_headers, len(body)),
                                protocol=protocol)
        response = self._writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            warc_headers_dict={"WARC-Date": date, **(extra or {})}, http_headers=http)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers = [("Host", parts.netloc), *request_headers]
        req_http = StatusAndHeaders(f"{method} {path} {protocol}", request_headers, is_http_request=True)
        request = self._writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0,
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
            http_headers=req_http)
        self._writer.write_record(request)
        self._writer.write_record(response)
        self.records += 2
        if self._fh.tell() >= self.max_bytes:
            self._close()

    def close(self) -> None:
        self._close()
        if self._indexer is not None:
            self._indexer.shutdown(wait=True)
            for future in self._indexing:
                if future.exception() is not None:
                    logger.error("warc archive: CDXJ index failed: %s", future.exception())


def write_cdxj(path: str) -> None:
    """A sorted CDXJ index of one archive file, next to it (``x.warc.gz`` -> ``x.cdxj``), by cdxj-indexer."""
    from cdxj_indexer.main import write_cdx_index

    target = path.removesuffix(".warc.gz") + ".cdxj"
    write_cdx_index(target + ".open", [path], {"sort": True})
    os.replace(target + ".open", target)


class WarcArchiveMiddleware:
    """Spider middleware: archive each response before the spider parses it (see the module docstring).

    It sits before Scrapy's HttpErrorMiddleware, so error pages are archived too (ingest skips them).
    """

    def __init__(self, writer: WarcFileWriter, stats: Any = None) -> None:
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcArchiveMiddleware:
        config = read_config(ArchiveConfig, crawler.settings)
        if not config.directory:
            raise NotConfigured("LINKSPIDER_WARC_DIR is not set")
        crawl_id = getattr(getattr(crawler, "spider", None), "crawl_id", None) or crawler.spidercls.name
        try:
            writer = WarcFileWriter(config.directory, crawl_id, config.max_file_bytes, config.version, config.cdxj)
        except OSError as exc:
            raise ConfigurationError(f"LINKSPIDER_WARC_DIR={config.directory!r} cannot be used: {exc}") from exc
        mw = cls(writer, crawler.stats)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_spider_input(self, response: Response) -> None:
        request = response.request
        if request is None:
            return
        stored, date = warc_date(datetime.now(timezone.utc), self.writer.version)
        extra = {SOFT_404_HEADER: "true"} if response.meta.get(SOFT_404_META_KEY) else None
        try:
            self.writer.write(
                url=response.url, date=date, method=request.method,
                request_headers=_header_pairs(request.headers), status=response.status,
                protocol=response.protocol or "HTTP/1.1", response_headers=_header_pairs(response.headers),
                body=response.body, extra=extra)
        except OSError as exc:  # a full disk must not stop the crawl: counted and logged
            if self.stats is not None:
                self.stats.inc_value("linkspider/warc_archive/write_errors")
            logger.error("warc archive: cannot write %s: %s", response.url, exc)
            return
        response.meta[FETCHED_AT_META_KEY] = stored
        if self.stats is not None:
            self.stats.inc_value("linkspider/warc_archive/responses")

    def spider_closed(self, spider: Any = None) -> None:
        self.writer.close()
