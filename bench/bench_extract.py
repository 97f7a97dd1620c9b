#!/usr/bin/env python3
"""Extraction cost per page next to a bare parse and next to trafilatura, on the same pages in one run.

    .venv/bin/python bench/bench_extract.py [CORPUS_DIR] [--repeat N] [--split]

CORPUS_DIR holds ``*.html.gz`` or ``*.html`` pages (default: the pages shipped in
``linkspider/demo/corpus/html``). Each page is, in turn, parsed by selectolax's ``LexborHTMLParser``
(the parser extraction uses), parsed by ``lxml.etree.HTMLParser()`` (libxml2), extracted with
``linkspider.extract.extract_links`` and, when it is installed (the ``dev`` extra), given to
``trafilatura.extract(include_links=True)``, the open-source extractor placement is compared with.
Three figures per step, medians over pages: the first run of each page (what
``eval_placement.py`` times: caches warm from other pages, not from this one), the best of N
wall-clock runs and the best of N CPU times of the thread (``time.thread_time``), because on a
shared machine the wall clock includes time spent descheduled. The ratios cancel the machine's drift.

``--split`` also scores placement (body F1) on the even- and odd-index pages (sorted page ids) with
the labels in ``link-labels.json`` next to the pages.
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

from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from bench.placement_cv import LabelScore
from linkspider.extract import extract_links

DEFAULT_DIRS = (ROOT / "linkspider" / "demo" / "corpus" / "html",)


def _labels(directory: Path) -> dict:
    for path in (directory / "link-labels.json", directory.parent / "link-labels.json"):
        if path.exists():
            return json.loads(path.read_text())
    return {}


def _pages(directory: Path) -> list[tuple[str, bytes, str]]:
    urls = {k: v["url"] for k, v in _labels(directory).items()}
    pages = []
    for path in sorted(directory.iterdir()):
        if path.name.endswith(".html.gz"):
            body, stem = gzip.decompress(path.read_bytes()), path.name[: -len(".html.gz")]
        elif path.suffix == ".html":
            body, stem = path.read_bytes(), path.stem
        else:
            continue
        pages.append((stem, body, urls.get(stem, f"https://bench.example/{stem}")))
    return pages


def _split_scores(pages: list[tuple[str, bytes, str]], labels: dict) -> None:
    """Body F1 on even- and odd-index pages (sorted ids), anchors matched as eval_placement.py does."""
    halves = {"even": LabelScore(), "odd": LabelScore(), "all": LabelScore()}
    for index, (page_id, body, url) in enumerate(pages):
        if page_id not in labels:
            continue
        links = extract_links(body, url)
        for half in ("even" if index % 2 == 0 else "odd", "all"):
            halves[half].add(links, labels[page_id]["labels"])
    for half, score in halves.items():
        print(f"placement {half:4} pages: {score}")


def _trafilatura():
    try:
        import trafilatura
    except ImportError:
        print("trafilatura not installed (pip install -e '.[dev]'): no trafilatura figure")
        return None
    return lambda body, url: trafilatura.extract(body, include_links=True, output_format="xml", url=url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, help="directory of *.html.gz / *.html pages")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; the best counts (default 3)")
    parser.add_argument("--split", action="store_true", help="also print body F1 on even- and odd-index pages")
    args = parser.parse_args()
    directory = args.corpus or next((d for d in DEFAULT_DIRS if d.is_dir()), None)
    if directory is None or not directory.is_dir():
        parser.error("no corpus directory found; pass one")
    pages = _pages(directory)
    if not pages:
        parser.error(f"no *.html.gz or *.html pages in {directory}")

    plain = etree.HTMLParser()
    runs = {
        "lexbor parse": lambda body, url: LexborHTMLParser(body),
        "lxml parse": lambda body, url: etree.fromstring(body, plain),
        "extraction": extract_links,
    }
    traf = _trafilatura()
    if traf is not None:
        runs["trafilatura"] = traf
    first: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    link_count = 0
    for _, body, url in pages:
        best = {name: (float("inf"), float("inf")) for name in runs}
        for attempt in range(args.repeat):
            for name, run in runs.items():
                start, start_cpu = time.perf_counter(), time.thread_time()
                out = run(body, url)
                took = (time.perf_counter() - start, time.thread_time() - start_cpu)
                if attempt == 0:
                    first[name].append(took[0] * 1000)
                    if name == "extraction":
                        link_count += len(out)
                best[name] = (min(best[name][0], took[0]), min(best[name][1], took[1]))
                del out
        for name in runs:
            wall[name].append(best[name][0] * 1000)
            cpu[name].append(best[name][1] * 1000)

    print(f"pages {len(pages)}  links {link_count}  corpus {directory}")
    for label, figures in (
        ("first run, wall", first),
        (f"best of {args.repeat}, wall", wall),
        (f"best of {args.repeat}, cpu ", cpu),
    ):
        med = {name: statistics.median(values) for name, values in figures.items()}
        line = (
            f"{label} ms/page medians: lexbor parse {med['lexbor parse']:.2f} | lxml parse {med['lxml parse']:.2f}"
            f" | extraction (parse included) {med['extraction']:.2f}"
            f" (ratio to lexbor parse {med['extraction'] / med['lexbor parse']:.2f})"
        )
        if "trafilatura" in med:
            line += (
                f" | trafilatura {med['trafilatura']:.2f}"
                f" (trafilatura / extraction {med['trafilatura'] / med['extraction']:.1f}x)"
            )
        print(line)
    if args.split:
        _split_scores(pages, _labels(directory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
