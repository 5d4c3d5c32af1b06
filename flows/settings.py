"""Environment settings: where runtime data lives and how Prefect runs locally.

Audit parameters (thresholds, model, review budget) are not here: they live in the parameters
file loaded by :mod:`checks.params` and travel with each run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Settings read from the environment once, at the edge of the program."""

    data_dir: Path

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
    """Read settings from the environment (``SANZI_DATA_DIR``; default ``var/`` in the project)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("SANZI_DATA_DIR") or PROJECT_ROOT / "var").expanduser().resolve()
    return Settings(data_dir=data_dir)


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
