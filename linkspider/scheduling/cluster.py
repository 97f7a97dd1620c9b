"""One crawl on many scrapyd nodes: schedule it everywhere, list its jobs, cancel it.

Every node runs the same spider with the same crawl id, so all of them pop from the one Redis
frontier of that crawl. The crawl id is carried in the scrapyd job id
(:func:`~linkspider.scheduling.crawl_ids.job_id_for`), because scrapyd's ``listjobs.json`` does not
return the spider arguments of running or finished jobs.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from linkspider.errors import ScrapydError
from linkspider.scheduling.client import ScrapydClient
from linkspider.scheduling.crawl_ids import crawl_id_of_job, job_id_for, validate_crawl_id

logger = logging.getLogger(__name__)

DEFAULT_PROJECT = "linkspider"
DEFAULT_SPIDER = "links"


@dataclass(frozen=True)
class NodeJob:
    """One job on one node, as ``listjobs.json`` reports it."""

    node: str
    project: str
    spider: str
    job_id: str
    state: str  # pending | running | finished
    crawl_id: str | None
    start_time: str | None = None
    end_time: str | None = None
    pid: int | None = None


def schedule_crawl(
    clients: Sequence[ScrapydClient],
    crawl_id: str,
    *,
    project: str = DEFAULT_PROJECT,
    spider: str = DEFAULT_SPIDER,
    args: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
) -> list[NodeJob]:
    """Schedule ``spider`` with ``crawl_id`` on every node, all or nothing.

    If a node refuses, the jobs already queued on the other nodes are cancelled again, so a
    half-started crawl does not run on a subset of the cluster unnoticed.
    """
    validate_crawl_id(crawl_id)
    spider_args = dict(args or {})
    spider_args["crawl_id"] = crawl_id
    nonce = uuid.uuid4().hex[:8]
    scheduled: list[NodeJob] = []
    for index, client in enumerate(clients):
        job_id = job_id_for(crawl_id, index, nonce)
        try:
            client.schedule(project, spider, args=spider_args, settings=settings, job_id=job_id)
        except ScrapydError:
            for job in scheduled:
                node_client = next(c for c in clients if c.base_url == job.node)
                try:
                    node_client.cancel(project, job.job_id)
                except ScrapydError as cancel_exc:
                    logger.error("could not cancel %s on %s after a failed start: %s", job.job_id, job.node,
                                 cancel_exc)
            raise
        logger.info("scheduled %s crawl_id=%s on %s as job %s", spider, crawl_id, client.base_url, job_id)
        scheduled.append(NodeJob(client.base_url, project, spider, job_id, "pending", crawl_id))
    return scheduled


def _jobs_of(node: str, listing: Mapping[str, list[dict]]) -> list[NodeJob]:
    jobs = []
    for state in ("pending", "running", "finished"):
        for entry in listing.get(state, []):
            job_id = str(entry.get("id", ""))
            crawl_id = crawl_id_of_job(job_id)
            if crawl_id is None and isinstance(entry.get("args"), dict):
                crawl_id = entry["args"].get("crawl_id")  # pending jobs carry their args
            jobs.append(
                NodeJob(
                    node=node,
                    project=str(entry.get("project", "")),
                    spider=str(entry.get("spider", "")),
                    job_id=job_id,
                    state=state,
                    crawl_id=crawl_id,
                    start_time=entry.get("start_time"),
                    end_time=entry.get("end_time"),
                    pid=entry.get("pid"),
                )
            )
    return jobs


def list_crawl_jobs(
    clients: Sequence[ScrapydClient], *, project: str | None = DEFAULT_PROJECT, crawl_id: str | None = None,
) -> list[NodeJob]:
    """Jobs of every node (optionally of one crawl), in node order, then pending/running/finished."""
    jobs: list[NodeJob] = []
    for client in clients:
        for job in _jobs_of(client.base_url, client.list_jobs(project)):
            if crawl_id is None or job.crawl_id == crawl_id:
                jobs.append(job)
    return jobs


def cancel_crawl(
    clients: Sequence[ScrapydClient], crawl_id: str, *, project: str = DEFAULT_PROJECT, signal: str | None = None,
) -> list[NodeJob]:
    """Cancel every pending or running job of ``crawl_id`` on every node; returns the jobs cancelled."""
    cancelled = []
    for client in clients:
        for job in list_crawl_jobs([client], project=project, crawl_id=crawl_id):
            if job.state == "finished":
                continue
            previous = client.cancel(project, job.job_id, signal=signal)
            if previous is not None:
                logger.info("cancelled %s job %s on %s", previous, job.job_id, client.base_url)
                cancelled.append(job)
    return cancelled


def wait_for_crawl(
    clients: Sequence[ScrapydClient],
    crawl_id: str,
    *,
    project: str = DEFAULT_PROJECT,
    timeout: float = 3600.0,
    poll: float = 1.0,
    expected_jobs: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[NodeJob]:
    """Block until every job of ``crawl_id`` is finished; returns them. Raises ScrapydError on timeout."""
    deadline = clock() + timeout
    while True:
        jobs = list_crawl_jobs(clients, project=project, crawl_id=crawl_id)
        enough = len(jobs) >= (expected_jobs if expected_jobs is not None else 1)
        if enough and all(job.state == "finished" for job in jobs):
            return jobs
        if clock() >= deadline:
            states = ", ".join(f"{j.node}:{j.job_id}={j.state}" for j in jobs) or "no jobs"
            raise ScrapydError(f"crawl {crawl_id} did not finish within {timeout:g}s ({states})")
        sleep(poll)
