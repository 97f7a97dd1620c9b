#!/usr/bin/env python3
"""WARC and WAT ingest throughput per worker, against a bare read of the same file plus ``extract_links``.

    .venv/bin/python bench/bench_warc.py [--sites 20] [--pages-per-site 100] [--rounds 2]

Builds a WARC file (Common Crawl's layout: gzip per record, a request and a response record per
page) and its WAT file from the fixture web's pages, then, in each round:
- baseline: in this process, read the WARC with ``linkspider.warc.records.iter_records`` and run
  ``extract_links_with_stats`` on every HTML response (no items, no store);
- WARC ingest: ``scrapy crawl warc`` as a real worker, on real Redis and MongoDB (its own database
  per run), timed from the worker's own per-file figure (reading, extraction, items, pipeline);
- WAT ingest: the same worker on the WAT file;
- WARC ingest with a one-site target watch list (``-a targets=``): edges kept per 1,000 records;
- WARC ingest with the store off (``LINKSPIDER_STORE_ENABLED=False``): what is left once MongoDB
  (a server on the same cores) takes no writes.
Records/s counts every record of the file (the WARC has warcinfo + 2 per page; the WAT 1 per page).
Prints the medians and the ratio ingest/baseline (target >= 0.8).
"""
from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linkspider.demo.crawl import crawl_command, crawl_env
from linkspider.demo.fixture_web import build_web
from linkspider.demo.servers import MongoServer, RedisServer
from linkspider.domains import registered_domain
from linkspider.extract import extract_links_with_stats
from linkspider.urls import host_of
from linkspider.warc.records import HttpRecord, iter_records
from tests.warc.build import Page, warc_bytes, wat_bytes

MAX = 10 * 1024 * 1024
DONE = re.compile(r"warc: done \S+: (\d+) records .*?, (\d+) pages, (\d+) edges, (\d+) skipped, ([\d.]+)s")


def build(sites: int, pages: int, workdir: Path) -> tuple[Path, Path, str, int]:
    web = build_web(sites=sites, pages_per_site=pages, seed=0)
    web.bind(8000)
    out = []
    for url in web.page_urls():
        site, path = web.locate(url)
        answer = web.respond(site, path)
        out.append(Page(url, answer.body, status=answer.status, content_type=None, headers=answer.headers))
    warc, wat = workdir / "bench.warc.gz", workdir / "bench.wat.gz"
    warc.write_bytes(warc_bytes(out, "1.1"))
    wat.write_bytes(wat_bytes(out))
    return warc, wat, registered_domain(host_of(web.site_url(1))), len(out)


def baseline(path: Path) -> tuple[int, float]:
    """Records and seconds for a bare read plus extract_links (what any WARC link extractor must do)."""
    data = path.read_bytes()
    started = time.perf_counter()
    records = 0
    for record in iter_records(io.BytesIO(data), MAX):
        records += 1
        if isinstance(record, HttpRecord) and record.status == 200:
            extract_links_with_stats(record.body, record.url, headers=record.headers, max_links=5000)
    return records, time.perf_counter() - started


def ingest(path: Path, workdir: Path, tag: str, redis_url: str, mongo_uri: str, extra: dict[str, str] | None = None,
           settings: dict[str, str] | None = None) -> tuple[int, int, float, float]:
    """(records, edges, seconds of the worker's own per-file figure, wall seconds of the whole process)."""
    log = workdir / f"{tag}.log"
    cmd = crawl_command(None, tag, spider="warc", settings={"LINKSPIDER_IDLE_CLOSE_SECONDS": "0.5",
                                                           "LINKSPIDER_FRONTIER_ACK_DELAY": "0.2", **(settings or {})})
    for key, value in {"paths": str(path), **(extra or {})}.items():
        cmd += ["-a", f"{key}={value}"]
    started = time.monotonic()
    with open(log, "wb") as out:
        status = subprocess.run(cmd, env=crawl_env(redis_url, mongo_uri, tag), cwd=workdir,
                                stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.monotonic() - started
    text = log.read_text(errors="replace")
    match = DONE.search(text)
    if status or not match:
        raise SystemExit(f"ingest {tag} failed ({status}): {text[-3000:]}")
    return int(match.group(1)), int(match.group(3)), float(match.group(5)), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--pages-per-site", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"baseline": [], "warc": [], "wat": []}
    ratios: list[float] = []  # ingest / baseline of each round: neighbours in time share the machine's load
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as tmp:
        workdir = Path(tmp)
        warc, wat, target, pages = build(args.sites, args.pages_per_site, workdir)
        print(f"{pages} pages: {warc.stat().st_size / 1e6:.1f} MB WARC, {wat.stat().st_size / 1e6:.1f} MB WAT",
              flush=True)
        with RedisServer(workdir / "redis") as redis_server, MongoServer(workdir / "mongo") as mongo_server:
            for n in range(args.rounds):
                records, secs = baseline(warc)
                rates["baseline"].append(records / secs)
                print(f"round {n}: baseline read+extract_links {records} records in {secs:6.2f}s = "
                      f"{records / secs:7.1f} records/s", flush=True)
                records, edges, secs, wall = ingest(warc, workdir, f"warc{n}", redis_server.url, mongo_server.uri)
                rates["warc"].append(records / secs)
                ratios.append(rates["warc"][-1] / rates["baseline"][-1])
                print(f"round {n}: WARC ingest {records} records, {edges} edges in {secs:6.2f}s = "
                      f"{records / secs:7.1f} records/s (process {wall:.1f}s with start-up)", flush=True)
                records, edges, secs, wall = ingest(wat, workdir, f"wat{n}", redis_server.url, mongo_server.uri)
                rates["wat"].append(records / secs)
                print(f"round {n}: WAT ingest  {records} records, {edges} edges in {secs:6.2f}s = "
                      f"{records / secs:7.1f} records/s (process {wall:.1f}s with start-up)", flush=True)
            records, edges, secs, _ = ingest(warc, workdir, "watch", redis_server.url, mongo_server.uri,
                                             {"targets": target})
            watch_rate = records / secs
            print(f"watch list of 1 of {args.sites} sites ({target}): {edges} edges kept of {records} records = "
                  f"{1000 * edges / records:.0f} edges per 1,000 records ({watch_rate:.1f} records/s)")
            sizes = warc.stat().st_size, wat.stat().st_size
            records, edges, secs, _ = ingest(warc, workdir, "nostore", redis_server.url, mongo_server.uri,
                                             settings={"LINKSPIDER_STORE_ENABLED": "False"})
            nostore_rate = records / secs
            print(f"WARC ingest without the MongoDB store (LINKSPIDER_STORE_ENABLED=False): "
                  f"{nostore_rate:.1f} records/s", flush=True)
    base, warc_rate, wat_rate = (statistics.median(rates[k]) for k in ("baseline", "warc", "wat"))
    warc_pages, wat_pages = warc_rate * pages / (2 * pages + 1), wat_rate * pages / (pages + 1)
    print(f"warc: ingest {warc_rate:.1f} records/s, bare read + extract_links {base:.1f} records/s, ratio "
          f"{statistics.median(ratios):.2f} (median of the rounds' ratios; target >= 0.80); with a one-site watch "
          f"list {watch_rate:.1f} records/s, ratio {watch_rate / rates['baseline'][-1]:.2f}; without the store "
          f"{nostore_rate:.1f} records/s, ratio {nostore_rate / rates['baseline'][-1]:.2f} (both against the last "
          "round)")
    print(f"wat: ingest {wat_rate:.1f} records/s = {wat_pages:.1f} pages/s against WARC ingest's {warc_pages:.1f} "
          f"pages/s ({wat_pages / warc_pages:.2f}x), reading {sizes[1] / sizes[0]:.2f}x the bytes "
          f"({pages} pages, median of {args.rounds} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
