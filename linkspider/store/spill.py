"""Append-only spill files for store operations MongoDB could not take, and their replay.

When an outage outlasts the writer's buffer or retry window, queued operations are appended
here (fsynced per batch, so they survive a crash of the process and of the machine) and replayed,
oldest file first and in order within a file, once MongoDB is back or at the next start.

Format: one JSON object per line, ``{"k": kind, "d": payload}``, in MongoDB Extended JSON
(relaxed), so datetimes round-trip exactly (``{"$date": "2026-01-02T03:04:05.678Z"}``) and a
human can read a spill with ``head``. Payload keys are fixed by :mod:`linkspider.store.documents`.

Files live in ``<spill dir>/<database>/`` and are named ``spill-<time_ns>-<pid>.jsonl``: the pid
owns the file. A file whose owner is no longer running is claimed (renamed to the claimer's pid)
before it is replayed, so two workers sharing a spill directory never replay the same file, and a
live worker's file is left to that worker.
"""
from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import IO

from bson import json_util
from bson.json_util import JSONMode, JSONOptions

from linkspider.store.documents import OP_EDGE, OP_LINKS, OP_LOST, OP_PAGE, Op

logger = logging.getLogger(__name__)

_DUMP_OPTIONS = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=timezone.utc)
_LOAD_OPTIONS = JSONOptions(tz_aware=True, tzinfo=timezone.utc)
_NAME = re.compile(r"^spill-(\d{20})-(\d+)\.jsonl$")
_KINDS = frozenset({OP_LINKS, OP_EDGE, OP_PAGE, OP_LOST})  # the last three: schema-1 files


def encode_op(op: Op) -> str:
    kind, payload = op
    # ASCII-only: a lone surrogate in a string must not make the spill itself fail to write.
    return json_util.dumps({"k": kind, "d": payload}, json_options=_DUMP_OPTIONS)


def decode_op(line: str) -> Op:
    record = json_util.loads(line, json_options=_LOAD_OPTIONS)
    kind = record.get("k") if isinstance(record, dict) else None
    payload = record.get("d") if isinstance(record, dict) else None
    if kind not in _KINDS or not isinstance(payload, dict):
        raise ValueError(f"not a spilled store operation: {line[:200]!r}")
    return kind, payload


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _safe_name(database: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", database) or "_"


class SpillStore:
    """The spill files of one database in one directory, as seen by this process."""

    def __init__(self, directory: str | os.PathLike[str], database: str) -> None:
        self.directory = Path(directory) / _safe_name(database)
        self._active: IO[str] | None = None
        self._active_path: Path | None = None

    # -- writing -------------------------------------------------------------------------------
    def append(self, ops: list[Op]) -> int:
        """Append ops to this process's active file and fsync; returns how many were written."""
        if not ops:
            return 0
        if self._active is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"spill-{time.time_ns():020d}-{os.getpid()}.jsonl"
            self._active = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open across appends
            self._active_path = path
            logger.warning("MongoDB unavailable: spilling store operations to %s", path)
        lines = "".join(encode_op(op) + "\n" for op in ops)
        self._active.write(lines)
        self._active.flush()
        os.fsync(self._active.fileno())
        return len(ops)

    def seal(self) -> None:
        """Close the active file: later appends start a new file, which replays after this one."""
        if self._active is not None:
            self._active.close()
            self._active = None
            self._active_path = None

    @property
    def active_path(self) -> Path | None:
        return self._active_path

    # -- replaying -----------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """Every spill file in the directory, oldest first."""
        if not self.directory.is_dir():
            return []
        found = [(m.group(1), p) for p in self.directory.iterdir() if (m := _NAME.match(p.name))]
        return [p for _, p in sorted(found)]

    def claim(self) -> list[Path]:
        """This process's sealed files plus files of dead owners (renamed to us), oldest first."""
        mine: list[Path] = []
        me = os.getpid()
        for path in self.files():
            if path == self._active_path:
                continue
            match = _NAME.match(path.name)
            assert match is not None
            owner = int(match.group(2))
            if owner == me:
                mine.append(path)
                continue
            if _pid_alive(owner):
                continue
            target = path.with_name(f"spill-{match.group(1)}-{me}.jsonl")
            try:
                os.rename(path, target)
            except FileNotFoundError:
                continue  # another worker claimed it first
            logger.info("claimed spill file %s of stopped process %d", target, owner)
            mine.append(target)
        return mine

    def pending(self) -> bool:
        """Whether this process has (or could claim) spilled operations waiting for replay."""
        if self._active_path is not None:
            return True
        me = os.getpid()
        for path in self.files():
            match = _NAME.match(path.name)
            assert match is not None
            owner = int(match.group(2))
            if owner == me or not _pid_alive(owner):
                return True
        return False

    @staticmethod
    def read(path: Path, offset: int = 0, limit: int = 1000) -> tuple[list[Op], int, int]:
        """Up to ``limit`` ops from byte ``offset``: ``(ops, next_offset, bad_lines)``.

        A last line without its newline (a write torn by a machine crash) is skipped and counted
        as bad, as is any line that does not decode.
        """
        ops: list[Op] = []
        bad = 0
        with open(path, "rb") as fh:
            fh.seek(offset)
            while len(ops) < limit:
                raw = fh.readline()
                if not raw:
                    break
                offset += len(raw)
                if not raw.endswith(b"\n"):
                    logger.warning("spill file %s ends with a torn line (%d bytes); skipped", path, len(raw))
                    bad += 1
                    break
                try:
                    ops.append(decode_op(raw.decode("utf-8")))
                except (ValueError, UnicodeDecodeError) as exc:
                    logger.error("undecodable line in spill file %s at byte %d: %s", path, offset - len(raw), exc)
                    bad += 1
        return ops, offset, bad

    @staticmethod
    def iter_ops(path: Path) -> Iterator[Op]:
        offset = 0
        while True:
            ops, offset, _ = SpillStore.read(path, offset)
            if not ops:
                return
            yield from ops

    @staticmethod
    def remove(path: Path) -> None:
        path.unlink(missing_ok=True)

    def close(self) -> None:
        self.seal()
