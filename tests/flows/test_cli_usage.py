"""Messages a user trusts: a usage mistake is one Chinese line on standard error with exit
status 2, told before Prefect starts (no Prefect imported, no server, no traceback); argparse
speaks Chinese; the output files are explained."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.chinese_argparse import EXIT_USAGE
from flows.cli import EXIT_UNREADABLE_FILES, build_parser, main, output_guide

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT / "data" / "sample"
# Runs main() in a fresh interpreter, then says whether Prefect was imported at all.
PROBE = """import sys
from flows.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:  # argparse's
    code = stop.code
print("PREFECT_IMPORTED=%s" % ("prefect" in sys.modules))
sys.exit(code)
"""


def _sanzi(tmp_path: Path, *argv: str | Path) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("PREFECT_")} | {
        "SANZI_DATA_DIR": str(tmp_path / "data"), "SANZI_DB_URL": ""}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, argv)], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=120, check=False)


def _told_in_one_line(done: subprocess.CompletedProcess[str], tmp_path: Path) -> str:
    """The one line on standard error, after checking that nothing of Prefect started."""
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "PREFECT_IMPORTED=False" in done.stdout
    assert not (tmp_path / "data" / "prefect" / "prefect.db").exists()  # no server started
    return lines[0]


@pytest.fixture
def params_file(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "county.yaml"
        path.write_text(text, encoding="utf-8")
        return path
    return write


def test_a_missing_input_is_one_line(tmp_path):
    line = _told_in_one_line(_sanzi(tmp_path, "run", "--input", "没有这个文件夹", "--out", "o"),
                             tmp_path)
    assert line == "错误：输入路径不存在：没有这个文件夹（请检查 --input）"


def test_a_folder_without_ledger_files_is_one_line(tmp_path):
    (tmp_path / "空文件夹").mkdir()
    (tmp_path / "空文件夹" / "说明.txt").write_text("x", encoding="utf-8")
    line = _told_in_one_line(_sanzi(tmp_path, "run", "--input", "空文件夹", "--out", "o"),
                             tmp_path)
    assert line.startswith("错误：空文件夹 中没有账套文件（.csv、.xls、.xlsx）")


@pytest.mark.parametrize(("text", "told"), [
    ("thresholds:\n  cash_holding_limit: 很多\n",
     "有误：thresholds.cash_holding_limit：应为数字"),
    ("thresholdz:\n  cash_holding_limit: 1\n", "有误：thresholdz：不是已知的参数"),
    ("review: [\n", "不是有效的 YAML：第 2 行第 1 列附近有格式错误"),
    ("- 1\n- 2\n", "的顶层应为键值映射"),
])
def test_a_bad_parameters_file_is_one_line(tmp_path, params_file, text, told):
    path = params_file(text)
    line = _told_in_one_line(
        _sanzi(tmp_path, "run", "--input", SAMPLE, "--out", "o", "--config", path), tmp_path)
    assert line.startswith("错误：参数文件") and told in line


def test_a_missing_parameters_file_is_one_line(tmp_path):
    line = _told_in_one_line(_sanzi(tmp_path, "rules", "--config", "没有.yaml"), tmp_path)
    assert line == "错误：参数文件不存在：没有.yaml"


def test_a_rerun_with_a_month_that_does_not_exist_is_one_line(tmp_path):
    line = _told_in_one_line(_sanzi(tmp_path, "rerun", "--period", "2024-03", "2024-13"),
                             tmp_path)
    assert line == "错误：会计期间 2024-13 无效：应为 年-月，月份 01–12，如 2024-03"


def test_a_rerun_before_any_run_is_one_line(tmp_path):
    line = _told_in_one_line(_sanzi(tmp_path, "rerun"), tmp_path)
    assert line.startswith("错误：复核库中还没有审计记录")


def test_a_rerun_naming_a_village_never_audited_is_one_line(tmp_path):
    from review.db import open_store
    from review.store import record_run
    from review.trail_anchor import TrailKeys
    from tests.review.ledgers import ledger_rows, scored_frame

    store = open_store(f"sqlite:///{tmp_path / 'data' / 'review.sqlite3'}",
                       trail=TrailKeys(tmp_path / "data"))
    record_run(store, run_id="run-1", started_at="2026-11-24T08:00:00+00:00",
               finished_at="2026-11-24T08:01:00+00:00", inputs=[str(SAMPLE)], out_dir="o",
               params={"county": "默认县"}, entries=scored_frame(ledger_rows()))
    store.dispose()
    line = _told_in_one_line(_sanzi(tmp_path, "rerun", "--village", "下坝村", "不存在村"),
                             tmp_path)
    assert line == "错误：以往的审计中没有这些村：不存在村（请检查村名）"


def test_a_nightly_without_its_inbox_is_one_line(tmp_path):
    line = _told_in_one_line(
        _sanzi(tmp_path, "nightly", "--inbox", "收件箱", "--out", "runs"), tmp_path)
    assert line == "错误：收件箱文件夹不存在：收件箱（请检查 --inbox）"


def test_the_review_demo_before_the_demo_is_one_line(tmp_path):
    line = _told_in_one_line(_sanzi(tmp_path, "serve-review", "--demo"), tmp_path)
    assert line == "错误：还没有演示数据：请先运行 make demo"


def test_command_line_mistakes_are_one_chinese_line(tmp_path):
    missing = _told_in_one_line(_sanzi(tmp_path, "run"), tmp_path)
    assert missing == "错误：缺少必需的参数：--input, --out（用法见 sanzi-audit run -h）"
    wrong = _told_in_one_line(_sanzi(tmp_path, "sample", "--out", "x", "--villages", "八"),
                              tmp_path)
    assert wrong == ("错误：参数 --villages：取值 '八' 无效，应为整数"
                     "（用法见 sanzi-audit sample -h）")
    unknown = _told_in_one_line(_sanzi(tmp_path, "audit"), tmp_path)
    assert unknown.startswith("错误：参数 命令：无效的取值 'audit'（可选：'run', ")


def test_help_speaks_chinese_and_keeps_the_flags(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["run", "-h"])
    shown = capsys.readouterr().out
    assert exited.value.code == 0
    assert shown.startswith("用法：sanzi-audit run [-h] --input PATH")
    assert "选项:" in shown and "显示本帮助并退出" in shown
    assert "usage" not in shown and "options" not in shown and "show this help" not in shown


def test_the_output_files_are_explained_first_to_open_first():
    outputs = {name: f"/o/{file}" for name, file in [
        ("entries", "entries.parquet"), ("findings", "findings.parquet"),
        ("findings_csv", "findings.csv"), ("findings_xlsx", "findings.xlsx"),
        ("quarantine", "quarantine.csv"), ("run", "run.json")]}
    guide = output_guide(outputs)
    assert guide[0].startswith("  findings.xlsx：疑点清单（先打开这个）")
    assert [line.split("：")[0].strip() for line in guide] == [
        "findings.xlsx", "findings.csv", "quarantine.csv", "run.json", "entries.parquet",
        "findings.parquet"]
    assert all("：" in line for line in guide)


def test_a_time_zone_that_does_not_exist_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SANZI_TIMEZONE", "Asia/不存在")
    line = _told_in_one_line(_sanzi(tmp_path, "run", "--input", SAMPLE, "--out", "o"), tmp_path)
    assert line.startswith("错误：环境变量 SANZI_TIMEZONE='Asia/不存在' 不是有效的时区")


@pytest.mark.parametrize(("zone", "shown"), [("Asia/Shanghai", "08:00"), ("UTC", "00:00")])
def test_log_lines_tell_time_in_the_configured_zone(monkeypatch, zone, shown):
    import logging

    from prefect.logging.formatters import PrefectFormatter

    from flows.cli import _flow_settings
    from flows.settings import load_settings

    monkeypatch.setattr(PrefectFormatter, "converter", PrefectFormatter.converter)
    monkeypatch.setenv("SANZI_TIMEZONE", zone)
    _flow_settings(load_settings().zone)
    record = logging.LogRecord("prefect.flow_runs", logging.INFO, "", 0, "x", None, None)
    record.created = 0.0  # 1970-01-01 00:00 UTC
    assert PrefectFormatter("%(asctime)s", "%H:%M").format(record) == shown


@pytest.mark.prefect
def test_a_run_that_loads_no_entry_says_so_and_fails(prefect_harness, tmp_path, capsys):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "青石镇_坳山村_2023.csv").write_text(
        "凭证日期,凭证号,摘要,科目编码,科目名称,借方金额,贷方金额\n", encoding="utf-8")
    code = main(["run", "--input", str(inputs), "--out", str(tmp_path / "out")])
    told = capsys.readouterr()
    assert code == EXIT_UNREADABLE_FILES
    assert "没有载入任何分录：1 个文件中都没有可审计的凭证行" in told.err
