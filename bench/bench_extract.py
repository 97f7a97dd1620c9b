#!/usr/bin/env python3
"""Extraction cost per page next to plain parses of the same page, measured in the same run.

    .venv/bin/python bench/bench_extract.py [CORPUS_DIR] [--repeat N] [--split]

CORPUS_DIR holds ``*.html.gz`` or ``*.html`` pages (default: ../shared/corpus/aeb/html, else the
test fixtures). Each page is, in turn, parsed by ``lxml.etree.HTMLParser()`` (libxml2), parsed by
selectolax's ``LexborHTMLParser`` (the parser extraction uses) and extracted with
``linkspider.extract.extract_links``, N times each: with the compiled walker
(``linkspider/extract/_walker.pyx``), with it but without cutting script and style content before the
parse (``_rawtext.pyx``), and on the pure-Python path; each extractor keeps its own
caches (class names, resolved hrefs), as if it ran alone. Three figures per step, medians over pages:
the first run of each page in page order (what ``../shared/tools/eval_placement.py`` times: caches
warm from other pages, not from this one), the best of N wall-clock runs (the least disturbed by
other processes) and the best of N CPU times of the thread (``time.thread_time``), because on a
shared machine the wall clock of a longer call includes time spent descheduled. Ratios against the
parses cancel most of the machine's drift.

``--split`` also scores placement (body F1, as ``../shared/tools/eval_placement.py`` does) separately
on the even-index and odd-index pages (sorted page ids), with the labels in ``link-labels.json`` next
to the pages: a classifier fitted to some pages would score visibly worse on the other half.
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

from linkspider.extract import extract_links, links, placement

# module-level caches that warm up over a run: swapped per extractor, so neither warms the other's
_CACHES = (placement._WORD_CACHE, placement._TOKEN_CACHE, placement._NAMES_CACHE, placement._WEIGHT_CACHE,
           links._SITE_CACHE, links._REL_CACHE)
_COMPILED = links._walker


_CUT_MIN = links.RAW_TEXT_CUT_MIN


def _extractor(compiled: bool, cut: bool = True):
    saved: list[dict] = [{} for _ in _CACHES]

    def run(body: bytes, url: str) -> list:
        links._walker = _COMPILED if compiled else None
        links.RAW_TEXT_CUT_MIN = _CUT_MIN if cut else 0
        return extract_links(body, url)

    def enter() -> None:
        for cache, own in zip(_CACHES, saved):
            cache.clear()
            cache.update(own)

    def leave() -> None:
        for i, cache in enumerate(_CACHES):
            saved[i] = dict(cache)

    return run, enter, leave

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


def _labels(directory: Path) -> dict:
    for path in (directory / "link-labels.json", directory.parent / "link-labels.json"):
        if path.exists():
            return json.loads(path.read_text())
    return {}


def _split_scores(directory: Path) -> None:
    """Body F1 on even- and odd-index pages (sorted ids), anchors matched as the shared eval does."""
    labels = _labels(directory)
    counts = {"even": [0, 0, 0], "odd": [0, 0, 0], "all": [0, 0, 0]}
    for index, page_id in enumerate(sorted(labels)):
        path = directory / f"{page_id}.html.gz"
        if not path.exists():
            continue
        rec = labels[page_id]
        predicted: dict[str, bool] = {}
        for link in extract_links(gzip.decompress(path.read_bytes()), rec["url"]):
            text = " ".join(link.anchor_text.split()).lower()
            if text in rec["labels"]:
                predicted[text] = predicted.get(text, False) or link.placement == "body"
        for text, gold in rec["labels"].items():
            pred = predicted.get(text, False)
            for half in ("even" if index % 2 == 0 else "odd", "all"):
                counts[half][0] += pred and gold
                counts[half][1] += pred and not gold
                counts[half][2] += gold and not pred
    for half, (tp, fp, fn) in counts.items():
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        print(f"placement {half:4} pages: tp {tp} fp {fp} fn {fn}  body F1 {f1:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, help="directory of *.html.gz / *.html pages")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page; the best counts (default 5)")
    parser.add_argument("--split", action="store_true", help="also print body F1 on even- and odd-index pages")
    args = parser.parse_args()
    directory = args.corpus or next((d for d in DEFAULT_DIRS if d.is_dir()), None)
    if directory is None or not directory.is_dir():
        parser.error("no corpus directory found; pass one")
    pages = _pages(directory)
    if not pages:
        parser.error(f"no *.html.gz or *.html pages in {directory}")

    plain = etree.HTMLParser()
    compiled, compiled_enter, compiled_leave = _extractor(True)
    whole, whole_enter, whole_leave = _extractor(True, cut=False)
    python, python_enter, python_leave = _extractor(False)
    runs = {
        "lxml parse": lambda body, url: etree.fromstring(body, plain),
        "lexbor parse": lambda body, url: LexborHTMLParser(body),
        "extraction": compiled,
        "uncut extraction": whole,
        "pure-Python extraction": python,
    }
    switches = {"extraction": (compiled_enter, compiled_leave), "uncut extraction": (whole_enter, whole_leave),
                "pure-Python extraction": (python_enter, python_leave)}
    if _COMPILED is None:
        print("compiled walker not built or disabled: both extraction figures are the pure-Python path")
    first: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    link_count = 0
    names = list(runs)
    swapped = names.copy()
    cut_at = swapped.index("extraction")
    swapped[cut_at], swapped[cut_at + 1] = swapped[cut_at + 1], swapped[cut_at]
    for index, (body, url) in enumerate(pages):
        best = {name: (float("inf"), float("inf")) for name in runs}
        for attempt in range(args.repeat):
            # the cut and uncut extractions take turns going first: the second finds the page in cache
            for name in swapped if (index + attempt) % 2 else names:
                run = runs[name]
                if name in switches:
                    switches[name][0]()
                start, start_cpu = time.perf_counter(), time.thread_time()
                out = run(body, url)
                took = (time.perf_counter() - start, time.thread_time() - start_cpu)
                if name in switches:
                    switches[name][1]()
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
        print(
            f"{label} ms/page medians: lxml parse {med['lxml parse']:.2f} | lexbor parse {med['lexbor parse']:.2f}"
            f" | extraction (parse included) {med['extraction']:.2f}"
            f" | ratio to lexbor parse {med['extraction'] / med['lexbor parse']:.2f},"
            f" to lxml parse {med['extraction'] / med['lxml parse']:.2f}"
            f" | without the script cut {med['uncut extraction']:.2f}"
            f" (ratio to lexbor parse {med['uncut extraction'] / med['lexbor parse']:.2f})"
            f" | pure-Python extraction {med['pure-Python extraction']:.2f}"
            f" (ratio to lxml parse {med['pure-Python extraction'] / med['lxml parse']:.2f})"
        )
    links._walker = _COMPILED
    links.RAW_TEXT_CUT_MIN = _CUT_MIN
    if args.split:
        _split_scores(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
