"""passages: brief items beside sentences; entities and injection checks made at index time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 18:40:00

Adds ``kind``, ``extra``, ``entities`` and ``detail`` to ``passages`` and rebuilds the
full-text indexes over ``text`` and ``extra``. Passages stored before keep ``entities`` and
``suspect`` null: chat computes them the first time a search finds them, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FTS_DROP = (
    "DROP TRIGGER IF EXISTS passages_ad",
    "DROP TRIGGER IF EXISTS passages_ai",
    "DROP TABLE IF EXISTS passages_fts",
)


def upgrade() -> None:
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="sentence", nullable=False)
        )
        batch_op.add_column(sa.Column("extra", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("entities", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _FTS_DROP:
            op.execute(statement)
        op.execute(
            "CREATE VIRTUAL TABLE passages_fts USING fts5(text, extra, content='passages',"
            " content_rowid='id', tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN "
            "INSERT INTO passages_fts(rowid, text, extra) VALUES (new.id, new.text, new.extra); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN "
            "INSERT INTO passages_fts(passages_fts, rowid, text, extra) "
            "VALUES ('delete', old.id, old.text, old.extra); END"
        )
        op.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
    else:
        op.execute("DROP INDEX IF EXISTS ix_passages_tsv")
        op.execute(
            "CREATE INDEX ix_passages_tsv ON passages USING GIN "
            "(to_tsvector('english', text || ' ' || coalesce(extra, '')))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    op.execute(sa.text("DELETE FROM passages WHERE kind <> 'sentence'"))
    if bind.dialect.name == "sqlite":
        for statement in _FTS_DROP:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_passages_tsv")
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.drop_column("detail")
        batch_op.drop_column("entities")
        batch_op.drop_column("extra")
        batch_op.drop_column("kind")
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE passages_fts USING fts5("
            "text, content='passages', content_rowid='id', tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN "
            "INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN "
            "INSERT INTO passages_fts(passages_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); END"
        )
        op.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_passages_tsv ON passages USING GIN (to_tsvector('english', text))"
        )
