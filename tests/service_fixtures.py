"""A real Service (real databases, real caches) with a scripted model, for API tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from scripted import ScriptedChatModel
from sqlalchemy import create_engine, text

from briefing.llm.backend import Backend
from briefing.service import Service
from briefing.settings import Settings, StructuredMode
from briefing.store.keys import create_key
from briefing_api.app import create_app

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/15"
DRAFT = json.dumps(
    {
        "bluf": "Russia dismissed General Sergey Kisel.",
        "actors": [],
        "developments": [],
        "uncertainties": [],
    }
)


def reset_postgres() -> None:
    """Tests own the `test` database: drop what an earlier run left."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(kind: str, tmp_path: Path) -> str:
    if kind == "postgres":
        reset_postgres()
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'briefing.db'}"


@contextmanager
def running_service(
    settings: Settings, model: ScriptedChatModel | None = None
) -> Iterator[tuple[TestClient, Service, str, ScriptedChatModel]]:
    model = model or ScriptedChatModel(default=DRAFT)
    backend = Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN)
    service = Service(settings, backend=backend)
    app = create_app(settings, service=service)
    _, key = create_key(service.db, "tests", scopes=("read", "write", "admin"))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield client, service, key, model


def alembic_config(url: str) -> Any:
    """An Alembic configuration for the service's migrations on ``url`` (migration tests)."""
    from alembic.config import Config

    from briefing.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


@contextmanager
def briefing_serve(tmp: Path, **settings: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`briefing serve` as users start it, on a free port with its own SQLite database and
    no scheduler (``settings``: more BRIEFING_ variables); yields its base URL and the
    environment (for CLI calls against the same database)."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(
        BRIEFING_DATABASE_URL=f"sqlite:///{tmp / 'serve.db'}",
        BRIEFING_SCHEDULER_ENABLED="false",
        **{f"BRIEFING_{k.upper()}": v for k, v in settings.items()},
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing.cli", "serve", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "briefing serve exited"
            assert time.monotonic() < deadline, "briefing serve did not start"
            time.sleep(0.2)
        yield base, env
    finally:
        proc.terminate()
        proc.wait(20)


def cli_key(env: dict[str, str], name: str) -> str:
    """A new API key made with `briefing keys create` against the database of ``env``."""
    import subprocess
    import sys

    created = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "keys", "create", "--name", name],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().split()[-1]
