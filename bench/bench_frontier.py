"""Frontier benchmark: hand-out throughput with 1, 2 and 4 worker processes, and seen-set bytes per URL.

One command, its own redis-server (linkspider.demo.servers.RedisServer) on a free loopback port:

    .venv/bin/python bench/bench_frontier.py            # --seconds 5 --urls 200000

Throughput: each worker process loops, as FrontierScheduler does, over one round trip that pushes the
discovered links of the pages it holds (``--links`` per page, a few new, most already seen, as on a
real site), acks those pages and leases the next ``--prefetch``, through the same Lua scripts the
scheduler uses, on a crawl of ``--domains`` domains. Pages/s counts pages completed (leased, links pushed,
slot freed; the lease itself is acked ``--ack-delay`` later) over all workers.

Memory: ``--urls`` URL keys go into (a) the exact seen-set, (b) the Bloom filter sized for them at
1 %, (c) stock scrapy-redis RFPDupeFilter fingerprints (its own ``request_fingerprint``: 40-char
SHA1 hex in one Redis set); bytes are Redis ``MEMORY USAGE`` summed over each structure's keys, and
the INFO used_memory delta, divided by the URL count.
"""
from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from linkspider.demo.servers import RedisServer
from linkspider.frontier import Frontier, PushItem, RequestCodec, SeenConfig, SeenSet
from linkspider.frontier.codec import Entry
from linkspider.frontier.keys import FrontierKeys
from linkspider.frontier.seen import LocalSeenCache


def _item(codec: RequestCodec, crawl_id: str, domain: str, path: str) -> PushItem:
    url = f"http://{domain}/{path}"
    return PushItem(codec.encode_entry(Entry(url=url, crawl_id=crawl_id, depth=1, callback="parse")), domain, url)


def _worker(url: str, crawl_id: str, index: int, seconds: float, links: int, new_links: int, domains: int,
            prefetch: int, ack_delay: float, start, results) -> None:
    client = redis.Redis.from_url(url)
    frontier = Frontier(client, crawl_id, worker_id=f"bench-{index}", max_concurrency=1_000_000)
    codec = RequestCodec(crawl_id)
    local = LocalSeenCache(100_000)  # as the scheduler does (LINKSPIDER_SEEN_LOCAL_CACHE)
    pages = pushed = offered = 0
    items: list[PushItem] = []
    done: list[bytes] = []
    delayed: collections.deque[tuple[float, bytes]] = collections.deque()
    start.wait()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    counter = 0
    while time.perf_counter() < deadline:
        # as FrontierScheduler does: one round trip pushes the last pages' links, frees their domains'
        # slots, acks the pages done ack_delay ago (LINKSPIDER_FRONTIER_ACK_DELAY) and leases more
        now = time.perf_counter()
        acks = []
        while delayed and delayed[0][0] <= now:
            acks.append(delayed.popleft()[1])
        _codes, _, batch = frontier.exchange(items, acks, prefetch, done=done)
        for it in items:
            local.add(it.key)
        pages += len(done)
        pushed += len(items)
        delayed.extend((now + ack_delay, m) for m in done)
        items, done = [], []
        for lease_id, _ in batch.items:
            for j in range(links):
                counter += 1
                if j < new_links:  # a URL nobody has seen
                    domain, path = f"d{counter % domains}.test", f"w{index}/p{counter}"
                else:  # a nav/footer link every page has
                    domain, path = f"d{j % domains}.test", f"nav/{j}"
                offered += 1
                if f"http://{domain}/{path}" not in local:  # the scheduler checks before encoding too
                    items.append(_item(codec, crawl_id, domain, path))
            done.append(lease_id)
    results.put((pages, offered, pushed, time.perf_counter() - t0))


def throughput(url: str, workers: int, seconds: float, links: int, new_links: int,
               domains: int, prefetch: int, ack_delay: float) -> tuple[float, float, float, float]:
    crawl_id = f"bench-tp-{workers}"
    client = redis.Redis.from_url(url)
    frontier = Frontier(client, crawl_id, seen=SeenConfig.sized("exact", 1_000_000, 0.01),
                        max_concurrency=1_000_000)
    codec = RequestCodec(crawl_id)
    for chunk in range(0, 20_000, 1000):
        frontier.push_many([_item(codec, crawl_id, f"d{i % domains}.test", f"seed/{i}")
                            for i in range(chunk, chunk + 1000)])
    client.config_resetstat()
    ctx = mp.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, crawl_id, i, seconds, links, new_links, domains, prefetch,
                                                     ack_delay, start, results))
             for i in range(workers)]
    for p in procs:
        p.start()
    time.sleep(0.3)
    start.set()
    out = [results.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    elapsed = max(o[3] for o in out)
    pages = sum(o[0] for o in out)
    usec = sum(v["usec"] for k, v in client.info("commandstats").items() if k.startswith("cmdstat_evalsha"))
    frontier.purge()
    return pages / elapsed, sum(o[1] for o in out) / elapsed, sum(o[2] for o in out) / elapsed, usec / max(pages, 1)


def memory(url: str, n: int) -> dict[str, tuple[float, float]]:
    from scrapy import Request
    from scrapy_redis.dupefilter import RFPDupeFilter

    client = redis.Redis.from_url(url)
    urls = [f"http://site{i % 500}.example/section/{i % 37}/article-{i}.html?page={i % 7}" for i in range(n)]
    results = {}

    # load the seen-set script once (FLUSHDB keeps scripts), so the deltas below hold data only
    SeenSet(client, FrontierKeys("bench-warm"), SeenConfig.sized("exact", 1, 0.01)).add_many(["http://warm.up/"])

    def measure(name: str, fill, pattern: str, prepare=None) -> None:
        client.flushdb()
        before = client.info("memory")["used_memory"]
        if prepare is not None:
            prepare()
        for i in range(0, n, 2000):
            fill(urls[i:i + 2000])
        delta = client.info("memory")["used_memory"] - before
        usage = sum(client.memory_usage(k, samples=0) or 0 for k in client.scan_iter(match=pattern, count=1000))
        results[name] = (usage / n, delta / n)

    for mode in ("exact", "bloom"):
        seen = SeenSet(client, FrontierKeys(f"bench-{mode}"), SeenConfig.sized(mode, n, 0.01))
        # prepare(): what the first worker of a crawl does (Frontier.ensure_meta)
        measure(mode, seen.add_many, prepare=seen.prepare,
                pattern=f"linkspider:bench-{mode}:{'seen' if mode == 'exact' else 'bloom'}:*")

    df = RFPDupeFilter(client, "bench:dupefilter")

    def fill_stock(batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for u in batch:
            pipe.sadd(df.key, df.request_fingerprint(Request(u)))
        pipe.execute()

    measure("scrapy-redis", fill_stock, pattern="bench:dupefilter")
    client.flushdb()
    return results


def queue_memory(url: str, n: int) -> dict[str, tuple[float, float]]:
    """Bytes per queued request: linkspider's frontier (queue + exact seen-set) against scrapy-redis's
    stock PriorityQueue (pickled requests in one sorted set), same requests, as the spider makes them."""
    from scrapy import Request, Spider
    from scrapy_redis.queue import PriorityQueue

    from linkspider.domains import domain_of

    client = redis.Redis.from_url(url)
    urls = [f"https://www.site{i % 500}.example/section/{i % 37}/article-{i}-a-slug-of-words.html" for i in range(n)]
    requests = [Request(u, meta={"depth": 3}) for u in urls]
    results = {}

    def measure(name: str, fill) -> None:
        client.flushdb()
        fill(requests[:10])  # scripts loaded, first keys made: the delta below holds data only
        before = client.info("memory")["used_memory"]
        for i in range(10, n, 2000):
            fill(requests[i:i + 2000])
        results[name] = ((client.info("memory")["used_memory"] - before) / (n - 10), 0.0)

    crawl_id = "bench-queue"
    frontier = Frontier(client, crawl_id, seen=SeenConfig.sized("exact", n, 0.01))
    codec = RequestCodec(crawl_id)

    def fill_frontier(batch: list) -> None:
        frontier.push_many([PushItem(codec.encode(r), domain_of(r.url), r.url) for r in batch])

    stock = PriorityQueue(client, Spider("bench"), "bench:requests")

    def fill_stock(batch: list) -> None:
        for r in batch:
            stock.push(r)

    measure("linkspider", fill_frontier)
    measure("scrapy-redis", fill_stock)
    client.flushdb()
    results["url_length"] = (sum(map(len, urls)) / n, 0.0)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput run (default %(default)s)")
    parser.add_argument("--urls", type=int, default=200_000, help="URLs for the memory runs (default %(default)s)")
    parser.add_argument("--links", type=int, default=20, help="links pushed per page (default %(default)s)")
    parser.add_argument("--new-links", type=int, default=2, help="of which never seen (default %(default)s)")
    parser.add_argument("--domains", type=int, default=200, help="domains in the crawl (default %(default)s)")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts (default %(default)s)")
    parser.add_argument("--ack-delay", type=float, default=2.0,
                        help="seconds a done page keeps its lease, LINKSPIDER_FRONTIER_ACK_DELAY (default %(default)s)")
    parser.add_argument("--prefetch", type=int, default=4,
                        help="leases per round trip, LINKSPIDER_FRONTIER_PREFETCH (default %(default)s)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp)) as server:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"redis-server {redis.Redis.from_url(server.url).info()['redis_version']} on {server.url}; "
              f"{mp.cpu_count()} CPUs, load average {load} at start")
        print(f"\nhand-out throughput: lease + push {args.links} links ({args.new_links} new) + ack per page, "
              f"{args.domains} domains, {args.prefetch} leases per round trip, {args.seconds:.0f}s per run")
        print(f"{'workers':>8} {'pages/s':>10} {'links found/s':>14} {'sent to Redis/s':>16} {'vs 1 worker':>12} "
              f"{'Redis us/page':>14} {'1-core capacity':>16}")
        base = None
        for w in [int(x) for x in args.workers.split(",")]:
            pages, offered, pushed, usec = throughput(server.url, w, args.seconds, args.links, args.new_links,
                                                      args.domains, args.prefetch, args.ack_delay)
            base = base or pages
            print(f"{w:>8} {pages:>10,.0f} {offered:>14,.0f} {pushed:>16,.0f} {pages / base:>11.2f}x "
                  f"{usec:>14.1f} {1e6 / usec:>12,.0f} p/s")
        print("(links a worker already knows are seen are skipped locally, LINKSPIDER_SEEN_LOCAL_CACHE;\n"
              " Redis us/page: script time inside Redis per page from INFO commandstats; 1-core capacity = 1e6 / it)")
        print(f"\nseen-set memory for {args.urls:,} URLs (1 % error for Bloom)")
        mem = memory(server.url, args.urls)
        stock = mem["scrapy-redis"][0]
        print(f"{'structure':>24} {'bytes/URL (MEMORY USAGE)':>25} {'bytes/URL (used_memory)':>24} {'vs stock':>9}")
        labels = {"exact": "linkspider exact", "bloom": "linkspider bloom 1%",
                  "scrapy-redis": "scrapy-redis RFPDupeFilter"}
        for name in ("exact", "bloom", "scrapy-redis"):
            usage, delta = mem[name]
            print(f"{labels[name]:>26} {usage:>23.2f} {delta:>24.2f} {usage / stock:>8.3f}x")
        queued = queue_memory(server.url, min(args.urls, 100_000))
        ours, theirs = queued["linkspider"][0], queued["scrapy-redis"][0]
        print(f"\nqueued requests: {min(args.urls, 100_000):,} URLs of {queued['url_length'][0]:.0f} characters, "
              "used_memory delta per request")
        print(f"  linkspider frontier (queue + exact seen-set) {ours:8.1f} bytes  (target <= 130)")
        print(f"  scrapy-redis PriorityQueue (pickle, no seen-set) {theirs:6.1f} bytes  ratio {ours / theirs:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
