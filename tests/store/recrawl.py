"""Three crawls of a small web whose pages change between crawls, and an independent model of the result.

The model is the store's contract written the plain way (every fetch rewrites every edge it lists,
then marks the page's unlisted live edges lost), so the store's diffing writer can be checked
against it through the reports.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from linkspider.items import LinkItem, PageItem
from linkspider.store.documents import edge_document, lost_reason, to_millis

from .helpers import at, fetch

DAY = 86400
SITES = ("a.test", "b.test", "c.test", "d.test")


def _links(site: str, page: int, crawl: int) -> list[tuple[Any, ...]]:
    """Page ``page`` of ``site`` in crawl ``crawl`` (0, 1, 2): a third never change, the rest do."""
    links: list[tuple[Any, ...]] = []
    for i in range(8):
        other = SITES[(SITES.index(site) + 1 + i % 3) % len(SITES)]
        rel = ("nofollow",) if i % 5 == 0 else ()
        links.append((f"https://{other}/p{(page + i) % 6}", f"anchor {i % 4}", ("body", "nav", "footer")[i % 3],
                      "a", rel))
    links.append((f"https://{site}/p{(page + 1) % 6}", "next", "nav", "a", ()))  # internal
    kind = page % 3
    if crawl == 1 and kind == 1:  # links removed, one added, one turned nofollow
        links = links[2:] + [(f"https://{SITES[0]}/new{page}", "added", "body", "a", ())]
        links[0] = (*links[0][:4], ("nofollow", "ugc"))
    return links  # crawl 2: the removed links come back, the added one goes


def crawls() -> list[list[LinkItem | PageItem]]:
    """Three crawls, a day apart: unchanged pages, changed pages, a 404, a 503 and a redirect."""
    out = []
    for crawl in range(3):
        when = at(crawl * DAY)
        items: list[LinkItem | PageItem] = []
        for site in SITES:
            for page in range(6):
                url = f"https://{site}/p{page}"
                links = _links(site, page, crawl)
                status, redirect = 200, None
                if page == 5 and (crawl == 1 or (crawl == 2 and site == "c.test")):  # gone, back on 3 sites
                    status, links = 404, []
                elif page == 4 and crawl >= 1:
                    status, links = 503, []
                elif page == 2 and site == "b.test" and crawl == 2:
                    status, links, redirect = 301, [], "https://b.test/p0"
                items.extend(fetch(url, links, when, status=status, crawl_id=f"c{crawl}", redirect_to=redirect))
        out.append(items)
    return out


def model_edges(all_crawls: list[list[Any]]) -> list[dict[str, Any]]:
    """Every edge as the plain rule leaves it: ``first_seen``, and ``lost_at``/``lost_reason`` when lost."""
    state: dict[bytes, dict[str, Any]] = {}
    for items in all_crawls:
        pending: list[LinkItem] = []
        for item in items:
            if isinstance(item, LinkItem):
                pending.append(item)
                continue
            when = to_millis(item["fetched_at"])
            listed = set()
            for link in pending:
                doc = edge_document(link)
                listed.add(doc["_id"])
                old = state.get(doc["_id"])
                state[doc["_id"]] = {**doc, "first_seen": old["first_seen"] if old else doc["first_seen"]}
            pending = []
            reason = lost_reason(item["status"], item.get("redirect_to"))
            if reason is None:
                continue
            for key, doc in state.items():
                if doc["source_key"] == item["url_key"] and key not in listed and "lost_at" not in doc:
                    doc["lost_at"], doc["lost_reason"] = when, reason
    return list(state.values())


WINDOWS = [(None, None), (at(0), at(DAY)), (at(DAY) - timedelta(seconds=1), at(3 * DAY)), (at(2 * DAY), None)]
