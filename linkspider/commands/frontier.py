"""``linkspider frontier``: look at and steer a crawl's shared Redis frontier.

``status`` (queue size, leased, seen, per-domain backlog, worker heartbeats), ``seed`` (push URLs
through the same seen-set and domain cap the workers use), ``pause``/``resume`` (workers stop/start
leasing; idle workers stay up while paused) and ``purge`` (delete every key of the crawl; the only
way frontier state is ever deleted).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from linkspider.errors import ConfigurationError

NAME = "frontier"
HELP = "show, seed, pause, resume or purge a crawl's Redis frontier"

ACTIONS = ("status", "seed", "pause", "resume", "purge")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    helps = {
        "status": "queue size, leased, seen, per-domain backlog, worker heartbeats",
        "seed": "push URLs through the crawl's seen-set and domain cap",
        "pause": "workers stop leasing (idle workers stay up)",
        "resume": "workers lease again",
        "purge": "delete every key of the crawl",
    }
    for action in ACTIONS:
        p = sub.add_parser(action, help=helps[action], description=helps[action])
        p.add_argument("--crawl-id", required=True, help="the crawl (the spider's -a crawl_id)")
        p.add_argument("--redis-url", default=None, help="default: REDIS_URL from the environment / settings")
        if action == "seed":
            p.add_argument("urls", nargs="*", help="URLs to push")
            p.add_argument("--file", type=Path, default=None, help="also read URLs from this file, one per line")
            p.add_argument("--force", action="store_true", help="queue URLs even if already seen")
            p.add_argument("--no-scope", action="store_true", help="do not add the seeds' domains to the scope")
        elif action == "status":
            p.add_argument("--top", type=int, default=20, help="domains to list (default: %(default)s)")
            p.add_argument("--json", action="store_true", help="print JSON")
        elif action == "purge":
            p.add_argument("--yes", action="store_true", help="really delete")


def _frontier(args: argparse.Namespace):
    from scrapy.utils.project import get_project_settings

    from linkspider.frontier import Frontier, FrontierConfig
    from linkspider.frontier.connection import redis_from_settings

    settings = get_project_settings()
    if args.redis_url:
        settings.set("REDIS_URL", args.redis_url, priority="cmdline")
    config = FrontierConfig.from_settings(settings)
    server = redis_from_settings(settings)
    frontier = Frontier(server, args.crawl_id, lease_seconds=config.lease_seconds,
                        max_concurrency=config.max_concurrency, delay_seconds=config.delay_seconds,
                        domain_cap=config.domain_cap)
    if frontier.seen is None:
        frontier.seen = frontier.ensure_meta(config.seen_config()) if args.action == "seed" else None
    return frontier, config


def _read_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.urls)
    if args.file:
        try:
            lines = args.file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {args.file}: {exc}") from exc
        urls += [line.split("#", 1)[0].strip() for line in lines]
    return [u for u in urls if u]


def _seed(frontier, config, args: argparse.Namespace) -> int:
    from linkspider.domains import domain_of
    from linkspider.frontier import PushItem, RequestCodec
    from linkspider.frontier.codec import Entry
    from linkspider.frontier.queue import PUSH_CAPPED, PUSH_DUPLICATE
    from linkspider.frontier.seen import seen_key
    from linkspider.urls import normalize_url

    urls = _read_urls(args)
    if not urls:
        raise ConfigurationError("seed: give URLs or --file")
    codec = RequestCodec(args.crawl_id, config.callbacks, config.meta_keys)
    callback = "parse" if "parse" in codec.callbacks else None
    errback = "on_error" if "on_error" in codec.callbacks else None
    items, domains = [], set()
    for raw in urls:
        url = normalize_url(raw)
        key = seen_key(url) if url else None
        if url is None or key is None:
            raise ConfigurationError(f"seed {raw!r} is not an http(s) URL")
        domain = domain_of(url)
        domains.add(domain)
        body = codec.encode_entry(Entry(url=url, crawl_id=args.crawl_id, callback=callback, errback=errback,
                                        dont_filter=args.force))
        items.append(PushItem(body, domain, key, 0, args.force))
    codes = frontier.push_many(items)
    if not args.no_scope:
        from linkspider.scope import Scope

        Scope("domain", args.crawl_id, frontier.server).add(domains)
    queued = sum(1 for c in codes if c not in (PUSH_DUPLICATE, PUSH_CAPPED))
    print(f"queued {queued} of {len(items)} seeds ({codes.count(PUSH_DUPLICATE)} already seen, "
          f"{codes.count(PUSH_CAPPED)} over the domain cap) in crawl {args.crawl_id}")
    return 0


def _print_status(st: dict[str, Any]) -> None:
    print(f"crawl {st['crawl_id']}{'  (PAUSED)' if st['paused'] else ''}")
    print(f"  queued {st['queued']}   leased {st['leased']}   seen {st['seen']}   domains {st['domains']}")
    if "files" in st:
        files = st["files"]
        print(f"  files (WARC/WAT ingest): done {files['done']}   leased {files['leased']}   left {files['left']}")
    counters = st["counters"]
    print("  totals: " + "  ".join(f"{k} {counters[k]}" for k in sorted(counters) if k not in ("queued", "seen")))
    if st["seen_config"]:
        sc = st["seen_config"]
        print(f"  seen-set: {sc['seen_mode']} sized for {sc['seen_expected']} URLs")
    if st["backlog"]:
        print("  domain                                   queued  active  crawl-delay")
        for row in st["backlog"]:
            delay = f"{row['crawl_delay_ms'] / 1000:.1f}s" if row["crawl_delay_ms"] else "-"
            print(f"  {row['domain'][:40]:40} {row['queued']:7d} {row['active']:7d}  {delay}")
    print(f"  workers: {len(st['workers'])}")
    for w in st["workers"]:
        print(f"    {w['worker']:40} last heartbeat {w['age_s']:.1f}s ago, {w['leased']} leased")


def run(args: argparse.Namespace) -> int:
    frontier, config = _frontier(args)
    if args.action == "status":
        st = frontier.status(top=args.top)
        from linkspider.warc.sources import ingest_kind

        if ingest_kind(frontier.server, args.crawl_id):  # a crawl's units are files: say so
            st["files"] = {"done": st["counters"].get("acked", 0), "leased": st["leased"], "left": st["queued"]}
        if args.json:
            json.dump(st, sys.stdout, indent=2)
            print()
        else:
            _print_status(st)
        return 0
    if args.action == "seed":
        return _seed(frontier, config, args)
    if args.action == "pause":
        frontier.pause()
        print(f"crawl {args.crawl_id} paused: workers stop leasing (and stay up) until `frontier resume`")
        return 0
    if args.action == "resume":
        frontier.resume()
        print(f"crawl {args.crawl_id} resumed")
        return 0
    if not args.yes:
        keys = sum(1 for _ in frontier.server.scan_iter(match=frontier.keys.pattern, count=1000))
        print(f"would delete {keys} keys of crawl {args.crawl_id}; run again with --yes", file=sys.stderr)
        return 1
    print(f"deleted {frontier.purge()} keys of crawl {args.crawl_id}")
    return 0
