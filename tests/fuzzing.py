"""Fuzzing cstosim: mutated scenario files, and what must happen to each.

A case is a bundled scenario file changed by one to three mutations: a value of the wrong type, an extreme
number, an odd date or string, a key removed or unknown, a list item duplicated or multiplied, a broken
reference, an ``extends`` that points somewhere odd or down a long chain. Whatever the file, cstosim must either
refuse it with one line per problem naming the file (exit code 2 on the command line), or validate it and then
run, trace and report it without a traceback, within a time limit. ``extreme_valid`` cases keep the file valid
as far as the old rules went (delays of 1e308 days, spreads of 40, zero delays, periods in the first centuries)
and ask the same.

The mutations draw their choices from a ``Choices``: ``RandomChoices`` (a seeded ``random.Random``, for a
campaign that counts failures) or ``HypothesisChoices`` (for ``tests/test_fuzz.py``, which shrinks a failure to
a small example). A campaign runs each case in a worker process with a memory limit and a time limit, so that
a case that exhausts memory or hangs is counted, not fatal::

    python tests/fuzzing.py --cases 1000 --jobs 2                 # mutated scenario files
    python tests/fuzzing.py --cases 150 --kind extreme_valid      # valid but extreme scenarios
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import datetime as dt
import json
import math
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BUNDLED = sorted(path for path in SCENARIOS.glob("*.toml") if path.name != "sources.toml")


class Choices(Protocol):
    def pick(self, options: Sequence[T]) -> T: ...

    def number(self, low: int, high: int) -> int: ...


class RandomChoices:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.random.randrange(len(options))]

    def number(self, low: int, high: int) -> int:
        return self.random.randint(low, high)


class HypothesisChoices:
    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(self.st.sampled_from(options))

    def number(self, low: int, high: int) -> int:
        return int(self.data.draw(self.st.integers(low, high)))


# Hostile values ----------------------------------------------------------------------------------------------

NUMBERS: list[Any] = [
    0, -1, 1, 2, 0.5, -0.5, 1e-300, 1e308, -1e308, math.inf, -math.inf, math.nan, 2**63 - 1, -(2**63),
    10**18, 10**6, 40.0, 400.0, 1e6, 36525.0, 1.0000001,
]  # fmt: skip
DATES = [
    dt.date(1, 1, 1), dt.date(100, 6, 15), dt.date(1066, 10, 14), dt.date(1677, 9, 21), dt.date(1899, 12, 31),
    dt.date(1970, 1, 1), dt.date(2000, 2, 29), dt.date(2262, 4, 12), dt.date(2300, 12, 31), dt.date(9999, 12, 31),
]  # fmt: skip
STRINGS = [
    "", " ", "x" * 5000, "\x00", "\u202e\U0001f600", "../../etc/passwd", "/dev/zero", "csto-2018", "nan", "-1",
    "12-31", "02-30", "00-00", "13-01", "Council", "observer", "member", "unanimity", "fixed", "\n\n",
]  # fmt: skip
OTHERS: list[Any] = [
    True, False, [], [1, 2], ["a", "b"], {}, {"kind": "fixed"}, {"kind": "fixed", "days": 1e308},
    {"kind": "lognormal", "median_days": 1e300, "spread": 40.0}, [{"start": "01-01", "end": "12-31"}],
    {"kind": "empirical", "values_days": []}, {"kind": "uniform", "low_days": 5, "high_days": 1},
]  # fmt: skip
EXTENDS = ["/dev/zero", "/dev/null", "/", "missing.toml", "csto-2018", "no-such-scenario", "", "self", "chain"]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) in a table, tables and lists included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _parent(table: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = table
    for step in path[:-1]:
        node = node[step]
    return node


def _hostile(choices: Choices) -> Any:
    pool = choices.pick(["number", "date", "string", "other"])
    return choices.pick({"number": NUMBERS, "date": DATES, "string": STRINGS, "other": OTHERS}[pool])


def mutate(table: dict[str, Any], choices: Choices) -> tuple[dict[str, Any], list[str]]:
    """The table changed by one to three mutations, and what was done (for the report)."""
    table = copy.deepcopy(table)
    done: list[str] = []
    for _ in range(choices.number(1, 3)):
        paths = [path for path, _ in _leaves(table) if path]
        operation = choices.pick(["replace", "replace", "replace", "delete", "unknown", "multiply", "dates"])
        if operation == "dates":
            key = choices.pick(["start", "horizon", "both"])
            value = choices.pick(DATES)
            if key == "both":
                table["start"], table["horizon"] = value, choices.pick(DATES)
            else:
                table[key] = value
            done.append(f"{key} = {value}")
            continue
        path = choices.pick(paths)
        parent = _parent(table, path)
        if operation == "replace":
            value = _hostile(choices)
            parent[path[-1]] = value
            done.append(f"{_dotted(path)} = {_short(value)}")
        elif operation == "delete":
            del parent[path[-1]]
            done.append(f"del {_dotted(path)}")
        elif operation == "unknown" and isinstance(parent, dict):
            parent["unknown_key"] = _hostile(choices)
            done.append(f"{_dotted(path[:-1])}.unknown_key added")
        elif operation == "multiply" and isinstance(parent, list):
            count = choices.pick([2, 50, 1000])
            parent[:] = [copy.deepcopy(item) for item in parent for _ in range(count)]
            done.append(f"{_dotted(path[:-1])} x{count}")
    return table, done


def extreme_valid(table: dict[str, Any], choices: Choices) -> tuple[dict[str, Any], list[str]]:
    """The table with numbers pushed to extremes that the loose rules of old accepted: huge or zero delays,
    wide lognormal spreads, many re-applications, periods far in the past or future."""
    table = copy.deepcopy(table)
    done: list[str] = []
    for _ in range(choices.number(1, 4)):
        delays = [
            (path, node)
            for path, node in _leaves(table)
            if isinstance(node, dict) and node.get("kind") in {"fixed", "uniform", "exponential", "lognormal"}
        ]
        operation = choices.pick(["delay", "delay", "spread", "period", "max_times", "take_up", "agenda"])
        if operation == "delay" and delays:
            path, node = choices.pick(delays)
            days = choices.pick([0.0, 1e-9, 1e6, 1e12, 1e100, 1e308])
            node.clear()
            node.update({"kind": "fixed", "days": days})
            done.append(f"{_dotted(path)} = fixed {days:g}")
        elif operation == "spread" and delays:
            path, node = choices.pick(delays)
            spread = choices.pick([5.0, 10.0, 40.0, 100.0, 1000.0])
            node.clear()
            node.update({"kind": "lognormal", "median_days": choices.pick([1.0, 365.0, 1e200]), "spread": spread})
            done.append(f"{_dotted(path)} = lognormal spread {spread:g}")
        elif operation == "period":
            start = choices.pick([dt.date(1, 1, 1), dt.date(50, 3, 1), dt.date(1000, 1, 1), dt.date(1900, 1, 1)])
            horizon = choices.pick([dt.date(start.year + 10, 12, 31), dt.date(2300, 12, 31), dt.date(9999, 12, 31)])
            shift = start.year - table["start"].year
            table["start"], table["horizon"] = start, horizon
            for path, node in list(_leaves(table)):
                if isinstance(node, dt.date) and path[-1] not in ("start", "horizon"):
                    parent = _parent(table, path)
                    parent[path[-1]] = _shifted(node, shift)
            done.append(f"period {start} to {horizon}")
        elif operation == "max_times" and table.get("candidates"):
            candidate = choices.pick(table["candidates"])
            times = choices.pick([10**3, 10**6, 10**9])
            candidate["reapplication"] = {"probability": 1.0, "after": {"kind": "fixed", "days": 0}, "max_times": times}
            candidate["criteria"] = {"un_member": False}
            done.append(f"{candidate['name']}.reapplication.max_times = {times}, inadmissible")
        elif operation == "take_up":
            table["organization"].setdefault("agenda", {})["take_up_probability"] = choices.pick([1e-9, 1e-300])
            done.append("take_up_probability tiny")
        elif operation == "agenda":
            table["organization"]["agenda"] = {
                "take_up_probability": 1e-9,
                "withdrawal_per_year": 1.0,
                "revival_probability": 1.0,
                "revival_after": {"kind": "fixed", "days": 0},
            }
            done.append("agenda: withdrawn and revived at once, forever")
    return table, done


def at_limits(table: dict[str, Any], choices: Choices) -> tuple[dict[str, Any], list[str]]:
    """The table with values pushed to the largest the limits allow (``cstosim.model.limits``): what validates
    must still run, trace and report within the time limit, or be refused in one line as it runs."""
    from cstosim.model import limits

    table = copy.deepcopy(table)
    done: list[str] = []
    for _ in range(choices.number(1, 5)):
        delays = [
            (path, node)
            for path, node in _leaves(table)
            if isinstance(node, dict) and node.get("kind") in {"fixed", "uniform", "exponential", "lognormal"}
        ]
        operation = choices.pick(
            ["delay", "spread", "horizon", "max_times", "take_up", "agenda", "calendar", "crowd", "frailty"]
        )
        if operation == "delay" and delays:
            path, node = choices.pick(delays)
            days = choices.pick([0.0, 1e-9, 1.0, float(limits.MAX_DELAY_DAYS)])
            node.clear()
            node.update({"kind": "fixed", "days": days})
            done.append(f"{_dotted(path)} = fixed {days:g}")
        elif operation == "spread" and delays:
            path, node = choices.pick(delays)
            median = choices.pick([1e-9, 1.0, 365.0, float(limits.MAX_DELAY_DAYS)])
            node.clear()
            node.update({"kind": "lognormal", "median_days": median, "spread": limits.MAX_SPREAD})
            done.append(f"{_dotted(path)} = lognormal median {median:g} spread {limits.MAX_SPREAD:g}")
        elif operation == "horizon":
            start = table["start"]
            table["horizon"] = start.replace(year=start.year + limits.MAX_PERIOD_YEARS, day=min(start.day, 28))
            done.append(f"horizon = {table['horizon']}")
        elif operation == "max_times" and table.get("candidates"):
            candidate = choices.pick(table["candidates"])
            candidate["reapplication"] = {
                "probability": 1.0,
                "after": {"kind": "fixed", "days": 0},
                "max_times": limits.MAX_REAPPLICATIONS,
            }
            if choices.pick([False, True]):
                candidate["criteria"] = {"un_member": False}
            done.append(f"{candidate['name']}: max_times {limits.MAX_REAPPLICATIONS}, no delay")
        elif operation == "take_up":
            table["organization"].setdefault("agenda", {})["take_up_probability"] = choices.pick([1e-9, 1e-300])
            done.append("take_up_probability tiny")
        elif operation == "agenda":
            table["organization"]["agenda"] = {
                "take_up_probability": 1e-9,
                "withdrawal_per_year": 1 - 1e-12,
                "revival_probability": 1.0,
                "revival_after": {"kind": "fixed", "days": 0},
            }
            done.append("agenda: withdrawn and revived at once, nearly always")
        elif operation == "calendar":
            body = choices.pick([b for b in table["organization"]["bodies"] if "calendar" in b] or [None])
            if body is not None:
                days = [f"{month:02d}-{day:02d}" for month in range(1, 13) for day in (1, 8, 15, 22, 28)]
                body["calendar"]["windows"] = [{"start": day, "end": day} for day in days[: limits.MAX_WINDOWS]]
                body["calendar"]["extraordinary_per_year"] = 12.0
                done.append(f"{body['id']}: {limits.MAX_WINDOWS} sessions a year and 12 extraordinary")
        elif operation == "crowd":
            key = choices.pick(["members", "candidates"])
            most = limits.MAX_MEMBERS if key == "members" else limits.MAX_CANDIDATES
            items = table.get(key) or []
            if items:
                crowd = []
                for number in range(most):
                    item = copy.deepcopy(items[number % len(items)])
                    if number >= len(items):
                        item["name"] = f"{item['name']} {number}"
                        item.pop("requests", None)
                    crowd.append(item)
                table[key] = crowd
                done.append(f"{most} {key}")
        elif operation == "frailty" and "instrument" in table:
            table["instrument"]["ratification_frailty"] = {"spread": limits.MAX_SPREAD}
            done.append(f"ratification_frailty {limits.MAX_SPREAD:g}")
    return table, done


def _shifted(date: dt.date, years: int) -> dt.date:
    year = min(max(date.year + years, 1), 9999)
    return date.replace(year=year, day=min(date.day, 28))


def _dotted(path: Sequence[Any]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 50 else text[:47] + "..."


# Writing a case ----------------------------------------------------------------------------------------------


def toml_text(table: dict[str, Any]) -> str:
    """A table as TOML (values TOML cannot hold, such as integers beyond 64 bits, are written as they are:
    reading the file is then the loader's problem, as it would be for a user's)."""
    from cstosim.experiments.store import scenario_toml

    return scenario_toml(table)


def write_case(folder: Path, number: int, kind: str, choices: Choices) -> tuple[Path, list[str]]:
    """Case ``number``: a bundled scenario, mutated, written as ``folder/case-NUMBER.toml`` (with any file it
    extends beside it)."""
    source = choices.pick(BUNDLED)
    with source.open("rb") as file:
        table = tomllib.load(file)
    if kind in ("extreme_valid", "at_limits"):
        if "extends" in table:  # the numbers to push are in the base: start from the resolved table
            from cstosim.scenario_files.loader import read_scenario_table

            table = dict(read_scenario_table(source)[0])
        table, done = (extreme_valid if kind == "extreme_valid" else at_limits)(table, choices)
    else:
        table, done = mutate(table, choices)
    path = folder / f"case-{number}.toml"
    if kind == "mutated" and choices.pick([False, False, False, True]):
        target = choices.pick(EXTENDS)
        if target == "self":
            target = path.name
        elif target == "chain":
            depth = choices.pick([3, 40, 1500])
            for link in range(depth):
                following = f"case-{number}-{link + 1}.toml" if link + 1 < depth else "csto-2018"
                (folder / f"case-{number}-{link}.toml").write_text(f'extends = "{following}"\n', encoding="utf-8")
            target = f"case-{number}-0.toml"
        table["extends"] = target
        done.append(f"extends = {target!r}")
    try:
        text = toml_text(table)
    except (TypeError, ValueError) as error:
        text = f"# not writable as TOML: {error}\n"
    path.write_text(text, encoding="utf-8")
    return path, done


# What must happen --------------------------------------------------------------------------------------------


class Failure(Exception):
    """What cstosim did that it must not: a traceback, or a refusal that is not one line per problem."""


def check_refusal(problems: Sequence[str]) -> None:
    """A refusal is one line per problem, each naming the file it is about."""
    if not problems:
        raise Failure("refused with no problem given")
    for problem in problems:
        if "\n" in problem or not problem.strip():
            raise Failure(f"a problem that is not one line: {problem!r}")
        if "Traceback" in problem:
            raise Failure(f"a traceback as a problem: {problem!r}")
        named, _, rest = problem.partition(": ")
        if not named.strip() or not rest.strip():
            raise Failure(f"a problem that does not start with the file it is about: {problem!r}")


def check_scenario(path: Path, deep: bool = True) -> str:
    """Load the file; if it validates, run, trace and (``deep``) report it. "refused" or "ran"; ``Failure``
    (or any other exception: a crash) otherwise."""
    import cstosim
    from cstosim.analysis.report import write_report
    from cstosim.scenario_files import ScenarioError

    try:
        from cstosim.engine import ReplicationTooLarge
    except ImportError:  # a version before the engine's step budget (to measure it)

        class ReplicationTooLarge(Exception):  # type: ignore[no-redef]
            pass

    try:
        scenario = cstosim.load_scenario(path)
    except ScenarioError as error:
        check_refusal(error.problems)
        return "refused"
    try:
        table = cstosim.run_replications(scenario, 20, seed=1)
    except ReplicationTooLarge as error:  # refused as it runs, in one line: a history too large to simulate
        check_refusal([str(error)])
        return "too large"
    cstosim.summarize(scenario, table)
    result = cstosim.run_replication(scenario, 1, 0)
    cstosim.trace(scenario, result).to_text()
    if deep:
        with tempfile.TemporaryDirectory() as folder:
            write_report(scenario, Path(folder) / "report.html", replications=20, seed=1)
    return "ran"


# Hostile command lines ----------------------------------------------------------------------------------------

OK_VARY = "members[Russia].ratification.stall_probability=0,0.3"
OK_PARAM = "members[Russia].ratification.stall_probability=0:0.3"


def hostile_files(folder: Path) -> dict[str, str]:
    """Files that hostile commands name: a deep file, a long extends chain, a large file, a results folder..."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "deep.toml").write_text("a = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    (folder / "deep-tables.toml").write_text("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n", encoding="utf-8")
    for link in range(1500):
        following = f"chain-{link + 1}.toml" if link < 1499 else "csto-2018"
        (folder / f"chain-{link}.toml").write_text(f'extends = "{following}"\n', encoding="utf-8")
    (folder / "self.toml").write_text('extends = "self.toml"\n', encoding="utf-8")
    (folder / "big.toml").write_text("# " + "x" * (5 * 2**20) + "\n", encoding="utf-8")
    (folder / "binary.toml").write_bytes(bytes(range(256)) * 10)
    (folder / "no-sweep.toml").write_text('extends = "csto-2018"\n', encoding="utf-8")
    (folder / "a-file").write_text("not a folder", encoding="utf-8")
    return {
        name: str(folder / name)
        for name in (
            "deep.toml",
            "deep-tables.toml",
            "chain-0.toml",
            "self.toml",
            "big.toml",
            "binary.toml",
            "no-sweep.toml",
            "a-file",
        )
    } | {"dir": str(folder)}


def hostile_commands(files: dict[str, str], ports: dict[str, int]) -> list[list[str]]:
    """About a hundred command lines a user (or a script gone wrong) might type: each must end in one line of
    error (exit code 2) or run correctly, promptly."""
    d, f = files["dir"], files
    big_grid = ",".join(str(i / 1000) for i in range(200))
    run = ["run", "-n", "5", "--seed", "1"]
    commands = [
        ["run", "--seed", str(2**64)], ["run", "--seed", "-1"], ["run", "--seed", "abc"], ["run", "--seed", "1e3"],
        ["run", "-n", "0"], ["run", "-n", "-5"], ["run", "-n", str(10**12)], ["run", "-n", "9" * 30],
        ["run", "-n", "1e3"], [*run, "--workers", "0"], [*run, "--workers", "100000"], [*run, "--chunk-size", "0"],
        [*run, "--chunk-size", str(10**15)], ["run", "-n", str(10**9), "--chunk-size", "1"],
        [*run, "--scheduler", ""], [*run, "--scheduler", f"tcp://127.0.0.1:{ports['closed']}"],
        [*run, "--scheduler", f"tcp://127.0.0.1:{ports['silent']}"],
        [*run, "--scheduler", f"tcp://127.0.0.1:{ports['http']}"], [*run, "--scheduler", "notaurl"],
        [*run, "--scheduler", "tcp://"], [*run, "--scheduler", "tcp://127.0.0.1:99999"],
        [*run, "--scheduler", "foo://bar:1"], [*run, "--scheduler", "tcp://[::1"],
        [*run, "--scheduler", "tcp://127.0.0.1:1", "--dask"],
        ["run", "--precision", "foo"], ["run", "--precision", "any_grant=0"], ["run", "--precision", "any_grant=nan"],
        ["run", "--precision", "any_grant=inf"], ["run", "--precision", "any_grant=-1"],
        ["run", "--seed", "1", "--precision", "any_grant=1e-300", "--max-replications", "300"],
        ["run", "--precision", "any_grant=0.1", "-n", "5"],
        ["run", "--precision", "any_grant=0.1", "--max-replications", "0"],
        ["run", "--precision", "any_grant=0.1", "--max-replications", str(10**11)],
        [*run, "--out", "/dev/null"], [*run, "--out", "/proc/version"], [*run, "--out", ""],
        [*run, "--out", f["a-file"]], ["run", "--resume"], [*run, "--out", f"{d}/x", "--resume", "--force"],
        [*run, "--table-format", "xml"], ["run", "/dev/zero"], ["run", "/dev/null"], ["run", "/"],
        ["run", "no-such-scenario"], ["run", f["deep.toml"]], ["run", f["deep-tables.toml"]],
        ["run", f["chain-0.toml"]], ["run", f["self.toml"]], ["run", f["big.toml"]], ["run", f["binary.toml"]],
        ["run", "a\nb.toml"], ["run", "x" * 5000],
        ["trace", "--seed", str(2**64)], ["trace", "--seed", "-1"], ["trace", "--replication", str(2**64)],
        ["trace", "--replication", str(10**9)], ["trace", "--format", "x"], ["trace", "--where", "foo"],
        ["trace", "--where", "objects:Nobody"], ["trace", "--where", "granted:Nobody"],
        ["trace", "--where", "never-in-force", "--limit", "0"],
        ["trace", "--where", "never-in-force", "--limit", str(10**9)], ["trace", "/dev/zero"],
        ["report", "-n", str(10**12)], ["report", "-n", "0"], ["report", "--example", str(2**64)],
        ["report", "-n", "5", "-o", "/"], ["report", "-n", "5", "-o", f"{d}/missing/report.html"],
        ["report", "-n", "5", "-o", f"{f['a-file']}/report.html"], ["report", "--seed", str(2**64)],
        ["sweep", "csto-2018", "-n", "5", "--vary", "nopath=1"],
        ["sweep", "csto-2018", "-n", "5", "--vary", f"candidates[Uzbekistan].reapplication.max_times={10**30}"],
        ["sweep", "csto-2018", "-n", "5", "--vary", "candidates[Uzbekistan].application.after.median_days=1e308"],
        ["sweep", "csto-2018", "-n", "5", "--vary", "a="], ["sweep", "csto-2018", "-n", "5", "--vary", "=1"],
        ["sweep", "csto-2018", "-n", "5", "--vary", "noequals"],
        ["sweep", "csto-2018", "-n", "5", "--design", "lhs", "--vary", OK_VARY],
        ["sweep", "csto-2018", "-n", "5", "--design", "lhs", "--samples", str(10**9), "--vary", OK_VARY],
        ["sweep", "csto-2018", "-n", "5", "--vary", f"members[Russia].ratification.stall_probability={big_grid}",
         "--vary", f"organization.agenda.take_up_probability={big_grid}"],
        ["sweep", "csto-2018", "-n", "5", "--vary", OK_VARY, "--metric", "nonsense"],
        ["sweep", "csto-2018", "-n", "5", "--vary", "start=0001-01-01"],
        ["sweep", "csto-2018", "-n", "5", "--vary", "horizon=9999-12-31"], ["sweep", f["no-sweep.toml"], "-n", "5"],
        ["sweep", "csto-2018", "-n", str(10**8), "--vary", f"{OK_VARY.split('=')[0]}={big_grid}"],
        ["sensitivity", "csto-2018", "-n", "2", "--param", "x=0:1"],
        ["sensitivity", "csto-2018", "-n", "2", "--param", "members[Russia].ratification.stall_probability=1:0"],
        ["sensitivity", "csto-2018", "-n", "2", "--param", "members[Russia].ratification.stall_probability=0:inf"],
        ["sensitivity", "csto-2018", "-n", "2", "--samples", str(10**9), "--param", OK_PARAM],
        ["sensitivity", "csto-2018", "-n", "2", "--samples", "3", "--param", OK_PARAM],
        ["sensitivity", "csto-2018", "-n", "2", "--outcome", "foo", "--param", OK_PARAM],
        ["sensitivity", "csto-2018", "-n", "2", "--by", "0001-01-01", "--param", OK_PARAM],
        ["sensitivity", "csto-2018", "-n", str(10**12), "--param", OK_PARAM],
        ["forecast", "csto-2018", "--facts", "/dev/zero"], ["forecast", "csto-2018", "--facts", "nonexist"],
        ["forecast", "csto-2018", "--facts", f["deep.toml"]],
        ["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", "5", "--as-of", "0001-01-01"],
        ["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", "5", "--as-of", "9999-12-31"],
        ["forecast", "csto-2018", "--facts", "csto-record-2026", "-n", str(10**11)],
        ["calibrate", "csto-2018", "--facts", "/dev/zero"],
        ["validate", "/dev/zero", f["deep.toml"], f["chain-0.toml"]], ["validate", ""],
        ["new", ""], ["new", "../x"], ["new", "a/b"], ["new", "fine-name", "--extends", "/dev/zero"],
        ["scenarios", "--show", "/dev/zero"],
        ["plot", f"{d}/nonexistent"], ["plot", f["a-file"]], ["plot", "/dev/zero"], ["plot", "/"],
        ["explore", "--port", "99999"],
    ]  # fmt: skip
    return commands


def check_command_output(exit_code: int, output: str) -> str:
    """ "ran" (exit code 0) or "refused": exit code 2 and one line per problem, the first after "Error: " (or
    click's usage lines, then one error line, for an option click refuses itself); ``Failure`` otherwise."""
    if "Traceback" in output:
        raise Failure(f"a traceback: {output[-300:]!r}")
    if exit_code == 0:
        return "ran"
    lines = [line for line in output.strip().splitlines() if line.strip()]
    if exit_code != 2 or not lines:
        raise Failure(f"exit code {exit_code}: {output[-300:]!r}")
    if lines[0].startswith("Usage:"):
        if not lines[-1].startswith("Error: ") or sum(line.startswith("Error:") for line in lines) != 1:
            raise Failure(f"a usage error without one error line: {output[-300:]!r}")
        return "refused"
    if not lines[0].startswith("Error: "):
        raise Failure(f"a refusal that does not start with Error: {output[-300:]!r}")
    for line in lines[1:]:
        if ": " not in line:
            raise Failure(f"a line that is not a problem (FILE: where: what): {line[:300]!r}")
    return "refused"


class Services:
    """Loopback services for ``--scheduler``: a port where nothing listens, one that accepts and stays silent,
    one that answers like a web server. Never another host."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sockets = []
        self.ports: dict[str, int] = {}
        for kind in ("closed", "silent", "http"):
            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            self.ports[kind] = server.getsockname()[1]
            if kind == "closed":
                server.close()  # the port was free a moment ago; nothing listens there now
                continue
            server.listen(16)
            self.sockets.append(server)
            threading.Thread(target=self._serve, args=(server, kind), daemon=True).start()

    @staticmethod
    def _serve(server: Any, kind: str) -> None:
        held = []
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)  # silent: keep it open, say nothing
            if kind == "http":
                with contextlib.suppress(OSError):
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")

    def close(self) -> None:
        for server in self.sockets:
            server.close()


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli_campaign(report: Callable[[str], None] = print) -> dict[str, int]:
    """Every hostile command line as its own process (``cstosim`` on the path of this Python), with a time limit."""
    counts: collections.Counter[str] = collections.Counter()
    services = Services()
    with tempfile.TemporaryDirectory(prefix="cstosim-cli-fuzz-") as folder:
        files = hostile_files(Path(folder) / "files")
        for command in hostile_commands(files, services.ports):
            started = time.monotonic()
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "cstosim", *command],
                    capture_output=True,
                    text=True,
                    timeout=TIME_LIMIT * 2,
                    cwd=folder,
                    env={**os.environ, "MPLBACKEND": "Agg"},
                    preexec_fn=_limit_memory,  # a command that would exhaust memory fails alone
                )
                outcome = check_command_output(done.returncode, done.stdout + done.stderr)
                detail = ""
            except subprocess.TimeoutExpired:
                outcome, detail = "hang", f"over {TIME_LIMIT * 2} s"
            except Failure as error:
                outcome, detail = "failure", str(error)
            counts[outcome] += 1
            shown = " ".join(word if len(word) < 60 else word[:57] + "..." for word in command)
            if outcome not in ("ran", "refused"):
                report(f"{outcome:<8} {time.monotonic() - started:5.1f} s  cstosim {shown}: {detail[:300]}")
    services.close()
    return dict(counts)


# A campaign: many cases, each in a worker process with limits -------------------------------------------------

TIME_LIMIT = 60  # seconds a case may take (the slowest valid case of a bundled scenario takes a few)
MEMORY_LIMIT = 3 * 2**30  # bytes of address space a worker may hold


def _worker() -> None:
    """Check the cases named on stdin, one per line; one JSON line each on stdout."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    def timed_out(signum: int, frame: Any) -> None:
        raise TimeoutError("time limit")

    signal.signal(signal.SIGALRM, timed_out)
    out = sys.stdout
    sys.stdout = sys.stderr  # anything printed by the code under test stays off the result channel
    for line in sys.stdin:
        path = Path(line.strip())
        signal.alarm(TIME_LIMIT)
        try:
            outcome, detail = check_scenario(path), ""
        except TimeoutError:
            outcome, detail = "hang", f"over {TIME_LIMIT} s"
        except Failure as error:
            outcome, detail = "bad refusal", str(error)
        except BaseException as error:
            lines = traceback.format_exception(error)
            where = " ".join(lines[-2].split())[:300]
            outcome, detail = "crash", f"{type(error).__name__}: {str(error)[:200]} | {where}"
        finally:
            signal.alarm(0)
        out.write(json.dumps({"case": str(path), "outcome": outcome, "detail": detail}) + "\n")
        out.flush()


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self.case: Path | None = None
        self.since = 0.0

    def give(self, case: Path) -> None:
        assert self.process.stdin is not None
        self.case, self.since = case, time.monotonic()
        self.process.stdin.write(f"{case}\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def campaign(cases: int, kind: str, seed: int, jobs: int, report: Callable[[str], None] = print) -> dict[str, int]:
    """Run ``cases`` cases of ``kind`` on ``jobs`` workers; the count of each outcome (failures listed)."""
    counts: collections.Counter[str] = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="cstosim-fuzz-") as folder:
        descriptions: dict[str, list[str]] = {}
        queue: collections.deque[Path] = collections.deque()
        for number in range(cases):
            path, done = write_case(Path(folder), number, kind, RandomChoices(seed * 1_000_003 + number))
            descriptions[str(path)] = done
            queue.append(path)
        workers = [_Worker() for _ in range(jobs)]
        for worker in workers:
            if queue:
                worker.give(queue.popleft())
        while any(worker.case is not None for worker in workers):
            for number, worker in enumerate(workers):
                if worker.case is None:
                    continue
                assert worker.process.stdout is not None
                ready, _, _ = select.select([worker.process.stdout], [], [], 0.05)
                line = worker.process.stdout.readline() if ready else ""
                late = time.monotonic() - worker.since > TIME_LIMIT + 30
                if not line and (worker.process.poll() is not None or late):
                    outcome = "hang" if late else "crash"
                    detail = "no answer" if late else f"worker died (exit code {worker.process.returncode})"
                    line = json.dumps({"case": str(worker.case), "outcome": outcome, "detail": detail})
                    worker.stop()
                    worker = workers[number] = _Worker()
                if line:
                    result = json.loads(line)
                    counts[result["outcome"]] += 1
                    if result["outcome"] not in ("ran", "refused", "too large"):
                        case = Path(result["case"]).name
                        report(f"{result['outcome']:<12} {case:<14} {descriptions[result['case']]}: {result['detail']}")
                    worker.case = None
                    if queue:
                        worker.give(queue.popleft())
        for worker in workers:
            worker.stop()
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--kind", choices=["mutated", "extreme_valid", "at_limits", "cli"], default="mutated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        _worker()
        return
    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.monotonic()
    if options.kind == "cli":
        counts = cli_campaign()
    else:
        counts = campaign(options.cases, options.kind, options.seed, options.jobs)
    cases = sum(counts.values())
    failures = sum(count for outcome, count in counts.items() if outcome not in ("ran", "refused", "too large"))
    print(f"\n{cases} {options.kind} cases in {time.monotonic() - started:.0f} s: {counts}; failures {failures}")


if __name__ == "__main__":
    main()
