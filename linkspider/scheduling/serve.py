"""Start scrapyd, but never open without auth beyond loopback.

scrapyd's API uploads and runs arbitrary eggs, and scrapyd starts without authentication whenever
``username`` or ``password`` is unset, whatever it binds to. ``python -m linkspider.scheduling.serve``
reads the same configuration scrapyd will read (its config files plus ``SCRAPYD_BIND_ADDRESS``,
``SCRAPYD_USERNAME``, ``SCRAPYD_PASSWORD``), refuses a non-loopback bind without credentials, and
otherwise replaces itself with scrapyd. The container images use it as their entrypoint.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from linkspider.errors import ConfigurationError

logger = logging.getLogger(__name__)

#: Shorter passwords are accepted with a warning: they only stop casual scans.
MIN_PASSWORD_LENGTH = 12


def is_loopback_bind(bind_address: str) -> bool:
    if bind_address in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(bind_address).is_loopback
    except ValueError:
        return False  # a host name other than localhost: may resolve to anything


def check_exposure(bind_address: str, http_port: int, username: str, password: str) -> None:
    """Raise ConfigurationError if scrapyd would serve its API beyond loopback without basic auth."""
    if not http_port or is_loopback_bind(bind_address):
        return
    if not username or not password:
        raise ConfigurationError(
            f"scrapyd would listen on {bind_address}:{http_port} without authentication; set "
            "SCRAPYD_USERNAME and SCRAPYD_PASSWORD (from a secret), or bind_address = 127.0.0.1"
        )
    if ":" in username:
        raise ConfigurationError("SCRAPYD_USERNAME must not contain ':'")
    if len(password) < MIN_PASSWORD_LENGTH:
        logger.warning("SCRAPYD_PASSWORD is shorter than %d characters", MIN_PASSWORD_LENGTH)


def effective_settings(environ: Mapping[str, str] | None = None) -> tuple[str, int, str, str]:
    """Bind address, port, username and password as scrapyd itself will resolve them."""
    from scrapyd.config import Config  # scrapyd is a deploy-time dependency only

    environ = os.environ if environ is None else environ
    config = Config()
    bind = environ.get("SCRAPYD_BIND_ADDRESS") or config.get("bind_address", "127.0.0.1")
    port = int(environ.get("SCRAPYD_HTTP_PORT") or config.getint("http_port", 6800))
    username = environ.get("SCRAPYD_USERNAME") or config.get("username", "")
    password = environ.get("SCRAPYD_PASSWORD") or config.get("password", "")
    return bind, port, username, password


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    argv = list(sys.argv[1:] if argv is None else argv)
    bind, port, username, password = effective_settings()
    try:
        check_exposure(bind, port, username, password)
    except ConfigurationError as exc:
        logger.error("refusing to start scrapyd: %s", exc)
        return 2
    logger.info("starting scrapyd on %s:%d (auth %s)", bind, port, "on" if username and password else "off")
    os.execv(sys.executable, [sys.executable, "-m", "scrapyd", *argv])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
