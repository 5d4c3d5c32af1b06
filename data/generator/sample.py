"""The committed sample in data/sample/: the one call that makes it.

Rebuild it with ``python -m data.generator.sample``; a test remakes it in a temporary folder and
compares every byte, so the sample never drifts from the generator.
"""

from __future__ import annotations

from pathlib import Path

from data.generator.ledgers import GenerationResult, generate_ledgers

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_ARGUMENTS = {
    "villages": 8,
    "years": (2023, 2024),
    "seed": 7,
    "lines_per_village_year": 400,
}
GENERATED_SUFFIXES = (".csv", ".xlsx")


def sample_call() -> str:
    """The generating call as it is written in data/sample/README.md."""
    arguments = ", ".join(f"{name}={value!r}" for name, value in SAMPLE_ARGUMENTS.items())
    return f'generate_ledgers(Path("data/sample"), {arguments})'


def write_sample(out_dir: Path = SAMPLE_DIR) -> GenerationResult:
    """Regenerate the sample, removing files of an earlier generation first."""
    for path in out_dir.glob("*"):
        if path.suffix in GENERATED_SUFFIXES:
            path.unlink()
    return generate_ledgers(out_dir, **SAMPLE_ARGUMENTS)


if __name__ == "__main__":
    result = write_sample()
    print(f"{len(result.files)} files, {result.n_lines} lines, labels in {result.labels_path}")
