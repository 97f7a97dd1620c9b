#!/usr/bin/env python3
"""Extraction cost per page next to a plain lxml parse of the same page, measured in the same run.

    .venv/bin/python bench/bench_extract.py [CORPUS_DIR] [--repeat N]

CORPUS_DIR holds ``*.html.gz`` or ``*.html`` pages (default: ../shared/corpus/aeb/html, else the
test fixtures). Each page is parsed with ``lxml.etree.HTMLParser()`` and extracted with
``linkspider.extract.extract_links`` alternately, N times each; a page's time is its best of N (the
least disturbed by other processes) and the figures are the median and mean over pages.
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from linkspider.extract import extract_links  # noqa: E402

DEFAULT_DIRS = (ROOT.parent / "shared" / "corpus" / "aeb" / "html", ROOT / "tests" / "extract" / "data")


def _pages(directory: Path) -> list[tuple[bytes, str]]:
    urls: dict[str, str] = {}
    for labels in (directory / "link-labels.json", directory.parent / "link-labels.json"):
        if labels.exists():
            urls = {k: v["url"] for k, v in json.loads(labels.read_text()).items()}
            break
    pages = []
    for path in sorted(directory.iterdir()):
        if path.name.endswith(".html.gz"):
            body, stem = gzip.decompress(path.read_bytes()), path.name[: -len(".html.gz")]
        elif path.suffix == ".html":
            body, stem = path.read_bytes(), path.stem
        else:
            continue
        pages.append((body, urls.get(stem, f"https://bench.example/{stem}")))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, help="directory of *.html.gz / *.html pages")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page; the best counts (default 5)")
    args = parser.parse_args()
    directory = args.corpus or next((d for d in DEFAULT_DIRS if d.is_dir()), None)
    if directory is None or not directory.is_dir():
        parser.error("no corpus directory found; pass one")
    pages = _pages(directory)
    if not pages:
        parser.error(f"no *.html.gz or *.html pages in {directory}")

    plain = etree.HTMLParser()
    parse_ms: list[float] = []
    extract_ms: list[float] = []
    links = 0
    for body, url in pages:
        best_parse = best_extract = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            etree.fromstring(body, plain)
            best_parse = min(best_parse, time.perf_counter() - start)
            start = time.perf_counter()
            found = extract_links(body, url)
            best_extract = min(best_extract, time.perf_counter() - start)
        parse_ms.append(best_parse * 1000)
        extract_ms.append(best_extract * 1000)
        links += len(found)

    p_med, e_med = statistics.median(parse_ms), statistics.median(extract_ms)
    p_mean, e_mean = statistics.mean(parse_ms), statistics.mean(extract_ms)
    print(f"pages {len(pages)}  links {links}  corpus {directory}  best of {args.repeat}")
    print(f"lxml parse  ms/page: median {p_med:.2f}  mean {p_mean:.2f}")
    print(f"extraction  ms/page: median {e_med:.2f}  mean {e_mean:.2f}  (parse included)")
    print(f"ratio extraction/parse: median {e_med / p_med:.2f}  mean {e_mean / p_mean:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
