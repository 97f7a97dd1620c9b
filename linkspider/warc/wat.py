"""Common Crawl WAT records -> the rows :func:`linkspider.extract.links_from_rows` turns into links.

A WAT record is the JSON metadata of one WARC record. For an HTML response it carries the page's
links already taken out of the markup (``Envelope.Payload-Metadata.HTTP-Response-Metadata.
HTML-Metadata.Links``: ``path`` such as ``A@/href`` or ``IMG@/src``, ``url`` as written, ``text``,
``alt``, ``rel``), its ``<head>`` (``Base``, ``Link``, ``Metas``) and the HTTP status and headers.
No HTML is parsed, so the placement of a link on the page is not known (``unknown``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WAT_ELEMENTS", "WatPage", "parse_wat"]

#: WAT link paths that are links in linkspider's sense, and their link type; other elements
#: (images, scripts, stylesheets, forms) are resources a page embeds, not links it makes.
WAT_ELEMENTS = {"A@/href": "a", "AREA@/href": "area"}


@dataclass(slots=True)
class WatPage:
    """What a WAT record says about one HTTP response."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    html: bool  # the response was parsed as HTML (it has HTML-Metadata)
    anchors: list[tuple[str, str, str, str | None, str | None]] = field(default_factory=list)
    head_rows: tuple[list, list, list] = field(default_factory=lambda: ([], [], []))
    other_elements: int = 0  # links of other kinds (IMG@/src, SCRIPT@/src, ...), counted not kept


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def parse_wat(payload: bytes) -> WatPage | str:
    """A :class:`WatPage`, or the reason the record is skipped: ``wat_not_json``, ``wat_not_response``
    (request, warcinfo and metadata records have WAT records too), ``wat_bad_shape``."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return "wat_not_json"
    try:
        envelope = doc["Envelope"]
        warc = envelope["WARC-Header-Metadata"]
        if warc.get("WARC-Type") != "response":
            return "wat_not_response"
        url = warc["WARC-Target-URI"]
        http = envelope["Payload-Metadata"]["HTTP-Response-Metadata"]
        status = int(http["Response-Message"]["Status"])
        raw_headers = http.get("Headers") or {}
    except (KeyError, TypeError, ValueError, AttributeError):
        return "wat_bad_shape"
    if not isinstance(url, str) or not isinstance(raw_headers, dict):
        return "wat_bad_shape"
    headers = []
    for name, value in raw_headers.items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str):
                headers.append((str(name), one))
    html = http.get("HTML-Metadata")
    page = WatPage(url.strip().strip("<>"), status, headers, isinstance(html, dict))
    if not page.html:
        return page
    head = html.get("Head") if isinstance(html.get("Head"), dict) else {}
    links_rows, meta_rows, base_rows = page.head_rows
    for link in head.get("Link") or ():
        if isinstance(link, dict):
            links_rows.append((_text(link.get("rel")), _text(link.get("url"))))
    for meta in head.get("Metas") or ():
        if isinstance(meta, dict):
            meta_rows.append((_text(meta.get("http-equiv")), _text(meta.get("name")), _text(meta.get("content"))))
    if _text(head.get("Base")) is not None:
        base_rows.append(head["Base"])
    for link in html.get("Links") or ():
        if not isinstance(link, dict):
            continue
        link_type = WAT_ELEMENTS.get(link.get("path"))  # type: ignore[arg-type]
        href = _text(link.get("url"))
        if link_type is None or href is None:
            page.other_elements += 1
            continue
        page.anchors.append((link_type, href, _text(link.get("text")) or "", _text(link.get("alt")),
                             _text(link.get("rel"))))
    return page
