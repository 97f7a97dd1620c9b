"""linkspider.warc.records on good and bad files: every bad record is a counted Skip, the rest are read."""
from __future__ import annotations

import io
import tracemalloc

import pytest

from linkspider.warc.records import HttpRecord, MetadataRecord, Skip, gzip_members, iter_records
from tests.warc.build import Page, gz, http_block, members, raw_record, warc_bytes, wat_record

MAX = 10 * 1024 * 1024  # Scrapy's DOWNLOAD_MAXSIZE in linkspider's settings

PAGES = [Page(f"http://a.test/{i}", f'<a href="/p{i}">p{i}</a>'.encode()) for i in range(3)]


def read(data: bytes, max_bytes: int = MAX) -> list:
    return list(iter_records(io.BytesIO(data), max_bytes))


def summary(records: list) -> list[str]:
    out = []
    for r in records:
        if isinstance(r, Skip):
            out.append(f"skip:{r.reason}")
        elif isinstance(r, HttpRecord):
            out.append(r.url)
        else:
            out.append(f"meta:{r.url}")
    return out


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("compressed", [True, False], ids=["gzip-per-record", "plain"])
def test_good_file(version, compressed):
    records = read(warc_bytes(PAGES, version, gzip_members=compressed))
    assert summary(records) == ["skip:warcinfo", *[x for p in PAGES for x in ("skip:request", p.url)]]
    first = records[2]
    assert first.status == 200 and first.body == PAGES[0].body
    assert (b"Content-Type", b"text/html; charset=utf-8") in first.headers
    assert first.date == PAGES[0].date


def test_offsets_point_at_each_records_gzip_member():
    data = warc_bytes(PAGES)
    parts = members(data)
    starts = [sum(len(p) for p in parts[:i]) for i in range(len(parts))]
    assert [r.offset for r in read(data)] == starts


def test_truncated_last_member_is_a_skip_and_the_rest_is_kept():
    data = warc_bytes(PAGES)
    records = read(data[:-40])
    assert summary(records) == ["skip:warcinfo", "skip:request", PAGES[0].url, "skip:request", PAGES[1].url,
                                "skip:request", "skip:truncated"]


def test_corrupt_member_in_the_middle_costs_only_itself():
    parts = members(warc_bytes(PAGES))
    broken = parts[4][: len(parts[4]) // 2] + b"\x00" * 20  # PAGES[1]'s response, cut and padded
    records = read(b"".join([*parts[:4], broken, *parts[5:]]))
    assert summary(records) == ["skip:warcinfo", "skip:request", PAGES[0].url, "skip:request", "skip:corrupt",
                                "skip:request", PAGES[2].url]


def test_garbage_between_members_is_skipped():
    parts = members(warc_bytes(PAGES))
    records = read(b"".join([*parts[:3], b"not gzip at all", *parts[3:]]))
    assert summary(records).count("skip:corrupt") == 1
    assert [r.url for r in records if isinstance(r, HttpRecord)] == [p.url for p in PAGES]


@pytest.mark.parametrize("delta", [-10, +10, +5000], ids=["shorter", "longer", "far-longer"])
@pytest.mark.parametrize("compressed", [True, False], ids=["gzip-per-record", "plain"])
def test_a_record_whose_length_lies(delta, compressed):
    block = http_block(b'<a href="/liar">x</a>')
    good = [raw_record(p.url, http_block(p.body)) for p in PAGES]
    liar = raw_record("http://a.test/liar", block, length=len(block) + delta)
    parts = [good[0], liar, good[1], good[2]]
    data = b"".join(gz(p) for p in parts) if compressed else b"".join(parts)
    records = read(data)
    assert summary(records) == [PAGES[0].url, "skip:length_mismatch", PAGES[1].url, PAGES[2].url]


def test_http_payload_without_headers():
    record = raw_record("http://a.test/bare", b'<html><a href="/x">x</a></html>')
    assert summary(read(gz(record) + gz(raw_record(PAGES[0].url, http_block(PAGES[0].body))))) == [
        "skip:no_http_headers", PAGES[0].url]


def test_a_100_mb_record_is_skipped_without_holding_it():
    big = Page("http://a.test/big", b"<p>" + b"a" * (100 * 1024 * 1024))
    data = warc_bytes([big, PAGES[0]], with_requests=False)
    del big
    tracemalloc.start()
    try:
        records = read(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary(records) == ["skip:warcinfo", "skip:too_large", PAGES[0].url]
    assert peak < 4 * MAX, f"peak {peak} bytes while skipping a 100 MB record"


@pytest.mark.parametrize("compressed", [True, False], ids=["gzip-per-record", "plain"])
def test_over_the_cap_plain_or_gzip(compressed):
    data = warc_bytes([Page("http://a.test/big", b"x" * 5000), PAGES[0]], gzip_members=compressed,
                      with_requests=False)
    assert summary(read(data, max_bytes=1000)) == ["skip:warcinfo", "skip:too_large", PAGES[0].url]


def test_non_utf8_body_is_kept_as_bytes():
    body = "<a href='/é'>café</a>".encode("latin-1")
    records = read(warc_bytes([Page("http://a.test/l1", body, content_type="text/html")]))
    assert records[-1].body == body


def test_other_record_types_are_skips_by_type():
    recs = [
        raw_record("http://a.test/r", b"", warc_type="revisit", extra="WARC-Profile: x\r\n"),
        raw_record("http://a.test/res", b"plain", warc_type="resource", content_type="text/plain"),
        raw_record("http://a.test/dns", b"1.2.3.4", content_type="text/dns"),
        raw_record("http://a.test/m", b"a: b\r\n", warc_type="metadata", content_type="application/warc-fields"),
    ]
    assert summary(read(b"".join(gz(r) for r in recs))) == ["skip:revisit", "skip:resource", "skip:not_http",
                                                             "skip:metadata"]


def test_wat_metadata_records_are_handed_on():
    records = read(gz(wat_record("http://a.test/", b'{"Envelope": {}}')) + gz(wat_record("http://a.test/2", b"{no")))
    assert [type(r) for r in records] == [MetadataRecord, MetadataRecord]
    assert records[1].payload == b"{no"  # judged by the WAT reader, not here


def test_gzip_members_bounds_what_it_holds():
    data = gz(b"x" * 50_000) + gz(b"y" * 10)
    assert [(d is None, r) for _, d, r in gzip_members(io.BytesIO(data), 1000)] == [(True, "too_large"), (False, "")]
