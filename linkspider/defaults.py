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

# --- deploy / scheduling ----------------------------------------------------------

# --- safety / hostile input --------------------------------------------------------
