"""Digests through the service and the HTTP API: schedules under a controllable clock, exactly
once across schedulers on one PostgreSQL, catch-up, signed webhooks with retries, Slack, SMTP,
folders, the Atom feed, renderings and the published schema."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from service_fixtures import POSTGRES_URL, database_url, reset_postgres, running_service

from briefing.digest.scheduler import Scheduler, periods_between
from briefing.schemas.digest import digest_json_schema
from briefing.schemas.schedule import ScheduleIn
from briefing.service import Service
from briefing.settings import Settings
from briefing.store.models import ScheduleRunRow

REPORTS = [
    {
        "text": "HUR says Russia has dismissed General Sergey Kisel from command of its Syrian "
        "contingent after the fall of Aleppo. ISW notes that Russia may withdraw from Tartus.",
        "source": "HUR",
        "published_at": "2026-11-28",
        "tags": ["syria"],
    },
    {
        "text": "Russia dismissed General Sergey Kisel from command of its Syrian contingent, "
        "Reuters reported, citing HUR. Officials in Moscow declined to comment on Tartus.",
        "source": "Reuters",
        "url": "https://www.reuters.com/world/kisel",
        "published_at": "2026-11-28",
        "tags": ["syria"],
    },
]


def settings_for(url: str, **extra: Any) -> Settings:
    return Settings(
        database_url=url,
        job_workers=1,
        scheduler_enabled=False,  # tests drive the scheduler's clock themselves
        delivery_backoff_s=0.2,
        **extra,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = settings_for(database_url(request.param, tmp_path), digest_dir=tmp_path / "digests")
    with running_service(settings) as ctx:
        yield ctx


class Receiver:
    """A real HTTP server that records requests; answers from a list of status codes."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500])
    yield r
    r.close()


def store_reports(client) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for report in REPORTS:
        r = client.post("/v1/reports", json=report)
        assert r.status_code in (200, 201), r.text
        ids.append(r.json()["id"])
    return ids


def wait_for(predicate, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


WINDOW = {"since": "2026-11-27T00:00:00Z", "until": "2026-11-29T00:00:00Z"}


def test_digest_job_renderings_and_schema(api) -> None:  # type: ignore[no-untyped-def]
    client, _, _, model = api
    store_reports(client)
    r = client.post("/v1/digests?wait=60", json={**WINDOW, "use_model": False})
    assert r.status_code == 200, r.text
    digest = r.json()
    jsonschema.validate(digest, digest_json_schema())
    assert not digest["empty"] and digest["events"]
    assert len(digest["reports"]) == 2
    assert {
        e["report_id"] for ev in digest["events"] for d in ev["timeline"] for e in d["evidence"]
    } <= {rep["id"] for rep in digest["reports"]}
    assert digest["provenance"]["usage"]["llm_calls"] == 0 and not model.calls
    url = r.headers["location"]
    md = client.get(url, headers={"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Digest: 2026-11-27 00:00 to 2026-11-29 00:00 UTC")
    html = client.get(url + "?format=html")
    assert html.headers["content-type"].startswith("text/html") and "<h2>" in html.text
    listed = client.get("/v1/digests?date=2026-11-29").json()["items"]
    assert [d["id"] for d in listed] == [digest["id"]]
    assert client.get("/v1/digests?date=2026-11-28").json()["items"] == []
    assert client.get("/v1/schemas/digest").json()["$id"].endswith("/digest/v1.json")


def test_a_made_digest_is_recorded_when_the_connection_that_records_it_drops(
    api, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The database drops the connection that writes a made digest: the write is tried
    again and the digest is there (it had been recorded as failed, 503)."""
    import briefing.digest.jobs
    import briefing.worker
    from briefing.errors import StoreUnavailableError

    real = briefing.digest.jobs.digest_store.finish_digest
    drops = ["terminating connection due to administrator command"]

    def dropped_once(db, digest_id, **outcome):  # type: ignore[no-untyped-def]
        if drops:
            raise StoreUnavailableError(f"the database failed: {drops.pop()}")
        return real(db, digest_id, **outcome)

    monkeypatch.setattr(briefing.digest.jobs.digest_store, "finish_digest", dropped_once)
    monkeypatch.setattr(briefing.worker, "RECORD_TRIES", 2, raising=False)
    client, *_ = api
    store_reports(client)
    r = client.post("/v1/digests?wait=60", json={**WINDOW, "use_model": False})
    assert r.status_code == 200, r.text
    assert not drops and r.json()["events"]


def test_an_empty_window_is_an_explicit_empty_digest(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    store_reports(client)
    r = client.post(
        "/v1/digests?wait=30",
        json={"since": "2020-01-01T00:00:00Z", "until": "2020-01-02T00:00:00Z", "use_model": False},
    )
    assert r.status_code == 200
    assert r.json()["empty"] is True
    assert r.json()["bluf"].startswith("No reports in this window")


def test_digest_reuses_cached_briefs(api) -> None:  # type: ignore[no-untyped-def]
    client, _, _, model = api
    ids = store_reports(client)
    r = client.post("/v1/briefs?wait=30", json={"report_id": ids[0]})
    assert r.status_code == 200
    calls_before = len(model.calls)
    event = {
        "headline": "Russia dismissed General Sergey Kisel",
        "bluf": "HUR says Russia dismissed General Sergey Kisel.",
    }
    model.script = [model.default, json.dumps(event)]  # the second report's brief, then the event
    digest = client.post("/v1/digests?wait=60", json=WINDOW).json()
    assert digest["provenance"]["briefs_reused"] == 1
    assert digest["provenance"]["briefs_made"] == 1
    # One brief made (one call) plus one call per event, never one per report for the digest.
    assert len(digest["events"]) == 1
    assert len(model.calls) - calls_before == 2
    assert digest["events"][0]["headline"] == event["headline"]
    assert digest["provenance"]["usage"]["llm_calls"] == 1


def test_bad_digest_requests_are_problems(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    r = client.post("/v1/digests", json={"since": "2026-11-29T00:00:00"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post(
        "/v1/digests", json={"since": "2026-11-29T00:00:00Z", "until": "2026-11-28T00:00:00Z"}
    )
    assert r.status_code == 422
    assert client.get("/v1/digests/nope").status_code == 404
    r = client.post("/v1/digest-schedules", json={"name": "x", "cron": "every day"})
    assert r.status_code == 422 and "cron" in r.json()["detail"]
    r = client.post(
        "/v1/digest-schedules", json={"name": "x", "cron": "0 7 * * *", "timezone": "Mars/Olympus"}
    )
    assert r.status_code == 422 and "timezone" in r.json()["detail"]
    r = client.post(
        "/v1/digest-schedules",
        json={
            "name": "x",
            "cron": "0 7 * * *",
            "targets": [{"kind": "folder", "folder": "../etc"}],
        },
    )
    assert r.status_code == 422


def test_schedule_crud_and_the_secret_is_shown_once(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    r = client.post(
        "/v1/digest-schedules",
        json={
            "name": "Morning",
            "cron": "0 7 * * *",
            "timezone": "Europe/Berlin",
            "filters": {"tags": ["syria"]},
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["webhook_secret"].startswith("whsec_")
    sid = created["id"]
    got = client.get(f"/v1/digest-schedules/{sid}").json()
    assert got["webhook_secret"] is None
    assert got["next_run_at"] is not None
    assert client.get("/v1/digest-schedules").json()[0]["webhook_secret"] is None
    r = client.patch(f"/v1/digest-schedules/{sid}", json={"cron": "30 6 * * 1-5", "enabled": False})
    assert (
        r.status_code == 200
        and r.json()["cron"] == "30 6 * * 1-5"
        and r.json()["next_run_at"] is None
    )
    assert client.delete(f"/v1/digest-schedules/{sid}").status_code == 204
    assert client.get(f"/v1/digest-schedules/{sid}").status_code == 404


def _service(url: str) -> Service:
    return Service(settings_for(url))


def test_a_schedule_fires_under_a_controllable_clock(tmp_path: Path) -> None:
    service = _service(f"sqlite:///{tmp_path / 's.db'}")
    try:
        row = service.create_schedule(
            ScheduleIn(name="m", cron="0 7 * * *", timezone="Europe/Berlin", window_hours=24)
        )
        first = periods_between(
            row.cron, row.timezone, row.created_at, row.created_at + dt.timedelta(days=2)
        )[0]
        assert first.astimezone(dt.timezone(dt.timedelta(hours=1))).hour == 7  # 07:00 CET
        scheduler = Scheduler(service, name="only")
        assert scheduler.tick(first - dt.timedelta(seconds=1)) == []
        [digest_id] = scheduler.tick(first + dt.timedelta(seconds=5))
        assert scheduler.tick(first + dt.timedelta(seconds=30)) == []  # claimed already
        row_d = service.digest_row(digest_id)
        assert row_d.period == first and row_d.until == first
        assert row_d.since == first - dt.timedelta(hours=24)
        assert row_d.schedule_id == row.id
    finally:
        service.stop()


def test_a_missed_period_is_caught_up_once(tmp_path: Path) -> None:
    service = _service(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        row = service.create_schedule(ScheduleIn(name="m", cron="0 7 * * *", timezone="UTC"))
        periods = periods_between(
            row.cron, row.timezone, row.created_at, row.created_at + dt.timedelta(days=5)
        )
        down_until = periods[2] + dt.timedelta(hours=1)  # three periods passed while down
        [digest_id] = Scheduler(service, name="after-restart").tick(down_until)
        digest = service.digest_row(digest_id)
        assert digest.until == periods[2]
        assert digest.since == periods[0] - dt.timedelta(hours=24)  # covers every missed window
        with service.db.session() as s:
            assert s.query(ScheduleRunRow).count() == 3
        assert Scheduler(service, name="again").tick(down_until) == []
    finally:
        service.stop()


def test_two_schedulers_on_one_postgresql_run_a_period_once() -> None:
    reset_postgres()
    a, b = _service(POSTGRES_URL), _service(POSTGRES_URL)
    try:
        row = a.create_schedule(ScheduleIn(name="m", cron="*/5 * * * *", timezone="UTC"))
        period = periods_between(
            row.cron, row.timezone, row.created_at, row.created_at + dt.timedelta(hours=1)
        )[0]
        schedulers = [Scheduler(a, name="a"), Scheduler(b, name="b")]
        barrier = threading.Barrier(2)
        results: list[list[str]] = [[], []]

        def run(i: int) -> None:
            barrier.wait()
            for _ in range(5):
                results[i] += schedulers[i].tick(period + dt.timedelta(seconds=1))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results[0]) + len(results[1]) == 1
        assert len(a.digests(schedule_id=row.id, on=None, limit=10, offset=0)) == 1
    finally:
        a.stop()
        b.stop()


def test_signed_webhook_is_verified_by_a_real_receiver_and_retried_after_500(
    api, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    client, *_ = api
    store_reports(client)
    created = client.post(
        "/v1/digest-schedules",
        json={
            "name": "hook",
            "cron": "0 7 * * *",
            "targets": [{"kind": "webhook", "url": receiver.url}],
        },
    ).json()
    secret = created["webhook_secret"]
    r = client.post(
        "/v1/digests?wait=60", json={**WINDOW, "schedule_id": created["id"], "use_model": False}
    )
    assert r.status_code == 200, r.text
    digest_id = r.json()["id"]
    deliveries = wait_for(
        lambda: (
            (d := client.get(f"/v1/digests/{digest_id}/deliveries").json())
            and d[0]["status"] == "delivered"
            and d
        )
    )
    [delivery] = deliveries
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert len(receiver.requests) == 2
    ids = {h["webhook-id"] for h, _ in receiver.requests}
    assert ids == {delivery["message_id"]}  # the same id on the retry
    for headers, body in receiver.requests:
        payload = Webhook(secret).verify(body, headers)  # raises if the signature is wrong
        assert payload["type"] == "digest.created"
        assert payload["data"]["digest"]["id"] == digest_id
    forged = dict(receiver.requests[0][0])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(receiver.requests[0][1] + b" ", forged)


def test_a_replica_resends_a_dead_senders_delivery_but_not_one_in_flight(tmp_path: Path) -> None:
    """Two replicas on one database: the delivery runner of one takes back a delivery whose
    sender died mid-send (taken ten minutes ago), and leaves alone one that the other replica
    is sending right now."""
    from sqlalchemy import select, update

    from briefing.digest.jobs import DeliveryRunner
    from briefing.schemas.digest import Filters
    from briefing.store import deliveries as delivery_store
    from briefing.store import digests as digest_store
    from briefing.store.models import DeliveryRow

    url = f"sqlite:///{tmp_path / 'r.db'}"
    first, second = _service(url), _service(url)
    now = dt.datetime.now(dt.UTC)
    digest = digest_store.create_digest(first.db, since=now, until=now, filters=Filters())
    target = {"kind": "webhook", "url": "https://hooks.example/x"}
    delivery_store.create_deliveries(first.db, digest.id, None, [target, target])
    dead = delivery_store.claim_due(first.db, dt.datetime.now(dt.UTC))
    live = delivery_store.claim_due(first.db, dt.datetime.now(dt.UTC))
    assert dead is not None and live is not None
    with first.db.session() as s:
        s.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == dead.id)
            .values(sending_since=now - dt.timedelta(minutes=10))
        )

    runner = DeliveryRunner(second)
    sent: list[str] = []
    runner.send = lambda delivery: sent.append(delivery.id) or 200  # type: ignore[method-assign]
    while runner.step():
        pass
    with second.db.session() as s:
        status = {r.id: (r.status, r.attempts) for r in s.scalars(select(DeliveryRow))}
    assert sent == [dead.id]
    assert status == {dead.id: ("delivered", 2), live.id: ("sending", 1)}


def test_slack_folder_and_atom_feed(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, service, key, _ = api
    slack = Receiver([])
    try:
        store_reports(client)
        created = client.post(
            "/v1/digest-schedules",
            json={
                "name": "team",
                "cron": "0 7 * * *",
                "targets": [
                    {"kind": "slack", "url": slack.url},
                    {"kind": "folder", "folder": "team/daily"},
                ],
            },
        ).json()
        r = client.post(
            "/v1/digests?wait=60", json={**WINDOW, "schedule_id": created["id"], "use_model": False}
        )
        digest_id = r.json()["id"]

        def delivered() -> bool:  # both targets, once their deliveries are queued
            ds = client.get(f"/v1/digests/{digest_id}/deliveries").json()
            return len(ds) == 2 and all(d["status"] == "delivered" for d in ds)

        wait_for(delivered)
        body = json.loads(slack.requests[0][1])
        assert (
            body["text"].startswith("Digest 2026-11-27") and body["blocks"][0]["type"] == "header"
        )
        written = sorted(p.suffix for p in (service.settings.digest_dir / "team/daily").iterdir())
        assert written == [".html", ".json", ".md"]
        client.headers.pop("Authorization")
        assert client.get(f"/v1/digest-schedules/{created['id']}/feed.atom").status_code == 401
        feed = client.get(f"/v1/digest-schedules/{created['id']}/feed.atom?key={key}")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        entries = root.findall("a:entry", ns)
        assert len(entries) == 1
        assert entries[0].find("a:link", ns).get("href").endswith(f"/v1/digests/{digest_id}")
    finally:
        slack.close()


def test_email_delivery_through_a_local_smtp_server(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):  # type: ignore[no-untyped-def]
            received.append(message)

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = settings_for(
            f"sqlite:///{tmp_path / 'e.db'}", smtp_host="127.0.0.1", smtp_port=port
        )
        with running_service(settings) as (client, *_):
            store_reports(client)
            created = client.post(
                "/v1/digest-schedules",
                json={
                    "name": "mail",
                    "cron": "0 7 * * *",
                    "targets": [{"kind": "email", "to": ["analyst@example.org"]}],
                },
            ).json()
            r = client.post(
                "/v1/digests?wait=60",
                json={**WINDOW, "schedule_id": created["id"], "use_model": False},
            )
            digest_id = r.json()["id"]
            wait_for(
                lambda: (
                    client.get(f"/v1/digests/{digest_id}/deliveries").json()[0]["status"]
                    == "delivered"
                )
            )
        [message] = received
        assert message["To"] == "analyst@example.org"
        assert message["Subject"].startswith("Digest 2026-11-27")
        kinds = {part.get_content_type() for part in message.walk()}
        assert {"text/plain", "text/html"} <= kinds
    finally:
        controller.stop()


def test_an_email_target_without_smtp_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    r = client.post(
        "/v1/digest-schedules",
        json={
            "name": "mail",
            "cron": "0 7 * * *",
            "targets": [{"kind": "email", "to": ["a@example.org"]}],
        },
    )
    assert r.status_code == 422 and "SMTP" in r.json()["detail"]


def test_the_scheduler_thread_of_a_running_service_queues_and_runs_a_due_digest(
    tmp_path: Path,
) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 't.db'}").model_copy(
        update={"scheduler_enabled": True, "scheduler_poll_s": 0.05}
    )
    service = Service(settings)
    assert service.scheduler is not None
    now = [dt.datetime.now(dt.UTC)]
    service.scheduler.clock = lambda: now[0]
    row = service.create_schedule(ScheduleIn(name="m", cron="0 7 * * *", timezone="UTC"))
    period = periods_between(
        row.cron, row.timezone, row.created_at, row.created_at + dt.timedelta(days=2)
    )[0]
    service.start()
    try:
        time.sleep(0.3)
        assert service.digests(schedule_id=row.id, on=None, limit=5, offset=0) == []
        now[0] = period + dt.timedelta(seconds=1)  # the clock reaches 07:00
        done = wait_for(
            lambda: [
                d
                for d in service.digests(schedule_id=row.id, on=None, limit=5, offset=0)
                if d.status == "succeeded"
            ],
            timeout=30,
        )
        [digest] = done
        assert digest.period == period and digest.empty is True  # no reports in its window
    finally:
        service.stop()


def test_a_schedules_next_digest_says_what_changed(api) -> None:  # type: ignore[no-untyped-def]
    client, *_ = api
    store_reports(client)
    sid = client.post("/v1/digest-schedules", json={"name": "m", "cron": "0 7 * * *"}).json()["id"]
    body = {**WINDOW, "schedule_id": sid, "use_model": False}
    first = client.post("/v1/digests?wait=60", json=body).json()
    assert first["previous_digest_id"] is None and all(e["phase"] == "new" for e in first["events"])
    second = client.post("/v1/digests?wait=60", json=body).json()
    assert second["previous_digest_id"] == first["id"]
    # The same reports again: nothing new, so every event is continuing, not news.
    assert [e["id"] for e in second["events"]] == [e["id"] for e in first["events"]]
    assert {e["phase"] for e in second["events"]} == {"continuing"}
    assert second["continuing"] == [e["id"] for e in second["events"]]
    md = client.get(f"/v1/digests/{second['id']}?format=md").text
    assert "## Continuing, nothing new" in md


def test_a_null_in_a_schedule_update_leaves_the_field_as_it_is(api) -> None:  # type: ignore[no-untyped-def]
    """Found by the stateful schema fuzz on PostgreSQL: PATCH with `"deliver_empty": null`
    wrote NULL into a required column (a 500)."""
    client, *_ = api
    created = client.post(
        "/v1/digest-schedules",
        json={"name": "n", "cron": "0 7 * * *", "timezone": "UTC", "window_hours": 24},
    ).json()
    changed = client.patch(
        f"/v1/digest-schedules/{created['id']}",
        json={"deliver_empty": None, "enabled": None, "name": None, "window_hours": 12},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["deliver_empty"] is False and body["enabled"] is True and body["name"] == "n"
    assert body["window_hours"] == 12


def test_a_digest_runs_again_while_the_model_backend_is_down(tmp_path: Path) -> None:
    import httpx
    import openai
    from scripted import ScriptedChatModel
    from service_fixtures import DRAFT

    down = openai.APIConnectionError(request=httpx.Request("POST", "http://llm/v1/chat"))
    settings = settings_for(
        f"sqlite:///{tmp_path / 'retry.db'}", llm_transport_retries=0, job_retry_backoff_s=0.05
    )
    model = ScriptedChatModel(script=[down], default=DRAFT)
    with running_service(settings, model) as (client, *_):
        store_reports(client)
        r = client.post("/v1/digests?wait=60", json=WINDOW)  # briefs its reports on the model
        assert r.status_code == 200, r.text
        [listed] = client.get("/v1/digests?date=2026-11-29").json()["items"]
        assert listed["status"] == "succeeded" and listed["attempts"] == 2  # down once, then back
