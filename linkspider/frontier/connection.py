"""Redis connections for the frontier: ``REDIS_URL`` (password, ``rediss://`` TLS), timeouts, retries.

Built on scrapy-redis's connection helper. Every command is retried with exponential backoff on
connection loss or timeout, so a Redis restart makes workers pause and then carry on instead of
crashing; Lua scripts are re-loaded automatically after a restart (redis-py's Script does that).
"""
from __future__ import annotations

import logging

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy.settings import BaseSettings, Settings
from scrapy_redis.connection import get_redis_from_settings

from linkspider.config import get_setting
from linkspider.errors import ConfigurationError
from linkspider.safety.redact import redact_url

logger = logging.getLogger(__name__)

__all__ = ["redis_from_settings", "redis_from_url", "retry_params"]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def retry_params(socket_timeout: float = 10.0, retries: int = 12, backoff_max: float = 5.0) -> dict:
    """Client keyword arguments: socket timeouts and a Retry that backs off up to ``backoff_max`` seconds."""
    if socket_timeout <= 0:
        raise ConfigurationError(f"LINKSPIDER_REDIS_SOCKET_TIMEOUT={socket_timeout!r} must be positive")
    if backoff_max <= 0:
        raise ConfigurationError(f"LINKSPIDER_REDIS_BACKOFF_MAX={backoff_max!r} must be positive")
    return {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": min(socket_timeout, 5.0),
        "retry": Retry(ExponentialBackoff(cap=backoff_max, base=0.05), retries,
                       supported_errors=(redis.ConnectionError, redis.TimeoutError, ConnectionError,
                                         TimeoutError)),
        "health_check_interval": 30,
    }


def redis_from_url(url: str, *, socket_timeout: float = 10.0, retries: int = 12,
                   backoff_max: float = 5.0) -> redis.Redis:
    """A client for ``url`` (``redis://:password@host:port/db`` or ``rediss://`` with TLS query options)."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"REDIS_URL={redact_url(url)!r} must start with redis://, rediss:// or unix://")
    return redis.Redis.from_url(url, **retry_params(socket_timeout, retries, backoff_max))


def redis_from_settings(settings: BaseSettings) -> redis.Redis:
    """The frontier's client from Scrapy settings, through scrapy-redis's ``get_redis_from_settings``."""
    url = settings.get("REDIS_URL") or DEFAULT_REDIS_URL
    if not str(url).startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"REDIS_URL={redact_url(url)!r} must start with redis://, rediss:// or unix://")
    params = dict(settings.getdict("REDIS_PARAMS"))
    params.update(retry_params(
        get_setting(settings, "LINKSPIDER_REDIS_SOCKET_TIMEOUT"),
        get_setting(settings, "LINKSPIDER_REDIS_RETRIES"),
        get_setting(settings, "LINKSPIDER_REDIS_BACKOFF_MAX"),
    ))
    params["retry_on_timeout"] = False  # scrapy-redis's default; our Retry covers timeouts already
    params.pop("encoding", None)  # scrapy-redis's default utf-8 stays; responses stay bytes
    return get_redis_from_settings(Settings({"REDIS_URL": url, "REDIS_PARAMS": params}))


def is_out_of_memory(exc: Exception) -> bool:
    """Redis refused a write because it reached ``maxmemory`` under the ``noeviction`` policy."""
    return isinstance(exc, redis.exceptions.OutOfMemoryError) or str(exc).startswith("OOM ")


def warn_if_evicting(server: redis.Redis) -> str | None:
    """Warn when Redis may evict keys at ``maxmemory``: it would drop queued requests without a word.

    The frontier needs ``maxmemory-policy noeviction``: then a full Redis refuses writes, and the
    scheduler keeps and retries what it could not write. Returns the policy (None if not readable,
    as on managed services that disable CONFIG).
    """
    try:
        policy = server.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.RedisError:
        return None
    policy = policy.decode() if isinstance(policy, bytes) else policy
    if policy and policy != "noeviction":
        logger.warning("Redis maxmemory-policy is %r: at maxmemory it may evict queued requests and seen URLs; "
                       "set maxmemory-policy noeviction for the frontier's Redis", policy)
    return policy
