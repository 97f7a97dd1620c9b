"""The extraction tests' pages: the fixtures in tests/extract/data, then the shared corpus when present."""
from __future__ import annotations

from pathlib import Path

from linkspider.demo.fixture_web import default_corpus_dir

DATA = Path(__file__).parent / "data"


def corpus_files() -> list[Path]:
    files = sorted(DATA.glob("*.html.gz"))
    shared = default_corpus_dir() / "html"
    if shared.is_dir():
        files += sorted(shared.glob("*.html.gz"))
    return files
