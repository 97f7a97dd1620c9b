"""The ``links`` spider: fetch a page, record every link on it as an edge, follow what is in scope.

Redirects are handled here rather than by Scrapy's RedirectMiddleware, so that a redirect is
recorded as an edge of its own even when its target was already crawled.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse

from linkspider import defaults
from linkspider.domains import registered_domain
from linkspider.errors import ConfigurationError
from linkspider.extract import ExtractResult, extract_links_with_stats
from linkspider.items import LinkItem, PageItem
from linkspider.scope import Scope
from linkspider.soft404 import SOFT_404_META_KEY
from linkspider.urls import host_of, normalize_url, query_param_count, resolve_href, url_key

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
GONE_STATUSES = (404, 410)
FETCHED_AT_META_KEY = "linkspider_fetched_at"  # a response's fetch time, when something recorded it
FOLLOWED_LINK_TYPES = frozenset({"a", "area", "canonical", "refresh", "redirect", "frame", "iframe"})


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
    # what an edge is built as: any mapping the store takes; a subclass may pick a cheaper one than an Item
    edge_factory: ClassVar[Any] = LinkItem

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

        def setting(name: str) -> int:
            return settings.getint(name, getattr(defaults, name))

        spider.max_links = setting("LINKSPIDER_MAX_LINKS_PER_PAGE") or None
        spider.max_anchor_chars = setting("LINKSPIDER_MAX_ANCHOR_CHARS")
        spider.max_url_length = setting("LINKSPIDER_MAX_URL_LENGTH")
        spider.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        spider.max_query_params = setting("LINKSPIDER_MAX_QUERY_PARAMS")
        spider.followed_cache_size = setting("LINKSPIDER_FOLLOWED_CACHE_SIZE")
        server = None
        if spider.scope_mode != "all":
            import redis

            server = redis.Redis.from_url(settings.get("REDIS_URL"))
        spider.scope = Scope(spider.scope_mode, spider.crawl_id, server)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.scope.add({registered_domain(host_of(url)) for url in self.seeds})
        for url in self.seeds:
            yield self._request(url, depth=0)

    def _request(self, url: str, depth: int | None = None, redirect_hops: int = 0) -> scrapy.Request:
        meta: dict[str, Any] = {"dont_redirect": True}
        if depth is not None:
            meta["depth"] = depth
        if redirect_hops:
            meta["redirect_hops"] = redirect_hops
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta)

    def _count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"linkspider/{key}", n)

    def parse(self, response: Response) -> Iterator[Any]:
        # the archive middleware (linkspider.warc.archive) stamps the time it wrote as WARC-Date, so
        # ingesting the archive later gives these very edges
        now = response.meta.get(FETCHED_AT_META_KEY) or datetime.now(timezone.utc)
        return self.page_output(response, now)

    def page_output(self, response: Response, now: datetime, *, follow: bool = True,
                    extracted: ExtractResult | None = None) -> Iterator[Any]:
        """The page's ``PageItem`` (with its edges) and, if ``follow``, requests for what is in scope.

        WARC/WAT ingest calls this with the record's date, ``follow=False`` and, for WAT, the links
        already ``extracted`` from its JSON, so an archived page gives the edges a crawl would.
        """
        source_url = normalize_url(response.url) or response.url
        source_host = host_of(source_url)
        source_domain = registered_domain(source_host)
        page = PageItem(
            url=source_url, url_key=url_key(source_url), status=response.status, fetched_at=now,
            crawl_id=self.crawl_id, depth=response.meta.get("depth", 0), host=source_host,
            domain=source_domain, outlinks=0, redirect_to=None, links=[], soft_404=False,
        )
        common = {
            "source_url": source_url, "source_key": page["url_key"], "source_host": source_host,
            "source_domain": source_domain, "crawl_id": self.crawl_id, "seen_at": now,
        }
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
                page["outlinks"] = 1
                page["links"].append(self._edge(common, target, href=location.decode("latin-1"),
                                                link_type="redirect", placement="header"))  # an HTTP header
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
            max_anchor_chars=self.max_anchor_chars, max_url_length=self.max_url_length)
        if result.flattened:
            self._count("pages_flattened")  # nested too deep to parse safely: links kept, placements all body
        for reason, count in result.dropped.items():
            self._count(f"links_dropped/{reason}", count)
        edges = page["links"]
        for link in result.links:
            target = link.target_url
            item = self._edge(
                common, target, href=link.href, link_type=link.link_type, anchor_text=link.anchor_text,
                alt=link.alt, rel=list(link.rel), nofollow=link.nofollow, sponsored=link.sponsored,
                ugc=link.ugc, placement=link.placement,
            )
            edges.append(item)
            if follow and link.link_type in FOLLOWED_LINK_TYPES and self._should_follow(
                    target, item["target_domain"], item["target_key"]):
                yield self._request(target)
        page["outlinks"] = len(edges)
        self._count("links_found", len(edges))
        yield page

    def _should_follow(self, url: str, domain: str | None = None, key: str | None = None) -> bool:
        key = key or url_key(url)
        if key in self._followed:
            # Already handed to the frontier by this worker, whose seen-set would drop it: skipping
            # it here spares Scrapy's per-request middleware and scheduling work (most links are repeats).
            self._count("links_not_followed/already_followed")
            return False
        if self.max_query_params and query_param_count(url) > self.max_query_params:
            self._count("links_not_followed/too_many_query_params")
            return False
        allowed = self.scope.allows(domain or registered_domain(host_of(url)))
        if not allowed:
            self._count("links_not_followed/out_of_scope")
            return False
        if len(self._followed) >= self.followed_cache_size:
            self._followed.clear()
        self._followed.add(key)
        return True

    def _edge(self, common: dict[str, Any], target: str, *, href: str, link_type: str, anchor_text: str = "",
              alt: str | None = None, rel: list[str] | None = None, nofollow: bool = False,
              sponsored: bool = False, ugc: bool = False, placement: str = "body") -> LinkItem:
        target_host = host_of(target)
        target_domain = registered_domain(target_host)
        return self.edge_factory(
            common, target_url=target, target_key=url_key(target), target_host=target_host,
            target_domain=target_domain, href=href, anchor_text=anchor_text, alt=alt, link_type=link_type,
            rel=rel or [], nofollow=nofollow, sponsored=sponsored, ugc=ugc, placement=placement,
            internal=target_domain == common["source_domain"],
        )

    def on_error(self, failure) -> None:
        self._count(f"fetch_errors/{failure.type.__name__}")
        logger.info("fetch failed for %s: %s", failure.request.url, failure.getErrorMessage())
