"""Benchmark the analyst workflows (``report gap|broken|outgoing|anchors``, ``domains --metric``) and
``linkspider export`` on a collection of 1,000,000 edges.

Targets: every workflow report under 2 s for the largest target; export at least 100k edges/s and at
least 0.5x a raw ``find()`` read of the same edges (same run); rank and harmonic centrality over a
domain graph of 1M domain links under 30 s. Starts its own mongod on a free loopback port and fills it
with the schema-2 documents of ``bench_reports.py`` (which times ``report backlinks``, ``new-lost`` and
bytes per edge), whose generator and timing helpers it uses.

    .venv/bin/python bench/bench_workflows.py                 # 1,000,000 edges
    .venv/bin/python bench/bench_workflows.py --edges 200000 --runs 3
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bench.bench_reports import Generator, ServerCPU, load_store, throwaway_mongo, timed
from linkspider.reports.export import edge_batches, edges_cursor, export_edges, export_raw_edges, raw_edge_batches
from linkspider.reports.rank import domain_metrics
from linkspider.reports.runner import (
    ReportSettings,
    run_anchors,
    run_broken,
    run_domain_metrics,
    run_gap,
    run_outgoing,
)
from linkspider.reports.targets import Target
from linkspider.store.indexes import ensure_indexes


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
    parser.add_argument("--export-workers", type=int, default=2)
    parser.add_argument("--rank-domains", type=int, default=100_000)
    parser.add_argument("--rank-links", type=int, default=1_000_000)
    parser.add_argument("--mongo-uri", help="use this server (a throwaway database) instead of starting mongod")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with throwaway_mongo(args.mongo_uri, "bench_reports") as (client, uri, (db,), cpu, workdir):
        gen, _ = load_store(db, client, uri, args.edges, args.seed, args.batch)

        settings = ReportSettings(sitewide_share=0.3, sitewide_min_pages=5, top=10)
        top = Target("domain", gen.domain(0))
        verdicts = []
        ensure_indexes(db)
        print(f"workflow reports, largest target {top.value} (load average {os.getloadavg()[0]:.1f}):")
        worst = bench_workflows(db, gen, settings, args.runs, cpu)
        verdicts.append(worst < 2.0)
        print(f"target: every workflow report under 2 s: {'PASS' if worst < 2.0 else 'FAIL'} (slowest {worst:.3f} s)")
        print("export:")
        t_find, t_export, n = bench_export(db, workdir, args.export_workers)
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


if __name__ == "__main__":
    sys.exit(main())
