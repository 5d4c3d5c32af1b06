"""docs/reading-exports.md documents every profile key, every field and every skip reason."""

from __future__ import annotations

from pathlib import Path

from flows.ingest.conventions import FIELDS, SKIP_REASONS
from flows.ingest.profiles import ImportProfile

DOC = (Path(__file__).resolve().parents[2] / "docs" / "reading-exports.md").read_text(
    encoding="utf-8")


def test_every_profile_key_is_documented() -> None:
    missing = [key for key in ImportProfile.model_fields if f"| `{key}` |" not in DOC]
    assert not missing, f"docs/reading-exports.md lacks the profile keys {missing}"


def test_every_field_a_profile_may_name_is_documented() -> None:
    missing = [name for name in FIELDS if f"`{name}`" not in DOC]
    assert not missing, f"docs/reading-exports.md lacks the fields {missing}"


def test_every_skip_reason_is_documented() -> None:
    missing = [label for label in SKIP_REASONS.values() if f"| {label} |" not in DOC]
    assert not missing, f"docs/reading-exports.md lacks the skip reasons {missing}"
