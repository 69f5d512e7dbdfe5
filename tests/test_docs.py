"""The documentation runs: every ``cstosim`` command in the README's bash blocks, the README's Python example,
the complete example of docs/scenario-format.md; every command has a reference heading; quotes are verbatim.

Every sample output in README.md and docs/*.md is a ``console`` block: ``$ COMMAND`` lines, each followed by
what it prints. ``test_every_quoted_output_is_what_its_command_prints`` runs each command as written (in a fresh
folder per file, in order) and compares: a line ``...`` stands for lines left out, and ``...`` inside a line for
text that changes from run to run (the timing line: ``2,000 replications in ... s (... per second, ...).``).
The explorer's table in the README is checked against the explorer's own computation. To regenerate every
sample after a change of the model or of an output, run ``python tests/test_docs.py --write`` and read the diff.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
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


@pytest.mark.parametrize(
    "name", ["run", "compare", "scenarios", "params", "new", "schema", "trace", "report", "explore"]
)
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


# Sample outputs --------------------------------------------------------------------------------------------------

CONSOLE = re.compile(r"```console\n(.*?)```", flags=re.DOTALL)
# The line every experiment ends with: its timing varies from run to run (and its executor from machine to machine).
TIMING = re.compile(r"^([\d,]+ replications in )[\d.]+ s \([\d,.-]+ per second, [^)]+\)\.$")
ELIDED = "..."


@dataclass
class Example:
    """One ``$ COMMAND`` of a console block and the lines quoted under it."""

    path: Path
    line: int
    command: str
    expected: list[str]


def console_examples(path: Path) -> list[Example]:
    text = path.read_text(encoding="utf-8")
    examples: list[Example] = []
    for block in CONSOLE.finditer(text):
        first_line = text[: block.start()].count("\n") + 2
        lines = block.group(1).splitlines()
        index = 0
        while index < len(lines):
            if not lines[index].startswith("$ "):
                raise AssertionError(f"{path}:{first_line + index}: a console block's output must follow a $ command")
            start = index
            command = lines[index][2:]
            while command.endswith("\\"):  # a command continued on the next line
                index += 1
                command = command[:-1] + " " + lines[index].strip()
            index += 1
            expected = []
            while index < len(lines) and not lines[index].startswith("$ "):
                expected.append(lines[index])
                index += 1
            examples.append(Example(path, first_line + start, " ".join(command.split()), expected))
    return examples


def run_example(command: str) -> tuple[int, str]:
    """Run a quoted command in the current folder: its exit code and what it prints (with ``> FILE``, standard
    output goes to the file and the quote is what is left, standard error)."""
    words = shlex.split(command)
    assert words[0] == "cstosim", command
    words = words[1:]
    target = None
    if ">" in words:
        target = Path(words[words.index(">") + 1])
        words = words[: words.index(">")]
    result = CliRunner().invoke(main, words, catch_exceptions=False)
    if target is not None:
        target.write_text(result.stdout, encoding="utf-8")
        return result.exit_code, result.stderr
    return result.exit_code, result.output


def pattern(expected: list[str]) -> re.Pattern[str]:
    """The quoted lines as a pattern of the whole output: ``...`` alone any lines, inside a line any text."""
    parts = []
    for line in expected:
        if line.strip() == ELIDED:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.rstrip().split(ELIDED)) + r"[ \t]*\n")
    return re.compile("".join(parts))


def printed_lines(output: str) -> list[str]:
    return [line.rstrip() for line in output.rstrip("\n").splitlines()]


def matches(expected: list[str], output: str) -> bool:
    return pattern(expected).fullmatch("\n".join(printed_lines(output)) + "\n") is not None


def quoted_files() -> list[Path]:
    return [path for path in [ROOT / "README.md", *DOCS] if CONSOLE.search(path.read_text(encoding="utf-8"))]


@contextlib.contextmanager
def folder_of_its_own() -> Iterator[Path]:
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(before)


def test_the_sample_outputs_are_console_blocks_with_their_commands():
    files = quoted_files()
    assert ROOT / "README.md" in files and len(files) >= 3
    for path in [ROOT / "README.md", *DOCS]:
        for block in re.findall(r"```text\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL):
            # a text block is a synopsis or a page's table; figures printed by a command belong in a console block
            assert not re.search(r"\d\.\d%|\d{4}-\d\d-\d\d", block) or block.startswith("outcome "), (path, block[:80])


@pytest.mark.parametrize("path", quoted_files(), ids=lambda path: path.name)
def test_every_quoted_output_is_what_its_command_prints(path):
    with folder_of_its_own():
        for example in console_examples(path):
            code, output = run_example(example.command)
            where = f"{example.path.name}:{example.line}: {example.command}"
            error = bool(example.expected) and example.expected[0].startswith("Error:")
            assert (code != 0) == error, f"{where}\n{output}"
            assert matches(example.expected, output), f"{where}: the quote differs from what it prints:\n{output}"


def test_the_pattern_of_a_quote():
    lines = ["a", "2,000 replications in ... s (... per second, ...).", "...", "z"]
    assert matches(lines, "a\n2,000 replications in 1.5 s (1,300 per second, sequential).\nb\nc\nz\n")
    assert matches(lines, "a\n2,000 replications in 0.1 s (20,000 per second, 2 local processes).\nz\n")
    assert not matches(lines, "a\n1,000 replications in 1.5 s (1 per second, sequential).\nz\n")
    assert not matches(["a", "b"], "a\nb\nc\n") and matches(["a  ", "b"], "a\nb  \n")


# The explorer's table: what the page shows for the what-if named in the comment above it.
EXPLORER = re.compile(
    r"<!-- explorer: (?P<scenario>\S+) with (?P<path>\S+) = (?P<value>\S+), (?P<n>[\d,]+) replications, "
    r"seed (?P<seed>\d+) -->\n```text\n(?P<table>.*?)```",
    flags=re.DOTALL,
)


def explorer_table(scenario: str, path: str, value: str, replications: int, seed: int) -> list[str]:
    from cstosim.explore import comparison, library
    from cstosim.scenario_files.loader import read_scenario_table
    from cstosim.scenario_files.paths import parse_value

    baseline = library.load(scenario)
    table, _ = read_scenario_table(scenario)
    what_if = library.parse(library.set_value(table, path, parse_value(value)), scenario)
    result = comparison.run_comparison(baseline, what_if, replications, seed, {path: parse_value(value)})
    rows = [("outcome", "baseline", "what-if", "paired difference (95%)"), *comparison.summary_rows(result)]
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(3)]
    return ["".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=False)) + row[3] for row in rows]


def test_the_readme_explorer_table_is_what_the_page_shows():
    (found,) = EXPLORER.finditer(README)
    expected = explorer_table(
        found["scenario"], found["path"], found["value"], int(found["n"].replace(",", "")), int(found["seed"])
    )
    assert printed_lines(found["table"]) == [line.rstrip() for line in expected]


def _label(line: str) -> str:
    """What identifies a line of output whatever its figures: the text before its first digit, or for a line
    that starts with one, the line with every number written ``#``."""
    label = re.split(r"\d", line, maxsplit=1)[0].rstrip()
    return label or " ".join(re.sub(r"[\d.,%:+-]+", "#", line).split())


def regenerate(expected: list[str], actual: list[str]) -> list[str]:
    """The quote made again from what the command now prints: every line where the old quote had one, found by
    its label in order; lines the old quote left out (``...``) stay left out, timings become ``...``."""
    actual = [TIMING.sub(r"\1... s (... per second, ...).", line) for line in actual]
    if not any(line.strip() == ELIDED for line in expected):
        return actual  # a whole output: the whole new output
    result: list[str] = []
    position, gap = 0, False
    for line in expected:
        if line.strip() == ELIDED:
            gap = True
            continue
        if gap and not line.strip():
            continue  # a blank line after a gap is found with the line it precedes, not as the first blank line
        found = next((k for k in range(position, len(actual)) if _label(actual[k]) == _label(line)), None)
        if found is None:
            raise SystemExit(f"no line like {line!r} in the new output; edit the quote's lines and run again")
        if gap:
            blank = found
            while blank > position and not actual[blank - 1].strip():
                blank -= 1
            result += [ELIDED, *actual[blank:found]]
        else:
            result += actual[position:found]
        result.append(actual[found])
        position, gap = found + 1, False
    return result + ([ELIDED] if gap else actual[position:])


def _rewrite_blocks(text: str, outputs: list[list[str]]) -> str:
    """``text`` with the output under each ``$`` command of its console blocks replaced, in order."""
    pending = iter(outputs)

    def block(match: re.Match[str]) -> str:
        lines, result = match.group(1).splitlines(), []
        index = 0
        while index < len(lines):
            result.append(lines[index])
            while lines[index].rstrip().endswith("\\"):
                index += 1
                result.append(lines[index])
            index += 1
            while index < len(lines) and not lines[index].startswith("$ "):
                index += 1
            result += next(pending)
        return "```console\n" + "\n".join(result) + "\n```"

    return CONSOLE.sub(block, text)


def _rewrite_explorer(found: re.Match[str]) -> str:
    n, seed = int(found["n"].replace(",", "")), int(found["seed"])
    table = explorer_table(found["scenario"], found["path"], found["value"], n, seed)
    head = found.group(0).split("```text")[0]
    return head + "```text\n" + "\n".join(line.rstrip() for line in table) + "\n```"


def write_samples() -> None:
    """Run every quoted command again and write what it prints into its quote (``--write``)."""
    for path in quoted_files():
        text = path.read_text(encoding="utf-8")
        with folder_of_its_own():
            outputs = []
            for example in console_examples(path):
                _, output = run_example(example.command)
                outputs.append(regenerate(example.expected, printed_lines(output)))
        text = _rewrite_blocks(text, outputs)
        if path.name == "README.md":
            text = EXPLORER.sub(_rewrite_explorer, text)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/test_docs.py --write  (regenerates every sample output of the docs)")
    write_samples()


def test_regenerating_a_quote_keeps_what_it_left_out():
    old = ["head 1", "...", "", "  kept 3.0%", "...", "tail"]
    new = [
        "head 2",
        "dropped 1",
        "",
        "  kept 4.0%",
        "dropped 2",
        "tail",
        "20 replications in 0.1 s (200 per second, sequential).",
    ]
    assert regenerate(old, new) == [
        "head 2",
        "...",
        "",
        "  kept 4.0%",
        "...",
        "tail",
        "20 replications in ... s (... per second, ...).",
    ]
    assert regenerate(["a 1"], ["a 2", "b"]) == ["a 2", "b"]  # a whole quote becomes the whole new output
