"""Sync: the server's identity, schools, devices, teachers, their records, attempt counters.

``server_meta`` gets its one row here, with a new random ``server_id``: a database made afresh
(or downgraded past this revision and upgraded again) is a new server to the clients.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)
_UUID = sa.String(36)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    meta = op.create_table(
        "server_meta",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("server_id", _UUID, nullable=False),
        sa.Column("created", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_meta")),
    )
    op.bulk_insert(meta, [{"id": 1, "server_id": str(uuid.uuid4()), "created": datetime.now(UTC)}])
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enrollment_code", sa.String(16), nullable=False),
        sa.Column("created", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("enrollment_code", name=op.f("uq_school_enrollment_code")),
    )
    op.create_table(
        "device",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("enrolled_at", _UTC, nullable=False),
        sa.Column("revoked_at", _UTC, nullable=True),
        sa.Column("last_seen", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_device_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_device_token_sha256")),
    )
    op.create_table(
        "teacher",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("school", sa.String(200), nullable=False),
        sa.Column("gender", sa.String(16), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("pin_salt", sa.String(32), nullable=False),
        sa.Column("pin_params", sa.String(64), nullable=False),
        sa.Column("profile_seq", _SEQ, nullable=False),
        sa.Column("created_device_id", _UUID, nullable=False),
        sa.Column("created", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_device_id"], ["device.id"], name=op.f("fk_teacher_created_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher")),
    )
    op.create_table(
        "device_teacher",
        sa.Column("device_id", _UUID, nullable=False),
        sa.Column("teacher_id", _UUID, nullable=False),
        sa.Column("how", sa.String(8), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.CheckConstraint("how IN ('created', 'claimed')", name=op.f("ck_device_teacher_how")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_device_teacher_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teacher.id"], name=op.f("fk_device_teacher_teacher_id_teacher")
        ),
        sa.PrimaryKeyConstraint("device_id", "teacher_id", name=op.f("pk_device_teacher")),
    )
    op.create_table(
        "record",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("id", _UUID, nullable=False),
        sa.Column("teacher_id", _UUID, nullable=False),
        sa.Column("device_id", _UUID, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("item", sa.String(130), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("at_corrected", _UTC, nullable=False),
        sa.Column("received", _UTC, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_record_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teacher.id"], name=op.f("fk_record_teacher_id_teacher")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record")),
        sa.UniqueConstraint("id", name=op.f("uq_record_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_record_teacher_id_seq", "record", ["teacher_id", "seq"])
    op.create_table(
        "attempt",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("window_start", _UTC, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_attempt")),
    )


def downgrade() -> None:
    op.drop_table("attempt")
    op.drop_index("ix_record_teacher_id_seq", table_name="record")
    op.drop_table("record")
    op.drop_table("device_teacher")
    op.drop_table("teacher")
    op.drop_table("device")
    op.drop_table("school")
    op.drop_table("server_meta")
