"""Environment settings: where runtime data lives and how Prefect runs locally.

Audit parameters (thresholds, model, review budget) are not here: they live in the parameters
file loaded by :mod:`checks.params` and travel with each run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TIME_ZONE = "Asia/Shanghai"
# The sample ledgers' answer key, which ``sanzi-audit sample`` writes beside them; no agency's
# export has it, so a folder holding it is sample data (:func:`is_sample`).
SAMPLE_LABELS = "labels.csv"
SAMPLE_SETTINGS = ("SANZI_DATA_DIR", "SANZI_DB_URL")  # what :func:`sample_environment` sets


@dataclass(frozen=True)
class Settings:
    """Settings read from the environment once, at the edge of the program."""

    data_dir: Path
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        """The zone of every time a person reads: folder names, logs, run.json, the web app."""
        return ZoneInfo(self.time_zone)

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


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment: ``SANZI_DATA_DIR`` (default ``var/`` in the
    project) and ``SANZI_TIMEZONE`` (an IANA name, default Asia/Shanghai)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("SANZI_DATA_DIR") or PROJECT_ROOT / "var").expanduser().resolve()
    time_zone = env.get("SANZI_TIMEZONE") or DEFAULT_TIME_ZONE
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"环境变量 SANZI_TIMEZONE={time_zone!r} 不是有效的时区，"
                         "应为 IANA 名称，如 Asia/Shanghai") from error
    return Settings(data_dir=data_dir, time_zone=time_zone)


def local_zone() -> ZoneInfo:
    """The configured zone (``SANZI_TIMEZONE``), for code that has no settings at hand."""
    return load_settings().zone


def is_sample(inputs: list[str | Path]) -> bool:
    """Whether every input is sample ledgers: a folder holding the generator's answer key, or
    a file beside it."""
    folders = [Path(item) if Path(item).is_dir() else Path(item).parent for item in inputs]
    return bool(folders) and all((folder / SAMPLE_LABELS).is_file() for folder in folders)


def sample_environment(settings: Settings) -> dict[str, str]:
    """The environment's changes for a demo or a sample's audit: the demo data directory, and
    its own SQLite store even where ``SANZI_DB_URL`` names the real audits' database (the
    empty value is read as unset, :func:`review.store.default_store_url`)."""
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
