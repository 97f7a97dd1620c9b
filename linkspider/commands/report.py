"""``linkspider report``: backlink questions answered by MongoDB aggregations.

``backlinks``, ``new-lost``, ``domains`` print a table (default), JSON or CSV on stdout; ``html``
writes one self-contained page. Progress goes to stderr. The server comes from ``--mongo-uri`` /
``--database``, else ``MONGO_URI`` / ``MONGO_DATABASE`` from the environment, else the project
settings.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from linkspider.errors import ReportError
from linkspider.reports.formatters import FORMATS, render
from linkspider.reports.html import render_html
from linkspider.reports.runner import (
    ReportSettings,
    connect,
    run_backlinks,
    run_domain_graph,
    run_domains,
    run_new_lost,
)
from linkspider.reports.targets import parse_target, parse_when

NAME = "report"
HELP = "answer backlink questions from the edges in MongoDB (backlinks, new-lost, domains, html)"

logger = logging.getLogger(__name__)


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _damping(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else the project setting MONGO_URI)"
    )
    parser.add_argument("--database", help="database (default: $MONGO_DATABASE, else the project setting)")


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: %(default)s)"
    )


def _target(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--target",
        required=required,
        help="a domain (matches its registered domain: www.example.com = example.com) or a full URL "
        "(matches that page, compared by url_key)",
    )


def _backlink_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-lost", action="store_true", help="count lost links too (default: live links only)"
    )
    parser.add_argument("--top", type=int, help="rows per top list (default: LINKSPIDER_REPORT_TOP)")
    parser.add_argument("--sitewide-share", type=float, help="default: LINKSPIDER_SITEWIDE_SHARE")
    parser.add_argument("--sitewide-min-pages", type=int, help="default: LINKSPIDER_SITEWIDE_MIN_PAGES")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="report", metavar="REPORT")
    sub.required = True

    p = sub.add_parser(
        "backlinks", help="totals, rel flags, placements, link types, top lists, sitewide links"
    )
    _target(p)
    _backlink_options(p)
    _format(p)
    _connection(p)

    p = sub.add_parser("new-lost", help="links first seen and links lost in a time window")
    _target(p, required=False)
    p.add_argument(
        "--since", required=True, help="start: YYYY-MM-DD, an ISO 8601 time (UTC if naive) or 7d/12h/2w ago"
    )
    p.add_argument("--until", help="end, exclusive (a bare date includes that whole day; default: now)")
    p.add_argument(
        "--limit",
        type=_positive,
        default=100,
        help="links listed per kind, newest first; 0: all (default: %(default)s; counts are always complete)",
    )
    _format(p)
    _connection(p)

    p = sub.add_parser("domains", help="the domain graph and a PageRank over it")
    p.add_argument("--top", type=_positive, default=20, help="rows to show; 0: all (default: %(default)s)")
    p.add_argument(
        "--by",
        choices=("pagerank", "referring_domains"),
        default="pagerank",
        help="ranking order (default: %(default)s)",
    )
    p.add_argument("--graph", action="store_true", help="print the domain edge list instead of the ranking")
    p.add_argument(
        "--damping", type=_damping, default=0.85, help="PageRank damping factor (default: %(default)s)"
    )
    p.add_argument("--include-lost", action="store_true", help="include lost links in the graph")
    _format(p)
    _connection(p)

    p = sub.add_parser("html", help="one self-contained HTML page with charts for a target")
    _target(p)
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--html", dest="output", metavar="FILE", help="file to write")
    out.add_argument("--output", dest="output", metavar="FILE", help="same as --html")
    p.add_argument("--since", help="start of the new-vs-lost chart (default: the first link ever seen)")
    p.add_argument("--until", help="end of the new-vs-lost chart, exclusive (a bare date includes that day)")
    _backlink_options(p)
    _connection(p)


def run(args: argparse.Namespace) -> int:
    settings = ReportSettings.resolve(
        mongo_uri=args.mongo_uri,
        database=args.database,
        sitewide_share=getattr(args, "sitewide_share", None),
        sitewide_min_pages=getattr(args, "sitewide_min_pages", None),
        top=getattr(args, "top", None) if args.report in ("backlinks", "html") else None,
    )
    target = parse_target(args.target) if getattr(args, "target", None) else None
    since = parse_when(args.since) if getattr(args, "since", None) else None
    until = parse_when(args.until, end_of_day=True) if getattr(args, "until", None) else None
    if since is not None and until is not None and until <= since:
        raise ReportError(f"--until ({until.isoformat()}) must be after --since ({since.isoformat()})")
    client, db = connect(settings.mongo_uri, settings.database)
    try:
        if args.report == "backlinks":
            assert target is not None
            report = run_backlinks(db, target, settings, include_lost=args.include_lost)
        elif args.report == "new-lost":
            report = run_new_lost(db, target, since=since, until=until, limit=args.limit)
        elif args.report == "domains" and args.graph:
            rows = run_domain_graph(db, include_lost=args.include_lost).edge_rows()
            report = {"domain_links": len(rows), "graph": rows[: args.top] if args.top else rows}
        elif args.report == "domains":
            _, report = run_domains(
                db, include_lost=args.include_lost, top=args.top or None, by=args.by, damping=args.damping
            )
        else:
            assert target is not None
            backlinks = run_backlinks(db, target, settings, include_lost=args.include_lost)
            timeline = run_new_lost(db, target, since=since, until=until, limit=1)
            page = render_html(backlinks, timeline)
            path = Path(args.output)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page, encoding="utf-8")
            logger.info("wrote %s (%d bytes)", path, len(page.encode("utf-8")))
            return 0
    finally:
        client.close()
    sys.stdout.write(render(args.report, report, args.format))
    return 0
