"""`sanzi-audit nightly` through the command line: audit new files once, then nothing."""

import shutil
from pathlib import Path

import pytest

from flows.cli import EXIT_OK, main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.mark.prefect
def test_nightly_audits_new_files_then_does_nothing(prefect_harness, tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE / "青石镇_王垭村_2023.xlsx", inbox)
    arguments = ["nightly", "--inbox", str(inbox), "--out", str(tmp_path / "runs"),
                 "--archive", str(tmp_path / "archive"), "--settle-seconds", "0"]
    assert main(arguments) == EXIT_OK
    assert "审计了 1 个新文件" in capsys.readouterr().out
    assert list(inbox.iterdir()) == []
    assert len(list((tmp_path / "runs").iterdir())) == 1

    shutil.copy(SAMPLE / "青石镇_王垭村_2023.xlsx", inbox / "重新导出.xlsx")  # same bytes
    assert main(arguments) == EXIT_OK
    assert "没有新的或内容有变化的文件" in capsys.readouterr().out
    assert len(list((tmp_path / "runs").iterdir())) == 1
