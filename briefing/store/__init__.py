"""Storage: SQLAlchemy 2 with Alembic migrations; SQLite by default, PostgreSQL by URL."""

from briefing.store.db import Database

__all__ = ["Database"]
