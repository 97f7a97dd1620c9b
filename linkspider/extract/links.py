"""HTML page to link records, in one parse: a pure function, no Scrapy, no I/O.

Pages are parsed by Lexbor (through selectolax), an HTML5 parser that builds the tree a browser
builds (``<a>`` inside ``<a>``, unclosed ``<p>``, tables, misnested tags), about twice as fast as
libxml2 on real pages.

Every rule is written once, in Python: anchors, text and rel here, URLs in ``linkspider.urls``,
placement in placement.py. The speed is in the parser (Lexbor, compiled), which knows no rule.

Every field of an edge is decided here except the source page's own keys: the target resolved as
a browser would (``<base href>`` honoured), anchor text, image alt, rel tokens, nofollow from the
link, the page's robots meta or the ``X-Robots-Tag`` header, and the link's placement.
"""
from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import accumulate

import ada_url
from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from linkspider.extract.placement import assign_placements
from linkspider.extract.text import DEFAULT_MAX_ANCHOR_CHARS, DEFAULT_MAX_URL_LENGTH, cap_text
from linkspider.urls import _normalize_serialized, fast_normalize

logger = logging.getLogger(__name__)

__all__ = [
    "ExtractResult",
    "Link",
    "extract_links",
    "extract_links_with_stats",
    "parse_html",
]


#: Schemes whose links are counted, not returned (reason = the scheme); anything else non-web is "other_scheme".
_NAMED_SCHEMES = frozenset({"javascript", "mailto", "tel", "data", "ftp", "file", "sms", "about", "blob"})
# "5; url=/next", "0;URL='/next'", "3, /next": a time (digits), a separator, an optional url=, the URL.
_REFRESH_URL = re.compile(r"""^\s*[\d.]+(?:\s*[;,]\s*|\s+)(?:url\s*=\s*)?(['"]?)(.*?)\1\s*$""", re.I | re.S)


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a page: the fields of an edge that the page itself decides."""

    href: str  # as written in the page (attribute value, unresolved)
    target_url: str  # absolute, WHATWG-normalized, no fragment, no userinfo
    anchor_text: str  # visible text, whitespace collapsed, capped
    alt: str | None  # alt of the image (img links, area), else None
    link_type: str  # a, img, area, canonical, refresh, redirect
    rel: tuple[str, ...]  # lowercase rel tokens in page order, no duplicates
    nofollow: bool
    sponsored: bool
    ugc: bool
    placement: str  # body, nav, header, sidebar, footer, comment
    body_score: float | None = None  # the placement model's body score, 0 to 1; None: not scored (page-level links)


class _LinkBuilder:
    """A mutable twin of :class:`Link` (same slots, same order) whose instances become Links.

    Extraction builds hundreds of Links per page; a frozen dataclass's ``__init__`` sets each field
    through ``object.__setattr__``. Filling this plain slotted twin and switching its ``__class__``
    (allowed: the slot layouts are identical) gives the same object about three times as fast (tested).
    """

    __slots__ = tuple(Link.__dataclass_fields__)

    def __init__(
        self, href, target_url, anchor_text, alt, link_type, rel, nofollow, sponsored, ugc, placement, body_score=None
    ):
        self.href = href
        self.target_url = target_url
        self.anchor_text = anchor_text
        self.alt = alt
        self.link_type = link_type
        self.rel = rel
        self.nofollow = nofollow
        self.sponsored = sponsored
        self.ugc = ugc
        self.placement = placement
        self.body_score = body_score


def _make_link(
    href, target_url, anchor_text, alt, link_type, rel, nofollow, sponsored, ugc, placement, body_score=None
) -> Link:
    """Build a Link without the frozen ``__init__``'s per-field ``object.__setattr__`` calls."""
    link = _LinkBuilder(
        href, target_url, anchor_text, alt, link_type, rel, nofollow, sponsored, ugc, placement, body_score
    )
    link.__class__ = Link
    return link  # type: ignore[return-value]


@dataclass(slots=True)
class ExtractResult:
    """Links of a page plus what was left out, by reason (for ``linkspider/links_dropped/<reason>``)."""

    links: list[Link] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    page_nofollow: bool = False
    base_url: str = ""
    flattened: bool = False  # nested deeper than MAX_NESTING: parsed without structure (placements are body)


def _header_values(headers: Mapping | None, name: str) -> list[str]:
    """Every value of header ``name`` from a dict, a Scrapy ``Headers`` or a list of pairs, decoded."""
    if not headers:
        return []
    items: Iterable = headers.items() if hasattr(headers, "items") else headers
    out: list[str] = []
    lname = name.lower()
    for key, value in items:
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if str(key).lower() != lname:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            out.append(v.decode("latin-1") if isinstance(v, bytes) else str(v))
    return out


def _robots_nofollow(content: str, agents: tuple[str, ...] = ("linkspider",)) -> bool:
    """True when a robots directive list (meta content or X-Robots-Tag value) says nofollow."""
    for part in content.split(","):
        part = part.strip().lower()
        if ":" in part:  # "googlebot: nofollow" applies to that agent only
            agent, _, part = part.partition(":")
            if agent.strip() not in agents:
                continue
            part = part.strip()
        if part in ("nofollow", "none"):
            return True
    return False


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _encoding(body: bytes, headers: Mapping | None) -> str:
    """The page's encoding as a Python codec name: BOM, Content-Type charset, ``<meta>`` charset in the
    first 4 KB, else UTF-8 if the 8 KB from the first non-ASCII byte are valid UTF-8, else windows-1252
    (the web's default)."""
    bom, _ = read_bom(body)
    if bom:
        return bom
    for value in _header_values(headers, "content-type"):
        enc = http_content_type_encoding(value)
        if enc:
            return enc
    head = body[:4096].lower()
    if b"charset" in head or b"encoding" in head:  # <meta charset>, <meta http-equiv>, <?xml encoding?>
        declared = html_body_declared_encoding(body[:4096])
        if declared:
            enc = resolve_encoding(declared)
            if enc:
                return enc
    first = _NON_ASCII.search(body)
    start = first.start() if first is not None else -1
    if start < 0:
        return "utf-8"
    # everything before start is ASCII, so a character starts there
    try:  # 8 KB from the first non-ASCII byte decide; a split character at the cut is not an error
        codecs.getincrementaldecoder("utf-8")().decode(body[start : start + 8192], final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def parse_html(body: bytes | str, headers: Mapping | None = None) -> LexborHTMLParser | None:
    """Parse a page into a selectolax (Lexbor) tree, or None when there is nothing to parse. Never raises.

    The parser always reads UTF-8 bytes: other encodings are decoded here (with replacement
    characters for bad bytes) and re-encoded, so the page is decoded once, by the rules of
    :func:`_encoding`.
    """
    return _parse(body, headers)[0]


# Every start or end tag except the ones links live in: removed to parse a page nested too deep.
_STRUCTURE_TAG = re.compile(rb"</?(?!(?:a|area|base|link|meta|img)\b)[A-Za-z][^>]*>")
# Start tags that may open a level of nesting (not void, not closed implicitly by their next
# sibling as <p>, <li>, <td> are), and every end tag; group 1 is "/" for an end tag.
_NESTING_TAG = re.compile(
    rb"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr|keygen"
    rb"|p|li|dt|dd|tr|td|th|option|optgroup|rb|rt|rp|thead|tbody|tfoot|colgroup|caption)[\s/>])[A-Za-z]",
    re.I,
)
_DEPTH_STEP = {b"": 1, b"/": -1}
#: A page that may nest elements deeper than this is parsed without structure.
MAX_NESTING = 1500
_FEW_TAGS = 4000  # a page with fewer tags parses quickly however deep it nests them


def _too_deep(body: bytes) -> bool:
    """True when the page may nest elements deeper than :data:`MAX_NESTING`.

    An HTML5 parser scans the stack of open elements on every block start tag, so time grows with
    tags times depth. Pages with few tags are safe whatever their shape (one count rules out most
    pages); for the rest the running depth is computed over the start and end tags, an upper bound
    of the tree's depth (misnested end tags are taken as closing).
    """
    # CPython deletes a byte with memchr, 2-3 times as fast as bytes.count's byte loop
    tags = len(body) - len(body.replace(b"<", b""))
    if tags <= _FEW_TAGS:
        return False
    steps = map(_DEPTH_STEP.__getitem__, _NESTING_TAG.findall(body))
    return max(accumulate(steps), default=0) > MAX_NESTING


def _parse(body: bytes | str, headers: Mapping | None = None) -> tuple[LexborHTMLParser | None, bool]:
    """(tree or None, whether the page was nested too deep and parsed without structure).

    An HTML5 parser spends time in proportion to the nesting depth on every block start tag, so a
    page of 100,000 nested ``<div>``s would take minutes; such a page is parsed with every tag but
    ``a``/``area``/``img``/``link``/``meta``/``base`` removed, so its links survive (with no
    structure left, they are all placed in the body).
    """
    try:
        if isinstance(body, str):
            body = body.encode("utf-8", "replace")
            enc = "utf-8"
        else:
            enc = _encoding(body, headers)
        if not body or body.isspace():  # isspace stops at the first other byte; strip() copies the page
            return None, False
        if enc == "utf-8-sig":
            body = body[3:] if body[:3] == codecs.BOM_UTF8 else body
        elif enc != "utf-8":
            body = body.decode(enc, "replace").encode("utf-8", "replace")
        flattened = _too_deep(body)
        if flattened:
            logger.debug("page nested deeper than %d levels: parsed without structure", MAX_NESTING)
            body = _STRUCTURE_TAG.sub(b" ", body)
        tree = LexborHTMLParser(body, options=LexborDocumentOptions.WO_EVENTS)
        if tree.root is None:
            return None, False
        return tree, flattened
    except (ValueError, LookupError, RuntimeError) as exc:
        logger.debug("unparsable page: %s", exc)
        return None, False


def _drop_raw_text(tree) -> None:
    """Remove the content of ``<script>`` and ``<style>``: code, never shown, so never anchor or
    paragraph text (``text_lexbor()`` would include it)."""
    for el in tree.tags("script") + tree.tags("style"):
        for node in [child for child in el.iter(include_text=True) if child.tag == "-text"]:
            node.decompose()


_REL_CACHE: dict[str, tuple[str, ...]] = {}


def _rel_tokens(value: str | None) -> tuple[str, ...]:
    """rel as lowercase tokens in page order, duplicates dropped (rel is an ASCII-whitespace token set)."""
    if not value:
        return ()
    hit = _REL_CACHE.get(value)
    if hit is None:
        hit = tuple(dict.fromkeys(value.lower().split()))
        if len(_REL_CACHE) > 10_000:
            _REL_CACHE.clear()
        _REL_CACHE[value] = hit
    return hit


def _rel_flags(value: str) -> tuple[tuple[str, ...], bool, bool, bool]:
    """(rel tokens, nofollow, sponsored, ugc) of a non-empty rel attribute (the page's own nofollow aside)."""
    rel = _rel_tokens(value)
    return rel, "nofollow" in rel, "sponsored" in rel, "ugc" in rel


def _refresh_target(content: str) -> str | None:
    """The URL of a meta refresh ``content`` ("5; url=/next"), or None when it only reloads."""
    m = _REFRESH_URL.match(content)
    if not m or not m.group(2).strip():
        return None
    return m.group(2).strip()


def _scheme_reason(url: str) -> str:
    scheme = url.partition(":")[0].lower()
    return scheme if scheme in _NAMED_SCHEMES else "other_scheme"


try:  # Ada's C API directly: the same calls as ada_url.join_url without its per-call wrapper objects
    from ada_url._ada_wrapper import ffi as _ffi
    from ada_url._ada_wrapper import lib as _ada
except ImportError:  # pragma: no cover - a future ada_url layout
    _ada = None


def _join(base: bytes, base_str: str, href: str) -> str | None:
    """WHATWG-resolve ``href`` against ``base`` (UTF-8 bytes); None when invalid."""
    if _ada is None:  # pragma: no cover
        try:
            return ada_url.join_url(base_str, href)
        except ValueError:
            return None
    try:
        data = href.encode()
    except UnicodeEncodeError:  # lone surrogates: no browser could send this
        return None
    url = _ada.ada_parse_with_base(data, len(data), base, len(base))
    try:
        if not _ada.ada_is_valid(url):
            return None
        out = _ada.ada_get_href(url)
        return _ffi.unpack(out.data, out.length).decode()
    finally:
        _ada.ada_free(url)


def _origin(url: str) -> str:
    """WHATWG origin (``scheme://host[:port]``) of a valid http(s) URL, through Ada's C API."""
    if _ada is None:  # pragma: no cover
        return ada_url.URL(url).origin
    data = url.encode()
    parsed = _ada.ada_parse(data, len(data))
    try:
        origin = _ada.ada_get_origin(parsed)
        try:
            return _ffi.unpack(origin.data, origin.length).decode()
        finally:
            _ada.ada_free_owned_string(origin)
    finally:
        _ada.ada_free(parsed)


# Across pages of one site the same navigation hrefs come back on every page: remember them.
_SITE_CACHE: dict[tuple[str, str], str] = {}
_SITE_CACHE_MAX = 50_000


class _Resolver:
    """Resolves and normalizes hrefs against one base, caching repeats on the page."""

    __slots__ = ("base", "base_bytes", "cache", "max_length", "origin")

    def __init__(self, base: str, max_length: int = 0) -> None:
        self.base = base
        self.max_length = max_length  # stored URLs longer than this are dropped as "too_long" (0: no limit)
        self.base_bytes = base.encode()
        self.origin = _origin(base) if base.startswith(("http:", "https:")) else ""
        self.cache: dict[str, tuple[str | None, str]] = {}

    def __call__(self, href: str) -> tuple[str | None, str]:
        """(stored target URL, "") or (None, drop reason)."""
        hit = self.cache.get(href)
        if hit is not None:
            return hit
        result: tuple[str | None, str]
        fast = None
        if self.origin:
            key = (self.origin, href)  # absolute and root-relative hrefs depend on the origin only
            fast = _SITE_CACHE.get(key)
            if fast is None:
                fast = fast_normalize(href, self.origin)
                if fast is not None:
                    if len(_SITE_CACHE) >= _SITE_CACHE_MAX:
                        _SITE_CACHE.clear()
                    _SITE_CACHE[key] = fast
        if fast is not None:
            result = (fast, "")
        elif not href.strip():
            result = (None, "empty")
        elif href.strip()[0] == "#":
            result = (None, "fragment")  # an in-page jump: a link from the page to itself
        else:
            resolved = _join(self.base_bytes, self.base, href)
            if resolved is None:
                result = (None, "invalid")
            else:
                target = _normalize_serialized(resolved)
                result = (target, "") if target else (None, _scheme_reason(resolved))
        if self.max_length and result[0] is not None and len(result[0]) > self.max_length:
            result = (None, "too_long")
        self.cache[href] = result
        return result


_LINK_HEADER = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
_REL_PARAM = re.compile(r"""(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;"]+))""", re.I)


_HeadRows = tuple[
    list[tuple[str | None, str | None]], list[tuple[str | None, str | None, str | None]], list[str | None]
]


def _head_rows(tree) -> _HeadRows:
    """``<link>`` (rel, href), ``<meta>`` (http-equiv, name, content) and ``<base>`` (href) anywhere in
    the page, in page order.

    Elements are found by tag name (Lexbor's tag walk costs a fraction of a CSS attribute match).
    """
    links = []
    for el in tree.tags("link"):
        attrs = el.attributes
        links.append((attrs.get("rel"), attrs.get("href")))
    metas = []
    for el in tree.tags("meta"):
        attrs = el.attributes
        metas.append((attrs.get("http-equiv"), attrs.get("name"), attrs.get("content")))
    bases = [el.attributes.get("href") for el in tree.tags("base")]
    return links, metas, bases


def _scan_head(rows: _HeadRows, page_url: str) -> tuple[str, bool, list[tuple[str, str, tuple[str, ...]]]]:
    """The page's head rows (:func:`_head_rows`) read: (document base URL, robots nofollow, page-level
    links as (link_type, href, rel): canonicals, then refreshes).

    The base is the first ``<base href>``, resolved against the page URL, unless it is invalid or not
    a web URL. Robots: ``<meta name=robots|linkspider content=...nofollow|none>``.
    """
    base = None
    nofollow = False
    found: list[tuple[str, str, tuple[str, ...]]] = []
    links, metas, bases = rows
    for rel_value, href in links:
        if rel_value and "canonical" in rel_value.lower():
            rel = _rel_tokens(rel_value)
            if href is not None and "canonical" in rel:
                found.append(("canonical", href, rel))
    for equiv, name, content in metas:
        if equiv is not None and equiv.strip().lower() == "refresh":
            href = _refresh_target(content or "")
            if href is not None:
                found.append(("refresh", href, ()))
            continue
        if name is not None and name.strip().lower() in ("robots", "linkspider"):
            nofollow = nofollow or _robots_nofollow(content or "")
    for href in bases:
        if href is not None:
            resolved = _join(page_url.encode(), page_url, href)
            if resolved is not None and resolved.startswith(("http:", "https:")):
                base = resolved
            break
    return base or page_url, nofollow, found


def _page_links(
    found: list[tuple[str, str, tuple[str, ...]]],
    headers: Mapping | None,
    page_url: str,
    resolve: _Resolver,
    nofollow: bool,
    dropped: Counter,
) -> list[Link]:
    """Page-level edges: ``<link rel=canonical>`` and ``Link: <...>; rel=canonical`` (link_type
    ``canonical``), ``<meta http-equiv=refresh>`` and the ``Refresh`` header (``refresh``).

    Header URLs resolve against the page URL, markup URLs (``found``) against the document base.
    """
    from_headers: list[tuple[str, str, tuple[str, ...]]] = []
    for value in _header_values(headers, "link"):
        for m in _LINK_HEADER.finditer(value):
            params = _REL_PARAM.search(m.group(2) or "")
            rel = _rel_tokens((params.group(1) or params.group(2)) if params else None)
            if "canonical" in rel:
                from_headers.append(("canonical", m.group(1).strip(), rel))
    for value in _header_values(headers, "refresh"):
        href = _refresh_target(value)
        if href is not None:
            from_headers.append(("refresh", href, ()))
    out: list[Link] = []
    header_resolve = _Resolver(page_url) if from_headers and page_url != resolve.base else resolve
    for i, (link_type, href, rel) in enumerate(from_headers + found):
        target, reason = (header_resolve if i < len(from_headers) else resolve)(href)
        if target is None:
            dropped[reason] += 1
            continue
        out.append(_make_link(href, target, "", None, link_type, rel, nofollow, False, False, "header"))
    return out


_AnchorRow = tuple  # (handle, is_area, href, rel, text, has_image, image_alt, area_alt)


def _python_anchors(tree) -> tuple[int, Iterator[_AnchorRow]]:
    """(number of ``a``/``area`` elements, their rows in page order), read through selectolax.

    Rows are made lazily, so anchors
    past a ``max_links`` cap cost nothing. An anchor's image is the first ``img`` beneath it, among
    images under some ``a[href]``; the fields after href are None when there is no href.
    """
    # image maps are rare: <a> alone is found by Lexbor's tag walk, faster than a CSS match
    nodes = tree.css("a, area") if tree.tags("area") else tree.tags("a")
    images: dict[int, str | None] = {}  # anchor -> alt of its first image
    for img in tree.css("a[href] img"):
        el = img.parent
        while el is not None and el.tag != "a":
            el = el.parent
        if el is not None:
            images.setdefault(el.mem_id, img.attributes.get("alt"))

    def rows() -> Iterator[_AnchorRow]:
        for el in nodes:
            attrs = el.attributes
            href = attrs.get("href")
            is_area = el.tag == "area"
            if href is None:
                yield el, is_area, None, None, None, False, None, None
                continue
            key = el.mem_id
            yield (
                el,
                is_area,
                href,
                attrs.get("rel"),
                el.text_lexbor(),
                key in images,
                images.get(key),
                attrs.get("alt") if is_area else None,
            )

    return len(nodes), rows()


def _host(url: str) -> str:
    """Host of a normalized web URL without a leading ``www.`` (for the same-site test)."""
    host = url.split("/", 3)[2] if url.count("/") >= 2 else ""
    return host[4:] if host.startswith("www.") else host


def _same_site(base: str, found: list[tuple]) -> list[bool]:
    """Per found anchor row, whether its target is on the page's own host (``www.`` aside)."""
    own = _host(base)
    return [_host(row[1]) == own for row in found]


def _anchor_links(
    tree, resolve: _Resolver, cap: int, room: int, nofollow_page: bool, dropped: Counter
) -> list[Link]:
    """The page's anchor links in page order (duplicates dropped).

    ``room`` is the number of links to keep (-1: all); anchors past it are counted as ``max_links``
    without being resolved or placed. ``dropped`` counts what is left out, by reason.
    """
    count, rows = _python_anchors(tree)
    anchors: list = []
    found = []
    link_chars: list[int] = []
    cache = resolve.cache
    for index, (handle, is_area, href, rel_value, text, has_image, image_alt, area_alt) in enumerate(rows):
        if room == 0:  # the cap is reached: the remaining anchors are counted, not resolved or placed
            dropped["max_links"] += count - index
            break
        if href is None:
            continue  # a placeholder anchor, not a link
        target, reason = cache.get(href) or resolve(href)
        if target is None:
            dropped[reason] += 1
            continue
        link_type = "a"
        alt = None
        if has_image:
            alt = image_alt
            if alt is not None:
                alt = cap_text(" ".join(alt.split()), cap)
            if not text or text.isspace():
                link_type = "img"
        if text:
            text = " ".join(text.split())
            link_chars.append(len(text))
            if len(text) > cap > 0:
                text = cap_text(text, cap)
        else:
            link_chars.append(0)
            if is_area:  # a void element: no text, its own alt
                link_type = "area"
                alt = area_alt
                if alt is not None:
                    alt = cap_text(" ".join(alt.split()), cap)
        anchors.append(handle)
        room -= 1
        found.append((href, target, text, alt, link_type, rel_value))

    placements = assign_placements(tree, anchors, link_chars, _same_site(resolve.base, found)) if anchors else []
    links: list[Link] = []
    seen: set = set()
    for (href, target, text, alt, link_type, rel_value), (placement, score) in zip(found, placements):
        if rel_value:
            rel, nofollow, sponsored, ugc = _rel_flags(rel_value)
            nofollow = nofollow or nofollow_page
        else:
            rel, nofollow, sponsored, ugc = (), nofollow_page, False, False
        key = (target, text, alt, link_type, rel, placement)
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        links.append(_make_link(href, target, text, alt, link_type, rel, nofollow, sponsored, ugc, placement, score))
    return links


def _new_result(base_url: str, max_links: int | None) -> tuple[ExtractResult, int | None, bool]:
    """An empty result for the page, the link cap (negative: none), and whether the page URL can be a
    base at all (if not, the result says ``invalid_base`` and there is nothing to extract)."""
    result = ExtractResult(base_url=base_url)
    if max_links is not None and max_links < 0:
        max_links = None
    if not ada_url.check_url(base_url):
        result.dropped["invalid_base"] += 1
        return result, max_links, False
    return result, max_links, True


def extract_links_with_stats(
    body: bytes | str,
    base_url: str,
    *,
    headers: Mapping | None = None,
    max_links: int | None = None,
    max_anchor_chars: int = DEFAULT_MAX_ANCHOR_CHARS,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
) -> ExtractResult:
    """Links of a page and the counts of links left out, by reason. Never raises on page content.

    ``max_links`` caps the links kept (page-level links first, then anchors in page order); anchors
    past the cap are counted as ``max_links`` without being resolved or placed, so a page with
    200,000 links costs little more than one at the cap. ``max_anchor_chars`` cuts anchor text and
    alt; ``max_url_length`` drops longer target URLs (``too_long``); 0 disables either.
    """
    result, max_links, usable = _new_result(base_url, max_links)
    if not usable:
        return result
    tree, result.flattened = _parse(body, headers)
    nofollow_page = any(_robots_nofollow(v) for v in _header_values(headers, "x-robots-tag"))
    if tree is None:
        result.page_nofollow = nofollow_page
        return result
    _drop_raw_text(tree)
    base, meta_nofollow, head_links = _scan_head(_head_rows(tree), base_url)
    nofollow_page = nofollow_page or meta_nofollow
    result.page_nofollow = nofollow_page
    result.base_url = base
    resolve = _Resolver(base, max_url_length)
    dropped = result.dropped

    room = max_links if max_links is not None else -1
    links = _anchor_links(tree, resolve, max_anchor_chars, room, nofollow_page, dropped)
    links[:0] = _page_links(head_links, headers, base_url, resolve, nofollow_page, dropped)

    if max_links is not None and len(links) > max_links:
        dropped["max_links"] += len(links) - max_links
        del links[max_links:]
    result.links = links
    return result


def extract_links(
    body: bytes | str,
    base_url: str,
    *,
    headers: Mapping | None = None,
    max_links: int | None = None,
    max_anchor_chars: int = DEFAULT_MAX_ANCHOR_CHARS,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
) -> list[Link]:
    """The links of a page (see :func:`extract_links_with_stats` for the counts of dropped links)."""
    return extract_links_with_stats(
        body,
        base_url,
        headers=headers,
        max_links=max_links,
        max_anchor_chars=max_anchor_chars,
        max_url_length=max_url_length,
    ).links


AnchorRow = tuple[str, str, str, "str | None", "str | None"]  # (link_type, href, text, alt, rel)


def links_from_rows(
    anchors: Iterable[AnchorRow],
    head_rows: _HeadRows,
    base_url: str,
    *,
    headers: Mapping | None = None,
    placement: str = "unknown",
    max_links: int | None = None,
    max_anchor_chars: int = DEFAULT_MAX_ANCHOR_CHARS,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
) -> ExtractResult:
    """Links of a page whose markup someone else already took apart (Common Crawl WAT files).

    ``anchors`` are the page's links in page order; ``head_rows`` its ``<link>``, ``<meta>`` and
    ``<base>`` rows as :func:`_head_rows` gives them. The same rules as :func:`extract_links_with_stats`
    apply (base, robots nofollow, resolution, drop reasons, rel, text, duplicates, caps), except
    placement: without the page's structure every anchor gets ``placement`` (``unknown``).
    """
    result, max_links, usable = _new_result(base_url, max_links)
    if not usable:
        return result
    base, meta_nofollow, head_links = _scan_head(head_rows, base_url)
    nofollow_page = meta_nofollow or any(_robots_nofollow(v) for v in _header_values(headers, "x-robots-tag"))
    result.page_nofollow = nofollow_page
    result.base_url = base
    resolve = _Resolver(base, max_url_length)
    dropped = result.dropped
    links = _page_links(head_links, headers, base_url, resolve, nofollow_page, dropped)
    seen: set = set()
    for link_type, href, text, alt, rel_value in anchors:
        if max_links is not None and len(links) >= max_links:
            dropped["max_links"] += 1
            continue
        target, reason = resolve(href)
        if target is None:
            dropped[reason] += 1
            continue
        text = cap_text(" ".join(text.split()), max_anchor_chars) if text else ""
        if alt is not None:
            alt = cap_text(" ".join(alt.split()), max_anchor_chars)
        if rel_value:
            rel, nofollow, sponsored, ugc = _rel_flags(rel_value)
            nofollow = nofollow or nofollow_page
        else:
            rel, nofollow, sponsored, ugc = (), nofollow_page, False, False
        key = (target, text, alt, link_type, rel)
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        links.append(_make_link(href, target, text, alt, link_type, rel, nofollow, sponsored, ugc, placement))
    result.links = links
    return result
