"""Nothing read from Redis is unpickled or evaluated: whoever can write to Redis must not run code on workers."""
from __future__ import annotations

import ast
import os
import pickle
from pathlib import Path

import pytest
from scrapy.settings import Settings

import linkspider
from linkspider.errors import BadEntryError
from linkspider.frontier.codec import RequestCodec

PACKAGE = Path(linkspider.__file__).parent
DANGEROUS_CALLS = {("pickle", "loads"), ("pickle", "load"), ("pickle", "Unpickler"), ("marshal", "loads"),
                   ("yaml", "load"), ("yaml", "unsafe_load"), ("dill", "loads"), ("shelve", "open")}
DANGEROUS_BUILTINS = {"eval", "exec", "compile", "__import__"}


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/linkspider-pwned",))


def test_no_unpickling_or_eval_in_the_package() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in DANGEROUS_BUILTINS:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {func.id}()")
                if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                        and (func.value.id, func.attr) in DANGEROUS_CALLS):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {func.value.id}.{func.attr}()")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if any(n and n.split(".")[0] in {"pickle", "marshal", "dill", "shelve", "cPickle"} for n in names):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {names}")
    assert offenders == []


def test_project_scheduler_is_not_pickling() -> None:
    settings = Settings()
    settings.setmodule("linkspider.settings", priority="project")
    assert settings.get("SCHEDULER") != "scrapy_redis.scheduler.Scheduler"
    assert "pickle" not in str(settings.get("SCHEDULER_QUEUE_CLASS", ""))


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps(_Exploit()),
        pickle.dumps({"url": "http://x.example/", "callback": "parse"}),
        b"__import__('os').system('touch /tmp/linkspider-pwned')",
        b'{"v": 1, "url": "http://x.example/", "crawl": "c", "cb": "__init__"}',
        b'{"v": 1, "url": "http://x.example/", "crawl": "c", "meta": {"callback": "os.system"}}',
        b'{"v": 1, "url": "file:///etc/passwd", "crawl": "c"}',
        b"\x80\x04\x95",
    ],
    ids=["pickle-exploit", "pickle-dict", "python-source", "callback-not-allowed", "meta-not-allowed",
         "file-url", "truncated-pickle"],
)
def test_frontier_codec_rejects_hostile_entries(payload: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the frontier unpickled an entry")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    with pytest.raises(BadEntryError):
        RequestCodec("c").decode(payload)
    assert not Path("/tmp/linkspider-pwned").exists()
