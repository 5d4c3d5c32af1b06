"""The store's tables, as SQLAlchemy Core metadata (the migrations create the same schema).

Kept apart on purpose:
- ``runs`` / ``run_scope`` / ``findings`` / ``finding_changes`` / ``voucher_lines`` are written
  once per run and never updated: what each run saw (a town's voucher lines are stored once by
  the run that first saw them as they are; ``town_rows.lines_from`` says which run that is);
- ``run_cases`` holds each run's cases (what an inspector decides: a voucher with its flagged
  lines, or a pattern of vouchers), one row per case as in findings.parquet, written once too;
- ``cases`` holds one row per entry ever flagged: is it open or resolved, its current content
  hash and the case it belongs to now (``case_id``);
- ``dispositions`` holds inspectors' decisions: a decision on a case is one row per entry of
  the case, keyed by ``entry_id`` + ``content_hash`` and naming the ``case_id`` it was made on;
  runs never write there, so a rerun cannot overwrite a decision;
- ``audit_trail`` is append-only and hash-chained.
Money is integer fen (分); timestamps are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone, so add it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamps must carry a time zone: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UTC_TIME = UTCDateTime()
TEXT = sa.Text()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", UTC_TIME, nullable=False),
    sa.Column("finished_at", UTC_TIME, nullable=False),
    sa.Column("recorded_at", UTC_TIME, nullable=False),
    sa.Column("inputs", TEXT, nullable=False),  # JSON list of paths
    sa.Column("out_dir", TEXT, nullable=False),
    sa.Column("params", TEXT, nullable=False),  # JSON
    sa.Column("n_entries", sa.Integer, nullable=False),
    sa.Column("n_findings", sa.Integer, nullable=False),
    sa.Column("n_new", sa.Integer, nullable=False),
    sa.Column("n_resolved", sa.Integer, nullable=False),
    sa.Column("n_changed", sa.Integer, nullable=False),
    sa.Column("n_unchanged", sa.Integer, nullable=False),
    sa.Column("n_quarantined", sa.Integer, nullable=False),
    # the same counts for cases (review/reconcile.py); none for runs recorded before cases
    sa.Column("n_new_cases", sa.Integer, nullable=True),
    sa.Column("n_resolved_cases", sa.Integer, nullable=True),
    sa.Column("n_changed_cases", sa.Integer, nullable=True),
    sa.Column("n_unchanged_cases", sa.Integer, nullable=True),
)

# The (town, village, period) cells a run loaded: only these can have findings resolved by it.
run_scope = sa.Table(
    "run_scope",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("village", TEXT, primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("n_entries", sa.Integer, nullable=False),
    sa.Column("n_findings", sa.Integer, nullable=False),
)


# Which towns each input file of a run loaded entries for: quarantined rows carry only their
# file, so this is how a town's users see their own files' quarantine and no other's.
run_files = sa.Table(
    "run_files",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("source_file", TEXT, primary_key=True),
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("n_entries", sa.Integer, nullable=False),
)


def _entry_columns(*, entry_id_in_key: bool) -> list[sa.Column]:
    """The canonical entry's columns (checks/entry_schema.py), fresh for each table."""
    return [
        sa.Column("town", TEXT, nullable=False),
        sa.Column("village", TEXT, nullable=False),
        sa.Column("org_code", TEXT, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("voucher_date", sa.Date, nullable=False),
        sa.Column("voucher_word", TEXT, nullable=False),
        sa.Column("voucher_number", sa.BigInteger, nullable=False),
        sa.Column("voucher_no", TEXT, nullable=False),
        sa.Column("line_no", sa.BigInteger, nullable=False),
        sa.Column("summary", TEXT, nullable=False),
        sa.Column("account_code", TEXT, nullable=False),
        sa.Column("account_name", TEXT, nullable=False),
        sa.Column("debit_fen", sa.BigInteger, nullable=False),
        sa.Column("credit_fen", sa.BigInteger, nullable=False),
        sa.Column("counterparty", TEXT, nullable=False),
        sa.Column("settlement", TEXT, nullable=False),
        sa.Column("attachments", sa.BigInteger, nullable=True),
        sa.Column("decision_ref", TEXT, nullable=False),
        sa.Column("contract_ref", TEXT, nullable=False),
        sa.Column("preparer", TEXT, nullable=False),
        sa.Column("reviewer", TEXT, nullable=False),
        sa.Column("bookkeeper", TEXT, nullable=False),
        sa.Column("source_file", TEXT, nullable=False),
        sa.Column("source_sheet", TEXT, nullable=False),
        sa.Column("source_row", sa.BigInteger, nullable=False),
        sa.Column("entry_id", sa.String(128), primary_key=entry_id_in_key, nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("extra", TEXT, nullable=False),
    ]


ENTRY_FIELD_NAMES = [column.name for column in _entry_columns(entry_id_in_key=False)]

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    *_entry_columns(entry_id_in_key=True),
    sa.Column("risk_score", sa.Float, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("rule_ids", TEXT, nullable=False),  # JSON list
    sa.Column("signals", TEXT, nullable=False),  # JSON list
    sa.Column("reasons", TEXT, nullable=False),
    # the case the entry was part of in this run; none for runs recorded before cases
    sa.Column("case_id", sa.String(64), nullable=True),
    sa.Index(None, "entry_id"),
    sa.Index(None, "run_id", "case_id"),
)

# The cases each run raised, one row per case (findings.parquet): a case's entries are the
# findings of the run with its case_id.
run_cases = sa.Table(
    "run_cases",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("town", TEXT, nullable=False),
    sa.Column("village", TEXT, nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),  # voucher | pattern
    sa.Column("subject_id", TEXT, nullable=False),  # the vouchers, as a person reads them
    sa.Column("periods", TEXT, nullable=False),  # JSON list
    sa.Column("rule_ids", TEXT, nullable=False),  # JSON list
    sa.Column("signals", TEXT, nullable=False),  # JSON list
    sa.Column("risk_score", sa.Float, nullable=False),
    sa.Column("raised_by", sa.String(8), nullable=False),  # rule | model | both
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("reasons", TEXT, nullable=False),  # JSON list, strongest first
    sa.Column("n_entries", sa.Integer, nullable=False),
    sa.Index(None, "case_id"),
)

# What each run changed for each case: new, changed (flagged now) or resolved. A finding of the
# run with no row here is unchanged (review.store.unchanged_findings): a nightly run leaves
# nearly all of them so. Runs recorded before migration 0006 had a row for those too, which it
# removed; "unchanged" stays a valid value, as a downgrade puts those rows back.
finding_changes = sa.Table(
    "finding_changes",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("entry_id", sa.String(128), primary_key=True),
    sa.Column("town", TEXT, nullable=False),
    sa.Column("village", TEXT, nullable=False),
    sa.Column("change", sa.String(16), nullable=False),
    sa.Column("previous_hash", sa.String(128), nullable=True),
    sa.Column("content_hash", sa.String(128), nullable=True),
    sa.CheckConstraint("change IN ('new', 'changed', 'unchanged', 'resolved')", name="change"),
    sa.Index(None, "entry_id"),
)

# Every line of every voucher that holds a finding, as the run saw it.
voucher_lines = sa.Table(
    "voucher_lines",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("entry_id", sa.String(128), primary_key=True),
    sa.Column("town", TEXT, nullable=False),
    sa.Column("village", TEXT, nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("voucher_word", TEXT, nullable=False),
    sa.Column("voucher_number", sa.BigInteger, nullable=False),
    sa.Column("voucher_no", TEXT, nullable=False),
    sa.Column("voucher_date", sa.Date, nullable=False),
    sa.Column("line_no", sa.BigInteger, nullable=False),
    sa.Column("summary", TEXT, nullable=False),
    sa.Column("account_code", TEXT, nullable=False),
    sa.Column("account_name", TEXT, nullable=False),
    sa.Column("debit_fen", sa.BigInteger, nullable=False),
    sa.Column("credit_fen", sa.BigInteger, nullable=False),
    sa.Column("counterparty", TEXT, nullable=False),
    sa.Column("settlement", TEXT, nullable=False),
    sa.Column("source_file", TEXT, nullable=False),
    sa.Column("source_sheet", TEXT, nullable=False),
    sa.Column("source_row", sa.BigInteger, nullable=False),
    sa.Column("flagged", sa.Boolean, nullable=False),
    sa.Index(
        "ix_voucher_lines_voucher",
        "run_id",
        "town",
        "village",
        "period",
        "voucher_word",
        "voucher_number",
    ),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("entry_id", sa.String(128), primary_key=True),
    sa.Column("town", TEXT, nullable=False),
    sa.Column("village", TEXT, nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("content_hash", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("first_run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("last_run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("resolved_run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=True),
    sa.Column("case_id", sa.String(64), nullable=False),  # as the entry's last run grouped it
    sa.CheckConstraint("status IN ('open', 'resolved')", name="status"),
    sa.Index(None, "town", "village", "status"),
    sa.Index(None, "case_id"),
)

dispositions = sa.Table(
    "dispositions",
    metadata,
    sa.Column("disposition_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.String(128), nullable=False),
    sa.Column("content_hash", sa.String(128), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("comment", TEXT, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("decided_at", UTC_TIME, nullable=False),
    sa.Column("case_id", sa.String(64), nullable=False),  # the case the decision was made on
    sa.CheckConstraint("verdict IN ('confirmed', 'explained', 'false_alarm')", name="verdict"),
    sa.Index(None, "entry_id", "content_hash"),
)

# Case work (review/case_work.py): who a case is assigned to and whether someone is
# investigating it. 已结论 is not stored here: a case is concluded when a decision is in force.
case_work = sa.Table(
    "case_work",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("town", TEXT, nullable=False),
    sa.Column("assignee", sa.String(64), nullable=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    sa.CheckConstraint("stage IN ('todo', 'investigating')", name="stage"),
    sa.Index(None, "assignee"),
)

# Evidence attached to a case: the file is kept under the data directory by its content hash
# (review/evidence.py); rows are never updated, a removal is a new row state (removed_*).
case_evidence = sa.Table(
    "case_evidence",
    metadata,
    sa.Column("evidence_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("filename", TEXT, nullable=False),
    sa.Column("content_type", sa.String(128), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("note", TEXT, nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_at", UTC_TIME, nullable=False),
    sa.Index(None, "case_id"),
)

# Append-only; each row's hash covers its content and the previous row's hash. The unique
# previous hash makes a fork (two rows chained to the same predecessor) impossible.
audit_trail = sa.Table(
    "audit_trail",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),  # ISO-8601 UTC, hashed as text
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", TEXT, nullable=False),
    sa.Column("before", TEXT, nullable=False),  # JSON
    sa.Column("after", TEXT, nullable=False),  # JSON
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("towns", TEXT, nullable=False),  # JSON list
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.CheckConstraint("role IN ('inspector', 'lead', 'admin', 'agency')", name="role"),
)

# Titles of rule ids, as the flow declares them, for readable pages.
rule_titles = sa.Table(
    "rule_titles",
    metadata,
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("title", TEXT, nullable=False),
)

# Per-village aggregates, replaced for the cells a run loaded: the summary page and the payee
# history read these instead of millions of lines.
village_accounts = sa.Table(
    "village_accounts",
    metadata,
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("village", TEXT, primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("account_code", sa.String(16), primary_key=True),  # first-level code
    sa.Column("debit_fen", sa.BigInteger, nullable=False),
    sa.Column("credit_fen", sa.BigInteger, nullable=False),
    sa.Column("n_lines", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
)

payee_periods = sa.Table(
    "payee_periods",
    metadata,
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("village", TEXT, primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("counterparty", TEXT, primary_key=True),
    sa.Column("debit_fen", sa.BigInteger, nullable=False),
    sa.Column("credit_fen", sa.BigInteger, nullable=False),
    sa.Column("n_lines", sa.Integer, nullable=False),
    # the money that moved in the vouchers naming the payee (null: recorded before 0010)
    sa.Column("paid_fen", sa.BigInteger),
    sa.Column("received_fen", sa.BigInteger),
    sa.Column("transfer_fen", sa.BigInteger),
    sa.Column("n_vouchers", sa.Integer),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Index(None, "town", "counterparty"),
)

# What the stored rows of each aggregate table hold for a town: a digest of the cells and rows
# the last run that touched the town wrote, so a run whose rows for the town are the same skips
# reading them back (review/store.py: _replace_cells).
aggregate_sources = sa.Table(
    "aggregate_sources",
    metadata,
    sa.Column("table_name", sa.String(32), primary_key=True),
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("rows_digest", sa.String(64), nullable=False),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
)

# Per run and town, a digest of the rows the run stored for the town's findings and their
# vouchers' lines (all but the run id and the rank): a later run whose rows for the town have
# the same digest copies them inside the database instead of sending them again.
town_rows = sa.Table(
    "town_rows",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("rows_digest", sa.String(64), nullable=False),
    sa.Column("copied_from", sa.String(64), nullable=True),  # the run the rows were copied from
    # the run whose voucher_lines rows hold the town's lines (a copy leaves them where they are)
    sa.Column("lines_from", sa.String(64), nullable=False),
    sa.Index(None, "town", "rows_digest"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("source_file", TEXT, nullable=False),
    sa.Column("source_sheet", TEXT, nullable=False),
    sa.Column("source_row", sa.BigInteger, nullable=True),
    sa.Column("column", TEXT, nullable=False),
    sa.Column("reason", TEXT, nullable=False),
    sa.Column("raw", TEXT, nullable=False),
)


# --- locks of the review app (migration 0008) ----------------------------------------------
# The audit trail's ``seal``: an HMAC of each row's hash under a key the database does not hold
# (review/trail_anchor.py); none for rows written before the upgrade.
audit_trail.append_column(sa.Column("seal", sa.String(64), nullable=True))

# Signed-in sessions: the cookie carries only a random id, stored here hashed; signing out,
# a password change or deactivation ends the row (review/sessions.py).
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),  # SHA-256 of the id
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("last_seen_at", UTC_TIME, nullable=False),
    sa.Column("expires_at", UTC_TIME, nullable=False),
    sa.Column("ended_at", UTC_TIME, nullable=True),
    sa.Column("ended_reason", sa.String(16), nullable=True),
    sa.Index(None, "username"),
)

# Sign-in attempts that count for throttling (review/throttle.py): failures, and the
# successes and unlocks that reset an account's count. ``username`` is the name as typed.
sign_in_attempts = sa.Table(
    "sign_in_attempts",
    metadata,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTC_TIME, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.CheckConstraint("outcome IN ('failure', 'success', 'unlock')", name="outcome"),
    sa.Index(None, "username", "at"),
    sa.Index(None, "address", "at"),
)


# --- 三资 registers (migration 0011) --------------------------------------------------------
# What a register case's page shows (flows/stages/registers.py SUBJECT_COLUMNS): the subject's
# name and terms, each finding with its evidence, a contract's schedule with what was matched
# (JSON texts). One row per case, the latest run's: a case no longer found keeps the subject as
# it was last seen, so its page still shows what was found.
register_subjects = sa.Table(
    "register_subjects",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("town", TEXT, nullable=False),
    sa.Column("village", TEXT, nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),  # contract|asset|resource|account
    sa.Column("subject_id", TEXT, nullable=False),
    sa.Column("name", TEXT, nullable=False),
    sa.Column("terms", TEXT, nullable=False),  # JSON object, Chinese keys
    sa.Column("findings", TEXT, nullable=False),  # JSON list
    sa.Column("schedule", TEXT, nullable=False),  # JSON list
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Index(None, "town", "village"),
)

# Per village and year: contracts in force and expiring, rent due, received and overdue. A
# village's rows are replaced whole by each run that checked its registers.
village_contracts = sa.Table(
    "village_contracts",
    metadata,
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("village", TEXT, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("contracts_active", sa.Integer, nullable=False),
    sa.Column("contracts_expiring", sa.Integer, nullable=False),
    sa.Column("rent_due_fen", sa.BigInteger, nullable=False),
    sa.Column("rent_received_fen", sa.BigInteger, nullable=False),
    sa.Column("overdue_fen", sa.BigInteger, nullable=False),
    sa.Column("overdue_items", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
)

# The journal lines register findings rest on (payments, receipts matched to a schedule,
# fixed-asset debits), most of them never flagged themselves: the case page shows them and
# the entry page opens them. The latest run's content per town and entry.
register_lines = sa.Table(
    "register_lines",
    metadata,
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("entry_id", sa.String(128), primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),  # the first case naming the line
    sa.Column("village", TEXT, nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("voucher_date", sa.Date, nullable=True),
    sa.Column("voucher_no", TEXT, nullable=False),
    sa.Column("line_no", sa.BigInteger, nullable=False),
    sa.Column("summary", TEXT, nullable=False),
    sa.Column("account_code", TEXT, nullable=False),
    sa.Column("account_name", TEXT, nullable=False),
    sa.Column("debit_fen", sa.BigInteger, nullable=False),
    sa.Column("credit_fen", sa.BigInteger, nullable=False),
    sa.Column("counterparty", TEXT, nullable=False),
    sa.Column("contract_ref", TEXT, nullable=False),
    sa.Column("source_file", TEXT, nullable=False),
    sa.Column("source_sheet", TEXT, nullable=False),
    sa.Column("source_row", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
)
# Village scorecards (models/scorecards.py): per village and year, the indicators, their
# year-on-year changes and the three-colour warning, as the latest run that saw the village
# computed them (a village's rows replaced whole). Money in fen; shares and ratios as floats,
# empty where they cannot be computed.
scorecards = sa.Table(
    "scorecards",
    metadata,
    sa.Column("town", TEXT, primary_key=True),
    sa.Column("village", TEXT, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("income_fen", sa.BigInteger, nullable=False),
    sa.Column("operating_income_fen", sa.BigInteger, nullable=False),
    sa.Column("expense_fen", sa.BigInteger, nullable=False),
    sa.Column("admin_expense_fen", sa.BigInteger, nullable=False),
    sa.Column("admin_expense_share", sa.Float, nullable=True),
    sa.Column("cadre_pay_fen", sa.BigInteger, nullable=False),
    sa.Column("cash_payment_share", sa.Float, nullable=True),
    sa.Column("debt_ratio", sa.Float, nullable=True),
    sa.Column("rent_due_fen", sa.BigInteger, nullable=True),
    sa.Column("rent_received_fen", sa.BigInteger, nullable=True),
    sa.Column("rule_cases", sa.Integer, nullable=False),
    sa.Column("confirmed_cases", sa.Integer, nullable=False),
    sa.Column("open_cases", sa.Integer, nullable=False),
    sa.Column("income_change_fen", sa.BigInteger, nullable=True),
    sa.Column("operating_income_change_fen", sa.BigInteger, nullable=True),
    sa.Column("operating_income_change_share", sa.Float, nullable=True),
    sa.Column("above_income_line", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("status_reasons", TEXT, nullable=False),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.CheckConstraint("status IN ('red', 'yellow', 'green')", name="status"),
)
