"""The pure parts of WARC/WAT ingest: WAT JSON, links from WAT rows, sources, units, filters, archive helpers."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import pytest
from scrapy.utils.test import get_crawler

from linkspider.errors import ConfigurationError
from linkspider.extract import extract_links, links_from_rows
from linkspider.warc.archive import ArchiveConfig, WarcArchiveMiddleware, http_response_headers, warc_date
from linkspider.warc.filters import EdgeFilter, parse_domains
from linkspider.warc.sources import (
    SourceRefused,
    local_refusal,
    open_source,
    parse_sources,
    source_name,
    unit_source,
    unit_url,
)
from linkspider.warc.wat import WatPage, parse_wat
from tests.warc.build import Page, wat_json

URL = "http://a.test/dir/page.html"


# -- WAT ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("payload, reason", [
    (b"not json", "wat_not_json"),
    (b"\xff\xfe", "wat_not_json"),
    (b"[1, 2]", "wat_bad_shape"),
    (json.dumps({"Envelope": {"WARC-Header-Metadata": {"WARC-Type": "request"}}}).encode(), "wat_not_response"),
    (json.dumps({"Envelope": {"WARC-Header-Metadata": {"WARC-Type": "response", "WARC-Target-URI": URL}}}).encode(),
     "wat_bad_shape"),
    (json.dumps({"Envelope": {"WARC-Header-Metadata": {"WARC-Type": "response", "WARC-Target-URI": URL},
                              "Payload-Metadata": {"HTTP-Response-Metadata": {
                                  "Response-Message": {"Status": "two hundred"}}}}}).encode(), "wat_bad_shape"),
], ids=["text", "binary", "array", "request", "no-payload", "bad-status"])
def test_wat_records_that_are_not_pages(payload, reason):
    assert parse_wat(payload) == reason


def test_wat_page_rows():
    body = (b'<html><head><base href="/base/"><link rel="canonical" href="/c"><meta name="robots" content="index">'
            b'</head><body><a href="x" rel="nofollow">X <b>y</b></a><img src="i.png" alt="i">'
            b'<map><area href="/a" alt="area"></map></body></html>')
    page = parse_wat(json.dumps(wat_json(Page(URL, body))).encode())
    assert isinstance(page, WatPage) and page.html and page.status == 200
    assert page.anchors == [("a", "x", "X y", None, "nofollow"), ("area", "/a", "", "area", None)]
    assert page.other_elements == 1  # the image
    links, metas, bases = page.head_rows
    assert links == [("canonical", "/c")] and bases == ["/base/"] and metas == [(None, "robots", "index")]


def test_wat_of_a_non_html_response_has_no_links():
    page = parse_wat(json.dumps(wat_json(Page(URL, b"%PDF", content_type="application/pdf"))).encode())
    assert isinstance(page, WatPage) and not page.html and page.anchors == []


# -- links from WAT rows: the extraction rules, without the HTML ---------------------------------
HTML_CASES = {
    "base-and-canonical": b'<head><base href="/b/"><link rel="canonical" href="/canon"></head><a href="x">x</a>',
    "drops": b'<a href="javascript:void(0)">j</a><a href="#top">t</a><a href="">e</a><a href="mailto:a@b">m</a>'
             b'<a href="http://[bad">b</a><a href="/ok">ok</a>',
    "rel": b'<a href="/s" rel="Sponsored  NOFOLLOW nofollow">s</a><a href="/u" rel="ugc">u</a>',
    "robots-nofollow": b'<meta name="robots" content="noindex, nofollow"><a href="/n">n</a>',
    "refresh": b'<meta http-equiv="refresh" content="5; url=/next"><a href="/n">n</a>',
    "text": b'<a href="/t">  many\n\t spaces\xc2\xa0here </a><a href="/t">many spaces here</a>',
    "area": b'<map><area href="/ar" alt=" an  area "></map>',
}


def _rows_of(body: bytes):
    page = parse_wat(json.dumps(wat_json(Page(URL, body))).encode())
    return links_from_rows(page.anchors, page.head_rows, URL, max_links=100, max_anchor_chars=256)


@pytest.mark.parametrize("body", HTML_CASES.values(), ids=HTML_CASES.keys())
def test_wat_rows_give_the_extractors_links_less_placement(body):
    def fields(link, wat):
        return (link.href, link.target_url, link.anchor_text, link.alt, link.link_type, link.rel, link.nofollow,
                link.sponsored, link.ugc, link.placement if link.placement == "header" or wat else None)

    result = _rows_of(body)
    expected = extract_links(body, URL, max_links=100, max_anchor_chars=256)
    got = [fields(link, True) for link in result.links]
    assert {g[:-1] for g in got} == {fields(link, False)[:-1] for link in expected}
    assert {g[-1] for g in got} <= {"unknown", "header"}


def test_wat_rows_count_drops_and_caps():
    result = _rows_of(HTML_CASES["drops"])
    assert dict(result.dropped) == {"javascript": 1, "fragment": 1, "empty": 1, "mailto": 1, "invalid": 1}
    page = parse_wat(json.dumps(wat_json(Page(URL, b"".join(b'<a href="/%d">%d</a>' % (i, i) for i in range(5)))))
                     .encode())
    capped = links_from_rows(page.anchors, page.head_rows, URL, max_links=3, max_anchor_chars=1)
    assert [link.target_url for link in capped.links] == ["http://a.test/0", "http://a.test/1", "http://a.test/2"]
    assert capped.dropped["max_links"] == 2 and capped.links[0].anchor_text == "0"


def test_wat_rows_with_an_invalid_page_url():
    assert links_from_rows([("a", "/x", "", None, None)], ([], [], []), "not a url").dropped["invalid_base"] == 1


# -- sources and units --------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["/data/a b/x.warc.gz", "https://data.example.org/crawl-data/x.warc.gz?a=1&b=2"])
def test_unit_urls_carry_their_file(source):
    url = unit_url(source)
    assert url.startswith("https://warc.invalid/") and unit_source(url) == source


def test_other_urls_are_not_units():
    assert unit_source("https://example.com/unit?src=/etc/passwd") is None


def test_source_names():
    assert source_name("/x/y/CC-MAIN-1.warc.gz") == "CC-MAIN-1.warc.gz"
    assert source_name("https://h.example/crawl-data/CC-MAIN-2.warc.gz?x=1") == "CC-MAIN-2.warc.gz"


def test_parse_sources_forms(tmp_path):
    for name in ("a.warc.gz", "b.warc.gz", "c.wat.gz", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.warc").write_bytes(b"x")
    (tmp_path / "list.txt").write_text(f"# files\n{tmp_path / 'a.warc.gz'}\n\nsub/d.warc  # relative\n")
    (tmp_path / "warc.paths.gz").write_bytes(gzip.compress(b"crawl-data/X/1.warc.gz\ncrawl-data/X/2.warc.gz\n"))
    a, b, c, d = (str(tmp_path / n) for n in ("a.warc.gz", "b.warc.gz", "c.wat.gz", "sub/d.warc"))
    assert parse_sources(str(tmp_path)) == [a, b, c]  # a directory: its archives
    assert parse_sources(f"{tmp_path}/*.warc.gz,{a}") == [a, b]  # a glob; a file listed twice is read once
    assert parse_sources(f"@{tmp_path / 'list.txt'}", prefix=str(tmp_path)) == [a, d]
    assert parse_sources(f"@{tmp_path / 'warc.paths.gz'}", prefix="https://data.example.org/") == [
        "https://data.example.org/crawl-data/X/1.warc.gz", "https://data.example.org/crawl-data/X/2.warc.gz"]
    assert parse_sources("https://h.example/x.warc.gz") == ["https://h.example/x.warc.gz"]
    assert parse_sources(None) == []


@pytest.mark.parametrize("value", ["/no/such.warc.gz", "@/no/such/list.txt"])
def test_parse_sources_refuses_what_is_not_there(value):
    with pytest.raises(ConfigurationError, match="such"):
        parse_sources(value)


def test_local_sources_must_be_archive_files(tmp_path):
    """A unit in Redis names the path a worker opens: only regular files named like archives are read."""
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    archive = tmp_path / "a.warc.gz"
    archive.write_bytes(b"x")
    folder = tmp_path / "odd.warc"
    folder.mkdir()
    assert local_refusal(str(archive)) is None
    assert "not named like" in local_refusal(str(notes))
    assert "not named like" in local_refusal("/dev/zero")  # would never end
    assert "not a regular file" in local_refusal(str(folder))
    with pytest.raises(ConfigurationError, match="not named like"):
        parse_sources(str(notes))
    assert parse_sources(f"{tmp_path}/*") == [str(archive)]  # a glob keeps the archives
    for path in (notes, folder, "/dev/zero"):
        with pytest.raises(SourceRefused):
            open_source(str(path))
    with open_source(str(archive)) as stream:
        assert stream.read() == b"x"


def test_a_bad_gzip_paths_list_is_refused(tmp_path):
    (tmp_path / "warc.paths.gz").write_bytes(b"\x1f\x8b\x08broken")
    with pytest.raises(ConfigurationError, match="gzip"):
        parse_sources(f"@{tmp_path / 'warc.paths.gz'}")


# -- filters -----------------------------------------------------------------------------------
def test_parse_domains_takes_registered_domains(tmp_path):
    (tmp_path / "d.txt").write_text("# watch\nwww.Example.co.uk.\nblog.example.org # a comment\n\n")
    assert parse_domains(f"@{tmp_path / 'd.txt'}", "targets") == {"example.co.uk", "example.org"}
    assert parse_domains("a.github.io, b.com", "targets") == {"a.github.io", "b.com"}
    assert parse_domains(None, "targets") == set()
    with pytest.raises(ConfigurationError, match="targets"):
        parse_domains("https://example.com/", "targets")
    with pytest.raises(ConfigurationError, match="exclude"):
        parse_domains("@/no/such/file", "exclude")


class _Targets:
    def __init__(self, domains):
        self.domains = domains

    def allows(self, domain):
        return domain in self.domains


@pytest.mark.parametrize("flt, edge, reason", [
    (EdgeFilter(), {"internal": True, "target_domain": "a.com"}, None),
    (EdgeFilter(external_only=True), {"internal": True, "target_domain": "a.com"}, "internal"),
    (EdgeFilter(external_only=True), {"internal": False, "target_domain": "b.com"}, None),
    (EdgeFilter(targets=_Targets({"b.com"})), {"internal": False, "target_domain": "c.com"}, "not_target"),
    (EdgeFilter(targets=_Targets({"b.com"})), {"internal": False, "target_domain": "b.com"}, None),
], ids=["none", "internal", "external", "not-target", "target"])
def test_edge_filter(flt, edge, reason):
    assert flt.drop_reason(edge) == reason
    assert flt.active == (flt.external_only or flt.targets is not None)


# -- archive helpers and settings ----------------------------------------------------------------
def test_warc_dates():
    t = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)
    assert warc_date(t, "1.0") == (t.replace(microsecond=0), "2024-03-01T12:30:15Z")
    assert warc_date(t, "1.1") == (t, "2024-03-01T12:30:15.123456Z")


def test_stored_response_headers_follow_common_crawl():
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", "10"),
               ("Transfer-Encoding", "chunked")]
    assert http_response_headers(headers, 42) == [
        ("Content-Type", "text/html"), ("X-Crawler-Content-Encoding", "gzip"), ("X-Crawler-Content-Length", "10"),
        ("X-Crawler-Transfer-Encoding", "chunked"), ("Content-Length", "42")]


@pytest.mark.parametrize("name, value", [("LINKSPIDER_WARC_VERSION", "1.2"), ("LINKSPIDER_WARC_MAX_FILE_BYTES", "0"),
                                         ("LINKSPIDER_WARC_MAX_FILE_BYTES", "big")])
def test_archive_refuses_bad_settings(name, value, tmp_path):
    crawler = get_crawler(settings_dict={"LINKSPIDER_WARC_DIR": str(tmp_path), name: value})
    with pytest.raises(ConfigurationError, match=name):
        WarcArchiveMiddleware.from_crawler(crawler)


def test_archive_is_off_without_a_directory():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        WarcArchiveMiddleware.from_crawler(get_crawler(settings_dict={}))
    assert ArchiveConfig().directory == ""


def test_ingest_refuses_a_bad_progress_interval(redis_url):
    from linkspider.spiders.warc import WarcSpider

    crawler = get_crawler(WarcSpider, settings_dict={"LINKSPIDER_WARC_PROGRESS_SECONDS": "0", "REDIS_URL": redis_url})
    with pytest.raises(ConfigurationError, match="LINKSPIDER_WARC_PROGRESS_SECONDS"):
        WarcSpider.from_crawler(crawler, crawl_id="bad-progress")


def test_prefetch_reads_ahead_and_hands_on_errors():
    import io as _io

    from linkspider.warc.sources import Prefetch

    data = bytes(range(256)) * 1000
    with Prefetch(_io.BytesIO(data), chunk=1000, depth=2) as stream:
        got = [stream.read(777) for _ in range(3)]
        got.append(stream.read())
        assert b"".join(got) == data and stream.read(10) == b""

    class Broken(_io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            raise ConnectionResetError("peer went away")

    with Prefetch(Broken()) as stream, pytest.raises(OSError, match="peer went away"):
        stream.read(10)
