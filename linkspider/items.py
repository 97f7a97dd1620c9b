"""The edge and page records: what every spider hands to the pipelines, built in one place.

``new_page`` and ``add_link`` are the only constructors: they derive each record's keys, hosts,
registered domains and the ``internal`` flag, so a crawl, a WARC ingest or a test build the same
record from the same inputs. Caps on anchor text live in extraction (``LINKSPIDER_MAX_ANCHOR_CHARS``);
the store turns records into documents (``linkspider.store.documents``). One ``PageItem`` per page
carries its ``LinkItem``s.

A page's edges travel inside its ``PageItem`` (``links``) rather than as items of their own:
Scrapy's per-item machinery (a task, signals and a log record per item) cost more than the
crawl itself at a hundred links per page (see ``bench/bench_crawl.py``). A pipeline still sees
every edge, and the page item marks "this page's link set is complete" (new and lost links).
Stores also accept bare ``LinkItem``s followed by their ``PageItem``, for spiders that emit them.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import scrapy

from linkspider.domains import registered_domain
from linkspider.urls import host_of, normalize_url, url_key


class LinkItem(scrapy.Item):
    """A link edge as found on a page; the store adds ``_id`` and ``first_seen``."""

    source_url = scrapy.Field()
    source_key = scrapy.Field()
    source_host = scrapy.Field()
    source_domain = scrapy.Field()
    target_url = scrapy.Field()
    target_key = scrapy.Field()
    target_host = scrapy.Field()
    target_domain = scrapy.Field()
    href = scrapy.Field()
    anchor_text = scrapy.Field()
    alt = scrapy.Field()
    link_type = scrapy.Field()
    rel = scrapy.Field()
    nofollow = scrapy.Field()
    sponsored = scrapy.Field()
    ugc = scrapy.Field()
    placement = scrapy.Field()
    body_score = scrapy.Field()  # the placement model's evidence, 0 to 1; None: not scored (redirects, WAT)
    internal = scrapy.Field()
    crawl_id = scrapy.Field()
    seen_at = scrapy.Field()
    source = scrapy.Field()  # where the edge was read: absent for a crawl, "warc" or "wat" for an archive
    source_file = scrapy.Field()  # the archive's file name (WARC/WAT ingest)


class PageItem(scrapy.Item):
    """A fetched page: its status, how many links it had (``outlinks``) and those links (``links``)."""

    url = scrapy.Field()
    url_key = scrapy.Field()
    status = scrapy.Field()
    fetched_at = scrapy.Field()
    crawl_id = scrapy.Field()
    depth = scrapy.Field()
    host = scrapy.Field()
    domain = scrapy.Field()
    outlinks = scrapy.Field()
    redirect_to = scrapy.Field()
    soft_404 = scrapy.Field()  # True: a 200 page that is the site's "not found" page (linkspider.soft404)
    links = scrapy.Field()  # list[LinkItem]; absent or empty for a page without links
    source = scrapy.Field()  # as LinkItem.source
    source_file = scrapy.Field()
    partial = scrapy.Field()  # True: ``links`` was filtered (WARC ingest filters), so no link is marked lost


def new_page(url: str, *, status: int, fetched_at: datetime, crawl_id: str, depth: int = 0) -> PageItem:
    """The record of a fetched page; ``url`` is normalized (the raw URL is kept if it cannot be)."""
    page_url = normalize_url(url) or url
    host = host_of(page_url)
    return PageItem(url=page_url, url_key=url_key(page_url), status=status, fetched_at=fetched_at,
                    crawl_id=crawl_id, depth=depth, host=host, domain=registered_domain(host), outlinks=0,
                    redirect_to=None, links=[], soft_404=False)


def add_link(page: PageItem, target_url: str, *, href: str, link_type: str, anchor_text: str = "",
             alt: str | None = None, rel: Sequence[str] = (), nofollow: bool = False, sponsored: bool = False,
             ugc: bool = False, placement: str = "body", body_score: float | None = None,
             plain: bool = False) -> LinkItem:
    """Record a link found on ``page`` (appended to its ``links``, ``outlinks`` kept in step).

    ``target_url`` is already normalized (extraction does it). The source fields and the fetch time
    come from the page, so every edge of one page agrees with it. ``plain``: the same fields in a
    plain dict, which the store reads alike; an Item costs ~40 us more (field checks, trackref),
    a third of WARC ingest's time per page of a hundred links (``bench/bench_warc.py``).
    """
    target_host = host_of(target_url)
    target_domain = registered_domain(target_host)
    source_domain = page["domain"]
    link = (dict if plain else LinkItem)(
        source_url=page["url"], source_key=page["url_key"], source_host=page["host"], source_domain=source_domain,
        target_url=target_url, target_key=url_key(target_url), target_host=target_host, target_domain=target_domain,
        href=href, anchor_text=anchor_text, alt=alt, link_type=link_type, rel=list(rel), nofollow=nofollow,
        sponsored=sponsored, ugc=ugc, placement=placement, body_score=body_score,
        internal=target_domain == source_domain,
        crawl_id=page["crawl_id"], seen_at=page["fetched_at"],
    )
    links = page["links"]
    links.append(link)
    page["outlinks"] = len(links)
    return link
