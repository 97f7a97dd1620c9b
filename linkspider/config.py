"""How every component reads its ``LINKSPIDER_*`` settings.

The default comes from the one table, :mod:`linkspider.defaults`, and so does the type: a setting
whose default is an int is read with ``getint``, and so on. A value that does not parse, or that a
component's typed config refuses, stops the crawl at start-up with a message naming the setting;
a bad value never switches a feature off quietly.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from scrapy.settings import BaseSettings, Settings

from linkspider import defaults
from linkspider.errors import ConfigurationError

__all__ = ["Check", "default_of", "get_setting", "read_config", "require", "setting"]

C = TypeVar("C")

#: ``(setting name, value, acceptable?, what it must be)``, as ``require`` takes them.
Check = tuple[str, Any, bool, str]


def default_of(name: str) -> Any:
    """The default of a ``LINKSPIDER_*`` setting (a copy, so a list default is never shared)."""
    try:
        return copy.copy(getattr(defaults, name))
    except AttributeError:
        raise KeyError(f"{name} is not a linkspider setting (not in linkspider.defaults)") from None


def get_setting(settings: BaseSettings | Mapping[str, Any] | None, name: str) -> Any:
    """``name``'s value from Scrapy settings (or a plain mapping), typed like its default."""
    default = default_of(name)
    if settings is None:
        return default
    if not isinstance(settings, BaseSettings):
        settings = Settings(dict(settings))
    raw = settings.get(name)
    if raw is None:
        return default
    try:
        if isinstance(default, bool):
            return settings.getbool(name)
        if isinstance(default, int):
            return settings.getint(name)
        if isinstance(default, float):
            return settings.getfloat(name)
        if isinstance(default, list):
            return settings.getlist(name)
    except (TypeError, ValueError):
        kind = {bool: "a boolean", int: "an integer", float: "a number", list: "a list"}[type(default)]
        raise ConfigurationError(f"{name}={raw!r} is not {kind}") from None
    return str(raw)


def require(checks: Iterable[Check]) -> None:
    """Refuse the first value that fails its check, naming the setting and what it must be."""
    for name, value, ok, expected in checks:
        if not ok:
            raise ConfigurationError(f"{name} must be {expected}, got {value!r}")


def setting(name: str) -> Any:
    """A typed-config dataclass field backed by setting ``name``: its default is the table's."""
    default = default_of(name)
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: default_of(name), metadata={"setting": name})
    return dataclasses.field(default=default, metadata={"setting": name})


def read_config(cls: type[C], settings: BaseSettings | Mapping[str, Any] | None, **overrides: Any) -> C:
    """Build a typed config from settings: each ``setting(...)`` field read with ``get_setting``."""
    values = {f.name: get_setting(settings, f.metadata["setting"])
              for f in dataclasses.fields(cls) if "setting" in f.metadata}
    values.update(overrides)
    return cls(**values)
