"""A small client for scrapyd's JSON API (https://scrapyd.readthedocs.io/en/latest/api.html), stdlib only.

One instance per node. Every call returns the decoded JSON body when scrapyd answers
``"status": "ok"`` and raises :class:`~linkspider.errors.ScrapydError` otherwise, naming the node
and the endpoint but never the credentials.
"""
from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

from linkspider.errors import ScrapydError

logger = logging.getLogger(__name__)


class ScrapydClient:
    """Talks to one scrapyd node at ``base_url`` (``http://host:6800/``)."""

    def __init__(self, base_url: str, auth: tuple[str, str] | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self._auth_header = (
            "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii") if auth else None
        )

    def __repr__(self) -> str:  # never shows the credentials
        return f"ScrapydClient({self.base_url!r}, auth={'set' if self._auth_header else None})"

    # --- transport -------------------------------------------------------------------------------

    def _request(
        self, endpoint: str, *, params: Iterable[tuple[str, str]] | None = None, body: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        url = urljoin(self.base_url, endpoint)
        if body is None and params is not None and content_type is None:
            query = urlencode(list(params))
            if query:
                url = f"{url}?{query}"
        request = Request(url, data=body, method="POST" if body is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        if self._auth_header:
            request.add_header("Authorization", self._auth_header)
        logger.debug("%s %s%s", request.get_method(), self.base_url, endpoint)
        try:
            with urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            exc.close()
            if exc.code == 401:
                raise ScrapydError(
                    f"{self.base_url} {endpoint}: 401 unauthorized (check LINKSPIDER_SCRAPYD_AUTH)"
                ) from exc
            raise ScrapydError(f"{self.base_url} {endpoint}: HTTP {exc.code}: {detail}") from exc
        except (URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(f"{self.base_url} {endpoint}: unreachable: {reason}") from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ScrapydError(f"{self.base_url} {endpoint}: answer is not JSON: {raw[:200]!r}") from exc
        if not isinstance(data, dict) or data.get("status") != "ok":
            message = data.get("message") if isinstance(data, dict) else data
            raise ScrapydError(f"{self.base_url} {endpoint}: {message}")
        return data

    def _post_form(self, endpoint: str, fields: Iterable[tuple[str, str]]) -> dict[str, Any]:
        body = urlencode(list(fields)).encode("ascii")
        return self._request(endpoint, body=body, content_type="application/x-www-form-urlencoded")

    # --- API -------------------------------------------------------------------------------------

    def daemon_status(self) -> dict[str, Any]:
        return self._request("daemonstatus.json")

    def list_projects(self) -> list[str]:
        return list(self._request("listprojects.json")["projects"])

    def list_spiders(self, project: str) -> list[str]:
        return list(self._request("listspiders.json", params=[("project", project)])["spiders"])

    def add_version(self, project: str, version: str, egg: bytes) -> dict[str, Any]:
        """Upload an egg (what ``scrapyd-deploy`` does) as a multipart form."""
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        for name, value in (("project", project), ("version", version)):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + egg
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self._request(
            "addversion.json", body=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
        )

    def schedule(
        self,
        project: str,
        spider: str,
        *,
        args: Mapping[str, str] | None = None,
        settings: Mapping[str, str] | None = None,
        job_id: str | None = None,
        priority: float | None = None,
    ) -> str:
        """Queue a run; spider ``args`` become ``-a`` options, ``settings`` become ``-s``. Returns the job id."""
        fields: list[tuple[str, str]] = [("project", project), ("spider", spider)]
        if job_id:
            fields.append(("jobid", job_id))
        if priority is not None:
            fields.append(("priority", repr(float(priority))))
        for key, value in (settings or {}).items():
            fields.append(("setting", f"{key}={value}"))
        reserved = {"project", "spider", "jobid", "priority", "setting", "_version"}
        for key, value in (args or {}).items():
            if key in reserved:
                raise ScrapydError(f"spider argument {key!r} clashes with a scrapyd schedule.json parameter")
            fields.append((key, str(value)))
        return str(self._post_form("schedule.json", fields)["jobid"])

    def list_jobs(self, project: str | None = None) -> dict[str, list[dict[str, Any]]]:
        data = self._request("listjobs.json", params=[("project", project)] if project else [])
        return {state: list(data.get(state, [])) for state in ("pending", "running", "finished")}

    def job_status(self, job_id: str, project: str | None = None) -> str | None:
        """``pending``, ``running``, ``finished`` or None (unknown job)."""
        params = [("job", job_id)] + ([("project", project)] if project else [])
        return self._request("status.json", params=params).get("currstate")

    def cancel(self, project: str, job_id: str, signal: str | None = None) -> str | None:
        """Cancel a pending or running job; returns its previous state (None if it was neither)."""
        fields = [("project", project), ("job", job_id)]
        if signal:
            fields.append(("signal", signal))
        return self._post_form("cancel.json", fields).get("prevstate")
