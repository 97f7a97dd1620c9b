"""Scale-out: 1, 2 and 4 real ``scrapy crawl links`` workers on one crawl, against N x one worker.

A fixture web of ``--sites`` sites (default 40 x 30 pages) answers every request after ``--latency``
seconds (default 0.1, the fixture web's ``slow:`` fault on every site), and each worker is held to
``--concurrency`` requests in flight (default 2), so a crawl is bound by latency, not by this machine's
CPUs: one worker can fetch at most concurrency / latency pages/s. For each N the workers share one crawl
id, one real redis-server and one real mongod; the first gets the seeds, the others join through the
frontier. The rate is pages stored over the span between the first and the last page fetched (their
``fetched_at`` in MongoDB), so start-up and idle close are left out. Prints pages/s per N and the ratio
to N x the one-worker rate of the same run (target >= 0.8 up to 4 workers).

    .venv/bin/python bench/bench_scale.py [--workers 1,2,4] [--sites 40] [--pages-per-site 30]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pymongo

from bench.bench_crawl import start_fixture_web
from linkspider.demo.crawl import start_crawl
from linkspider.demo.servers import MongoServer, RedisServer


def run(n: int, seeds: list[str], workdir: Path, redis_url: str, mongo_uri: str, concurrency: int,
        timeout: float) -> tuple[int, float, float]:
    """(pages stored, seconds from first to last fetch, wall seconds) of one crawl by ``n`` workers."""
    crawl_id, database = f"scale-{n}", f"scale{n}"
    settings = {
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "LINKSPIDER_ALLOW_PRIVATE_NETWORKS": True, "LINKSPIDER_IDLE_CLOSE_SECONDS": 2, "LOG_LEVEL": "INFO",
        "LINKSPIDER_FRONTIER_PREFETCH": concurrency,  # no worker holds more than it can fetch at once
    }
    started = time.monotonic()
    procs = [start_crawl(seeds if i == 0 else None, crawl_id, redis_url=redis_url, mongo_uri=mongo_uri,
                         database=database, settings=settings, scope="all", log_path=workdir / f"scale-{n}-{i}.log",
                         cwd=workdir)
             for i in range(n)]
    try:
        for i, proc in enumerate(procs):
            status = proc.wait(max(1.0, timeout - (time.monotonic() - started)))
            if status:
                raise SystemExit(f"worker {i} of {n} failed ({status}): "
                                 f"{(workdir / f'scale-{n}-{i}.log').read_text(errors='replace')[-2000:]}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    wall = time.monotonic() - started
    pages = pymongo.MongoClient(mongo_uri)[database].pages
    count = pages.count_documents({"crawl_id": crawl_id})
    first = pages.find_one({"crawl_id": crawl_id}, sort=[("fetched_at", 1)])["fetched_at"]
    last = pages.find_one({"crawl_id": crawl_id}, sort=[("fetched_at", -1)])["fetched_at"]
    return count, (last - first).total_seconds(), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run (default %(default)s)")
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--pages-per-site", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before every answer (default 0.1)")
    parser.add_argument("--concurrency", type=int, default=2, help="requests in flight per worker (default 2)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one crawl may take")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        workdir = Path(tmp)
        faults = [f"{site}=slow:{args.latency}" for site in range(args.sites)]
        web_proc, info = start_fixture_web(args.sites, args.pages_per_site, workdir, faults)
        try:
            with RedisServer(workdir / "redis") as redis_server, MongoServer(workdir / "mongo") as mongo_server:
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(f"{args.sites} sites x {args.pages_per_site} pages, {args.latency * 1000:.0f} ms per response, "
                      f"{args.concurrency} requests in flight per worker (at most "
                      f"{args.concurrency / args.latency:.0f} pages/s each); {os.cpu_count()} CPUs, load {load}",
                      flush=True)
                print(f"{'workers':>8} {'pages':>6} {'span s':>7} {'pages/s':>8} {'vs N x 1 worker':>16} {'wall s':>7} "
                      f"{'load':>5}", flush=True)
                base = None
                for n in counts:
                    pages, span, wall = run(n, info["sites"], workdir, redis_server.url, mongo_server.uri,
                                            args.concurrency, args.timeout)
                    rate = (pages - 1) / span if span > 0 else float("nan")
                    base = base or rate / n
                    print(f"{n:>8} {pages:>6} {span:>7.1f} {rate:>8.1f} {rate / (n * base):>15.2f}x {wall:>7.1f} "
                          f"{os.getloadavg()[0]:>5.1f}", flush=True)
        finally:
            web_proc.terminate()
            web_proc.wait()
    print("(target: at least 0.80 x N up to 4 workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
