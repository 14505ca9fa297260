"""passages: report sentences indexed for full-text search (chat retrieval)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("suspect", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passages_report_id"), ["report_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # External-content FTS5 table kept in step with `passages` by triggers.
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
    else:
        op.execute(
            "CREATE INDEX ix_passages_tsv ON passages USING GIN (to_tsvector('english', text))"
        )
    # Passages of the reports stored before this table.
    from briefing.store.passages import index_rows

    reports = sa.table("reports", sa.column("id", sa.String), sa.column("text", sa.Text))
    index_rows(bind, bind.execute(sa.select(reports.c.id, reports.c.text)))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS passages_ad")
        op.execute("DROP TRIGGER IF EXISTS passages_ai")
        op.execute("DROP TABLE IF EXISTS passages_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_passages_tsv")
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passages_report_id"))
    op.drop_table("passages")
