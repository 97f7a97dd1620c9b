"""Soft 404s: pages that answer ``200 OK`` with a "not found" page instead of a 404.

A backlink index must not count such a page as live (its links are the site's template, and a
link to it points at nothing), and a crawler must not follow its links (sites that answer every
unknown path with a fresh "not found" page full of links are an endless trap).

The test is the one of Bar-Yossef et al. ("Sic transit gloria telae", WWW 2004), used by web
archives: ask the site for a path that cannot exist, in the same directory as the page. A site that
answers that with a 404 (or a redirect, or an error) has no soft 404s there. A site that answers
it with a 200 serves soft 404s, and a page of that directory whose text is nearly the same as the
probe's answer is one of them.

Pure functions (:func:`directory_of`, :func:`probe_url`, :func:`text_fingerprint`,
:func:`similarity`) do the work; :class:`SoftNotFoundMiddleware` sends one probe per directory
(through the downloader, like Scrapy's robots.txt fetches, so politeness and the SSRF guard apply)
and marks the responses it judges with ``response.meta["linkspider_soft_404"] = True``.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from linkspider.config import get_setting, read_config, require, setting
from linkspider.extract.links import parse_html

logger = logging.getLogger(__name__)

__all__ = [
    "PROBE_META_KEY",
    "SOFT_404_META_KEY",
    "SoftNotFoundMiddleware",
    "directory_of",
    "probe_url",
    "similarity",
    "text_fingerprint",
]

PROBE_META_KEY = "linkspider_soft404_probe"
SOFT_404_META_KEY = "linkspider_soft_404"
_SHINGLE = 3  # words per shingle: enough to tell two texts apart, few enough for short pages
_NOT_SOFT = "no soft 404s"  # the verdict of a directory whose probe did not get a 200


def directory_of(url: str) -> tuple[str, str, str]:
    """(scheme, netloc, first path segment or "") of a page: the unit a site routes "not found" by.

    Sites route by their first path segment (``/news/...``, ``/shop/...``) far more often than
    deeper, so one probe per (site, first segment) covers them at a bounded cost.
    """
    parts = urlsplit(url)
    segments = parts.path.split("/")
    first = segments[1] if len(segments) > 2 else ""  # "/a" is in the root, "/a/b" in "a"
    return parts.scheme, parts.netloc, first


def probe_url(directory: tuple[str, str, str], token: str | None = None) -> str:
    """A URL in ``directory`` that no site has: a random 32-hex-digit name."""
    scheme, netloc, first = directory
    name = f"linkspider-probe-{token or secrets.token_hex(16)}"
    return f"{scheme}://{netloc}/{first}/{name}" if first else f"{scheme}://{netloc}/{name}"


def text_fingerprint(body: bytes | str, headers: Mapping | None = None) -> frozenset[int]:
    """Hashes of the overlapping 3-word runs of a page's visible text (all its words when shorter)."""
    tree = parse_html(body, headers)
    if tree is None:
        return frozenset()
    for el in tree.css("script, style, noscript, template"):
        el.decompose()
    words = tree.root.text(separator=" ").lower().split()
    if len(words) < _SHINGLE:
        return frozenset({hash(" ".join(words))}) if words else frozenset()
    return frozenset(hash(" ".join(words[i:i + _SHINGLE])) for i in range(len(words) - _SHINGLE + 1))


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two fingerprints (two empty pages are the same page)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Soft404Config:
    """The ``LINKSPIDER_SOFT404_*`` settings, validated when the crawl starts."""

    similarity: float = setting("LINKSPIDER_SOFT404_SIMILARITY")
    max_directories: int = setting("LINKSPIDER_SOFT404_MAX_DIRECTORIES")
    directories_per_site: int = setting("LINKSPIDER_SOFT404_DIRECTORIES_PER_SITE")

    def __post_init__(self) -> None:
        require([
            ("LINKSPIDER_SOFT404_SIMILARITY", self.similarity, 0 < self.similarity <= 1, "in (0, 1]"),
            ("LINKSPIDER_SOFT404_MAX_DIRECTORIES", self.max_directories, self.max_directories >= 0, "zero or more"),
            ("LINKSPIDER_SOFT404_DIRECTORIES_PER_SITE", self.directories_per_site, self.directories_per_site >= 1,
             "at least 1"),
        ])


class SoftNotFoundMiddleware:
    """Downloader middleware that marks soft-404 responses (see the module docstring).

    ``DOWNLOADER_MIDDLEWARES = {"linkspider.soft404.SoftNotFoundMiddleware": 590}``. Only ``200``
    HTML responses to the spider's own requests are judged. The probe goes out while the page's
    response is being handled, so it falls inside the page's frontier lease and politeness slot,
    as a robots.txt fetch does. Settings:
    ``LINKSPIDER_SOFT404_ENABLED``, ``LINKSPIDER_SOFT404_SIMILARITY``, ``LINKSPIDER_SOFT404_MAX_DIRECTORIES``.
    """

    def __init__(self, crawler: Crawler, threshold: float, max_directories: int, per_site: int = 20) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.threshold = threshold
        self.max_directories = max_directories
        self.per_site = per_site
        # directory -> Deferred while its probe is out, then the probe's fingerprint or _NOT_SOFT
        self._verdicts: dict[tuple[str, str, str], Any] = {}
        self._site_dirs: dict[tuple[str, str], int] = {}  # directories probed per (scheme, netloc)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SoftNotFoundMiddleware:
        settings = crawler.settings
        if not get_setting(settings, "LINKSPIDER_SOFT404_ENABLED"):
            raise NotConfigured("LINKSPIDER_SOFT404_ENABLED is off")
        # a bad value stops the crawl here, naming the setting: it never switches the check off quietly
        config = read_config(Soft404Config, settings)
        return cls(crawler, config.similarity, config.max_directories, config.directories_per_site)

    def _inc(self, key: str) -> None:
        self.stats.inc_value(f"linkspider/soft404/{key}")

    async def process_response(self, request: Request, response: Response) -> Response:
        if (response.status != 200 or not isinstance(response, HtmlResponse) or request.callback is NO_CALLBACK
                or request.meta.get("dont_obey_robotstxt") or request.meta.get(PROBE_META_KEY)
                or request.meta.get(SOFT_404_META_KEY) is not None):
            # only pages: never robots.txt and other fetches of the framework's own, whose answer the
            # probe itself may be waiting for (the probe obeys robots.txt)
            return response
        verdict = await self._verdict(directory_of(response.url))
        if verdict is None or verdict is _NOT_SOFT:
            return response
        score = similarity(text_fingerprint(response.body, response.headers), verdict)
        if score >= self.threshold:
            self._inc("pages")
            logger.info("soft 404: %s looks like the site's answer for a missing page (similarity %.2f)",
                        response.url, score)
            request.meta[SOFT_404_META_KEY] = True
        return response

    async def _verdict(self, directory: tuple[str, str, str]) -> Any:
        """The probe fingerprint of ``directory``, ``_NOT_SOFT``, or None when it cannot be known."""
        known = self._verdicts.get(directory)
        if isinstance(known, Deferred):
            return await maybe_deferred_to_future(_follow(known))
        if directory in self._verdicts:
            return known
        site = directory[:2]
        if directory[2] and self._site_dirs.get(site, 0) >= self.per_site:
            # a site with a directory per user or per article: its root's answer stands for the rest,
            # so probes stay a bounded share of the site's requests
            self._inc("site_root_used")
            return await self._verdict((*site, ""))
        if len(self._verdicts) >= self.max_directories:
            self._inc("not_probed")  # bounded memory and requests; the page is taken as it is
            return None
        waiting: Deferred = Deferred()
        self._verdicts[directory] = waiting
        self._site_dirs[site] = self._site_dirs.get(site, 0) + 1
        verdict = None
        try:
            verdict = await self._probe(directory)
        finally:  # waiters must wake up even if this coroutine is cancelled
            self._verdicts[directory] = verdict
            waiting.callback(verdict)
        return verdict

    async def _probe(self, directory: tuple[str, str, str]) -> Any:
        engine = self.crawler.engine
        assert engine is not None
        request = Request(probe_url(directory), meta={PROBE_META_KEY: True, "dont_redirect": True,
                                                      "dont_retry": True, "handle_httpstatus_all": True},
                          dont_filter=True)
        self._inc("probes")
        try:
            response = await engine.download_async(request)
        except IgnoreRequest:
            self._inc("probe_refused")  # robots.txt or the network guard: nothing is learnt
            return None
        except Exception as exc:  # a probe must never fail the page it was sent for
            self._inc("probe_failed")
            logger.info("soft-404 probe %s failed: %s", request.url, exc)
            return None
        if response.status != 200 or not isinstance(response, TextResponse):
            return _NOT_SOFT
        self._inc("directories_serving_soft_404")
        logger.info("%s answers 200 for a missing page: its pages are checked for soft 404s", request.url)
        return text_fingerprint(response.body, response.headers)


def _follow(d: Deferred) -> Deferred:
    """A new Deferred with ``d``'s result, so several waiters do not share (and alter) one chain."""
    out: Deferred = Deferred()
    d.addBoth(lambda result: (out.callback(result), result)[1])
    return out
