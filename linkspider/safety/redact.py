"""Keep credentials out of logs and stats.

``REDIS_URL`` and ``MONGO_URI`` routinely carry a password (``redis://:pw@host``,
``mongodb://user:pw@h1,h2/?replicaSet=rs``). Anything that logs them uses :func:`redact_url`;
:class:`RedactionExtension` adds a last line of defence: a logging filter on the root handlers
that masks credentials in every record (whoever logged it: Scrapy's "Overridden settings",
scrapy-redis, pymongo, a traceback), and a scrub of the stats before they are dumped.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

MASK = "***"

# scheme://user:password@ -- the password runs to the last "@" of the token, so an unescaped
# "@" or "/" in a password is masked too (over-masking a path is better than leaking).
_USERINFO_RE = re.compile(
    r"(?P<prefix>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^\s:/@'\"<>]*):(?P<password>[^\s'\"<>]*)@"
)
# Query parameters that carry a secret (Redis ``?password=``, Mongo ``authMechanismProperties``).
_SECRET_PARAM_RE = re.compile(
    r"(?P<key>[?&;](?:[^=&\s'\"]*?(?:password|passwd|pwd|secret|token|apikey|api_key|access_key|"
    r"signature|authmechanismproperties)[^=&\s'\"]*)=)(?P<value>[^&\s'\"#<>]*)",
    re.IGNORECASE,
)
_SECRET_SETTING_RE = re.compile(r"PASSWORD|SECRET|TOKEN|PASSWD|API_KEY|ACCESS_KEY", re.IGNORECASE)
_MIN_SECRET_LEN = 4  # shorter literals would mask ordinary words; they are still masked in URLs


def redact_url(url: str) -> str:
    """``url`` with its password (and secret query values) replaced by ``***``; user and host kept.

    ``redis://:s3cret@h:6379/0`` -> ``redis://:***@h:6379/0``. A scheme-less ``user:pw@host``
    loses its whole userinfo.
    """
    if not isinstance(url, str):
        url = str(url)
    if "://" not in url and "@" in url:
        url = MASK + url[url.rfind("@"):]
    return redact_text(url)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with credentials in URLs, secret query values and the literal ``secrets`` masked."""
    if "@" in text:
        text = _USERINFO_RE.sub(lambda m: f"{m['prefix']}{m['user']}:{MASK}@", text)
    if "=" in text:
        text = _SECRET_PARAM_RE.sub(lambda m: f"{m['key']}{MASK}", text)
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text


def url_secrets(url: str) -> set[str]:
    """The literal secrets in ``url``: its password (raw and percent-decoded) and secret query values."""
    found: set[str] = set()
    for match in _USERINFO_RE.finditer(url):
        found.add(match["password"])
    for match in _SECRET_PARAM_RE.finditer(url):
        found.add(match["value"])
    found |= {unquote(s) for s in found}
    return {s for s in found if len(s) >= _MIN_SECRET_LEN and s != MASK}


def secrets_from_settings(settings: BaseSettings) -> set[str]:
    """Every secret a crawl's settings carry: URL passwords (``REDIS_URL``, ``MONGO_URI``, any other
    string setting) and values of settings named like ``*PASSWORD*``, ``*SECRET*``, ``*TOKEN*``."""
    found: set[str] = set()
    # Read the raw attributes: Settings.get() warns on deprecated names (DNS_RESOLVER).
    for name, attribute in settings.attributes.items():
        value = getattr(attribute, "value", attribute)
        if not isinstance(value, str) or not value:
            continue
        if "://" in value:
            found |= url_secrets(value)
        elif _SECRET_SETTING_RE.search(str(name)) and len(value) >= _MIN_SECRET_LEN:
            found.add(value)
    return found


class RedactingFilter(logging.Filter):
    """Logging filter that masks credentials in the message and traceback of every record.

    Attach it to handlers (not loggers): a handler filter sees records from every logger.
    """

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets: tuple[str, ...] = tuple(sorted(set(secrets), key=len, reverse=True))

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(sorted(set(self.secrets) | set(secrets), key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken %-format: the handler reports it, not us
            return True
        redacted = redact_text(message, self.secrets)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info), self.secrets)
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text, self.secrets)
        return True


def install_log_redaction(secrets: Iterable[str] = (), handlers: Iterable[logging.Handler] | None = None) -> None:
    """Add (or update) a :class:`RedactingFilter` on ``handlers`` (default: the root logger's)."""
    secrets = set(secrets)
    for handler in list(logging.root.handlers if handlers is None else handlers):
        existing = next((f for f in handler.filters if isinstance(f, RedactingFilter)), None)
        if existing is None:
            handler.addFilter(RedactingFilter(secrets))
        else:
            existing.add_secrets(secrets)


def redact_stats(stats: dict[str, Any], secrets: Iterable[str] = ()) -> int:
    """Mask credentials in stats keys and string values in place; return how many were changed."""
    secrets = tuple(secrets)
    changed = 0
    for key in list(stats):
        value = stats[key]
        new_key = redact_text(key, secrets)
        new_value = redact_text(value, secrets) if isinstance(value, str) else value
        if new_key != key or new_value != value:
            changed += 1
            del stats[key]
            stats[new_key] = new_value
    return changed


class RedactionExtension:
    """Extension: mask credentials in every log record and in the stats of the crawl.

    ``EXTENSIONS = {"linkspider.safety.RedactionExtension": 0}``. It is built before Scrapy logs
    "Overridden settings", so even that line is masked.
    """

    def __init__(self, secrets: Iterable[str], stats: StatsCollector | None = None):
        self.secrets = set(secrets)
        self.stats = stats
        install_log_redaction(self.secrets)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedactionExtension:
        ext = cls(secrets_from_settings(crawler.settings), crawler.stats)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def engine_started(self) -> None:
        # Another crawler in the process may have replaced the root handler since we were built.
        install_log_redaction(self.secrets)

    def spider_closed(self) -> None:
        if self.stats is None:
            return
        stats = self.stats.get_stats()
        changed = redact_stats(stats, self.secrets)
        if changed:
            self.stats.set_stats(stats)
            self.stats.set_value("linkspider/redaction/stats_masked", changed)
