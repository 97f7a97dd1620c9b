"""Run report pipelines against MongoDB: connection settings, progress on stderr, ``allowDiskUse``.

The pipeline builders are pure; this module is the only part of ``linkspider.reports`` that talks
to a server. Progress goes through logging (the CLI sends it to stderr), never to stdout, so
``--format json`` output stays parseable. URIs are logged with the password masked.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import bson
import pymongo
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import PyMongoError

from linkspider.config import read_config, require, setting
from linkspider.errors import ReportError, StoreError
from linkspider.reports.anchors import anchors_pipeline, anchors_result
from linkspider.reports.backlinks import (
    backlinks_pipeline,
    backlinks_result,
    crawled_pages_pipeline,
    sitewide_candidates,
    sitewide_rows,
)
from linkspider.reports.broken import broken_pipeline, broken_result
from linkspider.reports.domains import DomainGraph, domain_edges_pipeline, domain_ranking
from linkspider.reports.gap import gap_examples_pipeline, gap_pipeline, gap_referrers, gap_result
from linkspider.reports.new_lost import new_lost_pipeline, new_lost_result
from linkspider.reports.outgoing import outgoing_pipeline, outgoing_result
from linkspider.reports.rank import domain_metrics, metric_ranking
from linkspider.reports.rollup import SAMPLE, domain_graph_rows_pipeline, headline_pipeline, lists_pipeline
from linkspider.reports.targets import Target
from linkspider.safety.redact import redact_url
from linkspider.store.client import DEFAULT_MONGO_DATABASE, DEFAULT_MONGO_URI, get_client, mongo_settings
from linkspider.store.rollup import ROLLUP, rollup_ready

__all__ = [
    "ReportSettings",
    "aggregate_all",
    "aggregate_one",
    "connect",
    "iterate",
    "mask_uri",
    "run_anchors",
    "run_backlinks",
    "run_broken",
    "run_domain_graph",
    "run_domain_metrics",
    "run_domains",
    "run_gap",
    "run_new_lost",
    "run_outgoing",
]

logger = logging.getLogger(__name__)

EDGES = "edges"
PAGES = "pages"
#: Seconds between progress messages while a cursor is read.
PROGRESS_INTERVAL = 2.0


def mask_uri(uri: str) -> str:
    """``mongodb://user:secret@host/db`` -> ``mongodb://user:***@host/db`` (safe to log)."""
    return redact_url(uri)


def _project_settings() -> Any:
    """Scrapy project settings (``scrapy.cfg`` / ``SCRAPY_SETTINGS_MODULE``), or None outside a project."""
    try:
        from scrapy.utils.project import get_project_settings

        return get_project_settings()
    except Exception as exc:  # a broken settings module must not stop a read-only report
        logger.warning("cannot load the Scrapy project settings (%s); using defaults", exc)
        return None


@dataclass(frozen=True)
class ReportSettings:
    """Where to read and how to judge: validated once, before any query."""

    mongo_uri: str = DEFAULT_MONGO_URI
    database: str = DEFAULT_MONGO_DATABASE
    sitewide_share: float = setting("LINKSPIDER_SITEWIDE_SHARE")
    sitewide_min_pages: int = setting("LINKSPIDER_SITEWIDE_MIN_PAGES")
    top: int = setting("LINKSPIDER_REPORT_TOP")
    exact_max_backlinks: int = setting("LINKSPIDER_REPORT_EXACT_MAX_BACKLINKS")
    harmonic_exact_max: int = setting("LINKSPIDER_HARMONIC_EXACT_MAX")
    harmonic_samples: int = setting("LINKSPIDER_HARMONIC_SAMPLES")
    export_partitions: int = setting("LINKSPIDER_EXPORT_PARTITIONS")
    export_batch: int = setting("LINKSPIDER_EXPORT_BATCH")
    export_workers: int = setting("LINKSPIDER_EXPORT_WORKERS")

    def __post_init__(self) -> None:
        require(
            [
                (
                    "LINKSPIDER_SITEWIDE_SHARE",
                    self.sitewide_share,
                    0.0 < self.sitewide_share < 1.0,
                    "between 0 and 1 (exclusive)",
                ),
                ("LINKSPIDER_SITEWIDE_MIN_PAGES", self.sitewide_min_pages, self.sitewide_min_pages >= 1, "at least 1"),
                ("LINKSPIDER_REPORT_TOP", self.top, self.top >= 1, "at least 1"),
                ("LINKSPIDER_REPORT_EXACT_MAX_BACKLINKS", self.exact_max_backlinks, self.exact_max_backlinks >= 0,
                 "0 or more"),
                ("LINKSPIDER_HARMONIC_EXACT_MAX", self.harmonic_exact_max, self.harmonic_exact_max >= 0, "0 or more"),
                ("LINKSPIDER_HARMONIC_SAMPLES", self.harmonic_samples, self.harmonic_samples >= 1, "at least 1"),
                ("LINKSPIDER_EXPORT_PARTITIONS", self.export_partitions, self.export_partitions >= 1, "at least 1"),
                ("LINKSPIDER_EXPORT_BATCH", self.export_batch, self.export_batch >= 1, "at least 1"),
                ("LINKSPIDER_EXPORT_WORKERS", self.export_workers, self.export_workers >= 1, "at least 1"),
                ("MONGO_DATABASE", self.database, bool(self.database), "a database name"),
            ]
        )

    @classmethod
    def resolve(
        cls,
        *,
        mongo_uri: str | None = None,
        database: str | None = None,
        sitewide_share: float | None = None,
        sitewide_min_pages: int | None = None,
        top: int | None = None,
        settings: Any = None,
        environ: Mapping[str, str] | None = None,
        load_project: bool = True,
    ) -> ReportSettings:
        """Each value from the command line, else the environment (``MONGO_URI``, ``MONGO_DATABASE``),
        else the project settings, else the default (the last two as
        :func:`linkspider.store.client.mongo_settings`; ``LINKSPIDER_*`` through :func:`linkspider.config.read_config`).

        The environment comes before the project settings because ``settings.py`` read it once, at
        import: a variable set later (a test, a wrapper) must still win."""
        env = os.environ if environ is None else environ
        if settings is None and load_project:
            settings = _project_settings()
        uri, db = mongo_settings(settings, env)
        cli = {"sitewide_share": sitewide_share, "sitewide_min_pages": sitewide_min_pages, "top": top}
        return read_config(
            cls,
            settings,
            mongo_uri=mongo_uri or env.get("MONGO_URI") or uri,
            database=database or env.get("MONGO_DATABASE") or db,
            **{k: v for k, v in cli.items() if v is not None},
        )


def connect(mongo_uri: str, database: str, *, timeout_ms: int = 5000) -> tuple[pymongo.MongoClient, Database]:
    """The process-wide client (:func:`linkspider.store.client.get_client`) and the database; fails
    fast (StoreError) when the server is unreachable. The client is shared: do not close it."""
    masked = mask_uri(mongo_uri)
    logger.info("connecting to %s, database %s", masked, database)
    client = get_client(
        mongo_uri, serverSelectionTimeoutMS=timeout_ms, tzinfo=timezone.utc, appname="linkspider-report"
    )
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        raise StoreError(f"cannot reach MongoDB at {masked}: {type(exc).__name__}") from exc
    return client, client[database]


def _announce(collection: Collection, label: str) -> float:
    try:
        estimate = collection.estimated_document_count()
    except PyMongoError:
        estimate = -1
    logger.info("%s: running on %s (~%s documents) ...", label, collection.name, f"{estimate:,}")
    return time.monotonic()


def aggregate_one(collection: Collection, pipeline: list[dict[str, Any]], *, label: str) -> dict[str, Any] | None:
    """Run a pipeline that ends in one document (a ``$facet``), with ``allowDiskUse``; log its duration."""
    started = _announce(collection, label)
    try:
        docs = list(collection.aggregate(pipeline, allowDiskUse=True))
    except PyMongoError as exc:
        raise StoreError(f"{label} aggregation failed: {exc}") from exc
    logger.info("%s: done in %.2fs", label, time.monotonic() - started)
    return docs[0] if docs else None


def aggregate_all(collection: Collection, pipeline: list[dict[str, Any]], *, label: str) -> list[dict[str, Any]]:
    """Run a pipeline with a small result set, with ``allowDiskUse``; log its duration."""
    started = time.monotonic()
    try:
        docs = list(collection.aggregate(pipeline, allowDiskUse=True))
    except PyMongoError as exc:
        raise StoreError(f"{label} aggregation failed: {exc}") from exc
    logger.info("%s: done in %.2fs", label, time.monotonic() - started)
    return docs


def iterate(
    collection: Collection,
    pipeline: list[dict[str, Any]],
    *,
    label: str,
    batch_size: int = 10_000,
    interval: float = PROGRESS_INTERVAL,
) -> Iterator[dict[str, Any]]:
    """Stream a pipeline's results with ``allowDiskUse``, logging progress every ``interval`` seconds.

    Results arrive as raw server batches decoded in one call each (``aggregate_raw_batches``): a
    cursor step per row cost as much as decoding it.
    """
    started = _announce(collection, label)
    last = started
    count = 0
    options = collection.codec_options
    try:
        for raw in collection.aggregate_raw_batches(pipeline, allowDiskUse=True, batchSize=batch_size):
            docs = bson.decode_all(raw, options)
            count += len(docs)
            now = time.monotonic()
            if docs and count == len(docs):
                logger.info("%s: first rows after %.1fs", label, now - started)
                last = now
            elif now - last >= interval:
                logger.info("%s: %s rows read (%.1fs)", label, f"{count:,}", now - started)
                last = now
            yield from docs
    except PyMongoError as exc:
        raise StoreError(f"{label} aggregation failed: {exc}") from exc
    logger.info("%s: %s rows in %.2fs", label, f"{count:,}", time.monotonic() - started)


def run_backlinks(
    db: Database, target: Target, settings: ReportSettings, *, include_lost: bool = False, source: str = "auto",
    min_body_score: float | None = None,
) -> dict[str, Any]:
    """``source``: ``edges`` (every figure aggregated from the edges), ``rollup`` (headline figures
    from the rollup; see :mod:`.rollup`) or ``auto``: every figure from the edges, unless the target is a
    domain with more than ``LINKSPIDER_REPORT_EXACT_MAX_BACKLINKS`` live backlinks and the rollup is exact,
    when the headline comes from the rollup in constant time (referring pages and sitewide links, which
    need every backlink, are then left out). The report's ``computed`` says which.

    ``min_body_score``: editorial links only (scored at least that by the placement model); always
    from the edges, since the rollup keeps no scores."""
    if source not in ("auto", "rollup", "edges"):
        raise ValueError(f"unknown source {source!r}")
    if min_body_score is not None and source == "rollup":
        raise ReportError("the rollup keeps no body scores: --min-body-score needs the edges")
    use_rollup = target.kind == "domain" and not include_lost and min_body_score is None and (
        source == "rollup" or (source == "auto" and rollup_ready(db)))
    if use_rollup:
        head = aggregate_one(db[ROLLUP], headline_pipeline(target.value, top=settings.top),
                             label=f"headline of {target.value} (rollup)")
        live = sum(int(row.get("count", 0)) for row in (head or {}).get("mix") or [])
        if source == "rollup" or live > settings.exact_max_backlinks:
            return _backlinks_from_rollup(db, target, settings, head)
    pipeline = backlinks_pipeline(
        target,
        include_lost=include_lost,
        top=settings.top,
        sitewide_share=settings.sitewide_share,
        sitewide_min_pages=settings.sitewide_min_pages,
        min_body_score=min_body_score,
    )
    doc = aggregate_one(db[EDGES], pipeline, label=f"backlinks of {target.value}")
    candidates = sitewide_candidates(doc)
    crawled: dict[str, int] = {}
    if candidates:
        rows = aggregate_all(
            db[PAGES],
            crawled_pages_pipeline([c["_id"] for c in candidates]),
            label=f"crawled pages of {len(candidates)} referring domains",
        )
        crawled = {r["_id"]: int(r["n"]) for r in rows}
    sitewide = sitewide_rows(
        candidates,
        crawled,
        sitewide_share=settings.sitewide_share,
        sitewide_min_pages=settings.sitewide_min_pages,
    )
    report = backlinks_result(
        doc,
        target=target,
        include_lost=include_lost,
        top=settings.top,
        sitewide_share=settings.sitewide_share,
        sitewide_min_pages=settings.sitewide_min_pages,
        sitewide=sitewide,
    )
    report["computed"] = {"figures": "edges", "lists": "edges"}
    if min_body_score is not None:
        report["min_body_score"] = min_body_score
    return report


def _backlinks_from_rollup(db: Database, target: Target, settings: ReportSettings,
                           head: dict[str, Any] | None) -> dict[str, Any]:
    lists = aggregate_one(db[EDGES], lists_pipeline(target, top=settings.top, sample=SAMPLE),
                          label=f"top lists of {target.value} (latest {SAMPLE:,} backlinks)")
    doc = {**(head or {}), "top_anchors": (lists or {}).get("top_anchors", []),
           "top_pages": (lists or {}).get("top_pages", [])}
    report = backlinks_result(doc, target=target, include_lost=False, top=settings.top,
                              sitewide_share=settings.sitewide_share,
                              sitewide_min_pages=settings.sitewide_min_pages)
    report.update(referring_pages=None, sitewide=None, sitewide_domains=None)
    report["computed"] = {"figures": "rollup",
                          "lists": f"top anchors and pages over the {SAMPLE:,} most recently first-seen backlinks",
                          "left_out": "referring_pages and sitewide need every backlink: use source edges"}
    return report


def run_new_lost(
    db: Database, target: Target | None, *, since: datetime | None, until: datetime | None, limit: int
) -> dict[str, Any]:
    pipeline = new_lost_pipeline(target, since=since, until=until, limit=limit)
    label = f"new and lost links of {target.value if target else 'all targets'}"
    doc = aggregate_one(db[EDGES], pipeline, label=label)
    return new_lost_result(doc, target=target, since=since, until=until)


def run_domain_graph(db: Database, *, include_lost: bool = False, followed: bool = False,
                     source: str = "auto") -> DomainGraph:
    """The domain graph, streamed from one ``$group`` aggregation with progress messages: over the
    rollup for live links when it is exact (unless ``source`` is ``edges``), else over the edges."""
    label = "followed domain graph" if followed else "domain graph"
    if not include_lost and source != "edges" and (source == "rollup" or rollup_ready(db)):
        rows = iterate(db[ROLLUP], domain_graph_rows_pipeline(followed=followed), label=f"{label} (rollup)")
        return DomainGraph.from_rows(rows)
    rows = iterate(db[EDGES], domain_edges_pipeline(include_lost=include_lost, followed=followed), label=label)
    return DomainGraph.from_rows(rows)


def run_domains(
    db: Database,
    *,
    include_lost: bool = False,
    top: int | None = 20,
    by: str = "pagerank",
    damping: float = 0.85,
) -> tuple[DomainGraph, dict[str, Any]]:
    graph = run_domain_graph(db, include_lost=include_lost)
    return graph, domain_ranking(graph, damping=damping, top=top, by=by)


def run_domain_metrics(
    db: Database, settings: ReportSettings, *, by: str = "rank", top: int | None = 20, damping: float = 0.85
) -> dict[str, Any]:
    """``report domains --metric rank|harmonic``: over the followed, live, external domain graph."""
    graph = run_domain_graph(db, followed=True)
    metrics = domain_metrics(
        graph.links.keys(),
        damping=damping,
        exact_max=settings.harmonic_exact_max,
        samples=settings.harmonic_samples,
    )
    return {
        "metric": by,
        "domains": len(metrics.pagerank),
        "domain_links": len(graph.links),
        "damping": damping,
        "harmonic_exact": metrics.harmonic_exact,
        "harmonic_samples": None if metrics.harmonic_exact else settings.harmonic_samples,
        "seconds": round(metrics.seconds, 3),
        "ranking": metric_ranking(metrics, by=by, top=top),
    }


def run_gap(
    db: Database,
    competitors: list[str],
    target: str,
    *,
    min_competitors: int = 1,
    followed: bool = False,
    limit: int = 100,
    min_body_score: float | None = None,
) -> dict[str, Any]:
    pipeline = gap_pipeline(competitors, target, min_competitors=min_competitors, followed=followed, limit=limit,
                            min_body_score=min_body_score)
    doc = aggregate_one(db[EDGES], pipeline, label=f"link gap of {target} against {len(competitors)} competitors")
    referrers = gap_referrers(doc)
    examples = (
        aggregate_all(
            db[EDGES],
            gap_examples_pipeline(competitors, target, referrers, followed=followed, min_body_score=min_body_score),
            label=f"example links of {len(referrers)} referring domains",
        )
        if referrers
        else []
    )
    return gap_result(
        doc,
        competitors=competitors,
        target=target,
        min_competitors=min_competitors,
        followed=followed,
        limit=limit,
        examples=examples,
        min_body_score=min_body_score,
    )


def run_broken(db: Database, target: Target, *, limit: int = 100, examples: int = 5) -> dict[str, Any]:
    pipeline = broken_pipeline(target, examples=examples)
    rows = aggregate_all(db[EDGES], pipeline, label=f"broken backlinks of {target.value}")
    return broken_result(rows, target=target, limit=limit)


def run_outgoing(db: Database, source: Target, *, limit: int = 100) -> dict[str, Any]:
    rows = aggregate_all(db[EDGES], outgoing_pipeline(source), label=f"outgoing links of {source.value}")
    return outgoing_result(rows, source=source, limit=limit)


def run_anchors(
    db: Database, target: Target, settings: ReportSettings, *, include_lost: bool = False, followed: bool = False,
    min_body_score: float | None = None,
) -> dict[str, Any]:
    rows = aggregate_all(
        db[EDGES],
        anchors_pipeline(target, include_lost=include_lost, followed=followed, min_body_score=min_body_score),
        label=f"anchor profile of {target.value}",
    )
    return anchors_result(rows, target=target, top=settings.top, include_lost=include_lost, followed=followed,
                          min_body_score=min_body_score)
