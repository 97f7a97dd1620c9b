"""Text rules for anchors and alt text: whitespace collapsing and the length caps."""
from __future__ import annotations

from linkspider.defaults import LINKSPIDER_MAX_ANCHOR_CHARS, LINKSPIDER_MAX_URL_LENGTH

__all__ = ["DEFAULT_MAX_ANCHOR_CHARS", "DEFAULT_MAX_URL_LENGTH", "cap_text", "collapse_ws"]

DEFAULT_MAX_ANCHOR_CHARS: int = LINKSPIDER_MAX_ANCHOR_CHARS
DEFAULT_MAX_URL_LENGTH: int = LINKSPIDER_MAX_URL_LENGTH


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (Unicode, NBSP included) to one space and strip the ends.

    Extraction inlines the same expression in its hot loop; this is the rule's one name.
    """
    return " ".join(text.split())


def cap_text(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters (no trailing space left at the cut); 0 means no cap."""
    if limit <= 0 or len(text) <= limit:
        return text
    return text[:limit].rstrip()
