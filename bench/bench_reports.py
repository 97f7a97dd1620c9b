"""Benchmark ``report backlinks`` on a collection of at least 1,000,000 edges (target: under 2 s).

Starts its own mongod on a free loopback port (``linkspider.demo.servers.MongoServer``), fills
``edges`` and ``pages`` with generated documents of the real schema (``insert_many`` in batches),
then times in one run:

- the backlinks pipeline with no secondary index (a collection scan: the baseline),
- ``ensure_indexes``,
- the same pipeline with the indexes (first run, then the median of ``--runs`` runs),
- a plain ``count_documents`` of the same filter (the floor: only counting the matches),

for the largest target domain (about a tenth of all edges), the 10th and 51st largest and one URL,
and prints the ratios and the mongod CPU seconds per report (wall time depends on what else runs).

    .venv/bin/python bench/bench_reports.py            # 1,000,000 edges
    .venv/bin/python bench/bench_reports.py --edges 200000 --runs 3
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from linkspider.demo.servers import MongoServer
from linkspider.reports.backlinks import backlinks_pipeline
from linkspider.reports.rollup import SAMPLE, headline_pipeline
from linkspider.reports.runner import ReportSettings, run_backlinks, run_domain_graph, run_new_lost
from linkspider.reports.targets import Target, target_filter
from linkspider.store.documents import SCHEMA_VERSION
from linkspider.store.indexes import ensure_collections, ensure_indexes
from linkspider.store.migrate import upgrade_edge
from linkspider.store.rollup import rebuild_rollup

#: The schema-1 indexes (the baseline for bytes per edge): what ensure_indexes created before schema 2.
V1_INDEXES = [
    pymongo.IndexModel([("target_domain", 1), ("internal", 1), ("lost_at", 1)], name="edges_target_domain_live"),
    pymongo.IndexModel([("target_domain", 1), ("internal", 1), ("first_seen", 1)],
                       name="edges_target_domain_first_seen"),
    pymongo.IndexModel([("target_key", 1), ("internal", 1), ("lost_at", 1)], name="edges_target_key_live"),
    pymongo.IndexModel([("source_key", 1), ("last_seen", 1)], name="edges_source_key"),
    pymongo.IndexModel([("first_seen", 1)], name="edges_first_seen"),
    pymongo.IndexModel([("lost_at", 1)], name="edges_lost_at", sparse=True),
]

PLACEMENTS = ("body", "body", "body", "nav", "header", "sidebar", "footer", "comment")
LINK_TYPES = ("a",) * 12 + ("img", "img", "area", "canonical", "redirect")
ANCHORS = [f"anchor {i}" for i in range(400)] + ["click here", "here", "home", ""]
BASE = datetime(2026, 8, 1, tzinfo=timezone.utc)


class Generator:
    """Fast seeded edges: Zipf-like targets, 20 links per page, 30% internal, 10% lost, sitewide footers."""

    def __init__(self, edges: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.total = edges
        self.pages_per_domain = 10
        self.links_per_page = 20
        pages = max(1, edges // self.links_per_page)
        self.source_domains = max(1, pages // self.pages_per_domain)
        self.target_domains = max(10, self.source_domains // 4)
        weights = [1.0 / (i + 1) ** 1.05 for i in range(self.target_domains)]
        self.cum = list(accumulate(weights))
        self.anchor_cum = list(accumulate(1.0 / (i + 1) for i in range(len(ANCHORS))))
        # every 20th source domain links to the top target from the footer of every page: sitewide
        self.sitewide_every = 20

    def domain(self, i: int) -> str:
        return f"site{i}.example"

    def target_index(self) -> int:
        return bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])

    def pages(self) -> list[dict[str, Any]]:
        out = []
        for d in range(self.source_domains):
            name = self.domain(d)
            for p in range(self.pages_per_domain):
                url = f"https://www.{name}/page/{p}"
                out.append(
                    {
                        "_id": url,
                        "url": url,
                        "status": 200,
                        "domain": name,
                        "host": f"www.{name}",
                        "fetched_at": BASE,
                        "crawl_id": "bench",
                        "outlinks": self.links_per_page,
                        "depth": 1,
                    }
                )
        return out

    def batches(self, size: int):
        rng = self.rng
        batch: list[dict[str, Any]] = []
        made = 0
        d = 0
        while made < self.total:
            src_domain = self.domain(d % self.source_domains)
            src_host = f"www.{src_domain}"
            for p in range(self.pages_per_domain):
                src = f"https://{src_host}/page/{p}"
                for k in range(self.links_per_page):
                    if made >= self.total:
                        break
                    if k == 0 and d % self.sitewide_every == 0:
                        ti, placement = 0, "footer"
                    else:
                        ti, placement = self.target_index(), PLACEMENTS[rng.randrange(len(PLACEMENTS))]
                    internal = rng.random() < 0.3
                    tgt_domain = (
                        src_domain
                        if internal
                        else self.domain(ti)
                        if ti < self.source_domains
                        else f"target{ti}.example"
                    )
                    if tgt_domain == src_domain and not internal:
                        tgt_domain = f"target{ti}.example"
                    tgt = f"https://www.{tgt_domain}/p/{int(rng.paretovariate(1.2)) % 200}"
                    flags = rng.random()
                    first = BASE + timedelta(seconds=rng.randrange(90 * 86400))
                    doc = {
                        "_id": f"{rng.getrandbits(128):032x}",  # schema 1: 32 hex characters
                        "source_url": src,
                        "source_key": src,
                        "source_host": src_host,
                        "source_domain": src_domain,
                        "target_url": tgt,
                        "target_key": tgt,
                        "target_host": f"www.{tgt_domain}",
                        "target_domain": tgt_domain,
                        "anchor_text": ANCHORS[
                            bisect.bisect_left(self.anchor_cum, rng.random() * self.anchor_cum[-1])
                        ],
                        "alt": None,
                        "link_type": LINK_TYPES[rng.randrange(len(LINK_TYPES))],
                        "rel": ["nofollow"] if flags < 0.25 else [],
                        "nofollow": flags < 0.25,
                        "sponsored": 0.25 <= flags < 0.3,
                        "ugc": 0.3 <= flags < 0.35,
                        "placement": placement,
                        "internal": internal,
                        "first_seen": first,
                        "last_seen": first + timedelta(days=1),
                        "crawl_id": "bench",
                        "schema_version": 1,
                    }
                    if rng.random() < 0.1:
                        doc["lost_at"] = first + timedelta(days=2)
                        doc["lost_reason"] = "link removed"
                    batch.append(doc)
                    made += 1
                    if len(batch) >= size:
                        yield batch
                        batch = []
            d += 1
        if batch:
            yield batch


def timed(fn) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


class ServerCPU:
    """CPU seconds used by the mongod process (from /proc): the cost of a query whatever else runs."""

    def __init__(self, pid: int | None) -> None:
        self.path = Path(f"/proc/{pid}/stat") if pid else None
        self.tick = os.sysconf("SC_CLK_TCK") if pid else 1

    def __call__(self) -> float:
        if self.path is None or not self.path.exists():
            return float("nan")
        fields = self.path.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick



@contextlib.contextmanager
def throwaway_mongo(mongo_uri: str | None, *names: str) -> Iterator[tuple[Any, str, list[Any], ServerCPU, str]]:
    """A mongod of its own in a temporary folder (or ``mongo_uri``), and the databases ``names`` (with a
    timestamp) on it, dropped at the end: ``(client, uri, databases, mongod CPU meter, work folder)``."""
    workdir = tempfile.TemporaryDirectory(prefix="bench-reports-")
    server = None if mongo_uri else MongoServer(workdir.name).start()
    uri = mongo_uri or server.uri  # type: ignore[union-attr]
    client: pymongo.MongoClient = pymongo.MongoClient(uri, tz_aware=True)
    dbs = [client[f"{name}_{int(time.time())}"] for name in names]
    try:
        yield client, uri, dbs, ServerCPU(server.process.pid if server is not None and server.process else None), \
            workdir.name
    finally:
        for db in dbs:
            client.drop_database(db.name)
        client.close()
        if server is not None:
            server.stop()
        workdir.cleanup()

def disk_bytes(db, name: str = "edges") -> dict[str, Any]:
    """On-disk size of a collection and its indexes after a checkpoint (``fsync`` flushes WiredTiger)."""
    db.client.admin.command("fsync")
    stats = next(db[name].aggregate([{"$collStats": {"storageStats": {}}}]))["storageStats"]
    count = stats["count"] or 1
    return {
        "count": stats["count"],
        "avg_obj": stats.get("avgObjSize", 0),
        "data": stats["storageSize"] / count,
        "indexes": stats["totalIndexSize"] / count,
        "total": (stats["storageSize"] + stats["totalIndexSize"]) / count,
        "per_index": {k: v / count for k, v in stats["indexSizes"].items()},
    }


def print_disk(label: str, sizes: dict[str, Any]) -> None:
    per = ", ".join(f"{k} {v:.1f}" for k, v in sizes["per_index"].items())
    print(f"{label}: {sizes['total']:.1f} bytes per edge on disk ({sizes['data']:.1f} data + "
          f"{sizes['indexes']:.1f} indexes; average document {sizes['avg_obj']:.0f} bytes in memory); "
          f"per index: {per}")


SCORED_TYPES = frozenset({"a", "img", "area"})


def schema_2(doc: dict[str, Any], scores: random.Random) -> dict[str, Any]:
    """A generated schema-1 edge as the writer stores it now: schema 2, with the placement model's
    ``body_score`` (3 decimals) on anchor links, so bytes per edge count it."""
    out = upgrade_edge(doc)
    if out["link_type"] in SCORED_TYPES:
        out["body_score"] = round(scores.random(), 3)
    return out


def fill(db, gen_args: tuple[int, int], batch: int, upgrade: bool) -> tuple[int, float]:
    gen = Generator(*gen_args)
    scores = random.Random(gen_args[1] + 1)  # its own stream: the edges are the same with or without scores
    started = time.perf_counter()
    inserted = 0
    for docs in gen.batches(batch):
        try:
            db.edges.insert_many([schema_2(d, scores) for d in docs] if upgrade else docs, ordered=False)
            inserted += len(docs)
        except pymongo.errors.BulkWriteError as exc:
            # the generator repeats a link on a page now and then: schema 2's _id makes those one edge
            if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
                raise
            inserted += exc.details["nInserted"]
        if inserted % 200_000 < batch:
            print(f"  ... {inserted:,} edges ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return inserted, time.perf_counter() - started


def load_store(db, client, uri: str, edges: int, seed: int, batch: int, *,
               prepare: Callable[[Any], Any] | None = None) -> tuple[Generator, int]:
    """Fill ``db`` with the generated pages and schema-2 edges (``prepare(db)`` runs between the two) and
    print how long it took; the generator (for its domain names) and the edges inserted."""
    gen = Generator(edges, seed)
    pages = gen.pages()
    t_pages, _ = timed(lambda: db.pages.insert_many(pages, ordered=False))
    if prepare is not None:
        prepare(db)
    inserted, t_edges = fill(db, (edges, seed), batch, upgrade=True)
    print(f"mongod {client.server_info()['version']} on {uri}")
    print(
        f"edges: {inserted:,} inserted in {t_edges:.1f} s "
        f"({inserted / t_edges:,.0f}/s, generation included); "
        f"pages: {len(pages):,} in {t_pages:.1f} s"
    )
    return gen, inserted


def big_target_docs(backlinks: int, per_domain: int = 100):
    """``backlinks`` live external links to big.example, ``per_domain`` from each referring domain,
    each domain using a few (placement, link type, flags) mixes, as real referring sites do."""
    for start in range(0, backlinks, 5000):
        batch = []
        for n in range(start, min(start + 5000, backlinks)):
            j, i = divmod(n, per_domain)
            src = f"https://www.ref{j}.example/post/{i % 40}"
            flags = j % 4
            doc = {
                "_id": "", "source_url": src, "source_key": src, "source_domain": f"ref{j}.example",
                "target_url": f"https://big.example/p/{i % 300}", "target_key": f"https://big.example/p/{i % 300}",
                "target_domain": "big.example", "anchor_text": ANCHORS[(j + i) % len(ANCHORS)],
                "link_type": LINK_TYPES[(j + i % 2) % len(LINK_TYPES)], "nofollow": flags == 1,
                "sponsored": flags == 2, "ugc": flags == 3, "placement": PLACEMENTS[(j + i % 3) % len(PLACEMENTS)],
                "internal": False, "first_seen": BASE + timedelta(seconds=n), "crawl_id": "bench",
                "schema_version": 1,
            }
            batch.append(upgrade_edge(doc))
        yield batch


def bench_headline(db, backlinks: int, runs: int) -> float:
    """The headline report of a target with ``backlinks`` live backlinks: rollup against the edges."""
    for batch in big_target_docs(backlinks):
        try:
            db.edges.insert_many(batch, ordered=False)
        except pymongo.errors.BulkWriteError as exc:
            if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
                raise
    t_rollup, keys = timed(lambda: rebuild_rollup(db))
    target = Target("domain", "big.example")
    settings = ReportSettings(top=10)
    head = headline_pipeline(target.value, top=10)
    fast = [timed(lambda: list(db.rollup.aggregate(head)))[0] for _ in range(runs)]
    whole = [timed(lambda: run_backlinks(db, target, settings, source="rollup"))[0] for _ in range(runs)]
    raw = [timed(lambda: run_backlinks(db, target, settings, source="edges"))[0] for _ in range(max(1, runs // 2))]
    report = run_backlinks(db, target, settings, source="rollup")
    assert report["backlinks"] == run_backlinks(db, target, settings, source="edges")["backlinks"]
    fast_m, whole_m, raw_m = statistics.median(fast), statistics.median(whole), statistics.median(raw)
    print(f"headline report of big.example ({report['backlinks']:,} live backlinks, "
          f"{report['referring_domains']:,} referring domains; rollup of {keys:,} keys rebuilt in {t_rollup:.1f} s):")
    print(f"  headline figures from the rollup: median {fast_m:.3f} s, max {max(fast):.3f} s; whole report "
          f"(with top lists over the latest {SAMPLE:,} backlinks) median {whole_m:.3f} s")
    print(f"  raw aggregation over the edges (every figure): median {raw_m:.3f} s; "
          f"{raw_m / fast_m:.0f}x the headline; target 0.3 s: {'PASS' if max(fast) < 0.3 else 'FAIL'}")
    return max(fast)


def bench_target(db, target: Target, settings: ReportSettings, runs: int, label: str, cpu: ServerCPU):
    match = target_filter(target, include_lost=False)
    first, report = timed(lambda: run_backlinks(db, target, settings))
    warm, cpus = [], []
    for _ in range(runs):
        before = cpu()
        warm.append(timed(lambda: run_backlinks(db, target, settings))[0])
        cpus.append(cpu() - before)
    count_t, count = timed(lambda: db.edges.count_documents(match))
    assert count == report["backlinks"], (count, report["backlinks"])
    median = statistics.median(warm)
    print(
        f"  {label} {target.kind} {target.value}: {report['backlinks']:,} live backlinks, "
        f"{report['referring_domains']:,} referring domains, {report['sitewide_domains']:,} sitewide domains"
    )
    print(
        f"    backlinks report with indexes: first {first:.3f} s, median {median:.3f} s, "
        f"max {max(warm):.3f} s "
        f"({runs} runs; mongod CPU median {statistics.median(cpus):.2f} s); "
        f"count_documents floor {count_t:.3f} s"
    )
    return {
        "first": first,
        "median": median,
        "max": max(warm),
        "count": count_t,
        "cpu": statistics.median(cpus),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="skip the schema-1 store (bytes per edge)")
    parser.add_argument("--headline-backlinks", type=int, default=500_000,
                        help="backlinks of the big target whose headline report is timed (0: skip)")
    parser.add_argument(
        "--mongo-uri", help="use this server (a throwaway database) instead of starting mongod"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with throwaway_mongo(args.mongo_uri, "bench_reports", "bench_reports_v1") as (client, uri, (db, old), cpu, _):
        baseline = None
        if not args.no_baseline:
            old.pages.insert_many(Generator(args.edges, args.seed).pages(), ordered=False)
            fill(old, (args.edges, args.seed), args.batch, upgrade=False)
            old.edges.create_indexes(V1_INDEXES)
            baseline = disk_bytes(old)
            client.drop_database(old.name)  # its pages in the cache would slow the timed reports
        gen, inserted = load_store(db, client, uri, args.edges, args.seed, args.batch, prepare=ensure_collections)

        settings = ReportSettings(sitewide_share=0.3, sitewide_min_pages=5, top=10)
        top = Target("domain", gen.domain(0))
        tenth = Target("domain", gen.domain(9))
        mid = Target("domain", gen.domain(50))
        url = Target("url", f"https://www.{gen.domain(0)}/p/1")

        pipeline = backlinks_pipeline(top, top=10, sitewide_share=0.3, sitewide_min_pages=5)
        t_scan, scan_doc = timed(lambda: list(db.edges.aggregate(pipeline, allowDiskUse=True)))
        print(
            f"baseline, no indexes (collection scan): backlinks pipeline for {top.value} in {t_scan:.3f} s "
            f"(load average {os.getloadavg()[0]:.1f})"
        )

        t_idx, _ = timed(lambda: ensure_indexes(db))
        print(f"ensure_indexes: {t_idx:.1f} s")
        sizes = disk_bytes(db)
        if baseline is not None:
            print_disk("baseline, schema 1 (hex _id, host fields, last_seen; snappy; six indexes)", baseline)
        print_disk(f"schema {SCHEMA_VERSION} (binary _id; zstd; partial indexes)", sizes)
        if baseline is not None:
            print(f"bytes per edge: {sizes['total']:.1f} vs {baseline['total']:.1f} "
                  f"({sizes['total'] / baseline['total']:.2f}x; target 120 bytes: "
                  f"{'PASS' if sizes['total'] <= 120 else 'FAIL'})")

        print(f"with indexes (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
        results = {
            "largest": bench_target(db, top, settings, args.runs, "largest target", cpu),
            "tenth": bench_target(db, tenth, settings, args.runs, "10th largest target", cpu),
            "mid": bench_target(db, mid, settings, args.runs, "51st largest target", cpu),
            "url": bench_target(db, url, settings, args.runs, "one page", cpu),
        }
        since = BASE + timedelta(days=30)
        others = {
            "new-lost, largest target, 30 days": lambda: run_new_lost(db, top, since=since,
                                                                      until=since + timedelta(days=30), limit=100),
            "new-lost, all targets, 30 days": lambda: run_new_lost(db, None, since=since,
                                                                    until=since + timedelta(days=30), limit=100),
            "domains graph from the edges (whole index)": lambda: run_domain_graph(db, source="edges"),
        }
        for label, fn in others.items():
            times = [timed(fn)[0] for _ in range(max(1, args.runs // 2))]
            results[label] = {"max": max(times)}
            print(f"  {label}: median {statistics.median(times):.3f} s, max {max(times):.3f} s")
        t_rebuild, keys = timed(lambda: rebuild_rollup(db))
        times = [timed(lambda: run_domain_graph(db, source="rollup"))[0] for _ in range(max(1, args.runs // 2))]
        results["domains graph (rollup)"] = {"max": max(times)}
        print(f"  domains graph from the rollup ({keys:,} keys, recounted from the edges in {t_rebuild:.1f} s): "
              f"median {statistics.median(times):.3f} s, max {max(times):.3f} s")
        print("  (the largest target's backlinks report from the rollup: "
              f"{timed(lambda: run_backlinks(db, top, settings, source='rollup'))[0]:.3f} s)")
        worst = max(r["max"] for r in results.values())
        big = results["largest"]
        print(
            f"ratio, largest target: no-index baseline / indexed median = "
            f"{t_scan / big['median']:.1f}x faster; "
            f"indexed median / count_documents floor = {big['median'] / big['count']:.1f}x"
        )
        verdict = "PASS" if worst < 2.0 else "FAIL"
        print(
            f"target: every report under 2 s on {inserted:,} edges: {verdict} "
            f"(slowest run {worst:.3f} s, "
            f"largest target's mongod CPU {big['cpu']:.2f} s; load average now {os.getloadavg()[0]:.1f})"
        )
        headline_ok = True
        if args.headline_backlinks:
            headline_ok = bench_headline(db, args.headline_backlinks, args.runs) < 0.3
        return 0 if verdict == "PASS" and headline_ok else 1


if __name__ == "__main__":
    sys.exit(main())
