"""Where a link sits on its page: body, nav, header, sidebar, footer or comment.

Two sources of evidence, both read from the same lxml tree the links come from:

1. The main content block, found the way readability-style extractors find it: paragraphs score
   their parent and grandparent by text length and commas, scores are damped by link density
   and nudged by class/id vocabulary ("article", "content" up; "sidebar", "comment" down), and the
   best block plus its similar siblings is the article.
2. Boilerplate markers: semantic elements (``nav``, ``header``, ``footer``, ``aside``, ``figure``), ARIA roles,
   and class/id names from a small general vocabulary (menu, sidebar, related, share, comment...),
   never names taken from particular sites. The nearest marked ancestor decides, so a "related
   articles" box inside an article is not body.

A link inside the main block and under no marker there is ``body``. A link outside it takes its
marker's placement, or, unmarked, ``header`` before the main block and ``footer`` after it. When a
page has no main block (a home page, a listing), every unmarked link is ``body``.
"""
from __future__ import annotations

import re
from itertools import islice

from lxml import etree

__all__ = ["PLACEMENTS", "assign_placements", "evidence_of", "find_main_content", "marker_of"]

PLACEMENTS = ("body", "nav", "header", "sidebar", "footer", "comment")

_TAGS = {
    "nav": "nav", "header": "header", "footer": "footer", "aside": "sidebar", "menu": "nav",
    "figure": "sidebar", "figcaption": "sidebar",
}
_ROLES = {
    "navigation": "nav",
    "menu": "nav",
    "menubar": "nav",
    "menuitem": "nav",
    "banner": "header",
    "contentinfo": "footer",
    "complementary": "sidebar",
    "comment": "comment",
}
# General web vocabulary, matched against the words of class and id names: names are split into
# words at hyphens, underscores, digits and camelCase humps ("StoryShareBottom" -> story, share,
# bottom), and each word, and a word joined to its neighbour ("side"+"bar"), is matched on its own,
# so "nav" matches "navbar" and "main-nav" but not "canvas". Most specific placement first.
_VOCAB = [
    ("comment", r"comment|disqus|^respond|^repl(?:y|ies)$|discussion"),
    ("footer", r"footer|colophon|copyright|^siteinfo$"),
    ("header", r"^header|masthead|^topbar$|branding|byline"),
    (
        "nav",
        r"^nav(?:$|s$|bar|igation|link|menu|list|wrap|item)|[a-z]nav$|menu|breadcrumb|pagination|^pager"
        r"|^skiplinks?$|^(?:next|prev|previous)$",
    ),
    (
        "sidebar",
        r"sidebar|^aside|widget|^rail$|related|similar|recommend|promo|sponsor|advert|^ads?$"
        r"|^shar(?:e|ing)(?!d)|social|trending|popular|^mostread$|newsletter|subscri|outbrain|taboola",
    ),
]
_ORDER = {name: i for i, (name, _) in enumerate(_VOCAB)}
_VOCAB_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _VOCAB))
# Content vocabulary: class/id names that say "this is the article".
_POSITIVE_RE = re.compile(r"article|^body|content|entry|^main|^post|story|^text|blog")

_WORD = re.compile(r"[A-Z]*[a-z]+|[A-Z]+")
_LOWER_WORD = re.compile(r"[a-z]+")
# First halves of vocabulary words that sites also write as two ("side-bar", "top_bar", "mostRead").
_PAIR_FIRST = frozenset({"side", "top", "most", "site", "skip", "bread", "nav", "foot", "head"})
_WORD_CACHE: dict[str, tuple[str | None, bool]] = {}
_TOKEN_CACHE: dict[str, tuple[str | None, bool]] = {}
_CACHE_MAX = 100_000


def _word_class(word: str) -> tuple[str | None, bool]:
    """(placement named by one lowercase word or None, whether it is content vocabulary); cached."""
    hit = _WORD_CACHE.get(word)
    if hit is None:
        best = None
        for m in _VOCAB_RE.finditer(word):
            name = m.lastgroup
            if best is None or _ORDER[name] < _ORDER[best]:  # type: ignore[index]
                best = name
        hit = (best, bool(_POSITIVE_RE.search(word)))
        if len(_WORD_CACHE) > _CACHE_MAX:
            _WORD_CACHE.clear()
        _WORD_CACHE[word] = hit
    return hit


def _token_class(token: str) -> tuple[str | None, bool]:
    """(placement named by one class token or id, whether it has content vocabulary); cached.

    Tokens ("menu-item", "col-md-8", "clearfix") recur across sites far more than whole class strings.
    """
    hit = _TOKEN_CACHE.get(token)
    if hit is not None:
        return hit
    words = _LOWER_WORD.findall(token) if token.islower() else [w.lower() for w in _WORD.findall(token)]
    best = None
    positive = False
    for k, word in enumerate(words):
        found, pos = _word_class(word)
        if k and found is None and words[k - 1] in _PAIR_FIRST:
            found = _word_class(words[k - 1] + word)[0]
        positive = positive or pos
        if found is not None and (best is None or _ORDER[found] < _ORDER[best]):
            best = found
    hit = (best, positive)
    if len(_TOKEN_CACHE) > _CACHE_MAX:
        _TOKEN_CACHE.clear()
    _TOKEN_CACHE[token] = hit
    return hit


def _classify_names(names: str) -> tuple[str | None, bool]:
    """(placement named by a class/id string or None, whether it has content vocabulary)."""
    best = None
    positive = False
    for token in names.split():
        found, pos = _token_class(token)
        positive = positive or pos
        if found is not None and (best is None or _ORDER[found] < _ORDER[best]):
            best = found
    return best, positive


def _names_evidence(names: str) -> str | None:
    """Placement a class/id string names, or None."""
    return _classify_names(names)[0]


_NAMES_CACHE: dict[tuple, str | None] = {}


def _marker(tag, items: list) -> str | None:
    """Placement named by an element's tag and attribute pairs (role, then tag, then class/id)."""
    role = cls = ident = None
    for name, value in items:
        if name == "class":
            cls = value
        elif name == "id":
            ident = value
        elif name == "role":
            role = value
    if role is None and cls is None and ident is None:
        return _TAGS.get(tag)
    return marker_of(tag, role, cls, ident)


def marker_of(tag, role: str | None, cls: str | None, ident: str | None) -> str | None:
    """Placement named by an element's role, tag, class or id (in that order of trust), or None."""
    key = (role, tag, cls, ident)
    hit = _NAMES_CACHE.get(key, _NAMES_CACHE)
    if hit is not _NAMES_CACHE:
        return hit  # type: ignore[return-value]
    found = None
    if role:
        for token in role.lower().split():
            if token in _ROLES:
                found = _ROLES[token]
                break
    if found is None:
        found = _TAGS.get(tag)
    if found is None and (cls or ident):
        found = _names_evidence(f"{cls or ''} {ident or ''}")
    if len(_NAMES_CACHE) > _CACHE_MAX:
        _NAMES_CACHE.clear()
    _NAMES_CACHE[key] = found
    return found


def evidence_of(el) -> str | None:
    """The placement an element's role, tag, class or id names (in that order of trust), or None."""
    return _marker(el.tag, el.items())


_WEIGHT_CACHE: dict[tuple, int] = {}


def _class_weight(items: list) -> int:
    """Readability's class weight: +25 for content vocabulary, -25 for boilerplate, per class and id."""
    cls = ident = None
    for name, value in items:
        if name == "class":
            cls = value
        elif name == "id":
            ident = value
    if cls is None and ident is None:
        return 0
    key = (cls, ident)
    weight = _WEIGHT_CACHE.get(key)
    if weight is not None:
        return weight
    weight = 0
    for value in key:
        if not value:
            continue
        found, positive = _classify_names(value)
        if found is not None:
            weight -= 25
        if positive:
            weight += 25
    if len(_WEIGHT_CACHE) > _CACHE_MAX:
        _WEIGHT_CACHE.clear()
    _WEIGHT_CACHE[key] = weight
    return weight


_TAG_WEIGHT = {
    "div": 5, "article": 10, "main": 10, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "form": -3, "ul": -3, "ol": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "address": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}
_PARAGRAPHS = ("p", "pre", "td", "blockquote")
# Inline elements: their class names are never read (they style text; blocks carry the markers).
_INLINE = frozenset(
    {"span", "strong", "em", "b", "i", "u", "small", "font", "time", "abbr", "cite", "sup", "sub", "img",
     "picture", "label", "mark", "code", "big", "s", "q", "bdi", "bdo", "data", "var", "kbd", "wbr"}
)
# Tags whose class names are not read once an ancestor has marked the block (they would only
# turn, say, a footer link into a nav link); most links of a page sit in such list items.
_MINOR = frozenset(
    {"li", "span", "strong", "em", "b", "i", "u", "small", "font", "time", "abbr", "cite", "sup", "sub", "img",
     "picture", "h1", "h2", "h3", "h4", "h5", "h6", "p", "label", "mark", "code"}
)
_MIN_PARAGRAPH = 25
_MIN_MAIN_SCORE = 20.0
_MAX_PARAGRAPHS = 3000
_LINK_ONLY = 0.8  # a paragraph whose text is at least this share of link text is a link, not prose
_TOP_CANDIDATES = 3


def _text(el) -> str:
    """All text under an element, its own tail excluded."""
    if len(el):
        return etree.tostring(el, method="text", encoding=str, with_tail=False)
    return el.text or ""


def find_main_content(root, link_chars: dict | None = None) -> list:
    """The elements that make up the page's main content (best block and similar blocks), or []."""
    return _analyse(root, link_chars or {})[0]


def _analyse(root, link_chars: dict) -> tuple[list, set]:
    """(main content blocks, link-only paragraphs) of a page.

    A paragraph whose text is nearly all link text ("Read more: ...", a lone headline link) is
    navigation or a related-content teaser even inside an article, as in jusText and boilerpipe
    where a block's link density decides.
    """
    scores: dict = {}
    classes: dict = {}
    link_only: set = set()
    get_chars = link_chars.get
    tag_weight = _TAG_WEIGHT.get

    paragraphs = list(islice(root.iter(*_PARAGRAPHS), _MAX_PARAGRAPHS))  # enough for any article
    seen_br_parents = set()
    for br in islice(root.iter("br"), _MAX_PARAGRAPHS):
        parent = br.getparent()
        if parent is not None and parent.tag not in _PARAGRAPHS and parent not in seen_br_parents:
            seen_br_parents.add(parent)
            paragraphs.append(parent)
    for p in paragraphs:
        text = _text(p)
        length = len(text.strip())
        linked = 0
        if len(p):
            for a in p.iter("a"):
                linked += get_chars(a, 0)
            if linked and linked >= _LINK_ONLY * length and p.tag == "p":
                link_only.add(p)
                continue
        if length < _MIN_PARAGRAPH or linked >= length:
            continue
        score = (1 + text.count(",") + min(length // 100, 3)) * (1.0 - linked / length)
        el = p.getparent()
        for share in (1.0, 0.5, 1 / 3):
            if el is None:
                break
            current = scores.get(el)
            if current is None:
                tag = el.tag
                if not isinstance(tag, str):
                    break
                items = el.items()
                current = tag_weight(tag, 0) + _class_weight(items)
                for name, value in items:
                    if name == "class":
                        classes[el] = value
                        break
            scores[el] = current + score * share
            el = el.getparent()
    if not scores:
        return [], link_only
    top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:_TOP_CANDIDATES]
    best = None
    best_score = 0.0
    for el, raw in top:
        total = len(_text(el).strip()) or 1
        linked = 0
        for a in el.iter("a"):
            linked += get_chars(a, 0)
        final = raw * (1.0 - min(1.0, linked / total))
        scores[el] = final
        if final > best_score:
            best, best_score = el, final
    if best is None or best_score < _MIN_MAIN_SCORE:
        return [], link_only
    content = [best]
    parent = best.getparent()
    if parent is not None:
        threshold = max(10.0, best_score * 0.2)
        for sibling in parent:
            if sibling is not best and scores.get(sibling, 0.0) >= threshold:
                content.append(sibling)
    # Articles split into chunks (ads or embeds between them) repeat the best block's tag and class.
    best_class = classes.get(best)
    if best_class:
        best_tag = best.tag
        for el, cls in classes.items():
            if cls == best_class and el.tag == best_tag and el not in content:
                content.append(el)
    return content, link_only


def assign_placements(root, anchors: list, link_chars: dict | None = None) -> list[str]:
    """Placement of each element in ``anchors`` (``a``/``area`` elements under ``root``), in order.

    ``link_chars`` maps an anchor element to the length of its text (for link density). Only the
    ancestors of links are examined, each once: a link's placement comes from the nearest marked
    ancestor, found by walking up until an already examined element (the anchor's own attributes
    are not read: a link is not a block).
    """
    main, link_only = _analyse(root, link_chars or {})
    main_set = set(main)
    above_main: set = set()  # the main blocks and their ancestors: their markers describe the page
    for block in main:
        el = block
        while el is not None and el not in above_main:
            above_main.add(el)
            el = el.getparent()
    state: dict = {}  # element -> (nearest marker's placement or None, inside main content)
    get_state = state.get
    no_state = (None, False)
    tags = _TAGS
    inline = _INLINE
    minor = _MINOR
    names_get = _NAMES_CACHE.get
    out = []
    after_main = False
    for a in anchors:
        el = a.getparent()
        st = get_state(el)
        if st is None:
            chain = []
            while el is not None:
                st = get_state(el)
                if st is not None:
                    break
                chain.append(el)
                el = el.getparent()
            if st is None:
                st = no_state
            for el in reversed(chain):
                tag = el.tag
                marker = None
                if tag not in inline and (st[0] is None or tag not in minor):
                    # inline tags never mark; inside a marked block list items only refine it
                    cls = el.get("class")
                    ident = el.get("id")
                    role = el.get("role")
                    if cls is None and ident is None and role is None:
                        marker = tags.get(tag)
                    else:
                        key = (role, tag, cls, ident)
                        marker = names_get(key, key)
                        if marker is key:
                            marker = marker_of(tag, role, cls, ident)
                    if marker is None and el in link_only:
                        marker = "sidebar"
                    if marker is not None:
                        if el in above_main:
                            marker = None
                        else:
                            st = (marker, st[1])
                if el in main_set:
                    st = (st[0] if marker is None else marker, True)
                state[el] = st
        placement, inside = st
        if placement is None:
            if not main or inside:
                placement = "body"
            else:
                placement = "footer" if after_main else "header"
        if inside:
            after_main = True
        out.append(placement)
    return out
