"""``report gap|broken|outgoing|anchors`` and ``domains --metric`` through ``linkspider.cli.main``: every format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from linkspider.cli import main
from linkspider.reports.runner import ReportSettings, run_anchors, run_broken, run_domain_metrics, run_outgoing
from linkspider.reports.targets import Target
from tests.reports.edgegen import OTHER_TARGET, TARGET

REPORTS = [
    pytest.param(["gap", "--competitors", f"{OTHER_TARGET},ref3.com", "--target", "ref2.com"], id="gap"),
    pytest.param(["broken", "--target", TARGET], id="broken"),
    pytest.param(["outgoing", "--source", "ref3.com"], id="outgoing"),
    pytest.param(["anchors", "--target", TARGET], id="anchors"),
    pytest.param(["domains", "--metric", "rank"], id="domains-rank"),
    pytest.param(["domains", "--metric", "harmonic"], id="domains-harmonic"),
]


def _run(capsys, db, uri: str, *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv, "--mongo-uri", uri, "--database", db.name])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv", REPORTS)
def test_every_format(states_db, mongo_uri: str, capsys, argv) -> None:
    code, out, _ = _run(capsys, states_db, mongo_uri, *argv, "--format", "json")
    assert code == 0
    report = json.loads(out)
    code, out, _ = _run(capsys, states_db, mongo_uri, *argv, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    code, out, _ = _run(capsys, states_db, mongo_uri, *argv)
    assert code == 0 and len(out.splitlines()) >= 3
    assert report  # the JSON object is not empty


def test_filters_are_named_in_the_tables(report_db, mongo_uri: str, capsys) -> None:
    """--followed and --min-body-score reach the runners and are said in the table's first line."""
    filters = ("--followed", "--min-body-score", "0.5")
    code, out, _ = _run(capsys, report_db, mongo_uri, "anchors", "--target", TARGET, *filters)
    want = run_anchors(report_db, Target("domain", TARGET), ReportSettings(), followed=True, min_body_score=0.5)
    assert code == 0 and f"{want['links']} links (followed links only, body score >= 0.5)" in out.splitlines()[0]
    code, out, _ = _run(capsys, report_db, mongo_uri, "gap", "--competitors", f"{TARGET},ref2.com", "--target",
                        "ref3.com", *filters)
    assert code == 0 and out.splitlines()[0].endswith("(followed links only, body score >= 0.5)")


def test_json_equals_runner(report_db, mongo_uri: str, capsys) -> None:
    """The command prints what the runner returns (datetimes as ISO strings)."""
    settings = ReportSettings()
    cases = [
        (["anchors", "--target", TARGET], run_anchors(report_db, Target("domain", TARGET), settings)),
        (["broken", "--target", TARGET], run_broken(report_db, Target("domain", TARGET))),
        (["outgoing", "--source", "ref3.com"], run_outgoing(report_db, Target("domain", "ref3.com"))),
    ]
    for argv, want in cases:
        _, out, _ = _run(capsys, report_db, mongo_uri, *argv, "--format", "json")
        assert json.loads(out) == json.loads(json.dumps(want, default=str)), argv[0]
    _, out, _ = _run(capsys, report_db, mongo_uri, "domains", "--metric", "harmonic", "--top", "0", "--format", "json")
    got = json.loads(out)
    want = run_domain_metrics(report_db, settings, by="harmonic", top=None)
    assert [r["domain"] for r in got["ranking"]] == [r["domain"] for r in want["ranking"]]


def test_csv_rows_of_broken_and_gap(states_db, mongo_uri: str, capsys) -> None:
    _, out, _ = _run(capsys, states_db, mongo_uri, "broken", "--target", TARGET, "--format", "json")
    report = json.loads(out)
    _, out, _ = _run(capsys, states_db, mongo_uri, "broken", "--target", TARGET, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == sum(max(1, len(b["examples"])) for b in report["broken"])
    argv = ["gap", "--competitors", f"{OTHER_TARGET},ref3.com", "--target", "ref2.com"]
    _, out, _ = _run(capsys, states_db, mongo_uri, *argv, "--format", "json")
    report = json.loads(out)
    _, out, _ = _run(capsys, states_db, mongo_uri, *argv, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == sum(len(r["per_competitor"]) for r in report["rows"]) > 0
    assert {r["referring_domain"] for r in rows} == {r["referring_domain"] for r in report["rows"]}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["gap", "--competitors", ",".join(f"c{i}.com" for i in range(11)), "--target", "t.com"],
            "--competitors lists 11 domains; at most 10",
            id="eleven-competitors",
        ),
        pytest.param(["gap", "--competitors", "a.com", "--target", "https://t.com/x"], "must be a domain", id="url"),
        pytest.param(["gap", "--competitors", "a.com,b c", "--target", "t.com"], "--competitors", id="bad-domain"),
        pytest.param(["outgoing", "--source", "not a domain"], "--source", id="bad-source"),
    ],
)
def test_bad_input_is_refused_with_a_message(report_db, mongo_uri: str, capsys, argv, message) -> None:
    code, out, err = _run(capsys, report_db, mongo_uri, *argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("argv", REPORTS)
def test_empty_store_gives_an_empty_result(mongo_db, mongo_uri: str, capsys, argv) -> None:
    for fmt in ("json", "table", "csv"):
        code, out, err = _run(capsys, mongo_db, mongo_uri, *argv, "--format", fmt)
        assert code == 0 and "Traceback" not in err, fmt
        assert out
