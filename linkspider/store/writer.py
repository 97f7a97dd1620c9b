"""The buffered background writer: the only thread that talks to MongoDB on the write path.

The reactor thread only appends ``(kind, payload)`` operations to a buffer (:meth:`StoreWriter.put`,
a lock and a list append); this thread takes them in order and writes them with unordered bulk
writes, flushing by count, by estimated bytes, by age of the oldest buffered op and on close.

Write path per batch (order matters for lost links):

1. edges: ``insert_many(ordered=False)`` of full documents while most edges are new (the
   first crawl), falling back to the idempotent upsert for the ones that exist (E11000); when
   most edges already exist (a re-crawl) it switches to upserts directly, and back when upserts
   mostly insert. Both paths leave the same documents.
2. pages: upserts.
3. lost-link marks: after the edges of the same batch, so a page's edges are written before the
   update that marks the edges this fetch did not see.

Failures: per-document E11000 races (two workers upserting the same new edge) are retried for
those ops; any other MongoDB error is retried with exponential backoff. When the outage lasts
longer than ``retry_max_seconds`` or the buffer reaches ``max_buffer``, the batch and the buffer
go to the spill file, later batches follow them there (keeping the order), and the writer probes
MongoDB every ``retry_backoff_max`` seconds; once it answers, spill files are replayed oldest
first before anything newer is written. Spill files left by a stopped process are replayed at the
next start.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bson.errors import InvalidDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError

from linkspider.config import read_config, require, setting
from linkspider.errors import StoreError
from linkspider.store.documents import (
    EDGES,
    OP_EDGE,
    OP_LOST,
    OP_PAGE,
    PAGES,
    Op,
    edge_upsert_from_document,
    lost_update_from_mark,
    page_upsert_from_document,
)
from linkspider.store.spill import SpillStore

logger = logging.getLogger(__name__)

STATS_PREFIX = "linkspider/store/"
DUPLICATE_KEY = 11000
# Write errors that mean "the server could not do it now", not "this document is bad".
RETRYABLE_WRITE_CODES = frozenset({
    6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 50, 112, 16500,
})
DUPLICATE_RETRIES = 3
# A document pymongo cannot encode (over 16 MB, a lone surrogate in a string): that op fails for good.
BAD_DOCUMENT_ERRORS = (InvalidDocument, UnicodeEncodeError)
BAD_DOCUMENT_CODES = frozenset({10334, 17419, 17420})  # BSONObjectTooLarge and friends: the command itself is too big
MODE_SWITCH_RATIO = 0.5
YIELD_EVERY_MASK = 31  # the producer yields the GIL every 32 puts while a batch is being written


class TransientStoreError(StoreError):
    """MongoDB refused a batch for a reason that may pass (shutdown in progress, no primary...)."""


@dataclass(frozen=True)
class StoreConfig:
    """Validated ``LINKSPIDER_STORE_*`` settings of the write path."""

    flush_count: int = setting("LINKSPIDER_STORE_FLUSH_COUNT")
    flush_bytes: int = setting("LINKSPIDER_STORE_FLUSH_BYTES")
    flush_interval: float = setting("LINKSPIDER_STORE_FLUSH_INTERVAL")
    max_buffer: int = setting("LINKSPIDER_STORE_MAX_BUFFER")
    retry_backoff: float = setting("LINKSPIDER_STORE_RETRY_BACKOFF")
    retry_backoff_max: float = setting("LINKSPIDER_STORE_RETRY_BACKOFF_MAX")
    retry_max_seconds: float = setting("LINKSPIDER_STORE_RETRY_MAX_SECONDS")
    spill_dir: str = setting("LINKSPIDER_STORE_SPILL_DIR")
    insert_first: bool = setting("LINKSPIDER_STORE_INSERT_FIRST")
    ensure_indexes: bool = setting("LINKSPIDER_STORE_ENSURE_INDEXES")
    server_timeout: float = setting("LINKSPIDER_STORE_SERVER_TIMEOUT")

    def __post_init__(self) -> None:
        require([
            ("LINKSPIDER_STORE_FLUSH_COUNT", self.flush_count, self.flush_count >= 1, "at least 1"),
            ("LINKSPIDER_STORE_FLUSH_BYTES", self.flush_bytes, self.flush_bytes >= 1024, "at least 1024"),
            ("LINKSPIDER_STORE_FLUSH_INTERVAL", self.flush_interval, self.flush_interval > 0, "positive"),
            ("LINKSPIDER_STORE_MAX_BUFFER", self.max_buffer, self.max_buffer >= self.flush_count,
             "at least LINKSPIDER_STORE_FLUSH_COUNT"),
            ("LINKSPIDER_STORE_RETRY_BACKOFF", self.retry_backoff, self.retry_backoff > 0, "positive"),
            ("LINKSPIDER_STORE_RETRY_BACKOFF_MAX", self.retry_backoff_max,
             self.retry_backoff_max >= self.retry_backoff, "at least LINKSPIDER_STORE_RETRY_BACKOFF"),
            ("LINKSPIDER_STORE_RETRY_MAX_SECONDS", self.retry_max_seconds, self.retry_max_seconds >= 0,
             "zero or more"),
            ("LINKSPIDER_STORE_SPILL_DIR", self.spill_dir, bool(self.spill_dir), "a directory path"),
            ("LINKSPIDER_STORE_SERVER_TIMEOUT", self.server_timeout, self.server_timeout > 0, "positive"),
        ])

    @classmethod
    def from_settings(cls, settings: Any) -> StoreConfig:
        """Read every setting, typed like its default (a non-number fails here, naming it)."""
        return read_config(cls, settings)


class _Stats:
    """Scrapy stats keys of the store; only the writer thread increments them."""

    KEYS = ("edges_written", "pages_written", "lost_marked", "retried", "spilled", "replayed", "write_errors")

    def __init__(self, stats: Any | None) -> None:
        self._stats = stats
        self.local: dict[str, int] = {}
        if stats is not None:
            # Created up front on the caller's thread: the writer thread then only updates existing
            # keys, so a reactor-side iteration over the stats never sees the dict change size.
            for key in self.KEYS:
                if stats.get_value(STATS_PREFIX + key) is None:
                    stats.set_value(STATS_PREFIX + key, 0)

    def inc(self, key: str, count: int = 1) -> None:
        if not count:
            return
        self.local[key] = self.local.get(key, 0) + count
        if self._stats is not None:
            self._stats.inc_value(STATS_PREFIX + key, count)


def _bulk_error_codes(exc: BulkWriteError) -> list[dict[str, Any]]:
    return list(exc.details.get("writeErrors") or [])


class StoreWriter:
    """Buffer + writer thread + spill for one database. Thread-safe ``put``; one writer thread."""

    def __init__(self, db: Database, config: StoreConfig, *, spill_dir: str | Path | None = None,
                 stats: Any | None = None) -> None:
        self.db = db
        self.config = config
        self.edges: Collection = db[EDGES]
        self.pages: Collection = db[PAGES]
        self.spill = SpillStore(spill_dir or config.spill_dir, db.name)
        self.stats = _Stats(stats)
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._drained = threading.Condition(self._lock)
        self._buffer: list[tuple[str, dict[str, Any], int]] = []
        self._buffer_bytes = 0
        self._first_at: float | None = None
        self._closing = False
        self._flush_requested = 0
        self._busy = False
        self._space_waiters: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self._spilling = False
        self._next_probe = 0.0
        self._replay_offsets: dict[Path, int] = {}
        self._insert_mode = config.insert_first
        self._inflight: list[Op] = []
        self._puts = 0
        self.fatal: BaseException | None = None

    # -- producer side (any thread) -------------------------------------------------------------
    def start(self) -> StoreWriter:
        self._thread = threading.Thread(target=self._run, name="linkspider-store-writer", daemon=True)
        self._thread.start()
        atexit.register(self._at_exit)
        return self

    def _at_exit(self) -> None:
        """The interpreter exits without ``close`` (a forced shutdown): spill what is in memory.

        The batch in flight is spilled too; if it was in fact written, replaying it is harmless
        (every write is idempotent).
        """
        if self._thread is None or not self._thread.is_alive():
            return
        with self._lock:
            ops = list(self._inflight) + [(k, p) for k, p, _ in self._buffer]
            self._buffer.clear()
        if ops:
            emergency = SpillStore(self.spill.directory.parent, self.db.name)
            emergency.append(ops)
            emergency.close()
            logger.warning("exiting without closing the store: %d ops spilled to %s", len(ops),
                           emergency.directory)

    def put(self, kind: str, payload: dict[str, Any], size: int = 512) -> bool:
        """Queue one op; never blocks. Returns False when the buffer is at ``max_buffer``."""
        with self._lock:
            if self.fatal is not None or self._closing:
                raise StoreError(f"store writer is not accepting writes: {self.fatal or 'closed'}")
            buf = self._buffer
            buf.append((kind, payload, size))
            self._buffer_bytes += size
            if self._first_at is None:
                self._first_at = time.monotonic()
            n = len(buf)
            if n >= self.config.flush_count or self._buffer_bytes >= self.config.flush_bytes:
                self._has_work.notify()
            busy = self._busy
        self._puts += 1
        if busy and not self._puts & YIELD_EVERY_MASK:
            # A CPU-bound producer keeps the GIL for a whole switch interval (5 ms) each time the
            # writer thread comes back from a socket wait; yielding now and then stops that convoy
            # from starving the writer (measured: the writer otherwise idles while the crawl runs).
            time.sleep(0)
        return n < self.config.max_buffer

    def when_space(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the writer thread, or now) once the buffer is below ``max_buffer``."""
        with self._lock:
            if len(self._buffer) >= self.config.max_buffer and self.fatal is None:
                self._space_waiters.append(callback)
                return
        callback()

    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything buffered so far (or spill it); True when done within ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flush_requested += 1
            self._has_work.notify()
            try:
                while (self._buffer or self._busy) and self.fatal is None:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._drained.wait(remaining)
            finally:
                self._flush_requested -= 1
        return True

    def close(self, timeout: float | None = None) -> None:
        """Flush (or spill) everything and stop the thread. Safe to call twice."""
        with self._lock:
            self._closing = True
            self._has_work.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            if not self._thread.is_alive():
                atexit.unregister(self._at_exit)
            else:
                logger.error("store writer did not finish within %ss; %d ops still buffered",
                             timeout, self.buffered())
        if self.fatal is not None:
            raise StoreError("store writer failed; see the log") from self.fatal

    @property
    def spilling(self) -> bool:
        return self._spilling

    # -- writer thread -------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._startup()
            while True:
                batch, done = self._next_batch()
                if batch:
                    self._inflight = batch
                    self._write(batch)
                    self._inflight = []
                    self._finish_batch()
                elif done:
                    break
                elif self._spilling:
                    self._maybe_recover()
            self._shutdown()
        except BaseException as exc:  # the thread must not die with ops in memory
            logger.exception("store writer crashed; spilling what is buffered")
            with self._lock:
                self.fatal = exc
                rest = list(self._inflight) + [(k, p) for k, p, _ in self._buffer]  # idempotent if re-sent
                self._buffer.clear()
                self._busy = False
                self._drained.notify_all()
                waiters, self._space_waiters = self._space_waiters, []
            for cb in waiters:
                cb()
            try:
                self.stats.inc("spilled", self.spill.append(rest))
                self.spill.close()
            except OSError:
                logger.exception("could not spill %d ops after the writer crashed", len(rest))

    def _startup(self) -> None:
        if self.config.ensure_indexes:
            self._ensure_indexes()
        if self.spill.pending():
            logger.info("replaying spilled store operations from %s", self.spill.directory)
            self._spilling = True
            self._maybe_recover(force=True)

    def _ensure_indexes(self) -> None:
        """The lost-link update selects by ``source_key``; without an index it would scan the collection.

        Indexes belong to ``linkspider mongo ensure-indexes``; this only runs it when the one index
        the write path depends on is missing (an existing deployment pays one listIndexes).
        """
        try:
            for info in self.edges.list_indexes():
                if next(iter(info["key"]), None) == "source_key":
                    return
            try:
                from linkspider.store.indexes import ensure_indexes
            except ImportError:
                self.edges.create_index([("source_key", 1)], name="edges_source_key")
            else:
                ensure_indexes(self.db)
        except (PyMongoError, StoreError) as exc:
            logger.warning("could not ensure MongoDB indexes (%s); run `linkspider mongo ensure-indexes`", exc)

    def _next_batch(self) -> tuple[list[Op], bool]:
        cfg = self.config
        with self._lock:
            while True:
                n = len(self._buffer)
                now = time.monotonic()
                due = n and (
                    n >= cfg.flush_count or self._buffer_bytes >= cfg.flush_bytes or self._closing
                    or self._flush_requested or now - (self._first_at or now) >= cfg.flush_interval
                )
                if due:
                    return self._take(), False
                if self._closing:
                    return [], True
                if n:
                    timeout = cfg.flush_interval - (now - (self._first_at or now))
                else:
                    self._drained.notify_all()
                    timeout = cfg.retry_backoff_max if self._spilling else cfg.flush_interval
                if not self._has_work.wait(max(timeout, 0.001)) and self._spilling and not n:
                    return [], False

    def _take(self) -> list[Op]:
        """Up to flush_count ops (and about flush_bytes) from the front; caller holds the lock."""
        cfg = self.config
        buf = self._buffer
        total = 0
        end = 0
        limit = min(len(buf), cfg.flush_count)
        while end < limit:
            total += buf[end][2]
            end += 1
            if total >= cfg.flush_bytes:
                break
        batch = [(k, p) for k, p, _ in buf[:end]]
        del buf[:end]
        self._buffer_bytes -= total
        if not buf:
            self._first_at = None
        self._busy = True
        return batch

    def _finish_batch(self) -> None:
        with self._lock:
            self._busy = False
            if not self._buffer:
                self._drained.notify_all()
            waiters: list[Callable[[], None]] = []
            if self._space_waiters and len(self._buffer) < self.config.max_buffer:
                waiters, self._space_waiters = self._space_waiters, []
        for cb in waiters:
            cb()

    def _drain_buffer(self) -> list[Op]:
        with self._lock:
            rest = [(k, p) for k, p, _ in self._buffer]
            self._buffer.clear()
            self._buffer_bytes = 0
            self._first_at = None
            waiters, self._space_waiters = self._space_waiters, []
        for cb in waiters:
            cb()
        return rest

    def _write(self, batch: list[Op]) -> None:
        if self._spilling:
            self._to_spill(batch)
            self._maybe_recover()
            return
        backoff = self.config.retry_backoff
        deadline: float | None = None
        while True:
            try:
                self._apply_safely(batch)
                if deadline is not None:
                    logger.info("MongoDB writes succeed again")
                return
            except (PyMongoError, TransientStoreError) as exc:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.config.retry_max_seconds
                    logger.warning("MongoDB write failed (%s: %s); retrying for up to %ss",
                                   type(exc).__name__, exc, self.config.retry_max_seconds)
                if now >= deadline or self.buffered() >= self.config.max_buffer:
                    self._enter_spill(batch)
                    return
                self.stats.inc("retried", len(batch))
                time.sleep(min(backoff, max(deadline - now, 0.001)))
                backoff = min(backoff * 2, self.config.retry_backoff_max)

    def _enter_spill(self, batch: list[Op]) -> None:
        self._spilling = True
        self._next_probe = time.monotonic() + self.config.retry_backoff_max
        self._to_spill(batch)
        self._to_spill(self._drain_buffer())

    def _to_spill(self, ops: list[Op]) -> None:
        self.stats.inc("spilled", self.spill.append(ops))

    def _ping(self) -> bool:
        try:
            self.db.command("ping")
        except PyMongoError:
            return False
        return True

    def _maybe_recover(self, force: bool = False) -> bool:
        """When spilling: if MongoDB answers, replay every spill file in order; True when caught up."""
        now = time.monotonic()
        if not force and now < self._next_probe:
            return False
        self._next_probe = now + self.config.retry_backoff_max
        if not self._ping():
            return False
        while True:
            self.spill.seal()
            paths = self.spill.claim()
            if not paths:
                break
            for path in paths:
                if not self._replay_file(path):
                    return False
        self._spilling = False
        self._replay_offsets.clear()
        logger.info("MongoDB is back; spilled store operations replayed")
        return True

    def _replay_file(self, path: Path) -> bool:
        offset = self._replay_offsets.get(path, 0)
        while True:
            ops, next_offset, bad = SpillStore.read(path, offset, self.config.flush_count)
            self.stats.inc("write_errors", bad)
            if not ops:
                break
            try:
                self._apply_safely(ops)
            except (PyMongoError, TransientStoreError) as exc:
                logger.warning("replay of %s stopped at byte %d (%s); will retry", path, offset, exc)
                self._replay_offsets[path] = offset
                return False
            self.stats.inc("replayed", len(ops))
            offset = next_offset
            self._replay_offsets[path] = offset
            if self.buffered() >= self.config.max_buffer:
                # New ops queue behind the spill: move them to a newer spill file to free memory.
                self._to_spill(self._drain_buffer())
        SpillStore.remove(path)
        self._replay_offsets.pop(path, None)
        logger.info("replayed and removed spill file %s", path)
        return True

    def _shutdown(self) -> None:
        if self._spilling and not self._maybe_recover(force=True):
            logger.warning("MongoDB still unavailable at close: spilled ops wait in %s for the next start",
                           self.spill.directory)
        self.spill.close()
        with self._lock:
            self._drained.notify_all()

    # -- applying a batch ----------------------------------------------------------------------
    def _apply_safely(self, batch: list[Op]) -> None:
        """``_apply``, isolating ops that cannot be encoded: those are logged and counted, the rest written."""
        try:
            self._apply(batch)
        except (*BAD_DOCUMENT_ERRORS, OperationFailure) as exc:
            if isinstance(exc, OperationFailure) and exc.code not in BAD_DOCUMENT_CODES:
                raise
            logger.warning("a batch holds a document that cannot be stored (%s); writing its ops one by one",
                           str(exc)[:300])
            for op in batch:
                try:
                    self._apply([op])
                except (*BAD_DOCUMENT_ERRORS, OperationFailure) as one:
                    if isinstance(one, OperationFailure) and one.code not in BAD_DOCUMENT_CODES:
                        raise
                    self._record_errors([{"code": getattr(one, "code", None) or type(one).__name__,
                                          "errmsg": str(one)}])

    def _apply(self, batch: list[Op]) -> None:
        """Write one batch: edges, then pages, then lost marks. Raises on a retryable failure.

        A lost mark whose page op in the same batch *inserted* the page document is skipped: a page
        never stored before has no older edges to lose (this saves an index scan per new page).
        """
        edges: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        losts: list[tuple[dict[str, Any], int | None]] = []
        page_at: dict[str, int] = {}
        unknown = 0
        for kind, payload in batch:
            if kind == OP_EDGE:
                edges.append(payload)
            elif kind == OP_PAGE:
                page_at[payload["_id"]] = len(pages)
                pages.append(payload)
            elif kind == OP_LOST:
                losts.append((payload, page_at.get(payload["source_key"])))
            else:
                unknown += 1
        if unknown:
            logger.error("%d store operations of unknown kind dropped", unknown)
            self.stats.inc("write_errors", unknown)
        if edges:
            self._write_edges(edges)
        new_pages: set[int] = set()
        if pages:
            _, new_pages = self._bulk(self.pages, [page_upsert_from_document(p) for p in pages])
        marks = [m for m, page in losts if page is None or page not in new_pages]
        if marks:
            modified, _ = self._bulk(self.edges, [lost_update_from_mark(m) for m in marks])
            self.stats.inc("lost_marked", modified)
        # counted once the whole batch is in, so a retried batch is not counted twice
        self.stats.inc("edges_written", len(edges))
        self.stats.inc("pages_written", len(pages))

    def _write_edges(self, docs: list[dict[str, Any]]) -> None:
        if not self._insert_mode:
            _, upserted = self._bulk(self.edges, [edge_upsert_from_document(d) for d in docs])
            if self.config.insert_first and len(upserted) > MODE_SWITCH_RATIO * len(docs):
                logger.debug("most edges are new: switching to inserts")
                self._insert_mode = True
            return
        existing: list[dict[str, Any]] = []
        try:
            self.edges.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = _bulk_error_codes(exc)
            self._check_retryable(errors)
            existing = [docs[e["index"]] for e in errors if e.get("code") == DUPLICATE_KEY]
            self._record_errors([e for e in errors if e.get("code") != DUPLICATE_KEY])
        if existing:
            self._bulk(self.edges, [edge_upsert_from_document(d) for d in existing])
        if len(existing) > MODE_SWITCH_RATIO * len(docs):
            logger.debug("most edges already exist: switching to upserts")
            self._insert_mode = False

    def _bulk(self, collection: Collection, ops: list[Any]) -> tuple[int, set[int]]:
        """Unordered bulk write; E11000 upsert races are retried for those ops.

        Returns the modified count and the positions (in ``ops``) of the upserts that inserted.
        """
        modified = 0
        upserted: set[int] = set()
        positions = list(range(len(ops)))
        for attempt in range(DUPLICATE_RETRIES + 1):
            try:
                result = collection.bulk_write(ops, ordered=False)
                modified += result.modified_count
                upserted.update(positions[i] for i in result.upserted_ids)
                ops = []
                break
            except BulkWriteError as exc:
                errors = _bulk_error_codes(exc)
                self._check_retryable(errors)
                modified += exc.details.get("nModified", 0)
                upserted.update(positions[u["index"]] for u in exc.details.get("upserted") or [])
                self._record_errors([e for e in errors if e.get("code") != DUPLICATE_KEY])
                again = [e["index"] for e in errors if e.get("code") == DUPLICATE_KEY]
                ops = [ops[i] for i in again]
                positions = [positions[i] for i in again]
                if not ops or attempt == DUPLICATE_RETRIES:
                    break
                self.stats.inc("retried", len(ops))
        if ops:
            logger.error("%d upserts kept failing with duplicate keys; dropped", len(ops))
            self.stats.inc("write_errors", len(ops))
        return modified, upserted

    @staticmethod
    def _check_retryable(errors: list[dict[str, Any]]) -> None:
        for e in errors:
            if e.get("code") in RETRYABLE_WRITE_CODES:
                raise TransientStoreError(f"write error {e.get('code')}: {e.get('errmsg')}")

    def _record_errors(self, errors: list[dict[str, Any]]) -> None:
        """Documents MongoDB rejects for good (too large, invalid): logged and counted."""
        if not errors:
            return
        self.stats.inc("write_errors", len(errors))
        first = errors[0]
        logger.error("MongoDB rejected %d store operations; first: code %s: %s", len(errors),
                     first.get("code"), str(first.get("errmsg"))[:300])
