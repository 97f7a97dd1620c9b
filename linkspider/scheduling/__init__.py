"""Scheduling crawls on scrapyd nodes: the API client, node lists, crawl ids for recurring runs."""
from __future__ import annotations

from linkspider.scheduling.client import ScrapydClient
from linkspider.scheduling.cluster import (
    NodeJob,
    cancel_crawl,
    list_crawl_jobs,
    schedule_crawl,
    wait_for_crawl,
)
from linkspider.scheduling.crawl_ids import (
    crawl_id_of_job,
    expand_crawl_id_template,
    job_id_for,
    validate_crawl_id,
)
from linkspider.scheduling.nodes import auth_from_env, nodes_from, parse_auth, parse_nodes

__all__ = [
    "NodeJob",
    "ScrapydClient",
    "auth_from_env",
    "cancel_crawl",
    "crawl_id_of_job",
    "expand_crawl_id_template",
    "job_id_for",
    "list_crawl_jobs",
    "nodes_from",
    "parse_auth",
    "parse_nodes",
    "schedule_crawl",
    "validate_crawl_id",
    "wait_for_crawl",
]
