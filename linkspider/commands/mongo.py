"""``linkspider mongo``: one-off MongoDB administration (indexes, schema migration), run once, not per item."""

from __future__ import annotations

import argparse
import logging
import sys

from linkspider.reports.runner import ReportSettings, connect, mask_uri
from linkspider.store.documents import SCHEMA_VERSION
from linkspider.store.indexes import INDEXES, ensure_indexes
from linkspider.store.migrate import migrate_database
from linkspider.store.rollup import rebuild_rollup

NAME = "mongo"
HELP = "MongoDB administration: create the indexes the store and the reports need; migrate a store"

logger = logging.getLogger(__name__)


def _connection_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else the project setting MONGO_URI)"
    )
    p.add_argument("--database", help="database (default: $MONGO_DATABASE, else the project setting)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    p = sub.add_parser(
        "ensure-indexes",
        help="create the indexes of every collection (idempotent): "
        + "; ".join(f"{c}: {', '.join(str(m.document['name']) for m in ms)}" for c, ms in INDEXES.items()),
    )
    _connection_arguments(p)
    m = sub.add_parser(
        "migrate",
        help=f"rewrite a store of an older schema as schema {SCHEMA_VERSION} (idempotent; stop the crawls first)",
    )
    _connection_arguments(m)
    m.add_argument("--batch", type=int, default=5000, help="edges per insert while copying (default 5000)")
    r = sub.add_parser("rollup", help="recount the backlink rollup from the edges (stop the crawls first); "
                                      "needed after a writer stopped mid-batch, which reports then say")
    _connection_arguments(r)


def run(args: argparse.Namespace) -> int:
    settings = ReportSettings.resolve(mongo_uri=args.mongo_uri, database=args.database)
    _, db = connect(settings.mongo_uri, settings.database)  # the shared client: closed at exit
    if args.action == "migrate":
        if args.batch < 1:
            sys.stderr.write(f"--batch must be at least 1, got {args.batch}\n")
            return 2
        done = migrate_database(db, batch=args.batch)
        sys.stdout.write(f"{db.name}: schema {SCHEMA_VERSION}; "
                         + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in done.items()) + "\n")
        return 0
    if args.action == "rollup":
        sys.stdout.write(f"{db.name}.rollup: {rebuild_rollup(db)} keys\n")
        return 0
    created = ensure_indexes(db)
    for coll, names in created.items():
        sys.stdout.write(f"{db.name}.{coll}: {', '.join(names)}\n")
    logger.info("indexes ensured on %s database %s", mask_uri(settings.mongo_uri), settings.database)
    return 0
