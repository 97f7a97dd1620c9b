"""Run a tiny crawl in a fresh process (own reactor, own resolver) and print its stats as JSON.

Usage: python probe_crawl.py '{"urls": [...], "settings": {...}}'. The last stdout line is
``{"stats": {...}, "fetched": [...]}``. Used by the safety and hostile tests; the reactor and the
DNS resolver are per process, so each scenario needs its own.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class ProbeSpider(scrapy.Spider):
    name = "probe"

    def __init__(self, urls: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.urls = urls
        self.fetched: list[str] = []

    async def start(self):  # type: ignore[override]
        if self.settings.getbool("PROBE_CARELESS"):
            # Stands in for a component that logs its connection settings verbatim.
            self.logger.info("frontier at %s, store at %s", self.settings["REDIS_URL"], self.settings["MONGO_URI"])
            self.crawler.stats.set_value("probe/redis_url", self.settings["REDIS_URL"])
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: scrapy.http.Response):
        self.fetched.append(response.url)

    def failed(self, failure):
        self.logger.info("probe failure %s: %s", failure.type.__name__, failure.request.url)


def main() -> None:
    config = json.loads(sys.argv[1])
    settings = {
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "DEBUG",
        "RETRY_TIMES": 0,
        "DOWNLOAD_TIMEOUT": 10,
        "DNS_TIMEOUT": 5,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        **config.get("settings", {}),
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ProbeSpider)
    process.crawl(crawler, urls=config["urls"])
    process.start()
    stats = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in crawler.stats.get_stats().items()}
    print(json.dumps({"stats": stats, "fetched": crawler.spider.fetched}))


if __name__ == "__main__":
    main()
