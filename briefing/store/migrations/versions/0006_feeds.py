"""feeds: RSS and Atom feeds, their items and their error log; a report's publisher grade

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:32:29.510196
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_reliability", sa.String(length=1), nullable=True))
    op.create_table(
        "feeds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("reliability", sa.String(length=1), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.create_index("ix_feeds_enabled_next", ["enabled", "next_poll_at"], unique=False)

    op.create_table(
        "feed_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feed_errors", schema=None) as batch_op:
        batch_op.create_index("ix_feed_errors_feed_at", ["feed_id", "at"], unique=False)

    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed_id", sa.String(length=32), nullable=False),
        sa.Column("guid", sa.String(length=500), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("canonical_url", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=True),
        sa.Column("duplicate_of", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["duplicate_of"], ["reports.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feed_items_canonical_url"), ["canonical_url"], unique=False
        )
        batch_op.create_index("ux_feed_items_feed_guid", ["feed_id", "guid"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.drop_index("ux_feed_items_feed_guid")
        batch_op.drop_index(batch_op.f("ix_feed_items_canonical_url"))

    op.drop_table("feed_items")
    with op.batch_alter_table("feed_errors", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_errors_feed_at")

    op.drop_table("feed_errors")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_index("ix_feeds_enabled_next")

    op.drop_table("feeds")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("source_reliability")
