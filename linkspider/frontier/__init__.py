"""The shared Redis frontier: leased hand-out, JSON entries, compact seen-sets, cluster politeness.

Scrapy settings that turn it on::

    SCHEDULER = "linkspider.frontier.FrontierScheduler"
    DUPEFILTER_CLASS = "linkspider.frontier.RedisSeenFilter"
    SPIDER_MIDDLEWARES = {"linkspider.frontier.FrontierAckMiddleware": 1}
    DOWNLOADER_MIDDLEWARES = {"linkspider.frontier.DomainDelayMiddleware": 960}
    EXTENSIONS = {"linkspider.frontier.IdleCloseExtension": 500}
"""
from __future__ import annotations

from .codec import Entry, RequestCodec
from .config import FrontierConfig
from .dupefilter import RedisSeenFilter
from .idle import IdleCloseExtension
from .keys import FrontierKeys
from .middleware import FrontierAckMiddleware
from .politeness import DomainDelayMiddleware
from .queue import Frontier, LeaseBatch, PushItem
from .scheduler import FrontierScheduler
from .seen import SeenConfig, SeenSet

__all__ = [
    "DomainDelayMiddleware",
    "Entry",
    "Frontier",
    "FrontierAckMiddleware",
    "FrontierConfig",
    "FrontierKeys",
    "FrontierScheduler",
    "IdleCloseExtension",
    "LeaseBatch",
    "PushItem",
    "RedisSeenFilter",
    "RequestCodec",
    "SeenConfig",
    "SeenSet",
]
