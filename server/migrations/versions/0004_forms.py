"""Questionnaires and quizzes.

``form_version`` keeps every published version of a form (a questionnaire or quiz item, or a
form published on its own), its :class:`wire.forms.FormSpec` as canonical JSON, so the
county's reports read each response against the version it answered. One row per
``(form_id, version)``; see :mod:`server.form_store`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "form_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("form_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("published_at", _UTC, nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("asset_sha256", sa.String(64), nullable=False),
        sa.Column("standalone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_form_version_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["asset_sha256"], ["asset.sha256"], name=op.f("fk_form_version_asset_sha256_asset")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_version")),
        sa.UniqueConstraint("form_id", "version", name=op.f("uq_form_version_form_id")),
    )


def downgrade() -> None:
    op.drop_table("form_version")
