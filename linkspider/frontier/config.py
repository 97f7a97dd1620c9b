"""Every frontier setting, validated at once when a worker starts (a bad value names the setting)."""
from __future__ import annotations

from dataclasses import dataclass, field

from scrapy.settings import BaseSettings

from linkspider.config import get_setting, read_config, require, setting

from .codec import DEFAULT_CALLBACKS, DEFAULT_META_KEYS
from .seen import SEEN_MODES, SeenConfig, bloom_size

__all__ = ["FrontierConfig"]


@dataclass(frozen=True)
class FrontierConfig:
    """The ``LINKSPIDER_FRONTIER_*``, ``LINKSPIDER_SEEN_*`` and ``LINKSPIDER_POLITENESS_*`` settings."""

    lease_seconds: float = setting("LINKSPIDER_FRONTIER_LEASE_SECONDS")
    heartbeat_seconds: float = setting("LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS")
    poll_seconds: float = setting("LINKSPIDER_FRONTIER_POLL_SECONDS")
    push_batch: int = setting("LINKSPIDER_FRONTIER_PUSH_BATCH")
    prefetch: int = setting("LINKSPIDER_FRONTIER_PREFETCH")
    ack_delay: float = setting("LINKSPIDER_FRONTIER_ACK_DELAY")
    callbacks: tuple[str, ...] = DEFAULT_CALLBACKS
    meta_keys: tuple[str, ...] = DEFAULT_META_KEYS
    seen_mode: str = setting("LINKSPIDER_SEEN_MODE")
    seen_expected: int = setting("LINKSPIDER_SEEN_EXPECTED_URLS")
    seen_error_rate: float = setting("LINKSPIDER_SEEN_ERROR_RATE")
    seen_local_cache: int = setting("LINKSPIDER_SEEN_LOCAL_CACHE")
    max_concurrency: int = setting("LINKSPIDER_POLITENESS_CONCURRENCY")
    delay_seconds: float = setting("LINKSPIDER_POLITENESS_DELAY")
    max_crawl_delay: float = setting("LINKSPIDER_POLITENESS_MAX_CRAWL_DELAY")
    domain_cap: int = setting("LINKSPIDER_MAX_PAGES_PER_DOMAIN")
    idle_close_seconds: float = setting("LINKSPIDER_IDLE_CLOSE_SECONDS")
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        require([
            ("LINKSPIDER_FRONTIER_LEASE_SECONDS", self.lease_seconds, self.lease_seconds > 0, "positive"),
            ("LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS", self.heartbeat_seconds,
             0 < self.heartbeat_seconds <= self.lease_seconds / 2,
             "positive and at most half of LINKSPIDER_FRONTIER_LEASE_SECONDS"),
            ("LINKSPIDER_FRONTIER_POLL_SECONDS", self.poll_seconds, self.poll_seconds > 0, "positive"),
            ("LINKSPIDER_FRONTIER_PUSH_BATCH", self.push_batch, self.push_batch >= 1, "at least 1"),
            ("LINKSPIDER_FRONTIER_PREFETCH", self.prefetch, 1 <= self.prefetch <= 1000, "between 1 and 1000"),
            ("LINKSPIDER_FRONTIER_ACK_DELAY", self.ack_delay, 0 <= self.ack_delay < self.lease_seconds,
             "zero or more and less than LINKSPIDER_FRONTIER_LEASE_SECONDS"),
            ("LINKSPIDER_SEEN_MODE", self.seen_mode, self.seen_mode in SEEN_MODES, f"one of {', '.join(SEEN_MODES)}"),
            ("LINKSPIDER_SEEN_LOCAL_CACHE", self.seen_local_cache, self.seen_local_cache >= 0, "zero or more"),
            ("LINKSPIDER_POLITENESS_CONCURRENCY", self.max_concurrency, self.max_concurrency >= 1, "at least 1"),
            ("LINKSPIDER_POLITENESS_DELAY", self.delay_seconds, self.delay_seconds >= 0, "zero or more"),
            ("LINKSPIDER_POLITENESS_MAX_CRAWL_DELAY", self.max_crawl_delay, self.max_crawl_delay >= 0,
             "zero or more"),
            ("LINKSPIDER_MAX_PAGES_PER_DOMAIN", self.domain_cap, self.domain_cap >= 0, "zero (no cap) or more"),
            ("LINKSPIDER_IDLE_CLOSE_SECONDS", self.idle_close_seconds, self.idle_close_seconds >= 0,
             "zero or more"),
        ])
        bloom_size(self.seen_expected, self.seen_error_rate)  # validates both

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> FrontierConfig:
        def merged(name: str, builtin: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys([*builtin, *get_setting(settings, name)]))

        return read_config(cls, settings,
                           callbacks=merged("LINKSPIDER_FRONTIER_CALLBACKS", DEFAULT_CALLBACKS),
                           meta_keys=merged("LINKSPIDER_FRONTIER_META_KEYS", DEFAULT_META_KEYS))

    def seen_config(self) -> SeenConfig:
        return SeenConfig.sized(self.seen_mode, self.seen_expected, self.seen_error_rate)
