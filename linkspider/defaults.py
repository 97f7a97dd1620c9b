"""Every ``LINKSPIDER_*`` setting with its default, in one place.

Each setting is documented in the README ("Settings"). Components read them with
Scrapy's typed getters in ``from_crawler``; a bad value fails at start-up.
"""
from __future__ import annotations

# --- crawl (spider, scope, idle close) -------------------------------------
LINKSPIDER_IDLE_CLOSE_SECONDS = 5.0
LINKSPIDER_MAX_PAGES_PER_DOMAIN = 10_000
LINKSPIDER_ALLOW_PRIVATE_NETWORKS = False

# --- extraction (links, URLs) ------------------------------------------------
LINKSPIDER_MAX_ANCHOR_CHARS = 256  # anchor text (and image alt) longer than this is cut
LINKSPIDER_MAX_LINKS_PER_PAGE = 5_000  # links kept per page; the rest are counted as dropped

# --- frontier (Redis) -----------------------------------------------------------

# --- store (MongoDB) ------------------------------------------------------------

# reports (`linkspider report`)
LINKSPIDER_SITEWIDE_SHARE = 0.3  # a referring domain linking from more than this share of its pages is sitewide
LINKSPIDER_SITEWIDE_MIN_PAGES = 5  # ... and only if it has at least this many crawled pages
LINKSPIDER_REPORT_TOP = 10  # rows in each "top" list of a report

# --- deploy / scheduling ----------------------------------------------------------
LINKSPIDER_CRAWL_REPORT_ENABLED = True  # write one document per job into the MongoDB `crawls` collection

# --- safety / hostile input --------------------------------------------------------
# (LINKSPIDER_ALLOW_PRIVATE_NETWORKS above: True lets non-public addresses through, except cloud metadata)
LINKSPIDER_ALLOWED_NETWORKS: list[str] = []  # CIDRs fetched even though not public, e.g. ["127.0.0.0/8"]
LINKSPIDER_DENIED_NETWORKS: list[str] = []  # CIDRs always refused, even when private networks are allowed
