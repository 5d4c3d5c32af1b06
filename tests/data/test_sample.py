"""The committed sample is exactly what the generator makes, and the generator is repeatable."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.generator import generate_ledgers
from data.generator.cases import INJECTIONS
from data.generator.sample import SAMPLE_DIR, sample_call, write_sample

SMALL = {"villages": 4, "years": (2024,), "lines_per_village_year": 150}


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())
            if path.name != "README.md"}


def test_committed_sample_is_byte_identical_to_a_fresh_generation(tmp_path: Path) -> None:
    write_sample(tmp_path)
    committed, fresh = _contents(SAMPLE_DIR), _contents(tmp_path)
    assert sorted(committed) == sorted(fresh)
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], "regenerate with: python -m data.generator.sample"


def test_sample_readme_states_the_generating_call() -> None:
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert sample_call() in readme


def test_sample_is_small_and_has_every_kind_of_case() -> None:
    assert sum(path.stat().st_size for path in SAMPLE_DIR.iterdir()) < 2_000_000
    labels = pd.read_csv(SAMPLE_DIR / "labels.csv", dtype="str", keep_default_na=False)
    counts = pd.concat([labels["pattern"], labels["rule_id"]]).loc[lambda s: s != ""]
    per_kind = labels.assign(key=labels["rule_id"].where(labels["rule_id"] != "",
                                                         labels["pattern"]))
    assert set(INJECTIONS) <= set(counts)
    assert (per_kind.groupby("key")["case_id"].nunique() >= 2).all()


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate_ledgers(tmp_path / "first", seed=3, **SMALL)
    generate_ledgers(tmp_path / "second", seed=3, **SMALL)
    assert _contents(tmp_path / "first") == _contents(tmp_path / "second")


def test_another_seed_gives_other_books(tmp_path: Path) -> None:
    first = generate_ledgers(tmp_path / "first", seed=3, **SMALL)
    other = generate_ledgers(tmp_path / "other", seed=4, **SMALL)
    assert not first.truth["summary"].equals(other.truth["summary"])
