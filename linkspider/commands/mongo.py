"""``linkspider mongo``: one-off MongoDB administration (indexes), run once, not per item."""

from __future__ import annotations

import argparse
import logging
import sys

from linkspider.reports.runner import ReportSettings, connect, mask_uri
from linkspider.store.indexes import INDEXES, ensure_indexes

NAME = "mongo"
HELP = "MongoDB administration: create the indexes the store and the reports need"

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    p = sub.add_parser(
        "ensure-indexes",
        help="create the indexes of every collection (idempotent): "
        + "; ".join(f"{c}: {', '.join(str(m.document['name']) for m in ms)}" for c, ms in INDEXES.items()),
    )
    p.add_argument(
        "--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else the project setting MONGO_URI)"
    )
    p.add_argument("--database", help="database (default: $MONGO_DATABASE, else the project setting)")


def run(args: argparse.Namespace) -> int:
    settings = ReportSettings.resolve(mongo_uri=args.mongo_uri, database=args.database)
    _, db = connect(settings.mongo_uri, settings.database)  # the shared client: closed at exit
    created = ensure_indexes(db)
    for coll, names in created.items():
        sys.stdout.write(f"{db.name}.{coll}: {', '.join(names)}\n")
    logger.info("indexes ensured on %s database %s", mask_uri(settings.mongo_uri), settings.database)
    return 0
