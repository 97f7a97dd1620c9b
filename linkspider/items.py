"""What the spider hands to the pipelines: one ``LinkItem`` per link found, then one ``PageItem`` per page.

The spider emits a page's ``LinkItem``s before its ``PageItem``, so a store can treat the page
item as "this page's link set is complete" (new and lost links).
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


class PageItem(scrapy.Item):
    """A fetched page: its status and how many links it had (``outlinks``)."""

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
