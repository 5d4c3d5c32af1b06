"""Payee history by the money that moved: paid to, received from, and booked without cash.

``payee_periods`` kept the debit and credit of every line naming a payee, so a voucher that
names the payee on both its lines (费用 debit and 银行存款 credit) counted the amount on both
sides. It gains, per town, village, period and payee: ``paid_fen`` (credits to 库存现金 101
and 银行存款 102 in the vouchers naming the payee), ``received_fen`` (their debits),
``transfer_fen`` (vouchers naming the payee with no cash or bank line: the larger side of the
payee's lines) and ``n_vouchers``. Rows recorded before this revision keep them empty until
their village is recorded again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("paid_fen", "received_fen", "transfer_fen")


def upgrade() -> None:
    with op.batch_alter_table("payee_periods") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("n_vouchers", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payee_periods") as batch:
        for name in (*COLUMNS, "n_vouchers"):
            batch.drop_column(name)
