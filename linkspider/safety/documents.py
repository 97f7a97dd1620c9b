"""Keep page content from acting as MongoDB query or update operators.

Edge and page documents have fixed keys chosen by code, so the only way content reaches a key
is a bug (a dict built from page data). Values from content are strings: a string such as
``{"$gt": ""}`` or ``$where`` is stored as text and matches only itself. Two traps remain, and
these helpers close them cheaply (a walk over a ~25-field dict):

* a key that starts with ``$`` or contains ``.`` (or NUL) -- an operator or a path;
* a non-scalar value (a dict from content becomes ``{"$ne": null}`` in a filter).

Pipeline-style updates (a list of stages) are refused outright: in them a string value that
starts with ``$`` is a field path, not text.
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from linkspider.errors import UnsafeDocumentError

_SCALARS: tuple[type, ...] = (str, bool, int, float, type(None), datetime.datetime, bytes)
try:  # bson ships with pymongo; ObjectId and Int64 are plain values too.
    from bson import Int64, ObjectId

    _SCALARS = (*_SCALARS, ObjectId, Int64)
except ImportError:  # pragma: no cover - pymongo is a dependency
    pass

UPDATE_OPERATORS = frozenset(
    {"$set", "$setOnInsert", "$inc", "$min", "$max", "$unset", "$addToSet", "$push", "$pull", "$currentDate"}
)
_MAX_DEPTH = 32


def _check_key(key: Any, path: str, *, allow_dots: bool = False) -> None:
    if not isinstance(key, str):
        raise UnsafeDocumentError(f"{path or 'document'}: key {key!r} is not a string")
    if key.startswith("$"):
        raise UnsafeDocumentError(f"{path or 'document'}: key {key!r} starts with '$'")
    if "\x00" in key or (not allow_dots and "." in key):
        raise UnsafeDocumentError(f"{path or 'document'}: key {key!r} contains '.' or NUL")


_SCALAR_TYPES = frozenset(_SCALARS)  # exact-type fast path; subclasses take the isinstance path


def _unsafe_key(key: Any) -> bool:
    return type(key) is not str or key[:1] == "$" or "." in key or "\x00" in key


def check_value(value: Any, path: str = "value", _depth: int = 0) -> None:
    """Raise :class:`UnsafeDocumentError` unless ``value`` is a plain BSON value with safe keys."""
    if type(value) in _SCALAR_TYPES or isinstance(value, _SCALARS):
        return
    if _depth >= _MAX_DEPTH:
        raise UnsafeDocumentError(f"{path}: nested deeper than {_MAX_DEPTH}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_key(key, path)
            check_value(item, f"{path}.{key}", _depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]", _depth + 1)
        return
    raise UnsafeDocumentError(f"{path}: unsupported type {type(value).__name__}")


def safe_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` as a dict after checking it (keys: no ``$``, ``.`` or NUL; values: plain data).

    Call it on every document built from page content before it goes to MongoDB.
    """
    if not isinstance(doc, Mapping):
        raise UnsafeDocumentError(f"document is a {type(doc).__name__}, not a mapping")
    scalar_types = _SCALAR_TYPES
    for key, value in doc.items():  # flat fast path: one pass, no recursion for plain fields
        if _unsafe_key(key):
            _check_key(key, "document")
        if type(value) not in scalar_types:
            check_value(value, f"document.{key}", 1)
    return dict(doc)


def safe_update(update: Mapping[str, Any]) -> dict[str, Any]:
    """An update document after checking it: top-level keys are known update operators, the
    field names under them are code-made paths (dots allowed, no ``$``), values are plain data."""
    if not isinstance(update, Mapping):
        raise UnsafeDocumentError(
            f"update is a {type(update).__name__}; pipeline updates would read '$...' strings as field paths"
        )
    for operator, fields in update.items():
        if operator not in UPDATE_OPERATORS:
            raise UnsafeDocumentError(f"update: {operator!r} is not an allowed update operator")
        if not isinstance(fields, Mapping):
            raise UnsafeDocumentError(f"update.{operator}: expected a mapping of fields")
        for name, value in fields.items():
            _check_key(name, f"update.{operator}", allow_dots=True)
            check_value(value, f"update.{operator}.{name}")
    return dict(update)


def safe_filter(flt: Mapping[str, Any]) -> dict[str, Any]:
    """A query filter whose values are all plain scalars: equality matches only, no operators."""
    if not isinstance(flt, Mapping):
        raise UnsafeDocumentError(f"filter is a {type(flt).__name__}, not a mapping")
    for key, value in flt.items():
        _check_key(key, "filter", allow_dots=True)
        if not isinstance(value, _SCALARS):
            raise UnsafeDocumentError(f"filter.{key}: {type(value).__name__} value could carry an operator")
    return dict(flt)
