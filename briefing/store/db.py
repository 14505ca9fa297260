"""Engine, sessions and migrations. SQLite (WAL) by default, PostgreSQL via psycopg 3."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from briefing.errors import ConfigError, StoreUnavailableError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = 0x6272_6966  # PostgreSQL advisory lock key held while migrating ("brif")


class Database:
    """One engine and its session factory; ``migrate()`` brings the schema to head."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise ConfigError(f"BRIEFING_DATABASE_URL is not a database URL: {exc}") from None
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # Report text, prompts and keys never reach an error message or a log line.
        kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrated = False
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction, committed on leaving. A lost or refused connection (the server
        restarted, an administrator ended it, SQLite stayed locked) is
        StoreUnavailableError: the caller may try again; the next session reconnects."""
        try:
            with self.sessions() as session, session.begin():
                yield session
        except DBAPIError as exc:
            lost = isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
            if not lost:
                raise  # the statement's own error (a missing table, a constraint)
            raise StoreUnavailableError(f"the database failed: {_reason(exc)}") from exc

    def migrate(self) -> None:
        """Run Alembic migrations to head (once per process)."""
        with self._lock:
            if self._migrated:
                return
            from alembic import command
            from alembic.config import Config

            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
            with self.engine.begin() as connection:
                if not self.is_sqlite:
                    # Replicas starting together on one database migrate one at a time (the
                    # others wait here, then find the schema at head).
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            self._migrated = True

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _reason(exc: DBAPIError) -> str:
    """The driver's first line (hide_parameters keeps report text out of it)."""
    said = str(exc.orig).strip()
    return said.splitlines()[0] if said else type(exc).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
