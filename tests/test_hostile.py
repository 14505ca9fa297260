"""Hostile requests (issue: harden the service) against both stores: each gets a 4xx
problem+json with no internal detail, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_fixtures import database_url, running_service

from briefing.settings import Settings


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp: Path = tmp_path_factory.mktemp(request.param)
    settings = Settings(database_url=database_url(request.param, tmp), scheduler_enabled=False)
    with running_service(settings) as ctx:
        yield ctx


NUL_REQUESTS = [
    ("GET", "/v1/reports/%00", {}),
    ("GET", "/v1/jobs/%00", {}),
    ("GET", "/v1/briefs/abc%00def", {}),
    ("GET", "/v1/reports?source=%00", {}),
    ("GET", "/v1/digests/%00", {}),
    (
        "POST",
        "/v1/reports?url=http://x/%00",
        {"content": b"Russia report", "headers": {"content-type": "text/plain"}},
    ),
    ("POST", "/v1/reports", {"json": {"text": "Russia report \u0000 with nul"}}),
    ("POST", "/v1/reports", {"json": {"text": "Russia report", "title": "a\u0000b"}}),
    ("POST", "/v1/reports", {"json": {"text": "Russia report", "source": "a\u0000b"}}),
    ("POST", "/v1/briefs", {"json": {"report_id": "\u0000"}}),
    (
        "POST",
        "/v1/reports",
        {"content": b"x" * 9000 + b"\x00 after 8 KiB", "headers": {"content-type": "text/plain"}},
    ),
    (
        "POST",
        "/v1/reports",
        {"files": {"file": ("r.txt", b"Russia " * 2000 + b"\x00", "text/plain")}},
    ),
    ("POST", "/v1/digests", {"json": {"filters": {"query": "a\u0000"}}}),
    ("POST", "/v1/digest-schedules", {"json": {"name": "a\u0000", "cron": "0 7 * * *"}}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), NUL_REQUESTS)
def test_nul_characters_are_refused_with_a_problem(
    api, method: str, url: str, kwargs: dict
) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    response = client.request(method, url, **kwargs)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "NUL" in response.json()["detail"]
    assert "psycopg" not in response.text and "Traceback" not in response.text
