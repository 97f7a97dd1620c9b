"""Which scrapyd nodes to talk to, and with what credentials.

Credentials never travel in node URLs (they end up in shell history, logs and ``ps``); they come
from ``LINKSPIDER_SCRAPYD_AUTH=user:password`` in the environment and are never logged.
"""
from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from linkspider.errors import ConfigurationError

logger = logging.getLogger(__name__)

#: Environment variable holding ``user:password`` for every node's basic auth.
AUTH_ENV = "LINKSPIDER_SCRAPYD_AUTH"
#: Environment variable holding the comma-separated node list when ``--nodes`` is not given.
NODES_ENV = "LINKSPIDER_SCRAPYD_NODES"


def parse_nodes(value: str) -> list[str]:
    """Split ``http://a:6800,http://b:6800`` into normalized base URLs (trailing slash, no duplicates)."""
    nodes: list[str] = []
    for raw in value.split(","):
        raw = raw.strip()
        if not raw:
            continue
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"scrapyd node {raw!r} is not an http(s) URL like http://10.0.0.5:6800")
        if parts.username is not None or parts.password is not None:
            raise ConfigurationError(
                f"scrapyd node URL for host {parts.hostname!r} carries credentials; "
                f"put them in the {AUTH_ENV} environment variable (user:password) instead"
            )
        if parts.query or parts.fragment:
            raise ConfigurationError(f"scrapyd node {raw!r} must not have a query or fragment")
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        url = f"{parts.scheme}://{parts.netloc}{path}"
        if url not in nodes:
            nodes.append(url)
    if not nodes:
        raise ConfigurationError(f"no scrapyd nodes given: pass --nodes URL[,URL...] or set {NODES_ENV}")
    return nodes


def nodes_from(cli_value: str | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Nodes from the command line, else from ``LINKSPIDER_SCRAPYD_NODES``."""
    environ = os.environ if environ is None else environ
    return parse_nodes(cli_value if cli_value else environ.get(NODES_ENV, ""))


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` -> (user, password); empty or unset -> None. The password may contain ':'."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigurationError(f"{AUTH_ENV} must be 'user:password' (both non-empty)")
    return user, password


def auth_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    environ = os.environ if environ is None else environ
    return parse_auth(environ.get(AUTH_ENV))


def is_loopback(url: str) -> bool:
    """True when the node's host is a loopback address or ``localhost``."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str, auth: tuple[str, str] | None) -> None:
    """Warn about node set-ups that leak or lack credentials; never blocks loopback use."""
    if is_loopback(url):
        return
    if auth is None:
        logger.warning(
            "scrapyd node %s is not on loopback and no %s is set: a scrapyd reachable beyond "
            "loopback must require basic auth",
            url,
            AUTH_ENV,
        )
    elif urlsplit(url).scheme == "http":
        logger.warning(
            "sending scrapyd credentials to %s over plain http; put the node behind TLS or a private network",
            url,
        )
