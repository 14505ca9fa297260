"""Alembic environment: runs on the connection briefing hands over, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from briefing.store.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Full-text index objects made by raw SQL in migration 0003 (SQLite's FTS5 table and its
    shadow tables, PostgreSQL's expression index) are not in the models: leave them be."""
    if type_ == "table" and name and name.startswith("passages_fts"):
        return False
    return not (type_ == "index" and name == "ix_passages_tsv")


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
