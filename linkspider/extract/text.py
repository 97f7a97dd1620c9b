"""Text helpers for anchors: whitespace collapsing and the length cap."""
from __future__ import annotations

from linkspider.defaults import LINKSPIDER_MAX_ANCHOR_CHARS, LINKSPIDER_MAX_URL_LENGTH

__all__ = ["DEFAULT_MAX_ANCHOR_CHARS", "DEFAULT_MAX_URL_LENGTH", "cap_text", "collapse_ws", "element_text"]

DEFAULT_MAX_ANCHOR_CHARS: int = LINKSPIDER_MAX_ANCHOR_CHARS
DEFAULT_MAX_URL_LENGTH: int = LINKSPIDER_MAX_URL_LENGTH


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (Unicode, NBSP included) to one space and strip the ends."""
    return " ".join(text.split())


def cap_text(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters (no trailing space left at the cut); 0 means no cap."""
    if limit <= 0 or len(text) <= limit:
        return text
    return text[:limit].rstrip()


def element_text(el) -> str:
    """Visible text of an element (its own tail excluded), whitespace collapsed."""
    return " ".join("".join(el.itertext()).split())
