"""One ``MongoClient`` per process and URI, with timeouts short enough to notice an outage.

pymongo clients own a connection pool and monitor threads; creating one per component (or per
item) wastes both. Everything in linkspider that talks to MongoDB gets its client here.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

import pymongo
from pymongo.errors import ConfigurationError as PyMongoConfigurationError
from pymongo.errors import InvalidURI

from linkspider.errors import ConfigurationError

logger = logging.getLogger(__name__)

DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017"
DEFAULT_MONGO_DATABASE = "linkspider"

# Fail fast enough that the writer's retry loop, not pymongo, decides how long an outage may last.
DEFAULT_TIMEOUT_MS = {
    "serverSelectionTimeoutMS": 3000,
    "connectTimeoutMS": 3000,
    "socketTimeoutMS": 60000,
}

_lock = threading.Lock()
_clients: dict[tuple[Any, ...], pymongo.MongoClient] = {}


def mongo_settings(
    settings: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """``(MONGO_URI, MONGO_DATABASE)``: the settings (the project's settings.py fills them from the
    environment, ``-s`` overrides), else the environment (``environ``, default ``os.environ``), else the defaults."""
    settings = settings or {}
    env = os.environ if environ is None else environ
    uri = settings.get("MONGO_URI") or env.get("MONGO_URI") or DEFAULT_MONGO_URI
    database = settings.get("MONGO_DATABASE") or env.get("MONGO_DATABASE") or DEFAULT_MONGO_DATABASE
    return str(uri), str(database)


def get_client(uri: str = DEFAULT_MONGO_URI, **options: Any) -> pymongo.MongoClient:
    """The process-wide client for ``uri`` and ``options`` (created on first use; it connects in the background).

    ``options`` override the default timeouts. Components that pass the same options share a client.
    """
    key = (uri, os.getpid(), tuple(sorted(options.items())))
    with _lock:
        client = _clients.get(key)
        if client is None:
            kwargs = {**DEFAULT_TIMEOUT_MS, "appname": "linkspider", **options}
            try:
                client = pymongo.MongoClient(uri, tz_aware=True, **kwargs)
            except (InvalidURI, PyMongoConfigurationError, ValueError, TypeError) as exc:
                from linkspider.safety.redact import redact_text, redact_url

                # the URI may carry a password: never quote it raw
                raise ConfigurationError(
                    f"MONGO_URI {redact_url(uri)!r} is not usable: {redact_text(str(exc))}"
                ) from None
            _clients[key] = client
        return client


def close_clients() -> None:
    """Close every client of this process (tests, shutdown)."""
    with _lock:
        clients = list(_clients.items())
        _clients.clear()
    for _, client in clients:
        client.close()


atexit.register(close_clients)
