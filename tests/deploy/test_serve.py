"""scrapyd is never started without auth on a non-loopback interface."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linkspider.errors import ConfigurationError
from linkspider.scheduling.serve import check_exposure, is_loopback_bind

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("bind", "expected"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("::", False), ("10.0.0.5", False), ("scrapyd.internal", False)],
    ids=["v4", "v4-net", "v6", "localhost", "any-v4", "any-v6", "private", "hostname"],
)
def test_is_loopback_bind(bind: str, expected: bool) -> None:
    assert is_loopback_bind(bind) is expected


@pytest.mark.parametrize(
    ("bind", "port", "username", "password", "error"),
    [
        ("127.0.0.1", 6800, "", "", None),
        ("0.0.0.0", 6800, "ops", "long-enough-password", None),
        ("0.0.0.0", 0, "", "", None),  # unix socket only
        ("0.0.0.0", 6800, "", "", "without authentication"),
        ("0.0.0.0", 6800, "ops", "", "without authentication"),
        ("10.0.0.5", 6800, "", "pw-without-user-123", "without authentication"),
        ("0.0.0.0", 6800, "o:ps", "long-enough-password", "must not contain"),
    ],
    ids=["loopback-open", "public-auth", "no-tcp", "public-open", "no-password", "no-user", "colon-user"],
)
def test_check_exposure(bind: str, port: int, username: str, password: str, error: str | None) -> None:
    if error is None:
        check_exposure(bind, port, username, password)
    else:
        with pytest.raises(ConfigurationError, match=error):
            check_exposure(bind, port, username, password)


def _serve(cwd: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPYD_", "SCRAPY"))}
    env["PYTHONPATH"] = str(REPO)
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "linkspider.scheduling.serve"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_public_config_without_credentials_refuses_to_start(tmp_path: Path) -> None:
    shutil.copy(REPO / "deploy" / "scrapyd" / "scrapyd-public.conf", tmp_path / "scrapyd.conf")
    result = _serve(tmp_path, {})
    assert result.returncode == 2
    assert "refusing to start scrapyd" in result.stderr
    assert "0.0.0.0:6800" in result.stderr


def test_bind_from_environment_is_checked_too(tmp_path: Path) -> None:
    shutil.copy(REPO / "deploy" / "scrapyd" / "scrapyd.conf", tmp_path / "scrapyd.conf")
    result = _serve(tmp_path, {"SCRAPYD_BIND_ADDRESS": "0.0.0.0", "SCRAPYD_USERNAME": "ops"})
    assert result.returncode == 2
    assert "without authentication" in result.stderr
