"""Fuzzing: mutated scenario files are refused in one line per problem, or validate and then run, trace and
report within a time limit; damaged results folders are refused in one line and left as they were.

By default a few dozen cases each, with fixed examples (a few seconds). ``CSTOSIM_FUZZ_EXAMPLES=N`` runs N
fresh examples of each (the report included); ``python tests/fuzzing.py --cases N`` runs a campaign that
counts failures instead of stopping at the first (see ``tests/fuzzing.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import cstosim
from cstosim.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from fuzzing import HypothesisChoices, check_command_output, check_scenario, write_case

LARGE = int(os.environ.get("CSTOSIM_FUZZ_EXAMPLES", "0"))
TIME_LIMIT = 60  # seconds for one case: the slowest valid case takes a few


def fuzz_settings(examples: int) -> Any:
    return settings(
        max_examples=LARGE or examples,
        derandomize=not LARGE,  # the suite sees the same examples every time; a large run explores
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail, instead of hanging, if the block takes longer than ``seconds`` (where SIGALRM exists)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"a hang: over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


EXAMPLES = {"mutated": 40, "extreme_valid": 15, "at_limits": 4}  # the last are the slowest: seconds each


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_any_scenario_file_is_refused_in_one_line_per_problem_or_runs(tmp_path_factory, kind) -> None:
    """Refused in one line per problem; or validated, then run, traced (and reported) within the time limit, or
    refused as it runs, in one line, as a replication too large to simulate."""

    @fuzz_settings(EXAMPLES[kind])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        folder = tmp_path_factory.mktemp("case")
        path, done = write_case(folder, 0, kind, HypothesisChoices(data))
        note(f"{path.name}: {done}")
        with time_limit(TIME_LIMIT):
            check_scenario(path, deep=bool(LARGE))

    check()


# Command lines ------------------------------------------------------------------------------------------------

NUMBERS = ["-1", "0", "1", "3", "-0", "1e3", "nan", "", "abc", str(2**63), str(2**64), str(10**12), "9" * 40]
OPTIONS = {
    "run": {
        "-n": NUMBERS,
        "--seed": NUMBERS,
        "--chunk-size": NUMBERS,
        "--workers": ["-1", "0", "1", str(10**6), "x"],
        "--precision": ["foo", "any_grant=0", "any_grant=nan", "any_grant=-1", "=", "any_grant=0.5", "any_grant"],
        "--max-replications": NUMBERS,
        "--table-format": ["csv", "xml", ""],
        "--scheduler": ["", "notaurl", "tcp://", "tcp://[::1", "tcp://127.0.0.1:99999", "foo://bar:1"],
    },
    "trace": {
        "--seed": NUMBERS,
        "--replication": NUMBERS,
        "--format": ["text", "json", "x", ""],
        "--where": ["granted", "objects:Nobody", "x", "", "granted:"],
        "--limit": NUMBERS,
    },
    "sweep": {
        "-n": NUMBERS,
        "--vary": ["x=1", "=", "a", "members[Russia].ratification.stall_probability=0,2", "start=0001-01-01"],
        "--samples": NUMBERS,
        "--design": ["grid", "lhs", "x"],
    },
    "validate": {},
}
SCENARIOS = ["csto-2018", "/dev/zero", "/dev/null", "/", "nope", "x" * 300, "a\nb"]


@fuzz_settings(25)
@given(data=st.data())
def test_any_command_line_is_refused_in_one_line_per_problem_or_runs(tmp_path_factory, data) -> None:
    command = data.draw(st.sampled_from(sorted(OPTIONS)))
    arguments = [command, data.draw(st.sampled_from(SCENARIOS))]
    for option in data.draw(st.lists(st.sampled_from(sorted(OPTIONS[command]) or ["-h"]), max_size=3, unique=True)):
        arguments += [option] if option == "-h" else [option, data.draw(st.sampled_from(OPTIONS[command][option]))]
    if command in ("run", "sweep") and "-n" not in arguments and "--precision" not in arguments:
        arguments += ["-n", "3"]  # a valid command line runs, but briefly
    if "--precision" in arguments:
        arguments += ["--max-replications", "500"]
    note(" ".join(arguments))
    with time_limit(TIME_LIMIT):
        result = CliRunner().invoke(main, arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    check_command_output(result.exit_code, result.output)


# Damaged results folders -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results") / "run"
    cstosim.run("csto-2018", 300, seed=11, chunk_size=100, out=folder)
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.integers(0, 5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def damage(folder: Path, data: st.DataObject) -> str:
    """One random change to a results folder, described."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    parts = sorted((folder / "replications.parquet").glob("part-*.parquet"))
    how = data.draw(st.sampled_from(["flip", "truncate", "swap", "manifest", "chunk entry", "delete"]))
    if how in ("flip", "truncate", "delete"):
        part = data.draw(st.sampled_from(parts))
        content = bytearray(part.read_bytes())
        if how == "flip":
            at = data.draw(st.integers(0, len(content) - 1))
            content[at] ^= data.draw(st.integers(1, 255))
            part.write_bytes(bytes(content))
        elif how == "truncate":
            part.write_bytes(bytes(content[: data.draw(st.integers(0, len(content) - 1))]))
        else:
            part.unlink()
        return f"{how} {part.name}"
    if how == "swap":
        one, two = data.draw(st.permutations(parts))[:2]
        one.write_bytes(two.read_bytes())
        return f"{two.name} copied over {one.name}"
    if how == "manifest":
        key = data.draw(st.sampled_from(sorted(manifest)))
        manifest[key] = data.draw(JSON_VALUES)
        where = f"manifest {key}"
    else:
        entry = data.draw(st.sampled_from(manifest["chunks"]))
        key = data.draw(st.sampled_from(sorted(entry)))
        entry[key] = data.draw(JSON_VALUES)
        where = f"chunk entry {entry.get('index')} {key}"
    manifest_path.write_text(json.dumps(manifest))
    return f"{where} = {manifest[key] if how == 'manifest' else entry[key]!r}"


@fuzz_settings(20)
@given(data=st.data())
def test_a_damaged_results_folder_is_refused_in_one_line_and_left_as_it_was(tmp_path_factory, results, data) -> None:
    folder = tmp_path_factory.mktemp("damaged") / "run"
    folder.mkdir()
    for path in results.rglob("*"):
        target = folder / path.relative_to(results)
        target.mkdir(exist_ok=True) if path.is_dir() else target.write_bytes(path.read_bytes())
    what = damage(folder, data)
    note(what)
    runner = CliRunner()
    for command in (["plot", str(folder)], ["run", "--out", str(folder), "--resume", "--quiet", "--workers", "1"]):
        before = snapshot(folder)
        result = runner.invoke(main, command)
        assert result.exception is None or isinstance(result.exception, SystemExit), (what, result.output)
        if result.exit_code == 0:  # the change did not matter (a timestamp), or a deleted part was recomputed:
            assert (folder / "summary.json").read_text() == (results / "summary.json").read_text(), what
            continue  # the same figures as the undamaged folder's
        assert result.exit_code == 2 and "Traceback" not in result.output, (what, result.output)
        assert len(result.output.strip().splitlines()) == 1, (what, result.output)
        assert snapshot(folder) == before, f"{what}: a refused command changed the folder"
