"""Every frontier setting, validated at once when a worker starts (a bad value names the setting)."""
from __future__ import annotations

from dataclasses import dataclass, field

from scrapy.settings import BaseSettings

from linkspider.errors import ConfigurationError

from .codec import DEFAULT_CALLBACKS, DEFAULT_META_KEYS
from .seen import SEEN_MODES, SeenConfig, bloom_size

__all__ = ["FrontierConfig"]


@dataclass(frozen=True)
class FrontierConfig:
    """The ``LINKSPIDER_FRONTIER_*``, ``LINKSPIDER_SEEN_*`` and ``LINKSPIDER_POLITENESS_*`` settings."""

    lease_seconds: float = 60.0
    heartbeat_seconds: float = 5.0
    poll_seconds: float = 0.5
    push_batch: int = 100
    prefetch: int = 4
    ack_delay: float = 2.0
    callbacks: tuple[str, ...] = DEFAULT_CALLBACKS
    meta_keys: tuple[str, ...] = DEFAULT_META_KEYS
    seen_mode: str = "exact"
    seen_expected: int = 10_000_000
    seen_error_rate: float = 0.01
    seen_local_cache: int = 100_000
    max_concurrency: int = 8
    delay_seconds: float = 0.0
    max_crawl_delay: float = 30.0
    domain_cap: int = 0
    idle_close_seconds: float = 5.0
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        checks = [
            ("LINKSPIDER_FRONTIER_LEASE_SECONDS", self.lease_seconds, self.lease_seconds > 0),
            ("LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS", self.heartbeat_seconds,
             0 < self.heartbeat_seconds <= self.lease_seconds / 2),
            ("LINKSPIDER_FRONTIER_POLL_SECONDS", self.poll_seconds, self.poll_seconds > 0),
            ("LINKSPIDER_FRONTIER_PUSH_BATCH", self.push_batch, self.push_batch >= 1),
            ("LINKSPIDER_FRONTIER_PREFETCH", self.prefetch, 1 <= self.prefetch <= 1000),
            ("LINKSPIDER_FRONTIER_ACK_DELAY", self.ack_delay, 0 <= self.ack_delay < self.lease_seconds),
            ("LINKSPIDER_SEEN_MODE", self.seen_mode, self.seen_mode in SEEN_MODES),
            ("LINKSPIDER_SEEN_LOCAL_CACHE", self.seen_local_cache, self.seen_local_cache >= 0),
            ("LINKSPIDER_POLITENESS_CONCURRENCY", self.max_concurrency, self.max_concurrency >= 1),
            ("LINKSPIDER_POLITENESS_DELAY", self.delay_seconds, self.delay_seconds >= 0),
            ("LINKSPIDER_POLITENESS_MAX_CRAWL_DELAY", self.max_crawl_delay, self.max_crawl_delay >= 0),
            ("LINKSPIDER_MAX_PAGES_PER_DOMAIN", self.domain_cap, self.domain_cap >= 0),
            ("LINKSPIDER_IDLE_CLOSE_SECONDS", self.idle_close_seconds, self.idle_close_seconds >= 0),
        ]
        for name, value, ok in checks:
            if not ok:
                hint = " (and at most half of LINKSPIDER_FRONTIER_LEASE_SECONDS)" if "HEARTBEAT" in name else ""
                raise ConfigurationError(f"{name}={value!r} is out of range{hint}")
        bloom_size(self.seen_expected, self.seen_error_rate)  # validates both

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> FrontierConfig:
        def getlist(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = settings.getlist(name) if settings.get(name) is not None else list(default)
            return tuple(dict.fromkeys([*default, *value]))

        try:
            return cls(
                lease_seconds=settings.getfloat("LINKSPIDER_FRONTIER_LEASE_SECONDS", 60.0),
                heartbeat_seconds=settings.getfloat("LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS", 5.0),
                poll_seconds=settings.getfloat("LINKSPIDER_FRONTIER_POLL_SECONDS", 0.5),
                push_batch=settings.getint("LINKSPIDER_FRONTIER_PUSH_BATCH", 100),
                prefetch=settings.getint("LINKSPIDER_FRONTIER_PREFETCH", 4),
                ack_delay=settings.getfloat("LINKSPIDER_FRONTIER_ACK_DELAY", 2.0),
                callbacks=getlist("LINKSPIDER_FRONTIER_CALLBACKS", DEFAULT_CALLBACKS),
                meta_keys=getlist("LINKSPIDER_FRONTIER_META_KEYS", DEFAULT_META_KEYS),
                seen_mode=settings.get("LINKSPIDER_SEEN_MODE", "exact"),
                seen_expected=settings.getint("LINKSPIDER_SEEN_EXPECTED_URLS", 10_000_000),
                seen_error_rate=settings.getfloat("LINKSPIDER_SEEN_ERROR_RATE", 0.01),
                seen_local_cache=settings.getint("LINKSPIDER_SEEN_LOCAL_CACHE", 100_000),
                max_concurrency=settings.getint("LINKSPIDER_POLITENESS_CONCURRENCY", 8),
                delay_seconds=settings.getfloat("LINKSPIDER_POLITENESS_DELAY", 0.0),
                max_crawl_delay=settings.getfloat("LINKSPIDER_POLITENESS_MAX_CRAWL_DELAY", 30.0),
                domain_cap=settings.getint("LINKSPIDER_MAX_PAGES_PER_DOMAIN", 0),
                idle_close_seconds=settings.getfloat("LINKSPIDER_IDLE_CLOSE_SECONDS", 5.0),
            )
        except ValueError as exc:  # a getter could not parse the value
            raise ConfigurationError(f"frontier setting has an unusable value: {exc}") from exc

    def seen_config(self) -> SeenConfig:
        return SeenConfig.sized(self.seen_mode, self.seen_expected, self.seen_error_rate)
