"""Storage and cache layers on the real databases and Redis."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from conftest import ROOT
from service_fixtures import REDIS_URL, database_url
from sqlalchemy import select, text, update

from briefing.cache import DatabaseKV, RedisKV, brief_cache_key
from briefing.errors import StoreUnavailableError
from briefing.schemas.report import Report
from briefing.store import Database
from briefing.store import jobs as job_store
from briefing.store.keys import create_key, revoke_key, verify_key
from briefing.store.models import DeliveryRow, JobRow, utcnow
from briefing.store.reports import add_report


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    database = Database(database_url(request.param, tmp_path))
    database.migrate()
    return database


def test_a_dropped_connection_is_store_unavailable_and_the_next_session_reconnects(
    tmp_path: Path,
) -> None:
    db = Database(database_url("postgres", tmp_path))
    db.migrate()
    dropped = pytest.raises(StoreUnavailableError, match="the database failed: terminating")
    with dropped, db.session() as session:
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    with db.session() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    with pytest.raises(Exception) as raised, db.session() as session:  # a statement's error
        session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, StoreUnavailableError)  # stays what it was


def test_cache_entries_expire(db: Database) -> None:
    kv = DatabaseKV(db, "t")
    kv.set("a", "1", ttl_s=1)
    kv.set("b", "2", ttl_s=None)
    assert kv.get("a") == "1" and kv.get("b") == "2"
    time.sleep(1.2)
    assert kv.get("a") is None and kv.get("b") == "2"
    kv.clear()
    assert kv.get("b") is None


def test_redis_entries_expire() -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    kv = RedisKV(REDIS_URL, "t")
    kv.set("a", "1", ttl_s=1)
    kv.set("b", "2", ttl_s=None)
    assert kv.get("a") == "1"
    time.sleep(1.2)
    assert kv.get("a") is None and kv.get("b") == "2"
    kv.clear()
    assert kv.get("b") is None


def test_jobs_are_claimed_once_and_requeued_after_a_crash(db: Database) -> None:
    report, _ = add_report(db, Report(text="Russia moved ships."))
    first, created = job_store.create_job(db, report.id, "k1", None)
    second, _ = job_store.create_job(db, report.id, "k2", None)
    joined, joined_created = job_store.create_job(db, report.id, "k1", None)
    assert created and not joined_created and joined.id == first.id  # same work: joined
    dead = f"{socket.gethostname()}:999999:dead"  # a process that no longer runs
    claimed = job_store.claim_next(db, dead, 60)
    assert claimed is not None and claimed.id == first.id and claimed.status == "running"
    assert job_store.count_queued(db) == 1
    assert job_store.requeue_abandoned(db, max_attempts=3) == (1, 0)  # its owner is dead
    assert job_store.count_queued(db) == 2
    again = job_store.claim_next(db, dead, 60)
    assert again is not None and again.id == first.id and again.attempts == 2
    assert job_store.claim_next(db, dead, 60).id == second.id  # type: ignore[union-attr]
    assert job_store.claim_next(db, dead, 60) is None


def test_a_live_owners_job_is_never_taken_and_an_expired_lease_is(db: Database) -> None:
    report, _ = add_report(db, Report(text="Russia moved ships again."))
    job, _ = job_store.create_job(db, report.id, "k", None)
    alive = f"{socket.gethostname()}:{os.getpid()}:live"  # this very process
    assert job_store.claim_next(db, alive, 60) is not None
    assert job_store.requeue_abandoned(db, max_attempts=3) == (0, 0)  # leased and alive
    elsewhere = "other-host:123:x"
    with db.session() as s:  # a process on another host whose lease ran out (it hung)
        s.execute(
            update(JobRow)
            .where(JobRow.id == job.id)
            .values(lease_owner=elsewhere, lease_expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    assert job_store.requeue_abandoned(db, max_attempts=3) == (1, 0)
    # Interrupted again and again: given up after max_attempts runs, with a problem.
    for _ in range(2):
        assert job_store.claim_next(db, elsewhere, -1) is not None  # leases expire at once
        job_store.requeue_abandoned(db, max_attempts=3)
    final = job_store.get_job(db, job.id)
    assert final is not None and final.status == "failed" and final.attempts == 3
    assert final.error and final.error["title"] == "Gave up"
    # A finish from an owner that lost the lease does not overwrite the outcome.
    assert not job_store.finish(db, job.id, brief_id=None, owner="someone-else")


def test_api_keys_are_hashed_and_revocable(db: Database) -> None:
    row, plaintext = create_key(db, "analyst tool")
    assert plaintext not in row.hash and row.prefix == plaintext[:10]
    assert verify_key(db, plaintext) is not None
    assert verify_key(db, plaintext + "x") is None
    assert revoke_key(db, row.prefix)
    assert verify_key(db, plaintext) is None
    assert not revoke_key(db, row.id)  # already revoked


def test_cache_key_changes_with_what_made_the_brief() -> None:
    base = {
        "prompt_versions": {"brief": "v1"},
        "schema_version": "1",
        "model": "m",
        "options": {"t": 0},
    }
    key = brief_cache_key("Russia  moved\nships.", **base)  # type: ignore[arg-type]
    assert key == brief_cache_key("Russia moved ships.", **base)  # type: ignore[arg-type]
    for change in (
        {"prompt_versions": {"brief": "v2"}},
        {"schema_version": "2"},
        {"model": "n"},
        {"options": {"t": 1}},
    ):
        assert brief_cache_key("Russia moved ships.", **{**base, **change}) != key  # type: ignore[arg-type]


def test_code_version_moves_with_any_brief_making_source(tmp_path: Path) -> None:
    from briefing.version import code_version, source_digest

    assert code_version().startswith("0.1.0+") and len(code_version()) == len("0.1.0+") + 12
    (tmp_path / "analysis" / "sub").mkdir(parents=True)
    (tmp_path / "analysis" / "a.py").write_text("RULE = 1\n")
    (tmp_path / "analysis" / "sub" / "b.py").write_text("X = 2\n")
    (tmp_path / "analysis" / "notes.txt").write_text("not code")
    (tmp_path / "grounding.py").write_text("Y = 3\n")
    names = ("analysis", "grounding.py")
    before = source_digest(tmp_path, names)
    (tmp_path / "analysis" / "notes.txt").write_text("still not code")
    assert source_digest(tmp_path, names) == before
    (tmp_path / "analysis" / "sub" / "b.py").write_text("X = 3\n")
    assert source_digest(tmp_path, names) != before
    (tmp_path / "analysis" / "sub" / "b.py").write_text("X = 2\n")
    assert source_digest(tmp_path, names) == before
    (tmp_path / "analysis" / "sub" / "b.py").rename(tmp_path / "analysis" / "sub" / "c.py")
    assert source_digest(tmp_path, names) != before  # a moved file is other code


def test_keys_cli_create_list_revoke(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env["BRIEFING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'k.db'}"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "briefing.cli", "keys", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = cli("create", "--name", "ops")
    assert created.returncode == 0 and created.stdout.startswith("brf_")
    assert "shown only now" in created.stderr
    listed = cli("list")
    assert "ops" in listed.stdout and "active" in listed.stdout
    key_id = listed.stdout.split("\t")[0]
    assert cli("revoke", key_id).returncode == 0
    assert "revoked" in cli("list").stdout
    missing = cli("revoke", "nope")
    assert missing.returncode == 2 and "no active key" in missing.stderr


def test_migration_copies_the_tags_of_reports_stored_before_the_tag_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa
    from alembic import command
    from service_fixtures import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0001")
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(
            sa.text(
                "insert into reports (id, sha256, text, format, tags, created_at) "
                "values ('r1', 'h1', 't', 'text', '[\"syria\", \"rare\", \"syria\"]', '2026-01-01 00:00:00')"
            )
        )
    command.upgrade(cfg, "head")
    with engine.begin() as c:
        rows = c.execute(sa.text("select report_id, tag from report_tags order by tag")).fetchall()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("r1", "rare"), ("r1", "syria")]


def test_the_sweep_requeues_abandoned_work_and_resends_lost_tasks(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Celery worker's sweep: a delivery whose sender died mid-send goes back to pending
    (one being sent now stays), a job whose process died is queued again, and the task of
    work queued for longer than a lease is sent again, once a lease."""
    import briefing.tasks as tasks
    from briefing.schemas.digest import Filters
    from briefing.settings import Settings
    from briefing.store import deliveries as delivery_store
    from briefing.store import digests as digest_store

    sent: list[tuple[str, ...]] = []
    monkeypatch.setattr(tasks, "send", lambda _s, task, *args: sent.append((task, *args)) or True)
    now = utcnow()
    digest = digest_store.create_digest(db, since=now, until=now, filters=Filters())
    target = {"kind": "webhook", "url": "https://hooks.example/x"}
    delivery_store.create_deliveries(db, digest.id, None, [target, target])
    stalled = delivery_store.claim_due(db, utcnow())
    assert stalled is not None and stalled.status == "sending"
    report, _ = add_report(db, Report(text="Russia moved ships in the sweep test."))
    job, _ = job_store.create_job(db, report.id, "sweep", None)
    dead = f"{socket.gethostname()}:999999:dead"
    assert job_store.claim_next(db, dead, 60) is not None

    later = now + dt.timedelta(minutes=2)
    fresh = delivery_store.claim_due(db, later)  # taken just now: left alone
    assert fresh is not None
    sweeper = tasks.Sweeper(Settings(database_url=db.url, job_lease_s=10))
    done = sweeper.sweep(later)
    with db.session() as s:
        status = {r.id: r.status for r in s.scalars(select(DeliveryRow))}
    assert status == {stalled.id: "pending", fresh.id: "sending"}
    assert done["requeued"] == 2  # the stalled delivery and the dead process's job
    assert job_store.get_job(db, job.id).status == "queued"  # type: ignore[union-attr]
    assert (tasks.BRIEF, job.id) in sent and (tasks.DIGEST, digest.id) in sent
    assert (tasks.DELIVER,) in sent
    sent.clear()
    sweeper.sweep(later + dt.timedelta(seconds=1))
    assert (tasks.BRIEF, job.id) not in sent  # resent once a lease, not every sweep


def test_briefing_sweep_runs_alone_once_or_until_stopped(tmp_path: Path) -> None:
    """`briefing sweep` (each worker runs one as a child process): `--once` requeues a dead
    process's job and prints what it did; without it, it sweeps every BRIEFING_SWEEP_S and
    ends cleanly on SIGTERM."""
    import signal

    db = Database(database_url("sqlite", tmp_path))
    db.migrate()
    dead = f"{socket.gethostname()}:999999:dead"

    def abandoned_job() -> str:
        report, _ = add_report(db, Report(text=f"Ships moved at {time.time()}."))
        job, _ = job_store.create_job(db, report.id, "sweep", None)
        assert job_store.claim_next(db, dead, 60) is not None
        return job.id

    def status(job_id: str) -> str:
        return job_store.get_job(db, job_id).status  # type: ignore[union-attr]

    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(
        BRIEFING_DATABASE_URL=db.url,
        BRIEFING_BROKER_URL="redis://127.0.0.1:6379/14",
        BRIEFING_SWEEP_S="0.3",
    )
    command = [sys.executable, "-m", "briefing.cli", "sweep"]
    first = abandoned_job()
    once = subprocess.run([*command, "--once"], env=env, cwd=ROOT, capture_output=True)
    assert once.returncode == 0, once.stderr.decode()
    assert json.loads(once.stdout)["requeued"] == 1 and status(first) == "queued"

    second = abandoned_job()
    looping = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while status(second) != "queued":
        assert looping.poll() is None and time.monotonic() < deadline, "not swept"
        time.sleep(0.2)
    looping.send_signal(signal.SIGTERM)
    assert looping.wait(10) == 0
    assert looping.stderr is not None and b"Traceback" not in looping.stderr.read()
