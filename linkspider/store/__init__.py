"""The MongoDB store: item pipeline, documents, buffered writer, spill files and client.

The pipeline to enable is ``linkspider.store.pipeline.MongoPipeline``.
"""
from __future__ import annotations

from linkspider.store.documents import SCHEMA_VERSION, edge_document, edge_id, edge_update, page_update
from linkspider.store.pipeline import MongoPipeline
from linkspider.store.writer import StoreConfig, StoreWriter

__all__ = [
    "SCHEMA_VERSION",
    "MongoPipeline",
    "StoreConfig",
    "StoreWriter",
    "edge_document",
    "edge_id",
    "edge_update",
    "page_update",
]
