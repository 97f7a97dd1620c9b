"""Benchmark the analyst workflows (``report gap|broken|outgoing|anchors``, ``domains --metric``) and
``linkspider export`` on a collection of 1,000,000 edges.

(``bench_reports.py`` times ``report backlinks``/``new-lost`` and bytes per edge on schema-2 documents;
the documents here carry schema 1's extra fields, which these reports and the export do not read.
``--with-backlinks`` times the backlinks report here too.)

Targets: every report under 2 s for the largest target; export at least 100k edges/s and at least
0.5x a raw ``find()`` read of the same edges (same run); rank and harmonic centrality over a domain
graph of 1M domain links under 30 s.

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
    .venv/bin/python bench/bench_reports.py --skip-backlinks     # only the workflow reports, export, rank
"""

from __future__ import annotations

import argparse
import bisect
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from linkspider.demo.servers import MongoServer
from linkspider.reports.backlinks import backlinks_pipeline
from linkspider.reports.export import edge_batches, edges_cursor, export_edges, export_raw_edges, raw_edge_batches
from linkspider.reports.rank import domain_metrics
from linkspider.reports.runner import (
    ReportSettings,
    run_anchors,
    run_backlinks,
    run_broken,
    run_domain_metrics,
    run_gap,
    run_outgoing,
)
from linkspider.reports.targets import Target, target_filter
from linkspider.store.indexes import ensure_indexes

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
                        "_id": f"{rng.getrandbits(160):040x}",
                        "source_url": src,
                        "source_key": src,
                        "source_host": src_host,
                        "source_domain": src_domain,
                        "target_url": tgt,
                        "target_key": tgt,
                        "target_host": f"www.{tgt_domain}",
                        "target_domain": tgt_domain,
                        "anchor_text": ANCHORS[bisect.bisect_left(self.anchor_cum, rng.random() * self.anchor_cum[-1])],
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


def bench_backlinks(db, args, server, settings, inserted, top, tenth, mid, url) -> bool:
    """The original ``report backlinks`` timings: no-index baseline, then indexed, four targets."""
    pipeline = backlinks_pipeline(top, top=10, sitewide_share=0.3, sitewide_min_pages=5)
    t_scan, scan_doc = timed(lambda: list(db.edges.aggregate(pipeline, allowDiskUse=True)))
    print(
        f"baseline, no indexes (collection scan): backlinks pipeline for {top.value} in {t_scan:.3f} s "
        f"(load average {os.getloadavg()[0]:.1f})"
    )

    t_idx, _ = timed(lambda: ensure_indexes(db))
    print(f"ensure_indexes: {t_idx:.1f} s")

    cpu = ServerCPU(server.process.pid if server is not None and server.process else None)
    print(f"with indexes (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    results = {
        "largest": bench_target(db, top, settings, args.runs, "largest target", cpu),
        "tenth": bench_target(db, tenth, settings, args.runs, "10th largest target", cpu),
        "mid": bench_target(db, mid, settings, args.runs, "51st largest target", cpu),
        "url": bench_target(db, url, settings, args.runs, "one page", cpu),
    }
    worst = max(r["max"] for r in results.values())
    big = results["largest"]
    print(
        f"ratio, largest target: no-index baseline / indexed median = "
        f"{t_scan / big['median']:.1f}x faster; "
        f"indexed median / count_documents floor = {big['median'] / big['count']:.1f}x"
    )
    verdict = "PASS" if worst < 2.0 else "FAIL"
    print(
        f"target: every backlinks report under 2 s on {inserted:,} edges: {verdict} "
        f"(slowest run {worst:.3f} s, "
        f"largest target's mongod CPU {big['cpu']:.2f} s; load average now {os.getloadavg()[0]:.1f})"
    )
    return verdict == "PASS"


def bench_workflows(db, gen: Generator, settings: ReportSettings, runs: int, cpu: ServerCPU) -> float:
    """gap, broken, outgoing, anchors (largest target) and domains --metric rank: median and max of ``runs``."""
    top = gen.domain(0)
    # target pages of the largest target in every state, so `broken` has something to list
    statuses = (200, 200, 200, 404, 410, 503, 301, 200, 200, 200)
    db.pages.insert_many(
        [
            {
                "_id": f"https://www.{top}/p/{i}",
                "url": f"https://www.{top}/p/{i}",
                "status": statuses[i % 10],
                "domain": top,
                "soft_404": i % 17 == 0,
                **({"error": "dns", "status": 0} if i % 23 == 0 else {}),
            }
            for i in range(0, 200, 2)
        ],
        ordered=False,
    )
    target = Target("domain", top)
    cases = {
        "gap (3 competitors, --min 2)": lambda: run_gap(
            db, [gen.domain(1), gen.domain(2), gen.domain(3)], top, min_competitors=2, limit=100
        ),
        "gap (3 competitors, --followed)": lambda: run_gap(
            db, [gen.domain(1), gen.domain(2), gen.domain(3)], top, followed=True, limit=100
        ),
        "broken": lambda: run_broken(db, target),
        "outgoing (a source domain)": lambda: run_outgoing(db, Target("domain", gen.domain(20))),
        "anchors": lambda: run_anchors(db, target, settings),
        "domains --metric rank": lambda: run_domain_metrics(db, settings, by="rank", top=20),
    }
    worst = 0.0
    for label, fn in cases.items():
        first, report = timed(fn)
        runs_t, cpus = [], []
        for _ in range(runs):
            before = cpu()
            runs_t.append(timed(fn)[0])
            cpus.append(cpu() - before)
        worst = max(worst, first, *runs_t)
        print(
            f"  {label:34s} first {first:.3f} s, median {statistics.median(runs_t):.3f} s, "
            f"max {max(runs_t):.3f} s ({runs} runs; mongod CPU median {statistics.median(cpus):.2f} s)"
        )
    return worst


def bench_export(db, workdir: str, workers: int) -> tuple[float, float, int]:
    """A raw read of the export's own ``find()`` cursor (the baseline), then the export of the same edges:
    in this process (``export_edges``) and with ``workers`` processes (``export_raw_edges``, the default)."""
    t_find, n = timed(lambda: sum(1 for _ in edges_cursor(db.edges, {})))
    out = Path(workdir) / "export"
    t_one, one = timed(lambda: export_edges(edge_batches(db.edges, {}), out, overwrite=True))
    t_par, par = timed(lambda: export_raw_edges(raw_edge_batches(db.edges, {}), out, workers=workers, overwrite=True))
    print(
        f"  raw find() read: {n:,} edges in {t_find:.2f} s ({n / t_find:,.0f}/s)\n"
        f"  export, one process: {one.edges:,} edges in {t_one:.2f} s ({one.edges / t_one:,.0f}/s); "
        f"export / find() throughput = {t_find / t_one:.2f}x\n"
        f"  export, {workers} worker processes: {par.edges:,} edges in {t_par:.2f} s ({par.edges / t_par:,.0f}/s, "
        f"{par.files} files, {par.bytes / 1e6:.0f} MB); export / find() throughput = {t_find / t_par:.2f}x"
    )
    return t_find, t_par, par.edges


def bench_rank(domains: int, links: int, seed: int) -> float:
    """Rank and harmonic centrality over a synthetic domain graph of ``links`` distinct domain links."""
    rng = random.Random(seed)
    names = [f"d{i}.example" for i in range(domains)]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < links:  # targets skewed towards low ids: a few popular domains, a long tail
        s, t = names[rng.randrange(domains)], names[int(domains * rng.random() ** 2.5)]
        if s != t:
            pairs.add((s, t))
    seconds, metrics = timed(lambda: domain_metrics(pairs))
    how = "exact" if metrics.harmonic_exact else "estimated"
    print(
        f"  rank + harmonic centrality ({how}) over {domains:,} domains and {len(pairs):,} domain links: "
        f"{seconds:.2f} s (igraph build included)"
    )
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--with-backlinks", dest="skip_backlinks", action="store_false",
                        help="also time the backlinks report (bench_reports.py does, on schema 2)")
    parser.add_argument("--export-workers", type=int, default=2)
    parser.add_argument("--rank-domains", type=int, default=100_000)
    parser.add_argument("--rank-links", type=int, default=1_000_000)
    parser.add_argument("--mongo-uri", help="use this server (a throwaway database) instead of starting mongod")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    workdir = tempfile.TemporaryDirectory(prefix="bench-reports-")
    server = None if args.mongo_uri else MongoServer(workdir.name).start()
    uri = args.mongo_uri or server.uri  # type: ignore[union-attr]
    client: pymongo.MongoClient = pymongo.MongoClient(uri, tz_aware=True)
    db = client[f"bench_reports_{int(time.time())}"]
    try:
        gen = Generator(args.edges, args.seed)
        pages = gen.pages()
        t_pages, _ = timed(lambda: db.pages.insert_many(pages, ordered=False))
        started = time.perf_counter()
        inserted = 0
        for batch in gen.batches(args.batch):
            db.edges.insert_many(batch, ordered=False)
            inserted += len(batch)
            if inserted % 200_000 < args.batch:
                print(f"  ... {inserted:,} edges ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        t_edges = time.perf_counter() - started
        print(f"mongod {client.server_info()['version']} on {uri}")
        print(
            f"edges: {inserted:,} inserted in {t_edges:.1f} s "
            f"({inserted / t_edges:,.0f}/s, generation included); "
            f"pages: {len(pages):,} in {t_pages:.1f} s"
        )

        settings = ReportSettings(sitewide_share=0.3, sitewide_min_pages=5, top=10)
        top = Target("domain", gen.domain(0))
        tenth = Target("domain", gen.domain(9))
        mid = Target("domain", gen.domain(50))
        url = Target("url", f"https://www.{gen.domain(0)}/p/1")

        verdicts = []
        if args.skip_backlinks:
            ensure_indexes(db)
        else:
            verdicts.append(bench_backlinks(db, args, server, settings, inserted, top, tenth, mid, url))
        print(f"workflow reports, largest target {top.value} (load average {os.getloadavg()[0]:.1f}):")
        cpu = ServerCPU(server.process.pid if server is not None and server.process else None)
        worst = bench_workflows(db, gen, settings, args.runs, cpu)
        verdicts.append(worst < 2.0)
        print(f"target: every workflow report under 2 s: {'PASS' if worst < 2.0 else 'FAIL'} (slowest {worst:.3f} s)")
        print("export:")
        t_find, t_export, n = bench_export(db, workdir.name, args.export_workers)
        rate = n / t_export
        ok = rate >= 100_000 and t_find / t_export >= 0.5
        verdicts.append(ok)
        print(
            f"target: export at least 100,000 edges/s and at least 0.5x find(): {'PASS' if ok else 'FAIL'} "
            f"({rate:,.0f}/s, {t_find / t_export:.2f}x)"
        )
        print("domain graph metrics:")
        t_rank = bench_rank(args.rank_domains, args.rank_links, args.seed)
        verdicts.append(t_rank < 30.0)
        print(
            f"target: rank and harmonic over {args.rank_links:,} domain links under 30 s: "
            f"{'PASS' if t_rank < 30.0 else 'FAIL'} ({t_rank:.1f} s; export of {n:,} edges took {t_export:.1f} s)"
        )
        return 0 if all(verdicts) else 1
    finally:
        client.drop_database(db.name)
        client.close()
        if server is not None:
            server.stop()
        workdir.cleanup()


if __name__ == "__main__":
    sys.exit(main())
