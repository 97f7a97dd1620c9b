"""Which discovered links a crawl follows.

By default a crawl stays within the registered domains of its seeds. Workers that did not get
the seeds themselves learn those domains from Redis (``linkspider:<crawl_id>:scope``), so every
worker of a crawl applies the same scope.
"""
from __future__ import annotations

import time

from linkspider.errors import ConfigurationError

SCOPES = ("domain", "all")


def scope_key(crawl_id: str) -> str:
    return f"linkspider:{crawl_id}:scope"


class Scope:
    """Answers "follow this domain?" for a crawl, caching Redis's answer for a few seconds."""

    def __init__(self, mode: str, crawl_id: str, server=None, refresh_seconds: float = 5.0,
                 key: str | None = None) -> None:
        if mode not in SCOPES:
            raise ConfigurationError(f"scope={mode!r} is not one of {', '.join(SCOPES)}")
        self.mode = mode
        self.crawl_id = crawl_id
        self.key = key or scope_key(crawl_id)  # another key: another shared domain set (WARC ingest's targets)
        self.server = server
        self.refresh_seconds = refresh_seconds
        self._domains: set[str] = set()
        self._loaded_at = float("-inf")

    def add(self, domains: set[str] | list[str]) -> None:
        domains = {d for d in domains if d}
        if not domains:
            return
        self._domains |= domains
        if self.server is not None:
            self.server.sadd(self.key, *sorted(domains))

    def domains(self, max_age: float | None = None) -> set[str]:
        now = time.monotonic()
        max_age = self.refresh_seconds if max_age is None else max_age
        if self.server is not None and now - self._loaded_at > max_age:
            members = self.server.smembers(self.key)
            self._domains |= {d.decode() if isinstance(d, bytes) else d for d in members}
            self._loaded_at = now
        return self._domains

    def allows(self, domain: str) -> bool:
        if self.mode == "all":
            return True
        # A miss re-reads Redis at most once a second, so a domain seeded mid-crawl is followed soon.
        return domain in self.domains() or domain in self.domains(max_age=1.0)
