"""``linkspider extract FILE --url URL``: print a saved page's links as JSON lines, to inspect extraction."""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from pathlib import Path

from linkspider.errors import LinkspiderError

NAME = "extract"
HELP = "print the links of a saved HTML page as JSON lines (one edge per line)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="HTML file (gzip is detected), or - for stdin")
    parser.add_argument("--url", required=True,
                        help="the URL the page was fetched from (relative links resolve against it)")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a response header, e.g. 'X-Robots-Tag: nofollow' or "
             "'Content-Type: text/html; charset=latin-1' (repeatable)",
    )
    parser.add_argument("--max-links", type=int, default=None, help="keep at most this many links")
    parser.add_argument("--stats", action="store_true", help="also print the counts of dropped links to stderr")


def _read(path: str) -> bytes:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise LinkspiderError(f"cannot read {path}: {exc.strerror}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise LinkspiderError(f"{path} looks gzipped but does not decompress: {exc}") from exc
    return data


def _headers(values: list[str]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise LinkspiderError(f"--header wants 'NAME: VALUE', got {value!r}")
        headers.setdefault(name.strip(), []).append(rest.strip())
    return headers


def run(args: argparse.Namespace) -> int:
    from linkspider.extract import extract_links_with_stats
    from linkspider.urls import normalize_url

    if normalize_url(args.url) is None:
        raise LinkspiderError(f"--url is not an http(s) URL: {args.url!r}")
    result = extract_links_with_stats(
        _read(args.file), args.url, headers=_headers(args.header), max_links=args.max_links
    )
    out = sys.stdout
    for link in result.links:
        record = dataclasses.asdict(link)
        record["rel"] = list(link.rel)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if args.stats:
        summary = {"links": len(result.links), "dropped": dict(result.dropped), "page_nofollow": result.page_nofollow}
        print(json.dumps(summary), file=sys.stderr)
    return 0
