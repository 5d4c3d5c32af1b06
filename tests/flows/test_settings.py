"""Settings: every SANZI_* variable read once into one typed object, documented, and read nowhere
else; the time zone people read; the demo data directory that keeps sample ledgers away from the
real audits' store."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from flows.settings import ENV_PREFIX, Settings, is_sample, load_settings, sample_environment

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT / "data" / "sample"
VARIABLES = [ENV_PREFIX + name.upper() for name in Settings.model_fields]
# The program's edges, where the environment is read: the settings themselves, and Prefect's own
# variables (PREFECT_*) where the command line, its server and the worker processes set them up.
EDGES = {"flows/settings.py", "flows/cli.py", "flows/runners.py", "flows/server.py"}


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment of SANZI_* variables, with the data directory in ``tmp_path``."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SANZI_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_each_setting_has_its_documented_default(environment, tmp_path):
    settings = load_settings()
    assert settings.data_dir == tmp_path.resolve() and settings.timezone == "Asia/Shanghai"
    assert settings.store_url == f"sqlite:///{tmp_path.resolve() / 'review.sqlite3'}"
    assert settings.secret_key is None and settings.trail_key is None
    assert settings.secure_cookies is False and settings.dask_address is None
    assert settings.review_url == "http://127.0.0.1:8000"
    environment.delenv("SANZI_DATA_DIR")
    assert load_settings().data_dir == PROJECT / "var"


def test_each_variable_sets_its_setting(environment, tmp_path):
    values = {"SANZI_TIMEZONE": "Asia/Urumqi", "SANZI_DB_URL": "postgresql+psycopg://a:pw@b/c",
              "SANZI_SECRET_KEY": "cookie-secret", "SANZI_SECURE_COOKIES": " 1 ",
              "SANZI_TRAIL_KEY": "trail-secret", "SANZI_REVIEW_URL": "https://shenji.example.cn",
              "SANZI_DASK_ADDRESS": "tcp://dask:8786"}
    for name, value in values.items():
        environment.setenv(name, value)
    settings = load_settings()
    assert settings.zone.key == "Asia/Urumqi" and settings.secure_cookies is True
    assert settings.store_url == "postgresql+psycopg://a:pw@b/c"
    assert settings.trail.anchor().key == b"trail-secret"
    assert not (tmp_path / "trail_key").exists()  # the given key, no key file made
    assert (settings.review_url, settings.dask_address) == (
        "https://shenji.example.cn", "tcp://dask:8786")
    shown = repr(settings)
    assert "pw@" not in shown and "cookie-secret" not in shown and "trail-secret" not in shown


def test_an_empty_variable_counts_as_unset(environment, tmp_path):
    environment.setenv("SANZI_DB_URL", "")
    environment.setenv("SANZI_TIMEZONE", "")
    settings = load_settings()
    assert settings.store_url.startswith("sqlite:///") and settings.timezone == "Asia/Shanghai"


def test_a_wrong_value_is_one_line_naming_its_variable(environment):
    environment.setenv("SANZI_TIMEZONE", "北京时间")
    with pytest.raises(ValueError, match=r"^环境变量 SANZI_TIMEZONE='北京时间' 不是有效的时区"):
        load_settings()
    environment.setenv("SANZI_TIMEZONE", "UTC")
    environment.setenv("SANZI_SECURE_COOKIES", "maybe")
    with pytest.raises(ValueError, match=r"^环境变量 SANZI_SECURE_COOKIES='maybe' 应为 1 或 0"):
        load_settings()


def test_every_setting_is_in_the_operations_table_and_nothing_else_is():
    operations = (PROJECT / "docs" / "operations.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(SANZI_[A-Z_]+)` \|", operations, flags=re.MULTILINE))
    assert documented == set(VARIABLES)
    for name, field in Settings.model_fields.items():  # the field says which variable it is
        assert field.description.startswith(f"{ENV_PREFIX}{name.upper()}:")


def _reads_the_environment(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "getenvb"}:
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                alias.name in {"environ", "getenv"} for alias in node.names):
            return True
    return False


def test_only_the_edges_read_the_environment():
    """Stages, the store, the checks and the models are given values; they never look."""
    readers = {str(path.relative_to(PROJECT)) for package in ("flows", "review", "checks",
                                                                "models", "sheets")
               for path in (PROJECT / package).rglob("*.py") if _reads_the_environment(path)}
    assert readers <= EDGES, sorted(readers - EDGES)
    assert _reads_the_environment(PROJECT / "flows" / "settings.py")  # the check can see one


def test_sample_ledgers_are_told_by_the_generators_answer_key(tmp_path):
    assert is_sample([SAMPLE]) and is_sample([SAMPLE / "青石镇_坳山村_2023.csv"])
    (tmp_path / "青石镇_坳山村_2023.csv").write_text("x", encoding="utf-8")
    assert not is_sample([tmp_path]) and not is_sample([SAMPLE, tmp_path]) and not is_sample([])


def test_a_samples_store_is_in_the_demo_data_directory_even_beside_postgresql(environment,
                                                                              tmp_path):
    environment.setenv("SANZI_DB_URL", "postgresql+psycopg://a@b/real")
    for name, value in sample_environment(load_settings()).items():
        environment.setenv(name, value)
    demo = load_settings()
    assert demo.data_dir == tmp_path.resolve() / "demo"
    assert demo.store_url == f"sqlite:///{tmp_path.resolve() / 'demo' / 'review.sqlite3'}"
