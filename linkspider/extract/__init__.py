"""Link extraction: one parse of a page (Lexbor, an HTML5 parser) gives every link with its edge fields.

``extract_links(body, base_url)`` is what the spider calls; ``extract_links_with_stats`` also
returns the counts of links left out (non-web schemes, invalid URLs, duplicates, the per-page cap)
for the stats keys ``linkspider/links_dropped/<reason>``.
"""
from __future__ import annotations

from linkspider.extract.links import (
    ExtractResult,
    Link,
    extract_links,
    extract_links_with_stats,
    links_from_rows,
    page_nofollow,
    parse_html,
    redirect_links,
)
from linkspider.extract.placement import PLACEMENTS

__all__ = [
    "PLACEMENTS",
    "ExtractResult",
    "Link",
    "extract_links",
    "extract_links_with_stats",
    "links_from_rows",
    "page_nofollow",
    "parse_html",
    "redirect_links",
]
