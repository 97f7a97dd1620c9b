"""A real scrapyd process on a free loopback port, in its own directory, for tests.

Its config is generated from ``deploy/scrapyd/scrapyd.conf`` (the file we ship) with the port,
directories and a short poll interval overridden, so the tests exercise the shipped settings.
The process runs in its own session; :meth:`ScrapydNode.stop` ends it and the crawl processes it
spawned, so nothing outlives a test.
"""
from __future__ import annotations

import configparser
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CONF = REPO / "deploy" / "scrapyd" / "scrapyd.conf"
DATADIR_CFG = REPO / "deploy" / "docker" / "scrapy.cfg"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScrapydNode:
    def __init__(
        self,
        root: Path,
        *,
        env: dict[str, str] | None = None,
        max_proc: int = 2,
        auth: tuple[str, str] | None = None,
        conf: Path = SHIPPED_CONF,
    ) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.auth = auth
        self.extra_env = dict(env or {})
        self.max_proc = max_proc
        self.conf = conf
        self.process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> Path:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.conf)
        section = parser["scrapyd"]
        section["bind_address"] = "127.0.0.1"
        section["http_port"] = str(self.port)
        for name in ("eggs_dir", "logs_dir", "dbs_dir"):
            section[name] = str(self.root / name.removesuffix("_dir"))
        section["poll_interval"] = "0.2"
        section["max_proc"] = str(self.max_proc)
        section["username"] = self.auth[0] if self.auth else ""
        section["password"] = self.auth[1] if self.auth else ""
        path = self.root / "scrapyd.conf"
        with path.open("w") as handle:
            parser.write(handle)
        # What deploy/docker/scrapy.cfg does for the image (/etc/scrapy.cfg): a Scrapy data dir for
        # jobs that run from an egg, with no scrapy.cfg of their own.
        datadir = configparser.ConfigParser(interpolation=None)
        datadir.read(DATADIR_CFG)
        datadir["datadir"]["default"] = str(self.root / "data")
        with (self.root / "scrapy.cfg").open("w") as handle:
            datadir.write(handle)
        return path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY", "SCRAPYD_", "PYTEST"))}
        env.pop("PYTHONPATH", None)
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> ScrapydNode:
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_config()
        log = (self.root / "scrapyd.out").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile", ""],
            cwd=self.root,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scrapyd exited with {self.process.returncode}:\n{self.output()}")
            try:
                self.get("daemonstatus.json")
                return self
            except (URLError, OSError):
                time.sleep(0.1)
            except Exception:  # answered, but e.g. 401: it is up
                return self
        self.stop()
        raise RuntimeError(f"scrapyd did not answer on {self.url} within {timeout}s:\n{self.output()}")

    def get(self, endpoint: str) -> dict:
        request = Request(self.url + endpoint)
        if self.auth:
            import base64

            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def output(self) -> str:
        path = self.root / "scrapyd.out"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    def job_log(self, project: str, spider: str, job_id: str) -> str:
        path = self.root / "logs" / project / spider / f"{job_id}.log"
        return path.read_text(errors="replace") if path.exists() else f"(no log at {path})"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        # Whatever it spawned (crawls) shares its session/process group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(5)
        self.process = None


# --- a tiny Scrapy project, packed as an egg by hand, for client tests that need no crawl ----------

TOY_SETTINGS = """
BOT_NAME = "toy"
SPIDER_MODULES = ["toyproject.spiders"]
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
"""

TOY_SPIDERS = '''
import asyncio
import json
import os

import scrapy


class Echo(scrapy.Spider):
    """Writes its arguments and one setting to the file named by its ``out`` argument, then ends."""

    name = "echo"

    async def start(self):
        record = {k: v for k, v in vars(self).items() if isinstance(v, str)}
        record["setting_TOY_FLAG"] = self.settings.get("TOY_FLAG")
        record["env_REDIS_URL"] = os.environ.get("REDIS_URL")
        with open(self.out, "w") as handle:
            json.dump(record, handle)
        return
        yield


class ToyLinks(Echo):
    """Stands in for the real ``links`` spider: records its arguments under ``$TOY_OUT_DIR/<job>.json``."""

    name = "links"

    async def start(self):
        self.out = os.path.join(os.environ["TOY_OUT_DIR"], self._job + ".json")
        async for request in super().start():
            yield request


class Sleepy(scrapy.Spider):
    """Stays open for ``seconds`` (default 60), so a test can see it running and cancel it."""

    name = "sleepy"

    async def start(self):
        await asyncio.sleep(float(getattr(self, "seconds", "60")))
        return
        yield
'''


def toy_egg() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        egg.writestr("toyproject/__init__.py", "")
        egg.writestr("toyproject/settings.py", TOY_SETTINGS)
        egg.writestr("toyproject/spiders/__init__.py", TOY_SPIDERS)
        egg.writestr("EGG-INFO/PKG-INFO", "Metadata-Version: 1.1\nName: toyproject\nVersion: 1.0\n")
        egg.writestr("EGG-INFO/entry_points.txt", "[scrapy]\nsettings = toyproject.settings\n")
        egg.writestr("EGG-INFO/top_level.txt", "toyproject\n")
        egg.writestr("EGG-INFO/zip-safe", "\n")
    return buffer.getvalue()
