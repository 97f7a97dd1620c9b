"""A crawl of the fixture web archived as WARC, then ingested: the same edges, field for field.

Both runs are real ``scrapy crawl`` processes on real Redis and MongoDB. The crawl writes its WARC
files (``LINKSPIDER_WARC_DIR``) in the format Common Crawl uses (one gzip member per record), once
as WARC/1.1 and once as WARC/1.0.
"""
from __future__ import annotations

import gzip
import json
import uuid

import pytest

from tests.warc.helpers import JOB_FIELDS, by_id, run_ingest


@pytest.fixture(scope="module", params=["1.1", "1.0"])
def archived(request, fixture_web, redis_url, mongo_uri, mongo_client, tmp_path_factory):
    """One crawl of the fixture web with its WARC archive, and an ingest of that archive."""
    from linkspider.demo.crawl import run_crawl

    version = request.param
    tmp = tmp_path_factory.mktemp(f"warc{version}")
    tag = uuid.uuid4().hex[:8]
    crawl_db, ingest_db = mongo_client[f"t_warc_c{tag}"], mongo_client[f"t_warc_i{tag}"]
    web = fixture_web.web
    status = run_crawl(
        [web.site_url(0)], f"warc-crawl-{tag}", redis_url=redis_url, mongo_uri=mongo_uri, database=crawl_db.name,
        settings={"LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True", "LINKSPIDER_IDLE_CLOSE_SECONDS": "1",
                  "LINKSPIDER_WARC_DIR": str(tmp / "warc"), "LINKSPIDER_WARC_VERSION": version,
                  "LINKSPIDER_WARC_MAX_FILE_BYTES": "200000"},
        scope="all", log_path=tmp / "crawl.log", timeout=300)
    assert status == 0, (tmp / "crawl.log").read_text()[-4000:]
    files = sorted((tmp / "warc").glob("*.warc.gz"))
    log = run_ingest(f"warc-ingest-{tag}", {"paths": str(tmp / "warc")}, redis_url=redis_url, mongo_uri=mongo_uri,
                     database=ingest_db.name, log_path=tmp / "ingest.log")
    yield version, crawl_db, ingest_db, files, log
    mongo_client.drop_database(crawl_db.name)
    mongo_client.drop_database(ingest_db.name)


def test_archive_is_rotated_gzip_per_record_in_the_asked_version(archived):
    version, _, _, files, _ = archived
    assert len(files) >= 2, "LINKSPIDER_WARC_MAX_FILE_BYTES=200000 rotates the archive"
    assert not list(files[0].parent.glob("*.open")), "every file is closed at the end of the crawl"
    raw = files[0].read_bytes()
    members = raw.count(b"\x1f\x8b\x08")
    text = gzip.decompress(raw)
    assert text.startswith(f"WARC/{version}\r\n".encode())
    assert text.count(f"WARC/{version}\r\n".encode()) == members, "one gzip member per record"
    assert b"WARC-Type: request" in text and b"WARC-Type: response" in text
    assert b"WARC-Payload-Digest: sha1:" in text and b"WARC-Concurrent-To:" in text


def test_each_archive_file_has_a_sorted_cdxj_index(archived):
    _, crawl_db, _, files, _ = archived
    lines = []
    for path in files:
        index = path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj")
        rows = index.read_text().splitlines()
        assert rows == sorted(rows)
        lines += rows
    indexed = {json.loads(row.split(" ", 2)[2])["url"] for row in lines}
    assert {doc["url"] for doc in crawl_db.pages.find()} <= indexed
    first = json.loads(lines[0].split(" ", 2)[2])
    with open(files[0].parent / first["filename"], "rb") as fh:  # offset and length point at a gzip member
        fh.seek(int(first["offset"]))
        assert gzip.decompress(fh.read(int(first["length"]))).startswith(b"WARC/")


def test_ingest_gives_the_crawls_edges_field_for_field(archived):
    _, crawl_db, ingest_db, _, _ = archived
    crawled = by_id(crawl_db.edges, JOB_FIELDS)
    ingested = by_id(ingest_db.edges, JOB_FIELDS)
    assert len(crawled) > 100
    assert ingested.keys() == crawled.keys()
    for key, doc in crawled.items():
        assert ingested[key] == doc, key  # timestamps too: the crawl used the WARC-Date it wrote


def test_ingest_gives_the_crawls_pages(archived):
    _, crawl_db, ingest_db, _, _ = archived
    crawled = by_id(crawl_db.pages, (*JOB_FIELDS, "depth"))  # a WARC record has no crawl depth
    ingested = by_id(ingest_db.pages, (*JOB_FIELDS, "depth"))
    assert ingested == crawled


def test_ingested_edges_say_where_they_came_from(archived):
    _, _, ingest_db, files, log = archived
    names = {f.name for f in files}
    assert set(ingest_db.edges.distinct("source")) == {"warc"}
    assert set(ingest_db.edges.distinct("source_file")) <= names
    assert ingest_db.edges.count_documents({"source_file": None}) == 0
    assert "warc/files/done" in log and "records/s" in log
