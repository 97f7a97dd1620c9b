"""The replica-set init script: valid JavaScript, and the server behaviour it relies on holds.

No mongosh here, so the script itself does not run in tests; what it assumes does, on a real mongod
started with --replSet: status answers code 94 (NotYetInitialized) before the set exists, the member
document shape (priority) is accepted, the member becomes a writable primary, and the application
user can be created and found again (the idempotence check of a second run).
"""
from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import OperationFailure

from linkspider.demo.servers import find_mongod, free_port

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "mongo" / "init-replica-set.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed here")
def test_script_is_valid_javascript() -> None:
    result = subprocess.run(["node", "--check", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_script_uses_the_commands_checked_below() -> None:
    text = SCRIPT.read_text()
    for needle in ("replSetGetStatus", "replSetInitiate", "NOT_YET_INITIALIZED = 94", "isWritablePrimary",
                   "createUser", "getUser('linkspider')", "priority: i === 0 ? 2 : 1"):
        assert needle in text, needle


@pytest.fixture
def replset_member(tmp_path: Path) -> Iterator[tuple[pymongo.MongoClient, str]]:
    port = free_port()
    (tmp_path / "db").mkdir()
    proc = subprocess.Popen(
        [find_mongod(), "--replSet", "rs0", "--bind_ip", "127.0.0.1", "--port", str(port),
         "--dbpath", str(tmp_path / "db"), "--quiet"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client: pymongo.MongoClient = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=20000)
    try:
        client.admin.command("ping")
        yield client, f"127.0.0.1:{port}"
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_replica_set_init_contract(replset_member: tuple[pymongo.MongoClient, str]) -> None:
    client, host = replset_member
    with pytest.raises(OperationFailure) as info:
        client.admin.command({"replSetGetStatus": 1})
    assert info.value.code == 94  # NotYetInitialized: the script's "not initiated yet" test

    client.admin.command({"replSetInitiate": {"_id": "rs0", "members": [{"_id": 0, "host": host, "priority": 2}]}})
    deadline = time.monotonic() + 30
    while not client.admin.command({"hello": 1}).get("isWritablePrimary"):
        assert time.monotonic() < deadline, "member never became primary"
        time.sleep(0.2)
    assert client.admin.command({"replSetGetStatus": 1})["set"] == "rs0"  # a second run skips initiate

    db = client["linkspider"]
    assert db.command({"usersInfo": "linkspider"})["users"] == []
    db.command({"createUser": "linkspider", "pwd": "x" * 24, "roles": [{"role": "readWrite", "db": "linkspider"}]})
    users = db.command({"usersInfo": "linkspider"})["users"]
    assert [(u["user"], u["roles"]) for u in users] == [("linkspider", [{"role": "readWrite", "db": "linkspider"}])]
