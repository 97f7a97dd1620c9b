"""Backlink questions as MongoDB aggregations: pure pipeline builders, a runner, formatters and an HTML page.

Each question has its own module (:mod:`.backlinks`, :mod:`.new_lost`, :mod:`.domains`) with a
function that builds the pipeline and one that turns its result into the report object; only
:mod:`.runner` talks to MongoDB.
"""

from __future__ import annotations

from linkspider.reports.backlinks import backlinks_pipeline, backlinks_result
from linkspider.reports.domains import DomainGraph, domain_edges_pipeline, domain_ranking, pagerank
from linkspider.reports.formatters import FORMATS, render
from linkspider.reports.html import render_html
from linkspider.reports.new_lost import new_lost_pipeline, new_lost_result
from linkspider.reports.runner import (
    ReportSettings,
    connect,
    mask_uri,
    run_backlinks,
    run_domains,
    run_new_lost,
)
from linkspider.reports.targets import Target, parse_target, parse_when

__all__ = [
    "FORMATS",
    "DomainGraph",
    "ReportSettings",
    "Target",
    "backlinks_pipeline",
    "backlinks_result",
    "connect",
    "domain_edges_pipeline",
    "domain_ranking",
    "mask_uri",
    "new_lost_pipeline",
    "new_lost_result",
    "pagerank",
    "parse_target",
    "parse_when",
    "render",
    "render_html",
    "run_backlinks",
    "run_domains",
    "run_new_lost",
]
