"""Fixtures for the deploy tests: scrapyd nodes, the deployable project, a small fixture web."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.scrapyd_harness import REPO, ScrapydNode

SCRAPYD_DEPLOY = Path(sys.executable).with_name("scrapyd-deploy")


@pytest.fixture
def scrapyd_nodes(tmp_path: Path) -> Iterator[Callable[..., ScrapydNode]]:
    """Factory: ``start(env=..., auth=...)`` starts a scrapyd on loopback; all are stopped after the test."""
    started: list[ScrapydNode] = []

    def start(**kwargs) -> ScrapydNode:
        node = ScrapydNode(tmp_path / f"scrapyd{len(started)}", **kwargs)
        started.append(node)
        return node.start()

    yield start
    for node in started:
        node.stop()


@pytest.fixture(scope="session")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployable files of the project, copied so egg builds do not write into the working tree."""
    root = tmp_path_factory.mktemp("project")
    for name in ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "linkspider", root / "linkspider", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def scrapyd_deploy(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real ``scrapyd-deploy`` in the project copy."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY", "LINKSPIDER_DEPLOY"))}
    full_env.update(env or {})
    return subprocess.run([str(SCRAPYD_DEPLOY), *args], cwd=project, env=full_env, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture(scope="session")
def built_egg(project_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    egg = tmp_path_factory.mktemp("egg") / "linkspider.egg"
    result = scrapyd_deploy(project_copy, "--build-egg", str(egg))
    assert result.returncode == 0, result.stderr
    return egg
