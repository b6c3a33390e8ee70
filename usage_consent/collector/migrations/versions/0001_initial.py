"""The first tables: reports, report_pairs, tombstones, collector_meta (with the tombstone salt,
generated once here and never changed: a new salt would make every tombstone unrecognisable).

Revision ID: 0001
Revises:
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("received_ms", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_reports_client_id", "reports", ["client_id"])
    op.create_index("ix_reports_received_ms", "reports", ["received_ms"])
    op.create_table(
        "report_pairs",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("received_ms", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(48), nullable=False),
        sa.Column("destination", sa.String(48), nullable=False),
        sa.Column("throughput_gbits", sa.Float, nullable=True),
    )
    op.create_index("ix_report_pairs_client_id", "report_pairs", ["client_id"])
    op.create_index("ix_report_pairs_window", "report_pairs", ["received_ms", "source", "destination"])
    op.create_table(
        "tombstones",
        sa.Column("client_hash", sa.String(64), primary_key=True),
        sa.Column("deleted_ms", sa.BigInteger, nullable=False),
    )
    meta = op.create_table(
        "collector_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.bulk_insert(meta, [{"key": "tombstone_salt", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    for table in ("collector_meta", "tombstones", "report_pairs", "reports"):
        op.drop_table(table)
