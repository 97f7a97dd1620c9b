"""The ``links`` spider: fetch a page, record every link on it as an edge, follow what is in scope.

Redirects are handled here rather than by Scrapy's RedirectMiddleware, so that a redirect is
recorded as an edge of its own even when its target was already crawled.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse

from linkspider.config import read_config, require, setting
from linkspider.domains import domain_of
from linkspider.errors import ConfigurationError
from linkspider.extract import ExtractResult, extract_links_with_stats
from linkspider.frontier.connection import redis_from_settings
from linkspider.items import add_link, new_page
from linkspider.scope import Scope
from linkspider.soft404 import SOFT_404_META_KEY
from linkspider.urls import normalize_url, query_param_count, resolve_href, url_key

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
GONE_STATUSES = (404, 410)
FETCHED_AT_META_KEY = "linkspider_fetched_at"  # a response's fetch time, when something recorded it
FOLLOWED_LINK_TYPES = frozenset({"a", "area", "canonical", "refresh", "redirect", "frame", "iframe"})


@dataclass(frozen=True)
class SpiderLimits:
    """The spider's bounds on what it records and follows (validated when the crawl starts)."""

    max_links: int = setting("LINKSPIDER_MAX_LINKS_PER_PAGE")
    max_anchor_chars: int = setting("LINKSPIDER_MAX_ANCHOR_CHARS")
    max_url_length: int = setting("LINKSPIDER_MAX_URL_LENGTH")
    max_query_params: int = setting("LINKSPIDER_MAX_QUERY_PARAMS")
    followed_cache_size: int = setting("LINKSPIDER_FOLLOWED_CACHE_SIZE")

    def __post_init__(self) -> None:
        require([
            ("LINKSPIDER_MAX_LINKS_PER_PAGE", self.max_links, self.max_links >= 0, "zero (no cap) or more"),
            ("LINKSPIDER_MAX_ANCHOR_CHARS", self.max_anchor_chars, self.max_anchor_chars >= 1, "at least 1"),
            ("LINKSPIDER_MAX_URL_LENGTH", self.max_url_length, self.max_url_length >= 0, "zero (no limit) or more"),
            ("LINKSPIDER_MAX_QUERY_PARAMS", self.max_query_params, self.max_query_params >= 0,
             "zero (no limit) or more"),
            ("LINKSPIDER_FOLLOWED_CACHE_SIZE", self.followed_cache_size, self.followed_cache_size >= 1,
             "at least 1"),
        ])


def parse_seeds(value: str | None) -> list[str]:
    """``URL[,URL...]`` or ``@file`` with one URL per line (``#`` comments allowed)."""
    if not value:
        return []
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigurationError(f"seeds file {path} cannot be read: {exc}") from exc
        raw = [line.split("#", 1)[0].strip() for line in lines]
    else:
        raw = [part.strip() for part in value.split(",")]
    seeds = []
    for url in filter(None, raw):
        normalized = normalize_url(url)
        if normalized is None:
            raise ConfigurationError(f"seed {url!r} is not an http(s) URL")
        seeds.append(normalized)
    return seeds


class LinksSpider(scrapy.Spider):
    name = "links"
    handle_httpstatus_list: ClassVar[list[int]] = [*REDIRECT_STATUSES, *GONE_STATUSES]
    plain_edges: ClassVar[bool] = False  # edges as plain dicts, not LinkItems (see items.add_link)

    def __init__(self, seeds: str | None = None, crawl_id: str | None = None, scope: str = "domain",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seeds = parse_seeds(seeds)
        self.crawl_id = crawl_id or self.name
        self.scope_mode = scope
        self.scope: Scope | None = None
        self._followed: set[str] = set()  # url_keys this worker already handed to the frontier

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.limits = read_config(SpiderLimits, settings)
        spider.max_links = spider.limits.max_links or None
        spider.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        # scope "domain" shares its domain list through the frontier's Redis, on the same connection path
        server = redis_from_settings(settings) if spider.scope_mode != "all" else None
        spider.scope = Scope(spider.scope_mode, spider.crawl_id, server)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.scope.add({domain_of(url) for url in self.seeds})
        for url in self.seeds:
            yield self._request(url, depth=0)

    def _request(self, url: str, depth: int | None = None, redirect_hops: int = 0) -> scrapy.Request:
        # no dont_redirect: handle_httpstatus_list keeps redirects away from RedirectMiddleware, and
        # METAREFRESH_ENABLED is off (settings.py), so each entry in Redis is that much shorter
        meta: dict[str, Any] = {}
        if depth is not None:
            meta["depth"] = depth
        if redirect_hops:
            meta["redirect_hops"] = redirect_hops
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta)

    def _count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"linkspider/{key}", n)

    def parse(self, response: Response) -> Iterator[Any]:
        # the archive middleware (linkspider.warc.archive) stamps the time it wrote as WARC-Date, so
        # ingesting the archive later gives these very edges, timestamps included
        yield from self.page_items(response, fetched_at=response.meta.get(FETCHED_AT_META_KEY)
                                   or datetime.now(timezone.utc))

    def page_items(self, response: Response, *, fetched_at: datetime, follow: bool = True,
                   extracted: ExtractResult | None = None) -> Iterator[Any]:
        """The page record of ``response`` with its links, and (``follow``) the requests for links to follow.

        The one place that decides what a response means: redirect, gone, soft 404 or a page whose
        links are extracted. Other spiders (archived responses) call it too, so their edges are the
        ones a crawl of the same page records; WAT ingest passes the links ``extracted`` from its JSON.
        """
        page = new_page(response.url, status=response.status, fetched_at=fetched_at, crawl_id=self.crawl_id,
                        depth=response.meta.get("depth", 0))
        self._count("pages")
        self._count(f"pages/status/{response.status}")

        if response.status in REDIRECT_STATUSES:
            location = response.headers.get(b"Location")
            target = resolve_href(location.decode("latin-1"), response.url) if location else None
            target = normalize_url(target) if target else None
            if target is None:
                self._count("links_dropped/bad_redirect")
            else:
                page["redirect_to"] = target
                # an HTTP header, hence the placement
                add_link(page, target, href=location.decode("latin-1"), link_type="redirect", placement="header",
                         plain=self.plain_edges)
                hops = response.meta.get("redirect_hops", 0) + 1
                if hops > self.max_redirects:
                    self._count("links_not_followed/redirect_chain_too_long")
                    logger.info("not following %s: redirect chain longer than %d (REDIRECT_MAX_TIMES)",
                                target, self.max_redirects)
                elif follow and self._should_follow(target):
                    yield self._request(target, redirect_hops=hops)
            yield page
            return
        if response.status in GONE_STATUSES or not isinstance(response, TextResponse):
            if not isinstance(response, TextResponse):
                self._count("pages_skipped/not_text")
            yield page
            return
        if response.meta.get(SOFT_404_META_KEY):
            # a "not found" page served with 200 (linkspider.soft404): gone, like a 404; its
            # template links are neither recorded nor followed
            page["soft_404"] = True
            self._count("pages_soft_404")
            yield page
            return

        result = extracted if extracted is not None else extract_links_with_stats(
            response.body, response.url, headers=response.headers, max_links=self.max_links,
            max_anchor_chars=self.limits.max_anchor_chars, max_url_length=self.limits.max_url_length)
        if result.flattened:
            self._count("pages_flattened")  # nested too deep to parse safely: links kept, placements all body
        for reason, count in result.dropped.items():
            self._count(f"links_dropped/{reason}", count)
        for link in result.links:
            target = link.target_url
            item = add_link(page, target, href=link.href, link_type=link.link_type, anchor_text=link.anchor_text,
                            alt=link.alt, rel=link.rel, nofollow=link.nofollow, sponsored=link.sponsored,
                            ugc=link.ugc, placement=link.placement,
                            body_score=None if result.flattened else link.body_score,
                            plain=self.plain_edges)
            if follow and link.link_type in FOLLOWED_LINK_TYPES and self._should_follow(
                    target, item["target_domain"], item["target_key"]):
                yield self._request(target)
        self._count("links_found", page["outlinks"])
        yield page

    def _should_follow(self, url: str, domain: str | None = None, key: str | None = None) -> bool:
        key = key or url_key(url)
        if key in self._followed:
            # Already handed to the frontier by this worker, whose seen-set would drop it: skipping
            # it here spares Scrapy's per-request middleware and scheduling work (most links are repeats).
            self._count("links_not_followed/already_followed")
            return False
        if self.limits.max_query_params and query_param_count(url) > self.limits.max_query_params:
            self._count("links_not_followed/too_many_query_params")
            return False
        allowed = self.scope.allows(domain or domain_of(url))
        if not allowed:
            self._count("links_not_followed/out_of_scope")
            return False
        if len(self._followed) >= self.limits.followed_cache_size:
            self._followed.clear()
        self._followed.add(key)
        return True

    def on_error(self, failure) -> None:
        self._count(f"fetch_errors/{failure.type.__name__}")
        logger.info("fetch failed for %s: %s", failure.request.url, failure.getErrorMessage())
