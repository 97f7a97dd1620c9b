"""``scrapy crawl warc`` on WARC and WAT files built from the fixture web, into real MongoDB.

The files are written here from what the fixture server answers (``FixtureWeb.respond``), in
Common Crawl's layout; nothing is crawled. Each test runs the spider as a real subprocess.
"""
from __future__ import annotations

import json
import uuid

import pytest

from tests.warc.build import Page, gz, http_block, raw_record, warc_bytes, wat_bytes, wat_record
from tests.warc.helpers import JOB_FIELDS, by_id, run_ingest


def web_pages(web) -> list[Page]:
    """Every page, redirect, refresh page and 404 of the fixture web, as the server answers them."""
    urls = [*web.page_urls(), *(r.url for r in web.redirects), *(r.url for r in web.refreshes), *web.missing]
    pages = []
    for url in urls:
        site, path = web.locate(url)
        answer = web.respond(site, path)
        pages.append(Page(url, answer.body, status=answer.status, content_type=None, headers=answer.headers))
    return pages


@pytest.fixture(scope="module")
def files(fixture_web, tmp_path_factory):
    pages = web_pages(fixture_web.web)
    tmp = tmp_path_factory.mktemp("ingest")
    half = len(pages) // 2
    (tmp / "a.warc.gz").write_bytes(warc_bytes(pages[:half], "1.0"))
    (tmp / "b.warc.gz").write_bytes(warc_bytes(pages[half:], "1.1"))
    (tmp / "a.wat.gz").write_bytes(wat_bytes(pages))
    return tmp, pages


@pytest.fixture
def ingest(redis_url, mongo_uri, mongo_client, tmp_path):
    made = []

    def _ingest(args, settings=None):
        db = mongo_client[f"t_ingest_{uuid.uuid4().hex[:10]}"]
        made.append(db.name)
        log = run_ingest(f"ingest-{uuid.uuid4().hex[:8]}", args, redis_url=redis_url, mongo_uri=mongo_uri,
                         database=db.name, log_path=tmp_path / f"{db.name}.log", settings=settings)
        return db, log

    yield _ingest
    for name in made:
        mongo_client.drop_database(name)


def stat(log: str, key: str) -> int:
    """A counter from the crawl's final stats dump (0 when absent)."""
    marker = f"'{key}': "
    at = log.rfind(marker)
    if at < 0:
        return 0
    return int(log[at + len(marker):].split(",", 1)[0].split("}", 1)[0])


@pytest.fixture(scope="module")
def full(files, redis_url, mongo_uri, mongo_client, tmp_path_factory):
    """Both WARC files ingested without filters (a list file naming them)."""
    tmp, pages = files
    (tmp / "list.txt").write_text("# the fixture web\na.warc.gz\nb.warc.gz\n")
    db = mongo_client[f"t_full_{uuid.uuid4().hex[:10]}"]
    log = run_ingest("full-1", {"paths": f"@{tmp / 'list.txt'}", "prefix": str(tmp)}, redis_url=redis_url,
                     mongo_uri=mongo_uri, database=db.name, log_path=tmp / "full.log")
    yield db, log, pages
    mongo_client.drop_database(db.name)


def test_every_archived_page_is_stored_with_its_warc_date(full):
    db, log, pages = full
    stored = {doc["url"]: doc for doc in db.pages.find()}
    assert set(stored) == {p.url for p in pages}
    assert {doc["fetched_at"] for doc in stored.values()} == {pages[0].date.replace(tzinfo=None)}
    assert stat(log, "linkspider/warc/files/done") == 2
    assert db.edges.count_documents({"link_type": "redirect"}) == len([p for p in pages if p.status == 301])
    assert db.edges.count_documents({"link_type": "refresh"}) >= 1


def test_reingesting_adds_no_edges(full, ingest, files, redis_url, mongo_uri, tmp_path):
    db, _, _ = full
    before = by_id(db.edges, ("first_seen", "crawl_id"))
    tmp, _ = files
    run_ingest(f"again-{uuid.uuid4().hex[:6]}", {"paths": f"{tmp / 'a.warc.gz'},{tmp / 'b.warc.gz'}"},
               redis_url=redis_url, mongo_uri=mongo_uri, database=db.name, log_path=tmp_path / "again.log")
    assert by_id(db.edges, ("first_seen", "crawl_id")) == before


def test_wat_gives_the_warc_edges_without_placement(full, ingest, files):
    warc_db, _, _ = full
    tmp, pages = files
    wat_db, log = ingest({"paths": str(tmp / "a.wat.gz")})

    def rows(db, wat):
        """identity (as the edge _id sees it, less placement) -> the set of (rel, nofollow, internal) found"""
        out: dict = {}
        for e in db.edges.find():
            # a WAT link is an <a>: it cannot tell an image link from a text link
            link_type = "a" if not wat and e["link_type"] == "img" else e["link_type"]
            key = (e["source_url"], e["target_url"], link_type, e["anchor_text"])
            out.setdefault(key, set()).add((tuple(e.get("rel", ())), e["nofollow"], e["internal"]))
        return out

    wat, warc = rows(wat_db, True), rows(warc_db, False)
    assert wat.keys() == warc.keys()
    for key, found in warc.items():
        # one WAT edge stands for the crawl's edges that differ only in placement (the last one's rel wins)
        assert len(wat[key]) == 1 and wat[key] <= found, key
    assert set(wat_db.edges.distinct("placement")) == {"unknown", "header"}  # header: canonical, refresh, redirect
    assert set(wat_db.edges.distinct("source")) == {"wat"}
    assert wat_db.pages.count_documents({}) == len(pages)
    assert stat(log, "linkspider/links_dropped/wat_other_element") > 0  # the images


def test_target_watch_list_keeps_only_links_into_it(full, ingest, files, fixture_web, tmp_path):
    warc_db, _, _ = full
    tmp, _ = files
    web = fixture_web.web
    from linkspider.domains import registered_domain
    from linkspider.urls import host_of

    target = registered_domain(host_of(web.site_url(1)))
    (tmp_path / "domains.txt").write_text(f"# watched (an IP host is its own domain)\n{target}\n")
    db, log = ingest({"paths": f"{tmp / 'a.warc.gz'},{tmp / 'b.warc.gz'}", "targets": f"@{tmp_path / 'domains.txt'}"})
    expected = {k: v for k, v in by_id(warc_db.edges, JOB_FIELDS).items() if v["target_domain"] == target}
    assert expected and by_id(db.edges, JOB_FIELDS) == expected
    dropped = warc_db.edges.count_documents({}) - len(expected)
    assert stat(log, "linkspider/warc/filtered/not_target") >= dropped  # duplicates across pages count once each
    kept_sources = {v["source_key"] for v in expected.values()}
    assert {d["_id"] for d in db.pages.find()} == kept_sources, "pages with no watched link are not written"
    assert db.edges.count_documents({"lost_at": {"$exists": True}}) == 0


def test_external_only_and_source_exclusion(full, ingest, files, fixture_web):
    warc_db, _, _ = full
    tmp, _ = files
    from linkspider.domains import registered_domain
    from linkspider.urls import host_of

    excluded = registered_domain(host_of(fixture_web.web.site_url(0)))
    db, log = ingest({"paths": f"{tmp / 'a.warc.gz'},{tmp / 'b.warc.gz'}", "external_only": "1", "exclude": excluded})
    expected = {k: v for k, v in by_id(warc_db.edges, JOB_FIELDS).items()
                if not v["internal"] and v["source_domain"] != excluded}
    assert expected and by_id(db.edges, JOB_FIELDS) == expected
    assert stat(log, "linkspider/warc/filtered/internal") > 0
    assert stat(log, "linkspider/warc/skipped/excluded_source") == warc_db.pages.count_documents(
        {"domain": excluded})


def test_bad_records_are_counted_and_the_good_ones_stored(ingest, tmp_path):
    good = Page("http://good.test/", b'<a href="http://t.test/ok">ok</a>')
    latin = Page("http://latin.test/", '<a href="http://t.test/é">café crème</a>'.encode("cp1252"),
                 content_type="text/html")  # no charset: decoded as windows-1252 (not valid UTF-8)
    png = Page("http://png.test/x.png", b"\x89PNG\r\n", content_type="image/png")
    server_error = Page("http://err.test/", b"<a href='http://t.test/e'>e</a>", status=500)
    warc = warc_bytes([good, latin, png, server_error], with_requests=False)
    block = http_block(b'<a href="http://t.test/liar">x</a>')
    hostile = b"".join([
        gz(raw_record("http://liar.test/", block, length=len(block) + 7)),
        gz(raw_record("http://bare.test/", b'<a href="http://t.test/bare">x</a>')),
        gz(raw_record("http://rev.test/", b"", warc_type="revisit")),
        warc_bytes([Page("http://big.test/", b"<p>" + b"a" * 3_000_000)], with_requests=False),
        gz(raw_record("ftp://files.test/x.html", http_block(b'<a href="http://t.test/ftp">x</a>'))),
        gz(raw_record("not a url", http_block(b'<a href="http://t.test/nourl">x</a>'))),
        gz(wat_record("http://wat.test/", b"not json {")),
        gz(wat_record("http://wat.test/2", json.dumps({"Envelope": {"WARC-Header-Metadata": {"WARC-Type": "request"}}})
                      .encode())),
        warc_bytes([Page("http://after.test/", b'<a href="http://t.test/after">after</a>')],
                   with_requests=False)[:-25],  # truncated gzip member at the end
    ])
    (tmp_path / "mixed.warc.gz").write_bytes(warc + hostile)
    db, log = ingest({"paths": str(tmp_path / "mixed.warc.gz")}, settings={"DOWNLOAD_MAXSIZE": "1000000"})
    assert sorted(d["url"] for d in db.pages.find()) == ["http://good.test/", "http://latin.test/"]
    assert db.edges.find_one({"source_url": "http://latin.test/"})["anchor_text"] == "café crème"
    assert db.edges.find_one({"source_url": "http://latin.test/"})["target_url"] == "http://t.test/%C3%A9"
    for reason in ("not_html", "status", "length_mismatch", "no_http_headers", "revisit", "too_large",
                   "wat_not_json", "wat_not_response", "truncated"):
        assert stat(log, f"linkspider/warc/skipped/{reason}") == 1, reason
    assert stat(log, "linkspider/warc/skipped/bad_url") == 2
    assert stat(log, "linkspider/warc/skipped/error") == 0
    assert stat(log, "linkspider/warc/files/done") == 1
    assert "Traceback" not in log


@pytest.fixture
def http_files(files):
    """The WARC files served over HTTP on loopback, with a Common Crawl style ``warc.paths.gz``."""
    import functools
    import gzip
    import http.server
    import threading

    tmp, _ = files
    (tmp / "warc.paths.gz").write_bytes(gzip.compress(b"a.warc.gz\nb.warc.gz\n"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


LOOPBACK_ALLOWED = {"LINKSPIDER_ALLOWED_NETWORKS": "127.0.0.0/8"}


def test_files_read_as_http_streams_from_a_paths_list(full, ingest, http_files):
    warc_db, _, _ = full
    db, log = ingest({"paths": f"@{http_files}warc.paths.gz", "prefix": http_files}, settings=LOOPBACK_ALLOWED)
    assert by_id(db.edges, (*JOB_FIELDS, "first_seen")) == by_id(
        warc_db.edges, (*JOB_FIELDS, "first_seen"))
    assert stat(log, "linkspider/warc/files/done") == 2


def test_an_unreachable_file_is_retried_then_given_up(ingest, http_files):
    db, log = ingest({"paths": f"{http_files}missing.warc.gz"}, settings={"RETRY_TIMES": "1", **LOOPBACK_ALLOWED})
    assert stat(log, "linkspider/warc/files/retried") == 1
    assert stat(log, "linkspider/warc/files/failed") == 1
    assert db.pages.count_documents({}) == 0


def test_a_file_on_a_private_address_is_refused_not_read(ingest, http_files):
    """The crawl's network guard covers ingest sources: loopback is refused unless allowed, and counted."""
    db, log = ingest({"paths": f"{http_files}a.warc.gz,{http_files}b.warc.gz"}, settings={"RETRY_TIMES": "1"})
    assert stat(log, "linkspider/warc/files/refused") == 2
    assert stat(log, "linkspider/warc/files/retried") == 0 and stat(log, "linkspider/warc/files/done") == 0
    assert "loopback address" in log
    assert db.edges.count_documents({}) == 0
