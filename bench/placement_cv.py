"""Placement model: features of labelled anchors, cross-validated training, held-out F1 per corpus."""
from __future__ import annotations

import re

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
