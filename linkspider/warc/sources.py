"""Which WARC/WAT files an ingest reads, and how each becomes a work unit in the Redis frontier.

A unit is an ordinary frontier request to a ``https://warc.invalid/unit?src=...`` URL (``.invalid``
never resolves, RFC 2606), so units get the frontier's leases, acks, requeue of a dead worker's
work, seen-set (a file listed twice or by several workers is queued once) and status.
"""
from __future__ import annotations

import functools
import glob
import gzip
import http.client
import io
import os
import queue
import socket
import threading
import urllib.request
from collections.abc import Iterable
from typing import Any, BinaryIO
from urllib.parse import parse_qs, quote, urlsplit

from linkspider.errors import ConfigurationError, UnsafeAddressError
from linkspider.safety.network import AddressPolicy

__all__ = ["UNIT_DOMAIN", "SourceRefused", "ingest_kind", "local_refusal", "mark_ingest", "open_source",
           "parse_sources", "source_name", "unit_source", "unit_url"]

UNIT_DOMAIN = "warc.invalid"
_UNIT_PREFIX = f"https://{UNIT_DOMAIN}/unit?src="
ARCHIVE_SUFFIXES = (".warc.gz", ".warc", ".wat.gz", ".wat", ".arc.gz")


def _kind_key(crawl_id: str) -> str:
    from linkspider.frontier.keys import FrontierKeys

    return FrontierKeys(crawl_id).key("kind")  # under the crawl's prefix: `frontier purge` removes it


def mark_ingest(server, crawl_id: str) -> None:
    """Record that the crawl's frontier holds files (for `linkspider frontier status`)."""
    server.set(_kind_key(crawl_id), "warc")


def ingest_kind(server, crawl_id: str) -> bool:
    return server.get(_kind_key(crawl_id)) == b"warc"


def unit_url(source: str) -> str:
    return _UNIT_PREFIX + quote(source, safe="")


def unit_source(url: str) -> str | None:
    """The file a unit URL names, or None if the URL is not a unit."""
    parts = urlsplit(url)
    if parts.hostname != UNIT_DOMAIN:
        return None
    values = parse_qs(parts.query).get("src")
    return values[0] if values else None


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def source_name(source: str) -> str:
    """The file name stored with each edge (``source_file``)."""
    path = urlsplit(source).path if _is_url(source) else source
    return os.path.basename(path.rstrip("/")) or source


class SourceRefused(UnsafeAddressError):
    """A source that must not be read: an http(s) source (or a redirect it gave) that resolves to an
    address the network policy refuses, or a local path that is not a regular archive file."""

    def __init__(self, host: str, reason: str, message: str | None = None) -> None:
        super().__init__(message or f"{host} resolves to a {reason} address (set LINKSPIDER_ALLOW_PRIVATE_NETWORKS "
                                    "or LINKSPIDER_ALLOWED_NETWORKS to allow it)")
        self.host = host
        self.reason = reason


def local_refusal(path: str) -> str | None:
    """Why a local path is not read as an archive, or None: it must be a regular file (not a device, a
    FIFO or a folder, which could stall a worker) named like one (``ARCHIVE_SUFFIXES``). A unit in
    Redis names the path a worker opens, so the worker checks it too."""
    if not path.endswith(ARCHIVE_SUFFIXES):
        return f"{path} is not named like a WARC/WAT/ARC file ({', '.join(ARCHIVE_SUFFIXES)})"
    if os.path.exists(path) and not os.path.isfile(path):
        return f"{path} is not a regular file"
    return None


def _guarded_connect(policy: AddressPolicy, address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,
                     source_address: tuple[str, int] | None = None, **_: Any) -> socket.socket:
    """``socket.create_connection`` that resolves once, checks every address with ``policy``, and
    connects only to an address it checked (no second lookup a DNS rebinding could answer)."""
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    reason = policy.check_addresses(str(info[4][0]) for info in infos)
    if reason is not None:
        raise SourceRefused(host, reason)
    error: OSError | None = None
    for *_, sockaddr in infos:
        try:
            return socket.create_connection((sockaddr[0], sockaddr[1]), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"{host}: no address")


class _Guarded:
    """Mixed into http.client's connections: every connect goes through :func:`_guarded_connect`."""

    def __init__(self, *args: Any, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(_guarded_connect, policy)


class _GuardedHTTPConnection(_Guarded, http.client.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_Guarded, http.client.HTTPSConnection):
    pass


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__()
        self.policy = policy

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_GuardedHTTPConnection, policy=self.policy), req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__()
        self.policy = policy

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_GuardedHTTPSConnection, policy=self.policy), req,
                            context=self._context)


def open_source(source: str, timeout: float = 60.0, user_agent: str = "linkspider",
                policy: AddressPolicy | None = None) -> BinaryIO:
    """A binary stream of a local file or an http(s) URL (read as it arrives, never whole).

    An http(s) source, and every redirect it gives, connects only to addresses ``policy`` allows
    (default: public internet addresses), as the crawl's network guard does: a unit in Redis must
    not make a worker read an internal service. Raises :class:`SourceRefused` otherwise.
    """
    if _is_url(source):
        policy = policy or AddressPolicy()
        opener = urllib.request.build_opener(_GuardedHTTPHandler(policy), _GuardedHTTPSHandler(policy))
        request = urllib.request.Request(source, headers={"User-Agent": user_agent})
        return Prefetch(opener.open(request, timeout=timeout))
    refusal = local_refusal(source)
    if refusal is not None:
        raise SourceRefused(source, "not-an-archive", refusal)
    return open(source, "rb")


class Prefetch(io.RawIOBase):
    """Reads a network stream ahead in a thread, so the download overlaps parsing and extraction
    (which run on the reactor thread) and a slow read does not stall the worker's heartbeats.

    At most ``depth`` chunks wait in memory. A read error in the thread is raised by ``read``.
    """

    def __init__(self, stream: BinaryIO, chunk: int = 1 << 20, depth: int = 4) -> None:
        self._stream = stream
        self._chunks: queue.Queue[bytes | BaseException] = queue.Queue(depth)
        self._buf = b""
        self._done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(chunk,), name="warc-prefetch", daemon=True)
        self._thread.start()

    def _pump(self, chunk: int) -> None:
        try:
            while not self._stop.is_set():
                data = self._stream.read(chunk)
                self._put(data)
                if not data:
                    return
        except Exception as exc:  # handed to the reader, which raises it
            self._put(exc if isinstance(exc, OSError) else OSError(f"reading failed: {exc!r}"))

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while not self._done and (n < 0 or len(self._buf) < n):
            item = self._chunks.get()
            if isinstance(item, BaseException):
                self._done = True
                raise item
            if not item:
                self._done = True
            self._buf += item
        if n < 0:
            data, self._buf = self._buf, b""
        else:
            data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def close(self) -> None:
        self._stop.set()
        try:
            self._stream.close()
        finally:
            super().close()


def _lines(ref: str, timeout: float, policy: AddressPolicy | None) -> list[str]:
    """The lines of a list file (local or URL; gzip-compressed like ``warc.paths.gz`` or plain)."""
    try:
        with (open_source(ref, timeout, policy=policy) if _is_url(ref) else open(ref, "rb")) as stream:
            data = stream.read()
    except (OSError, SourceRefused) as exc:
        raise ConfigurationError(f"paths list {ref} cannot be read: {exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
        except (OSError, EOFError) as exc:
            raise ConfigurationError(f"paths list {ref} is not valid gzip: {exc}") from exc
    return [line.split("#", 1)[0].strip() for line in data.decode("utf-8", "replace").splitlines()]


def _expand_local(path: str) -> list[str]:
    path = os.path.expanduser(path)
    if any(ch in path for ch in "*?["):
        return sorted(os.path.abspath(m) for m in glob.glob(path) if os.path.isfile(m) and m.endswith(ARCHIVE_SUFFIXES))
    if os.path.isdir(path):
        return sorted(os.path.abspath(os.path.join(path, n)) for n in os.listdir(path) if n.endswith(ARCHIVE_SUFFIXES))
    if not os.path.isfile(path):
        raise ConfigurationError(f"paths: {path} is not a file")
    refusal = local_refusal(path)
    if refusal is not None:
        raise ConfigurationError(f"paths: {refusal}")
    return [os.path.abspath(path)]


def parse_sources(paths: str | None, prefix: str | None = None, timeout: float = 60.0,
                  policy: AddressPolicy | None = None) -> list[str]:
    """The ``paths`` spider argument as a list of files: local paths, globs or directories, and
    http(s) URLs, comma-separated; ``@list`` reads a list file (one per line, ``#`` comments; gzip
    like Common Crawl's ``warc.paths.gz``; a local path or a URL). A relative entry of a list gets
    ``prefix`` (``https://data.commoncrawl.org/``) in front when one is given.
    """
    if not paths:
        return []
    entries: Iterable[str] = (part.strip() for part in paths.split(","))
    out: list[str] = []
    for entry in filter(None, entries):
        if entry.startswith("@"):
            for line in filter(None, _lines(entry[1:], timeout, policy)):
                if prefix and not _is_url(line) and not os.path.isabs(line):
                    line = prefix.rstrip("/") + "/" + line.lstrip("/")
                out.extend([line] if _is_url(line) else _expand_local(line))
        elif _is_url(entry):
            out.append(entry)
        else:
            if prefix and not os.path.isabs(entry):
                out.append(prefix.rstrip("/") + "/" + entry.lstrip("/"))
            else:
                out.extend(_expand_local(entry))
    return list(dict.fromkeys(out))
