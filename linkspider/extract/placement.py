"""Where a link sits on its page: body, nav, header, sidebar, footer or comment.

Every rule is here, in Python, read from the same parsed page (selectolax/Lexbor) the links come from:

1. The main content block, found the way readability-style extractors find it: paragraphs score
   their parent and grandparent by text length and commas, damped by link density and nudged by
   class/id vocabulary; the best block plus its similar siblings is the article.
2. Boilerplate markers: semantic elements (``nav``, ``header``, ``footer``, ``aside``, ``figure``), ARIA
   roles, and class/id words from a small general vocabulary (menu, sidebar, related, share,
   comment...), never names taken from particular sites. The nearest marked ancestor names the marker.
3. Block evidence, as boilerpipe and jusText weigh it: the tag, text length and link density of the
   link's block, of the block above it and of its nearest ancestor with a few hundred characters.

:func:`anchor_rows` gathers that evidence per link, :func:`features` turns a row into numbers, and a
logistic model (weights trained offline by ``bench/placement_cv.py`` with cross-validation across
sites and corpora, shipped in ``_model.py``) scores it: at or above the threshold the link is
``body``; otherwise it takes its marker's placement, or, unmarked, ``header`` before the main block and
``footer`` after it. The score is kept on each link as the evidence.
"""
from __future__ import annotations

import math
import operator
import re
from typing import NamedTuple

from linkspider.extract import _model

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
# Entries: "x" anywhere in the word, "^x" at its start, "x$" at its end, "^x$" the whole word,
# "^x!c" at its start and not followed by the character c. A word names the most specific placement
# any of its entries matches.
_VOCAB: list[tuple[str, tuple[str, ...]]] = [
    ("comment", ("comment", "disqus", "^respond", "^reply$", "^replies$", "discussion")),
    ("footer", ("footer", "colophon", "copyright", "^siteinfo$")),
    ("header", ("^header", "masthead", "^topbar$", "branding", "byline")),
    ("nav", (
        "^navs$", "^navbar", "^navigation", "^navlink", "^navmenu", "^navlist", "^navwrap", "^navitem",
        "nav$", "menu", "breadcrumb", "pagination", "^pager", "^skiplink$", "^skiplinks$",
        "^next$", "^prev$", "^previous$",
    )),
    ("sidebar", (
        "sidebar", "^aside", "widget", "^rail$", "related", "similar", "recommend", "promo", "sponsor", "advert",
        "^ad$", "^ads$", "^share!d", "^sharing!d", "social", "trending", "popular", "^mostread$", "newsletter",
        "subscri", "outbrain", "taboola",
    )),
]
_ORDER = {name: i for i, (name, _) in enumerate(_VOCAB)}
# Content vocabulary: class/id names that say "this is the article" (same entry forms).
_POSITIVE = ("article", "^body", "content", "entry", "^main", "^post", "story", "^text", "blog")

ANYWHERE, START, END, WHOLE = 0, 1, 2, 3


def _parse_entry(entry: str) -> tuple[int, str, str]:
    """A vocabulary entry as (where, literal, character that must not follow a START match or "")."""
    literal, _, stop = entry.partition("!")
    if literal.startswith("^") and literal.endswith("$"):
        return WHOLE, literal[1:-1], stop
    if literal.startswith("^"):
        return START, literal[1:], stop
    if literal.endswith("$"):
        return END, literal[:-1], stop
    return ANYWHERE, literal, stop


#: The vocabulary parsed: ((placement, entries), ...) in _VOCAB order, and the content entries.
VOCAB_ENTRIES = tuple((name, tuple(map(_parse_entry, entries))) for name, entries in _VOCAB)
POSITIVE_ENTRIES = tuple(map(_parse_entry, _POSITIVE))


def _matches(word: str, entries: tuple[tuple[int, str, str], ...]) -> bool:
    for where, literal, stop in entries:
        if where == ANYWHERE:
            if literal in word:
                return True
        elif where == START:
            if word.startswith(literal) and not (stop and word[len(literal) : len(literal) + 1] == stop):
                return True
        elif where == END:
            if word.endswith(literal):
                return True
        elif word == literal:
            return True
    return False


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
        best = next((name for name, entries in VOCAB_ENTRIES if _matches(word, entries)), None)
        hit = (best, _matches(word, POSITIVE_ENTRIES))
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
    if token.isalpha() and token.islower():  # one word ("clearfix", "sidebar")
        hit = _WORD_CACHE.get(token) or _word_class(token)
    else:
        words = _LOWER_WORD.findall(token) if token.islower() else [w.lower() for w in _WORD.findall(token)]
        word_hit = _WORD_CACHE.get
        best = None
        positive = False
        previous = ""
        for word in words:
            found, pos = word_hit(word) or _word_class(word)
            if found is None and previous in _PAIR_FIRST:
                found = _word_class(previous + word)[0]
            if pos:
                positive = True
            if found is not None and (best is None or _ORDER[found] < _ORDER[best]):
                best = found
            previous = word
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
    attrs = el.attributes
    return marker_of(el.tag, attrs.get("role"), attrs.get("class"), attrs.get("id"))


_WEIGHT_CACHE: dict[tuple, int] = {}
_CONTENT_CACHE: dict[tuple, bool] = {}


def _has_content_names(cls: str | None, ident: str | None) -> bool:
    """Whether a class or id has content vocabulary ("article", "post-body"); cached."""
    key = (cls, ident)
    hit = _CONTENT_CACHE.get(key)
    if hit is None:
        hit = _classify_names(f"{cls or ''} {ident or ''}")[1]
        if len(_CONTENT_CACHE) > _CACHE_MAX:
            _CONTENT_CACHE.clear()
        _CONTENT_CACHE[key] = hit
    return hit


def _class_weight(cls: str | None, ident: str | None) -> int:
    """Readability's class weight: +25 for content vocabulary, -25 for boilerplate, per class and id."""
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


class _Ancestry:
    """The ancestors of a page's links, each examined once, keyed by node identity (``mem_id``).

    selectolax hands out a new Python object for every node access (and compares nodes by their
    serialized HTML), so elements are known here by ``mem_id``. Walking up from each link until a
    known element gives every link ancestor's tag, class, id, role and parent, and the link text
    beneath each of them (for link density), without visiting the rest of the page.
    """

    __slots__ = ("chains", "info", "linked")

    def __init__(self, anchors: list, link_chars: list[int] | None) -> None:
        # element -> (tag, node or None for inline tags, parent element); attributes are read later, and
        # only where they can matter (about half of the ancestors are list items in a marked block)
        info: dict[int, tuple[str, object, int]] = {}
        chains: list[tuple[list[int], int]] = []  # per anchor: new ancestors bottom-up, first known one
        inline = _INLINE
        for a in anchors:
            el = a.parent
            chain: list[int] = []
            stop = 0
            while el is not None:
                i = el.mem_id
                if i in info:
                    stop = i
                    break
                tag = el.tag
                if tag == "-document":
                    break
                up = el.parent
                info[i] = (tag, None if tag in inline else el, up.mem_id if up is not None else 0)
                chain.append(i)
                el = up
            chains.append((chain, stop))
        linked: dict[int, int] = {}
        if link_chars:
            for (chain, stop), chars in zip(chains, link_chars):
                if chars:
                    i = chain[0] if chain else stop
                    linked[i] = linked.get(i, 0) + chars
            # Children before parents: a chain ends below an element found by an earlier chain, so
            # later chains first, each from the bottom up; each element passes its total up once.
            for chain, _ in reversed(chains):
                for i in chain:
                    chars = linked.get(i)
                    if chars:
                        up = info[i][2]
                        linked[up] = linked.get(up, 0) + chars
        self.info = info
        self.chains = chains
        self.linked = linked


def find_main_content(tree) -> list:
    """The elements that make up the page's main content (best block and similar blocks), or []."""
    anchors = tree.css("a[href]")
    chars = [len(" ".join(a.text_lexbor().split())) for a in anchors]
    nodes: dict[int, object] = {}
    main, _ = _analyse(tree, _Ancestry(anchors, chars).linked, nodes)
    return [nodes[i] for i in main]


def _analyse(
    tree, linked: dict[int, int], nodes: dict[int, object], scores: dict[int, float] | None = None
) -> tuple[list[int], set[int]]:
    """(main content blocks, link-only paragraphs) of a page, as ``mem_id``s; ``nodes`` gets the blocks.

    A paragraph whose text is nearly all link text ("Read more: ...", a lone headline link) is
    navigation or a related-content teaser even inside an article, as in jusText and boilerpipe
    where a block's link density decides.
    """
    if scores is None:
        scores = {}
    classes: dict[int, tuple[str, str]] = {}
    link_only: set[int] = set()
    get_linked = linked.get
    tag_weight = _TAG_WEIGHT.get

    paragraphs = []
    for tag in _PARAGRAPHS:  # tags() walks the tree once per tag, faster than one CSS list
        paragraphs += tree.tags(tag)
    if len(paragraphs) > _MAX_PARAGRAPHS:  # enough for any article
        del paragraphs[_MAX_PARAGRAPHS:]
    brs = tree.tags("br")
    if brs:
        seen = {p.mem_id for p in paragraphs}
        for br in brs[:_MAX_PARAGRAPHS]:
            parent = br.parent
            if parent is not None and parent.mem_id not in seen:
                seen.add(parent.mem_id)
                if parent.tag not in _PARAGRAPHS:
                    paragraphs.append(parent)
    for p in paragraphs:
        text = p.text_lexbor()
        length = len(text.strip())
        linked_chars = get_linked(p.mem_id, 0)
        if linked_chars and linked_chars >= _LINK_ONLY * length and p.tag == "p":
            link_only.add(p.mem_id)
            continue
        if length < _MIN_PARAGRAPH or linked_chars >= length:
            continue
        score = (1 + text.count(",") + min(length // 100, 3)) * (1.0 - linked_chars / length)
        el = p.parent
        for share in (1.0, 0.5, 1 / 3):
            if el is None:
                break
            i = el.mem_id
            current = scores.get(i)
            if current is None:
                tag = el.tag
                if tag == "-document":
                    break
                attrs = el.attributes
                cls = attrs.get("class")
                current = tag_weight(tag, 0) + _class_weight(cls, attrs.get("id"))
                nodes[i] = el
                if cls:
                    classes[i] = (tag, cls)
            scores[i] = current + score * share
            el = el.parent
    if not scores:
        return [], link_only
    top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:_TOP_CANDIDATES]
    best = 0
    best_score = 0.0
    for i, raw in top:
        total = len(nodes[i].text_lexbor().strip()) or 1
        final = raw * (1.0 - min(1.0, get_linked(i, 0) / total))
        scores[i] = final
        if final > best_score:
            best, best_score = i, final
    if not best or best_score < _MIN_MAIN_SCORE:
        return [], link_only
    content = [best]
    parent = nodes[best].parent
    if parent is not None:
        threshold = max(10.0, best_score * 0.2)
        for sibling in parent.iter():
            i = sibling.mem_id
            if i != best and scores.get(i, 0.0) >= threshold:
                nodes.setdefault(i, sibling)
                content.append(i)
    # Articles split into chunks (ads or embeds between them) repeat the best block's tag and class.
    best_class = classes.get(best)
    if best_class:
        for i, tag_class in classes.items():
            if tag_class == best_class and i not in content:
                content.append(i)
    return content, link_only


_CONTEXT_MIN = 400  # characters of text that make an ancestor the link's context (a section, not a list)
_PROSE = frozenset({"p", "blockquote", "dd", "pre"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CELLS = frozenset({"td", "th"})


def anchor_rows(
    tree, anchors: list, link_chars: list[int] | None = None, same_site: list[bool] | None = None
) -> list[tuple]:
    """The evidence about each node in ``anchors`` (``a``/``area`` elements of ``tree``, in page order).

    One row per anchor: (nearest marker's placement or None, inside a link-only paragraph, inside the
    main content, page has main content, after the main content, under content vocabulary, tag of the
    nearest block, its text length, its link text length, the same two for the block above it and for
    the nearest ancestor with at least ``_CONTEXT_MIN`` characters of text, the anchor's text length,
    whether its target is on the page's own site, the content score of its nearest scored ancestor as a
    share of the page's best). Only the ancestors of links are examined, each once; a marker on the main
    content or its ancestors describes the page layout, not the link, and is not read.
    """
    link_chars = link_chars or [0] * len(anchors)
    same_site = same_site or [True] * len(anchors)
    ancestry = _Ancestry(anchors, link_chars)
    nodes: dict[int, object] = {}
    scores: dict[int, float] = {}
    main, link_only = _analyse(tree, ancestry.linked, nodes, scores)
    top_score = max(scores.values(), default=0.0) or 1.0
    main_set = set(main)
    above_main: set[int] = set()  # the main blocks and their ancestors: their markers describe the page
    for i in main:
        el = nodes[i]
        while el is not None:
            j = el.mem_id
            if j in above_main:
                break
            above_main.add(j)
            el = el.parent
    info = ancestry.info
    linked = ancestry.linked
    # element -> (marker, inside main, in link-only paragraph, under content vocabulary, block, block above,
    # content score of the nearest scored ancestor as a share of the page's best)
    state: dict[int, tuple] = {}
    no_state = (None, False, False, False, 0, 0, 0.0)
    tags = _TAGS
    minor = _MINOR
    names_get = _NAMES_CACHE.get
    has_main = bool(main)
    texts: dict[int, int] = {}
    rows = []
    after_main = False
    context: dict[int, int] = {}  # element -> its nearest ancestor-or-self with enough text (0: none)

    def context_of(i: int) -> int:
        """The nearest ancestor-or-self of ``i`` with enough text (iterative: pages nest 1,500 deep)."""
        walked = []
        found = 0
        while i in info:
            hit = context.get(i)
            if hit is not None:
                found = hit
                break
            walked.append(i)
            _, node, up = info[i]
            if node is not None:
                if i not in texts:
                    texts[i] = len(" ".join(node.text_lexbor().split()))  # type: ignore[attr-defined]
                if texts[i] >= _CONTEXT_MIN:
                    found = i
                    break
            i = up
        for j in walked:
            context[j] = found
        return found

    for (chain, stop), chars, own_site in zip(ancestry.chains, link_chars, same_site):
        st = state.get(stop, no_state) if stop else no_state
        for i in reversed(chain):
            tag, node, _ = info[i]
            marker, inside, only, positive, block, up, share = st
            if i in scores:
                share = scores[i] / top_score
            if node is not None:
                up, block = block, i
                if marker is None or tag not in minor:
                    # inline tags (no node kept) never mark; inside a marked block list items only refine it
                    attrs = node.attributes  # type: ignore[attr-defined]
                    cls = attrs.get("class")
                    ident = attrs.get("id")
                    role = attrs.get("role")
                    found = None
                    if cls is None and ident is None and role is None:
                        found = tags.get(tag)
                    else:
                        key = (role, tag, cls, ident)
                        found = names_get(key, key)
                        if found is key:
                            found = marker_of(tag, role, cls, ident)
                        if not positive and (cls or ident) and i not in above_main:
                            positive = _has_content_names(cls, ident)
                    if found is not None and i not in above_main:
                        marker = found
            if i in link_only:
                only = True
            if i in main_set:
                inside = True
            st = (marker, inside, only, positive, block, up, share)
            state[i] = st
        marker, inside, only, positive, block, up, share = st
        if inside:
            after_main = True
        for b in (block, up):
            if b and b not in texts:
                texts[b] = len(" ".join(info[b][1].text_lexbor().split()))  # type: ignore[attr-defined]
        around = (context.get(up) or context_of(up)) if up else 0
        rows.append((
            marker, only, inside, has_main, after_main and not inside, positive,
            info[block][0] if block else "", texts.get(block, 0), linked.get(block, 0),
            texts.get(up, 0), linked.get(up, 0), texts.get(around, 0), linked.get(around, 0), chars, own_site, share,
        ))
    return rows


_MARKERS = ("nav", "header", "footer", "sidebar", "comment")
_MARKER_HOT = {None: (0, 0, 0, 0, 0), **{m: tuple(int(m == n) for n in _MARKERS) for m in _MARKERS}}
_log1p = math.log1p


def features(row: tuple) -> list[float]:
    """An anchor's row (:func:`anchor_rows`) as the numbers the placement model weighs (bools count as 0/1)."""
    (marker, only, inside, has_main, after, positive, tag, chars, linked, up_chars, up_linked,
     around_chars, around_linked, own, own_site, share) = row
    density = min(1.0, linked / chars) if chars else 1.0
    up_density = min(1.0, up_linked / up_chars) if up_chars else 1.0
    around_density = min(1.0, around_linked / around_chars) if around_chars else 1.0
    is_li = tag == "li"
    heading = tag in _HEADINGS
    link_list = is_li and up_density > 0.8
    return [
        inside, has_main, has_main and not inside, after, *_MARKER_HOT.get(marker, _MARKER_HOT[None]),
        only, positive, tag in _PROSE, is_li, heading, tag in _CELLS,
        _log1p(chars), density, _log1p(max(0, chars - linked)),
        _log1p(up_chars), up_density, _log1p(max(0, up_chars - up_linked)),
        around_density, link_list, _log1p(own), own_site, max(-1.0, min(1.5, share)),
        link_list and own_site, heading and up_density < 0.5, only and own_site, is_li and not own_site,
    ]


FEATURE_NAMES = (
    "in_main", "has_main", "out_of_main", "after_main", *(f"marker_{m}" for m in _MARKERS),
    "link_only", "content_vocab", "block_prose", "block_li", "block_heading", "block_cell",
    "log_block_chars", "block_link_density", "log_block_plain_chars",
    "log_up_chars", "up_link_density", "log_up_plain_chars", "context_link_density", "link_list",
    "log_anchor_chars", "same_site", "content_score_share",
    "site_link_list", "heading_in_prose", "site_link_only", "li_external",
)


class Model(NamedTuple):
    """A logistic model over :func:`features`: an anchor is body when its score reaches the threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def score(self, row: tuple) -> float:
        """Probability-like body score in [0, 1] of an anchor's row."""
        z = self.bias + sum(map(operator.mul, self.weights, features(row)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


#: The shipped model: parameters trained offline by bench/placement_cv.py (linkspider/extract/_model.py).
MODEL = Model(_model.WEIGHTS, _model.BIAS, _model.THRESHOLD)


def assign_placements(
    tree, anchors: list, link_chars: list[int] | None = None, same_site: list[bool] | None = None
) -> list[tuple[str, float]]:
    """(placement, body score) of each node in ``anchors`` (``a``/``area`` elements of ``tree``, page order).

    ``link_chars`` gives the length of each anchor's text (for link density), ``same_site`` whether
    its target is on the page's site. The model decides body or not; a link that is not body takes
    its nearest marker's placement, else ``sidebar`` in a link-only paragraph, else ``footer`` after
    the main content and ``header`` before it. On a page without main content (a home page, a
    listing: the labelled pages the model learned from are articles) an unmarked link is ``body``.
    The score (0 to 1, rounded to 3 places) is the evidence: reports can ask for body links above a
    stricter threshold.
    """
    model = MODEL
    threshold = model.threshold
    out = []
    scores: dict[tuple, float] = {}  # links of one list often share their whole row
    for row in anchor_rows(tree, anchors, link_chars, same_site):
        score = scores.get(row)
        if score is None:
            score = scores[row] = round(model.score(row), 3)
        if score >= threshold:
            out.append(("body", score))
            continue
        marker, only, _, has_main, after = row[:5]
        if marker is None:
            if only:
                marker = "sidebar"
            elif not has_main:  # a home page or a listing: no article to measure the link against
                marker = "body"
            else:
                marker = "footer" if after else "header"
        out.append((marker, score))
    return out
