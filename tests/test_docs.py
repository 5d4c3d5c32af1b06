"""The README and docs/ hold together with the code: every command and option is in the README's
command list with the defaults its --help states, every setting the code reads is documented,
and every link leads to a file of this repository."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from flows.cli import build_parser

PROJECT = Path(__file__).resolve().parents[1]
README = (PROJECT / "README.md").read_text(encoding="utf-8")
PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
CODE = [*PROJECT.glob("flows/**/*.py"), *PROJECT.glob("review/**/*.py"),
        *PROJECT.glob("checks/**/*.py"), *PROJECT.glob("models/**/*.py")]
LINK = re.compile(r"\]\(([^)\s]+)\)")
OPTION = re.compile(r"\[(--[a-z][a-z-]*)((?: [^\[\]]+)?)\]")
METAVAR = re.compile(r"[A-Z][A-Z_-]*|\.\.\.|.*\|.*")  # PATH, YYYY-MM, ..., yes|no
# The working documents the project was written from, kept outside the repository.
OUTSIDE_DOCUMENTS = re.compile(
    r"\b(?:FORMATS|REGISTERS|REFERENCE|DETECTION|REGISTERS-RESEARCH|STYLE)\.md\b")


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by its name as typed: ``run``, ``users add`` …"""
    found = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                        walk(sub, f"{prefix}{name} ")
                    else:
                        found[f"{prefix}{name}"] = sub

    walk(build_parser(), "")
    return found


COMMANDS = _commands()


def _synopsis(command: str) -> str:
    """The README's line for ``command`` in its command list."""
    lines = [line for line in README.splitlines()
             if re.match(rf"sanzi-audit {re.escape(command)}( |$)", line)]
    assert lines, f"README.md's command list lacks `sanzi-audit {command}`"
    return lines[0]


def _help(parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``--help`` prints, whitespace and quotes evened out."""
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    return " ".join(capsys.readouterr().out.replace('"', "").split())


def test_the_readme_is_a_front_door():
    assert len(README.splitlines()) <= 200
    assert "make demo" in README and "make test" in README and "make review-demo" in README
    assert "(docs/review-app.png)" in README
    assert (PROJECT / "docs" / "review-app.png").stat().st_size < 200_000


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_and_option_is_in_the_readme(command):
    synopsis = _synopsis(command)
    options = [option for action in COMMANDS[command]._actions for option in action.option_strings
               if option.startswith("--") and option != "--help"]
    missing = [option for option in options if not re.search(rf"{option}\b", synopsis)]
    assert not missing, f"README.md's `sanzi-audit {command}` lacks {missing}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_defaults_the_readme_shows_are_the_commands_defaults(command, capsys):
    """`[--villages 8]`: the parser's default, and what --help says (默认 8); a value where
    neither has a default is an example (`[--towns 青石镇 ...]`)."""
    parser = COMMANDS[command]
    shown = _help(parser, capsys)
    actions = {option: action for action in parser._actions for option in action.option_strings}
    checked = []
    for option, value in OPTION.findall(_synopsis(command)):
        value = value.strip().strip('"')
        if all(METAVAR.fullmatch(token) for token in value.split()):
            continue
        action = actions[option]
        default = action.default
        if isinstance(default, list):
            default = " ".join(map(str, default)) or None
        said = "默认" in (action.help or "")
        if default is None and not said:
            continue
        if default is not None:
            assert str(default) == value, f"{command} {option}: README {value}, code {default}"
        if said:
            assert f"默认 {value}" in shown, f"{command} {option}: --help does not say 默认 {value}"
        checked.append(option)
    if command == "sample":  # issue 26: the README once showed 300 villages, the code made 8
        assert {"--villages", "--years", "--seed", "--lines-per-year"} <= set(checked)


def test_every_setting_the_code_reads_is_documented():
    settings = {name for path in CODE
                for name in re.findall(r"SANZI_[A-Z_]+", path.read_text(encoding="utf-8"))}
    operations = (PROJECT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = sorted(name for name in settings if f"| `{name}` |" not in operations)
    assert settings and not missing, f"docs/operations.md's settings table lacks {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_leads_to_a_file_of_the_repository(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(PROJECT), f"{page.name}: {target} leaves the repository"
        assert path.exists(), f"{page.name}: {target} does not exist"


def _repository_texts() -> list[Path]:
    """Every code, page, template and settings file of the repository but this one: not the
    virtualenv, the runtime data (var/), git's own files or what tools generate."""
    texts = []
    for root, folders, files in os.walk(PROJECT):
        here = Path(root)
        folders[:] = [name for name in folders
                      if not (here == PROJECT and name in {".venv", "var", ".git"})
                      and name not in {"__pycache__", ".pytest_cache", ".ruff_cache"}
                      and not name.endswith(".egg-info")]
        texts += [here / name for name in files
                  if Path(name).suffix in {".py", ".md", ".html", ".yaml", ".yml", ".toml"}]
    return sorted(path for path in texts if path != Path(__file__).resolve())


TEXTS = _repository_texts()


def test_nothing_the_project_ships_names_a_file_outside_it():
    """Not even as text: a path like ../shared/… is no use to whoever has only this repository."""
    outside = [path.relative_to(PROJECT) for path in TEXTS
               if "../shared/" in path.read_text(encoding="utf-8")]
    assert PROJECT / "checks" / "RULES.md" in TEXTS and not outside


def test_comments_and_pages_cite_sources_or_the_repositorys_own_docs():
    """Docstrings, comments and pages cite a primary source or a page of the repository, never a
    working document only the project's authors have: a reader cannot open it."""
    citing = [f"{path.relative_to(PROJECT)}:{number}" for path in TEXTS
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if OUTSIDE_DOCUMENTS.search(line)]
    assert PROJECT / "tests" / "checks" / "test_sources.py" in TEXTS and not citing, citing


def test_the_docs_list_names_every_page():
    listed = set(LINK.findall(README))
    missing = [page.name for page in PAGES[1:] if f"docs/{page.name}" not in listed]
    assert not missing, f"README.md's documentation list lacks {missing}"
