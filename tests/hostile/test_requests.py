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


@pytest.mark.parametrize(
    "cursor",
    [
        "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwieCJd",  # ["2024-01-01T00:00:00","x"]: a naive time
        "WyIyMDI0LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxXQ",  # ["2024-01-01T00:00:00+00:00",1]
        "bm90IGpzb24",  # not JSON
        "!!!",
    ],
)
def test_a_forged_cursor_is_a_problem_not_a_crash(api, cursor: str) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    response = client.get(f"/v1/reports?cursor={cursor}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("cursor")


def test_a_rare_tag_behind_newer_reports_is_found(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    rare = client.post(
        "/v1/reports", json={"text": "A report with a rare tag.", "tags": ["rare-tag"]}
    ).json()["id"]
    for i in range(25):
        client.post("/v1/reports", json={"text": f"Newer report number {i}.", "tags": ["common"]})
    page = client.get("/v1/reports?tag=rare-tag&limit=1").json()
    assert [r["id"] for r in page["items"]] == [rare] and page["next_cursor"] is None
    common = client.get("/v1/reports?tag=common&limit=10").json()
    assert len(common["items"]) == 10 and common["next_cursor"]


LAUGHS = (
    '---\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntitle: *d\n---\nRussia moved troops.\n"
)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (LAUGHS, "anchors"),
        ("---\nsource: " + "s" * 300 + "\n---\nRussia moved troops.\n", "source is 300 characters"),
        (
            "---\ntags: ["
            + ",".join(f"t{i}" for i in range(500))
            + "]\n---\nRussia moved troops.\n",
            "500 tags",
        ),
        ("---\ntitle: " + "x" * 20_000 + "\n---\nRussia moved troops.\n", "over 16384 bytes"),
    ],
)
def test_front_matter_gets_the_caps_of_json_fields_and_no_aliases(
    api, body: str, needle: str
) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    response = client.post(
        "/v1/reports", content=body.encode(), headers={"content-type": "text/markdown"}
    )
    assert response.status_code == 422, response.text
    assert needle in response.json()["detail"]


def test_tags_in_the_query_are_capped_too(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    query = "&".join(f"tags=t{i}" for i in range(600))
    response = client.post(
        f"/v1/reports?{query}",
        content=b"Russia moved troops.",
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 422 and "600 tags" in response.json()["detail"]


def test_report_text_never_reaches_the_log_when_a_database_write_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from service_fixtures import POSTGRES_URL, reset_postgres

    from briefing.schemas.report import Report
    from briefing.store import Database
    from briefing.store.reports import add_report

    reset_postgres()
    db = Database(POSTGRES_URL)
    db.migrate()
    marker = "SECRET-MARKER-7f3a"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as failure:
        add_report(db, Report(text=f"Report {marker} text.", source="s" * 300))  # varchar(200)
    logging.getLogger("test").error("write failed", exc_info=failure.value)
    db.dispose()
    assert marker not in str(failure.value)
    assert marker not in caplog.text


def test_junk_methods_and_paths_do_not_grow_the_metrics(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api

    def junk(n: int, start: int) -> None:
        for i in range(start, start + n):
            client.request(f"JUNK{i}", f"/nowhere/{i}")

    junk(5, 0)
    client.get("/metrics")  # its own series exist from here on
    before = len(client.get("/metrics").text)
    junk(200, 5)
    after = client.get("/metrics").text
    assert "JUNK" not in after and "/nowhere" not in after
    assert len(after) - before < 200  # counters move; no new series


def test_many_unknown_keys_get_a_small_problem(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    body = {"text": "Russia moved troops."} | {f"unknown_key_{i}": i for i in range(50_000)}
    response = client.post("/v1/briefs", json={"report": body})
    assert response.status_code == 422
    assert len(response.content) < 10_000
    assert len(response.json()["errors"]) == 20 and "more error(s)" in response.json()["detail"]


def test_a_chunked_body_over_the_cap_is_413_not_400(api) -> None:  # type: ignore[no-untyped-def]
    client, service, *_ = api

    def chunks():  # type: ignore[no-untyped-def]
        piece = b"x" * 65536
        for _ in range(service.settings.max_body_bytes // len(piece) + 2):
            yield piece

    response = client.post(
        "/v1/briefs", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and response.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_failed_authentication_is_throttled(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}",
        auth_failures_per_minute=5,
        scheduler_enabled=False,
    )
    with running_service(settings) as (client, _, key, _model):
        statuses = [
            client.get("/v1/reports", headers={"Authorization": f"Bearer wrong-{i}"}).status_code
            for i in range(8)
        ]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
        blocked = client.get("/v1/reports", headers={"Authorization": f"Bearer {key}"})
        assert (
            blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        )  # no guessing through


def test_head_on_get_routes_and_nonsense_accept_weights(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    rid = client.post("/v1/reports", json={"text": "Russia moved troops to the border."}).json()[
        "id"
    ]
    get = client.get(f"/v1/reports/{rid}")
    head = client.head(f"/v1/reports/{rid}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert client.head("/healthz").status_code == 200
    assert client.head("/v1/reports/nope").status_code == 404
    # q=nan is no weight at all: JSON (the only acceptable type) is refused, not chosen.
    weird = client.get("/v1/digests/nope", headers={"Accept": "text/html;q=nan"})
    assert weird.status_code == 406


def test_readyz_is_a_problem_when_down_and_never_starts_the_model(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", scheduler_enabled=False)
    from briefing.service import Service

    service = Service(settings)  # the embedded backend, not started
    from fastapi.testclient import TestClient

    from briefing_api.app import create_app

    with TestClient(create_app(settings, service=service)) as client:
        ok = client.get("/readyz")
        assert (
            ok.status_code == 200 and "starts with the first brief" in ok.json()["checks"]["model"]
        )
        assert not service.chain.backend_started
        service.db.engine.dispose()
        service.db.ping = lambda: (_ for _ in ()).throw(RuntimeError("down"))  # type: ignore[method-assign]
        down = client.get("/readyz")
        assert down.status_code == 503 and down.headers["content-type"].startswith(
            "application/problem+json"
        )
        assert down.json()["checks"]["database"].startswith("unavailable")


def test_cors_is_off_by_default_and_an_allow_list_when_set(tmp_path: Path) -> None:
    preflight = {"Origin": "https://tools.example", "Access-Control-Request-Method": "POST"}
    off = Settings(database_url=f"sqlite:///{tmp_path / 'c1.db'}", scheduler_enabled=False)
    with running_service(off) as (client, *_):
        r = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    on = off.model_copy(
        update={
            "cors_origins": ["https://tools.example"],
            "database_url": f"sqlite:///{tmp_path / 'c2.db'}",
        }
    )
    with running_service(on) as (client, *_):
        ok = client.options("/v1/reports", headers=preflight)
        assert ok.headers["access-control-allow-origin"] == "https://tools.example"
        evil = client.options(
            "/v1/reports", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in evil.headers


def test_the_content_type_is_part_of_an_idempotent_request(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    headers = {"Idempotency-Key": "same-key-ct", "content-type": "text/plain"}
    first = client.post("/v1/reports", content=b"# Russia moved troops", headers=headers)
    assert first.status_code in (200, 201)
    other = client.post(
        "/v1/reports",
        content=b"# Russia moved troops",
        headers={**headers, "content-type": "text/markdown"},
    )
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    again = client.post("/v1/reports", content=b"# Russia moved troops", headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"


def test_one_key_waiting_on_a_stuck_backend_does_not_stall_other_keys(tmp_path: Path) -> None:
    import threading
    import time

    from scripted import ScriptedChatModel

    from briefing.store.keys import create_key

    release = threading.Event()

    class Stuck(ScriptedChatModel):
        def _generate(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            release.wait(60)  # a backend that does not answer
            return super()._generate(*args, **kwargs)

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 's.db'}", scheduler_enabled=False, job_queue_max=500
    )
    model = Stuck(default='{"bluf": "x"}')
    with running_service(settings, model) as (client, service, _key, _):
        rid = client.post(
            "/v1/reports", json={"text": "Russia moved troops to the border."}
        ).json()["id"]
        _, other_key = create_key(service.db, "other")
        waiting = [
            threading.Thread(
                target=lambda: client.post(
                    "/v1/briefs?wait=15",
                    json={"report_id": rid},
                    headers={"Cache-Control": "no-cache"},
                )
            )
            for _ in range(60)  # more than the thread pool's 40 threads
        ]
        for t in waiting:
            t.start()
        time.sleep(2.0)
        started = time.monotonic()
        r = client.get(f"/v1/reports/{rid}", headers={"Authorization": f"Bearer {other_key}"})
        elapsed = time.monotonic() - started
        release.set()
        for t in waiting:
            t.join(30)
    assert r.status_code == 200
    assert elapsed < 2.0, f"another key's read took {elapsed:.1f}s"


def test_identical_work_in_flight_is_joined_and_one_key_cannot_fill_the_queue(
    tmp_path: Path,
) -> None:
    from briefing.store.keys import create_key

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'q.db'}",
        scheduler_enabled=False,
        job_queue_per_key=3,
    )
    with running_service(settings) as (client, service, _key, _):
        service.runner.stop()  # nothing runs: every job stays queued
        ids = [
            client.post("/v1/reports", json={"text": f"Report number {i} on troops."}).json()["id"]
            for i in range(5)
        ]
        jobs = {
            client.post(
                "/v1/briefs", json={"report_id": ids[0]}, headers={"Cache-Control": "no-cache"}
            ).json()["id"]
            for _ in range(101)
        }
        assert len(jobs) == 1  # 101 identical requests, one job
        for rid in ids[1:3]:
            assert client.post("/v1/briefs", json={"report_id": rid}).status_code == 202
        full = client.post("/v1/briefs", json={"report_id": ids[3]})
        assert full.status_code == 503 and "BRIEFING_JOB_QUEUE_PER_KEY" in full.json()["detail"]
        assert int(full.headers["retry-after"]) > 0
        _, other = create_key(service.db, "other")
        mine = client.post(
            "/v1/briefs", json={"report_id": ids[4]}, headers={"Authorization": f"Bearer {other}"}
        )
        assert mine.status_code == 202  # another key still gets its share


def test_a_second_process_never_reruns_a_live_processs_job(tmp_path: Path) -> None:
    import threading
    import time

    from scripted import ScriptedChatModel

    from briefing.store import jobs as job_store

    release = threading.Event()

    class Stuck(ScriptedChatModel):
        def _generate(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            release.wait(30)
            return super()._generate(*args, **kwargs)

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'two.db'}", scheduler_enabled=False)
    with running_service(settings, Stuck(default='{"bluf": "x"}')) as (client_a, service_a, *_):
        rid = client_a.post(
            "/v1/reports", json={"text": "Russia moved troops to the border."}
        ).json()["id"]
        job_id = client_a.post("/v1/briefs", json={"report_id": rid}).json()["id"]
        deadline = time.monotonic() + 10
        while job_store.get_job(service_a.db, job_id).status != "running":  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = ScriptedChatModel(default='{"bluf": "y"}')
        with running_service(settings, second) as (_client_b, service_b, *_):  # starts, recovers
            time.sleep(1.5)
            job = job_store.get_job(service_b.db, job_id)
            assert job is not None and job.status == "running"
            assert job.lease_owner == service_a.runner.owner and job.attempts == 1
            assert second.calls == []  # B did not run A's job
            release.set()
        deadline = time.monotonic() + 20
        while job_store.get_job(service_a.db, job_id).status == "running":  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job_store.get_job(service_a.db, job_id).status == "succeeded"  # type: ignore[union-attr]


def test_concurrent_idempotent_posts_make_one_job_and_a_replay_shows_its_current_state(
    tmp_path: Path,
) -> None:
    import threading

    from briefing.store import jobs as job_store

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'i.db'}", scheduler_enabled=False)
    with running_service(settings) as (client, service, *_):
        service.runner.stop()  # the job stays queued until we say
        rid = client.post(
            "/v1/reports", json={"text": "Russia moved troops to the border."}
        ).json()["id"]
        headers = {"Idempotency-Key": "one-key", "Cache-Control": "no-cache"}
        answers: list = []

        def post() -> None:
            answers.append(client.post("/v1/briefs", json={"report_id": rid}, headers=headers))

        threads = [threading.Thread(target=post) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ids = {a.json()["id"] for a in answers if a.status_code == 202}
        assert len(ids) == 1  # one job, whatever the interleaving
        assert {a.status_code for a in answers} <= {202, 409}
        for a in answers:
            if a.status_code == 409:
                assert a.headers["retry-after"] == "1"
        [job_id] = ids
        # The job fails later; a replay answers its current state, not the stored 202.
        job_store.claim_next(service.db, "test", 60)
        job_store.finish(
            service.db,
            job_id,
            error={"status": 502, "title": "Invalid model output", "detail": "x"},
            owner="test",
        )
        replay = client.post("/v1/briefs", json={"report_id": rid}, headers=headers)
        assert replay.status_code == 502 and replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["title"] == "Invalid model output"


def test_key_scopes_expiry_and_rotation(tmp_path: Path) -> None:
    import datetime as dt

    from sqlalchemy import update

    from briefing.store.keys import create_key, rotate_key
    from briefing.store.models import ApiKeyRow, utcnow

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", scheduler_enabled=False)
    with running_service(settings) as (client, service, *_):
        client.headers.pop("Authorization")
        _, reader = create_key(service.db, "reader", scopes=("read",))
        _, writer = create_key(service.db, "writer")  # read and write by default

        def auth(key: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {key}"}

        assert client.get("/v1/reports", headers=auth(reader)).status_code == 200
        denied = client.post(
            "/v1/reports", json={"text": "Russia moved troops."}, headers=auth(reader)
        )
        assert denied.status_code == 403 and "'write' scope" in denied.json()["detail"]
        assert (
            client.post(
                "/v1/reports", json={"text": "Russia moved troops."}, headers=auth(writer)
            ).status_code
            == 201
        )
        assert client.get("/metrics", headers=auth(writer)).status_code == 403  # admin only
        # Expiry.
        row, expiring = create_key(service.db, "soon", expires_at=utcnow() + dt.timedelta(hours=1))
        assert client.get("/v1/reports", headers=auth(expiring)).status_code == 200
        with service.db.session() as s:
            s.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == row.id)
                .values(expires_at=utcnow() - dt.timedelta(seconds=1))
            )
        client.app.state.verifier._seen.clear()  # the 10-second memory of verified keys
        assert client.get("/v1/reports", headers=auth(expiring)).status_code == 401
        # Rotation: the old key works during the grace period, then stops; the new one works.
        rotated = rotate_key(service.db, writer[:10], dt.timedelta(hours=1))
        assert rotated is not None
        new_row, new_key = rotated
        assert new_row.scopes == "read write" and new_row.name == "writer"
        client.app.state.verifier._seen.clear()
        assert client.get("/v1/reports", headers=auth(writer)).status_code == 200
        with service.db.session() as s:
            s.execute(
                update(ApiKeyRow).where(ApiKeyRow.prefix == writer[:10]).values(expires_at=utcnow())
            )
        client.app.state.verifier._seen.clear()
        assert client.get("/v1/reports", headers=auth(writer)).status_code == 401
        assert client.get("/v1/reports", headers=auth(new_key)).status_code == 200


def test_key_use_is_audited_without_the_key_or_the_text(tmp_path: Path) -> None:
    from briefing.store.audit import recent_uses

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'audit.db'}", scheduler_enabled=False)
    marker = "AUDIT-MARKER-9c1e"
    with running_service(settings) as (client, service, key, _):
        rid = client.post("/v1/reports", json={"text": f"Russia moved troops {marker}."}).json()[
            "id"
        ]
        client.get(f"/v1/reports/{rid}")
        client.get("/v1/reports/nope")
        service.audit.flush()
        uses = recent_uses(service.db)
    routes = [(u.method, u.route, u.status) for u in reversed(uses)]
    assert ("POST", "/v1/reports", 201) in routes
    assert ("GET", "/v1/reports/{report_id}", 200) in routes
    assert ("GET", "/v1/reports/{report_id}", 404) in routes
    stored = " ".join(f"{u.key_id} {u.method} {u.route} {u.status}" for u in uses)
    assert key not in stored and marker not in stored and rid not in stored


def test_cursors_are_signed(tmp_path: Path) -> None:
    import base64
    import json as json_

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cur.db'}", scheduler_enabled=False)
    with running_service(settings) as (client, *_):
        for i in range(3):
            client.post("/v1/reports", json={"text": f"Report {i} on troops."})
        page = client.get("/v1/reports?limit=1").json()
        cursor = page["next_cursor"]
        assert client.get(f"/v1/reports?limit=1&cursor={cursor}").status_code == 200
        body, signature = cursor.split(".")
        created, _ = json_.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        forged_body = (
            base64.urlsafe_b64encode(json_.dumps([created, "zzzz"]).encode()).decode().rstrip("=")
        )
        forged = client.get(f"/v1/reports?cursor={forged_body}.{signature}")
        assert forged.status_code == 422 and forged.json()["detail"].startswith("cursor")
