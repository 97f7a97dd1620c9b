"""Backlink questions as MongoDB aggregations: pure pipeline builders, a runner, formatters and an HTML page.

Each question has its own module (:mod:`.backlinks`, :mod:`.new_lost`, :mod:`.domains`, :mod:`.gap`,
:mod:`.broken`, :mod:`.outgoing`, :mod:`.anchors`, :mod:`.rank`) with a function that builds the
pipeline and one that turns its result into the report object; only :mod:`.runner` talks to
MongoDB (and :mod:`.export` reads the cursor it is given).
"""

from __future__ import annotations

from linkspider.reports.anchors import ANCHOR_CLASSES, anchors_pipeline, anchors_result, classify_anchor
from linkspider.reports.backlinks import backlinks_pipeline, backlinks_result
from linkspider.reports.broken import BROKEN_STATES, broken_pipeline, broken_result, target_state
from linkspider.reports.domains import DomainGraph, domain_edges_pipeline, domain_ranking
from linkspider.reports.export import edge_batches, export_domain_graph, export_edges
from linkspider.reports.formatters import FORMATS, render
from linkspider.reports.gap import MAX_COMPETITORS, gap_examples_pipeline, gap_pipeline, gap_result
from linkspider.reports.html import render_html
from linkspider.reports.new_lost import new_lost_pipeline, new_lost_result
from linkspider.reports.outgoing import outgoing_pipeline, outgoing_result
from linkspider.reports.rank import domain_metrics, harmonic_centrality, pagerank_scores, rank_scale
from linkspider.reports.runner import (
    ReportSettings,
    connect,
    mask_uri,
    run_anchors,
    run_backlinks,
    run_broken,
    run_domain_metrics,
    run_domains,
    run_gap,
    run_new_lost,
    run_outgoing,
)
from linkspider.reports.targets import Target, parse_target, parse_when

__all__ = [
    "ANCHOR_CLASSES",
    "BROKEN_STATES",
    "FORMATS",
    "MAX_COMPETITORS",
    "DomainGraph",
    "ReportSettings",
    "Target",
    "anchors_pipeline",
    "anchors_result",
    "backlinks_pipeline",
    "backlinks_result",
    "broken_pipeline",
    "broken_result",
    "classify_anchor",
    "connect",
    "domain_edges_pipeline",
    "domain_metrics",
    "domain_ranking",
    "edge_batches",
    "export_domain_graph",
    "export_edges",
    "gap_examples_pipeline",
    "gap_pipeline",
    "gap_result",
    "harmonic_centrality",
    "mask_uri",
    "new_lost_pipeline",
    "new_lost_result",
    "outgoing_pipeline",
    "outgoing_result",
    "pagerank_scores",
    "parse_target",
    "parse_when",
    "rank_scale",
    "render",
    "render_html",
    "run_anchors",
    "run_backlinks",
    "run_broken",
    "run_domain_metrics",
    "run_domains",
    "run_gap",
    "run_new_lost",
    "run_outgoing",
    "target_state",
]
