"""The ``warc`` spider: ingest WARC and WAT files (Common Crawl's or linkspider's own) as link edges.

``scrapy crawl warc -a paths=...`` queues one work unit per file in the crawl's Redis frontier;
every worker of the crawl leases units, reads each file as a stream and turns each archived HTML
response into the ``PageItem`` a crawl of that page would give (the same extraction, items and
``MongoPipeline``), with the record's ``WARC-Date`` as fetch time. A WAT record gives the same
edges from Common Crawl's link metadata, without HTML parsing (placement ``unknown``).
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import scrapy
from scrapy.http import Headers, HtmlResponse, Request, Response
from scrapy.responsetypes import responsetypes

from linkspider.config import read_config, require, setting
from linkspider.errors import ConfigurationError
from linkspider.extract import links_from_rows
from linkspider.safety.network import AddressPolicy
from linkspider.scope import Scope
from linkspider.soft404 import SOFT_404_META_KEY
from linkspider.spiders.links import GONE_STATUSES, REDIRECT_STATUSES, LinksSpider
from linkspider.urls import normalize_url
from linkspider.warc.filters import EdgeFilter, parse_domains, targets_key
from linkspider.warc.ingest import FileProgress
from linkspider.warc.records import HttpRecord, MetadataRecord, Skip, iter_records
from linkspider.warc.sources import (
    SourceRefused,
    mark_ingest,
    open_source,
    parse_sources,
    source_name,
    unit_source,
    unit_url,
)
from linkspider.warc.wat import parse_wat

logger = logging.getLogger(__name__)

# The body is already decoded (FastWARC, or Common Crawl's X-Crawler-* renaming): a response built
# with these headers would be taken for a compressed binary.
_ENCODING_HEADERS = frozenset({b"content-encoding", b"transfer-encoding"})
_TRUE = ("1", "true", "yes", "on")
_LOGGED_ERRORS = 5  # per file: tracebacks of records that failed (all are counted)


@dataclass(frozen=True)
class IngestConfig:
    progress_seconds: float = setting("LINKSPIDER_WARC_PROGRESS_SECONDS")

    def __post_init__(self) -> None:
        require([("LINKSPIDER_WARC_PROGRESS_SECONDS", self.progress_seconds, self.progress_seconds > 0, "above 0")])


class WarcSpider(LinksSpider):
    name = "warc"
    plain_edges: ClassVar[bool] = True  # a third of the time per page otherwise (items.add_link)
    custom_settings: ClassVar[dict[str, Any]] = {
        "ROBOTSTXT_OBEY": False,
        "LINKSPIDER_SOFT404_ENABLED": False,
        # one file at a time per worker: a unit's callback runs for the whole file
        "CONCURRENT_REQUESTS": 1,
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 1,
        "LINKSPIDER_FRONTIER_PREFETCH": 1,
        # units are not fetches from a site: no per-domain cap on how many workers read at once
        "LINKSPIDER_POLITENESS_CONCURRENCY": 1_000_000,
        "DOWNLOADER_MIDDLEWARES": {"linkspider.warc.ingest.UnitMiddleware": 1},
        "LINKSPIDER_WARC_DIR": "",  # an ingest archives nothing
    }

    def __init__(self, paths: str | None = None, prefix: str | None = None, crawl_id: str | None = None,
                 targets: str | None = None, external_only: str | None = None, exclude: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seeds=None, crawl_id=crawl_id, scope="all", **kwargs)
        self.paths_arg = paths
        self.prefix = prefix
        self.targets_arg = targets
        self.external_only = (external_only or "").strip().lower() in _TRUE
        self.exclude = frozenset(parse_domains(exclude, "exclude"))
        self.filter = EdgeFilter(external_only=self.external_only, exclude_sources=self.exclude)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_bytes = settings.getint("DOWNLOAD_MAXSIZE") or (1 << 62)
        spider.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        spider.retries = settings.getint("RETRY_TIMES")
        spider.user_agent = settings.get("USER_AGENT") or "linkspider"
        spider.policy = AddressPolicy.from_settings(settings)  # http(s) sources obey the crawl's network guard
        spider.progress_seconds = read_config(IngestConfig, settings).progress_seconds
        from linkspider.frontier.connection import redis_from_settings

        server = redis_from_settings(settings)
        mark_ingest(server, spider.crawl_id)
        targets = Scope("domain", spider.crawl_id, server, key=targets_key(spider.crawl_id))
        wanted = parse_domains(spider.targets_arg, "targets")
        if wanted:
            targets.add(wanted)  # shared: workers started without -a targets use them too
        if wanted or server.scard(targets.key):
            spider.filter.targets = targets
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        sources = parse_sources(self.paths_arg, self.prefix, self.timeout, self.policy)
        if self.paths_arg and not sources:
            raise ConfigurationError(f"paths={self.paths_arg!r} names no file")
        logger.info("warc: queueing %d files in crawl %s%s", len(sources), self.crawl_id,
                    f" (watching {len(self.filter.targets.domains())} target domains)" if self.filter.targets else "")
        for source in sources:
            yield self._unit(source)

    def _unit(self, source: str, retries: int = 0, dont_filter: bool = False) -> Request:
        meta: dict[str, Any] = {"dont_redirect": True}
        if retries:
            meta["retry_times"] = retries
        return scrapy.Request(unit_url(source), callback=self.parse, errback=self.on_error, meta=meta,
                              dont_filter=dont_filter)

    # -- one file ------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Any]:
        source = unit_source(response.url)
        if source is None:
            self._count("warc/files/not_a_unit")
            return
        name = source_name(source)
        progress = FileProgress(name, self.progress_seconds)
        logger.info("warc: reading %s", source)
        try:
            with open_source(source, self.timeout, self.user_agent, self.policy) as stream:
                for record in iter_records(stream, self.max_bytes):
                    progress.tick()
                    try:
                        out = list(self._record(record, name, progress))
                    except Exception:  # a bug or a case not foreseen: it costs this record, not the file
                        self._count("warc/skipped/error")
                        progress.skipped += 1
                        if progress.skipped <= _LOGGED_ERRORS:
                            logger.exception("warc: record at offset %d of %s not ingested (counted in "
                                             "linkspider/warc/skipped/error)", record.offset, name)
                        continue
                    yield from out
        except SourceRefused as exc:  # never retried: the address will not become allowed
            self._count("warc/files/refused")
            logger.error("warc: %s refused: %s", source, exc)
            return
        except OSError as exc:  # the file (disk, network) failed, not its content: read it again
            tries = response.meta.get("retry_times", 0) + 1
            if tries <= self.retries:
                self._count("warc/files/retried")
                logger.warning("warc: %s failed after %d records (%s); queued again (try %d of %d)",
                               source, progress.records, exc, tries, self.retries)
                yield self._unit(source, tries, dont_filter=True)
            else:
                self._count("warc/files/failed")
                logger.error("warc: %s failed after %d records (%s); giving up after %d tries",
                             source, progress.records, exc, tries)
            return
        self._count("warc/files/done")
        logger.info("warc: done %s: %s", name, progress.line())

    def _record(self, record: HttpRecord | MetadataRecord | Skip, name: str,
                progress: FileProgress) -> Iterator[Any]:
        self._count("warc/records")
        if isinstance(record, Skip):
            return self._skip(record.reason, progress)
        if isinstance(record, MetadataRecord):
            return self._wat(record, name, progress)
        return self._http(record, name, progress)

    def _skip(self, reason: str, progress: FileProgress) -> Iterator[Any]:
        self._count(f"warc/skipped/{reason}")
        progress.skipped += 1
        return iter(())

    def _http(self, record: HttpRecord, name: str, progress: FileProgress) -> Iterator[Any]:
        status = record.status
        if not (200 <= status < 300 or status in REDIRECT_STATUSES or status in GONE_STATUSES):
            return self._skip("status", progress)  # a crawl stores no page for these either
        if normalize_url(record.url) is None:
            return self._skip("bad_url", progress)  # not an http(s) page (dns:, ftp:, garbage)
        if self.filter.exclude_sources and self._excluded(record.url):
            return self._skip("excluded_source", progress)
        headers = Headers([(k, v) for k, v in record.headers if k.lower() not in _ENCODING_HEADERS])
        try:
            cls = responsetypes.from_args(headers=headers, url=record.url, body=record.body)
            meta = {"depth": 0, SOFT_404_META_KEY: True} if record.soft_404 else {"depth": 0}
            response = cls(url=record.url, status=status, headers=headers, body=record.body,
                           request=Request(record.url, meta=meta))
        except (ValueError, TypeError) as exc:  # a target URI Scrapy cannot take
            logger.debug("warc: record at %d of %s: %s", record.offset, name, exc)
            return self._skip("bad_url", progress)
        if status not in REDIRECT_STATUSES and not isinstance(response, HtmlResponse):
            return self._skip("not_html", progress)
        return self._page(response, record.date, "warc", name, progress)

    def _wat(self, record: MetadataRecord, name: str, progress: FileProgress) -> Iterator[Any]:
        page = parse_wat(record.payload)
        if isinstance(page, str):
            return self._skip(page, progress)
        status = page.status
        if not (200 <= status < 300 or status in REDIRECT_STATUSES or status in GONE_STATUSES):
            return self._skip("status", progress)
        if normalize_url(page.url) is None:
            return self._skip("bad_url", progress)
        if status not in REDIRECT_STATUSES and not page.html:
            return self._skip("not_html", progress)
        if self.filter.exclude_sources and self._excluded(page.url):
            return self._skip("excluded_source", progress)
        try:
            response = HtmlResponse(url=page.url, status=status, headers=Headers(page.headers), body=b"",
                                    request=Request(page.url, meta={"depth": 0}))
        except (ValueError, TypeError):
            return self._skip("bad_url", progress)
        if page.other_elements:
            self._count("links_dropped/wat_other_element", page.other_elements)
        extracted = links_from_rows(page.anchors, page.head_rows, page.url, headers=response.headers,
                                    max_links=self.max_links, max_anchor_chars=self.limits.max_anchor_chars,
                                    max_url_length=self.limits.max_url_length)
        return self._page(response, record.date, "wat", name, progress, extracted)

    def _excluded(self, url: str) -> bool:
        from linkspider.domains import registered_domain
        from linkspider.urls import host_of

        try:
            return self.filter.source_excluded(registered_domain(host_of(url)))
        except ValueError:
            return False

    def _page(self, response: Response, date: datetime, kind: str, name: str, progress: FileProgress,
              extracted: Any = None) -> Iterator[Any]:
        for page in self.page_items(response, fetched_at=date, follow=False, extracted=extracted):
            links = page["links"]
            if self.filter.active:
                kept = []
                for edge in links:
                    reason = self.filter.drop_reason(edge)
                    if reason is None:
                        kept.append(edge)
                    else:
                        self._count(f"warc/filtered/{reason}")
                if not kept and (links or self.filter.targets is not None):
                    self._count("warc/filtered/pages")  # nothing of interest on it: not even the page is written
                    continue
                page["links"] = links = kept
                page["partial"] = True
            for edge in links:
                edge["source"] = kind
                edge["source_file"] = name
            page["source"] = kind
            page["source_file"] = name
            progress.pages += 1
            progress.edges += len(links)
            self._count("warc/edges", len(links))
            yield page
