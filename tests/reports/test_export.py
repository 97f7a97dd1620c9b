"""``linkspider export``: Parquet read back with pyarrow and DuckDB equals the stored edges; no half-written files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import bson
import duckdb
import igraph
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from linkspider.cli import main
from linkspider.errors import ReportError
from linkspider.reports.export import (
    EDGE_SCHEMA,
    ExportStats,
    batched,
    bucket_of,
    edges_table,
    export_edges,
    export_raw_edges,
)
from tests.reports.edgegen import OTHER_TARGET, TARGET, EdgeSet


def _export(capsys, db, uri: str, *argv: str) -> int:
    code = main(["export", *argv, "--mongo-uri", uri, "--database", db.name])
    capsys.readouterr()
    return code


def _read(path: Path) -> list[dict]:
    table = ds.dataset(path, format="parquet", partitioning="hive").to_table()
    return table.to_pylist()


def _utc(value):
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) and value.tzinfo is None else value


def test_export_equals_the_store(report_db, mongo_uri: str, edge_set: EdgeSet, tmp_path: Path, capsys) -> None:
    assert _export(capsys, report_db, mongo_uri, "edges", "--out", str(tmp_path)) == 0
    rows = _read(tmp_path / "edges")
    assert len(rows) == len(edge_set.edges)
    by_id = {e["_id"]: e for e in edge_set.edges}
    assert {r["_id"] for r in rows} == set(by_id)
    for row in rows:
        doc = by_id[row["_id"]]
        for name in EDGE_SCHEMA.names:
            assert row[name] == _utc(doc.get(name)), (name, row["_id"])
        assert row["bucket"] == bucket_of(doc["target_domain"], 16)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert not any(".tmp-" in f for f in files)
    assert all(f.startswith("edges/bucket=") for f in files if f.endswith(".parquet"))


def test_filters(report_db, mongo_uri: str, edge_set: EdgeSet, tmp_path: Path, capsys) -> None:
    since = "2026-04-01"
    argv = ["edges", "--out", str(tmp_path), "--target-domain", f"www.{TARGET}", "--since", since]
    assert _export(capsys, report_db, mongo_uri, *argv) == 0
    cut = datetime(2026, 4, 1, tzinfo=timezone.utc)
    want = {
        e["_id"]
        for e in edge_set.edges
        if e["target_domain"] == TARGET
        and (e["first_seen"] >= cut or (e.get("lost_at") is not None and e["lost_at"] >= cut))
    }
    got = {r["_id"] for r in _read(tmp_path / "edges")}
    assert got == want and 0 < len(want) < len(edge_set.edges)


def _readme_queries() -> list[str]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Backlink workflows", 1)[1].split("\n## ", 1)[0]
    sql = section.split("```sql", 1)[1].split("```", 1)[0]
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [q.strip() for q in code.split(";") if q.strip()]


def test_readme_duckdb_queries(report_db, mongo_uri: str, edge_set: EdgeSet, tmp_path: Path, capsys) -> None:
    """The README's three DuckDB queries, run on an export, against counts made in Python."""
    assert _export(capsys, report_db, mongo_uri, "edges", "--out", str(tmp_path)) == 0
    queries = [q.replace("DIR", str(tmp_path)).replace("mine.com", TARGET) for q in _readme_queries()]
    assert len(queries) == 3
    con = duckdb.connect()
    live = [e for e in edge_set.edges if not e["internal"] and e.get("lost_at") is None]
    # 1. referring domains per target domain (live external links), top 20
    refs: dict[str, set[str]] = defaultdict(set)
    for e in live:
        refs[e["target_domain"]].add(e["source_domain"])
    got = con.execute(queries[0]).fetchall()
    assert sorted(got, key=lambda r: (-r[1], r[0])) == sorted(((d, len(s)) for d, s in refs.items()),
                                                             key=lambda r: (-r[1], r[0]))[:20]
    # 2. links lost per day for one domain
    lost = Counter(e["lost_at"].date() for e in edge_set.edges if e["target_domain"] == TARGET and e.get("lost_at"))
    assert con.execute(queries[1]).fetchall() == sorted(lost.items()) and lost
    # 3. followed share per placement
    got = dict(con.execute(queries[2]).fetchall())
    placements = {e["placement"] for e in live}
    assert set(got) == placements
    for p in placements:
        links = [e for e in live if e["placement"] == p]
        want = sum(not (e["nofollow"] or e["sponsored"] or e["ugc"]) for e in links) / len(links)
        assert got[p] == pytest.approx(want), p


def test_existing_export_needs_overwrite(report_db, mongo_uri: str, tmp_path: Path, capsys) -> None:
    assert _export(capsys, report_db, mongo_uri, "edges", "--out", str(tmp_path), "--target-domain", TARGET) == 0
    first = len(_read(tmp_path / "edges"))
    code = main(["export", "edges", "--out", str(tmp_path), "--mongo-uri", mongo_uri, "--database", report_db.name])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    argv = ["edges", "--out", str(tmp_path), "--target-domain", OTHER_TARGET, "--overwrite"]
    assert _export(capsys, report_db, mongo_uri, *argv) == 0
    rows = _read(tmp_path / "edges")
    assert {r["target_domain"] for r in rows} == {OTHER_TARGET} and len(rows) != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_interrupted_export_leaves_nothing_in_place(edge_set: EdgeSet, tmp_path: Path, error) -> None:
    calls = []

    def progress(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise error("stop")

    with pytest.raises(error):
        export_edges(batched(edge_set.edges, 50), tmp_path, progress=progress, flush_rows=50)
    assert list(tmp_path.iterdir()) == []


def test_row_groups_hold_many_batches(edge_set: EdgeSet, tmp_path: Path) -> None:
    stats = export_edges(batched(edge_set.edges, 10), tmp_path, partitions=2, flush_rows=400)
    files = sorted((tmp_path / "edges").rglob("*.parquet"))
    assert [f.parent.name for f in files] == ["bucket=0", "bucket=1"]
    groups = [pq.ParquetFile(f).metadata.num_row_groups for f in files]
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == stats.edges == len(edge_set.edges)
    flushes = -(-len(edge_set.edges) // 400)
    assert all(g <= flushes for g in groups)  # one row group per flush, not one per batch of 10


def test_bad_values_are_repaired_and_counted(tmp_path: Path) -> None:
    good = {"_id": "a", "target_domain": "x.com", "anchor_text": "ok", "nofollow": False,
            "first_seen": datetime(2026, 1, 1, tzinfo=timezone.utc), "rel": ["nofollow"]}
    bad = {"_id": "b", "target_domain": "x.com", "anchor_text": 42, "nofollow": "yes", "first_seen": "yesterday",
           "rel": ["a", 3], "unknown_field": {"$ne": 1}}
    stats = ExportStats()
    table = edges_table([good, bad], stats)
    rows = table.to_pylist()
    assert [r["_id"] for r in rows] == ["a", "b"]
    assert rows[1]["anchor_text"] == "42" and rows[1]["nofollow"] is None and rows[1]["first_seen"] is None
    assert rows[1]["rel"] == ["a", "3"] and rows[0]["rel"] == ["nofollow"]
    assert stats.coerced == {"anchor_text": 1, "nofollow": 1, "first_seen": 1, "rel": 1}
    nameless = {**good, "_id": "c", "target_domain": None}
    result = export_edges([[good, bad, nameless]], tmp_path, partitions=64)
    assert result.edges == 3 and result.coerced == stats.coerced
    assert sorted(r["_id"] for r in _read(tmp_path / "edges")) == ["a", "b", "c"]  # a missing domain is not dropped


def test_bad_partition_setting(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="LINKSPIDER_EXPORT_PARTITIONS"):
        export_edges([], tmp_path, partitions=0)
    with pytest.raises(ReportError, match="LINKSPIDER_EXPORT_BATCH"):
        list(batched([], 0))


def test_empty_store_exports_an_empty_folder(mongo_db, mongo_uri: str, tmp_path: Path, capsys) -> None:
    assert _export(capsys, mongo_db, mongo_uri, "edges", "--out", str(tmp_path)) == 0
    assert (tmp_path / "edges").is_dir() and list((tmp_path / "edges").iterdir()) == []


@pytest.mark.parametrize("followed", [False, True])
def test_domain_graph_export(report_db, mongo_uri: str, edge_set: EdgeSet, tmp_path: Path, capsys, followed) -> None:
    argv = ["domain-graph", "--out", str(tmp_path)] + (["--followed"] if followed else [])
    assert _export(capsys, report_db, mongo_uri, *argv) == 0
    want: Counter[tuple[str, str]] = Counter(
        (e["source_domain"], e["target_domain"])
        for e in edge_set.edges
        if not e["internal"] and e.get("lost_at") is None
        and not (followed and (e["nofollow"] or e["sponsored"] or e["ugc"]))
    )
    table = pq.read_table(tmp_path / "domain_graph" / "graph.parquet")
    got = {(r["source_domain"], r["target_domain"]): r["links"] for r in table.to_pylist()}
    assert got == dict(want)
    graph = igraph.Graph.Read_Ncol(str(tmp_path / "domain_graph" / "edges.tsv"), directed=True, weights=True)
    assert graph.ecount() == len(want)
    assert sum(graph.es["weight"]) == sum(want.values())


def test_unwritable_out_is_a_clear_error(report_db, mongo_uri: str, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["export", "edges", "--out", str(blocker), "--mongo-uri", mongo_uri, "--database", report_db.name])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write the export under" in err and "Traceback" not in err
    assert blocker.read_text() == "not a folder"


def _raw(docs, size: int) -> list[bytes]:
    return [b"".join(bson.encode(d) for d in docs[i : i + size]) for i in range(0, len(docs), size)]


def test_worker_processes_write_the_same_rows(edge_set: EdgeSet, tmp_path: Path) -> None:
    stats = export_raw_edges(_raw(edge_set.edges, 37), tmp_path, workers=3, partitions=4)
    rows = _read(tmp_path / "edges")
    assert stats.edges == len(rows) == len(edge_set.edges)
    by_id = {e["_id"]: e for e in edge_set.edges}
    assert {r["_id"] for r in rows} == set(by_id)
    for row in rows:
        assert row["anchor_text"] == by_id[row["_id"]]["anchor_text"]
        assert row["first_seen"] == _utc(by_id[row["_id"]]["first_seen"])
        assert row["bucket"] == bucket_of(row["target_domain"], 4)
    names = {p.name for p in (tmp_path / "edges").rglob("*.parquet")}
    assert names <= {"part-0.parquet", "part-1.parquet", "part-2.parquet"} and len(names) > 1


@pytest.mark.parametrize("case", ["bad-bson", "interrupted"])
def test_failed_parallel_export_leaves_nothing(edge_set: EdgeSet, tmp_path: Path, case: str) -> None:
    batches = _raw(edge_set.edges, 50)
    progress = None
    if case == "bad-bson":
        batches.insert(2, b"\x05\x00\x00\x00garbage")
        expected: type[BaseException] = ReportError
    else:
        expected = KeyboardInterrupt

        def progress(n: int) -> None:
            raise KeyboardInterrupt

    with pytest.raises(expected):
        export_raw_edges(batches, tmp_path, workers=2, progress=progress, flush_rows=50)
    assert list(tmp_path.iterdir()) == []


def test_schema_2_binary_ids_export_as_hex(mongo_db, mongo_uri: str, tmp_path: Path, capsys) -> None:
    """A schema-2 edge's 16-byte ``_id`` becomes its hex text, not a repaired value."""
    edge_id = bytes(range(16))
    mongo_db.edges.insert_one({"_id": bson.Binary(edge_id), "source_url": "https://a.example/", "target_domain": "b.example",
                               "internal": False, "first_seen": datetime(2026, 1, 1, tzinfo=timezone.utc)})
    assert _export(capsys, mongo_db, mongo_uri, "edges", "--out", str(tmp_path)) == 0
    rows = _read(tmp_path / "edges")
    assert [r["_id"] for r in rows] == [edge_id.hex()] and rows[0]["source_url"] == "https://a.example/"


@pytest.mark.parametrize("case", ["bad-bson", "interrupted"])
def test_failed_parallel_export_lets_the_process_exit(tmp_path: Path, case: str) -> None:
    """A failed export used to leave a queue feeder thread blocked on a dead worker's pipe, and the
    interpreter waited for it forever at exit (seen as a hung test run)."""
    script = textwrap.dedent(
        f"""
        import sys, bson
        from linkspider.reports.export import export_raw_edges
        docs = [{{"_id": "%032x" % i, "source_url": "https://a.example/%d" % i,
                  "target_url": "https://b.example/", "anchor_text": "x" * 2000}} for i in range(4000)]
        batches = [b"".join(bson.encode(d) for d in docs[i:i + 20]) for i in range(0, len(docs), 20)]
        progress = None
        if {case!r} == "bad-bson":
            batches.insert(2, b"\\x05\\x00\\x00\\x00garbage")
        else:
            def progress(n):
                raise KeyboardInterrupt
        try:
            export_raw_edges(batches, {str(tmp_path / "out")!r}, workers=2, progress=progress, flush_rows=50)
        except (Exception, KeyboardInterrupt) as exc:
            print("failed:", type(exc).__name__)
            sys.exit(0)
        sys.exit(3)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "failed:" in proc.stdout
