"""The installed package works without the repository: build the wheel, install it into a fresh venv
outside the checkout, and run ``linkspider demo`` from an empty folder, as a user who ran ``pip install``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from linkspider.demo.servers import find_mongod

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    assert result.returncode == 0, f"{cmd} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # no build isolation: the venv already has setuptools; without Cython the wheel is pure Python
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)])
    (path,) = out.glob("linkspider-*.whl")
    return path


def test_wheel_ships_the_fixture_pages_and_no_test_code(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    pages = [n for n in names if n.startswith("linkspider/demo/corpus/html/") and n.endswith(".html.gz")]
    assert len(pages) >= 100
    for required in ("linkspider/demo/corpus/LICENSE", "linkspider/demo/corpus/PROVENANCE.md",
                     "linkspider/demo/corpus/ground-truth.json"):
        assert required in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "linkspider/testing/"))]


def test_installed_wheel_runs_the_demo_from_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], timeout=900)
    empty = tmp_path / "somewhere"
    empty.mkdir()
    # the user's environment, without this checkout on the path; mongod from this machine's install
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "VIRTUAL_ENV")}
    env.update(LINKSPIDER_MONGOD=find_mongod(), HOME=str(tmp_path / "home"), PATH=f"{venv / 'bin'}:{env['PATH']}")
    env.pop("XDG_DATA_HOME", None)
    located = _run([str(python), "-c", "import linkspider; print(linkspider.__file__)"], cwd=empty, env=env)
    assert not Path(located.stdout.strip()).is_relative_to(ROOT)
    assert "demo" in _run([str(venv / "bin" / "linkspider"), "--help"], cwd=empty, env=env).stdout
    demo = _run([str(venv / "bin" / "linkspider"), "demo", "--sites", "3", "--pages-per-site", "6"],
                cwd=empty, env=env, timeout=600)
    assert "referring domain" in demo.stdout and "Domain ranking" in demo.stdout
    # its data went to the user's data folder, not into the install or the current folder
    assert (tmp_path / "home" / ".local" / "share" / "linkspider" / "demo" / "crawl.log").is_file()
    assert list(empty.iterdir()) == []
    site_packages = Path(located.stdout.strip()).parent.parent
    assert not list(site_packages.glob(".run*")) and not (site_packages / "linkspider" / ".run").exists()
