"""Generated ledgers shared by the generator's tests: one county with cases, one without, and
one with the patterns whose evidence lies between entries too."""

from __future__ import annotations

import pandas as pd
import pytest

from data.generator import GenerationResult, generate_ledgers

VILLAGES = 8  # two towns: every layout and variant, two villages per platform file
LINES = 300


@pytest.fixture(scope="session")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate_ledgers(
        tmp_path_factory.mktemp("ledgers"), villages=VILLAGES, lines_per_village_year=LINES
    )


@pytest.fixture(scope="session")
def clean_ledgers(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate_ledgers(
        tmp_path_factory.mktemp("clean"), villages=VILLAGES, lines_per_village_year=LINES,
        inject=False,
    )


@pytest.fixture(scope="session")
def extra_ledgers(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate_ledgers(
        tmp_path_factory.mktemp("extra"), villages=VILLAGES, lines_per_village_year=LINES,
        extra_patterns=True,
    )


def read_labels(result: GenerationResult) -> pd.DataFrame:
    labels = pd.read_csv(result.labels_path, dtype="str", keep_default_na=False,
                         encoding="utf-8-sig")
    labels["source_row"] = labels["source_row"].astype("int64")
    return labels


@pytest.fixture(scope="session")
def labels(ledgers: GenerationResult) -> pd.DataFrame:
    return read_labels(ledgers)


@pytest.fixture(scope="session")
def extra_labels(extra_ledgers: GenerationResult) -> pd.DataFrame:
    return read_labels(extra_ledgers)
