"""``linkspider check-targets``: fetch the target pages of a domain's backlinks, so ``report broken`` can judge them.

    linkspider check-targets --target example.com [--recheck] [--limit N] [-s NAME=VALUE ...]

Lists the pages that live backlinks point at and that were never fetched (``--recheck``: all of
them), then fetches each once through Scrapy in this process: robots.txt, the network guard
(``LINKSPIDER_ALLOW_PRIVATE_NETWORKS`` ...), the soft-404 check, ``LINKSPIDER_POLITENESS_CONCURRENCY``
requests per domain and ``LINKSPIDER_POLITENESS_DELAY`` between them. Redirects are recorded, not
followed. Each result (status, or ``error``: dns, timeout, connection_refused, refused_address ...)
is written into ``pages``; no links are extracted and no link is marked lost.
"""

from __future__ import annotations

import argparse
import logging
import sys

from linkspider.config import get_setting
from linkspider.errors import ConfigurationError
from linkspider.reports.broken import targets_to_check_pipeline
from linkspider.reports.runner import EDGES, ReportSettings, aggregate_all, connect
from linkspider.reports.targets import parse_target

NAME = "check-targets"
HELP = "fetch the pages a target's backlinks point at (status into pages) for report broken"

logger = logging.getLogger(__name__)

#: Crawl parts that only make sense in a frontier crawl (Redis scheduling, leases, crawl reports).
_FRONTIER_ONLY = ("linkspider.frontier.", "linkspider.extensions.crawl_report.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", required=True, help="a domain or a full URL, as for report broken")
    parser.add_argument("--recheck", action="store_true", help="fetch pages already fetched too")
    parser.add_argument("--limit", type=int, default=0, help="fetch at most this many pages, most linked first")
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting"
    )
    parser.add_argument("--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else the project setting MONGO_URI)")
    parser.add_argument("--database", help="database (default: $MONGO_DATABASE, else the project setting)")


def crawl_settings(project: dict, overrides: dict[str, str], mongo_uri: str, database: str) -> dict:
    """The project's settings for a one-off fetch: Scrapy's own scheduler, no frontier parts, our pipeline."""
    from scrapy.settings import Settings

    settings = Settings(project)
    settings.setdict(overrides, priority="cmdline")
    for name in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS"):
        kept = {k: v for k, v in settings.getdict(name).items() if not str(k).startswith(_FRONTIER_ONLY)}
        settings.set(name, kept, priority="cmdline")
    settings.set("SCHEDULER", "scrapy.core.scheduler.Scheduler", priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "scrapy.dupefilters.RFPDupeFilter", priority="cmdline")
    settings.set("ITEM_PIPELINES", {"linkspider.store.target_status.TargetStatusPipeline": 300}, priority="cmdline")
    concurrency = get_setting(settings, "LINKSPIDER_POLITENESS_CONCURRENCY")
    delay = get_setting(settings, "LINKSPIDER_POLITENESS_DELAY")
    if concurrency < 1 or delay < 0:
        raise ConfigurationError(
            f"LINKSPIDER_POLITENESS_CONCURRENCY ({concurrency}) must be at least 1 and "
            f"LINKSPIDER_POLITENESS_DELAY ({delay}) at least 0"
        )
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", concurrency, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
    settings.set("MONGO_URI", mongo_uri, priority="cmdline")
    settings.set("MONGO_DATABASE", database, priority="cmdline")
    return settings


def run(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from linkspider.spiders.check_targets import CheckTargetsSpider

    overrides = {}
    for pair in args.settings:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigurationError(f"-s {pair!r}: expected NAME=VALUE")
        overrides[name] = value
    report_settings = ReportSettings.resolve(mongo_uri=args.mongo_uri, database=args.database)
    target = parse_target(args.target)
    _, db = connect(report_settings.mongo_uri, report_settings.database)
    rows = aggregate_all(
        db[EDGES],
        targets_to_check_pipeline(target, recheck=args.recheck, limit=max(0, args.limit)),
        label=f"target pages of {target.value} to check",
    )
    urls = [r["url"] for r in rows if isinstance(r.get("url"), str)]
    if not urls:
        logger.info("no target pages of %s to check", target.value)
        sys.stdout.write(f"checked 0 target pages of {target.value}\n")
        return 0
    settings = crawl_settings(
        get_project_settings().copy_to_dict(), overrides, report_settings.mongo_uri, report_settings.database
    )
    logger.info("checking %d target pages of %s", len(urls), target.value)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the CLI's logging is set up already
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(CheckTargetsSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    written = stats.get("check_targets/pages_written", 0)
    errors = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("check_targets/error/")}
    sys.stdout.write(
        f"checked {len(urls)} target pages of {target.value}: {written} pages written"
        + (f", fetch errors {errors}" if errors else "")
        + "\n"
    )
    return 0
