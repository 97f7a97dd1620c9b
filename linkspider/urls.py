"""URL rules: WHATWG resolution (as browsers do it), the stored form, and the dedupe key.

Browsers resolve every href by the WHATWG URL Standard; ``urllib.parse.urljoin`` disagrees with it
on backslashes, whitespace, IDNA hosts, IPv4 shorthands and more, so resolution goes through Ada
(``ada_url``), a conformant parser. The rules applied on top of it are documented rule by rule in
the README section "URL rules and normalization".
"""
from __future__ import annotations

import re
from functools import lru_cache

import ada_url

__all__ = [
    "SESSION_PARAMS",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "fast_normalize",
    "host_of",
    "is_web_url",
    "normalize_url",
    "query_param_count",
    "resolve_href",
    "strip_fragment",
    "url_key",
]

WEB_SCHEMES = ("http:", "https:")

#: Query parameters that only say how a visitor arrived; dropped from ``url_key`` (compared lowercase).
TRACKING_PARAMS = frozenset(
    {
        "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "gad_source",  # Google Ads
        "fbclid", "igshid", "igsh",  # Meta
        "msclkid",  # Microsoft Ads
        "yclid", "ysclid",  # Yandex
        "twclid", "ttclid", "li_fat_id", "epik",  # X, TikTok, LinkedIn, Pinterest
        "mc_cid", "mc_eid",  # Mailchimp
        "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",  # HubSpot
        "mkt_tok",  # Marketo
        "oly_anon_id", "oly_enc_id",  # Omeda
        "vero_id", "vero_conv",  # Vero
        "s_cid",  # Adobe
        "_openstat",  # Openstat
        "wickedid",  # Wicked Reports
        "rb_clickid",  # Rakuten
        "srsltid",  # Google Merchant
        "_ga", "_gl",  # Google Analytics cross-domain linker
    }
)
#: Session-id parameters (as Nutch's default URL normalizer strips them): a fresh value on every visit
#: makes one page look like endless new ones. Dropped from ``url_key``, with ``;jsessionid=`` path parameters.
SESSION_PARAMS = frozenset(
    {"sid", "lsid", "bv_sid", "_sid", "sessionid", "session_id", "phpsessid", "jsessionid", "aspsessionid",
     "cfid", "cftoken"}
)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
#: Parameter name prefixes dropped from ``url_key`` (``utm_source``, ``utm_medium``, ``pk_campaign``...).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_")

_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def resolve_href(href: str, base: str) -> str | None:
    """Resolve ``href`` against ``base`` exactly as a browser would; None where no browser could.

    The WHATWG serialization is returned for every scheme (callers filter with :func:`is_web_url`);
    the fragment is kept. An empty or invalid ``base`` only works for an absolute ``href``.
    """
    if base and ada_url.check_url(base):
        try:
            return ada_url.join_url(base, href)
        except ValueError:
            return None
    try:  # no usable base: only an absolute href stands on its own
        return ada_url.URL(href).href
    except ValueError:
        return None


def is_web_url(url: str) -> bool:
    """True for an http(s) URL (the only kind a link edge may point to)."""
    return url[:6].lower().startswith(WEB_SCHEMES)


def strip_fragment(url: str) -> str:
    """Drop ``#...`` from a WHATWG-serialized URL (where ``#`` can only start the fragment)."""
    i = url.find("#")
    return url if i < 0 else url[:i]


def _pct_fix(match: re.Match[str]) -> str:
    code = int(match.group(0)[1:], 16)
    return chr(code) if code in _UNRESERVED else match.group(0).upper()


def _normalize_serialized(href: str) -> str | None:
    """Stored form of an already WHATWG-serialized URL (see :func:`normalize_url`)."""
    if not href.startswith(WEB_SCHEMES):
        return None
    i = href.find("#")
    if i >= 0:
        href = href[:i]
    start = href.index("//") + 2
    end = href.find("/", start)
    if end < 0:  # cannot happen for a serialized special URL, kept for safety
        end = len(href)
    at = href.rfind("@", start, end)
    if at >= 0:  # userinfo: credentials are never stored
        href = href[:start] + href[at + 1 :]
        end -= at + 1 - start
    if "%" in href:
        href = href[:end] + _PCT.sub(_pct_fix, href[end:])
    return href


# Fast path: hrefs that WHATWG parsing leaves unchanged, recognised by one regex so that the common
# case (absolute or root-relative links made of plain characters) skips the C parser round trip.
# Anything unusual (uppercase or IDNA hosts, ports, IPv4-like hosts, dot segments, whitespace,
# backslashes, characters WHATWG percent-encodes) takes the full parser. Tested against Ada.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST = rf"(?:{_LABEL}\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?"  # last label starts with a letter: never IPv4
_PATH = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]"
_QUERY = r"[A-Za-z0-9\-._~!$&()*+,;=:@/?%]"
_FAST_ABS = re.compile(rf"(https?://{_HOST})(/{_PATH}*)?(\?{_QUERY}*)?(?:#|\Z)")
_FAST_ROOT = re.compile(rf"(/(?!/){_PATH}*)(\?{_QUERY}*)?(?:#|\Z)")


def fast_normalize(href: str, origin: str) -> str | None:
    """Stored form of ``href`` when it is absolute or root-relative and plain, else None (use Ada).

    ``origin`` is the base URL's ``scheme://host[:port]`` (WHATWG-serialized) for root-relative
    hrefs. Same result as ``normalize_url(resolve_href(href, base))`` whenever not None.
    """
    if href[:1] == "/":
        start = 0
    elif origin and href.startswith(origin) and href[len(origin) : len(origin) + 1] == "/":
        start = len(origin)  # the page's own origin, as serialized: only the path and query are left
    else:
        start = -1
    if start >= 0:
        m = _FAST_ROOT.match(href, start)
        if m is None:
            return None
        path, query = m.group(1), m.group(2) or ""
        head = origin
    else:
        m = _FAST_ABS.match(href)
        if m is None:
            return None
        head, path, query = m.group(1), m.group(2) or "/", m.group(3) or ""
        if "xn--" in head:
            return None
    if "/." in path:
        return None
    if "%" in path:
        if "%2e" in path.lower():
            return None
        path = _PCT.sub(_pct_fix, path)
    if "%" in query:
        query = _PCT.sub(_pct_fix, query)
    return head + path + query


@lru_cache(maxsize=65536)
def normalize_url(url: str) -> str | None:
    """The stored form of a URL: http(s) only, WHATWG canonical, no fragment, no userinfo.

    WHATWG serialization already lowercases scheme and host, converts IDNA hosts to punycode,
    drops default ports and resolves dot segments; on top of that percent-escapes are
    uppercased and escapes of unreserved characters decoded (RFC 3986 section 6.2.2).
    Returns None for an invalid or non-web URL.
    """
    try:
        href = ada_url.URL(url).href
    except ValueError:
        return None
    return _normalize_serialized(href)


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name in SESSION_PARAMS or name.startswith(TRACKING_PREFIXES)


def query_param_count(url: str) -> int:
    """Number of non-empty ``&``-separated parameters in the query (a crawl-trap signal)."""
    q = url.find("?")
    if q < 0:
        return 0
    end = url.find("#", q)
    query = url[q + 1 : end if end >= 0 else None]
    return sum(1 for part in query.split("&") if part)


@lru_cache(maxsize=65536)
def url_key(url: str) -> str:
    """Key for dedupe and joins: :func:`normalize_url`, minus tracking and session-id parameters, query sorted.

    Raises :class:`~linkspider.errors.InvalidURLError` for a URL that has no stored form.
    """
    norm = normalize_url(url)
    if norm is None:
        from linkspider.errors import InvalidURLError

        raise InvalidURLError(f"not a valid http(s) URL: {url!r}")
    if ";" in norm:
        norm = _PATH_SESSION.sub("", norm)
    q = norm.find("?")
    if q < 0:
        return norm
    pairs = [p for p in norm[q + 1 :].split("&") if p and not _is_tracking(p.partition("=")[0])]
    if not pairs:
        return norm[:q]
    pairs.sort()
    return norm[:q] + "?" + "&".join(pairs)


@lru_cache(maxsize=65536)
def host_of(url: str) -> str:
    """Lowercase host (punycode, no port; IPv6 in brackets) of a URL, or '' when it has none."""
    try:
        return ada_url.URL(url).hostname
    except ValueError:
        return ""
