"""A web of small sites on loopback, built from real pages, for tests, the demo and benchmarks.

Why: a crawler must be tested on real markup (nav bars, sidebars, footers, comments, hundreds of links)
without the internet. ``build_web`` takes the gzipped real news/blog pages of the ``aeb`` corpus,
rewrites every ``<a href>``/``<area href>`` to point at other pages of the fixture web (mostly the same
site, the originally-external links to other sites) and injects plain-HTML links whose placement and
rel are unambiguous. ``FixtureWebServer`` serves it, one site per loopback address, all on one port.

Layout (site ``i`` lives at ``http://127.0.0.{i+2}:{port}/``; site is chosen by the local address)::

    /                          page 0 of the site (home)
    /articles/{j}-{slug}.html  page j (1 <= j < pages_per_site); a real corpus page, hrefs rewritten
    /robots.txt                "User-agent: *" / "Disallow: /private/" (+ "Crawl-delay: N" if set)
    /private/staff.html        200, but disallowed by robots.txt; linked from every home page footer
    /img/{name}.gif            a 1x1 GIF (``<img src>`` in pages point here)

Special URLs (``specials=True``, the default; one of each per site, all linked from the home page's
"From the archive" paragraph, all listed on the model):

    /moved/front-page.html     301 -> page 1 of the same site               (``web.redirects``)
    /refresh/print.html        200 with ``<meta http-equiv="refresh" content="0; url=...">`` -> page 2
                               of the same site                               (``web.refreshes``)
    /gone/column.html          404                                            (``web.missing``)

Every other path answers 404. Each page gets plain-HTML injected links for unambiguous tests: after
the last paragraph of the page's own article text (found with the corpus ground truth) six ``<p>``
with a plain link, ``rel="sponsored"``, ``rel="ugc"``, ``rel="nofollow"``, ``rel="nofollow noopener"``
and an image link with ``alt`` (home pages add links to the special URLs); and a ``<section>`` at the end
of ``<body>`` with a ``<nav>`` list (home, and the page's children in a 10-ary tree, so every page is
within a few clicks of its home page), an ``<aside>`` link and a ``<footer>`` link to the next site's
home page (so every site is reachable from site 0). ``web.injected_links(url)`` returns each with its
expected placement (``body``, ``nav``, ``sidebar``, ``footer``), rel, anchor text and alt.

Faults (``faults={site: kind}`` or ``server.set_fault(site, kind)``): ``"500"`` (any 3-digit status),
``"timeout"`` (hold the connection without answering for ``hold_seconds``, then close it), ``"slow:0.5"``
(answer normally after 0.5 s), ``"close"`` (close the connection without answering). A server in
another process takes run-time faults from ``--faults-file`` (JSON ``{"2": "timeout", "3": null}``).
Tests can mount their own responses with ``web.add_route(site, path, body, ...)`` (hostile pages).

Run as a process: ``python -m linkspider.demo.fixture_web --sites 20 --pages-per-site 100 --port 0
--ready-file F`` (or ``linkspider fixture-web ...``); F receives JSON with the port and base URLs once
every socket listens.
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import html
import json
import logging
import os
import re
import selectors
import signal
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from functools import cached_property, lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from w3lib.encoding import html_to_unicode

from linkspider.errors import LinkspiderError

logger = logging.getLogger(__name__)

__all__ = [
    "CORPUS_ENV",
    "FixtureWeb",
    "FixtureWebError",
    "FixtureWebServer",
    "InjectedLink",
    "Page",
    "Redirect",
    "RequestRecord",
    "Site",
    "add_arguments",
    "build_web",
    "default_corpus_dir",
    "main",
    "read_log_file",
    "run",
]

CORPUS_ENV = "LINKSPIDER_FIXTURE_CORPUS"
#: The article-extraction-benchmark pages shipped as package data (MIT; see corpus/PROVENANCE.md).
BUNDLED_CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
FIRST_HOST_OCTET = 2  # site i is 127.0.0.{i + 2}
MAX_SITES = 250
FAULT_KINDS = ("timeout", "close", "slow:<seconds>", "<3-digit status>")

_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
_TOKEN_RE = re.compile(r"lsfx(\d+)slot|<lsfx(body|block)></lsfx(?:body|block)>")
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_FRAGMENT_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_NON_WEB = ("mailto:", "javascript:", "tel:", "data:", "sms:", "ftp:", "whatsapp:", "fb-messenger:")
_MASK64 = (1 << 64) - 1
_REWRITTEN_TAGS = ("a", "area", "link", "img", "script", "iframe", "source", "video", "audio", "embed", "track",
                   "input")
_ADJECTIVES = ("Daily", "Evening", "Morning", "Weekly", "Northern", "Southern", "Metro", "Valley",
               "Harbor", "Capital", "Coastal", "Prairie", "Summit", "River", "Union", "Pioneer")
_NOUNS = ("Courier", "Gazette", "Herald", "Ledger", "Observer", "Tribune", "Chronicle", "Dispatch",
          "Sentinel", "Post", "Review", "Journal", "Bulletin", "Register")


class FixtureWebError(LinkspiderError):
    """The fixture web cannot be built or served (missing corpus, bad size, unusable port, bad fault)."""


# --------------------------------------------------------------------------- corpus templates


def default_corpus_dir() -> Path:
    """``$LINKSPIDER_FIXTURE_CORPUS`` if set, else the pages shipped with the package (``demo/corpus``)."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env)
    return BUNDLED_CORPUS_DIR


def _corpus_files(corpus_dir: Path) -> list[Path]:
    html_dir = corpus_dir / "html"
    files = sorted(html_dir.glob("*.html.gz")) if html_dir.is_dir() else []
    if not files:
        raise FixtureWebError(
            f"fixture corpus not found: no *.html.gz under {html_dir} (set {CORPUS_ENV} or pass corpus_dir)"
        )
    return files


def _corpus_truth(corpus_dir: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Per corpus page: its original URL and the openings of its first article paragraphs."""
    path = corpus_dir / "ground-truth.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("cannot read %s (%s); corpus pages get placeholder source URLs", path, exc)
        return {}
    truth = {}
    for key, value in data.items():
        if isinstance(value, dict):
            paragraphs = [" ".join(p.split()) for p in (value.get("articleBody") or "").split("\n")]
            probes = tuple(p[:30] for p in paragraphs if len(p) > 30)
            truth[key] = (str(value.get("url") or ""), probes)
    return truth


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def _mix(key: int, salt: int) -> int:
    """A cheap, well-spread 64-bit mix of a slot key with a salt (seed, site)."""
    x = (key ^ (salt * 0x9E3779B97F4A7C15)) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _base_domain(host: str) -> str:
    return host.lower().rstrip(".").removeprefix("www.")


@dataclasses.dataclass(frozen=True)
class _Slot:
    """One rewritten attribute in a template: ``kind`` is ``a`` (a/area href) or ``canonical``."""

    kind: str
    key: int = 0  # hash of the original absolute URL: same original URL -> same target on a site
    form: str = "root"  # how the original was written: "abs", "proto" (//host/...) or "root"
    external: bool = False  # the original pointed outside the page's own site
    home: bool = False  # the original pointed at the site's root
    fragment: str = ""
    image: bool = False  # the <a> wraps an <img> (an img edge)


@dataclasses.dataclass(frozen=True)
class _Template:
    """A corpus page serialized once, with holes where per-page hrefs and the injected block go."""

    name: str
    source_url: str
    title: str
    slug: str
    chunks: tuple[bytes, ...]  # len(slots) + 1 pieces of UTF-8 HTML around the slots
    slots: tuple[_Slot | str, ...]  # "body": injected article paragraphs, "block": injected end block

    @property
    def has_article(self) -> bool:
        """Whether the injected paragraphs go inside the page's own article text."""
        return "body" in self.slots

    @cached_property
    def fast_slots(self) -> tuple[tuple[int, int, bool, bool, int, bytes, str], ...]:
        """Slots flattened for the render loop: (kind 0=a 1=canonical 2=hole, key, external, home,
        form 0=root 1=abs 2=proto, b"#fragment" or b"", hole name)."""
        forms = {"root": 0, "abs": 1, "proto": 2}
        out = []
        for slot in self.slots:
            if isinstance(slot, str):
                out.append((2, 0, False, False, 0, b"", slot))
            else:
                out.append((0 if slot.kind == "a" else 1, slot.key, slot.external, slot.home, forms[slot.form],
                            f"#{slot.fragment}".encode() if slot.fragment else b"", ""))
        return tuple(out)


_URL_SPLIT_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//([^/?#]*)([^?#]*)")


def _classify_href(href: str, source_url: str, source_base: str) -> _Slot | None:
    """Decide how an original ``href`` is rewritten; None keeps it (fragments, non-web schemes).

    Hot at build time (about 17,000 hrefs in the corpus), so absolute URLs are split with one regex.
    """
    stripped = href.strip()
    lowered = stripped.lower()
    if not stripped or stripped.startswith("#") or lowered.startswith(_NON_WEB):
        return None
    head = lowered.split("/", 1)[0]
    scheme = head.split(":", 1)[0] if ":" in head else ""
    if scheme and scheme not in ("http", "https"):
        return None
    without_fragment, _, fragment = stripped.partition("#")
    fragment = fragment if _FRAGMENT_RE.fullmatch(fragment) else ""
    match = _URL_SPLIT_RE.match(without_fragment) if (scheme or stripped.startswith("//")) else None
    if match is not None:
        form = "abs" if scheme else "proto"
        absolute = without_fragment if scheme else f"https:{without_fragment}"
        host = _base_domain(match.group(1).rpartition("@")[2].split(":", 1)[0])
        external = not (host == source_base or host.endswith("." + source_base))
        path = match.group(2)
    else:
        form, external = "root", False
        try:
            absolute = urljoin(source_url, without_fragment)
            path = urlsplit(absolute).path
        except ValueError:
            return _Slot("a", key=_hash64(stripped))
    return _Slot("a", key=_hash64(absolute), form=form, external=external, home=path in ("", "/"),
                 fragment=fragment)


def _clean_text(text: str | None, limit: int = 90) -> str:
    text = " ".join((text or "").split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _article_anchor(doc: Any, probes: Sequence[str]) -> tuple[Any, bool] | None:
    """Where the page's article text is: (element, True) to insert after it, (element, False) to append.

    The container holding most of the ground truth's article paragraphs (as ``<p>`` children, else as
    text nodes, for ``<br>``-separated text); without ground truth, the element whose ``<p>``
    children hold the most text. None when the page has no article text to speak of.
    """
    wanted = {probe[:30] for probe in probes}
    paragraphs = list(doc.iter("p"))
    votes: dict[Any, int] = {}
    if wanted:
        for p in paragraphs:
            parent = p.getparent()
            if parent is not None and _norm(p.text_content())[:30] in wanted:
                votes[parent] = votes.get(parent, 0) + 1
    if votes:
        best = max(votes, key=lambda el: votes[el])  # first of the best in document order
        return [c for c in best if c.tag == "p"][-1], True
    if wanted:
        body = doc.find("body")
        for text in body.xpath(".//text()") if body is not None else ():
            if _norm(text)[:30] in wanted:
                owner = text.getparent()
                container = owner.getparent() if text.is_tail else owner
                if container is not None:
                    votes[container] = votes.get(container, 0) + 1
        if votes:
            return max(votes, key=lambda el: votes[el]), False
    best, best_len = None, 200
    for parent in {p.getparent() for p in paragraphs if p.getparent() is not None}:
        size = sum(len(_norm(c.text_content())) for c in parent if c.tag == "p")
        if size > best_len:
            best, best_len = parent, size
    if best is None:
        return None
    return [c for c in best if c.tag == "p"][-1], True


def _parse_template(path: Path, source_url: str, probes: Sequence[str] = ()) -> _Template:
    raw = gzip.decompress(path.read_bytes())
    _, text = html_to_unicode(None, raw)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text).replace("\x00", "")
    if "lsfx" in text:
        raise FixtureWebError(f"corpus page {path} contains the reserved token 'lsfx'")
    doc = lxml.html.document_fromstring(text)
    source_url = source_url or f"https://corpus.invalid/{path.name}"
    source_base = _base_domain(urlsplit(source_url).hostname or "")
    head = doc.find("head")
    if head is None:
        head = etree.Element("head")
        doc.insert(0, head)
    body = doc.find("body")
    if body is None:
        body = etree.SubElement(doc, "body")
    for el in list(doc.iter("meta", "base")):
        equiv = (el.get("http-equiv") or "").lower()
        if el.tag == "base" or el.get("charset") is not None or equiv in ("content-type", "refresh"):
            el.getparent().remove(el)
    head.insert(0, etree.Element("meta", charset="utf-8"))

    slots: list[_Slot] = []
    images = 0
    for el in doc.iter(*_REWRITTEN_TAGS):  # document order; comments are not visited and stay as they are
        tag = el.tag
        if tag in ("a", "area"):
            href = el.get("href")
            slot = _classify_href(href, source_url, source_base) if href is not None else None
            if slot is not None and tag == "a" and next(el.iter("img"), None) is not None:
                slot = dataclasses.replace(slot, image=True)
            if slot is not None:
                el.set("href", f"lsfx{len(slots)}slot")
                slots.append(slot)
            el.attrib.pop("ping", None)
        elif tag == "link" and el.get("href") is not None:
            if "canonical" in (el.get("rel") or "").lower().split():
                el.set("href", f"lsfx{len(slots)}slot")
                slots.append(_Slot("canonical"))
            else:
                del el.attrib["href"]  # stylesheets, icons, preloads: nothing to fetch on loopback
        elif tag == "img":
            if el.get("src") is not None:
                el.set("src", f"/img/{path.name[:12]}-{images}.gif")
                images += 1
            for attr in ("srcset", "data-src", "data-srcset", "data-original"):
                el.attrib.pop(attr, None)
        elif tag in ("script", "iframe", "source", "video", "audio", "embed", "track", "input"):
            for attr in ("src", "srcset", "poster", "data-src"):
                el.attrib.pop(attr, None)
    anchor = _article_anchor(doc, probes)
    if anchor is not None:
        element, after = anchor
        if after:
            hole = etree.Element("lsfxbody")
            hole.tail, element.tail = element.tail, None
            element.addnext(hole)
        else:
            element.append(etree.Element("lsfxbody"))
    body.append(etree.Element("lsfxblock"))
    slot_count = len(slots)

    doctype = doc.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    serialized = lxml.html.tostring(doc, encoding="unicode", doctype=doctype)
    chunks: list[bytes] = []
    ordered: list[_Slot | str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(serialized):
        chunks.append(serialized[pos : match.start()].encode("utf-8", "surrogatepass"))
        ordered.append(slots[int(match.group(1))] if match.group(1) is not None else match.group(2))
        pos = match.end()
    chunks.append(serialized[pos:].encode("utf-8", "surrogatepass"))
    expected = slot_count + 1 + (anchor is not None)
    if len(ordered) != expected or ordered.count("block") != 1:
        raise FixtureWebError(f"corpus page {path}: {len(ordered)} holes after serialization, expected {expected}")

    title = _clean_text(doc.findtext(".//title")) or path.name[:12]
    last = [seg for seg in urlsplit(source_url).path.split("/") if seg]
    slug = _SLUG_RE.sub("-", (last[-1] if last else title).lower().rsplit(".", 1)[0])[:60].strip("-")
    return _Template(path.name, source_url, title, slug or "story", tuple(chunks), tuple(ordered))


@lru_cache(maxsize=512)
def _load_template(path: str, mtime_ns: int, source_url: str, probes: tuple[str, ...]) -> _Template:
    del mtime_ns  # part of the cache key only
    return _parse_template(Path(path), source_url, probes)


# --------------------------------------------------------------------------- the model


@dataclasses.dataclass(frozen=True)
class Site:
    """One site: its index and loopback address (``127.0.0.{index+2}``)."""

    index: int
    address: str
    name: str


@dataclasses.dataclass(frozen=True)
class Page:
    """One real page of the web: site, index within the site (0 = home) and path."""

    site: int
    index: int
    path: str
    template: str  # corpus file name the page is built from
    title: str


@dataclasses.dataclass(frozen=True)
class Redirect:
    """A special URL that sends the crawler elsewhere (``kind`` is ``301`` or ``refresh``)."""

    url: str
    target: str
    kind: str


@dataclasses.dataclass(frozen=True)
class InjectedLink:
    """A link of the injected block, with what a correct extractor should report for it."""

    target_url: str  # absolute, no fragment
    href: str  # as written in the HTML
    anchor_text: str  # whitespace-collapsed text of the <a> (empty for the image link)
    alt: str | None
    rel: tuple[str, ...]
    placement: str  # body, nav, sidebar, footer
    link_type: str = "a"  # "img" for the <a> that wraps an <img> (its alt is set, its text is empty)

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.rel

    @property
    def sponsored(self) -> bool:
        return "sponsored" in self.rel

    @property
    def ugc(self) -> bool:
        return "ugc" in self.rel


@dataclasses.dataclass(frozen=True)
class _Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class FixtureWeb:
    """The generated web: sites, pages and specials; bodies are rendered on demand from templates.

    URLs contain the port, so URL-returning methods need ``bind(port)`` first (``FixtureWebServer.start``
    does it). Rendering is deterministic: ``page_body(url)`` is exactly what the server sends.
    """

    def __init__(
        self,
        sites: Sequence[Site],
        pages: Sequence[Sequence[Page]],
        templates: Mapping[str, _Template],
        *,
        seed: int,
        fanout: int,
        specials: bool,
        crawl_delay: Mapping[int, float],
    ) -> None:
        self.sites: tuple[Site, ...] = tuple(sites)
        self.pages: tuple[tuple[Page, ...], ...] = tuple(tuple(p) for p in pages)
        self.seed = seed
        self.fanout = fanout
        self.specials = specials
        self.crawl_delay: dict[int, float] = dict(crawl_delay)
        self._templates = dict(templates)
        self._paths = [{page.path: page for page in site_pages} for site_pages in self.pages]
        self._by_address = {site.address: site.index for site in self.sites}
        self.port: int | None = None
        self._href_bytes: list[list[tuple[bytes, bytes, bytes]]] = []
        self._block_cache: dict[tuple[int, int], dict[str, bytes]] = {}
        self._rendered: dict[tuple[int, int], bytes] = {}
        self._routes: dict[tuple[int, str], _Response] = {}

    # -- addressing --------------------------------------------------------------------------

    def bind(self, port: int) -> None:
        """Fix the port that every URL (and every cross-site href in the bodies) uses."""
        self.port = port
        # Per site and page: the three ways an href can be written, as bytes, for fast rendering.
        self._href_bytes = [
            [(p.path.encode(), f"http://{site.address}:{port}{p.path}".encode(),
              f"//{site.address}:{port}{p.path}".encode()) for p in self.pages[site.index]]
            for site in self.sites
        ]
        self._block_cache = {}
        self._rendered = {}

    def _port(self) -> int:
        if self.port is None:
            raise FixtureWebError("the fixture web is not bound to a port yet: start a FixtureWebServer")
        return self.port

    def site_url(self, site: int) -> str:
        return f"http://{self.sites[site].address}:{self._port()}/"

    def url(self, site: int, path: str) -> str:
        return f"http://{self.sites[site].address}:{self._port()}{path}"

    def page_url(self, page: Page) -> str:
        return self.url(page.site, page.path)

    def locate(self, url: str) -> tuple[int, str]:
        """(site index, path) of a fixture URL; FixtureWebError if it is not on this web."""
        parts = urlsplit(url)
        site = self._by_address.get(parts.hostname or "")
        if site is None or parts.port != self._port():
            raise FixtureWebError(f"not a URL of this fixture web: {url}")
        return site, parts.path or "/"

    def page(self, url: str) -> Page:
        site, path = self.locate(url)
        try:
            return self._paths[site][path]
        except KeyError:
            raise FixtureWebError(f"not a page of this fixture web: {url}") from None

    # -- ground truth ------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return sum(len(p) for p in self.pages)

    def page_urls(self) -> list[str]:
        """Every real page (200, HTML), excluding robots.txt, /private/, redirects, refreshes and 404s."""
        return [self.page_url(page) for site_pages in self.pages for page in site_pages]

    def home_urls(self) -> list[str]:
        return [self.site_url(site.index) for site in self.sites]

    def page_body(self, url: str) -> bytes:
        """The exact bytes served for a page URL."""
        return self._render(self.page(url))

    def prerender(self) -> int:
        """Render every page now and keep the bytes (about 190 KB a page): serving then costs no CPU
        for rendering. Returns the bytes held. Dropped by the next ``bind``."""
        self._port()
        for site_pages in self.pages:
            for page in site_pages:
                self._rendered[page.site, page.index] = self._render(page)
        return sum(len(b) for b in self._rendered.values())

    @property
    def redirects(self) -> list[Redirect]:
        """The 301 redirects (one per site when specials are on)."""
        if not self.specials:
            return []
        return [Redirect(self.url(s.index, "/moved/front-page.html"), self._special_target(s.index, 1), "301")
                for s in self.sites]

    @property
    def refreshes(self) -> list[Redirect]:
        """The meta-refresh pages (200 with ``<meta http-equiv="refresh">``), one per site."""
        if not self.specials:
            return []
        return [Redirect(self.url(s.index, "/refresh/print.html"), self._special_target(s.index, 2), "refresh")
                for s in self.sites]

    @property
    def missing(self) -> list[str]:
        """URLs that are linked from the web but answer 404."""
        if not self.specials:
            return []
        return [self.url(s.index, "/gone/column.html") for s in self.sites]

    @property
    def private_urls(self) -> list[str]:
        """Linked pages under ``/private/``, which robots.txt disallows."""
        return [self.url(s.index, "/private/staff.html") for s in self.sites]

    def _special_target(self, site: int, index: int) -> str:
        pages = self.pages[site]
        return self.page_url(pages[index % len(pages)])

    def robots_txt(self, site: int) -> str:
        lines = ["User-agent: *", "Disallow: /private/"]
        delay = self.crawl_delay.get(site)
        if delay is not None:
            lines.append(f"Crawl-delay: {delay:g}")
        return "\n".join(lines) + "\n"

    def outlinks(self, url: str) -> list[str]:
        """Absolute targets (fragment removed) of every http(s) ``<a>``/``<area>`` href of a page, in order."""
        page = self.page(url)
        template = self._templates[page.template]
        targets: list[str] = []
        injected = self._injected(page)
        for slot in template.slots:
            if isinstance(slot, str):
                targets.extend(link.target_url for link in injected[slot][1])
            elif slot.kind == "a":
                site, index = self._slot_target(slot, page)
                targets.append(self._href_bytes[site][index][1].decode())
        return targets

    def injected_links(self, url: str) -> list[InjectedLink]:
        """The injected links of a page in document order, with their expected placement and rel.

        Body links sit in paragraphs appended to the page's own article text (``<p>`` siblings of its
        last paragraph) or, for the few corpus pages without article text, in an ``<article>`` of the
        end block; ``nav``, ``sidebar`` (``<aside>``) and ``footer`` links are in the end block.
        """
        page = self.page(url)
        injected = self._injected(page)
        return [link for slot in self._templates[page.template].slots if isinstance(slot, str)
                for link in injected[slot][1]]

    def reachable(self, start: str | None = None, *, max_depth: int | None = None,
                  follow_nofollow: bool = True) -> dict[str, int]:
        """Breadth-first depth of every page reachable from ``start`` (default: site 0 home) via outlinks.

        Redirects and refreshes are not followed (they are never needed to reach a page); with
        ``follow_nofollow=False`` links with rel=nofollow in the injected block are skipped.
        """
        start = start or self.site_url(0)
        depths = {start: 0}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            depth = depths[current]
            if max_depth is not None and depth >= max_depth:
                continue
            skip = set()
            if not follow_nofollow:
                skip = {link.target_url for link in self.injected_links(current) if link.nofollow}
            for target in self.outlinks(current):
                if target in depths or target in skip:
                    continue
                try:
                    self.page(target)
                except FixtureWebError:
                    continue
                depths[target] = depth + 1
                queue.append(target)
        return depths

    # -- rendering ---------------------------------------------------------------------------

    def _slot_target(self, slot: _Slot, page: Page) -> tuple[int, int]:
        """(site, page index) an ``a`` slot points to on ``page``: a pure function of seed, site, slot."""
        x = _mix(slot.key, (self.seed << 16) ^ page.site)
        site = page.site
        nsites = len(self.sites)
        if slot.external and nsites > 1:
            site = (page.site + 1 + x % (nsites - 1)) % nsites
        return site, 0 if slot.home else (x >> 20) % len(self.pages[site])

    def _slot_href(self, slot: _Slot, page: Page) -> str:
        if slot.kind == "canonical":
            return self.page_url(page)
        self._port()
        site, index = self._slot_target(slot, page)
        root, absolute, proto = self._href_bytes[site][index]
        fragment = f"#{slot.fragment}" if slot.fragment else ""
        if site == page.site and slot.form == "root":
            return root.decode() + fragment
        return (proto if slot.form == "proto" else absolute).decode() + fragment

    def _pick(self, page: Page, what: str, *, cross: bool, avoid: Collection[Page] = ()) -> Page:
        """A pseudo-random page (seeded by page and role), other than those in ``avoid`` if possible."""
        target = page
        avoided = {(p.site, p.index) for p in avoid}
        for attempt in range(16):
            x = _mix(_hash64(f"{what}/{attempt}"), (self.seed << 24) ^ (page.site << 12) ^ page.index)
            site = page.site
            if cross and len(self.sites) > 1:
                site = (page.site + 1 + x % (len(self.sites) - 1)) % len(self.sites)
            pages = self.pages[site]
            target = pages[(x >> 20) % len(pages)]
            if (target.site, target.index) not in avoided:
                break
        return target

    def _injected(self, page: Page) -> dict[str, tuple[bytes, list[InjectedLink]]]:
        """The injected HTML per hole ("body", "block") with the links it holds; plain HTML, no markers."""
        site = self.sites[page.site]
        pages = self.pages[page.site]
        esc = html.escape
        links: list[InjectedLink] = []

        def a(target: Page | str, text: str, placement: str, rel: str = "", extra: str = "") -> str:
            if isinstance(target, Page):
                href = target.path if target.site == page.site else self.page_url(target)
                absolute = self.page_url(target)
            else:
                href = absolute = target
            links.append(InjectedLink(absolute, href, _clean_text(text, 10_000), None, tuple(rel.split()),
                                      placement))
            rel_attr = f' rel="{rel}"' if rel else ""
            return f'<a href="{esc(href)}"{rel_attr}{extra}>{esc(text)}</a>'

        # Article paragraphs: one plain link and one per rel variant, an image link, home: the specials.
        # Each goes to a different page, so no two body links share target and text with different rel
        # (an edge is one per target, text and placement); tiny webs get a distinguishing word instead.
        paragraphs = []
        used: list[Page] = []
        if len(pages) > 1:
            nxt = pages[(page.index + 1) % len(pages)]
            used.append(nxt)
            paragraphs.append(f"The story continues in {a(nxt, nxt.title, 'body')}, published the same day.")
        texts = {}
        for role, cross in (("sponsored", True), ("ugc", False), ("nofollow", False), ("noopener", True)):
            target = self._pick(page, role, cross=cross, avoid=used)
            texts[role] = (target, target.title if target not in used else f"{target.title} ({role})")
            used.append(target)
        blank = ' target="_blank"'
        paragraphs += [
            (f"This report was supported by our partners; see {a(*texts['sponsored'], 'body', 'sponsored')}"
             " for their side of it."),
            f"One reader pointed us to {a(*texts['ugc'], 'body', 'ugc')}, which covers similar ground.",
            (f"We could not independently verify the figures in {a(*texts['nofollow'], 'body', 'nofollow')}"
             " before publication."),
            ("For background, the same question was raised in "
             f"{a(*texts['noopener'], 'body', 'nofollow noopener', blank)}."),
        ]
        # Not a page the corpus markup already image-links to (logos link home): the edge would be shared.
        image_targets = [self.pages[site][index] for site, index in (
            self._slot_target(slot, page) for slot in self._templates[page.template].slots
            if isinstance(slot, _Slot) and slot.image)]
        avoid = [page, pages[0], *image_targets]
        photo = self._pick(page, "photo", cross=False, avoid=avoid)
        # a small site whose pages are all image-linked already: try the others
        if (photo.site, photo.index) in {(p.site, p.index) for p in avoid}:
            photo = self._pick(page, "photo", cross=True, avoid=avoid)
        alt = f"Photo: {photo.title}"
        photo_href = photo.path if photo.site == page.site else self.page_url(photo)
        links.append(InjectedLink(self.page_url(photo), photo_href, "", alt, (), "body", link_type="img"))
        paragraphs.append(f'<a href="{esc(photo_href)}"><img src="/img/photo-{photo.index}.gif" alt="{esc(alt)}"'
                          ' width="120" height="80"></a>')
        if page.index == 0 and self.specials:
            paragraphs.append(
                "From the archive: "
                f"{a(self.url(page.site, '/moved/front-page.html'), 'the old front page', 'body')}, "
                f"{a(self.url(page.site, '/refresh/print.html'), 'the print edition', 'body')} and "
                f"{a(self.url(page.site, '/gone/column.html'), 'a discontinued column', 'body')}."
            )
        body_html = "".join(f"\n<p>{p}</p>" for p in paragraphs) + "\n"
        body_links, links = links, []

        # End block: a nav list (home and the page's children in a tree, so every page of a site is a
        # few clicks from home), an aside, a footer with the next site's home page (every site
        # reachable from site 0) and, on home pages, the robots-disallowed staff area.
        out = [f"\n<section>\n<h2>More from {esc(site.name)}</h2>\n"]
        if not self._templates[page.template].has_article:
            out.append(f"<article>{body_html}</article>\n")
        out.append(f"<nav>\n<ul>\n<li>{a(pages[0], f'{site.name} front page', 'nav')}</li>\n")
        children = range(page.index * self.fanout + 1, min(len(pages), (page.index + 1) * self.fanout + 1))
        for child in children:
            out.append(f"<li>{a(pages[child], pages[child].title, 'nav')}</li>\n")
        out.append("</ul>\n</nav>\n")
        related = self._pick(page, "related", cross=False)
        out.append(f"<aside>\n<h3>Related</h3>\n<p>{a(related, related.title, 'sidebar')}</p>\n</aside>\n")
        partner = self.sites[(page.site + 1) % len(self.sites)]
        out.append(f"<footer>\n<p>Partner site: {a(self.site_url(partner.index), partner.name, 'footer')}")
        if page.index == 0:
            out.append(f" · {a(self.url(page.site, '/private/staff.html'), 'Staff area', 'footer')}")
        out.append("</p>\n</footer>\n</section>\n")
        block_links = links
        if self._templates[page.template].has_article:
            return {"body": (body_html.encode(), body_links), "block": ("".join(out).encode(), block_links)}
        return {"block": ("".join(out).encode(), body_links + block_links)}

    def _render(self, page: Page) -> bytes:
        """The page's bytes: template chunks with hrefs filled in (hot path: keep it cheap)."""
        self._port()
        done = self._rendered.get((page.site, page.index))
        if done is not None:
            return done
        template = self._templates[page.template]
        tables = self._href_bytes
        own = page.site
        own_abs = tables[own][page.index][1]
        salted = (((self.seed << 16) ^ own) * 0x9E3779B97F4A7C15) & _MASK64  # _mix, inlined below
        nsites = len(self.sites)
        sizes = [len(p) for p in self.pages]
        mask = _MASK64
        parts: list[bytes] = []
        append = parts.append
        for chunk, (kind, key, external, home, form, fragment, hole) in zip(template.chunks, template.fast_slots):
            append(chunk)
            if kind == 0:
                x = key ^ salted
                x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
                x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
                x ^= x >> 31
                site = own
                if external and nsites > 1:
                    site = (own + 1 + x % (nsites - 1)) % nsites
                forms = tables[site][0 if home else (x >> 20) % sizes[site]]
                # forms is (root-relative, absolute, protocol-relative); other sites need a host
                append(forms[form] if form or site == own else forms[1])
                if fragment:
                    append(fragment)
            elif kind == 1:
                append(own_abs)
            else:
                injected = self._block_cache.get((own, page.index))
                if injected is None:
                    injected = self._block_cache[own, page.index] = {
                        name: html_bytes for name, (html_bytes, _) in self._injected(page).items()}
                append(injected[hole])
        append(template.chunks[-1])
        return b"".join(parts)

    def add_route(self, site: int, path: str, body: bytes, *, status: int = 200,
                  content_type: str = "text/html; charset=utf-8",
                  headers: Sequence[tuple[str, str]] = ()) -> str:
        """Serve fixed bytes at ``path`` on ``site`` (hostile pages, odd headers); returns the URL if bound.

        Routes take precedence over pages and are not in ``page_urls()``; nothing links to them unless
        the test does. ``content_type=""`` sends no Content-Type header.
        """
        if not 0 <= site < len(self.sites):
            raise FixtureWebError(f"no site {site} (the web has {len(self.sites)})")
        if not path.startswith("/"):
            raise FixtureWebError(f"route path must start with '/', got {path!r}")
        all_headers = ((("Content-Type", content_type),) if content_type else ()) + tuple(headers)
        self._routes[site, path] = _Response(status, all_headers, bytes(body))
        return self.url(site, path) if self.port is not None else path

    def remove_route(self, site: int, path: str) -> None:
        self._routes.pop((site, path), None)

    def respond(self, site: int, path: str) -> _Response:
        """What the server answers for ``path`` on ``site`` (pure; no faults)."""
        html_type = ("Content-Type", "text/html; charset=utf-8")
        route = self._routes.get((site, path))
        if route is not None:
            return route
        page = self._paths[site].get(path)
        if page is not None:
            return _Response(200, (html_type,), self._render(page))
        if path == "/robots.txt":
            return _Response(200, (("Content-Type", "text/plain; charset=utf-8"),),
                             self.robots_txt(site).encode("utf-8"))
        if path.startswith("/img/") and path.endswith(".gif"):
            return _Response(200, (("Content-Type", "image/gif"),), _GIF)
        if path == "/private/staff.html":
            return _Response(200, (html_type,), _simple_page("Staff area", "<p>Staff only.</p>"))
        if self.specials:
            if path == "/moved/front-page.html":
                return _Response(301, (html_type, ("Location", self._special_target(site, 1))),
                                 _simple_page("Moved", "<p>Moved permanently.</p>"))
            if path == "/refresh/print.html":
                target = html.escape(self._special_target(site, 2))
                return _Response(200, (html_type,), _simple_page(
                    "Print edition", f"<p>The print edition moved to <a href=\"{target}\">a new page</a>.</p>",
                    head=f'<meta http-equiv="refresh" content="0; url={target}">'))
        return _Response(404, (html_type,), _simple_page("Not found", "<p>No such page.</p>"))


def _simple_page(title: str, body: str, head: str = "") -> bytes:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><h1>{title}</h1>{body}</body></html>\n").encode()


def build_web(
    corpus_dir: str | os.PathLike[str] | None = None,
    sites: int = 3,
    pages_per_site: int = 10,
    seed: int = 0,
    *,
    fanout: int = 10,
    specials: bool = True,
    crawl_delay: float | Mapping[int, float] | None = None,
) -> FixtureWeb:
    """Build a deterministic fixture web of ``sites`` x ``pages_per_site`` pages from the corpus.

    Corpus pages are shuffled by ``seed`` and cycled; ``crawl_delay`` (one value for every site or a
    ``{site: seconds}`` map) adds ``Crawl-delay`` to robots.txt.
    """
    if not 1 <= sites <= MAX_SITES:
        raise FixtureWebError(f"sites must be between 1 and {MAX_SITES}, got {sites}")
    if pages_per_site < 1:
        raise FixtureWebError(f"pages_per_site must be at least 1, got {pages_per_site}")
    if fanout < 1:
        raise FixtureWebError(f"fanout must be at least 1, got {fanout}")
    corpus = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    files = _corpus_files(corpus)
    truth = _corpus_truth(corpus)
    order = sorted(files, key=lambda f: _hash64(f"{seed}:{f.name}"))
    delays: dict[int, float] = {}
    if isinstance(crawl_delay, Mapping):
        delays = {int(k): float(v) for k, v in crawl_delay.items()}
    elif crawl_delay is not None:
        delays = {i: float(crawl_delay) for i in range(sites)}

    templates: dict[str, _Template] = {}
    site_list: list[Site] = []
    all_pages: list[list[Page]] = []
    for s in range(sites):
        name = f"{_ADJECTIVES[s % len(_ADJECTIVES)]} {_NOUNS[(s * 5 + s // len(_ADJECTIVES)) % len(_NOUNS)]}"
        site_list.append(Site(s, f"127.0.0.{s + FIRST_HOST_OCTET}", name))
        site_pages: list[Page] = []
        for j in range(pages_per_site):
            file = order[(s * pages_per_site + j) % len(order)]
            template = templates.get(file.name)
            if template is None:
                key = file.name.split(".", 1)[0]
                source_url, probes = truth.get(key, ("", ()))
                template = _load_template(str(file), file.stat().st_mtime_ns, source_url, probes)
                templates[file.name] = template
            path = "/" if j == 0 else f"/articles/{j}-{template.slug}.html"
            site_pages.append(Page(s, j, path, file.name, template.title))
        all_pages.append(site_pages)
    logger.debug("built fixture web: %d sites x %d pages from %d templates", sites, pages_per_site,
                 len(templates))
    return FixtureWeb(site_list, all_pages, templates, seed=seed, fanout=fanout, specials=specials,
                      crawl_delay=delays)


# --------------------------------------------------------------------------- the server


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (``status`` is None when a fault sent no answer)."""

    mono: float  # time.monotonic() when the request line was read (system-wide on Linux)
    wall: float  # time.time() at the same moment
    site: int
    address: str
    method: str
    path: str
    status: int | None
    user_agent: str
    fault: str | None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))


def _parse_fault(kind: str | None) -> str | None:
    if kind is None or kind == "" or kind == "none":
        return None
    if kind in ("timeout", "close") or re.fullmatch(r"[1-5]\d\d", kind):
        return kind
    if kind.startswith("slow:"):
        try:
            if float(kind[5:]) >= 0:
                return kind
        except ValueError:
            pass
    raise FixtureWebError(f"unknown fault {kind!r}; expected one of {', '.join(FAULT_KINDS)}")


class _SiteServer(ThreadingHTTPServer):
    """One listening socket (one site); requests are dispatched by the owning FixtureWebServer."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    timeout = 0.05  # handle_request() never blocks the shared accept loop on one socket

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler killed mid-response is expected (fault tests); anything else keeps its traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout)):
            logger.debug("client %s went away: %r", client_address, exc)
        else:
            logger.error("fixture web: error serving %s", client_address, exc_info=exc)

    def __init__(self, address: tuple[str, int], owner: FixtureWebServer, site: int) -> None:
        self.owner = owner
        self.site = site
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "linkspider-fixture/1"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are dropped after this
    server: _SiteServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._connections.discard(self.connection)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)

    def _serve(self, send_body: bool) -> None:
        owner = self.server.owner
        site = self.server.site
        mono, wall = time.monotonic(), time.time()
        path = urlsplit(self.path).path or "/"
        fault = owner.fault(site)

        def record(status: int | None) -> None:
            # Recorded before anything is sent, so the log is complete once the client sees the answer.
            owner._record(RequestRecord(mono, wall, site, self.server.server_name, self.command, path, status,
                                        self.headers.get("User-Agent", ""), fault))

        if fault in ("timeout", "close"):
            record(None)
            if fault == "timeout":
                owner._stopping.wait(owner.hold_seconds)
            self.close_connection = True
            return
        if fault is not None and fault.startswith("slow:"):
            owner._stopping.wait(float(fault[5:]))
        if fault is not None and fault.isdigit():
            response = _Response(int(fault), (("Content-Type", "text/html; charset=utf-8"),),
                                 _simple_page(f"Error {fault}", "<p>Injected fault.</p>"))
        else:
            response = owner.web.respond(site, path)
        record(response.status)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)


class FixtureWebServer:
    """Serves a FixtureWeb: one socket per site address, one shared port, one accept thread.

    Use as a context manager or call ``start()``/``stop()``. Every request is recorded in ``requests()``
    and, with ``log_file``, appended to it as a JSON line (see RequestRecord).
    """

    def __init__(
        self,
        web: FixtureWeb,
        port: int = 0,
        *,
        faults: Mapping[int, str] | None = None,
        log_file: str | os.PathLike[str] | None = None,
        hold_seconds: float = 30.0,
        bind_attempts: int = 20,
        prerender: bool = False,
        faults_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.web = web
        self.prerender = prerender
        self.faults_file = Path(faults_file) if faults_file is not None else None
        self._faults_mtime: int | None = None
        self.requested_port = port
        self.hold_seconds = hold_seconds
        self.bind_attempts = bind_attempts
        self.log_file = Path(log_file) if log_file is not None else None
        self._faults: dict[int, str] = {}
        for site, kind in (faults or {}).items():
            self.set_fault(site, kind)
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._log_fh: IO[str] | None = None
        self._servers: list[_SiteServer] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self.port: int | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> FixtureWebServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _bind_all(self) -> list[_SiteServer]:
        addresses = [site.address for site in self.web.sites]
        attempts = 1 if self.requested_port else self.bind_attempts
        last_error: OSError | None = None
        for _ in range(attempts):
            servers: list[_SiteServer] = []
            try:
                first = _SiteServer((addresses[0], self.requested_port), self, 0)
                servers.append(first)
                port = first.server_port
                for index, address in enumerate(addresses[1:], start=1):
                    servers.append(_SiteServer((address, port), self, index))
                return servers
            except OSError as exc:
                last_error = exc
                for server in servers:
                    server.server_close()
        raise FixtureWebError(
            f"cannot listen on {addresses[0]}..{addresses[-1]} port {self.requested_port or '(free)'} "
            f"after {attempts} attempt(s): {last_error}"
        ) from last_error

    def start(self) -> FixtureWebServer:
        if self._thread is not None:
            raise FixtureWebError("fixture web server already started")
        self._servers = self._bind_all()
        self.port = self._servers[0].server_port
        self.web.bind(self.port)
        if self.prerender:
            held = self.web.prerender()
            logger.info("fixture web: prerendered %d pages (%.0f MB)", self.web.page_count, held / 1e6)
        if self.log_file is not None:
            self._log_fh = self.log_file.open("a", encoding="utf-8")
        self._stopping.clear()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._accept_loop, name="fixture-web", daemon=True)
        self._thread.start()
        if self.faults_file is not None:
            self._watcher = threading.Thread(target=self._watch_faults_file, name="fixture-web-faults",
                                             daemon=True)
            self._watcher.start()
        logger.info("fixture web: %d sites x %d pages on port %d (%s .. %s)", len(self.web.sites),
                    len(self.web.pages[0]), self.port, self.web.site_url(0), self.web.site_url(len(self.web.sites) - 1))
        return self

    def _accept_loop(self) -> None:
        assert self._wake_r is not None
        with selectors.DefaultSelector() as selector:
            for server in self._servers:
                selector.register(server.socket, selectors.EVENT_READ, server)
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.data is not None:
                        key.data.handle_request()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        assert self._wake_w is not None and self._wake_r is not None
        self._wake_w.send(b"x")
        self._thread.join(10)
        if self._watcher is not None:
            self._watcher.join(5)
            self._watcher = None
        for server in self._servers:
            server.server_close()
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._wake_r.close()
        self._wake_w.close()
        with self._log_lock:
            if self._log_fh is not None:
                self._log_fh.close()
                self._log_fh = None
        self._servers = []
        self._thread = None

    def serve_until_signalled(self) -> None:
        """Block until SIGTERM or SIGINT (process mode), then stop."""
        done = threading.Event()

        def handler(signum: int, frame: object) -> None:
            done.set()

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not done.wait(1.0):
                pass
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
            self.stop()

    # -- faults --------------------------------------------------------------------------------

    def set_fault(self, site: int, kind: str | None) -> None:
        """Make ``site`` misbehave (``"500"``, ``"timeout"``, ``"slow:0.5"``, ``"close"``) or heal it (None)."""
        if not 0 <= site < len(self.web.sites):
            raise FixtureWebError(f"no site {site} (the web has {len(self.web.sites)})")
        parsed = _parse_fault(kind)
        if parsed is None:
            self._faults.pop(site, None)
        else:
            self._faults[site] = parsed

    def fault(self, site: int) -> str | None:
        return self._faults.get(site)

    def _watch_faults_file(self) -> None:
        """Process mode: re-read ``faults_file`` (JSON ``{"site": "kind" | null}``) when it changes."""
        assert self.faults_file is not None
        while not self._stopping.wait(0.1):
            try:
                mtime = self.faults_file.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if mtime == self._faults_mtime:
                continue
            self._faults_mtime = mtime
            try:
                wanted = json.loads(self.faults_file.read_text(encoding="utf-8") or "{}")
                parsed = {int(site): _parse_fault(kind) for site, kind in wanted.items()}
                for site in parsed:
                    if not 0 <= site < len(self.web.sites):
                        raise FixtureWebError(f"no site {site}")
            except (ValueError, AttributeError, FixtureWebError) as exc:
                logger.error("ignoring bad faults file %s: %s", self.faults_file, exc)
                continue
            self._faults = {site: kind for site, kind in parsed.items() if kind is not None}
            logger.info("faults now %s", self._faults or "none")

    # -- request log ---------------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        if record.path.startswith("/private/"):
            logger.warning("request to robots-disallowed %s on %s (user agent %r)", record.path,
                           record.address, record.user_agent)
        with self._log_lock:
            self._log.append(record)
            if self._log_fh is not None:
                self._log_fh.write(record.to_json() + "\n")
                self._log_fh.flush()

    def requests(self, site: int | None = None, path_prefix: str = "") -> list[RequestRecord]:
        """A copy of the request log, optionally for one site and/or paths starting with a prefix."""
        with self._log_lock:
            records = list(self._log)
        return [r for r in records if (site is None or r.site == site) and r.path.startswith(path_prefix)]

    def private_requests(self) -> list[RequestRecord]:
        """Requests that robots.txt forbids (anything under /private/)."""
        return self.requests(path_prefix="/private/")

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    # -- convenience ---------------------------------------------------------------------------

    @property
    def base_urls(self) -> list[str]:
        return self.web.home_urls()

    def ready_info(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "port": self.port,
            "sites": self.base_urls,
            "pages": self.web.page_count,
            "pages_per_site": len(self.web.pages[0]),
            "seed": self.web.seed,
        }


def read_log_file(path: str | os.PathLike[str]) -> list[RequestRecord]:
    """Parse a ``--log-file`` written by a (possibly other-process) server."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                records.append(RequestRecord(**json.loads(line)))
    return records


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by ``linkspider fixture-web`` and ``python -m linkspider.demo.fixture_web``."""
    parser.add_argument("--sites", type=int, default=3, help="number of sites (default 3)")
    parser.add_argument("--pages-per-site", type=int, default=10, help="pages per site (default 10)")
    parser.add_argument("--bench", action="store_true", help="benchmark size: 20 sites x 100 pages, prerendered")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="shared port (default 0: pick a free one)")
    parser.add_argument("--corpus", default=None, help=f"corpus dir (default ${CORPUS_ENV}, else the bundled pages)")
    parser.add_argument("--ready-file", default=None, help="write JSON {port, sites, ...} here once listening")
    parser.add_argument("--seeds-file", default=None, help="write the site home URLs here, one per line")
    parser.add_argument("--urls-file", default=None, help="write every page URL here, one per line")
    parser.add_argument("--log-file", default=None, help="append every request here as a JSON line")
    parser.add_argument("--crawl-delay", type=float, default=None, help="Crawl-delay for every robots.txt")
    parser.add_argument("--no-specials", action="store_true", help="no redirect / refresh / 404 URLs")
    parser.add_argument("--fault", action="append", default=[], metavar="SITE=KIND",
                        help="inject a fault: 500, timeout, close or slow:SECONDS (repeatable)")
    parser.add_argument("--prerender", action="store_true",
                        help="render every page at start (about 190 KB a page in memory, less CPU per request)")
    parser.add_argument("--faults-file", default=None,
                        help='JSON {"SITE": "KIND" or null}, re-read whenever it changes (faults at run time)')
    parser.add_argument("--hold-seconds", type=float, default=30.0, help="how long 'timeout' holds a request")


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    """Build, serve until SIGTERM/SIGINT; write the ready file once listening."""
    sites, pages = (20, 100) if args.bench else (args.sites, args.pages_per_site)
    prerender = args.prerender or args.bench
    faults: dict[int, str] = {}
    for spec in args.fault:
        site, sep, kind = spec.partition("=")
        if not sep or not site.isdigit():
            raise FixtureWebError(f"--fault wants SITE=KIND, got {spec!r}")
        faults[int(site)] = kind
    web = build_web(args.corpus, sites=sites, pages_per_site=pages, seed=args.seed,
                    specials=not args.no_specials, crawl_delay=args.crawl_delay)
    server = FixtureWebServer(web, port=args.port, faults=faults, log_file=args.log_file,
                              hold_seconds=args.hold_seconds, prerender=prerender,
                              faults_file=args.faults_file)
    server.start()
    try:
        if args.seeds_file:
            _write_atomic(args.seeds_file, "".join(u + "\n" for u in server.base_urls))
        if args.urls_file:
            _write_atomic(args.urls_file, "".join(u + "\n" for u in web.page_urls()))
        if args.ready_file:
            _write_atomic(args.ready_file, json.dumps(server.ready_info(), indent=1) + "\n")
    except BaseException:
        server.stop()
        raise
    server.serve_until_signalled()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linkspider.demo.fixture_web",
                                     description="Serve the linkspider fixture web on loopback.")
    add_arguments(parser)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except LinkspiderError as exc:
        logger.error("%s", exc)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
