"""``report anchors``: the anchor profile of a target, each distinct anchor put in one class.

Classes, tried in this order (also in the README):

- ``image_or_empty``: the link has no anchor text (an image link counts here even with an ``alt``;
  its alt is what the top list shows);
- ``naked_url``: the text looks like a URL (``https://...``, ``www.x.com``, ``x.com/page``);
- ``brand``: the text contains the target's brand name, the registered domain without its public
  suffix (``bbc`` for ``bbc.co.uk``), ignoring case, spaces and punctuation;
- ``generic``: the whole text is one of :data:`GENERIC_ANCHORS` ("click here", "read more"...);
- ``other``: everything else, mostly keyword anchors. A high share here is the over-optimized
  profile an analyst looks for.

The pipeline only groups links by (text, alt, link type); the classification is the pure
function :func:`classify_anchor`, so the rule is in one place and tested directly.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from linkspider.domains import brand_name
from linkspider.reports.targets import Target, editorial_filter, followed_filter, target_domain, target_filter

__all__ = [
    "ANCHOR_CLASSES",
    "GENERIC_ANCHORS",
    "anchor_text_of",
    "anchors_pipeline",
    "anchors_result",
    "classify_anchor",
]

ANCHOR_CLASSES = ("brand", "naked_url", "generic", "image_or_empty", "other")

#: Generic anchors per language, compared with the whole anchor after :func:`_words`
#: (lower case, punctuation dropped, spaces collapsed). Small on purpose: extend it here.
GENERIC_ANCHORS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {
            "click here",
            "here",
            "read more",
            "more",
            "learn more",
            "more info",
            "more information",
            "website",
            "this website",
            "web site",
            "site",
            "this site",
            "link",
            "this link",
            "home",
            "homepage",
            "home page",
            "source",
            "view",
            "details",
            "see more",
            "continue reading",
            "find out more",
            "visit",
            "visit website",
            "visit site",
            "go",
            "download",
            "this",
            "article",
            "this article",
            "official website",
            "visit our website",
            "check it out",
        }
    ),
    "de": frozenset(
        {
            "hier",
            "hier klicken",
            "klicken sie hier",
            "mehr",
            "weiterlesen",
            "mehr erfahren",
            "webseite",
            "website",
            "zur website",
            "quelle",
            "link",
            "startseite",
            "mehr infos",
        }
    ),
    "fr": frozenset(
        {
            "ici",
            "cliquez ici",
            "en savoir plus",
            "lire la suite",
            "plus",
            "site",
            "site web",
            "source",
            "lien",
            "accueil",
            "voir",
            "voir plus",
        }
    ),
    "es": frozenset(
        {
            "aquí",
            "aqui",
            "haga clic aquí",
            "haz clic aquí",
            "leer más",
            "más",
            "mas",
            "más información",
            "sitio web",
            "web",
            "fuente",
            "enlace",
            "inicio",
            "ver más",
        }
    ),
}
_GENERIC = frozenset().union(*GENERIC_ANCHORS.values())

_URL = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|www\.\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?)$",
    re.I,
)
_PUNCT = re.compile(r"[^\w\s]+")


def _words(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: ``"Click HERE!"`` -> ``"click here"``."""
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def _squeezed(text: str) -> str:
    """Letters and digits only, for brand matching: ``"The BBC-News"`` -> ``"thebbcnews"``."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def anchor_text_of(anchor_text: str | None, alt: str | None) -> str:
    """The anchor as reports show it: the text, else the image ``alt`` (as ``report backlinks``)."""
    return anchor_text or alt or ""


def classify_anchor(text: str | None, *, brand: str, link_type: str | None = None) -> str:
    """One of :data:`ANCHOR_CLASSES` for a link's anchor text (see the module docstring for the order)."""
    raw = (text or "").strip()
    if not raw:
        return "image_or_empty"
    if _URL.match(raw):
        return "naked_url"
    squeezed_brand = _squeezed(brand)
    if squeezed_brand and squeezed_brand in _squeezed(raw):
        return "brand"
    words = _words(raw)
    if not words:
        return "image_or_empty" if link_type == "img" else "other"
    if words in _GENERIC:
        return "generic"
    return "other"


def anchors_pipeline(target: Target, *, include_lost: bool = False, followed: bool = False,
                     min_body_score: float | None = None) -> list[dict[str, Any]]:
    """Links to ``target`` grouped by ``[anchor_text, alt, link_type]`` (few rows: one per distinct anchor)."""
    match = target_filter(target, include_lost=include_lost)
    if followed:
        match.update(followed_filter())
    if min_body_score is not None:
        match.update(editorial_filter(min_body_score))
    return [
        {"$match": match},
        {"$project": {"_id": 0, "anchor_text": 1, "alt": 1, "link_type": 1}},
        {"$group": {"_id": ["$anchor_text", "$alt", "$link_type"], "count": {"$sum": 1}}},
    ]


def anchors_result(
    rows: list[dict[str, Any]], *, target: Target, top: int, include_lost: bool = False, followed: bool = False,
    min_body_score: float | None = None,
) -> dict[str, Any]:
    """Shares per class and the ``top`` anchors of each class (an anchor's count sums its link types)."""
    brand = brand_name(target_domain(target))
    counts = dict.fromkeys(ANCHOR_CLASSES, 0)
    per_class: dict[str, dict[str, int]] = {c: {} for c in ANCHOR_CLASSES}
    for row in rows:
        text, alt, link_type = (list(row["_id"]) + [None, None, None])[:3]
        text = text if isinstance(text, str) else ""
        alt = alt if isinstance(alt, str) else ""
        n = int(row["count"])
        cls = classify_anchor(text, brand=brand, link_type=link_type)
        counts[cls] += n
        shown = " ".join(anchor_text_of(text, alt).split())
        per_class[cls][shown] = per_class[cls].get(shown, 0) + n
    total = sum(counts.values())
    classes = []
    for cls in ANCHOR_CLASSES:
        ranked = sorted(per_class[cls].items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        classes.append(
            {
                "class": cls,
                "links": counts[cls],
                "share": counts[cls] / total if total else 0.0,
                "distinct_anchors": len(per_class[cls]),
                "top_anchors": [{"value": v, "count": c} for v, c in ranked],
            }
        )
    return {
        "target": target.as_dict(),
        "brand": brand,
        "include_lost": include_lost,
        "followed_only": followed,
        "min_body_score": min_body_score,
        "links": total,
        "classes": classes,
        "settings": {"top": top},
    }
