"""Redis key names of one crawl: everything lives under ``linkspider:<crawl_id>:``.

One prefix per crawl means ``frontier purge`` can delete a crawl and nothing else, and two
crawls on one Redis never see each other's queues. The Lua scripts receive the prefix and build
the per-domain keys themselves, so they run on a standalone Redis (not Redis Cluster).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from linkspider.errors import ConfigurationError

__all__ = ["CRAWL_ID_RE", "FrontierKeys", "crawl_prefix"]

ROOT = "linkspider"
CRAWL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def crawl_prefix(crawl_id: str) -> str:
    """``linkspider:<crawl_id>:``; a crawl id with ``:``, ``*`` or spaces would let keys of two crawls mix."""
    if not CRAWL_ID_RE.match(crawl_id or ""):
        raise ConfigurationError(
            f"crawl_id={crawl_id!r} is not usable: use letters, digits, '.', '_' or '-' (at most 128)"
        )
    return f"{ROOT}:{crawl_id}:"


@dataclass(frozen=True)
class FrontierKeys:
    """Names of the keys of one crawl (see the README section "Frontier" for what each holds)."""

    crawl_id: str

    @property
    def prefix(self) -> str:
        return crawl_prefix(self.crawl_id)

    def key(self, name: str) -> str:
        return self.prefix + name

    @property
    def meta(self) -> str:
        return self.key("meta")

    @property
    def ready(self) -> str:
        return self.key("ready")

    @property
    def active(self) -> str:
        return self.key("active")

    @property
    def next_at(self) -> str:
        return self.key("next")

    @property
    def delay(self) -> str:
        return self.key("delay")

    @property
    def domain_count(self) -> str:
        return self.key("domcount")

    @property
    def leases(self) -> str:
        return self.key("leases")

    @property
    def leased(self) -> str:
        return self.key("leased")

    @property
    def workers(self) -> str:
        return self.key("workers")

    @property
    def counters(self) -> str:
        return self.key("counters")

    @property
    def paused(self) -> str:
        return self.key("paused")

    def queue(self, domain: str) -> str:
        """The domain's sorted set of requests with a priority other than 0."""
        return self.key(f"q:{domain}")

    def fifo(self, domain: str) -> str:
        """The domain's list of priority-0 requests (first in, first out)."""
        return self.key(f"l:{domain}")

    def worker_info(self, worker_id: str) -> str:
        return self.key(f"worker:{worker_id}")

    def seen_bucket(self, bucket: int) -> str:
        return self.key(f"seen:{bucket}")

    def bloom_chunk(self, chunk: int) -> str:
        return self.key(f"bloom:{chunk}")

    @property
    def pattern(self) -> str:
        """SCAN pattern matching every key of the crawl (``*`` cannot occur in a crawl id)."""
        return self.prefix + "*"
