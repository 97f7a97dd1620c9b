"""Where a link sits on its page: body, nav, header, sidebar, footer or comment.

Semantic elements and ARIA roles are the easy half; most sites mark their boilerplate only with
class and id names, so those are read with a small general vocabulary (menu, sidebar, related,
share, comment...), never with names taken from particular sites. The nearest marked ancestor
decides, so a "related articles" box inside an article is not body.
"""
from __future__ import annotations

import re

from lxml import etree

__all__ = ["PLACEMENTS", "assign_placements", "evidence_of"]

PLACEMENTS = ("body", "nav", "header", "sidebar", "footer", "comment")

_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "sidebar", "menu": "nav"}
_ROLES = {
    "navigation": "nav",
    "menu": "nav",
    "menubar": "nav",
    "banner": "header",
    "contentinfo": "footer",
    "complementary": "sidebar",
    "comment": "comment",
}
# General web vocabulary in class and id names; checked in this order. ``(?<![a-z])`` keeps short
# words from matching inside longer ones ("nav" in "canvas").
_VOCAB = [
    ("comment", r"comment|disqus|(?<![a-z])respond|(?<![a-z])repl(?:y|ies)(?![a-z])|discussion"),
    ("footer", r"footer|colophon|copyright|site-?info"),
    ("header", r"(?<![a-z])header|masthead|(?<![a-z])top-?bar|branding"),
    ("nav", r"(?<![a-z])nav(?!er)|menu|breadcrumb|pagination|(?<![a-z])pager|skip-?link"),
    (
        "sidebar",
        r"sidebar|side-bar|(?<![a-z])aside|widget|(?<![a-z])rail(?![a-z])|related|recommend|promo"
        r"|sponsor|advert|(?<![a-z])ads?(?![a-z])|(?<![a-z])shar(?:e|ing)|social|trending|popular"
        r"|most-?read|newsletter|subscri|outbrain|taboola",
    ),
]
_VOCAB_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _VOCAB))
_NAMES_CACHE: dict[str, str | None] = {}


def _names_evidence(names: str) -> str | None:
    """Placement named by a lowercase "class id" string; cached, since pages repeat their class names."""
    hit = _NAMES_CACHE.get(names, _NAMES_CACHE)
    if hit is not _NAMES_CACHE:
        return hit  # type: ignore[return-value]
    best = None
    for m in _VOCAB_RE.finditer(names):
        name = m.lastgroup
        if best is None or _ORDER[name] < _ORDER[best]:
            best = name
    if len(_NAMES_CACHE) > 50_000:
        _NAMES_CACHE.clear()
    _NAMES_CACHE[names] = best
    return best


_ORDER = {name: i for i, (name, _) in enumerate(_VOCAB)}
_CANDIDATES = etree.XPath(
    "//*[@class or @id or @role] | //nav | //header | //footer | //aside | //menu"
)


def evidence_of(el) -> str | None:
    """The placement an element's tag, role, class or id names, or None."""
    role = el.get("role")
    if role:
        for token in role.lower().split():
            if token in _ROLES:
                return _ROLES[token]
    tag = el.tag
    if tag in _TAGS:
        return _TAGS[tag]
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return _names_evidence(names) if names != " " else None


def assign_placements(root, anchors: list) -> list[str]:
    """Placement of each element in ``anchors`` (elements of the tree under ``root``), in order."""
    marked: dict = {}
    for el in _CANDIDATES(root):
        if el.tag in ("html", "body"):
            continue
        placement = evidence_of(el)
        if placement is None:
            continue
        for a in el.iter("a", "area"):
            marked[a] = placement  # document order: a nearer (inner) container overrides
    return [marked.get(a, "body") for a in anchors]
