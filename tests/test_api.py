"""The HTTP API on real databases (SQLite and PostgreSQL) with a scripted model."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from service_fixtures import REDIS_URL, database_url, running_service

from briefing.schemas.brief import SCHEMA_VERSION
from briefing.settings import Settings
from briefing.store.keys import create_key, revoke_key

TEXT = (
    "HUR says Russia has dismissed General Sergey Kisel from command of its Syrian contingent. "
    "ISW notes that it remains uncertain whether Russia can deploy additional assets."
)


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(database_url=database_url(request.param, tmp_path), job_workers=1)
    with running_service(settings) as ctx:
        yield ctx


def poll(client, url: str, timeout: float = 20.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job at {url} did not finish")


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]
    assert "Traceback" not in response.text
    return body


def test_reports_are_deduplicated_by_content(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    first = client.post("/v1/reports", json={"text": TEXT, "source": "HUR", "tags": ["syria"]})
    assert (
        first.status_code == 201
        and first.headers["location"] == f"/v1/reports/{first.json()['id']}"
    )
    again = client.post("/v1/reports", json={"text": TEXT})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False
    stored = client.get(f"/v1/reports/{first.json()['id']}").json()
    assert stored["text"] == TEXT and stored["source"] == "HUR" and stored["tags"] == ["syria"]


def test_reports_as_text_markdown_html_and_upload(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    plain = client.post(
        "/v1/reports?title=Plain&published_at=2024-12-02&tags=a&tags=b",
        content=b"Plain report about Kyiv.",
        headers={"Content-Type": "text/plain"},
    )
    assert plain.status_code == 201
    got = client.get(plain.headers["location"]).json()
    assert (got["title"], got["published_at"], got["tags"]) == ("Plain", "2024-12-02", ["a", "b"])
    md = client.post(
        "/v1/reports",
        content=b"# Update\n\nISW notes more.",
        headers={"Content-Type": "text/markdown; charset=utf-8"},
    )
    assert (
        md.status_code == 201 and client.get(md.headers["location"]).json()["format"] == "markdown"
    )
    html = client.post(
        "/v1/reports",
        content=b"<html><head><title>T</title></head><body><p>Hi Syria.</p></body></html>",
        headers={"Content-Type": "text/html"},
    )
    got = client.get(html.headers["location"]).json()
    assert (got["format"], got["title"], got["text"]) == ("html", "T", "Hi Syria.")
    up = client.post("/v1/reports", files={"file": ("r.md", b"**HUR** says so.", "text/markdown")})
    assert (
        up.status_code == 201 and client.get(up.headers["location"]).json()["format"] == "markdown"
    )


@pytest.mark.parametrize(
    ("kwargs", "status", "needle"),
    [
        ({"json": {"text": ""}}, 422, "text"),
        ({"json": {"title": "x"}}, 422, "text"),
        ({"json": {"text": "ok", "published_at": "soon"}}, 422, "published_at"),
        ({"json": {"text": "ok", "extra": 1}}, 422, "extra"),
        ({"content": b"\xff\xfe bad", "headers": {"Content-Type": "text/plain"}}, 422, "UTF-8"),
        ({"content": b"   ", "headers": {"Content-Type": "text/plain"}}, 422, "empty"),
        ({"content": b"x", "headers": {"Content-Type": "application/pdf"}}, 415, "media type"),
        ({"files": {"other": ("a.txt", b"x", "text/plain")}}, 422, "file"),
    ],
)
def test_bad_reports_are_problems(api, kwargs: dict, status: int, needle: str) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    body = assert_problem(client.post("/v1/reports", **kwargs), status)
    assert needle.lower() in str(body).lower()


def test_list_reports_with_filters_and_cursor(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    for i in range(5):
        client.post(
            "/v1/reports",
            json={
                "text": f"Report {i} on Syria.",
                "source": "ISW" if i % 2 else "HUR",
                "published_at": f"2024-12-0{i + 1}",
                "tags": ["even"] if i % 2 == 0 else [],
            },
        )
    pages, cursor = [], None
    while True:
        page = client.get(
            "/v1/reports", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).json()
        pages.append([r["title"] for r in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [r["id"] for r in client.get("/v1/reports", params={"limit": 10}).json()["items"]]
    assert len(set(ids)) == 5
    assert {r["source"] for r in client.get("/v1/reports?source=ISW").json()["items"]} == {"ISW"}
    assert len(client.get("/v1/reports?tag=even").json()["items"]) == 3
    dated = client.get("/v1/reports?published_from=2024-12-02&published_to=2024-12-03").json()[
        "items"
    ]
    assert sorted(r["published_at"] for r in dated) == ["2024-12-02", "2024-12-03"]
    found = client.get("/v1/reports", params={"q": "REPORT 3 on"}).json()["items"]
    assert [r["published_at"] for r in found] == ["2024-12-04"]  # words, any case
    assert client.get("/v1/reports", params={"q": "50%_"}).json()["items"] == []  # literal
    assert len(client.get("/v1/reports", params={"q": "syria", "tag": "even"}).json()["items"]) == 3
    assert_problem(client.get("/v1/reports?cursor=garbage"), 422)


def test_brief_job_then_cache_hit_then_no_cache(api) -> None:  # type: ignore[no-untyped-def]
    client, _service, _, model = api
    report_id = client.post("/v1/reports", json={"text": TEXT}).json()["id"]
    queued = client.post("/v1/briefs", json={"report_id": report_id})
    assert queued.status_code == 202
    job = poll(client, queued.headers["location"])
    assert job["status"] == "succeeded" and job["brief_url"]
    brief = client.get(job["brief_url"]).json()
    assert brief["bluf"] == "Russia dismissed General Sergey Kisel."
    calls = len(model.calls)

    hit = client.post("/v1/briefs", json={"report_id": report_id})
    assert hit.status_code == 200 and hit.headers["x-cache"] == "hit"
    assert hit.json()["bluf"] == brief["bluf"] and len(model.calls) == calls

    forced = client.post(
        "/v1/briefs?wait=20", json={"report_id": report_id}, headers={"Cache-Control": "no-cache"}
    )
    assert forced.status_code == 200 and forced.headers["x-cache"] == "miss"
    assert forced.headers["location"] != hit.headers["location"]  # a new brief was made
    assert len(model.calls) == calls + 1  # no-cache bypasses the LLM cache too


def test_llm_generations_are_cached_through_langchain(api) -> None:  # type: ignore[no-untyped-def]
    client, service, _, model = api
    first = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
    calls = len(model.calls)
    service.forget_cached()  # as if the cached brief had expired: the brief cache misses...
    second = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
    assert second.status_code == 200 and second.headers["x-cache"] == "miss"
    # ...but the prompt to the model is the same, so the LLM cache answers.
    assert len(model.calls) == calls
    assert service.llm_cache.hits >= 1
    assert first.json()["bluf"] == second.json()["bluf"]


def test_inline_report_with_wait_returns_the_brief(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    response = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT, "title": "Inline"}})
    assert response.status_code == 200, response.text
    assert response.json()["report"]["title"] == "Inline"
    listed = client.get("/v1/reports").json()["items"]
    assert [r["title"] for r in listed] == ["Inline"]  # the inline report was stored


def test_brief_renderings_by_accept(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    brief = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
    url = brief.headers["location"]
    md = client.get(url, headers={"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("# Brief")
    html = client.get(url, headers={"Accept": "text/html,application/xhtml+xml;q=0.9"})
    assert (
        html.headers["content-type"].startswith("text/html")
        and "<h2>Bottom line up front</h2>" in html.text
    )
    assert (
        client.get(url, headers={"Accept": "application/json"}).json()["schema_version"]
        == SCHEMA_VERSION
    )
    assert_problem(client.get(url, headers={"Accept": "image/png"}), 406)
    assert_problem(client.get("/v1/briefs/nope"), 404)
    assert_problem(client.get("/v1/jobs/nope"), 404)


def test_brief_request_validation_names_the_field(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    body = assert_problem(client.post("/v1/briefs", json={}), 422)
    assert "report_id" in body["detail"]
    assert_problem(client.post("/v1/briefs", json={"report_id": "missing"}), 404)
    assert_problem(client.post("/v1/briefs?wait=999", json={"report_id": "x"}), 422)


def test_idempotency_key_replays_the_first_answer(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    headers = {"Idempotency-Key": "abc-1"}
    first = client.post("/v1/reports", json={"text": TEXT}, headers=headers)
    second = client.post("/v1/reports", json={"text": TEXT}, headers=headers)
    assert first.status_code == second.status_code == 201  # replayed, not "already stored" 200
    assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"
    assert_problem(client.post("/v1/reports", json={"text": "other"}, headers=headers), 422)


def test_auth_is_required_and_revocation_works(api) -> None:  # type: ignore[no-untyped-def]
    client, service, _key, _ = api
    client.app.state.verifier.ttl_s = 0  # see revocation at once
    anonymous = {"Authorization": ""}
    assert client.get("/healthz", headers=anonymous).status_code == 200
    assert client.get("/openapi.json", headers=anonymous).status_code == 200
    for path in ("/v1/reports", "/metrics", "/v1/schemas/brief"):
        if path == "/v1/schemas/brief":
            continue  # the schema is documentation
        body = assert_problem(client.get(path, headers=anonymous), 401)
        assert "Bearer" in body["detail"]
    assert_problem(client.get("/v1/reports", headers={"Authorization": "Bearer nope"}), 401)
    row, other = create_key(service.db, "temp")
    assert (
        client.get("/v1/reports", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    )
    assert revoke_key(service.db, row.id)
    assert_problem(client.get("/v1/reports", headers={"Authorization": f"Bearer {other}"}), 401)


def test_rate_limit_per_key(api) -> None:  # type: ignore[no-untyped-def]
    client, service, *_ = api
    _, limited = create_key(service.db, "slow", rate_limit_per_minute=3)
    headers = {"Authorization": f"Bearer {limited}"}
    codes = [client.get("/v1/reports", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/v1/reports", headers=headers)
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) >= 1
    assert client.get("/v1/reports").status_code == 200  # other keys are not limited


def test_metrics_count_requests_llm_calls_and_cache_hits(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
    client.post("/v1/briefs", json={"report": {"text": TEXT}})
    text = client.get("/metrics").text
    assert 'briefing_http_requests_total{method="POST",route="/v1/briefs",status="200"}' in text
    assert "briefing_llm_calls_total" in text and "briefing_llm_tokens_total" in text
    assert 'briefing_cache_lookups_total{layer="brief",result="hit"}' in text


def test_readyz_checks_database_cache_and_model(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    ready = client.get("/readyz", headers={"Authorization": ""})
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert (
        checks["database"] == "ok"
        and checks["model"].startswith("ok")
        and checks["cache"].startswith("ok")
    )


def test_queue_full_is_503_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'q.db'}", job_queue_max=1)
    with running_service(settings) as (client, service, *_):
        service.runner.stop()  # nothing drains the queue
        ids = [
            client.post("/v1/reports", json={"text": f"Report {i}."}).json()["id"] for i in range(2)
        ]
        assert client.post("/v1/briefs", json={"report_id": ids[0]}).status_code == 202
        response = client.post("/v1/briefs", json={"report_id": ids[1]})
        assert_problem(response, 503)
        assert response.headers["retry-after"] == "30"
        assert client.get(f"/v1/reports/{ids[1]}").status_code == 200  # nothing accepted is lost


def test_body_size_limit(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", max_body_bytes=2048)
    with running_service(settings) as (client, *_):
        assert_problem(client.post("/v1/reports", json={"text": "x" * 5000}), 413)
        assert client.post("/v1/reports", json={"text": "small"}).status_code == 201


def test_brief_cache_in_redis(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", redis_url=REDIS_URL)
    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    with running_service(settings) as (client, service, _, _model):
        first = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
        assert first.headers["x-cache"] == "miss"
        keys = [k.decode() for k in r.keys("briefing:brief:*")]
        assert len(keys) == 1
        hit = client.post("/v1/briefs", json={"report": {"text": TEXT}})
        assert hit.headers["x-cache"] == "hit" and hit.json() == first.json()
        assert service.brief_cache.name == "redis"
        assert r.keys("briefing:llm:*"), "LLM generations are cached in Redis too"
    r.flushdb()


def test_new_prompt_version_misses_the_cache(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with running_service(settings) as (client, service, *_):
        client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
        report = client.get("/v1/reports").json()["items"][0]
        from briefing.store.reports import get_report, report_of

        key = service.cache_key(report_of(get_report(service.db, report["id"])))
        assert service.cached(key) is not None
        service.chain.prompt = service.chain.prompt.model_copy(update={"version": "v99"})
        new_key = service.cache_key(report_of(get_report(service.db, report["id"])))
        assert new_key != key and service.cached(new_key) is None
        again = client.post("/v1/briefs?wait=20", json={"report_id": report["id"]})
        assert again.headers["x-cache"] == "miss"
        assert again.json()["provenance"]["prompt_versions"]["brief"] == "v99"


def test_new_code_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules changed without a new prompt or package version: the old brief is not served."""
    import briefing.chains.brief
    import briefing.service
    from briefing.version import code_version

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}")
    with running_service(settings) as (client, *_):
        first = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
        assert first.json()["provenance"]["code_version"] == code_version()
        report_id = client.get("/v1/reports").json()["items"][0]["id"]
        for module in (briefing.service, briefing.chains.brief):
            monkeypatch.setattr(module, "code_version", lambda: "0.1.0+edited")
        again = client.post("/v1/briefs?wait=20", json={"report_id": report_id})
        assert again.headers["x-cache"] == "miss"
        assert again.json()["provenance"]["code_version"] == "0.1.0+edited"


def test_a_degraded_brief_is_served_but_not_cached(tmp_path: Path) -> None:
    """A model that timed out may answer next time: its code-only brief is not cached."""
    import json

    import httpx
    import openai
    from scripted import ScriptedChatModel

    timeout = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1:9/v1"))
    model = ScriptedChatModel(script=[timeout])  # then the default answer
    model.default = json.dumps(
        {
            "bluf": "Russia dismissed General Sergey Kisel.",
            "actors": [],
            "developments": [],
            "uncertainties": [],
        }
    )
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}")
    with running_service(settings, model) as (client, *_):
        first = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
        assert first.status_code == 200, first.text
        assert first.json()["quality"]["degraded"] is True
        assert any("did not come within" in w for w in first.json()["quality"]["warnings"])
        second = client.post("/v1/briefs?wait=20", json={"report": {"text": TEXT}})
        assert second.status_code == 200 and second.headers["x-cache"] == "miss"
        assert second.json()["quality"]["degraded"] is False
        assert second.json()["bluf"] == "Russia dismissed General Sergey Kisel."
        third = client.post("/v1/briefs", json={"report": {"text": TEXT}})
        assert third.status_code == 200 and third.headers["x-cache"] == "hit"


def test_a_job_runs_again_while_the_backend_is_down_then_gives_up_retryably(
    tmp_path: Path,
) -> None:
    import httpx
    import openai
    from scripted import ScriptedChatModel
    from service_fixtures import DRAFT

    down = openai.APIConnectionError(request=httpx.Request("POST", "http://llm/v1/chat"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'retry.db'}",
        job_workers=1,
        llm_transport_retries=0,
        job_retry_backoff_s=0.05,
        job_max_attempts=3,
    )
    model = ScriptedChatModel(script=[down, DRAFT, down, down, down], default=DRAFT)
    with running_service(settings, model) as (client, *_):
        back = client.post("/v1/reports", json={"text": TEXT}).json()["id"]
        job = poll(client, client.post("/v1/briefs", json={"report_id": back}).headers["location"])
        assert job["status"] == "succeeded" and job["attempts"] == 2  # down once, then back
        gone = client.post("/v1/reports", json={"text": TEXT + " Again."}).json()["id"]
        url = client.post("/v1/briefs", json={"report_id": gone}).headers["location"]
        job = poll(client, url)
        assert job["status"] == "failed" and job["attempts"] == 3  # the dead-letter state
        assert job["error"]["status"] == 503 and "3 attempt(s)" in job["error"]["detail"]
        assert len(model.calls) == 5


def test_a_job_whose_database_connection_drops_runs_again_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefing.worker
    from briefing.errors import StoreUnavailableError

    real = briefing.worker.get_report
    drops = ["terminating connection due to administrator command"]

    def dropped_once(db, report_id):  # type: ignore[no-untyped-def]
        if drops:
            raise StoreUnavailableError(f"the database failed: {drops.pop()}")
        return real(db, report_id)

    monkeypatch.setattr(briefing.worker, "get_report", dropped_once)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'drop.db'}", job_retry_backoff_s=0.05)
    with running_service(settings) as (client, *_):
        stored = client.post("/v1/reports", json={"text": TEXT}).json()["id"]
        job = poll(
            client, client.post("/v1/briefs", json={"report_id": stored}).headers["location"]
        )
        assert job["status"] == "succeeded" and job["attempts"] == 2, job
        assert not drops


def test_a_made_brief_is_recorded_when_the_connection_that_records_it_drops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database drops the connection that writes a finished job's outcome: the write is
    tried again and the job succeeds (it had been recorded as failed, 503, its brief made)."""
    import briefing.worker
    from briefing.errors import StoreUnavailableError

    real = briefing.worker.job_store.finish
    drops = ["terminating connection due to administrator command"]
    written: list[dict] = []

    def dropped_once(db, job_id, **outcome):  # type: ignore[no-untyped-def]
        if drops:
            raise StoreUnavailableError(f"the database failed: {drops.pop()}")
        written.append(outcome)
        return real(db, job_id, **outcome)

    monkeypatch.setattr(briefing.worker.job_store, "finish", dropped_once)
    monkeypatch.setattr(briefing.worker, "RECORD_TRIES", 2, raising=False)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'record.db'}")
    with running_service(settings) as (client, *_):
        stored = client.post("/v1/reports", json={"text": TEXT}).json()["id"]
        job = poll(
            client, client.post("/v1/briefs", json={"report_id": stored}).headers["location"]
        )
        assert job["status"] == "succeeded" and job["attempts"] == 1, job
        assert not drops and [set(w) for w in written] == [{"brief_id", "owner"}]
