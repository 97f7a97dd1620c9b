"""One exception tree, so callers can catch linkspider's expected failures in one place."""
from __future__ import annotations


class LinkspiderError(Exception):
    """Base of every error linkspider raises on purpose."""


class ConfigurationError(LinkspiderError):
    """A setting has a value linkspider cannot use; the message names the setting."""


class ServerMissingError(LinkspiderError):
    """A server binary (redis-server, mongod) is not installed; the message says how to get it."""


class InvalidURLError(LinkspiderError):
    """A URL that no browser would fetch."""


class FrontierError(LinkspiderError):
    """The Redis frontier is unusable (bad entry, lost connection past its retries)."""


class BadEntryError(FrontierError):
    """A frontier entry in Redis does not match the JSON request schema; it is skipped and counted."""


class StoreError(LinkspiderError):
    """The MongoDB store is unusable past its retries."""


class ScrapydError(LinkspiderError):
    """A scrapyd node is unreachable or answered a request with an error."""


class UnsafeAddressError(LinkspiderError):
    """A request would reach a private, loopback, link-local or metadata address (SSRF guard)."""


class ReportError(LinkspiderError):
    """A report cannot be built from the arguments given (bad target, bad date); the message says which."""
