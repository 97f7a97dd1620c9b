#!/usr/bin/env python3
"""Train the placement model offline and report its F1 on pages it was not trained on.

    .venv/bin/python bench/placement_cv.py [--write]

A development tool (needs the ``dev`` extra: scikit-learn). It reads three labelled corpora (aeb,
wcxb, readability: ``html/<id>.html.gz`` and ``link-labels.json`` each), from
``$LINKSPIDER_PLACEMENT_CORPORA`` or else ``../shared/corpus`` beside the project, and says so and
stops when they are absent. Nothing in the package or its tests reads them.

Every labelled anchor becomes the feature row the extractor itself computes
(``linkspider.extract.placement.anchor_rows`` and ``features``, recorded while ``extract_links``
runs). Leave-one-source-out: for each corpus, the model (logistic regression; its regularisation
and body threshold chosen by grouped cross-validation on the other two corpora only) is trained on
the other two, installed in the extractor, and the held-out corpus is extracted and scored exactly as
``eval_placement.py`` scores it. Those held-out figures are the ones to report. ``--write`` then
trains on all three (same choice procedure) and writes ``linkspider/extract/_model.py``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linkspider.extract import extract_links, placement

CORPUS_ENV = "LINKSPIDER_PLACEMENT_CORPORA"
SOURCES = ("aeb", "wcxb", "readability")
MODEL_FILE = ROOT / "linkspider" / "extract" / "_model.py"
_WS = re.compile(r"\s+")


def norm_anchor(text: str | None) -> str:
    """Anchor text as the labels key it: whitespace collapsed, lowercase (as eval_placement.py does)."""
    return _WS.sub(" ", text or "").strip().lower()


class LabelScore:
    """Body precision, recall and F1 over labelled anchors, counted as ``eval_placement.py`` counts them:
    a labelled text is predicted body when any link with that text is placed in the body."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.tn = 0

    def add_predictions(self, predicted: dict[str, bool], labels: dict[str, bool]) -> None:
        for text, gold in labels.items():
            pred = predicted.get(text, False)
            self.tp += pred and gold
            self.fp += pred and not gold
            self.fn += gold and not pred
            self.tn += not pred and not gold

    def add(self, links, labels: dict[str, bool]) -> None:
        predicted: dict[str, bool] = {}
        for link in links:
            text = norm_anchor(link.anchor_text)
            if text in labels:
                predicted[text] = predicted.get(text, False) or link.placement == "body"
        self.add_predictions(predicted, labels)

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    def __str__(self) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp else 0.0
        return f"tp {self.tp} fp {self.fp} fn {self.fn}  body precision {p:.3f} recall {r:.3f} F1 {self.f1:.3f}"


def corpora_root() -> Path:
    """``$LINKSPIDER_PLACEMENT_CORPORA`` or ``../shared/corpus``; exits saying what it needs when absent."""
    root = Path(os.environ.get(CORPUS_ENV) or ROOT.parent / "shared" / "corpus")
    missing = [s for s in SOURCES if not (root / s / "link-labels.json").is_file()]
    if missing:
        sys.exit(
            f"placement_cv needs the labelled corpora {', '.join(SOURCES)} (each with html/<id>.html.gz and "
            f"link-labels.json) in {root}; missing: {', '.join(missing)}. Set {CORPUS_ENV} to their folder."
        )
    return root


Page = tuple[str, bytes, str, dict]


def load_pages(root: Path, source: str) -> list[Page]:
    """(page id, body, url, labels) of one labelled corpus, in sorted id order."""
    labels = json.loads((root / source / "link-labels.json").read_text())
    return [
        (pid, gzip.decompress((root / source / "html" / f"{pid}.html.gz").read_bytes()), rec["url"], rec["labels"])
        for pid, rec in sorted(labels.items())
    ]


def labelled_rows(pages: list[Page]) -> list[tuple[str, str, list[float], bool]]:
    """(page id, anchor text, features, gold) for every anchor of a labelled text, as extraction sees it."""
    recorded: list[tuple[list, list]] = []
    real = placement.anchor_rows

    def recording(tree, anchors, link_chars=None, same_site=None):
        rows = real(tree, anchors, link_chars, same_site)
        recorded.append((anchors, rows))
        return rows

    out = []
    placement.anchor_rows = recording
    try:
        for pid, body, url, labels in pages:
            recorded.clear()
            extract_links(body, url)
            for anchors, rows in recorded:
                for anchor, row in zip(anchors, rows):
                    text = norm_anchor(anchor.text_lexbor())
                    if text in labels:
                        out.append((pid, text, placement.features(row), labels[text]))
    finally:
        placement.anchor_rows = real
    return out


def page_f1(rows, scores, threshold: float) -> float:
    """F1 over labelled texts (body when any of the text's anchors scores at least ``threshold``)."""
    best: dict[tuple[str, str], tuple[float, bool]] = {}
    for (pid, text, _, gold), s in zip(rows, scores):
        key = (pid, text)
        best[key] = (max(s, best.get(key, (-1.0, gold))[0]), gold)
    tp = sum(1 for s, g in best.values() if s >= threshold and g)
    fp = sum(1 for s, g in best.values() if s >= threshold and not g)
    fn = sum(1 for s, g in best.values() if s < threshold and g)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


THRESHOLDS = [i / 100 for i in range(20, 81, 2)]
GRID = [(penalty, c) for penalty in ("l1", "l2") for c in (0.03, 0.1, 0.3, 1.0)]
SITES: dict[str, str] = {}  # page id -> site (host without www.): cross-validation groups


def _site(url: str) -> str:
    host = url.split("/")[2] if url.count("/") >= 2 else url
    return host[4:] if host.startswith("www.") else host


def _logistic(penalty: str, c: float):
    from sklearn.linear_model import LogisticRegression

    # scikit-learn 1.8 names the penalty by l1_ratio (1: L1, 0: L2); random_state makes --write reproducible
    return LogisticRegression(
        l1_ratio=1.0 if penalty == "l1" else 0.0, C=c, solver="liblinear", max_iter=5000, random_state=0
    )


def fit(rows) -> dict:
    """A logistic regression on ``rows``: L1 or L2, C and the body threshold chosen by 5-fold
    cross-validation grouped by site, on these rows alone. Returns the shipped form (weights on the
    raw features, bias, threshold)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    x = np.array([r[2] for r in rows])
    y = np.array([r[3] for r in rows])
    groups = [SITES[r[0]] for r in rows]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    best = (-1.0, GRID[0], 0.5)
    for penalty, c in GRID:
        scores = np.zeros(len(rows))
        for train, test in GroupKFold(n_splits=5).split(z, y, groups):
            scores[test] = _logistic(penalty, c).fit(z[train], y[train]).predict_proba(z[test])[:, 1]
        for t in THRESHOLDS:
            f = page_f1(rows, scores, t)
            if f > best[0]:
                best = (f, (penalty, c), t)
    _, (penalty, c), t = best
    model = _logistic(penalty, c).fit(z, y)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - (model.coef_[0] * mean / scale).sum())
    return {"weights": [float(w) for w in weights], "bias": bias, "threshold": t, "choice": f"{penalty} C {c}"}


def install(params: dict) -> None:
    """Make the extractor use ``params`` (the held-out evaluation runs the real extraction path)."""
    placement.MODEL = placement.Model(tuple(params["weights"]), params["bias"], params["threshold"])


def score_corpus(pages: list[Page]) -> LabelScore:
    score = LabelScore()
    for _, body, url, labels in pages:
        score.add(extract_links(body, url), labels)
    return score


def write_model(params: dict, note: str) -> None:
    weights = "\n".join(f"    {w!r},  # {name}" for w, name in zip(params["weights"], placement.FEATURE_NAMES))
    MODEL_FILE.write_text(
        '"""Placement model parameters, written by bench/placement_cv.py --write; do not edit by hand.\n\n'
        f"{note}\n"
        '"""\n'
        f"WEIGHTS = (\n{weights}\n)\n"
        f"BIAS = {params['bias']!r}\n"
        f"THRESHOLD = {params['threshold']!r}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="train on all three corpora and write the model")
    parser.add_argument("--folds", type=int, default=10, help="site-grouped folds (default 10)")
    args = parser.parse_args()
    root = corpora_root()
    pages = {s: load_pages(root, s) for s in SOURCES}
    SITES.update((pid, _site(url)) for s in SOURCES for pid, _, url, _ in pages[s])
    rows = {s: labelled_rows(pages[s]) for s in SOURCES}
    shipped = placement.MODEL
    try:
        loso = leave_one_source_out(pages, rows)
        kfold = site_folds(pages, rows, args.folds)
    finally:
        placement.MODEL = shipped
    if args.write:
        params = fit([r for s in SOURCES for r in rows[s]])
        figures = "\n".join(
            f"- {s}: {kfold[s].f1:.3f} ({args.folds} folds grouped by site), {loso[s].f1:.3f} (source held out)"
            for s in SOURCES
        )
        write_model(params, f"Logistic regression over placement.features(), {params['choice']}, body threshold\n"
                            f"{params['threshold']}, chosen by 5-fold cross-validation grouped by site.\n"
                            f"Held-out body F1 (pages of sites the model was not trained on):\n{figures}")
        print(f"wrote {MODEL_FILE.relative_to(ROOT)} ({params['choice']}, threshold {params['threshold']})")
    return 0


def leave_one_source_out(pages: dict, rows: dict) -> dict[str, LabelScore]:
    """Per corpus: trained on the other two corpora, scored on this one through the extractor."""
    held_out = {}
    for source in SOURCES:
        params = fit([r for s in SOURCES if s != source for r in rows[s]])
        install(params)
        held_out[source] = score_corpus(pages[source])
        print(f"source held out: {source:12} ({params['choice']}, threshold {params['threshold']}): "
              f"{held_out[source]}", flush=True)
    return held_out


def site_folds(pages: dict, rows: dict, folds: int) -> dict[str, LabelScore]:
    """Per corpus: each page scored by a model trained on the folds (grouped by site, all three corpora
    pooled) that hold neither the page nor any page of its site."""
    from sklearn.model_selection import GroupKFold

    flat = [(s, page) for s in SOURCES for page in pages[s]]
    held_out = {s: LabelScore() for s in SOURCES}
    groups = [SITES[page[0]] for _, page in flat]
    for train, test in GroupKFold(n_splits=folds).split(flat, groups=groups):
        train_pages = {flat[i][1][0] for i in train}
        install(fit([r for s in SOURCES for r in rows[s] if r[0] in train_pages]))
        for i in test:
            source, (_, body, url, labels) = flat[i]
            held_out[source].add(extract_links(body, url), labels)
    for source in SOURCES:
        print(f"{folds} site folds:  {source:12} {held_out[source]}", flush=True)
    return held_out


if __name__ == "__main__":
    sys.exit(main())
