"""sync state: record origin, per-teacher sync state, refused records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 01:19:28.423530

Profiles made before this revision get the ``profile.created`` record that the outbox needs to
tell the server about them (without a PIN verifier: this revision cannot know the PIN; the next
PIN change sends one).
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_problem",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("noted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_sync_problem")),
    )
    op.create_table(
        "teacher_sync",
        sa.Column("profile_id", sa.String(length=36), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("pull_cursor", sa.Integer(), nullable=False),
        sa.Column("profile_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_teacher_sync_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_teacher_sync")),
    )
    with op.batch_alter_table("progress_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=8), server_default="local", nullable=False)
        )

    conn = op.get_bind()
    profiles = conn.execute(
        sa.text("SELECT id, name, school, gender, age_band, subject, created_at FROM profile")
    ).all()
    for pid, name, school, gender, age_band, subject, created_at in profiles:
        data = {
            "name": name,
            "school": school,
            "gender": gender,
            "age_band": age_band,
            "subject": subject,
        }
        conn.execute(
            sa.text(
                "INSERT INTO progress_event (id, profile_id, item_id, kind, payload, wall_time, "
                "origin) VALUES (:id, :pid, '', 'profile.created', :payload, :at, 'local')"
            ),
            {
                "id": str(uuid.uuid4()),
                "pid": pid,
                "payload": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                "at": created_at,
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO teacher_sync (profile_id, linked, pull_cursor, profile_seq) "
                "VALUES (:pid, 0, 0, 0)"
            ),
            {"pid": pid},
        )


def downgrade() -> None:
    op.execute("DELETE FROM progress_event WHERE kind LIKE 'profile.%' OR origin = 'pulled'")
    with op.batch_alter_table("progress_event", schema=None) as batch_op:
        batch_op.drop_column("origin")
    op.drop_table("teacher_sync")
    op.drop_table("sync_problem")
