"""``linkspider extract FILE --url URL`` prints one JSON line per link."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from linkspider.cli import main
from linkspider.demo.fixture_web import BUNDLED_CORPUS_DIR

DATA = BUNDLED_CORPUS_DIR  # the pages that ship with the package (linkspider/demo/corpus)


def test_prints_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>See <a href='/a' rel='nofollow UGC'>the A page</a> and <a href='mailto:x@y'>mail</a>.</p>")
    assert main(["extract", str(page), "--url", "https://example.com/dir/", "--stats"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert 0.0 <= records[0].pop("body_score") <= 1.0  # the placement model's evidence
    assert records == [
        {
            "href": "/a", "target_url": "https://example.com/a", "anchor_text": "the A page", "alt": None,
            "link_type": "a", "rel": ["nofollow", "ugc"], "nofollow": True, "sponsored": False, "ugc": True,
            "placement": "body",
        }
    ]
    assert json.loads(err.splitlines()[-1])["dropped"] == {"mailto": 1}


def test_gzip_headers_and_max_links(capsys: pytest.CaptureFixture[str]) -> None:
    page = min((DATA / "html").glob("*.html.gz"))
    url = json.loads((DATA / "link-labels.json").read_text())[page.name[: -len(".html.gz")]]["url"]
    assert gzip.decompress(page.read_bytes())  # really gzipped
    argv = ["extract", str(page), "--url", url, "--max-links", "5", "--header", "X-Robots-Tag: nofollow"]
    assert main(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 5 and all(r["nofollow"] for r in records)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["extract", "/nonexistent/page.html", "--url", "http://e.com/"], "cannot read", id="missing-file"),
        pytest.param(["extract", "-", "--url", "ftp://e.com/"], "not an http(s) URL", id="bad-url"),
        pytest.param(["extract", "-", "--url", "http://e.com/", "--header", "nocolon"], "NAME: VALUE", id="bad-header"),
    ],
)
def test_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"<a href='/x'>x</a>")))
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    """`linkspider extract page --url U | head -1`: exit 0 and no traceback when the pipe closes."""
    import subprocess
    import sys

    page = min((DATA / "html").glob("*.html.gz"))
    proc = subprocess.Popen([sys.executable, "-m", "linkspider", "extract", str(page), "--url", "https://example.com/"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())  # read one record, then hang up
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
