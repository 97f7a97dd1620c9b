"""Spill files: exact round trip, order, torn last line, ownership by pid."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from linkspider.store.documents import OP_EDGE, OP_LOST, OP_PAGE, edge_document, lost_mark
from linkspider.store.spill import SpillStore, decode_op, encode_op

from .test_documents import link

T1 = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=timezone.utc)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(
    "op",
    [
        (OP_EDGE, edge_document(link(anchor_text='quote " and \\ backslash, ünïcode, 🙂, \n newline'))),
        (OP_EDGE, edge_document(link(anchor_text="$date", alt="{\"$date\": 1}"))),
        (OP_PAGE, {"_id": "https://a.example/", "status": 404, "fetched_at": T1, "redirect_to": None, "depth": 3}),
        (OP_LOST, lost_mark("https://a.example/", T1, "page_gone")),
    ],
    ids=["edge-odd-text", "edge-dollar-values", "page", "lost"],
)
def test_encode_decode_round_trip(op):
    line = encode_op(op)
    assert "\n" not in line
    kind, payload = decode_op(line)
    assert (kind, payload) == op
    for key, value in payload.items():
        if isinstance(value, datetime):
            assert value.tzinfo is not None and value == op[1][key], key


@pytest.mark.parametrize(
    "line",
    ['{"k": "drop", "d": {}}', '{"k": "edge", "d": 5}', "[1, 2]", "not json"],
    ids=["unknown-kind", "payload-not-object", "not-object", "garbage"],
)
def test_decode_rejects_foreign_lines(line):
    with pytest.raises(ValueError):
        decode_op(line)


def test_append_and_read_in_order(tmp_path):
    store = SpillStore(tmp_path, "db")
    ops = [(OP_LOST, lost_mark(f"https://a.example/{i}", T1, "link_removed")) for i in range(25)]
    assert store.append(ops[:10]) == 10
    assert store.append(ops[10:]) == 15
    store.seal()
    [path] = store.files()
    assert path.parent == tmp_path / "db"
    assert path.name.endswith(f"-{os.getpid()}.jsonl")
    first, offset, bad = SpillStore.read(path, 0, limit=7)
    assert first == ops[:7] and bad == 0
    rest, end, bad = SpillStore.read(path, offset, limit=100)
    assert rest == ops[7:] and bad == 0 and end == path.stat().st_size
    assert list(SpillStore.iter_ops(path)) == ops


def test_torn_last_line_is_skipped_and_counted(tmp_path):
    store = SpillStore(tmp_path, "db")
    ops = [(OP_LOST, lost_mark(f"https://a.example/{i}", T1, "link_removed")) for i in range(3)]
    store.append(ops)
    store.seal()
    [path] = store.files()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(encode_op(ops[0])[:20])  # a crash in the middle of a write
    read, _, bad = SpillStore.read(path, 0, limit=100)
    assert read == ops and bad == 1


def test_new_file_after_seal_sorts_after_the_old_one(tmp_path):
    store = SpillStore(tmp_path, "db")
    store.append([(OP_LOST, lost_mark("https://a.example/1", T1, "link_removed"))])
    store.seal()
    store.append([(OP_LOST, lost_mark("https://a.example/2", T1, "link_removed"))])
    first, second = store.files()
    assert second == store.active_path
    assert store.claim() == [first]  # the active file is still being written
    store.seal()
    assert store.claim() == [first, second]


def test_claims_files_of_dead_owners_only(tmp_path):
    directory = tmp_path / "db"
    directory.mkdir()
    line = encode_op((OP_LOST, lost_mark("https://a.example/", T1, "page_gone"))) + "\n"
    dead = directory / f"spill-{1:020d}-{dead_pid()}.jsonl"
    live_owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = directory / f"spill-{2:020d}-{live_owner.pid}.jsonl"
        dead.write_text(line)
        live.write_text(line)
        store = SpillStore(tmp_path, "db")
        assert store.pending()
        [claimed] = store.claim()
        assert claimed.name == f"spill-{1:020d}-{os.getpid()}.jsonl"
        assert not dead.exists() and live.exists()
        assert claimed.read_text() == line
        SpillStore.remove(claimed)
        assert not store.pending()  # only the live worker's file is left, and it is not ours
    finally:
        live_owner.kill()
        live_owner.wait()
    assert store.pending()  # its owner is gone now


def test_database_names_cannot_escape_the_spill_dir(tmp_path):
    store = SpillStore(tmp_path, "../../etc")
    assert store.directory.parent == tmp_path
