"""Three ``warc`` workers share one file list; one is SIGKILLed mid-file; every record is stored once.

The killed worker's lease on its file expires (``LINKSPIDER_FRONTIER_LEASE_SECONDS``) and the file
goes back to the queue; another worker reads it from the start, and idempotent writes make the
second reading add nothing twice.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid

import redis

from linkspider.frontier.keys import FrontierKeys
from tests.warc.build import Page, warc_bytes
from tests.warc.helpers import start_ingest

FILES = 9
PAGES_PER_FILE = 500
PROGRESS = re.compile(r"warc: f\d\.warc\.gz: \d+ records")


def page(f: int, i: int) -> Page:
    links = "".join(f'<li><a href="http://t{(f * i + k) % 7}.test/p{k}">link {k} of {i}</a></li>' for k in range(20))
    body = f"<html><body><nav><a href='/'>home</a></nav><ul>{links}</ul></body></html>".encode()
    return Page(f"http://s{f}.test/page{i}.html", body)


def test_three_workers_one_killed_every_record_once(tmp_path, redis_url, mongo_uri, mongo_db):
    for f in range(FILES):
        (tmp_path / f"f{f}.warc.gz").write_bytes(warc_bytes([page(f, i) for i in range(PAGES_PER_FILE)]))
    (tmp_path / "list.txt").write_text("\n".join(f"f{f}.warc.gz" for f in range(FILES)))
    crawl_id = f"kill-{uuid.uuid4().hex[:6]}"
    args = {"paths": f"@{tmp_path / 'list.txt'}", "prefix": str(tmp_path)}
    kw = {"redis_url": redis_url, "mongo_uri": mongo_uri, "database": mongo_db.name,
          "settings": {"LINKSPIDER_IDLE_CLOSE_SECONDS": "3", "LINKSPIDER_FRONTIER_LEASE_SECONDS": "6",
                       "LINKSPIDER_WARC_PROGRESS_SECONDS": "0.1"}}
    logs = [tmp_path / f"w{n}.log" for n in range(3)]
    workers = [start_ingest(crawl_id, args, log_path=logs[n], **kw) for n in range(3)]  # each lists the files
    victim = workers[0]
    try:
        deadline = time.monotonic() + 120
        while not PROGRESS.search(logs[0].read_text()):  # a progress line: inside a file
            assert time.monotonic() < deadline and victim.poll() is None, logs[0].read_text()[-3000:]
            time.sleep(0.02)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        for n, proc in enumerate(workers[1:], 1):
            assert proc.wait(300) == 0, logs[n].read_text()[-4000:]
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    killed_log = logs[0].read_text()
    assert "warc: done" not in killed_log.split("warc: reading")[-1], "the worker was killed inside a file"
    urls = {doc["url"] for doc in mongo_db.pages.find({}, {"url": 1})}
    assert urls == {page(f, i).url for f in range(FILES) for i in range(PAGES_PER_FILE)}
    assert mongo_db.edges.count_documents({}) == FILES * PAGES_PER_FILE * 21  # 20 list links + home, all distinct
    counters = redis.Redis.from_url(redis_url).hgetall(FrontierKeys(crawl_id).counters)
    assert int(counters[b"pushed"]) == FILES, "three workers listed the files; each was queued once"
    assert int(counters[b"reaped"]) >= 1, "the killed worker's file went back to the queue"
    assert int(counters[b"acked"]) == FILES
    status = subprocess.run(
        [os.path.join(os.path.dirname(os.sys.executable), "linkspider"), "frontier", "status", "--crawl-id", crawl_id,
         "--redis-url", redis_url], capture_output=True, text=True, check=True).stdout
    assert f"files (WARC/WAT ingest): done {FILES}   leased 0   left 0" in status
