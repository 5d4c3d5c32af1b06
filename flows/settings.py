"""Environment settings: every ``SANZI_*`` variable, read once into one typed object.

The program's edges build it (:func:`load_settings`): the command line, the flows' entries, the
review app's factory (:mod:`flows.review_app`), a worker process at start. Everything below them
is given values (a path, a zone, an open store), never the environment. The variables, their
defaults and what they do are listed in docs/operations.md; a test holds the two together.

Audit parameters (thresholds, model, review budget) are not here: they live in the parameters
file loaded by :mod:`checks.params` and travel with each run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from review.formatting import DEFAULT_ZONE

if TYPE_CHECKING:  # imported where used: the command line parses arguments without them
    from review.db import Store
    from review.trail_anchor import TrailKeys

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_PREFIX = "SANZI_"
DEFAULT_REVIEW_URL = "http://127.0.0.1:8000"
# The sample ledgers' answer key, which ``sanzi-audit sample`` writes beside them; no agency's
# export has it, so a folder holding it is sample data (:func:`is_sample`).
SAMPLE_LABELS = "labels.csv"
SAMPLE_SETTINGS = ("SANZI_DATA_DIR", "SANZI_DB_URL")  # what :func:`sample_environment` sets
# pydantic's error types → what to write instead, for a variable that holds a wrong value
_ERRORS = {"bool_parsing": "应为 1 或 0（也可写 true/false、yes/no、on/off）"}


class Settings(BaseSettings):
    """Settings read from the environment once, at the edge of the program (an empty variable
    counts as unset)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True)

    data_dir: Path = Field(
        default=PROJECT_ROOT / "var",
        description="SANZI_DATA_DIR: runtime data (Prefect's home, parts, models, the SQLite "
                    "store, evidence files, the trail key)")
    timezone: str = Field(
        default=DEFAULT_ZONE.key,
        description="SANZI_TIMEZONE: the zone of every time a person reads (IANA name)")
    db_url: SecretStr | None = Field(
        default=None,
        description="SANZI_DB_URL: the findings store; unset, SQLite in the data directory")
    secret_key: SecretStr | None = Field(
        default=None,
        description="SANZI_SECRET_KEY: signs the review app's cookies; unset, a key kept in "
                    "the data directory")
    secure_cookies: bool = Field(
        default=False, description="SANZI_SECURE_COOKIES: the review app is reached over HTTPS")
    trail_key: SecretStr | None = Field(
        default=None,
        description="SANZI_TRAIL_KEY: seals the audit trail; unset, the key file in the data "
                    "directory")
    review_url: str = Field(
        default=DEFAULT_REVIEW_URL,
        description="SANZI_REVIEW_URL: the review app's address, linked from Prefect")
    dask_address: str | None = Field(
        default=None,
        description="SANZI_DASK_ADDRESS: a Dask scheduler for the audit's tasks; unset, local "
                    "worker processes")

    @field_validator("*", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        """Spaces around a value are a typing slip (``export SANZI_SECURE_COOKIES=" 1"``)."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("不是有效的时区，应为 IANA 名称，如 Asia/Shanghai") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The zone of every time a person reads: folder names, logs, run.json, the web app."""
        return ZoneInfo(self.timezone)

    @property
    def demo_data_dir(self) -> Path:
        """Where the demo and audits of sample ledgers keep their store, parts and models:
        apart from the real audits' (issue 26: a sample once resolved a demo's findings)."""
        return self.data_dir / "demo"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    @property
    def results_dir(self) -> Path:
        return self.data_dir / "prefect" / "results"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def parts_dir(self) -> Path:
        """Intermediate parts of runs, by content key (:mod:`flows.parts`); safe to delete."""
        return self.data_dir / "parts"

    @property
    def evidence_dir(self) -> Path:
        """Files inspectors attach to cases (back them up with the store)."""
        return self.data_dir / "evidence"

    @property
    def store_url(self) -> str:
        """``SANZI_DB_URL``, else SQLite at ``<data dir>/review.sqlite3``."""
        from review.db import sqlite_url

        return self.db_url.get_secret_value() if self.db_url else sqlite_url(self.data_dir)

    @property
    def trail(self) -> TrailKeys:
        """Where the store's audit trail is sealed and anchored."""
        from review.trail_anchor import TrailKeys

        return TrailKeys(self.data_dir,
                         self.trail_key.get_secret_value() if self.trail_key else None)

    def open_store(self) -> Store:
        """The findings store these settings name, opened and migrated."""
        from review.db import open_store

        return open_store(self.store_url, trail=self.trail)


def load_settings() -> Settings:
    """The settings from the environment; a wrong value is one line naming its variable."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = ENV_PREFIX + str(first["loc"][0]).upper()
        cause = first.get("ctx", {}).get("error")
        what = str(cause) if cause else _ERRORS.get(first["type"], first["msg"])
        raise ValueError(f"环境变量 {name}={first['input']!r} {what}") from None


def is_sample(inputs: list[str | Path]) -> bool:
    """Whether every input is sample ledgers: a folder holding the generator's answer key, or
    a file beside it."""
    folders = [Path(item) if Path(item).is_dir() else Path(item).parent for item in inputs]
    return bool(folders) and all((folder / SAMPLE_LABELS).is_file() for folder in folders)


def sample_environment(settings: Settings) -> dict[str, str]:
    """The environment's changes for a demo or a sample's audit: the demo data directory, and
    its own SQLite store even where ``SANZI_DB_URL`` names the real audits' database (the
    empty value is read as unset)."""
    return {"SANZI_DATA_DIR": str(settings.demo_data_dir), "SANZI_DB_URL": ""}


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Prefect settings that belong to the project, not to the user's home directory.

    The temporary local server takes 8-21 s to start on a 2-core machine, so the startup
    timeout is generous; analytics are off because a fresh database once crashed with
    "database is locked" while they were on.
    """
    return {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(settings.results_dir),
        "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
        "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
    }


def configure_prefect(settings: Settings) -> None:
    """Put the project's Prefect settings into the environment unless the user set them.

    Must run before ``prefect`` is first imported: Prefect reads its settings at import.
    """
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    for name, value in prefect_environment(settings).items():
        os.environ.setdefault(name, value)
