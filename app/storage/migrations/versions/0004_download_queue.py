"""download queue

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 03:30:00

Courses someone asked for before this revision get their missing assets queued, so an upgrade
carries on with the downloads it had.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIORITY_TEACHER = 50  # app.storage.downloads.PRIORITY_TEACHER when this revision was written


def upgrade() -> None:
    op.create_table(
        "download_queue",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["asset.sha256"],
            name=op.f("fk_download_queue_sha256_asset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_download_queue")),
    )
    op.create_index("ix_download_queue_order", "download_queue", ["priority", "seq"])
    op.execute(
        sa.text(
            "INSERT OR IGNORE INTO download_queue "
            "(sha256, course_id, priority, seq, queued_at, paused, failures, last_error) "
            "SELECT item.asset_sha256, course.id, :priority, "
            "ROW_NUMBER() OVER (ORDER BY course.download_requested_at, course.id, "
            "item.lesson_position, item.position), course.download_requested_at, 0, 0, '' "
            "FROM item JOIN course ON course.id = item.course_id "
            "JOIN asset ON asset.sha256 = item.asset_sha256 "
            "WHERE course.download_requested_at IS NOT NULL AND asset.stored_at IS NULL "
            "ORDER BY course.download_requested_at, course.id, item.lesson_position, item.position"
        ).bindparams(priority=PRIORITY_TEACHER)
    )


def downgrade() -> None:
    op.drop_index("ix_download_queue_order", table_name="download_queue")
    op.drop_table("download_queue")
