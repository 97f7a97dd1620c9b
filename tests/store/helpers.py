"""Item builders for store tests: a "fetch" is a page's LinkItems followed by its PageItem."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from linkspider.items import LinkItem, PageItem

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

# (target url, anchor, placement) or (target url, anchor, placement, link_type, rel)
Link = tuple[Any, ...]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def host(url: str) -> str:
    return url.split("/")[2]


def fetch(source: str, links: Iterable[Link], when: datetime, *, status: int = 200, crawl_id: str = "c1",
          redirect_to: str | None = None) -> Iterator[LinkItem | PageItem]:
    """What the spider yields for one fetch of ``source``."""
    count = 0
    for link in links:
        target, anchor, placement, *rest = link
        link_type = rest[0] if rest else "a"
        rel = list(rest[1]) if len(rest) > 1 else []
        count += 1
        yield LinkItem(
            source_url=source, source_key=source, source_host=host(source), source_domain=host(source),
            target_url=target, target_key=target, target_host=host(target), target_domain=host(target),
            href=target, anchor_text=anchor, alt=None, link_type=link_type, rel=rel, nofollow="nofollow" in rel,
            sponsored="sponsored" in rel, ugc="ugc" in rel, placement=placement,
            internal=host(source) == host(target), crawl_id=crawl_id, seen_at=when,
        )
    yield PageItem(url=source, url_key=source, status=status, fetched_at=when, crawl_id=crawl_id, depth=0,
                   host=host(source), domain=host(source), outlinks=count, redirect_to=redirect_to)


def synthetic_site(pages: int, links_per_page: int, when: datetime, *, crawl_id: str = "c1",
                   site: str = "a.test") -> list[LinkItem | PageItem]:
    """A site whose pages link to each other and to other sites, with some repeated links."""
    items: list[LinkItem | PageItem] = []
    for p in range(pages):
        links = []
        for i in range(links_per_page):
            target = f"https://{'b' if i % 3 == 0 else site[0]}.test/p{(p * 7 + i) % (pages + 5)}"
            placement = ("body", "nav", "footer", "sidebar")[i % 4]
            links.append((target, f"anchor {i % 11}", placement))
        links.append(links[0])  # the same link twice on a page is one edge
        items.extend(fetch(f"https://{site}/p{p}", links, when, crawl_id=crawl_id))
    return items


def as_page_items(items: Iterable[Any]) -> list[PageItem]:
    """The same fetches the way the links spider yields them: each page's LinkItems inside its PageItem."""
    out: list[PageItem] = []
    pending: list[LinkItem] = []
    for item in items:
        if isinstance(item, LinkItem):
            pending.append(item)
        else:
            out.append(PageItem(item, links=pending))
            pending = []
    assert not pending, "LinkItems without their PageItem"
    return out


def edge_keys(items: Iterable[Any]) -> set[tuple[str, str, str, str, str]]:
    """Distinct edges of a list of items, computed without the store's code."""
    return {
        (i["source_key"], i["target_key"], i["link_type"], i["anchor_text"], i["placement"])
        for i in items if isinstance(i, LinkItem)
    }
