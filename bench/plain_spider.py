"""The baseline of bench_crawl: a plain Scrapy spider that follows links on the seed sites, stores nothing."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class PlainSpider(CrawlSpider):
    name = "plain"

    def __init__(self, seeds: str = "", **kwargs):
        self.start_urls = [s for s in seeds.split(",") if s]
        # LinkExtractor compares netlocs, so the fixture web's ports are part of the "domain".
        sites = sorted({urlsplit(u).netloc for u in self.start_urls})
        self.rules = (Rule(LinkExtractor(allow_domains=sites), follow=True),)
        super().__init__(**kwargs)
