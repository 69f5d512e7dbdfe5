"""The documentation runs: every ``cstosim`` command in the README's bash blocks, the README's Python example,
the complete example of docs/scenario-format.md; every command has a reference heading; quotes are verbatim."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import cstosim
from cstosim.cli.app import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
SEEDS = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "seeds").glob("*.txt"))
REPLICATIONS = "50"  # -n/--replications N in the README is run with this many

# README commands that genuinely cannot run in a test, with the reason. Keep this list short.
NOT_RUN: dict[str, str] = {
    "cstosim explore": "serves a page until Ctrl+C; tests/test_explore_browser.py runs it and drives it in a browser",
}


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def readme_commands() -> list[str]:
    commands = []
    for block in blocks(README, "bash"):
        for line in block.replace("\\\n", " ").splitlines():  # join continued lines
            line = line.split(" #", 1)[0].strip()
            if line.startswith("cstosim "):
                commands.append(line)
    return commands


def test_the_readme_has_cli_examples_for_every_teaching_command():
    used = {command.split()[1] for command in readme_commands()}
    assert {"run", "validate", "scenarios", "new", "trace", "report"} <= used


def as_test_arguments(command: str) -> list[str]:
    """The command's arguments, with a small replication count, one worker, and no shell redirection."""
    words = shlex.split(command)[1:]
    if ">" in words:
        words = words[: words.index(">")]
    for index, word in enumerate(words[:-1]):
        if word in ("-n", "--replications"):
            words[index + 1] = REPLICATIONS
    options = {option for parameter in main.commands[words[0]].params for option in parameter.opts}
    if "--workers" in options and "--workers" not in words:
        words += ["--workers", "1"]
    return words


def test_every_readme_command_runs(tmp_path, monkeypatch):
    """In README order and in one folder, so that a file written by one example is there for the next."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = 0
    for command in readme_commands():
        if command in NOT_RUN:
            continue
        result = runner.invoke(main, as_test_arguments(command), catch_exceptions=False)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        ran += 1
    assert ran >= 15
    assert (tmp_path / "report.html").stat().st_size > 100_000
    assert (tmp_path / "my-what-if.toml").exists() and (tmp_path / "results" / "summary.json").exists()


def test_readme_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (example,) = blocks(README, "python")
    exec(compile(example.replace("2000", "30"), "README.md", "exec"), {})
    assert (tmp_path / "report.html").exists()


def headings() -> dict[str, Path]:
    found = {}
    for path in DOCS:
        for name in re.findall(r"^## `cstosim ([a-z-]+)`$", path.read_text(encoding="utf-8"), flags=re.MULTILINE):
            found[name] = path
    return found


def test_every_command_has_a_reference_heading_in_docs():
    missing = sorted(set(main.commands) - set(headings()))
    assert not missing, f"no '## `cstosim NAME`' heading under docs/ for: {', '.join(missing)}"


@pytest.mark.parametrize("name", ["run", "scenarios", "params", "new", "schema", "trace", "report", "explore"])
def test_cli_reference_names_every_option(name):
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split(f"## `cstosim {name}`", 1)[1].split("\n## ", 1)[0]
    command: click.Command = main.commands[name]
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            assert any(f"`{option}" in section for option in parameter.opts), (name, parameter.opts)


def test_scenario_format_example_validates(tmp_path):
    text = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    (example,) = [block for block in blocks(text, "toml") if block.startswith("# example")]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    tomllib.loads(example)
    scenario = cstosim.load_scenario(path)
    assert scenario.name == "example"


def _keys(model: type, seen: set[type] | None = None) -> set[str]:
    """Every key a scenario file may hold, from the validation models themselves (so a new key is found)."""
    import typing

    from pydantic import BaseModel

    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(name)
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                keys |= _keys(annotation, seen)
            stack.extend(typing.get_args(annotation))
    return keys


def test_scenario_format_documents_every_key_of_the_format():
    from cstosim.scenario_files.schema import ScenarioSpec

    reference = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    reference = reference.split("## Reference: every key", 1)[1]
    named = {word for span in re.findall(r"`([^`]+)`", reference) for word in re.findall(r"[a-z_]+", span)}
    missing = sorted(key for key in _keys(ScenarioSpec) if key not in named)
    assert not missing, f"docs/scenario-format.md does not document: {', '.join(missing)}"


def test_glossary_defines_the_terms_and_quotes_the_seeds_verbatim():
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for term in (
        "Ratification",
        "Depositary",
        "Entry into force",
        "Consensus",
        "Constructive abstention",
        "Partner",
        "Observer",
    ):
        assert f"**{term}.**" in text, term
    public_record = {"If at least one of the countries is against, the status is not granted"}
    prose = re.sub(r"`[^`]*`", "", text.replace("\n", " "))  # quotes inside code spans are TOML values
    quotes = re.findall(r'"([^"]+)"', prose)
    assert len(quotes) >= 8
    for quote in quotes:
        assert quote in SEEDS or quote in public_record, quote
