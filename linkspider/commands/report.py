"""``linkspider report``: backlink questions answered by MongoDB aggregations.

``backlinks``, ``new-lost``, ``domains``, ``gap``, ``broken``, ``outgoing``, ``anchors`` print a
table (default), JSON or CSV on stdout; ``html``
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
from linkspider.extract._model import THRESHOLD as BODY_THRESHOLD
from linkspider.reports.formatters import FORMATS, render
from linkspider.reports.gap import MAX_COMPETITORS, validate_gap
from linkspider.reports.html import render_html
from linkspider.reports.rank import METRICS
from linkspider.reports.runner import (
    ReportSettings,
    connect,
    run_anchors,
    run_backlinks,
    run_broken,
    run_domain_graph,
    run_domain_metrics,
    run_domains,
    run_gap,
    run_new_lost,
    run_outgoing,
)
from linkspider.reports.targets import parse_domain, parse_target, parse_when

NAME = "report"
HELP = (
    "answer backlink questions from the edges in MongoDB "
    "(backlinks, new-lost, domains, gap, broken, outgoing, anchors, html)"
)

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


def _unit_interval(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else the project setting MONGO_URI)")
    parser.add_argument("--database", help="database (default: $MONGO_DATABASE, else the project setting)")


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")


def _target(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--target",
        required=required,
        help="a domain (matches its registered domain: www.example.com = example.com) or a full URL "
        "(matches that page, compared by url_key)",
    )


def _backlink_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--include-lost", action="store_true", help="count lost links too (default: live links only)")
    parser.add_argument("--top", type=int, help="rows per top list (default: LINKSPIDER_REPORT_TOP)")
    parser.add_argument("--sitewide-share", type=float, help="default: LINKSPIDER_SITEWIDE_SHARE")
    parser.add_argument("--sitewide-min-pages", type=int, help="default: LINKSPIDER_SITEWIDE_MIN_PAGES")
    _editorial(parser)


def _editorial(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-body-score", type=_unit_interval, metavar="S",
        help="editorial links only: those the placement model scored at least S (0 to 1; links scoring "
        f"{BODY_THRESHOLD} and up are body)",
    )


def _limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=_positive, default=100, help="rows listed; 0: all (default: %(default)s; totals are complete)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="report", metavar="REPORT")
    sub.required = True

    p = sub.add_parser("backlinks", help="totals, rel flags, placements, link types, top lists, sitewide links")
    _target(p)
    _backlink_options(p)
    _format(p)
    _connection(p)

    p = sub.add_parser("new-lost", help="links first seen and links lost in a time window")
    _target(p, required=False)
    p.add_argument("--since", required=True, help="start: YYYY-MM-DD, an ISO 8601 time (UTC if naive) or 7d/12h/2w ago")
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
    p.add_argument("--damping", type=_damping, default=0.85, help="PageRank damping factor (default: %(default)s)")
    p.add_argument("--include-lost", action="store_true", help="include lost links in the graph (pagerank only)")
    p.add_argument(
        "--metric",
        choices=METRICS,
        default="pagerank",
        help="rank: 0-100 from a PageRank of followed, live, external links; harmonic: harmonic centrality of "
        "that graph; pagerank: PageRank of all live external links, nofollow/ugc/sponsored included "
        "(default: %(default)s)",
    )
    _format(p)
    _connection(p)

    p = sub.add_parser("gap", help="referring domains linking to competitors but not to the target (link intersect)")
    p.add_argument("--competitors", required=True, help=f"comma-separated domains, at most {MAX_COMPETITORS}")
    p.add_argument("--target", required=True, help="your domain")
    p.add_argument("--min", type=int, default=1, dest="min_competitors", help="competitors linked (default: 1)")
    p.add_argument("--followed", action="store_true", help="count followed links only (no nofollow/sponsored/ugc)")
    _editorial(p)
    _limit(p)
    _format(p)
    _connection(p)

    p = sub.add_parser("broken", help="live backlinks to target pages that are gone, 5xx, soft 404 or fail DNS")
    _target(p)
    _limit(p)
    p.add_argument("--examples", type=_positive, default=5, help="links listed per broken page (default: 5)")
    _format(p)
    _connection(p)

    p = sub.add_parser("outgoing", help="external domains and pages a site links to, broken targets marked")
    p.add_argument("--source", required=True, help="a domain (its registered domain) or a full URL (one page)")
    _limit(p)
    _format(p)
    _connection(p)

    p = sub.add_parser("anchors", help="anchor profile: brand, naked URL, generic, image/empty, other")
    _target(p)
    p.add_argument("--top", type=int, help="anchors listed per class (default: LINKSPIDER_REPORT_TOP)")
    p.add_argument("--include-lost", action="store_true", help="count lost links too (default: live links only)")
    p.add_argument("--followed", action="store_true", help="followed links only (no nofollow/sponsored/ugc)")
    _editorial(p)
    _format(p)
    _connection(p)

    p = sub.add_parser("html", help="one self-contained HTML page with charts for a target")
    _target(p)
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--html", dest="output", metavar="FILE", help="file to write")
    out.add_argument("--output", dest="output", metavar="FILE", help="same as --html")
    p.add_argument("--since", help="start of the new-vs-lost chart (default: the first link ever seen)")
    p.add_argument("--until", help="end of the new-vs-lost chart, exclusive (a bare date includes that day)")
    p.add_argument("--competitors", help="comma-separated domains: add a link gap section (a domain target only)")
    _backlink_options(p)
    _connection(p)


def run(args: argparse.Namespace) -> int:
    settings = ReportSettings.resolve(
        mongo_uri=args.mongo_uri,
        database=args.database,
        sitewide_share=getattr(args, "sitewide_share", None),
        sitewide_min_pages=getattr(args, "sitewide_min_pages", None),
        top=getattr(args, "top", None) if args.report in ("backlinks", "html", "anchors") else None,
    )
    if args.report == "gap":
        return _run_gap(args, settings)
    target = parse_target(args.target) if getattr(args, "target", None) else None
    since = parse_when(args.since) if getattr(args, "since", None) else None
    until = parse_when(args.until, end_of_day=True) if getattr(args, "until", None) else None
    if since is not None and until is not None and until <= since:
        raise ReportError(f"--until ({until.isoformat()}) must be after --since ({since.isoformat()})")
    source = parse_target(args.source, option="--source") if getattr(args, "source", None) else None
    _, db = connect(settings.mongo_uri, settings.database)  # the shared client: closed at exit
    kind = args.report
    if args.report == "backlinks":
        assert target is not None
        report = run_backlinks(db, target, settings, include_lost=args.include_lost,
                               min_body_score=args.min_body_score)
    elif args.report == "new-lost":
        report = run_new_lost(db, target, since=since, until=until, limit=args.limit)
    elif args.report == "domains" and args.graph:
        rows = run_domain_graph(db, include_lost=args.include_lost).edge_rows()
        report = {"domain_links": len(rows), "graph": rows[: args.top] if args.top else rows}
    elif args.report == "domains" and args.metric != "pagerank":
        kind = "domains-metric"
        report = run_domain_metrics(db, settings, by=args.metric, top=args.top or None, damping=args.damping)
    elif args.report == "broken":
        assert target is not None
        report = run_broken(db, target, limit=args.limit, examples=args.examples)
    elif args.report == "outgoing":
        assert source is not None
        report = run_outgoing(db, source, limit=args.limit)
    elif args.report == "anchors":
        assert target is not None
        report = run_anchors(db, target, settings, include_lost=args.include_lost, followed=args.followed,
                             min_body_score=args.min_body_score)
    elif args.report == "domains":
        _, report = run_domains(
            db, include_lost=args.include_lost, top=args.top or None, by=args.by, damping=args.damping
        )
    else:
        assert target is not None
        backlinks = run_backlinks(db, target, settings, include_lost=args.include_lost,
                                  min_body_score=args.min_body_score)
        timeline = run_new_lost(db, target, since=since, until=until, limit=1)
        gap = None
        if args.competitors:
            domain = parse_domain(args.target)
            competitors = [parse_domain(c, option="--competitors") for c in args.competitors.split(",") if c.strip()]
            gap = run_gap(db, validate_gap(competitors, domain, 1), domain, limit=settings.top * 5,
                          min_body_score=args.min_body_score)
        page = render_html(
            backlinks,
            timeline,
            anchor_profile=run_anchors(db, target, settings, include_lost=args.include_lost),
            broken=run_broken(db, target, limit=settings.top * 5),
            outgoing=run_outgoing(db, target, limit=settings.top * 5),
            gap=gap,
        )
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        logger.info("wrote %s (%d bytes)", path, len(page.encode("utf-8")))
        return 0
    sys.stdout.write(render(kind, report, args.format))
    return 0


def _run_gap(args: argparse.Namespace, settings: ReportSettings) -> int:
    target = parse_domain(args.target)
    competitors = [parse_domain(c, option="--competitors") for c in args.competitors.split(",") if c.strip()]
    competitors = validate_gap(competitors, target, args.min_competitors)
    _, db = connect(settings.mongo_uri, settings.database)
    report = run_gap(
        db, competitors, target, min_competitors=args.min_competitors, followed=args.followed, limit=args.limit,
        min_body_score=args.min_body_score,
    )
    sys.stdout.write(render("gap", report, args.format))
    return 0
