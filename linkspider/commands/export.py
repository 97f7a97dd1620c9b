"""``linkspider export``: the edges, or the domain graph, as Parquet for DuckDB, Polars and graph tools.

    linkspider export edges --out DIR [--target-domain example.com ...] [--since 7d] [--overwrite]
    linkspider export domain-graph --out DIR [--followed] [--include-lost] [--overwrite]

A progress bar goes to stderr (only on a terminal); the summary goes to the log.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from tqdm import tqdm

from linkspider.errors import ReportError
from linkspider.reports.export import (
    edge_batches,
    edges_filter,
    export_domain_graph,
    export_edges,
    export_raw_edges,
    raw_edge_batches,
)
from linkspider.reports.runner import EDGES, ReportSettings, connect, run_domain_graph
from linkspider.reports.targets import parse_domain, parse_when

NAME = "export"
HELP = "write the edges or the domain graph as Parquet (partitioned, atomic) for DuckDB, Polars and graph tools"

logger = logging.getLogger(__name__)


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else the project setting MONGO_URI)")
    parser.add_argument("--database", help="database (default: $MONGO_DATABASE, else the project setting)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="what", metavar="WHAT")
    sub.required = True
    p = sub.add_parser("edges", help="every edge (or those of some target domains) as Parquet, by target-domain hash")
    p.add_argument("--out", required=True, help="folder; the export goes to OUT/edges/")
    p.add_argument(
        "--target-domain",
        action="append",
        default=[],
        help="only edges to this registered domain (repeat, or comma-separate, for several)",
    )
    p.add_argument("--since", help="only edges first seen or lost at or after: YYYY-MM-DD, ISO 8601, or 7d/12h/2w ago")
    p.add_argument("--overwrite", action="store_true", help="replace OUT/edges/ (after the new export is complete)")
    _connection(p)

    p = sub.add_parser("domain-graph", help="the domain graph as Parquet and as a weighted edge list (TSV)")
    p.add_argument("--out", required=True, help="folder; the graph goes to OUT/domain_graph/")
    p.add_argument(
        "--followed", action="store_true", help="followed links only (the graph of report domains --metric rank)"
    )
    p.add_argument("--include-lost", action="store_true", help="include lost links")
    p.add_argument("--overwrite", action="store_true", help="replace OUT/domain_graph/")
    _connection(p)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except OSError as exc:  # an unwritable --out, a full disk: the temporary folder is already removed
        raise ReportError(f"cannot write the export under {args.out}: {exc.strerror or exc}") from exc


def _run(args: argparse.Namespace) -> int:
    settings = ReportSettings.resolve(mongo_uri=args.mongo_uri, database=args.database)
    _, db = connect(settings.mongo_uri, settings.database)
    started = time.monotonic()
    if args.what == "domain-graph":
        graph = run_domain_graph(db, include_lost=args.include_lost, followed=args.followed)
        rows = ((s, t, n) for (s, t), n in graph.links.items())
        count, path = export_domain_graph(rows, args.out, overwrite=args.overwrite)
        logger.info("wrote %d domain links to %s in %.1fs", count, path, time.monotonic() - started)
        return 0
    partitions, batch = settings.export_partitions, settings.export_batch
    domains = [parse_domain(d, option="--target-domain") for arg in args.target_domain for d in arg.split(",") if d]
    since = parse_when(args.since) if args.since else None
    query = edges_filter(domains, since)
    total = db[EDGES].count_documents(query) if query else db[EDGES].estimated_document_count()
    workers = settings.export_workers
    with tqdm(total=total, unit=" edges", unit_scale=True, file=sys.stderr, disable=None, desc="export") as bar:
        if workers > 1:
            stats = export_raw_edges(
                raw_edge_batches(db[EDGES], query, batch_size=batch),
                args.out,
                workers=workers,
                partitions=partitions,
                overwrite=args.overwrite,
                progress=bar.update,
            )
        else:
            stats = export_edges(
                edge_batches(db[EDGES], query, batch_size=batch),
                args.out,
                partitions=partitions,
                overwrite=args.overwrite,
                progress=bar.update,
            )
    seconds = time.monotonic() - started
    logger.info(
        "wrote %d edges in %d files (%.1f MB) to %s in %.1fs (%.0f edges/s)%s",
        stats.edges,
        stats.files,
        stats.bytes / 1e6,
        args.out,
        seconds,
        stats.edges / seconds if seconds else 0.0,
        f"; repaired values: {stats.coerced}" if stats.coerced else "",
    )
    return 0
