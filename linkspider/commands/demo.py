"""``linkspider demo``: the whole path on one machine, offline, in about a minute.

Starts Redis and MongoDB on loopback, serves the bundled fixture web, runs ``scrapy crawl links``
over it as a real subprocess, and prints a backlink summary read back from MongoDB.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from linkspider.demo.crawl import run_crawl

NAME = "demo"
DEMO_DATABASE = "linkspider"
HELP = "crawl the bundled fixture web into local Redis + MongoDB and print a backlink summary"

logger = logging.getLogger(__name__)


def default_workdir() -> Path:
    """The user's data folder (``$XDG_DATA_HOME/linkspider/demo``), never inside the installed package."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "linkspider" / "demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sites", type=int, default=5, help="fixture sites (default: %(default)s)")
    parser.add_argument("--pages-per-site", type=int, default=20, help="pages per site (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the servers keep their data and logs "
                             "(default: $XDG_DATA_HOME/linkspider/demo, else ~/.local/share/linkspider/demo)")
    parser.add_argument("--keep", action="store_true",
                        help="leave Redis, MongoDB and the fixture web running until Ctrl-C, to try the reports")


def _step(message: str, *args: object) -> None:
    print("==> " + message % args, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from linkspider.cli import main as cli_main
    from linkspider.demo.fixture_web import FixtureWebServer, build_web
    from linkspider.demo.servers import MongoServer, RedisServer
    from linkspider.store.client import get_client

    workdir: Path = (args.workdir or default_workdir()).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    _step("starting redis-server and mongod on 127.0.0.1 (data in %s)", workdir)
    with RedisServer(workdir / "redis") as redis_server, MongoServer(workdir / "mongo") as mongo_server:
        # the demo's own servers: start from an empty store, so a second demo does not add to the first
        get_client(mongo_server.uri).drop_database(DEMO_DATABASE)
        web = build_web(sites=args.sites, pages_per_site=args.pages_per_site)
        with FixtureWebServer(web) as fixture:
            crawl_id = time.strftime("demo-%Y%m%d-%H%M%S")
            seed = web.site_url(0)
            _step("fixture web: %d sites x %d pages on 127.0.0.2..%d port %d", args.sites, args.pages_per_site,
                  args.sites + 1, fixture.port)
            _step("scrapy crawl links -a seeds=%s -a scope=all -a crawl_id=%s", seed, crawl_id)
            log = workdir / "crawl.log"
            started = time.monotonic()
            status = run_crawl([seed], crawl_id, redis_url=redis_server.url, mongo_uri=mongo_server.uri,
                               database=DEMO_DATABASE, scope="all", log_path=log, cwd=workdir,
                               settings={"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True",
                                         "LINKSPIDER_IDLE_CLOSE_SECONDS": "1"})
            if status != 0:
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
                _step("crawl failed with status %d (log: %s)", status, log)
                return status
            _step("crawl finished in %.1fs (log: %s)", time.monotonic() - started, log)
            connection = ["--mongo-uri", mongo_server.uri, "--database", DEMO_DATABASE]
            cli_main(["mongo", "ensure-indexes", *connection])
            target = web.sites[1].address
            _step("linkspider report backlinks --target %s", target)
            cli_main(["report", "backlinks", "--target", target, "--top", "5", *connection])
            _step("linkspider report domains --top 5")
            cli_main(["report", "domains", "--top", "5", *connection])
            if args.keep:
                _step("still running: REDIS_URL=%s MONGO_URI=%s MONGO_DATABASE=linkspider; Ctrl-C stops them",
                      redis_server.url, mongo_server.uri)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    return 0
