"""Settings: the time zone people read, and the demo data directory that keeps sample ledgers
away from the real audits' store."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import is_sample, load_settings, sample_environment
from review.store import default_store_url

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_the_zone_is_asia_shanghai_unless_set(tmp_path):
    assert load_settings({"SANZI_DATA_DIR": str(tmp_path)}).time_zone == "Asia/Shanghai"
    assert load_settings({"SANZI_TIMEZONE": "Asia/Urumqi"}).zone.key == "Asia/Urumqi"
    with pytest.raises(ValueError, match="SANZI_TIMEZONE"):
        load_settings({"SANZI_TIMEZONE": "北京时间"})


def test_sample_ledgers_are_told_by_the_generators_answer_key(tmp_path):
    assert is_sample([SAMPLE]) and is_sample([SAMPLE / "青石镇_坳山村_2023.csv"])
    (tmp_path / "青石镇_坳山村_2023.csv").write_text("x", encoding="utf-8")
    assert not is_sample([tmp_path]) and not is_sample([SAMPLE, tmp_path]) and not is_sample([])


def test_a_samples_store_is_in_the_demo_data_directory_even_beside_postgresql(tmp_path):
    real = {"SANZI_DATA_DIR": str(tmp_path), "SANZI_DB_URL": "postgresql+psycopg://a@b/real"}
    demo = real | sample_environment(load_settings(real))
    assert demo["SANZI_DATA_DIR"] == str(tmp_path / "demo")
    assert default_store_url(demo) == f"sqlite:///{tmp_path / 'demo' / 'review.sqlite3'}"
