"""``linkspider report ...`` end to end through ``linkspider.cli.main``: json, csv and table output."""

from __future__ import annotations

import csv
import io
import json
import logging
import re

import pytest

from linkspider.cli import main
from linkspider.reports.targets import Target
from tests.reports.edgegen import TARGET, EdgeSet
from tests.reports.test_backlinks import expected_backlinks

CONTRACT_INTS = (
    "backlinks",
    "referring_pages",
    "referring_domains",
    "dofollow",
    "nofollow",
    "sponsored",
    "ugc",
    "sitewide",
)


def _run(capsys, report_db, mongo_uri: str, *argv: str) -> str:
    code = main(["report", *argv, "--mongo-uri", mongo_uri, "--database", report_db.name])
    assert code == 0
    return capsys.readouterr().out


def test_backlinks_json_contract(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    out = _run(
        capsys,
        report_db,
        mongo_uri,
        "backlinks",
        "--target",
        "www.target.com",
        "--format",
        "json",
        "--top",
        "5",
        "--sitewide-share",
        "0.3",
        "--sitewide-min-pages",
        "5",
    )
    got = json.loads(out)
    want = expected_backlinks(edge_set, Target("domain", TARGET), include_lost=False)
    for key in CONTRACT_INTS:
        assert isinstance(got[key], int) and got[key] == want[key], key
    assert got["placements"] == want["placements"] and got["link_types"] == want["link_types"]
    for key in ("top_anchors", "top_pages", "top_referring_domains"):
        assert got[key] == want[key], key
        assert all(set(r) == {"value", "count"} for r in got[key])


def test_backlinks_include_lost_flag(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    got = json.loads(
        _run(
            capsys,
            report_db,
            mongo_uri,
            "backlinks",
            "--target",
            TARGET,
            "--format",
            "json",
            "--include-lost",
        )
    )
    assert (
        got["backlinks"]
        == expected_backlinks(edge_set, Target("domain", TARGET), include_lost=True)["backlinks"]
    )
    assert got["include_lost"] is True


def test_backlinks_min_body_score(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    target = Target("domain", TARGET)
    got = json.loads(_run(capsys, report_db, mongo_uri, "backlinks", "--target", TARGET, "--format", "json",
                          "--min-body-score", "0.6"))
    assert got["backlinks"] == expected_backlinks(edge_set, target, include_lost=False, min_body_score=0.6)["backlinks"]
    assert got["min_body_score"] == 0.6
    table = _run(capsys, report_db, mongo_uri, "backlinks", "--target", TARGET, "--min-body-score", "0.6")
    assert f"Backlinks of domain {TARGET} (live links with body score >= 0.6)" in table
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "backlinks", "--target", TARGET, "--min-body-score", "1.5"])
    assert exit_info.value.code == 2 and "must be between 0 and 1" in capsys.readouterr().err


def test_backlinks_csv(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    out = _run(capsys, report_db, mongo_uri, "backlinks", "--target", TARGET, "--format", "csv", "--top", "5")
    rows = list(csv.DictReader(io.StringIO(out)))
    want = expected_backlinks(edge_set, Target("domain", TARGET), include_lost=False)
    totals = {r["value"]: int(r["count"]) for r in rows if r["section"] == "totals"}
    assert {k: totals[k] for k in CONTRACT_INTS} == {k: want[k] for k in CONTRACT_INTS}
    assert {r["value"]: int(r["count"]) for r in rows if r["section"] == "placements"} == want["placements"]
    assert [
        {"value": r["value"], "count": int(r["count"])} for r in rows if r["section"] == "top_anchors"
    ] == want["top_anchors"]


def test_backlinks_table(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    out = _run(capsys, report_db, mongo_uri, "backlinks", "--target", TARGET)
    want = expected_backlinks(edge_set, Target("domain", TARGET), include_lost=False)
    assert out.startswith(f"Backlinks of domain {TARGET}")
    for key in ("backlinks", "referring_domains", "dofollow"):
        assert re.search(rf"^{key}\s+{want[key]}$", out, re.M), key
    assert re.search(rf"^footer\s+{want['placements']['footer']}$", out, re.M)
    assert "<script>" not in out or '<script>alert("x")</script>' in out  # shown as text, one line


def test_new_lost_formats(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    args = ("new-lost", "--target", TARGET, "--since", "2026-03-10", "--until", "2026-03-30")
    got = json.loads(_run(capsys, report_db, mongo_uri, *args, "--format", "json", "--limit", "0"))
    live = [e for e in edge_set.edges if not e["internal"] and e["target_domain"] == TARGET]

    def in_window(d) -> bool:
        return d is not None and "2026-03-10" <= d.strftime("%Y-%m-%d") <= "2026-03-30"

    assert got["new"] == sum(1 for e in live if in_window(e["first_seen"])) == len(got["new_links"])
    assert got["lost"] == sum(1 for e in live if in_window(e.get("lost_at"))) == len(got["lost_links"])
    assert got["since"] == "2026-03-10T00:00:00+00:00" and got["until"] == "2026-03-31T00:00:00+00:00"
    rows = list(
        csv.DictReader(
            io.StringIO(_run(capsys, report_db, mongo_uri, *args, "--format", "csv", "--limit", "0"))
        )
    )
    assert sum(r["event"] == "new" for r in rows) == got["new"]
    assert sum(r["event"] == "lost" for r in rows) == got["lost"]
    table = _run(capsys, report_db, mongo_uri, *args)
    assert re.search(rf"^new\s+{got['new']}$", table, re.M) and re.search(
        rf"^lost\s+{got['lost']}$", table, re.M
    )


def test_domains_formats(report_db, mongo_uri: str, edge_set: EdgeSet, capsys) -> None:
    got = json.loads(_run(capsys, report_db, mongo_uri, "domains", "--format", "json", "--top", "3"))
    assert len(got["ranking"]) == 3 and got["ranking"][0]["rank"] == 1
    referring = {
        e["source_domain"]
        for e in edge_set.edges
        if not e["internal"] and e.get("lost_at") is None and e["target_domain"] == TARGET
    }
    ranking = json.loads(_run(capsys, report_db, mongo_uri, "domains", "--format", "json", "--top", "0"))[
        "ranking"
    ]
    assert next(r for r in ranking if r["domain"] == TARGET)["referring_domains"] == len(referring)
    rows = list(
        csv.DictReader(
            io.StringIO(
                _run(capsys, report_db, mongo_uri, "domains", "--format", "csv", "--graph", "--top", "0")
            )
        )
    )
    pairs = {
        (e["source_domain"], e["target_domain"])
        for e in edge_set.edges
        if not e["internal"] and e.get("lost_at") is None
    }
    assert {(r["source_domain"], r["target_domain"]) for r in rows} == pairs
    graph_table = _run(capsys, report_db, mongo_uri, "domains", "--graph", "--top", "3")
    assert graph_table.startswith(f"Domain graph: 3 of {len(pairs)} domain links")
    table = _run(capsys, report_db, mongo_uri, "domains", "--by", "referring_domains", "--top", "5")
    assert table.startswith("Domain ranking by referring_domains")
    assert len(table.strip().splitlines()) == 2 + 1 + 5


def test_environment_supplies_the_server(report_db, mongo_uri: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MONGO_URI", mongo_uri)
    monkeypatch.setenv("MONGO_DATABASE", report_db.name)
    assert main(["report", "backlinks", "--target", TARGET, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["backlinks"] > 0


def test_password_is_never_printed(report_db, mongo_uri: str, capsys, caplog) -> None:
    uri = mongo_uri.replace("mongodb://", "mongodb://reader:hunter2secret@")
    with caplog.at_level(logging.INFO):
        code = main(
            ["report", "backlinks", "--target", TARGET, "--mongo-uri", uri, "--database", report_db.name]
        )
    captured = capsys.readouterr()
    assert code == 2  # authentication fails: the server has no such user
    assert "reader:***@" in caplog.text
    assert "hunter2secret" not in captured.out + captured.err + caplog.text


def test_progress_goes_to_the_log_not_stdout(report_db, mongo_uri: str, capsys, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="linkspider"):
        out = _run(capsys, report_db, mongo_uri, "backlinks", "--target", TARGET, "--format", "json")
    json.loads(out)
    assert re.search(r"backlinks of target\.com: running on edges \(~[\d,]+ documents\)", caplog.text)
    assert re.search(r"backlinks of target\.com: done in \d+\.\d\ds", caplog.text)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["backlinks", "--target", "example.com/x"], "full URL", id="bad-target"),
        pytest.param(
            ["new-lost", "--since", "2026-02-01", "--until", "2026-01-01"], "must be after", id="bad-window"
        ),
        pytest.param(
            ["backlinks", "--target", "a.com", "--sitewide-share", "2"],
            "LINKSPIDER_SITEWIDE_SHARE",
            id="bad-share",
        ),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, message: str, mongo_uri: str, capsys) -> None:
    assert main(["report", *argv, "--mongo-uri", mongo_uri]) == 2
    assert message in capsys.readouterr().err
