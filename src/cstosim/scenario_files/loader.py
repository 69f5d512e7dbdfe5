"""Reading scenario files: bundled names or paths, every problem reported at once.

``load_scenario`` accepts a path or the name of a bundled scenario and returns a validated
``cstosim.model.Scenario``; anything wrong raises ``ScenarioError`` whose ``problems`` are one line each,
``file: path.in.file: rule (got value)``. ``parse_scenario`` does the same for an already-read table, which is
how sweeps change a parameter and validate the result. The documents a scenario's sources cite come from the
sources file (``sources.toml``) beside the scenario file and beside the files it extends.
"""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cstosim.model.citations import Catalogue
from cstosim.model.limits import MAX_EXTENDS, MAX_FILE_BYTES, MAX_NESTING
from cstosim.model.scenario import Scenario
from cstosim.scenario_files.checks import SOURCES_FILE as SOURCES_FILE  # the name callers know it by
from cstosim.scenario_files.checks import model_duplicate_problems, scenario_problems
from cstosim.scenario_files.problems import closest, problem_lines, toml_key, toml_value, validation_problems
from cstosim.scenario_files.schema import ScenarioSpec, SourcesFileSpec, collect_sources

DEFAULT_SCENARIO = "csto-2018"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def bundled_scenarios_dir() -> Path:
    """The folder of scenarios shipped with the package (the project's ``scenarios/``).

    An installed wheel carries them inside the package (``cstosim/scenarios``); a source tree or an editable
    install reads the project's own ``scenarios/`` folder.
    """
    installed = Path(str(resources.files("cstosim") / "scenarios"))
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[3] / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names and their files, sorted by name (the sources file is not a scenario)."""
    return {path.stem: path for path in sorted(bundled_scenarios_dir().glob("*.toml")) if path.name != SOURCES_FILE}


def resolve_path(name_or_path: str | Path, bundled: dict[str, Path], what: str) -> Path:
    """A path as given if it exists or looks like a file; otherwise the bundled file of that name.

    ``what`` names the kind of file in the error ("scenario", "facts file").
    """
    path = Path(name_or_path)
    if _exists(path) or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    raise ScenarioError([f"{shown(name_or_path)}: no such file or bundled {what} (bundled: {', '.join(bundled)})"])


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists or looks like a file; otherwise the bundled scenario of that name."""
    return resolve_path(name_or_path, bundled_scenarios(), "scenario")


# Keys that replace one another: a file that sets one of them drops the others inherited from its base.
_ALTERNATIVES = (frozenset({"delay", "stages", "ratified_on"}), frozenset({"adopted_on", "adopting_body", "drafting"}))


def read_scenario_table(name_or_path: str | Path) -> tuple[dict[str, Any], Path]:
    """The raw TOML table of a scenario and the file it came from, with ``extends`` resolved.

    A file with ``extends = "NAME_OR_PATH"`` starts from that scenario (a bundled name, or a path relative to
    the file) and changes only what it sets: tables merge key by key, arrays are replaced, and a table written
    under an array of named tables (``[members.Tajikistan.ratification]``) changes the item of that name, or
    adds one when the base has none of that name and the table gives what a new item needs (``_NEW_ITEM_KEYS``).
    A table that changes its ``kind`` (a delay that becomes ``fixed``) replaces the inherited one.
    """
    table, chain, problems = _read_extended(name_or_path)
    if problems:
        raise ScenarioError(problems)
    return table, chain[0]


def _read_extended(name_or_path: str | Path) -> tuple[dict[str, Any], tuple[Path, ...], list[str]]:
    """The table with ``extends`` resolved, the files it was read from (the named file first), and the changes
    that name no item of the base (left out, so that the rest of the file is still checked).

    The chain is followed in a loop, at most ``MAX_EXTENDS`` files long, and merged from its far end.
    """
    tables: list[dict[str, Any]] = []
    chain: list[Path] = []
    current = name_or_path
    while True:
        path, table = _read_link(current, chain)
        base_name = table.pop("extends", None)
        tables.append(table)
        chain.append(path)
        if base_name is None:
            break
        if not isinstance(base_name, str) or not base_name.isprintable() or not base_name.strip():
            raise ScenarioError(
                [f"{shown(path)}: extends: must be a scenario name or path (got {toml_value(base_name)})"]
            )
        if path.resolve() in (link.resolve() for link in chain[:-1]):
            raise ScenarioError(
                [f"{shown(path)}: extends: scenarios extend each other in a cycle (got {toml_value(base_name)})"]
            )
        relative = path.parent / base_name
        current = relative if _exists(relative) else base_name
    merged, problems = tables[-1], []
    for path, table in zip(reversed(chain[:-1]), reversed(tables[:-1]), strict=True):
        unmatched: list[str] = []
        merged = _merge(merged, table, (), unmatched)
        problems += [f"{shown(path)}: {problem}" for problem in unmatched]
    return merged, tuple(chain), problems


def _read_link(name_or_path: str | Path, chain: list[Path]) -> tuple[Path, dict[str, Any]]:
    """The next file of an ``extends`` chain (``chain``: the files before it) and its table; a problem finding or
    reading a base is reported as the extending file's."""
    if len(chain) == MAX_EXTENDS:
        where = f"{shown(chain[0])}: extends"
        raise ScenarioError([f"{where}: a chain of at most {MAX_EXTENDS} files (got more, through {shown(chain[-1])})"])
    try:
        path = resolve_scenario_path(name_or_path)
        return path, read_toml(path)
    except ScenarioError as error:
        if not chain:
            raise
        where = f"{shown(chain[-1])}: extends: {toml_value(str(name_or_path))}"
        raise ScenarioError([f"{where}: {problem}" for problem in error.problems]) from None


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a name the system cannot even look up (too long) does not."""
    try:
        return path.exists()
    except OSError:
        return False


def shown(path: str | Path) -> str:
    """A path as one line of text: as it is, or quoted with escapes if it holds line breaks or other controls."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _merge(
    base: dict[str, Any], override: dict[str, Any], where: tuple[str, ...], problems: list[str]
) -> dict[str, Any]:
    merged = dict(base)
    for group in _ALTERNATIVES:
        if group & override.keys():
            for key in group - override.keys():
                merged.pop(key, None)
    for key, value in override.items():
        current = merged.get(key)
        here = (*where, key)
        replaced_kind = isinstance(value, dict) and "kind" in value and value["kind"] != _table(current).get("kind")
        if isinstance(value, dict) and isinstance(current, dict) and not replaced_kind:
            merged[key] = _merge(current, value, here, problems)
        elif isinstance(value, dict) and isinstance(current, list):
            merged[key] = _merge_named(current, value, here, problems)
        else:
            merged[key] = value
    return merged


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# What a table for a name the base scenario does not have must give to add a new item (anything less is taken
# for a misspelt name): a candidate's kind and status, a member's stance, a body's name, a status's criteria, a
# driver's effects.
_NEW_ITEM_KEYS: dict[str, set[str]] = {
    "candidates": {"kind", "status"},
    "members": {"stance"},
    "bodies": {"name"},
    "statuses": {"criteria"},
    "drivers": {"effects"},
}


def _merge_named(items: list[Any], changes: dict[str, Any], where: tuple[str, ...], problems: list[str]) -> list[Any]:
    items = list(items)
    for name, change in changes.items():
        here = ".".join(toml_key(key) for key in (*where, name))
        matches = [
            i for i, item in enumerate(items) if isinstance(item, dict) and name in (item.get("name"), item.get("id"))
        ]
        if not isinstance(change, dict):
            problems.append(f"{here}: must be a table of changes to the item of that name (got {toml_value(change)})")
        elif not matches and _NEW_ITEM_KEYS.get(where[-1], {"?"}) <= change.keys():
            items.append({"id" if where[-1] == "bodies" else "name": name, **change})  # a new item, added
        elif not matches:
            names = [str(item.get("id", item.get("name"))) for item in items if isinstance(item, dict)]
            suggestion = closest(name, names)
            hint = f"; did you mean {toml_key(suggestion)}?" if suggestion else ""
            needs = " and ".join(sorted(_NEW_ITEM_KEYS.get(where[-1], ())))
            new = f" (a new one must give {needs})" if needs else ""
            problems.append(f"{here}: no item of that name in the base scenario (got {toml_value(name)}){hint}{new}")
        else:
            items[matches[0]] = _merge(items[matches[0]], change, (*where, name), problems)
    return items


def read_toml(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """The TOML table in ``path``, or a ``ScenarioError`` naming the file and why it cannot be read.

    ``what`` names the kind of file ("scenario file", "facts file") in the message for a folder. At most
    ``MAX_FILE_BYTES`` are read (``/dev/zero`` is refused, not read until memory runs out), and tables and arrays
    may nest ``MAX_NESTING`` deep.
    """
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([f"{shown(path)}: file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{shown(path)}: is a folder, not a {what}"]) from None
    except OSError as error:
        raise ScenarioError([f"{shown(path)}: cannot read the {what}: {error.strerror or error}"]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            [f"{shown(path)}: too large for a {what}: at most {MAX_FILE_BYTES // 2**20} MiB (got more than that)"]
        )
    too_deep = f"{shown(path)}: tables and arrays nested more than {MAX_NESTING} deep"
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([f"{shown(path)}: not valid TOML: {error}"]) from None
    except UnicodeDecodeError as error:
        raise ScenarioError([f"{shown(path)}: not a UTF-8 text file: {error.reason}"]) from None
    except RecursionError:
        raise ScenarioError([too_deep]) from None
    if nesting(table) > MAX_NESTING:
        raise ScenarioError([too_deep])
    return table


def nesting(value: Any) -> int:
    """How deep tables and arrays nest in ``value`` (0 for a plain value), counted without recursion and only
    just past ``MAX_NESTING``."""
    deepest = 0
    pending = [(value, 0)]
    while pending and deepest <= MAX_NESTING:
        node, depth = pending.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in children)
    return deepest


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    """Read, validate and build a scenario from a path or a bundled name, with the documents its sources cite."""
    table, chain, unmatched = _read_extended(name_or_path)
    try:
        scenario = parse_scenario(table, shown(chain[0]), documents_beside(chain))
    except ScenarioError as error:
        raise ScenarioError(unmatched + error.problems) from None
    if unmatched:
        raise ScenarioError(unmatched)
    return scenario


def parse_scenario(table: dict[str, Any], file: str = "<scenario>", documents: Catalogue | None = None) -> Scenario:
    """Validate a scenario table (as read from TOML) and build the domain scenario.

    Every problem is reported at once: the types (pydantic) and what types cannot say (unique names, names that
    refer to something, dates in order; ``cstosim.scenario_files.checks``) are checked independently.
    ``documents`` are those its sources may cite; given, every citation of a catalogued kind (``seed 007``) must
    name one of them.
    """
    documents = documents or Catalogue()
    problems = scenario_problems(table, documents)
    try:
        spec = ScenarioSpec.model_validate(table)
    except ValidationError as error:
        raise ScenarioError(
            problem_lines(file, table, validation_problems(ScenarioSpec, table, error) + problems)
        ) from None
    if problems:
        raise ScenarioError(problem_lines(file, table, problems))
    scenario = spec.build(collect_sources(spec))
    return dataclasses.replace(scenario, source_table=copy.deepcopy(table), documents=documents)


# Sources files ------------------------------------------------------------------------------------------------


def documents_beside(files: tuple[Path, ...]) -> Catalogue:
    """The documents in the sources files beside ``files`` (a scenario and the files it extends).

    A scenario that extends a bundled one can cite the bundled documents and add its own in a ``sources.toml``
    beside it; where two sources files give the same id, the one beside the extending file wins.
    """
    catalogue = Catalogue()
    folders = dict.fromkeys(path.resolve().parent for path in files)
    for folder in reversed(folders):
        if (folder / SOURCES_FILE).is_file():
            catalogue = catalogue.extended_by(read_sources_file(folder / SOURCES_FILE))
    return catalogue


def read_sources_file(path: Path) -> Catalogue:
    """Read and validate a sources file; every problem is reported at once, as for scenarios."""
    table = read_toml(path, "sources file")
    problems = model_duplicate_problems(SourcesFileSpec, table)
    try:
        spec = SourcesFileSpec.model_validate(table)
    except ValidationError as error:
        raise ScenarioError(
            problem_lines(str(path), table, validation_problems(SourcesFileSpec, table, error) + problems)
        ) from None
    if problems:
        raise ScenarioError(problem_lines(str(path), table, problems))
    return spec.build(path.parent)
