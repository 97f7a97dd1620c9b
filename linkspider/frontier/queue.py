"""The frontier core: per-domain queues, fair hand-out across domains, leases, acks, requeue.

Framework-neutral (no Scrapy here): the scheduler, the ``frontier`` command, the tests and the
benchmark all drive this class. Every state change is one Lua script, so workers racing on the same
crawl cannot lose or double-hand a request.

Data model (keys under ``linkspider:<crawl_id>:``, see :mod:`.keys`):

* ``l:<domain>`` list of JSON entries of priority 0, first in first out: almost every request. A list
  costs the entry and a few bytes (listpack nodes), where a sorted set member costs about 100 more;
* ``q:<domain>`` sorted set of "id TAB JSON entry" for the other priorities (score: priority, then FIFO:
  the id is a sequence); higher priorities go before the list, lower ones after it;
  ``domcount`` hash domain -> new URLs admitted (the page cap; also lists the crawl's domains);
* ``ready`` sorted set of domains that have backlog and a free concurrency slot, scored by the time
  (ms) they may next be fetched; hand-out always takes the domain that has waited longest, so a
  domain with a million URLs gets one turn like every other domain (round robin);
* ``active`` hash domain -> leases in flight, ``next`` hash domain -> next allowed time, ``delay``
  hash domain -> robots.txt Crawl-delay (ms);
* ``leases`` sorted set of leases scored by deadline; a lease is the string
  "worker TAB domain TAB queue score TAB n TAB queue member", so one ZREM acks it and everything needed
  to requeue it travels with it (queue score ``L`` and member "0 TAB entry" for an entry of the list).
  ``n`` is new at every hand-out, so a late ack of an expired lease (already handed to another worker)
  is a no-op. An expired lease goes back to its queue.

Leases are bytes in Python (the entry inside may not be valid UTF-8 if someone wrote garbage into Redis;
it must round-trip exactly to be acked).
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import NoScriptError

from .keys import FrontierKeys
from .seen import BLOOM_CHUNK_BITS, LUA_SEEN, SeenConfig, preallocate_bloom

logger = logging.getLogger(__name__)

__all__ = [
    "PUSH_CAPPED",
    "PUSH_DUPLICATE",
    "PUSH_NEW",
    "PUSH_REQUEUED",
    "Frontier",
    "LeaseBatch",
    "PushItem",
    "make_worker_id",
]

PUSH_DUPLICATE = 0  #: already seen, not queued
PUSH_NEW = 1  #: new URL, queued
PUSH_CAPPED = 2  #: new URL refused: its domain reached LINKSPIDER_MAX_PAGES_PER_DOMAIN
PUSH_REQUEUED = 3  #: dont_filter request (retry, forced seed) queued whether seen or not

# "#!lua" (Redis >= 7): Redis checks maxmemory once, before a script runs, and refuses it whole when
# full; without it a write inside the script fails midway and leaves the writes before it (a URL
# marked seen but never queued).
_LUA_COMMON = "#!lua\n" + LUA_SEEN + """
local function now_ms(arg)
  local n = tonumber(arg)
  if n and n >= 0 then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local has_delays = nil
local function domain_delay(p, d, delay_ms)
  if has_delays == nil then has_delays = redis.call('EXISTS', p .. 'delay') == 1 end
  if not has_delays then return delay_ms end
  local robots = tonumber(redis.call('HGET', p .. 'delay', d) or '0')
  if robots > delay_ms then return robots end
  return delay_ms
end
-- a lease of domain d ended (ack or requeue): free its slot, push its next turn back by the delay
local function release_slot(p, d, now, maxc, delay_ms)
  local a = redis.call('HINCRBY', p .. 'active', d, -1)
  if a <= 0 then redis.call('HDEL', p .. 'active', d); a = 0 end
  local dl = domain_delay(p, d, delay_ms)
  local nxt = now
  if dl > 0 then
    nxt = now + dl
    local prev = tonumber(redis.call('HGET', p .. 'next', d) or '0')
    if prev > nxt then nxt = prev end
    redis.call('HSET', p .. 'next', d, nxt)
  end
  if a < maxc and redis.call('EXISTS', p .. 'q:' .. d, p .. 'l:' .. d) > 0 then
    redis.call('ZADD', p .. 'ready', nxt, d)
  end
end
-- a lease member is worker TAB domain TAB queue-score TAB lease-seq TAB queue-member (id TAB body)
local function split_lease(m)
  local w, d, s, qm = string.match(m, '^(.-)\\t(.-)\\t(.-)\\t[^\\t]*\\t(.*)$')
  return w, d, s, qm
end
local function requeue(p, m, now, maxc, delay_ms)
  if redis.call('ZREM', p .. 'leases', m) == 0 then return 0 end
  local w, d, score, qm = split_lease(m)
  if not w then return 0 end
  if score == 'L' then
    redis.call('LPUSH', p .. 'l:' .. d, string.sub(qm, 3))  -- back at the head, where it was taken
  else
    redis.call('ZADD', p .. 'q:' .. d, tonumber(score), qm)
  end
  redis.call('HINCRBY', p .. 'counters', 'queued', 1)
  if redis.call('SREM', p .. 'freed', m) == 0 then
    release_slot(p, d, now, maxc, delay_ms)
  elseif not redis.call('ZSCORE', p .. 'ready', d) then
    -- its slot was freed when the page was done; the domain only needs to be eligible again
    if tonumber(redis.call('HGET', p .. 'active', d) or '0') < maxc then
      redis.call('ZADD', p .. 'ready', tonumber(redis.call('HGET', p .. 'next', d) or '0'), d)
    end
  end
  return 1
end
"""

# ARGV: prefix, mode, nargs, chunk_bits, cap, maxc, then per URL: body, domain, priority, df, seen args
_PUSH = _LUA_COMMON + """
local p, mode, nargs, chunk_bits = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local cap, maxc = tonumber(ARGV[5]), tonumber(ARGV[6])
local step = 4 + nargs
local out, pushed, fresh = {}, 0, 0
local seq = nil
for base = 7, #ARGV, step do
  local body, d, pri, df = ARGV[base], ARGV[base + 1], tonumber(ARGV[base + 2]), ARGV[base + 3] == '1'
  local sbase = base + 4
  local code
  if mode == 'exact' and not df then
    -- one call for the common case: SADD is the test-and-set; undone if the domain is over its cap
    if not seen_set(p, mode, sbase, nargs, chunk_bits) then
      code = 0
    elseif cap > 0 and redis.call('HINCRBY', p .. 'domcount', d, 1) > cap then
      redis.call('HINCRBY', p .. 'domcount', d, -1)
      redis.call('SREM', p .. 'seen:' .. ARGV[sbase], ARGV[sbase + 1])
      code = 2
    else
      if cap <= 0 then redis.call('HINCRBY', p .. 'domcount', d, 1) end
      code = 1
    end
  else
    local new = not seen_test(p, mode, sbase, nargs, chunk_bits)
    if (not new) and (not df) then
      code = 0
    elseif new and (not df) and cap > 0 and tonumber(redis.call('HGET', p .. 'domcount', d) or '0') >= cap then
      code = 2
    elseif new then
      seen_set(p, mode, sbase, nargs, chunk_bits)
      redis.call('HINCRBY', p .. 'domcount', d, 1)
      code = 1
    else
      code = 3
    end
  end
  if code == 1 or code == 3 then
    if code == 1 then fresh = fresh + 1 end
    if pri == 0 then
      redis.call('RPUSH', p .. 'l:' .. d, body)
    else
      if seq == nil then
        seq = redis.call('INCRBY', p .. 'seq', (#ARGV - 6) / step) - (#ARGV - 6) / step
      end
      seq = seq + 1
      redis.call('ZADD', p .. 'q:' .. d, -pri * 4294967296 + seq, seq .. '\\t' .. body)
    end
    pushed = pushed + 1
    if not redis.call('ZSCORE', p .. 'ready', d) then
      if tonumber(redis.call('HGET', p .. 'active', d) or '0') < maxc then
        redis.call('ZADD', p .. 'ready', tonumber(redis.call('HGET', p .. 'next', d) or '0'), d)
      end
    end
  end
  out[#out + 1] = code
end
if pushed > 0 then
  redis.call('HINCRBY', p .. 'counters', 'queued', pushed)
  redis.call('HINCRBY', p .. 'counters', 'pushed', pushed)
end
if fresh > 0 then redis.call('HINCRBY', p .. 'counters', 'seen', fresh) end
return out
"""

# ARGV: prefix, worker, n, lease_ms, maxc, delay_ms, now -> {wait_ms, lease1, lease2, ...}
_LEASE = _LUA_COMMON + """
local p, worker, n, lease_ms = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local maxc, delay_ms, now = tonumber(ARGV[5]), tonumber(ARGV[6]), now_ms(ARGV[7])
if redis.call('EXISTS', p .. 'paused') == 1 then return {-2} end
local out = {0}
local got = 0
local lseq = nil
while got < n do
  local first = redis.call('ZRANGEBYSCORE', p .. 'ready', '-inf', now, 'LIMIT', 0, 1)
  if #first == 0 then break end
  local d = first[1]
  local qk, lk = p .. 'q:' .. d, p .. 'l:' .. d
  -- the sorted set's head goes first if it outranks the list (priority > 0) or the list is empty
  local qm, score = nil, nil
  local head = redis.call('ZRANGE', qk, 0, 0, 'WITHSCORES')
  if #head > 0 and (tonumber(head[2]) < 0 or redis.call('LLEN', lk) == 0) then
    redis.call('ZREM', qk, head[1])
    qm, score = head[1], head[2]
  else
    local body = redis.call('LPOP', lk)
    if body then qm, score = '0\\t' .. body, 'L' end
  end
  if qm == nil then
    redis.call('ZREM', p .. 'ready', d)
  else
    local active = redis.call('HINCRBY', p .. 'active', d, 1)
    local dl = domain_delay(p, d, delay_ms)
    local nxt = now + dl
    if dl > 0 then redis.call('HSET', p .. 'next', d, nxt) end
    if active >= maxc or redis.call('EXISTS', qk, lk) == 0 then
      redis.call('ZREM', p .. 'ready', d)
    else
      redis.call('ZADD', p .. 'ready', nxt, d)
    end
    -- a fresh lease member per hand-out: a late ack of an expired lease cannot ack its successor
    if lseq == nil then lseq = redis.call('INCRBY', p .. 'lseq', n) - n end
    lseq = lseq + 1
    local m = worker .. '\\t' .. d .. '\\t' .. score .. '\\t' .. lseq .. '\\t' .. qm
    redis.call('ZADD', p .. 'leases', now + lease_ms, m)
    out[#out + 1] = m
    got = got + 1
  end
end
if got > 0 then
  redis.call('HINCRBY', p .. 'counters', 'queued', -got)
  redis.call('HINCRBY', p .. 'counters', 'leased', got)
end
if got < n then
  local head = redis.call('ZRANGE', p .. 'ready', 0, 0, 'WITHSCORES')
  if #head == 0 then out[1] = -1 else
    local wait = tonumber(head[2]) - now
    if wait < 0 then wait = 0 end
    out[1] = wait
  end
end
return out
"""

# ARGV: prefix, maxc, delay_ms, now, leases...
_ACK = _LUA_COMMON + """
local p, maxc, delay_ms, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(ARGV[4])
local acked = 0
for i = 5, #ARGV do
  local m = ARGV[i]
  if redis.call('ZREM', p .. 'leases', m) == 1 then
    local w, d = split_lease(m)
    if w and redis.call('SREM', p .. 'freed', m) == 0 then release_slot(p, d, now, maxc, delay_ms) end
    acked = acked + 1
  end
end
if acked > 0 then redis.call('HINCRBY', p .. 'counters', 'acked', acked) end
return acked
"""

# ARGV: prefix, maxc, delay_ms, now, leases... -> slots freed. A page is done (its domain's
# politeness slot is free again) but its lease stays until the ack, so a crash before the store
# has written the page still sends it back to the queue.
_DONE = _LUA_COMMON + """
local p, maxc, delay_ms, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(ARGV[4])
local freed = 0
for i = 5, #ARGV do
  local m = ARGV[i]
  if redis.call('ZSCORE', p .. 'leases', m) and redis.call('SADD', p .. 'freed', m) == 1 then
    local w, d = split_lease(m)
    if w then release_slot(p, d, now, maxc, delay_ms) end
    freed = freed + 1
  end
end
return freed
"""

# ARGV: prefix, maxc, delay_ms, now, limit, lease_ms -> number of leases requeued
_REAP = _LUA_COMMON + """
local p, maxc, delay_ms, now, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(ARGV[4]), ARGV[5]
local lease_ms = tonumber(ARGV[6])
local back = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', now, 'LIMIT', 0, limit)) do
  back = back + requeue(p, m, now, maxc, delay_ms)
end
if back > 0 then redis.call('HINCRBY', p .. 'counters', 'reaped', back) end
-- forget workers silent for ten lease periods (status shows them as stale until then)
for _, w in ipairs(redis.call('ZRANGEBYSCORE', p .. 'workers', '-inf', now - 10 * lease_ms, 'LIMIT', 0, 100)) do
  redis.call('ZREM', p .. 'workers', w)
  redis.call('DEL', p .. 'worker:' .. w)
end
return back
"""

# ARGV: prefix, worker, maxc, delay_ms, now -> number of leases requeued (a worker leaving on purpose)
_RELEASE_WORKER = _LUA_COMMON + """
local p, worker, maxc, delay_ms, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), now_ms(ARGV[5])
local back = 0
local mine = worker .. '\\t'
for _, m in ipairs(redis.call('ZRANGE', p .. 'leases', 0, -1)) do
  if string.sub(m, 1, #mine) == mine then back = back + requeue(p, m, now, maxc, delay_ms) end
end
redis.call('ZREM', p .. 'workers', worker)
redis.call('DEL', p .. 'worker:' .. worker)
if back > 0 then redis.call('HINCRBY', p .. 'counters', 'released', back) end
return back
"""

# ARGV: prefix, worker, lease_ms, now, leases... -> leases renewed (only this worker's, still held)
_HEARTBEAT = _LUA_COMMON + """
local p, worker, lease_ms, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), now_ms(ARGV[4])
redis.call('ZADD', p .. 'workers', now, worker)
local renewed = 0
local mine = worker .. '\\t'
for i = 5, #ARGV do
  if string.sub(ARGV[i], 1, #mine) == mine then
    renewed = renewed + redis.call('ZADD', p .. 'leases', 'XX', 'CH', now + lease_ms, ARGV[i])
  end
end
return renewed
"""


def make_worker_id() -> str:
    """host:pid:random, unique per process start (a restarted worker must not inherit leases)."""
    host = socket.gethostname().split(".")[0] or "host"
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class PushItem:
    """A request on its way into the frontier: JSON body, registered domain, priority, seen key."""

    body: str
    domain: str
    key: str
    priority: int = 0
    dont_filter: bool = False


@dataclass
class LeaseBatch:
    """What a lease call handed out, and when the next domain becomes eligible.

    ``wait_ms``: -1 nothing is eligible until a slot frees or a push arrives, -2 the crawl is paused,
    >= 0 milliseconds until the politeness delay of the next domain in line ends.
    """

    items: list[tuple[bytes, bytes]] = field(default_factory=list)
    wait_ms: int = -1

    @property
    def paused(self) -> bool:
        return self.wait_ms == -2


def _s(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class Frontier:
    """One crawl's frontier as seen by one worker (or by the ``frontier`` command)."""

    def __init__(
        self,
        server,
        crawl_id: str,
        *,
        seen: SeenConfig | None = None,
        worker_id: str | None = None,
        lease_seconds: float = 60.0,
        max_concurrency: int = 8,
        delay_seconds: float = 0.0,
        domain_cap: int = 0,
    ) -> None:
        self.server = server
        self.keys = FrontierKeys(crawl_id)
        self.crawl_id = crawl_id
        self.worker_id = worker_id or make_worker_id()
        self.lease_ms = int(lease_seconds * 1000)
        self.max_concurrency = max_concurrency
        self.delay_ms = int(delay_seconds * 1000)
        self.domain_cap = domain_cap
        self.seen = self.ensure_meta(seen) if seen is not None else self.load_seen()
        self._push = server.register_script(_PUSH)
        self._lease = server.register_script(_LEASE)
        self._ack = server.register_script(_ACK)
        self._done = server.register_script(_DONE)
        self._reap = server.register_script(_REAP)
        self._release = server.register_script(_RELEASE_WORKER)
        self._heartbeat = server.register_script(_HEARTBEAT)

    # -- crawl metadata ---------------------------------------------------------------------
    def ensure_meta(self, wanted: SeenConfig) -> SeenConfig:
        """First worker fixes the seen-set layout; later ones adopt it (and say so if theirs differs)."""
        pipe = self.server.pipeline()
        for name, value in wanted.to_mapping().items():
            pipe.hsetnx(self.keys.meta, name, value)
        pipe.hsetnx(self.keys.meta, "created_at", f"{time.time():.3f}")
        pipe.hgetall(self.keys.meta)
        results = pipe.execute()
        stored = SeenConfig.from_mapping(results[-1])
        if results[0]:  # this worker created the crawl: size the Bloom filter once, exactly
            preallocate_bloom(self.server, self.keys, stored)
        if stored != wanted:
            logger.warning(
                "crawl %s keeps the seen-set it was started with (%s); this worker's settings ask for %s",
                self.crawl_id, stored, wanted,
            )
        return stored

    def load_seen(self) -> SeenConfig | None:
        data = self.server.hgetall(self.keys.meta)
        return SeenConfig.from_mapping(data) if data else None

    def _seen_or_default(self) -> SeenConfig:
        if self.seen is None:
            from .config import FrontierConfig  # defaults for a crawl the command seeds first

            self.seen = self.ensure_meta(FrontierConfig().seen_config())
        return self.seen

    # -- push / lease / ack -----------------------------------------------------------------
    def _push_args(self, items: Sequence[PushItem]) -> list[Any]:
        seen = self._seen_or_default()
        argv: list[Any] = [self.keys.prefix, seen.mode, seen.nargs, BLOOM_CHUNK_BITS, self.domain_cap,
                           self.max_concurrency]
        for item in items:
            argv.extend((item.body, item.domain, item.priority, int(item.dont_filter)))
            argv.extend(seen.args(item.key))
        return argv

    def push_many(self, items: Sequence[PushItem]) -> list[int]:
        """Queue requests the seen-set has not seen; returns one PUSH_* code per item."""
        if not items:
            return []
        return [int(c) for c in self._push(args=self._push_args(items))]

    def push_and_ack(self, items: Sequence[PushItem], ids: Sequence[bytes],
                     now_ms: int | None = None) -> tuple[list[int], int]:
        """A page's discovered requests, then its ack, in one round trip (pushes run first)."""
        codes, acked, _ = self.exchange(items, ids, 0, now_ms)
        return codes, acked

    def exchange(self, items: Sequence[PushItem], ids: Sequence[bytes], lease_n: int,
                 now_ms: int | None = None, done: Sequence[bytes] = ()) -> tuple[list[int], int, LeaseBatch]:
        """Push, then free the slots of ``done`` leases, then ack ``ids``, then lease up to ``lease_n``,
        in one round trip (a pipeline of the scripts).

        Pushes run before acks, so a page's discovered requests are in Redis before its lease ends.
        """
        now = -1 if now_ms is None else now_ms
        calls: list[tuple[Any, list[Any]]] = []
        if items:
            calls.append((self._push, self._push_args(items)))
        if done:
            calls.append((self._done, [self.keys.prefix, self.max_concurrency, self.delay_ms, now, *done]))
        if ids:
            calls.append((self._ack, [self.keys.prefix, self.max_concurrency, self.delay_ms, now, *ids]))
        if lease_n > 0:
            calls.append((self._lease, [self.keys.prefix, self.worker_id, lease_n, self.lease_ms,
                                        self.max_concurrency, self.delay_ms, now]))
        if not calls:
            return [], 0, LeaseBatch()
        # plain EVALSHA: redis-py's Script in a pipeline would add a SCRIPT EXISTS round trip
        pipe = self.server.pipeline(transaction=False)
        for script, args in calls:
            pipe.evalsha(script.sha, 0, *args)
        results = list(pipe.execute(raise_on_error=False))
        for i, result in enumerate(results):
            if isinstance(result, NoScriptError):  # Redis restarted and lost its scripts: run this one again
                script, args = calls[i]
                results[i] = script(args=args)  # Script re-loads itself
            elif isinstance(result, Exception):
                raise result
        codes = [int(c) for c in results.pop(0)] if items else []
        if done:
            results.pop(0)
        acked = int(results.pop(0)) if ids else 0
        batch = self._lease_batch(results.pop(0)) if lease_n > 0 else LeaseBatch()
        return codes, acked, batch

    def lease(self, n: int = 1, now_ms: int | None = None) -> LeaseBatch:
        """Hand out up to ``n`` requests, each from the domain that has waited longest and may go now."""
        raw = self._lease(args=[self.keys.prefix, self.worker_id, n, self.lease_ms, self.max_concurrency,
                                self.delay_ms, -1 if now_ms is None else now_ms])
        return self._lease_batch(raw)

    @staticmethod
    def _lease_batch(raw: list[Any]) -> LeaseBatch:
        """Items are (lease, entry body): the body is the part after the lease's fifth tab."""
        return LeaseBatch(items=[(m, m.split(b"\t", 5)[5]) for m in raw[1:]], wait_ms=int(raw[0]))

    def ack(self, ids: Iterable[bytes], now_ms: int | None = None) -> int:
        """Done with these leases (idempotent: an id acked twice or already requeued counts 0)."""
        return self._on_leases(self._ack, ids, now_ms)

    def done(self, ids: Iterable[bytes], now_ms: int | None = None) -> int:
        """Free the politeness slots of these leases now; they stay leased until :meth:`ack`."""
        return self._on_leases(self._done, ids, now_ms)

    def _on_leases(self, script: Any, ids: Iterable[bytes], now_ms: int | None) -> int:
        """Run a slot-freeing script (ack, done) over lease ids; no round trip for none."""
        ids = list(ids)
        if not ids:
            return 0
        return int(script(args=[self.keys.prefix, self.max_concurrency, self.delay_ms,
                                -1 if now_ms is None else now_ms, *ids]))

    def discard(self, lease_id: bytes, raw: bytes | str, reason: str) -> int:
        """Ack a lease whose entry is unusable, keeping the last 1000 such entries for inspection."""
        pipe = self.server.pipeline()
        pipe.lpush(self.keys.key("bad"), f"{reason}\t{_s(raw)[:2000]}")
        pipe.ltrim(self.keys.key("bad"), 0, 999)
        pipe.hincrby(self.keys.counters, "bad", 1)
        pipe.execute()
        return self.ack([lease_id])

    def reap(self, now_ms: int | None = None, limit: int = 1000) -> int:
        """Requeue leases whose deadline passed (their worker died or hung); any worker may call it."""
        return int(self._reap(args=[self.keys.prefix, self.max_concurrency, self.delay_ms,
                                    -1 if now_ms is None else now_ms, limit, self.lease_ms]))

    def release_worker(self, worker_id: str | None = None, now_ms: int | None = None) -> int:
        """Requeue every lease of a worker at once: what a worker does when it leaves early."""
        return int(self._release(args=[self.keys.prefix, worker_id or self.worker_id, self.max_concurrency,
                                       self.delay_ms, -1 if now_ms is None else now_ms]))

    def heartbeat(self, lease_ids: Iterable[bytes] = (), info: dict[str, Any] | None = None,
                  now_ms: int | None = None) -> int:
        """Say this worker is alive and extend the leases it still holds; returns leases renewed."""
        if info:
            self.server.hset(self.keys.worker_info(self.worker_id), mapping={k: str(v) for k, v in info.items()})
        return int(self._heartbeat(args=[self.keys.prefix, self.worker_id, self.lease_ms,
                                         -1 if now_ms is None else now_ms, *lease_ids]))

    # -- crawl state ------------------------------------------------------------------------
    def set_crawl_delay(self, domain: str, seconds: float) -> None:
        """Record a robots.txt Crawl-delay for a domain (all workers honour it from their next lease)."""
        self.server.hset(self.keys.delay, domain, int(seconds * 1000))

    def pending(self) -> tuple[int, int, bool]:
        """(queued, leased, paused) in one round trip: what the idle-close check needs."""
        pipe = self.server.pipeline(transaction=False)
        pipe.hget(self.keys.counters, "queued")
        pipe.zcard(self.keys.leases)
        pipe.exists(self.keys.paused)
        queued, leased, paused = pipe.execute()
        return int(queued or 0), int(leased), bool(paused)

    def backlog(self, domain: str) -> int:
        """Requests of ``domain`` waiting in the queue (its list and its sorted set)."""
        pipe = self.server.pipeline(transaction=False)
        pipe.zcard(self.keys.queue(domain))
        pipe.llen(self.keys.fifo(domain))
        return sum(int(n) for n in pipe.execute())

    def pause(self) -> None:
        self.server.set(self.keys.paused, f"{time.time():.3f}")

    def resume(self) -> None:
        self.server.delete(self.keys.paused)

    def purge(self) -> int:
        """Delete every key of the crawl (queues, seen-set, leases, scope): the only way state is deleted."""
        deleted = 0
        batch: list[bytes] = []
        for key in self.server.scan_iter(match=self.keys.pattern, count=1000):
            batch.append(key)
            if len(batch) >= 500:
                deleted += self.server.unlink(*batch)
                batch = []
        if batch:
            deleted += self.server.unlink(*batch)
        return deleted

    def status(self, top: int = 20) -> dict[str, Any]:
        """Everything ``linkspider frontier status`` prints."""
        k = self.keys
        pipe = self.server.pipeline(transaction=False)
        pipe.hgetall(k.counters)
        pipe.zcard(k.leases)
        pipe.exists(k.paused)
        pipe.hkeys(k.domain_count)
        pipe.hgetall(k.active)
        pipe.zrange(k.workers, 0, -1, withscores=True)
        pipe.time()
        pipe.hgetall(k.meta)
        pipe.hgetall(k.delay)
        counters, leased, paused, known, active, workers, now, meta, delays = pipe.execute()
        now_ms = int(now[0]) * 1000 + int(now[1]) // 1000
        known_domains = sorted({_s(d) for d in known} | {_s(d) for d in active})
        pipe = self.server.pipeline(transaction=False)
        for d in known_domains:
            pipe.zcard(k.queue(d))
            pipe.llen(k.fifo(d))
        sizes = pipe.execute() if known_domains else []
        backlog_d = {d: int(a) + int(b) for d, a, b in zip(known_domains, sizes[::2], sizes[1::2]) if int(a) + int(b)}
        active_d = {_s(d): int(n) for d, n in active.items()}
        lease_counts: dict[str, int] = {}
        for member in self.server.zrange(k.leases, 0, -1):
            owner = _s(member.split(b"\t", 1)[0])
            lease_counts[owner] = lease_counts.get(owner, 0) + 1
        pipe = self.server.pipeline(transaction=False)
        worker_ids = [_s(w) for w, _ in workers]
        for w in worker_ids:
            pipe.hgetall(k.worker_info(w))
        res = pipe.execute() if worker_ids else []
        worker_rows = []
        for i, (w, beat) in enumerate(workers):
            wid = _s(w)
            worker_rows.append({
                "worker": wid, "age_s": round((now_ms - beat) / 1000, 1), "leased": lease_counts.get(wid, 0),
                **{_s(a): _s(b) for a, b in res[i].items()},
            })
        domains = sorted(set(backlog_d) | set(active_d), key=lambda d: (-backlog_d.get(d, 0), d))
        return {
            "crawl_id": self.crawl_id,
            "paused": bool(paused),
            "queued": int(counters.get(b"queued", 0)),
            "leased": int(leased),
            "seen": int(counters.get(b"seen", 0)),
            "counters": {_s(a): int(b) for a, b in counters.items()},
            "seen_config": SeenConfig.from_mapping(meta).to_mapping() if meta else None,
            "domains": len(domains),
            "backlog": [
                {"domain": d, "queued": backlog_d.get(d, 0), "active": active_d.get(d, 0),
                 "crawl_delay_ms": int(delays.get(d.encode(), 0))}
                for d in domains[:top]
            ],
            "workers": worker_rows,
        }
