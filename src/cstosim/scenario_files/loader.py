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
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cstosim.model.citations import Catalogue
from cstosim.model.limits import MAX_EXTENDS, MAX_FILE_BYTES, MAX_NESTING, period_problem
from cstosim.model.scenario import DEFAULT_STATUSES, DriverTarget, EntryIntoForceRule, Scenario
from cstosim.scenario_files.schema import (
    DISTRIBUTION_KINDS,
    ScenarioSpec,
    SourcesFileSpec,
    StatusDefinitionSpec,
    collect_sources,
)

DEFAULT_SCENARIO = "csto-2018"
SOURCES_FILE = "sources.toml"  # beside scenario files: the documents their sources may cite


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
    under an array of named tables (``[members.Tajikistan.ratification]``) changes the item of that name.
    """
    table, chain = _read_extended(name_or_path)
    return table, chain[0]


def _read_extended(name_or_path: str | Path) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """The table with ``extends`` resolved, and the files it was read from (the named file first).

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
            raise ScenarioError([f"{shown(path)}: extends: must be a scenario name or path (got {_short(base_name)})"])
        if path.resolve() in (link.resolve() for link in chain[:-1]):
            raise ScenarioError([f"{shown(path)}: extends: scenarios extend each other in a cycle (got {base_name!r})"])
        relative = path.parent / base_name
        current = relative if _exists(relative) else base_name
    merged = tables[-1]
    for path, table in zip(reversed(chain[:-1]), reversed(tables[:-1]), strict=True):
        try:
            merged = _merge(merged, table, "(top level)")
        except ValueError as error:
            raise ScenarioError([f"{shown(path)}: {error}"]) from None
    return merged, tuple(chain)


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
        where = f"{shown(chain[-1])}: extends: {_short(str(name_or_path))}"
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


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for group in _ALTERNATIVES:
        if group & override.keys():
            for key in group - override.keys():
                merged.pop(key, None)
    for key, value in override.items():
        current = merged.get(key)
        here = key if where == "(top level)" else f"{where}.{key}"
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = _merge(current, value, here)
        elif isinstance(value, dict) and isinstance(current, list):
            merged[key] = _merge_named(current, value, here)
        else:
            merged[key] = value
    return merged


def _merge_named(items: list[Any], changes: dict[str, Any], where: str) -> list[Any]:
    items = list(items)
    for name, change in changes.items():
        matches = [
            i for i, item in enumerate(items) if isinstance(item, dict) and name in (item.get("name"), item.get("id"))
        ]
        if not matches or not isinstance(change, dict):
            raise ValueError(f"{where}.{name}: no item of that name in the base scenario (got {name!r})")
        items[matches[0]] = _merge(items[matches[0]], change, f"{where}.{name}")
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
    table, chain = _read_extended(name_or_path)
    return parse_scenario(table, shown(chain[0]), documents_beside(chain))


def parse_scenario(table: dict[str, Any], file: str = "<scenario>", documents: Catalogue | None = None) -> Scenario:
    """Validate a scenario table (as read from TOML) and build the domain scenario.

    ``documents`` are those its sources may cite; given, every citation of a catalogued kind (``seed 007``)
    must name one of them.
    """
    documents = documents or Catalogue()
    try:
        spec = ScenarioSpec.model_validate(table)
    except ValidationError as error:
        raise ScenarioError([_format_pydantic_error(file, item) for item in error.errors()]) from None
    sources = collect_sources(spec)
    problems = [f"{file}: {problem}" for problem in _cross_reference_problems(spec)]
    problems += [f"{file}: {problem}" for problem in _citation_problems(sources, documents)]
    if problems:
        raise ScenarioError(problems)
    scenario = spec.build(sources)
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
    try:
        spec = SourcesFileSpec.model_validate(table)
    except ValidationError as error:
        raise ScenarioError([_format_pydantic_error(str(path), item) for item in error.errors()]) from None
    problems = [f"{path}: {problem}" for problem in _duplicates("documents", [d.id for d in spec.documents], "id")]
    if problems:
        raise ScenarioError(problems)
    return spec.build(path.parent)


def _citation_problems(sources: dict[str, str], documents: Catalogue) -> Iterator[str]:
    if not documents:
        return
    for path, text in sources.items():
        unknown = documents.unknown(text)
        if unknown:
            where = "source" if path == "scenario" else f"{path}.source"
            cited = ", ".join(str(reference) for reference in unknown)
            yield f"{where}: must cite documents listed in a {SOURCES_FILE} beside the scenario (got {cited!r})"


def _format_pydantic_error(file: str, item: Any) -> str:
    path = _format_location(item["loc"])
    kind = item["type"]
    if kind == "extra_forbidden":
        return f"{file}: {path}: unknown key (got {_short(item['input'])})"
    if kind == "missing":
        return f"{file}: {path}: required key is missing"
    if kind == "value_error":
        message = str(item["msg"]).removeprefix("Value error, ")
        return f"{file}: {path}: {message}"
    if kind in ("date_type", "date_parsing"):
        return f"{file}: {path}: must be a TOML date such as 2018-11-08, without quotes (got {_short(item['input'])})"
    return f"{file}: {path}: {item['msg'].lower()} (got {_short(item['input'])})"


def _format_location(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in DISTRIBUTION_KINDS or part.startswith("function-"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _cross_reference_problems(spec: ScenarioSpec) -> Iterator[str]:
    """Names that must refer to something defined, and dates that must come in order."""
    if spec.horizon <= spec.start:
        yield f"horizon: must be after start ({spec.start}) (got {spec.horizon})"
    elif period_problem(spec.start, spec.horizon) is not None:
        yield f"horizon: {period_problem(spec.start, spec.horizon)}"
    yield from _duplicates("members", [member.name for member in spec.members])
    yield from _duplicates("candidates", [candidate.name for candidate in spec.candidates])
    yield from _duplicates("organization.bodies", [body.id for body in spec.organization.bodies])
    yield from _duplicates("organization.statuses", [status.name for status in spec.organization.statuses])

    bodies = {body.id: body for body in spec.organization.bodies}
    with_calendar = {body.id for body in spec.organization.bodies if body.calendar is not None}
    for index, body in enumerate(spec.organization.bodies):
        followed = body.calendar.with_body if body.calendar else None
        if followed is not None and followed not in with_calendar:
            where = f"organization.bodies[{index}].calendar.with_body"
            yield f"{where}: must name a body with a calendar (got {followed!r})"
    for index, stage in enumerate(spec.organization.review.stages):
        where = f"organization.review.stages[{index}].body"
        if stage.body not in bodies:
            yield f"{where}: must name a body in organization.bodies (got {stage.body!r})"
        elif stage.at_session and stage.body not in with_calendar:
            yield f"{where}: at_session needs a body with a calendar (got {stage.body!r})"
    deciding = spec.organization.review.deciding_body
    if deciding not in with_calendar:
        yield f"organization.review.deciding_body: must name a body with a calendar (got {deciding!r})"
    adopting = spec.instrument.adopting_body
    if adopting is not None and adopting not in with_calendar:
        yield f"instrument.adopting_body: must name a body with a calendar (got {adopting!r})"

    adopted_on = spec.instrument.adopted_on
    if adopted_on is not None and adopted_on > spec.horizon:
        yield f"instrument.adopted_on: must not be after the horizon ({spec.horizon}) (got {adopted_on})"
    entry = spec.instrument.entry_into_force
    required = entry.notifications_required
    if entry.rule is EntryIntoForceRule.NTH_NOTIFICATION and required is not None and required > len(spec.members):
        yield (
            f"instrument.entry_into_force.notifications_required: must not exceed the number of members "
            f"({len(spec.members)}) (got {required})"
        )

    if spec.instrument.requires_ratification:
        adopted = spec.instrument.adopted_on or spec.start
        for index, member in enumerate(spec.members):
            joined, left = member.membership.joined_on, member.membership.left_on
            bound = (joined is None or joined <= adopted) and (left is None or left > adopted)
            if member.ratification is None and bound:
                yield f"members[{index}].ratification: required because the instrument requires ratification"
    member_names = {member.name for member in spec.members}
    candidate_names = {candidate.name for candidate in spec.candidates}
    for index, member in enumerate(spec.members):
        ratified_on = member.ratification.ratified_on if member.ratification else None
        where = f"members[{index}].ratification.ratified_on"
        if ratified_on is not None and adopted_on is not None and ratified_on < adopted_on:
            yield f"{where}: must not be before adoption ({adopted_on}) (got {ratified_on})"
        if ratified_on is not None and adopted_on is None:
            yield f"{where}: needs instrument.adopted_on (got {ratified_on})"
        for number, rule in enumerate(member.stance_rules):
            if rule.candidate is not None and rule.candidate not in candidate_names:
                where = f"members[{index}].stance_rules[{number}].candidate"
                yield f"{where}: must name a candidate (got {rule.candidate!r})"
    for index, candidate in enumerate(spec.candidates):
        for name in candidate.criteria.no_relations_with:
            if name not in member_names:
                yield f"candidates[{index}].criteria.no_relations_with: must name member states (got {name!r})"
    yield from _status_problems(spec, member_names, candidate_names, with_calendar)


def _status_problems(
    spec: ScenarioSpec, member_names: set[str], candidate_names: set[str], with_calendar: set[str]
) -> Iterator[str]:
    """References to statuses, candidates and members from the statuses, paths, stances and drivers."""
    declared: dict[str, StatusDefinitionSpec | None] = {status.name: status for status in spec.organization.statuses}
    if not declared:
        declared = {status.name: None for status in DEFAULT_STATUSES}
    names = ", ".join(declared)

    def unknown(status: str | None) -> bool:
        return status is not None and status not in declared

    for index, status in enumerate(spec.organization.statuses):
        where = f"organization.statuses[{index}]"
        if unknown(status.requires):
            yield f"{where}.requires: must name a declared status ({names}) (got {status.requires!r})"
        if status.deciding_body is not None and status.deciding_body not in with_calendar:
            yield f"{where}.deciding_body: must name a body with a calendar (got {status.deciding_body!r})"

    def path_to(status: str) -> list[str]:
        path, seen = [status], {status}
        while (spec_status := declared.get(path[0])) is not None and spec_status.requires is not None:
            if spec_status.requires in seen or spec_status.requires not in declared:
                break
            path.insert(0, spec_status.requires)
            seen.add(spec_status.requires)
        return path

    for index, candidate in enumerate(spec.candidates):
        where = f"candidates[{index}]"
        if unknown(candidate.status):
            yield f"{where}.status: must name a declared status ({names}) (got {candidate.status!r})"
            continue
        path = path_to(candidate.status)
        requested = [request.status for request in candidate.requests]
        for number, request in enumerate(candidate.requests):
            if request.status not in path:
                yield (
                    f"{where}.requests[{number}].status: must be a status on the path to {candidate.status!r} "
                    f"({', '.join(path)}) (got {request.status!r})"
                )
            elif requested.index(request.status) != number:
                yield f"{where}.requests[{number}].status: one request per status (got {request.status!r} twice)"
        for number, held in enumerate(candidate.held):
            if unknown(held.status):
                yield f"{where}.held[{number}].status: must name a declared status ({names}) (got {held.status!r})"
        current = [held.status for held in candidate.held if held.until is None]
        if current and current[-1] == candidate.status:
            yield f"{where}.held: already holds the status it seeks (got {candidate.status!r})"
    for index, member in enumerate(spec.members):
        for kind, tables in (("stance_rules", member.stance_rules), ("stance_changes", member.stance_changes)):
            for number, towards in enumerate(tables):
                where = f"members[{index}].{kind}[{number}]"
                if towards.candidate is not None and towards.candidate not in candidate_names:
                    yield f"{where}.candidate: must name a candidate (got {towards.candidate!r})"
                if unknown(towards.status):
                    yield f"{where}.status: must name a declared status ({names}) (got {towards.status!r})"
    for index, driver in enumerate(spec.drivers):
        for number, effect in enumerate(driver.effects):
            where = f"drivers[{index}].effects[{number}]"
            if effect.candidate is not None and effect.candidate not in candidate_names:
                yield f"{where}.candidate: must name a candidate (got {effect.candidate!r})"
            if unknown(effect.status):
                yield f"{where}.status: must name a declared status ({names}) (got {effect.status!r})"
            for name in effect.members:
                if name not in member_names:
                    yield f"{where}.members: must name member states (got {name!r})"
            if effect.members and effect.target is not DriverTarget.SUPPORT:
                yield f"{where}.members: applies only to target = support (got target = {effect.target.value!r})"


def _duplicates(where: str, names: list[str], what: str = "name") -> Iterator[str]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield f"{where}[{index}]: duplicate {what} (got {name!r})"
        seen.add(name)
