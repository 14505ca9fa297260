"""Rate limits shared across API processes (issue: scale-out, item 2): counted in Redis with
the `limits` library, so a client cannot multiply its rate by landing on several replicas."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_fixtures import REDIS_URL

from briefing.settings import Settings
from briefing.store.db import Database
from briefing.store.keys import create_key
from briefing_api.app import create_app
from briefing_api.auth import RateLimiter
from briefing_api.problems import ApiProblem


def test_two_limiters_on_redis_count_one_limit() -> None:
    key = f"client-{uuid.uuid4().hex}"
    a, b = RateLimiter(REDIS_URL), RateLimiter(REDIS_URL)
    a.check(key, 3)
    b.check(key, 3)
    a.check(key, 3)
    with pytest.raises(ApiProblem) as refused:
        b.check(key, 3)
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    # In memory, each process counts alone: what the shared storage is for.
    m1, m2 = RateLimiter(), RateLimiter()
    for _ in range(3):
        m1.check(key, 3)
    m2.check(key, 3)


def test_two_api_processes_share_a_keys_rate_limit(tmp_path: Path) -> None:
    """Two service instances on one database and one Redis: a key limited to 3 requests a
    minute gets its fourth refused whichever instance it reaches, and failed sign-ins are
    throttled across both."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'shared.db'}",
        scheduler_enabled=False,
        rate_limit_storage=REDIS_URL,
        auth_failures_per_minute=2,
    )
    Database(settings.database_url).migrate()
    with (
        TestClient(create_app(settings), raise_server_exceptions=False) as one,
        TestClient(create_app(settings), raise_server_exceptions=False) as two,
    ):
        _, key = create_key(one.app.state.service.db, "shared", rate_limit_per_minute=3)
        headers = {"Authorization": f"Bearer {key}"}
        codes = [c.get("/v1/reports", headers=headers).status_code for c in (one, two, one, two)]
        assert codes == [200, 200, 200, 429]
        # Failed authentications from one address count across both instances too (the
        # test client's address is shared by every test: a fresh bad key each time).
        bad = [
            c.get("/v1/reports", headers={"Authorization": f"Bearer brf_{uuid.uuid4().hex}"})
            for c in (one, two, one)
        ]
        assert [r.status_code for r in bad][-1] == 429, [r.status_code for r in bad]
