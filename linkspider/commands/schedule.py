"""``linkspider schedule``: start one crawl on every scrapyd node at once, list its jobs, cancel it.

Nodes come from ``--nodes`` or ``LINKSPIDER_SCRAPYD_NODES``; basic-auth credentials only from
``LINKSPIDER_SCRAPYD_AUTH=user:password`` (never from the command line, never logged).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from linkspider.errors import ConfigurationError
from linkspider.scheduling.client import ScrapydClient
from linkspider.scheduling.cluster import (
    DEFAULT_PROJECT,
    DEFAULT_SPIDER,
    NodeJob,
    cancel_crawl,
    list_crawl_jobs,
    schedule_crawl,
    wait_for_crawl,
)
from linkspider.scheduling.crawl_ids import PLACEHOLDERS, expand_crawl_id_template, validate_crawl_id
from linkspider.scheduling.nodes import AUTH_ENV, NODES_ENV, auth_from_env, check_transport, nodes_from

NAME = "schedule"
HELP = "start, list, wait for or cancel a crawl on every scrapyd node at once"

logger = logging.getLogger(__name__)

#: Spider arguments travel on the worker's command line; keep seed lists well under ARG_MAX.
MAX_SEEDS_BYTES = 100_000


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nodes", help=f"scrapyd base URLs, comma-separated (default: ${NODES_ENV})")
    parser.add_argument("--project", default=DEFAULT_PROJECT, help="scrapyd project (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout per request, seconds")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = f"Basic auth for the nodes: set {AUTH_ENV}=user:password in the environment."
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True

    start = sub.add_parser("start", help="schedule the spider on every node with one crawl id")
    _common(start)
    ident = start.add_mutually_exclusive_group(required=True)
    ident.add_argument("--crawl-id", help="crawl id shared by all nodes (names the Redis frontier)")
    ident.add_argument(
        "--crawl-id-template",
        help="crawl id with placeholders expanded now, in UTC, for recurring runs, e.g. 'daily-{date}'; "
        f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
    )
    seeds = start.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", help="spider seeds argument, passed as is (URL[,URL...] or @path-on-the-node)")
    seeds.add_argument("--seeds-file", type=Path, help="local file, one URL per line, sent to every node")
    start.add_argument("--scope", help="spider scope argument (e.g. 'all')")
    start.add_argument("--spider", default=DEFAULT_SPIDER, help="spider name (default: %(default)s)")
    start.add_argument("--arg", action="append", type=_key_value, default=[], metavar="K=V",
                       help="extra spider argument (repeatable)")
    start.add_argument("--setting", action="append", type=_key_value, default=[], metavar="K=V",
                       help="Scrapy setting for the jobs (repeatable)")
    start.add_argument("--wait", action="store_true", help="block until every node's job has finished")
    start.add_argument("--wait-timeout", type=float, default=24 * 3600.0, help="seconds to wait with --wait")

    lst = sub.add_parser("list", help="list pending, running and finished jobs on every node")
    _common(lst)
    lst.add_argument("--crawl-id", help="only jobs of this crawl")
    lst.add_argument("--json", action="store_true", help="one JSON object per job")

    cancel = sub.add_parser("cancel", help="cancel every pending or running job of a crawl")
    _common(cancel)
    cancel.add_argument("--crawl-id", required=True)
    cancel.add_argument("--signal", help="signal for running jobs (scrapyd default INT: graceful stop)")

    wait = sub.add_parser("wait", help="block until every job of a crawl has finished")
    _common(wait)
    wait.add_argument("--crawl-id", required=True)
    wait.add_argument("--expected-jobs", type=int, help="wait until at least this many jobs are listed")
    wait.add_argument("--wait-timeout", type=float, default=24 * 3600.0)

    deploy = sub.add_parser("deploy", help="upload an egg (from `scrapyd-deploy --build-egg F`) to every node")
    _common(deploy)
    deploy.add_argument("--egg", type=Path, required=True)
    deploy.add_argument("--version", required=True, help="project version string on scrapyd")


def _clients(args: argparse.Namespace) -> list[ScrapydClient]:
    auth = auth_from_env()
    nodes = nodes_from(args.nodes)
    for node in nodes:
        check_transport(node, auth)
    return [ScrapydClient(node, auth=auth, timeout=args.timeout) for node in nodes]


def _read_seeds_file(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigurationError(f"--seeds-file {path}: {exc.strerror}") from exc
    seeds = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not seeds:
        raise ConfigurationError(f"--seeds-file {path} has no URLs")
    joined = ",".join(seeds)
    if len(joined.encode()) > MAX_SEEDS_BYTES:
        raise ConfigurationError(
            f"--seeds-file {path} is {len(joined.encode())} bytes joined, over {MAX_SEEDS_BYTES}: "
            "put the file on the nodes and pass --seeds @path, or push the seeds into Redis"
        )
    return joined


def _print_jobs(jobs: list[NodeJob], as_json: bool) -> None:
    if as_json:
        for job in jobs:
            print(json.dumps(asdict(job), sort_keys=True))
        return
    header = ("NODE", "STATE", "CRAWL_ID", "JOB", "SPIDER", "START", "END")
    rows = [
        (job.node, job.state, job.crawl_id or "-", job.job_id, job.spider, job.start_time or "-", job.end_time or "-")
        for job in jobs
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def run(args: argparse.Namespace) -> int:
    clients = _clients(args)
    if args.action == "start":
        crawl_id = (
            validate_crawl_id(args.crawl_id) if args.crawl_id else expand_crawl_id_template(args.crawl_id_template)
        )
        spider_args = dict(args.arg)
        if args.seeds:
            spider_args["seeds"] = args.seeds
        elif args.seeds_file:
            spider_args["seeds"] = _read_seeds_file(args.seeds_file)
        if args.scope:
            spider_args["scope"] = args.scope
        jobs = schedule_crawl(
            clients, crawl_id, project=args.project, spider=args.spider, args=spider_args,
            settings=dict(args.setting),
        )
        print(f"crawl_id {crawl_id}")
        for job in jobs:
            print(f"{job.node} {job.job_id}")
        sys.stdout.flush()
        if args.wait:
            done = wait_for_crawl(clients, crawl_id, project=args.project, timeout=args.wait_timeout,
                                  expected_jobs=len(jobs))
            print(f"finished {crawl_id}: {len(done)} job(s)")
        return 0
    if args.action == "list":
        _print_jobs(list_crawl_jobs(clients, project=args.project, crawl_id=args.crawl_id), args.json)
        return 0
    if args.action == "cancel":
        cancelled = cancel_crawl(clients, validate_crawl_id(args.crawl_id), project=args.project, signal=args.signal)
        for job in cancelled:
            print(f"cancelled {job.state} {job.node} {job.job_id}")
        if not cancelled:
            print(f"no pending or running job of crawl {args.crawl_id}")
        return 0
    if args.action == "wait":
        done = wait_for_crawl(clients, validate_crawl_id(args.crawl_id), project=args.project,
                              timeout=args.wait_timeout, expected_jobs=args.expected_jobs)
        print(f"finished {args.crawl_id}: {len(done)} job(s)")
        return 0
    if args.action == "deploy":
        try:
            egg = args.egg.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"--egg {args.egg}: {exc.strerror}") from exc
        for client in clients:
            answer = client.add_version(args.project, args.version, egg)
            print(f"{client.base_url} {args.project} {args.version}: {answer.get('spiders')} spider(s)")
        return 0
    raise ConfigurationError(f"unknown action {args.action!r}")
