"""Crawl throughput of ``scrapy crawl links`` against a plain Scrapy spider, on the same fixture web.

Both crawl every page of a fixture web (default 20 sites x 100 pages = 2,000 pages) served by a
separate process on loopback, with the same concurrency settings and robots.txt obeyed. ``links``
also extracts every link with placement, pushes its frontier through Redis and writes edges to
MongoDB; the plain spider only follows same-site links in memory. Runs alternate so drift on a
shared machine hits both. Prints pages/s of each and the ratio links/plain (target >= 0.8).

    .venv/bin/python bench/bench_crawl.py [--sites 20] [--pages-per-site 100] [--rounds 2]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linkspider.demo.crawl import run_crawl
from linkspider.demo.servers import MongoServer, RedisServer

COMMON = {"CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "INFO"}


def start_fixture_web(sites: int, pages: int, workdir: Path, faults: list[str] = ()) -> tuple[subprocess.Popen, dict]:
    """The fixture web in its own process; ``faults`` are ``SITE=KIND`` (``--fault``), e.g. ``0=slow:0.1``."""
    ready = workdir / "fixture-ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkspider.demo.fixture_web", "--sites", str(sites), "--pages-per-site",
         str(pages), "--port", "0", "--prerender", "--ready-file", str(ready),
         *(arg for fault in faults for arg in ("--fault", fault))],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(workdir / "fixture.log", "wb"),  # noqa: SIM115 - the child owns it
    )
    deadline = time.monotonic() + 120
    while not ready.exists() or not ready.read_text().strip().endswith("}"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"fixture web did not start: {(workdir / 'fixture.log').read_text()[-2000:]}")
        time.sleep(0.1)
    return proc, json.loads(ready.read_text())


def _stat(text: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", text)
    return int(match.group(1)) if match else 0


def responses(log: Path) -> int:
    """Responses received, soft-404 probes left out (the plain spider sends none): pages and robots.txt."""
    text = log.read_text(errors="replace")
    return _stat(text, "response_received_count") - _stat(text, "linkspider/soft404/probes")


def run_plain(seeds: list[str], workdir: Path, n: int) -> tuple[int, float]:
    log = workdir / f"plain-{n}.log"
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "plain_spider.py"),
           "-a", "seeds=" + ",".join(seeds), "-s", "ROBOTSTXT_OBEY=True", "-s", "TELNETCONSOLE_ENABLED=False",
           "-s", "COOKIES_ENABLED=False"]
    for key, value in COMMON.items():
        cmd += ["-s", f"{key}={value}"]
    started = time.monotonic()
    with open(log, "wb") as out:
        status = subprocess.run(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    elapsed = time.monotonic() - started
    if status:
        raise SystemExit(f"plain spider failed ({status}): {log.read_text()[-2000:]}")
    return responses(log), elapsed


def run_links(seeds: list[str], workdir: Path, n: int, redis_url: str, mongo_uri: str) -> tuple[int, float]:
    log = workdir / f"links-{n}.log"
    settings = dict(COMMON, LINKSPIDER_ALLOW_PRIVATE_NETWORKS=True, LINKSPIDER_IDLE_CLOSE_SECONDS=1)
    started = time.monotonic()
    status = run_crawl(seeds, f"bench-{n}", redis_url=redis_url, mongo_uri=mongo_uri, database=f"bench{n}",
                       settings=settings, log_path=log, timeout=1800)
    elapsed = time.monotonic() - started
    if status:
        raise SystemExit(f"links spider failed ({status}): {log.read_text()[-2000:]}")
    return responses(log), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--pages-per-site", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        web_proc, info = start_fixture_web(args.sites, args.pages_per_site, workdir)
        try:
            with RedisServer(workdir / "redis") as redis_server, MongoServer(workdir / "mongo") as mongo_server:
                seeds = info["sites"]
                plain_rates, links_rates = [], []
                for n in range(args.rounds):
                    pages, secs = run_plain(seeds, workdir, n)
                    plain_rates.append(pages / secs)
                    print(f"round {n}: plain  {pages:5d} responses in {secs:6.1f}s = {pages / secs:7.1f} pages/s",
                          flush=True)
                    pages, secs = run_links(seeds, workdir, n, redis_server.url, mongo_server.uri)
                    links_rates.append(pages / secs)
                    print(f"round {n}: links  {pages:5d} responses in {secs:6.1f}s = {pages / secs:7.1f} pages/s",
                          flush=True)
        finally:
            web_proc.terminate()
            web_proc.wait()
    plain, links = statistics.median(plain_rates), statistics.median(links_rates)
    print(f"crawl: links {links:.1f} pages/s, plain scrapy {plain:.1f} pages/s, ratio {links / plain:.2f} "
          f"(target >= 0.80; {args.sites} sites x {args.pages_per_site} pages, median of {args.rounds} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
