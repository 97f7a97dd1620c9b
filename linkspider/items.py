"""What the spider hands to the pipelines: one ``PageItem`` per page, carrying its ``LinkItem``s.

A page's edges travel inside its ``PageItem`` (``links``) rather than as items of their own:
Scrapy's per-item machinery (a task, signals and a log record per item) cost more than the
crawl itself at a hundred links per page (see ``bench/bench_crawl.py``). A pipeline still sees
every edge, and the page item marks "this page's link set is complete" (new and lost links).
Stores also accept bare ``LinkItem``s followed by their ``PageItem``, for spiders that emit them.
"""
from __future__ import annotations

import scrapy


class LinkItem(scrapy.Item):
    """A link edge as found on a page; the store adds ``_id``, ``first_seen`` and ``last_seen``."""

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
