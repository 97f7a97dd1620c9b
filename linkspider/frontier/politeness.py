"""Politeness across the cluster: robots.txt Crawl-delay, recorded once in Redis for every worker.

The enforcement itself (at most N leases in flight per registered domain, a minimum delay between
hand-outs, counted from the later of the previous hand-out and the previous completion) lives in the
lease and ack Lua scripts of :mod:`.queue`, atomic with the queue operations. This module turns a
robots.txt response into a per-domain delay.
"""
from __future__ import annotations

import logging

from protego import Protego

logger = logging.getLogger(__name__)

__all__ = ["crawl_delay_from_robots", "effective_crawl_delay", "is_robots_url"]


def is_robots_url(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path == "/robots.txt" and parts.scheme in ("http", "https")


def crawl_delay_from_robots(body: bytes | str, user_agent: str) -> float | None:
    """The Crawl-delay a robots.txt asks of ``user_agent`` (or of ``*``), None when it sets none."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        delay = Protego.parse(text).crawl_delay(user_agent)
    except (ValueError, TypeError) as exc:
        logger.debug("unparsable robots.txt: %s", exc)
        return None
    return float(delay) if delay is not None and delay >= 0 else None


def effective_crawl_delay(asked: float | None, configured: float, cap: float) -> float | None:
    """The delay to record: what robots.txt asks, capped at ``cap``; None when it adds nothing.

    ``cap`` 0 turns Crawl-delay off. A site asking for an hour between pages would otherwise take
    a slot of the crawl forever.
    """
    if asked is None or cap <= 0:
        return None
    delay = min(asked, cap)
    return delay if delay > configured else None
