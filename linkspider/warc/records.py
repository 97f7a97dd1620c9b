"""Read WARC files record by record: the pure part of WARC and WAT ingest.

Common Crawl writes one gzip member per record. The members are split here (zlib), and each
member is parsed on its own with FastWARC, so a bad record costs only itself: a corrupt or
truncated member, a record whose ``Content-Length`` does not match its member, or a record
above the size cap becomes a counted :class:`Skip`, and reading goes on at the next member.
An uncompressed WARC is read as one stream; there a broken record ends the file (counted).
"""
from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

__all__ = ["HttpRecord", "MetadataRecord", "Skip", "gzip_members", "iter_records"]

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 20
HEADER_ROOM = 1 << 16  # WARC + HTTP headers allowed on top of the body cap
SOFT_404_HEADER = "WARC-Linkspider-Soft-404"  # written by linkspider's archive for pages it judged soft 404s


@dataclass(slots=True)
class HttpRecord:
    """A WARC ``response`` record holding an HTTP response."""

    url: str  # WARC-Target-URI
    date: datetime  # WARC-Date, UTC
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # the payload, transfer and content encodings removed
    offset: int  # where the record starts in the file (its gzip member)
    soft_404: bool = False


@dataclass(slots=True)
class MetadataRecord:
    """A WARC ``metadata`` record with a JSON payload: one page of a Common Crawl WAT file."""

    url: str
    date: datetime
    payload: bytes
    offset: int


@dataclass(slots=True)
class Skip:
    """A record not ingested, and why (the stats key ``linkspider/warc/skipped/<reason>``)."""

    reason: str
    offset: int
    detail: str = field(default="")


Record = HttpRecord | MetadataRecord | Skip


def gzip_members(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, str]]:
    """(offset, decompressed member, "") per gzip member, or (offset, None, reason) for a bad one.

    Reasons: ``too_large`` (more than ``max_bytes`` decompressed: the rest of the member is
    decompressed and dropped, so memory stays bounded), ``corrupt`` (not gzip data: reading resumes
    at the next gzip header), ``truncated`` (the file ends inside a member).
    """
    buf = b""  # compressed bytes not yet consumed
    pos = 0  # file offset of buf[0]
    eof = False
    corrupt_at = -1  # start of a member that failed to decompress: reported once the next one is found

    def fill() -> bool:
        nonlocal buf, eof
        if eof:
            return False
        chunk = stream.read(CHUNK)
        if not chunk:
            eof = True
            return False
        buf += chunk
        return True

    while True:
        if len(buf) < 3 and not fill() and not buf:
            return
        if not buf.startswith(GZIP_MAGIC):
            start = pos if corrupt_at < 0 else corrupt_at
            corrupt_at = -1
            while True:
                at = buf.find(GZIP_MAGIC, 1)
                if at >= 0:
                    buf, pos = buf[at:], pos + at
                    break
                keep = buf[-2:]  # a magic split across reads
                pos += len(buf) - len(keep)
                buf = keep
                if not fill():
                    yield start, None, "corrupt"
                    return
            yield start, None, "corrupt"
            continue
        start = pos
        dec = zlib.decompressobj(31)
        out: list[bytes] = []
        size = 0
        fed = 0  # bytes of buf given to the decompressor
        reason = ""
        while not dec.eof:
            if fed == len(buf) and not fill():
                reason = "truncated"
                break
            data = buf[fed:]
            fed = len(buf)
            try:
                piece = dec.decompress(data, max(1, max_bytes + 1 - size) if not reason else CHUNK)
                while True:
                    if not reason:
                        size += len(piece)
                        if size > max_bytes:
                            reason, out = "too_large", []
                        else:
                            out.append(piece)
                    if dec.eof or not dec.unconsumed_tail:
                        break
                    piece = dec.decompress(dec.unconsumed_tail, CHUNK if reason else max(1, max_bytes + 1 - size))
            except zlib.error:
                reason = "corrupt"
                break
        if reason == "corrupt":
            buf, pos = buf[1:], pos + 1  # resync: the next gzip header after this one
            corrupt_at = start
            continue
        if reason == "truncated":
            yield start, None, reason
            return
        used = fed - len(dec.unused_data)
        buf, pos = buf[used:], pos + used
        yield (start, None, reason) if reason else (start, b"".join(out), "")


def plain_records(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, str]]:
    """(offset, record bytes, "") per record of an uncompressed WARC, or (offset, None, reason).

    The split follows each record's ``Content-Length``; when the bytes after a block are not the
    record end and the next ``WARC/`` header (a length that lies), the record is ``length_mismatch``
    and reading resumes at the next line starting with ``WARC/1.``.
    """
    buf = b""
    pos = 0
    eof = False

    def fill(want: int) -> bool:
        nonlocal buf, eof
        while len(buf) < want and not eof:
            chunk = stream.read(max(CHUNK, want - len(buf)))
            if not chunk:
                eof = True
            buf += chunk
        return len(buf) >= want

    def resync(start: int) -> None:
        nonlocal buf, pos
        while True:
            at = buf.find(b"\nWARC/1.", start)
            if at >= 0:
                buf, pos = buf[at + 1:], pos + at + 1
                return
            start = max(0, len(buf) - 8)
            if not fill(len(buf) + 1):
                buf, pos = b"", pos + len(buf)
                return

    while True:
        fill(HEADER_ROOM)
        buf = buf.lstrip(b"\r\n") if buf[:1] in (b"\r", b"\n") else buf
        if not buf:
            return
        start = pos
        end = buf.find(b"\r\n\r\n", 0, HEADER_ROOM)
        declared = _content_length(buf[:end]) if end >= 0 and buf.startswith(b"WARC/") else None
        if declared is None:
            yield start, None, "corrupt"
            resync(1)
            continue
        total = end + 4 + declared
        if declared > max_bytes:
            while len(buf) < total and not eof:  # skip the block without holding it
                need = total - len(buf)
                pos += len(buf)
                total -= len(buf)
                buf = b""
                fill(min(need, CHUNK))
            yield start, None, "too_large"
            buf, pos = buf[total:], pos + total
            continue
        if not fill(total + 4 + 5) and len(buf) < total:
            if buf.find(b"\nWARC/1.", end) < 0:
                yield start, None, "truncated"
                return
            yield start, None, "length_mismatch"  # the file goes on after a block that claims to go further
            resync(end)
            continue
        tail = buf[total:total + 9]
        if tail[:4] != b"\r\n\r\n" or (len(tail) > 4 and not tail[4:].startswith(b"WARC/")):
            yield start, None, "length_mismatch"
            resync(end)
            continue
        record = buf[:total + 4]
        buf, pos = buf[total + 4:], pos + total + 4
        yield start, record, ""


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r\n|$)", re.I)


def _content_length(header: bytes) -> int | None:
    m = _CONTENT_LENGTH.search(header)
    return int(m.group(1)) if m else None


def iter_records(stream: BinaryIO, max_bytes: int) -> Iterator[Record]:
    """Every record of a WARC or WAT file as an :class:`HttpRecord`, :class:`MetadataRecord` or :class:`Skip`.

    ``max_bytes`` caps a record's payload (Scrapy's ``DOWNLOAD_MAXSIZE`` for a crawl). Never raises on
    file content; errors reading the stream itself (network, disk) propagate.
    """
    head = stream.read(3)
    rest = _Prefixed(head, stream)
    split = gzip_members if head.startswith(GZIP_MAGIC) else plain_records
    for offset, data, reason in split(rest, max_bytes + HEADER_ROOM):
        if data is None:
            yield Skip(reason, offset)
        else:
            yield from _member_records(data, offset, max_bytes)


def _member_records(data: bytes, offset: int, max_bytes: int) -> Iterator[Record]:
    """The record of one gzip member (or plain split); a ``Content-Length`` that disagrees with it is a lie.

    FastWARC only reads seekable streams safely, so each record is parsed from memory.
    """
    end = data.find(b"\r\n\r\n")
    declared = _content_length(data[:end]) if end >= 0 and data.startswith(b"WARC/") else None
    if declared is None:
        yield Skip("corrupt", offset, "no WARC header")
        return
    single = end + 4 + declared + 4
    if single != len(data) and not (single < len(data) and data[single:].lstrip(b"\r\n").startswith(b"WARC/")):
        yield Skip("length_mismatch", offset, f"Content-Length {declared}, record of {len(data)} bytes")
        return
    try:
        for record in ArchiveIterator(io.BytesIO(data), parse_http=False, auto_decode="none"):
            yield _record(record, offset, max_bytes)  # usually one; the standard allows several per member
    except OSError as exc:
        yield Skip("corrupt", offset, str(exc))


def _date(record: WarcRecord) -> datetime:
    try:
        date = record.record_date
    except (ValueError, OSError):
        date = None
    if date is None:
        return datetime.now(timezone.utc)
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def _record(record: WarcRecord, offset: int, max_bytes: int) -> Record:
    kind = record.record_type
    if kind == WarcRecordType.metadata:
        ctype = (record.headers.get("Content-Type") or "").lower()
        if "json" not in ctype:
            return Skip("metadata", offset)
        payload = record.reader.read(max_bytes + 1)
        if len(payload) > max_bytes:
            return Skip("too_large", offset)
        return MetadataRecord(record.headers.get("WARC-Target-URI") or "", _date(record), payload, offset)
    if kind != WarcRecordType.response:
        return Skip(str(kind), offset)
    url = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")
    ctype = (record.headers.get("Content-Type") or "").lower()
    if not ctype.startswith("application/http"):
        return Skip("not_http", offset)
    try:
        record.parse_http(auto_decode="all")
    except (OSError, ValueError) as exc:
        return Skip("bad_http", offset, str(exc))
    status = record.http_headers.status_code
    if status is None:
        return Skip("no_http_headers", offset)
    try:
        body = record.reader.read(max_bytes + 1)
    except OSError as exc:  # a broken content encoding
        return Skip("bad_encoding", offset, str(exc))
    if len(body) > max_bytes:
        return Skip("too_large", offset)
    headers = list(record.http_headers.items_bytes())
    soft = (record.headers.get(SOFT_404_HEADER) or "").strip().lower() == "true"
    return HttpRecord(url, _date(record), status, headers, body, offset, soft)


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read from it put back in front (the format sniff)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            if len(data) < n:
                data += self._stream.read(n - len(data))
            return data
        return self._stream.read(n)

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)
