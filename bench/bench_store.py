"""Benchmark the store's write path against raw ``insert_many`` of the same documents (target ratio >= 0.5).

Starts its own mongod on a free loopback port (``linkspider.demo.servers.MongoServer``), generates
``--edges`` LinkItems (``--links-per-page`` per page, inside their page's PageItem, as the
spider emits them) and measures, in one run and on the same server:

- raw: ``insert_many(ordered=False)`` in batches of ``LINKSPIDER_STORE_FLUSH_COUNT`` of the very edge
  documents the pipeline stores (built before the clock starts), into a collection with the same
  indexes as the pipeline's: every index of ``ensure_indexes`` (``--indexes all``, the default), or
  only the ``source_key`` index the lost-link update needs (``--indexes source_key``) on both sides;
- pipeline, first crawl: every item through ``MongoPipeline.process_item`` on a running asyncio
  reactor (backpressure honoured), clock stopped when ``close_spider`` has flushed everything;
  it includes building the documents, the page upserts and the lost-link updates;
- pipeline, re-crawl: the same items one hour later (every edge exists: the upsert path).

    .venv/bin/python bench/bench_store.py                   # 200,000 edges
    .venv/bin/python bench/bench_store.py --edges 500000 --indexes source_key
"""
from __future__ import annotations

import argparse
import inspect
import logging
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from scrapy.utils.reactor import install_reactor

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.test import get_crawler

from linkspider.demo.servers import MongoServer
from linkspider.items import LinkItem, PageItem
from linkspider.store.client import get_client
from linkspider.store.documents import edge_document
from linkspider.store.indexes import ensure_indexes
from linkspider.store.pipeline import MongoPipeline

BASE = datetime(2026, 8, 1, tzinfo=timezone.utc)
PLACEMENTS = ("body", "body", "body", "nav", "header", "sidebar", "footer", "comment")


def generate(edges: int, links_per_page: int, when: datetime, crawl_id: str) -> list[Any]:
    """Realistic-sized items: ~60-char URLs, short anchors, 30% internal, 20 source sites."""
    items: list[Any] = []
    pages = max(1, edges // links_per_page)
    for p in range(pages):
        site = p % 20
        source = f"https://www.site{site}.example/articles/{p}-some-article-slug-here.html"
        links: list[LinkItem] = []
        for i in range(links_per_page):
            internal = i % 10 < 3
            tsite = site if internal else (p * 31 + i * 7) % 500
            target = f"https://www.site{tsite}.example/articles/{(p * 13 + i) % 5000}-target-slug.html"
            links.append(LinkItem(
                source_url=source, source_key=source, source_host=f"www.site{site}.example",
                source_domain=f"site{site}.example", target_url=target, target_key=target,
                target_host=f"www.site{tsite}.example", target_domain=f"site{tsite}.example",
                href=target, anchor_text=f"anchor text number {i}", alt=None, link_type="a",
                rel=["nofollow"] if i % 9 == 0 else [], nofollow=i % 9 == 0, sponsored=False, ugc=False,
                placement=PLACEMENTS[i % len(PLACEMENTS)], internal=internal, crawl_id=crawl_id, seen_at=when,
            ))
        items.append(PageItem(url=source, url_key=source, status=200, fetched_at=when, crawl_id=crawl_id,
                              depth=1, host=f"www.site{site}.example", domain=f"site{site}.example",
                              outlinks=links_per_page, redirect_to=None, links=links))
    return items


def prepare(db: Any, indexes: str) -> None:
    db.client.drop_database(db.name)
    if indexes == "all":
        ensure_indexes(db)
    else:
        db.edges.create_index([("source_key", 1)], name="edges_source_key")


def bench_raw(db: Any, docs: list[dict[str, Any]], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(docs), batch):
        db.edges.insert_many(docs[start:start + batch], ordered=False)
    return time.perf_counter() - started


async def bench_pipeline(uri: str, database: str, items: list[Any], settings: dict[str, Any],
                         spill_dir: str) -> tuple[float, dict[str, Any]]:
    crawler = get_crawler(settings_dict={
        "MONGO_URI": uri, "MONGO_DATABASE": database, "LINKSPIDER_STORE_SPILL_DIR": spill_dir, **settings,
    })
    crawler.stats.open_spider()
    pipeline = MongoPipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.writer.flush()  # index check done before the clock starts
    started = time.perf_counter()
    process = pipeline.process_item
    for item in items:
        result = process(item)
        if inspect.isawaitable(result):
            await result
    await pipeline.close_spider()
    elapsed = time.perf_counter() - started
    stats = {k.split("/")[-1]: v for k, v in crawler.stats.get_stats().items() if k.startswith("linkspider/store/")}
    return elapsed, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--links-per-page", type=int, default=50)
    parser.add_argument("--flush-count", type=int, default=1000)
    parser.add_argument("--indexes", choices=("all", "source_key"), default="all",
                        help="secondary indexes on both sides: every report index, or only edges.source_key")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    first = generate(args.edges, args.links_per_page, BASE, "bench-1")
    again = generate(args.edges, args.links_per_page, BASE + timedelta(hours=1), "bench-2")
    docs = [edge_document(link) for page in first for link in page["links"]]
    n = len(docs)
    settings = {"LINKSPIDER_STORE_FLUSH_COUNT": args.flush_count, "LINKSPIDER_STORE_ENSURE_INDEXES": False}
    results: dict[str, Any] = {}

    with tempfile.TemporaryDirectory(prefix="linkspider-bench-store-") as tmp:
        server = MongoServer(Path(tmp) / "mongod").start()
        try:
            client = get_client(server.uri)
            raw_db, pipe_db = client["bench_raw"], client["bench_pipeline"]
            prepare(raw_db, args.indexes)
            prepare(pipe_db, args.indexes)
            results["raw"] = bench_raw(raw_db, docs, args.flush_count)

            async def both() -> None:
                spill = str(Path(tmp) / "spill")
                results["first"] = await bench_pipeline(server.uri, pipe_db.name, first, settings, spill)
                results["again"] = await bench_pipeline(server.uri, pipe_db.name, again, settings, spill)

            from twisted.internet import reactor

            failures: list[Any] = []
            d = deferred_from_coro(both())
            d.addErrback(failures.append)
            d.addBoth(lambda _: reactor.stop())
            reactor.run()
            if failures:
                failures[0].raiseException()
            stored = pipe_db.edges.count_documents({})
            if stored != len({d["_id"] for d in docs}) or raw_db.edges.count_documents({}) != n:
                print(f"MISMATCH: pipeline stored {stored} edges, raw {raw_db.edges.count_documents({})}, expected {n}")
                return 1
        finally:
            server.stop()

    raw_rate = n / results["raw"]
    first_t, first_stats = results["first"]
    again_t, again_stats = results["again"]
    print(f"edges: {n} ({args.links_per_page} per page, {len(first)} pages), flush count {args.flush_count}, "
          f"secondary indexes (both sides): {'ensure_indexes' if args.indexes == 'all' else 'edges.source_key only'}")
    print(f"raw insert_many            {raw_rate:>10,.0f} edges/s  ({results['raw']:.2f} s)")
    print(f"pipeline, first crawl      {n / first_t:>10,.0f} edges/s  ({first_t:.2f} s)  "
          f"ratio {n / first_t / raw_rate:.2f}")
    print(f"pipeline, re-crawl (upsert){n / again_t:>10,.0f} edges/s  ({again_t:.2f} s)  "
          f"ratio {n / again_t / raw_rate:.2f}")
    print(f"stats first: {first_stats}")
    print(f"stats again: {again_stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
