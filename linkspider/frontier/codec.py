"""JSON request entries: the only form in which a request crosses Redis.

Never pickle: anyone who can write to Redis could otherwise run code on every worker. An entry
names its callback from an allow-list of spider methods and carries only allow-listed meta keys
with JSON-plain values; anything else is a :class:`~linkspider.errors.BadEntryError`, which the
scheduler logs, counts and skips.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request, Spider

from linkspider.errors import BadEntryError

__all__ = [
    "DEFAULT_CALLBACKS",
    "DEFAULT_META_KEYS",
    "LEASE_META_KEY",
    "SCHEMA_VERSION",
    "Entry",
    "RequestCodec",
]

SCHEMA_VERSION = 1

#: Spider methods an entry may name as callback or errback (extend with LINKSPIDER_FRONTIER_CALLBACKS).
DEFAULT_CALLBACKS = ("parse", "on_error")

#: Meta keys that survive the trip through Redis. retry_times/redirect_times must: without them a
#: retried or redirected request would start counting from zero again and could loop forever.
DEFAULT_META_KEYS = (
    "depth",
    "dont_redirect",
    "dont_retry",
    "retry_times",
    "max_retry_times",
    "redirect_times",
    "redirect_ttl",
    "redirect_urls",
    "redirect_reasons",
    "download_timeout",
    "handle_httpstatus_list",
    "handle_httpstatus_all",
)

#: Meta key holding the lease id of a request handed out by the frontier (never serialized).
LEASE_META_KEY = "linkspider_lease"

_MAX_URL = 8192
_MAX_PRIORITY = 1 << 20
_FIELDS = frozenset({"v", "url", "depth", "priority", "crawl", "cb", "eb", "meta", "df"})


@dataclass(frozen=True)
class Entry:
    """One request as stored in Redis (schema version 1)."""

    url: str
    crawl_id: str
    depth: int = 0
    priority: int = 0
    callback: str | None = None
    errback: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    dont_filter: bool = False


def _plain(value: Any, depth: int = 0) -> bool:
    """JSON-plain: str/int/float/bool/None, or lists of those (one level), nothing callable."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)) and depth == 0:
        return all(_plain(v, 1) for v in value)
    return False


class RequestCodec:
    """Turns requests into JSON entries and back, for one crawl and one set of allow-lists."""

    def __init__(
        self,
        crawl_id: str,
        callbacks: Iterable[str] = DEFAULT_CALLBACKS,
        meta_keys: Iterable[str] = DEFAULT_META_KEYS,
    ) -> None:
        self.crawl_id = crawl_id
        self.callbacks = frozenset(callbacks)
        self.meta_keys = frozenset(meta_keys)

    # -- request -> entry -------------------------------------------------------------------
    def _method_name(self, func: Any, spider: Spider | None, what: str) -> str | None:
        if func is None:
            return None
        name = getattr(func, "__name__", None)
        owner = getattr(func, "__self__", None)
        if name not in self.callbacks or (spider is not None and owner is not spider):
            raise BadEntryError(
                f"{what} {func!r} is not a spider method in the allow-list {sorted(self.callbacks)} "
                "(LINKSPIDER_FRONTIER_CALLBACKS)"
            )
        return name

    def entry_from_request(self, request: Request, spider: Spider | None = None) -> Entry:
        if request.method != "GET" or request.body:
            raise BadEntryError(f"only GET requests without a body go through the frontier: {request}")
        meta = {k: v for k, v in request.meta.items() if k in self.meta_keys}
        for key, value in meta.items():
            if not _plain(value):
                raise BadEntryError(f"meta[{key!r}] of {request.url} is not JSON-plain: {value!r}")
        # the scheduler's lease errback wraps the spider's own errback (or None)
        errback = getattr(request.errback, "__wrapped_errback__", request.errback)
        return Entry(
            url=request.url,
            crawl_id=self.crawl_id,
            depth=int(request.meta.get("depth", 0) or 0),
            priority=max(-_MAX_PRIORITY, min(_MAX_PRIORITY, int(request.priority))),
            callback=self._method_name(request.callback, spider, "callback"),
            errback=self._method_name(errback, spider, "errback"),
            meta=meta,
            dont_filter=bool(request.dont_filter),
        )

    def encode_entry(self, entry: Entry) -> str:
        # the crawl id is not stored: the entry's key names its crawl (bytes per queued URL, docs/frontier.md)
        doc: dict[str, Any] = {"v": SCHEMA_VERSION, "url": entry.url}
        if entry.depth:
            doc["depth"] = entry.depth
        if entry.priority:
            doc["priority"] = entry.priority
        if entry.callback:
            doc["cb"] = entry.callback
        if entry.errback:
            doc["eb"] = entry.errback
        meta = {k: v for k, v in entry.meta.items() if k != "depth"}
        if meta:
            doc["meta"] = meta
        if entry.dont_filter:
            doc["df"] = True
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)

    def encode(self, request: Request, spider: Spider | None = None) -> str:
        return self.encode_entry(self.entry_from_request(request, spider))

    # -- entry -> request -------------------------------------------------------------------
    def decode(self, raw: bytes | str) -> Entry:
        """Parse and validate one entry; every way it can be wrong is a BadEntryError."""
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadEntryError(f"not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise BadEntryError(f"not a JSON object: {type(doc).__name__}")
        unknown = set(doc) - _FIELDS
        if unknown:
            raise BadEntryError(f"unknown fields {sorted(unknown)}")
        if doc.get("v") != SCHEMA_VERSION:
            raise BadEntryError(f"schema version {doc.get('v')!r}, expected {SCHEMA_VERSION}")
        url = doc.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > _MAX_URL:
            raise BadEntryError(f"url {url!r} is not an http(s) URL")
        if "crawl" in doc and doc["crawl"] != self.crawl_id:  # entries written before 2026-12 name their crawl
            raise BadEntryError(f"entry of crawl {doc.get('crawl')!r} in crawl {self.crawl_id!r}")
        depth, priority = doc.get("depth", 0), doc.get("priority", 0)
        for name, value in (("depth", depth), ("priority", priority)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise BadEntryError(f"{name} {value!r} is not an integer")
        if depth < 0:
            raise BadEntryError(f"depth {depth} is negative")
        cb, eb = doc.get("cb"), doc.get("eb")
        for name, value in (("callback", cb), ("errback", eb)):
            if value is not None and value not in self.callbacks:
                raise BadEntryError(f"{name} {value!r} is not in the allow-list")
        meta = doc.get("meta", {})
        if not isinstance(meta, dict):
            raise BadEntryError("meta is not an object")
        for key, value in meta.items():
            if key not in self.meta_keys or key == "depth":
                raise BadEntryError(f"meta key {key!r} is not in the allow-list")
            if not _plain(value):
                raise BadEntryError(f"meta[{key!r}] is not JSON-plain")
        df = doc.get("df", False)
        if not isinstance(df, bool):
            raise BadEntryError("df is not a boolean")
        return Entry(url=url, crawl_id=self.crawl_id, depth=depth, priority=priority, callback=cb,
                     errback=eb, meta=meta, dont_filter=df)

    def to_request(self, entry: Entry, spider: Spider) -> Request:
        """Build the Request; callbacks are looked up on the spider by their allow-listed name."""
        callback = getattr(spider, entry.callback) if entry.callback else None
        errback = getattr(spider, entry.errback) if entry.errback else None
        if (entry.callback and not callable(callback)) or (entry.errback and not callable(errback)):
            raise BadEntryError(f"spider {spider.name!r} has no method {entry.callback or entry.errback!r}")
        meta = dict(entry.meta)
        meta["depth"] = entry.depth
        return Request(entry.url, callback=callback, errback=errback, meta=meta,
                       priority=entry.priority, dont_filter=entry.dont_filter)
