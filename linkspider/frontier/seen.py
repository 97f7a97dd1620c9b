"""The seen-set of a crawl: exact (8-byte hashes in sharded Redis intsets) or a Bloom filter.

scrapy-redis stores a 40-character hex SHA1 per URL in one big Redis set, about 80 bytes per URL.
Here the exact set stores a 64-bit hash of the URL key as an integer member of one of many small
sets: Redis keeps a set of at most ``set-max-intset-entries`` (512) integers as a packed array of
8-byte values, so a URL costs about 9-10 bytes. The Bloom filter stores ``k`` bits per URL in Redis
strings (bitmaps) sized from the expected URL count and error rate: about 1.2 bytes per URL at 1 %.
Test-and-set runs in Lua, so two workers never both think a URL is new.

The sizing (bucket count, bits, hashes) is fixed when a crawl starts and kept in Redis
(``linkspider:<crawl_id>:meta``), so every worker hashes a URL to the same place.
"""
from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from linkspider.errors import ConfigurationError, InvalidURLError

from .keys import FrontierKeys

logger = logging.getLogger(__name__)

__all__ = [
    "BLOOM_CHUNK_BITS",
    "EXACT_BUCKET_LOAD",
    "SEEN_MODES",
    "LocalSeenCache",
    "SeenConfig",
    "SeenSet",
    "bloom_size",
    "exact_buckets",
    "preallocate_bloom",
    "seen_key",
]

SEEN_MODES = ("exact", "bloom")

#: Bits per Redis string of the Bloom filter (Redis caps SETBIT offsets at 2**32 - 1).
BLOOM_CHUNK_BITS = 1 << 31

#: Mean members per exact bucket; below Redis's set-max-intset-entries (512) with room for variance.
EXACT_BUCKET_LOAD = 256


def bloom_size(expected: int, error_rate: float) -> tuple[int, int]:
    """Bits ``m`` and hash count ``k`` of an optimal Bloom filter for ``expected`` items at ``error_rate``."""
    if expected < 1:
        raise ConfigurationError(f"LINKSPIDER_SEEN_EXPECTED_URLS={expected!r} must be at least 1")
    if not 0 < error_rate < 1:
        raise ConfigurationError(f"LINKSPIDER_SEEN_ERROR_RATE={error_rate!r} must be between 0 and 1")
    bits = math.ceil(-expected * math.log(error_rate) / (math.log(2) ** 2))
    hashes = max(1, round(bits / expected * math.log(2)))
    return bits, hashes


def exact_buckets(expected: int) -> int:
    """A power of two so buckets hold about EXACT_BUCKET_LOAD members each at the expected count."""
    if expected < 1:
        raise ConfigurationError(f"LINKSPIDER_SEEN_EXPECTED_URLS={expected!r} must be at least 1")
    return 1 << max(0, math.ceil(math.log2(max(1, expected / EXACT_BUCKET_LOAD))))


def seen_key(url: str) -> str | None:
    """What the seen-set remembers for a URL: its url_key (tracking params dropped, query sorted)."""
    from linkspider.urls import url_key  # lazy: the URL rules module is owned elsewhere

    try:
        return url_key(url)
    except (InvalidURLError, ValueError):
        return None


@dataclass(frozen=True)
class SeenConfig:
    """How a crawl's seen-set is laid out; identical on every worker (read back from Redis)."""

    mode: str
    expected: int
    error_rate: float
    buckets: int = 0
    bits: int = 0
    hashes: int = 0

    @classmethod
    def sized(cls, mode: str, expected: int, error_rate: float) -> SeenConfig:
        if mode not in SEEN_MODES:
            raise ConfigurationError(f"LINKSPIDER_SEEN_MODE={mode!r} is not one of {', '.join(SEEN_MODES)}")
        if mode == "exact":
            return cls(mode, expected, error_rate, buckets=exact_buckets(expected))
        bits, hashes = bloom_size(expected, error_rate)
        return cls(mode, expected, error_rate, bits=bits, hashes=hashes)

    def to_mapping(self) -> dict[str, str]:
        return {
            "seen_mode": self.mode, "seen_expected": str(self.expected), "seen_error_rate": repr(self.error_rate),
            "seen_buckets": str(self.buckets), "seen_bits": str(self.bits), "seen_hashes": str(self.hashes),
        }

    @classmethod
    def from_mapping(cls, data: Mapping[bytes | str, bytes | str]) -> SeenConfig:
        d = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
             for k, v in data.items()}
        return cls(d["seen_mode"], int(d["seen_expected"]), float(d["seen_error_rate"]),
                   int(d["seen_buckets"]), int(d["seen_bits"]), int(d["seen_hashes"]))

    @property
    def nargs(self) -> int:
        """Script arguments per URL: (bucket, member) for exact, the k bit positions for Bloom."""
        return 2 if self.mode == "exact" else self.hashes

    def args(self, key: str) -> list[int]:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
        if self.mode == "exact":
            member = int.from_bytes(digest[:8], "big", signed=True)
            bucket = int.from_bytes(digest[8:12], "big") & (self.buckets - 1)
            return [bucket, member]
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:], "big") | 1
        return [(h1 + i * h2) % self.bits for i in range(self.hashes)]

    def bytes_estimate(self, count: int) -> float:
        """Expected Redis bytes for ``count`` URLs (payload only), for docs and status."""
        return self.bits / 8 if self.mode == "bloom" else count * 8.0


#: Lua helpers shared by the push script and SeenSet; ARGV[base..base+nargs-1] are a URL's args.
LUA_SEEN = """
local function seen_test(p, mode, base, nargs, chunk_bits)
  if mode == 'exact' then
    return redis.call('SISMEMBER', p .. 'seen:' .. ARGV[base], ARGV[base + 1]) == 1
  end
  for i = base, base + nargs - 1 do
    local pos = tonumber(ARGV[i])
    local c = math.floor(pos / chunk_bits)
    if redis.call('GETBIT', p .. 'bloom:' .. c, pos - c * chunk_bits) == 0 then return false end
  end
  return true
end
local function seen_set(p, mode, base, nargs, chunk_bits)
  if mode == 'exact' then
    return redis.call('SADD', p .. 'seen:' .. ARGV[base], ARGV[base + 1]) == 1
  end
  local new = false
  for i = base, base + nargs - 1 do
    local pos = tonumber(ARGV[i])
    local c = math.floor(pos / chunk_bits)
    if redis.call('SETBIT', p .. 'bloom:' .. c, pos - c * chunk_bits, 1) == 0 then new = true end
  end
  return new
end
"""

# "#!lua": checked against maxmemory before it runs, refused whole when Redis is full (see queue.py)
_ADD_MANY = "#!lua\n" + LUA_SEEN + """
local p, mode, nargs, chunk_bits, test_only = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local out, added = {}, 0
for base = 6, #ARGV, nargs do
  local new
  if test_only == '1' then new = not seen_test(p, mode, base, nargs, chunk_bits)
  else new = seen_set(p, mode, base, nargs, chunk_bits) end
  if new then out[#out + 1] = 1; added = added + 1 else out[#out + 1] = 0 end
end
if added > 0 and test_only ~= '1' then redis.call('HINCRBY', p .. 'counters', 'seen', added) end
return out
"""


def preallocate_bloom(server, keys: FrontierKeys, config: SeenConfig) -> int:
    """Create the Bloom bitmaps at their exact size, zero-filled; returns bytes allocated.

    Growing a bitmap with SETBIT lets Redis over-allocate (it doubles strings below 1 MB), which
    would cost up to twice the memory; a SET of the full size allocates exactly. NX keeps the bits
    of a worker that got there first.
    """
    if config.mode != "bloom":
        return 0
    total = 0
    chunks = math.ceil(config.bits / BLOOM_CHUNK_BITS)
    for chunk in range(chunks):
        bits = min(BLOOM_CHUNK_BITS, config.bits - chunk * BLOOM_CHUNK_BITS)
        size = math.ceil(bits / 8)
        server.set(keys.bloom_chunk(chunk), b"\0" * size, nx=True)
        total += size
    return total


def flatten_args(config: SeenConfig, keys: Iterable[str]) -> list[int]:
    out: list[int] = []
    for key in keys:
        out.extend(config.args(key))
    return out


class SeenSet:
    """Test-and-set of URL keys against a crawl's seen-set, outside the frontier's push script."""

    def __init__(self, server, keys: FrontierKeys, config: SeenConfig) -> None:
        self.server = server
        self.keys = keys
        self.config = config
        self._script = server.register_script(_ADD_MANY)

    def prepare(self) -> None:
        """Allocate the Bloom bitmaps at their final size (a no-op for the exact set)."""
        preallocate_bloom(self.server, self.keys, self.config)

    def _run(self, urls: Sequence[str], test_only: bool) -> list[bool]:
        if not urls:
            return []
        argv = [self.keys.prefix, self.config.mode, self.config.nargs, BLOOM_CHUNK_BITS, int(test_only)]
        argv.extend(flatten_args(self.config, urls))
        return [bool(x) for x in self._script(args=argv)]

    def add_many(self, urls: Sequence[str]) -> list[bool]:
        """Mark keys seen; True for each key that was new. Atomic against other workers."""
        return self._run(urls, test_only=False)

    def contains_many(self, urls: Sequence[str]) -> list[bool]:
        return [not new for new in self._run(urls, test_only=True)]

    def add(self, url: str) -> bool:
        return self.add_many([url])[0]

    def __contains__(self, url: str) -> bool:
        return self.contains_many([url])[0]

    def count(self) -> int:
        return int(self.server.hget(self.keys.counters, "seen") or 0)


class LocalSeenCache:
    """URL keys this worker already knows the crawl has seen (bounded, oldest evicted first).

    Nav, header and footer links repeat on every page of a site; remembering them locally saves
    pushing each of them to Redis again just to hear "seen". Only keys Redis confirmed (queued or
    already seen) go in, so the cache never hides a new URL. It does outlive a ``frontier purge``
    run while workers are up: restart workers after purging a crawl they work on.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: dict[str, None] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        if self.size <= 0 or key in self._keys:
            return
        self._keys[key] = None
        if len(self._keys) > self.size:
            del self._keys[next(iter(self._keys))]
