"""FrontierScheduler: Scrapy's scheduler interface over the shared Redis frontier.

Replaces scrapy-redis's Scheduler where it fails (pickled requests, destructive pops, a close that
flushes shared state, per-process politeness) and keeps its interface: ``enqueue_request`` pushes
to Redis, ``next_request`` leases from Redis. A lease is acknowledged once the response's callback
output is fully processed (its requests pushed, its items through the pipelines), or its download
failed for good; a worker that closes early hands its unfinished leases back at once, and the
leases of a worker that dies expire and go back to the queue.
"""
from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError
from scrapy import Request, Spider, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.asyncio import call_later, create_looping_call
from twisted.python.failure import Failure

from linkspider.errors import BadEntryError
from linkspider.scheduling.crawl_ids import crawl_id_of

from .codec import LEASE_META_KEY, RequestCodec
from .config import FrontierConfig
from .connection import is_out_of_memory, redis_from_settings, warn_if_evicting
from .politeness import crawl_delay_from_robots, effective_crawl_delay, is_robots_url
from .queue import PUSH_CAPPED, PUSH_DUPLICATE, PUSH_NEW, PUSH_REQUEUED, Frontier, LeaseBatch, PushItem
from .seen import LocalSeenCache, seen_key
from .signals import frontier_opened

logger = logging.getLogger(__name__)

__all__ = ["FrontierScheduler"]

STATS = "linkspider/frontier"
_ACK_DELAY = 0.05  # seconds an ack may wait to share a round trip with other acks and pushes
_PUSH_STAT = {
    PUSH_NEW: f"{STATS}/pushed",
    PUSH_REQUEUED: f"{STATS}/pushed_again",
    PUSH_DUPLICATE: f"{STATS}/dropped/seen",
    PUSH_CAPPED: f"{STATS}/dropped/domain_cap",
}


def _domain_of(url: str) -> str:
    from linkspider.domains import domain_of

    return domain_of(url)


@dataclass
class _Held:
    """A lease this worker holds: the request object and how many outputs are still unprocessed."""

    request: Request
    leased_at: float
    outstanding: int = 0
    iterating: bool = False
    handed: bool = False  # False while prefetched (leased, waiting locally for the engine)


class _LeaseErrback:
    """Errback put on every leased request: acks the lease, then defers to the spider's own errback."""

    def __init__(self, scheduler: FrontierScheduler, errback: Any) -> None:
        self.scheduler = scheduler
        self.__wrapped_errback__ = errback

    def __call__(self, failure: Failure) -> Any:
        request = getattr(failure, "request", None)
        lease = request.meta.get(LEASE_META_KEY) if request is not None else None
        errback = self.__wrapped_errback__
        if errback is None:
            self.scheduler.ack(lease, "download_error")
            return failure
        output = errback(failure)
        if output is None or isinstance(output, Failure):
            self.scheduler.ack(lease, "download_error")
            return output
        return self.scheduler.track_output(lease, output, "download_error")


class FrontierScheduler(BaseScheduler):
    """Scrapy scheduler on the linkspider Redis frontier (``SCHEDULER = "linkspider.frontier.FrontierScheduler"``)."""

    def __init__(self, server, config: FrontierConfig, crawler: Crawler | None = None, stats: Any = None) -> None:
        self.server = server
        self.config = config
        self.crawler = crawler
        self.stats = crawler.stats if crawler is not None else stats
        self.spider: Spider | None = None
        self.frontier: Frontier | None = None
        self.codec: RequestCodec | None = None
        self._buffer: list[PushItem] = []
        self._acks: list[bytes] = []  # acks not yet sent; they go with the next round trip
        self._done: list[bytes] = []  # leases whose politeness slot is to be freed with the next round trip
        self._delayed: deque[tuple[float, bytes]] = deque()  # (ack time, lease): waiting for the store
        self._ready: deque[Request] = deque()  # prefetched leases, handed to the engine one by one
        self._ack_call: Any = None
        self._local_seen = LocalSeenCache(config.seen_local_cache)
        self._held: dict[bytes, _Held] = {}
        self._loops: list[Any] = []
        self._wake_call: Any = None
        self._known: tuple[int, int, bool] = (0, 0, False)
        self._warned: set[str] = set()
        self._refused_until = 0.0  # Redis refused writes (maxmemory): pushes wait for a poll, not each request
        self._started = False
        self.crawl_delays: dict[str, float] = {}  # robots.txt Crawl-delay this worker recorded, by domain

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        config = FrontierConfig.from_settings(crawler.settings)
        scheduler = cls(redis_from_settings(crawler.settings), config, crawler)
        crawler.signals.connect(scheduler._on_response_received, signal=signals.response_received)
        for sig in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(scheduler._on_item_done, signal=sig)
        return scheduler

    # -- lifecycle --------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        crawl_id = crawl_id_of(spider)
        self.codec = RequestCodec(crawl_id, self.config.callbacks, self.config.meta_keys)
        self.server.ping()
        self.frontier = Frontier(
            self.server, crawl_id, seen=self.config.seen_config(), lease_seconds=self.config.lease_seconds,
            max_concurrency=self.config.max_concurrency, delay_seconds=self.config.delay_seconds,
            domain_cap=self.config.domain_cap,
        )
        warn_if_evicting(self.server)
        queued, leased, paused = self.frontier.pending()
        logger.info("frontier %s: worker %s joins (%d queued, %d leased%s)", self.frontier.keys.prefix,
                    self.frontier.worker_id, queued, leased, ", paused" if paused else "")
        self._heartbeat()
        if self.crawler is not None:  # without a crawler (unit tests) the caller drives heartbeats
            beat = create_looping_call(self._heartbeat)
            beat.start(self.config.heartbeat_seconds, now=False)
            poll = create_looping_call(self.wake)
            poll.start(self.config.poll_seconds, now=False)
            self._loops = [beat, poll]
            self.crawler.signals.send_catch_log(frontier_opened, frontier=self, spider=spider)

    def close(self, reason: str) -> None:
        """Hand back unfinished leases; never delete shared state (``frontier purge`` does that)."""
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops = []
        # scrapy's call_later result has cancel() (a no-op once fired) but no active():
        # the callbacks below reset these attributes when they run.
        for call in (self._wake_call, self._ack_call):
            if call is not None:
                call.cancel()
        self._wake_call = self._ack_call = None
        if self.frontier is None:
            return
        self.flush(all_acks=True)  # the engine closed the item pipelines (and the store) before us
        released = self.frontier.release_worker()  # prefetched and unfinished leases alike
        self._held.clear()
        self._ready.clear()
        if released:
            self._inc("released", released)
            logger.info("frontier: worker %s handed %d unfinished requests back (%s)",
                        self.frontier.worker_id, released, reason)

    # -- Scrapy scheduler interface -------------------------------------------------------
    def has_pending_requests(self) -> bool:
        """Only local work counts: remote work is picked up by next_request; idle-close asks Redis."""
        return bool(self._buffer or self._ready)

    def __len__(self) -> int:
        return self._known[0] + len(self._buffer)

    def enqueue_request(self, request: Request) -> bool:
        assert self.codec is not None
        parent = request.meta.pop(LEASE_META_KEY, None)  # set on redirects/retries of a leased request
        key = seen_key(request.url)
        drop = None
        if key is None:
            drop = "dropped/bad_url"
        elif key in self._local_seen and not request.dont_filter:
            drop = "dropped/seen_local"  # cheap check first: most links of a page are known
        else:
            try:
                entry = self.codec.entry_from_request(request, self.spider)
            except BadEntryError as exc:
                drop = "dropped/unserializable"
                self._warn_once(str(exc)[:80], "frontier: request not queued: %s", exc)
        if drop is not None:
            self._inc(drop)
            if parent:
                self.ack(parent, "replaced")
            return False
        self._buffer.append(PushItem(self.codec.encode_entry(entry), _domain_of(request.url), key,
                                     entry.priority, entry.dont_filter))
        if parent:
            self.ack(parent, "replaced")  # sent after the buffered push, in the same round trip
        elif len(self._buffer) >= self.config.push_batch and time.monotonic() >= self._refused_until:
            self.flush()
        return True

    def next_request(self) -> Request | None:
        """Hand out a prefetched lease, or exchange with Redis: pushes, acks and new leases in one trip."""
        assert self.frontier is not None and self.codec is not None and self.spider is not None
        for _ in range(10):  # skip a few batches of bad entries in one call, not forever
            if self._ready:
                return self._hand(self._ready.popleft())
            batch = self._exchange(self.config.prefetch)
            if not batch.items:
                if batch.wait_ms >= 0:
                    self.wake(batch.wait_ms / 1000)
                return None
            now = time.monotonic()
            for lease_id, raw in batch.items:
                try:
                    request = self.codec.to_request(self.codec.decode(raw), self.spider)
                except BadEntryError as exc:
                    self._inc("bad_entry")
                    self._warn_once("bad_entry", "frontier: skipping bad entry %s: %s (counted in %s/bad_entry)",
                                    lease_id, exc, STATS)
                    self.frontier.discard(lease_id, raw, str(exc))
                    continue
                request.meta[LEASE_META_KEY] = lease_id
                request.errback = _LeaseErrback(self, request.errback)
                self._held[lease_id] = _Held(request, now)
                self._ready.append(request)
                self._inc("leased")
        return None

    def _hand(self, request: Request) -> Request:
        held = self._held.get(request.meta[LEASE_META_KEY])
        if held is not None:
            held.handed = True
        return request

    # -- pushes and acks ------------------------------------------------------------------
    def _exchange(self, lease_n: int, *, all_acks: bool = False) -> Any:
        """One round trip: buffered pushes, freed slots, due acks (children before parents), leases."""
        assert self.frontier is not None
        now = time.monotonic()
        while self._delayed and (all_acks or self._delayed[0][0] <= now):
            self._acks.append(self._delayed.popleft()[1])
        items, self._buffer = self._buffer, []
        acks, self._acks = self._acks, []
        done, self._done = self._done, []
        try:
            codes, acked, batch = self.frontier.exchange(items, acks, lease_n, done=done)
        except ResponseError as exc:
            if not is_out_of_memory(exc):
                raise
            # Redis is at maxmemory (noeviction) and refuses writes: keep everything and try again with
            # the next round trip; nothing is handed out meanwhile, so the worker waits instead of losing.
            self._buffer[:0], self._acks[:0], self._done[:0] = items, acks, done
            self._refused_until = time.monotonic() + self.config.poll_seconds  # no retry per request
            self._inc("refused_oom")
            self._warn_once("oom", "frontier: Redis refuses writes at its maxmemory (%s); %d requests and %d acks "
                                   "kept in this worker and retried (counted in %s/refused_oom)",
                            exc, len(self._buffer), len(self._acks), STATS)
            if self.crawler is not None:  # unit tests without a crawler drive the scheduler themselves
                self.wake(self.config.poll_seconds)
            return LeaseBatch()
        self._count_pushes(items, codes)
        if acked < len(acks):
            self._inc("ack_lost", len(acks) - acked)  # leases that expired and went to someone else
        return batch

    def flush(self, all_acks: bool = False) -> None:
        """Send buffered requests, freed slots and due acks (``all_acks``: every ack) to Redis now."""
        if self.frontier is None:
            return
        due = self._delayed and (all_acks or self._delayed[0][0] <= time.monotonic())
        if self._buffer or self._acks or self._done or due:
            self._exchange(0, all_acks=all_acks)

    def _count_pushes(self, items: list[PushItem], codes: list[int]) -> None:
        for item, code in zip(items, codes):
            self._inc(_PUSH_STAT[code].removeprefix(STATS + "/"))
            if code != PUSH_CAPPED:
                self._local_seen.add(item.key)

    def ack(self, lease_id: bytes | None, outcome: str) -> bool:
        """Done with a lease. Its domain's politeness slot is freed with the next round trip (at the
        latest ``_ACK_DELAY`` seconds later), after the pushes buffered before it, so a page's
        discovered requests are in Redis first. The lease itself is removed
        ``LINKSPIDER_FRONTIER_ACK_DELAY`` seconds later, once the store has written the page's items
        (the MongoDB pipeline writes in the background); a worker killed before that gives the page
        back to the queue instead of losing it.
        """
        if not lease_id or self.frontier is None or self._held.pop(lease_id, None) is None:
            return False  # not ours (any more): already acked, or handed back at close
        if self.config.ack_delay > 0:
            self._done.append(lease_id)
            self._delayed.append((time.monotonic() + self.config.ack_delay, lease_id))
        else:
            self._acks.append(lease_id)
        self._inc(f"acked/{outcome}")
        if self.crawler is None or len(self._acks) + len(self._done) >= self.config.prefetch * 4:
            self.flush()
        elif self._ack_call is None:
            self._ack_call = call_later(_ACK_DELAY, self._delayed_flush)
        return True

    def track_output(self, lease_id: bytes | None, output: Iterable[Any] | AsyncIterator[Any],
                     outcome: str = "ok") -> Iterator[Any] | AsyncIterator[Any]:
        """Wrap a callback's output: ack once it is exhausted and every item it yielded is processed."""
        held = self._held.get(lease_id) if lease_id else None
        if held is None:
            return output
        held.iterating = True
        if isinstance(output, AsyncIterator):
            return self._track_async(lease_id, held, output, outcome)
        return self._track_sync(lease_id, held, output, outcome)

    def _count_output(self, lease_id: bytes, held: _Held, obj: Any) -> None:
        if isinstance(obj, Request):
            if obj.meta.get(LEASE_META_KEY) == lease_id:
                del obj.meta[LEASE_META_KEY]  # the spider copied response.meta: a child is not a retry
        elif obj is not None:
            held.outstanding += 1

    def _track_sync(self, lease_id: bytes, held: _Held, output: Iterable[Any], outcome: str) -> Iterator[Any]:
        finished = False
        try:
            for obj in output:
                self._count_output(lease_id, held, obj)
                yield obj
            finished = True
        except Exception:
            finished = True
            outcome = "callback_error"
            raise
        finally:
            if finished:
                self._iteration_done(lease_id, held, outcome)

    async def _track_async(self, lease_id: bytes, held: _Held, output: AsyncIterator[Any],
                           outcome: str) -> AsyncIterator[Any]:
        finished = False
        try:
            async for obj in output:
                self._count_output(lease_id, held, obj)
                yield obj
            finished = True
        except Exception:
            finished = True
            outcome = "callback_error"
            raise
        finally:
            if finished:
                self._iteration_done(lease_id, held, outcome)

    def _iteration_done(self, lease_id: bytes, held: _Held, outcome: str) -> None:
        held.iterating = False
        if held.outstanding <= 0:  # otherwise the last item signal acks
            self.ack(lease_id, outcome)

    def _on_item_done(self, item: Any, response: Response | Failure | None = None, **kwargs: Any) -> None:
        request = getattr(response, "request", None)
        lease_id = request.meta.get(LEASE_META_KEY) if request is not None else None
        held = self._held.get(lease_id) if lease_id else None
        if held is None:
            return
        held.outstanding -= 1
        if held.outstanding <= 0 and not held.iterating:
            self.ack(lease_id, "ok")

    def callback_failed(self, response: Response) -> None:
        """A callback raised before producing output (spider middleware process_spider_exception)."""
        lease_id = response.meta.get(LEASE_META_KEY) if response.request is not None else None
        held = self._held.get(lease_id) if lease_id else None
        if held is not None and not held.iterating and held.outstanding <= 0:
            self.ack(lease_id, "callback_error")

    # -- background work ------------------------------------------------------------------
    def _delayed_flush(self) -> None:
        self._ack_call = None
        self.flush()

    def _delayed_wake(self) -> None:
        self._wake_call = None
        self.wake()

    def wake(self, delay: float | None = None) -> None:
        """Make the engine ask for requests now (or after ``delay``): remote work never signals us."""
        if delay is not None and delay > 0:
            if self._wake_call is None:
                self._wake_call = call_later(min(delay, self.config.poll_seconds), self._delayed_wake)
            return
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(engine, "_slot", None) or getattr(engine, "slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None and getattr(slot, "closing", None) is None:
            nextcall.schedule()

    def _heartbeat(self) -> None:
        if self.frontier is None:
            return
        self._reap_orphans()
        self.flush()
        info = {"pid": os.getpid(), "held": len(self._held), "spider": getattr(self.spider, "name", "")}
        self.frontier.heartbeat([*self._held, *(m for _, m in self._delayed)], info)
        reaped = self.frontier.reap()
        if reaped:
            self._inc("reaped", reaped)
            logger.info("frontier: requeued %d requests whose lease expired (a worker died or hung)", reaped)
        self._known = self.frontier.pending()
        seen = self.frontier.seen
        if seen is not None and seen.mode == "bloom" and "bloom_full" not in self._warned:
            count = int(self.server.hget(self.frontier.keys.counters, "seen") or 0)
            if count > seen.expected:
                self._warn_once("bloom_full", "frontier: the Bloom filter holds %d URLs, more than the %d it was "
                                "sized for; its false-positive rate is now above %.2g and new URLs are being "
                                "skipped (start a new crawl with a larger LINKSPIDER_SEEN_EXPECTED_URLS)",
                                count, seen.expected, seen.error_rate)

    def _reap_orphans(self) -> None:
        """Ack leases whose request left the engine without any ack path firing (a safety net)."""
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(engine, "_slot", None) or getattr(engine, "slot", None)
        inprogress = getattr(slot, "inprogress", None)
        if inprogress is None:
            return
        now = time.monotonic()
        for lease_id, held in list(self._held.items()):
            if held.handed and held.request not in inprogress and not held.iterating and held.outstanding <= 0 \
                    and now - held.leased_at > 1.0:
                logger.debug("frontier: lease %s left the engine without an ack; acking", lease_id)
                self.ack(lease_id, "orphan")

    def _on_response_received(self, response: Response, request: Request, spider: Spider) -> None:
        """Record a robots.txt Crawl-delay for the domain, for every worker."""
        if self.frontier is None or response.status != 200 or not is_robots_url(response.url):
            return
        ua = request.headers.get(b"User-Agent", b"").decode("latin-1") or "*"
        delay = effective_crawl_delay(crawl_delay_from_robots(response.body, ua), self.config.delay_seconds,
                                      self.config.max_crawl_delay)
        if delay is not None:
            domain = _domain_of(response.url)
            self.frontier.set_crawl_delay(domain, delay)
            self.crawl_delays[domain] = delay
            self._inc("crawl_delay_recorded")
            logger.info("frontier: %s asks for Crawl-delay %.2fs; all workers honour it", domain, delay)

    # -- idle close -----------------------------------------------------------------------
    def crawl_pending(self) -> tuple[int, int, bool]:
        """(queued, leased, paused) for the whole crawl, after pushing anything buffered.

        A crawl nothing was ever pushed to has not started: it reports as paused, so a worker
        started before the seeds waits for them instead of finishing at once.
        """
        assert self.frontier is not None
        self.flush()
        self._known = self.frontier.pending()
        if not self._started:
            self._started = bool(self.server.hexists(self.frontier.keys.counters, "pushed"))
            if not self._started:
                self._warn_once("waiting", "frontier: crawl %s has no requests yet; waiting for seeds "
                                "(`linkspider frontier seed --crawl-id %s URL`)", self.frontier.crawl_id,
                                self.frontier.crawl_id)
                return (self._known[0], self._known[1], True)
        return self._known

    # -- helpers ----------------------------------------------------------------------------
    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"{STATS}/{key}", n)

    def _warn_once(self, key: str, msg: str, *args: Any) -> None:
        if key in self._warned:
            logger.debug(msg, *args)
            return
        self._warned.add(key)
        logger.warning(msg, *args)
