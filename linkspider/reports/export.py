"""``linkspider export``: edges and the domain graph as Parquet files that DuckDB, Polars and pandas read.

Edges are streamed from one ``find()`` cursor in batches; each batch becomes an Arrow table (the
fixed :data:`EDGE_SCHEMA`), is split by ``bucket = crc32(target_domain) % partitions`` and appended
as one row group to that bucket's file, ``edges/bucket=07/part-0.parquet`` (Hive-style, so readers
see a ``bucket`` column and skip files when a query names one).

Nothing half-written is ever in place: the export is written under ``edges.tmp-<random>/`` and
renamed to ``edges/`` only when every file is closed; an error or Ctrl-C removes the temporary
folder. A document whose fields do not fit the schema is not dropped: each bad value is coerced
(to text) or set to null, counted, and logged once per field.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import queue
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import bson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from bson.codec_options import CodecOptions

from linkspider import defaults
from linkspider.errors import ReportError

__all__ = [
    "DOMAIN_GRAPH_SCHEMA",
    "EDGE_PROJECTION",
    "EDGE_SCHEMA",
    "ExportStats",
    "bucket_of",
    "batched",
    "edge_batches",
    "edges_cursor",
    "edges_filter",
    "edges_table",
    "export_domain_graph",
    "export_edges",
    "export_raw_edges",
    "raw_edge_batches",
]

logger = logging.getLogger(__name__)

_TS = pa.timestamp("ms", tz="UTC")
EDGE_SCHEMA = pa.schema(
    [
        ("_id", pa.string()),  # hex: schema 2 stores 16 bytes (8 of the source page, 8 of the link)
        ("source_url", pa.string()),
        ("source_key", pa.string()),
        ("source_domain", pa.string()),
        ("target_url", pa.string()),
        ("target_key", pa.string()),
        ("target_domain", pa.string()),
        ("anchor_text", pa.string()),
        ("alt", pa.string()),
        ("link_type", pa.string()),
        ("rel", pa.list_(pa.string())),
        ("nofollow", pa.bool_()),
        ("sponsored", pa.bool_()),
        ("ugc", pa.bool_()),
        ("placement", pa.string()),
        ("body_score", pa.float64()),  # null: not scored (redirects, page-level links, WAT)
        ("internal", pa.bool_()),
        ("first_seen", _TS),
        ("lost_at", _TS),
        ("lost_reason", pa.string()),
        ("crawl_id", pa.string()),
    ]
)
DOMAIN_GRAPH_SCHEMA = pa.schema([("source_domain", pa.string()), ("target_domain", pa.string()), ("links", pa.int64())])
#: Rows held in memory (as Arrow, ~0.4 KB each) before every bucket's pending rows are written as
#: one row group each: row groups of FLUSH_ROWS / partitions rows, not one per batch and bucket.
FLUSH_ROWS = 200_000
ROW_GROUP_MAX = 1 << 20

#: The ``find()`` projection: only the exported fields leave the server.
EDGE_PROJECTION = dict.fromkeys(EDGE_SCHEMA.names, 1)


@dataclass
class ExportStats:
    """What an export wrote, and what it had to repair on the way."""

    edges: int = 0
    files: int = 0
    bytes: int = 0
    coerced: dict[str, int] = field(default_factory=dict)


def bucket_of(domain: str | None, partitions: int) -> int:
    """The partition of a target domain: CRC-32 of its UTF-8 bytes modulo ``partitions`` (stable across runs)."""
    return zlib.crc32((domain or "").encode("utf-8", "surrogatepass")) % partitions


def edges_filter(target_domains: Iterable[str] = (), since: datetime | None = None) -> dict[str, Any]:
    """The ``find()`` filter: edges to these domains; with ``since``, edges first seen or lost at or after
    it (schema 2 keeps no per-edge ``last_seen``: a live edge was last seen when its page was)."""
    query: dict[str, Any] = {}
    domains = sorted(set(target_domains))
    if domains:
        query["target_domain"] = domains[0] if len(domains) == 1 else {"$in": domains}
    if since is not None:
        query["$or"] = [{"first_seen": {"$gte": since}}, {"lost_at": {"$gte": since}}]
    return query


def edges_cursor(collection: Any, query: Mapping[str, Any], *, batch_size: int = 10_000) -> Any:
    """The ``find()`` cursor an export reads: only the exported fields, datetimes decoded naive.

    BSON dates are UTC; decoding them without a time zone object is ~30 % faster, and Arrow reads a
    naive datetime as UTC into the ``timestamp[ms, UTC]`` columns.
    """
    naive = collection.with_options(codec_options=CodecOptions(tz_aware=False))
    return naive.find(dict(query), EDGE_PROJECTION, batch_size=batch_size)


def edge_batches(collection: Any, query: Mapping[str, Any], *, batch_size: int = 10_000) -> Iterator[list[dict]]:
    """The same edges as :func:`edges_cursor`, as lists of documents: one per server batch
    (``find_raw_batches`` decoded in one call, without a cursor step per document)."""
    options = CodecOptions(tz_aware=False)
    for raw in collection.find_raw_batches(dict(query), EDGE_PROJECTION, batch_size=batch_size):
        yield bson.decode_all(raw, options)


def _coerce(value: Any, kind: pa.DataType) -> tuple[Any, bool]:
    """A value that fits ``kind`` and whether it had to change (None when nothing fits)."""
    if value is None:
        return None, False
    if kind == pa.string():
        return (value, False) if isinstance(value, str) else (str(value), True)
    if kind == pa.bool_():
        return (value, False) if isinstance(value, bool) else (None, True)
    if kind == _TS:
        return (value, False) if isinstance(value, datetime) else (None, True)
    if kind == pa.float64():
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value), False) if ok else (None, True)
    if isinstance(value, list):
        fixed = [v if isinstance(v, str) else str(v) for v in value]
        return fixed, any(not isinstance(v, str) for v in value)
    return [], True


def _repair(docs: list[Mapping[str, Any]], stats: ExportStats) -> list[dict[str, Any]]:
    """Per-document conversion after a batch failed: coerce each bad value and count it per field."""
    out = []
    for doc in docs:
        row = {}
        for f in EDGE_SCHEMA:
            value, changed = _coerce(doc.get(f.name), f.type)
            if changed:
                if f.name not in stats.coerced:
                    logger.warning("export: field %s has values of the wrong type; coercing or nulling them", f.name)
                stats.coerced[f.name] = stats.coerced.get(f.name, 0) + 1
            row[f.name] = value
        out.append(row)
    return out


def edges_table(docs: list[Mapping[str, Any]], stats: ExportStats | None = None) -> pa.Table:
    """Edge documents as an Arrow table of :data:`EDGE_SCHEMA` (bad values repaired and counted in ``stats``)."""
    for doc in docs:
        edge_id = doc.get("_id")
        if isinstance(edge_id, (bytes, bytearray)):  # schema 2's binary _id, as the hex text a user can query
            doc["_id"] = bytes(edge_id).hex()  # type: ignore[index]
    try:
        return pa.Table.from_pylist(docs, schema=EDGE_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return pa.Table.from_pylist(_repair(docs, stats if stats is not None else ExportStats()), schema=EDGE_SCHEMA)


def batched(cursor: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    """Documents in lists of ``size`` (for a source that is not :func:`edge_batches`)."""
    if size < 1:
        raise ReportError(f"LINKSPIDER_EXPORT_BATCH must be at least 1, got {size}")
    batch: list[Mapping[str, Any]] = []
    for doc in cursor:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepare(out_dir: Path, name: str, overwrite: bool) -> tuple[Path, Path]:
    final = out_dir / name
    if final.exists() and not overwrite:
        raise ReportError(f"{final} exists; pass --overwrite to replace it")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}.tmp-", dir=out_dir))
    return final, tmp


def _publish(tmp: Path, final: Path) -> None:
    """Put the finished export in place: one rename (the previous export is removed only after it)."""
    old = None
    if final.exists():
        old = final.with_name(f"{final.name}.old-{os.getpid()}")
        final.rename(old)
    tmp.rename(final)
    if old is not None:
        shutil.rmtree(old) if old.is_dir() else old.unlink()


class _BucketFiles:
    """One writer's rows by bucket: pending tables are written as large row groups to
    ``root/bucket=NN/part-<part>.parquet`` once ``flush_rows`` rows are buffered."""

    def __init__(
        self, root: Path, partitions: int, *, part: int = 0, compression: str = "zstd", flush_rows: int = FLUSH_ROWS
    ) -> None:
        self.root, self.partitions, self.part = root, partitions, part
        self.compression, self.flush_rows = compression, flush_rows
        self.width = len(str(partitions - 1))
        self.writers: dict[int, pq.ParquetWriter] = {}
        self.pending: dict[int, list[pa.Table]] = {}
        self.buffered = 0

    def add(self, table: pa.Table) -> None:
        # one bucket per distinct domain (a few per batch), then per row by a vectorized take
        domains = pc.fill_null(table.column("target_domain"), "")  # a missing domain is bucketed as ""
        encoded = pc.dictionary_encode(domains).combine_chunks()
        per_domain = [bucket_of(d, self.partitions) for d in encoded.dictionary.to_pylist()]
        used = sorted(set(per_domain))
        if len(used) == 1:
            self.pending.setdefault(used[0], []).append(table)
        elif used:
            row_buckets = pa.array(per_domain, pa.int32()).take(encoded.indices)
            for bucket in used:
                self.pending.setdefault(bucket, []).append(table.filter(pc.equal(row_buckets, bucket)))
        self.buffered += table.num_rows
        if self.buffered >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        for bucket, parts in sorted(self.pending.items()):
            writer = self.writers.get(bucket)
            if writer is None:
                path = self.root / f"bucket={bucket:0{self.width}d}" / f"part-{self.part}.parquet"
                path.parent.mkdir(exist_ok=True)
                writer = self.writers[bucket] = pq.ParquetWriter(path, EDGE_SCHEMA, compression=self.compression)
            writer.write_table(pa.concat_tables(parts), row_group_size=ROW_GROUP_MAX)
        self.pending.clear()
        self.buffered = 0

    def close(self) -> None:
        self.flush()
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def abort(self) -> None:
        for writer in self.writers.values():
            try:
                writer.close()
            except (OSError, pa.ArrowException):
                pass  # the folder is removed next; the original error is what matters
        self.writers.clear()


def _finish(tmp: Path, final: Path, stats: ExportStats) -> ExportStats:
    stats.files = len(list(tmp.rglob("*.parquet")))
    stats.bytes = sum(p.stat().st_size for p in tmp.rglob("*.parquet"))
    _publish(tmp, final)
    if stats.coerced:
        logger.warning("export: repaired values per field: %s", stats.coerced)
    return stats


def export_edges(
    batches: Iterable[Sequence[Mapping[str, Any]]],
    out_dir: str | Path,
    *,
    partitions: int = defaults.LINKSPIDER_EXPORT_PARTITIONS,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
    compression: str = "zstd",
    flush_rows: int = FLUSH_ROWS,
) -> ExportStats:
    """Write batches of edge documents (:func:`edge_batches`, or :func:`batched` of any iterable) to
    ``out_dir/edges/bucket=NN/part-0.parquet`` in this process; see the module docstring."""
    if partitions < 1:
        raise ReportError(f"LINKSPIDER_EXPORT_PARTITIONS must be at least 1, got {partitions}")
    final, tmp = _prepare(Path(out_dir), "edges", overwrite)
    stats = ExportStats()
    files = _BucketFiles(tmp, partitions, compression=compression, flush_rows=flush_rows)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the cursor makes millions of acyclic dicts: cyclic GC passes over them cost ~half the time
    try:
        for batch in batches:
            table = edges_table(list(batch), stats)
            files.add(table)
            stats.edges += table.num_rows
            if progress is not None:
                progress(table.num_rows)
        files.close()
        return _finish(tmp, final, stats)
    except BaseException:
        files.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()


def raw_edge_batches(collection: Any, query: Mapping[str, Any], *, batch_size: int = 10_000) -> Iterator[bytes]:
    """The edges of :func:`edge_batches` as undecoded server batches (decoded by the export's workers)."""
    yield from collection.find_raw_batches(dict(query), EDGE_PROJECTION, batch_size=batch_size)


def _export_worker(
    root: str, partitions: int, part: int, compression: str, flush_rows: int, inbox: Any, outbox: Any
) -> None:
    """A worker process: decode raw batches, convert, write its own part of each bucket, report back."""
    gc.disable()
    options = CodecOptions(tz_aware=False)
    stats = ExportStats()
    files = _BucketFiles(Path(root), partitions, part=part, compression=compression, flush_rows=flush_rows)
    try:
        while (raw := inbox.get()) is not None:
            table = edges_table(bson.decode_all(raw, options), stats)
            files.add(table)
            stats.edges += table.num_rows
            outbox.put(("progress", table.num_rows))
        files.close()
        outbox.put(("done", stats))
    except BaseException as exc:  # reported to the parent, which removes the folder and raises
        files.abort()
        outbox.put(("error", f"{type(exc).__name__}: {exc}"))


def export_raw_edges(
    raw_batches: Iterable[bytes],
    out_dir: str | Path,
    *,
    workers: int = 2,  # the command passes LINKSPIDER_EXPORT_WORKERS
    partitions: int = defaults.LINKSPIDER_EXPORT_PARTITIONS,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
    compression: str = "zstd",
    flush_rows: int = FLUSH_ROWS,
) -> ExportStats:
    """:func:`export_edges` with ``workers`` processes decoding and writing while this one reads.

    BSON decoding and the Arrow conversion hold the GIL, so only processes run them side by side.
    Each worker writes ``bucket=NN/part-<worker>.parquet``; batches go round-robin through bounded
    queues (a slow worker slows the reader, memory stays bounded).
    """
    if partitions < 1:
        raise ReportError(f"LINKSPIDER_EXPORT_PARTITIONS must be at least 1, got {partitions}")
    if workers < 1:
        raise ReportError(f"LINKSPIDER_EXPORT_WORKERS must be at least 1, got {workers}")
    final, tmp = _prepare(Path(out_dir), "edges", overwrite)
    ctx = multiprocessing.get_context("spawn")  # never fork a process whose MongoClient runs threads
    inboxes = [ctx.Queue(maxsize=4) for _ in range(workers)]
    outbox = ctx.Queue()
    procs = [
        ctx.Process(
            target=_export_worker,
            args=(str(tmp), partitions, w, compression, flush_rows, inboxes[w], outbox),
            daemon=True,
        )
        for w in range(workers)
    ]
    stats = ExportStats()
    done = 0

    def drain(block: bool) -> None:
        nonlocal done
        while True:
            try:
                kind, value = outbox.get(timeout=0.5) if block else outbox.get_nowait()
            except queue.Empty:
                if block and not any(p.is_alive() for p in procs) and done < workers:
                    raise ReportError("export: a worker process died") from None
                return
            if kind == "progress":
                if progress is not None:
                    progress(value)
            elif kind == "done":
                done += 1
                stats.edges += value.edges
                for name, n in value.coerced.items():
                    stats.coerced[name] = stats.coerced.get(name, 0) + n
            else:
                raise ReportError(f"export worker failed: {value}")
            if block:
                return

    def put(inbox: Any, item: Any) -> None:
        while True:
            try:
                inbox.put(item, timeout=0.5)
                return
            except queue.Full:
                drain(block=False)
                if not any(p.is_alive() for p in procs):
                    raise ReportError("export: the worker processes died") from None

    try:
        for p in procs:
            p.start()
        for i, raw in enumerate(raw_batches):
            put(inboxes[i % workers], raw)
            drain(block=False)
        for inbox in inboxes:
            put(inbox, None)
        while done < workers:
            drain(block=True)
        for p in procs:
            p.join()
        _close_queues(inboxes + [outbox], abandon=False)
        return _finish(tmp, final, stats)
    except BaseException:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join(timeout=5)
        _close_queues(inboxes + [outbox], abandon=True)
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _close_queues(queues: list[Any], *, abandon: bool) -> None:
    """Close the queues; when ``abandon``, drop what no worker will read.

    A queue's feeder thread blocks on a full pipe whose reader was terminated, and at exit the
    interpreter joins that thread: without ``cancel_join_thread`` a failed export hangs the process.
    """
    for q in queues:
        if abandon:
            q.cancel_join_thread()
        q.close()
        if not abandon:
            q.join_thread()


def export_domain_graph(
    rows: Iterable[tuple[str, str, int]], out_dir: str | Path, *, overwrite: bool = False
) -> tuple[int, Path]:
    """Write ``domain_graph/graph.parquet`` and ``domain_graph/edges.tsv`` (``source<TAB>target<TAB>links``,
    which igraph's ``Graph.Read_Ncol``, networkx's ``read_weighted_edgelist`` and WebGraph tools read)."""
    final, tmp = _prepare(Path(out_dir), "domain_graph", overwrite)
    try:
        rows = sorted(rows, key=lambda r: (r[0], r[1]))
        table = pa.table(
            {
                "source_domain": [r[0] for r in rows],
                "target_domain": [r[1] for r in rows],
                "links": [int(r[2]) for r in rows],
            },
            schema=DOMAIN_GRAPH_SCHEMA,
        )
        pq.write_table(table, tmp / "graph.parquet", compression="zstd")
        with open(tmp / "edges.tsv", "w", encoding="utf-8", newline="\n") as fh:
            for s, t, n in rows:
                fh.write(f"{s}\t{t}\t{int(n)}\n")
        _publish(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(rows), final
