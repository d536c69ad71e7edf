"""USB packs and progress bundles.

``course_version.signature`` holds the county's signature of the version (JSON of
:class:`wire.api.CatalogSignature`), made once the server has the county key; the catalog
serves it so PCs can copy courses to packs with it.

``bundle_import`` remembers each bundle taken in (``python -m server import-bundle``) with the
receipt written for it, so a bundle brought again is recognised and gets the same receipt, and
one altered under the same id is refused.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)
_UUID = sa.String(36)


def upgrade() -> None:
    with op.batch_alter_table("course_version") as batch:
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
    op.create_table(
        "bundle_import",
        sa.Column("bundle_id", _UUID, nullable=False),
        sa.Column("device_id", _UUID, nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", _UTC, nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_bundle_import_device_id_device")
        ),
        sa.PrimaryKeyConstraint("bundle_id", name=op.f("pk_bundle_import")),
    )


def downgrade() -> None:
    op.drop_table("bundle_import")
    with op.batch_alter_table("course_version") as batch:
        batch.drop_column("signature")
