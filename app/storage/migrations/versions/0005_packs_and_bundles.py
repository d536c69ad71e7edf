"""USB packs and progress bundles

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 05:30:00

``course_signature`` keeps, per course, the county-signed document it arrived with, so this PC
can copy the course to another PC's pack with the county's signature intact. ``bundle_export``
remembers every progress bundle written to a stick, so the server's receipt can mark exactly
its records delivered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_signature",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_signature_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_course_signature")),
    )
    op.create_table(
        "bundle_export",
        sa.Column("bundle_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("receipt_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("bundle_id", name=op.f("pk_bundle_export")),
    )


def downgrade() -> None:
    op.drop_table("bundle_export")
    op.drop_table("course_signature")
