"""Scrapy settings of the linkspider project.

Infrastructure comes from the environment so one image runs anywhere: ``REDIS_URL``,
``MONGO_URI``, ``MONGO_DATABASE``. Every ``LINKSPIDER_*`` default lives in
:mod:`linkspider.defaults` and is documented in the README.
"""
from __future__ import annotations

import os

from linkspider.defaults import *  # noqa: F403 - every LINKSPIDER_* default is a project setting

BOT_NAME = "linkspider"
SPIDER_MODULES = ["linkspider.spiders"]
NEWSPIDER_MODULE = "linkspider.spiders"

USER_AGENT = "linkspider/0.1 (+https://github.com/linkspider/linkspider)"
ROBOTSTXT_OBEY = True

# Infrastructure, from the environment.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017")
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "linkspider")

# Frontier: shared through Redis.
SCHEDULER = "linkspider.frontier.FrontierScheduler"
DUPEFILTER_CLASS = "linkspider.frontier.RedisSeenFilter"
LINKSPIDER_FRONTIER_META_KEYS = ["redirect_hops"]  # the spider counts redirect hops itself

# Safety: no fetches of private, loopback, link-local or metadata addresses (also after DNS and
# redirects) unless LINKSPIDER_ALLOW_PRIVATE_NETWORKS; credentials masked in logs and stats.
TWISTED_DNS_RESOLVER = "linkspider.safety.PublicOnlyResolver"

# Politeness and bounds (per process; the frontier adds cluster-wide limits).
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
DEPTH_LIMIT = 0
DEPTH_PRIORITY = 0
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
# The spider records redirects and meta refreshes as edges and follows them itself (links.py).
METAREFRESH_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

SPIDER_MIDDLEWARES: dict[str, int] = {
    "linkspider.frontier.FrontierAckMiddleware": 1,  # acks a lease once its output is processed
    "linkspider.warc.archive.WarcArchiveMiddleware": 45,  # LINKSPIDER_WARC_DIR: archive responses as WARC
}
DOWNLOADER_MIDDLEWARES: dict[str, int] = {
    "linkspider.safety.NetworkGuardMiddleware": 50,  # before robots.txt (100): refuse private addresses
    # Scrapy's own (100) gives robots.txt to only the first request waiting for it: replaced
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "linkspider.robotstxt.SharedRobotsTxtMiddleware": 100,
    "linkspider.soft404.SoftNotFoundMiddleware": 590,  # marks 200 "not found" pages (one probe per directory)
    "linkspider.frontier.DomainDelayMiddleware": 960,  # spaces robots.txt + page within one lease
}
EXTENSIONS: dict[str, int] = {
    "linkspider.safety.RedactionExtension": 0,  # mask credentials in logs and stats
    "linkspider.extensions.crawl_report.CrawlReport": 500,  # one `crawls` document per job
    "linkspider.frontier.IdleCloseExtension": 510,  # close when the whole crawl is done
}
ITEM_PIPELINES: dict[str, int] = {
    "linkspider.store.pipeline.MongoPipeline": 300,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
