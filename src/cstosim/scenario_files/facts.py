"""Facts files (TOML): what is known about a process as of a date, validated like scenario files.

A facts file has a ``title``, an ``as_of`` date, an optional ``tolerance_days``, and two arrays of tables:
``[[happened]]`` (an event on a date, ``on``, or by a date, ``by``) and ``[[not_happened]]`` (an event that had
not happened by a date, ``by``). Every fact names its ``event`` and carries its ``source``; depending on the
event it names a ``member``, a ``candidate``, a ``body`` or a participation ``state``. Unknown keys are errors,
and every problem is reported at once as ``file: path: rule (got value)``, as for scenarios.
``check_record`` then checks the names and dates against a scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cstosim.model.facts import Fact, FactEvent, Record
from cstosim.model.limits import MAX_DELAY_DAYS, MAX_TEXT
from cstosim.model.scenario import Participation, Scenario
from cstosim.scenario_files.loader import ScenarioError, bundled_scenarios_dir, read_toml, resolve_path, shown
from cstosim.scenario_files.problems import closest, problem_lines, toml_value, validation_problems
from cstosim.scenario_files.schema import within_limits

FactEventValue = Annotated[FactEvent, Field(strict=False)]
ParticipationValue = Annotated[Participation, Field(strict=False)]

# Which name each event needs (``required``), may take (``optional``), and which events can be said not to have
# happened by a date.
_NAMES: dict[FactEvent, tuple[frozenset[str], frozenset[str]]] = {
    FactEvent.ADOPTION: (frozenset(), frozenset()),
    FactEvent.RATIFICATION: (frozenset({"member"}), frozenset()),
    FactEvent.ENTRY_INTO_FORCE: (frozenset(), frozenset()),
    FactEvent.PARTICIPATION: (frozenset({"member", "state"}), frozenset()),
    FactEvent.APPLICATION: (frozenset(), frozenset({"candidate"})),
    FactEvent.SESSION: (frozenset({"body"}), frozenset()),
    FactEvent.GRANT: (frozenset(), frozenset({"candidate"})),
}
_NAME_KEYS = ("member", "candidate", "body", "state")


class _FactSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_max_length=MAX_TEXT)
    _limits = field_validator("*")(within_limits)  # dates in the calendar's range, lists of bounded length

    event: FactEventValue
    source: str = Field(min_length=1)
    member: str | None = None
    candidate: str | None = None
    body: str | None = None
    state: ParticipationValue | None = None

    def _check_names(self, happened: bool) -> None:
        required, optional = _NAMES[self.event]
        if happened and self.event in (FactEvent.APPLICATION, FactEvent.GRANT):
            required, optional = frozenset({"candidate"}), frozenset()
        for key in _NAME_KEYS:
            given = getattr(self, key) is not None
            if key in required and not given:
                raise ValueError(f"event {self.event.value} needs {key} (got none)")
            if given and key not in required | optional:
                raise ValueError(f"event {self.event.value} takes no {key} (got {getattr(self, key)!r})")


class HappenedSpec(_FactSpec):
    on: dt.date | None = None
    by: dt.date | None = None

    @model_validator(mode="after")
    def _check(self) -> HappenedSpec:
        if (self.on is None) == (self.by is None):
            raise ValueError("give either on (the date) or by (happened on or before that date) (got both or neither)")
        self._check_names(happened=True)
        return self

    def build(self) -> Fact:
        return Fact(self.event, True, self.source, self.on, self.by, self.member, self.candidate, self.body, self.state)


class NotHappenedSpec(_FactSpec):
    by: dt.date

    @model_validator(mode="after")
    def _check(self) -> NotHappenedSpec:
        if self.event is FactEvent.SESSION:
            raise ValueError("a session that did not happen cannot be stated (got event 'session')")
        self._check_names(happened=False)
        return self

    def build(self) -> Fact:
        return Fact(self.event, False, self.source, None, self.by, self.member, self.candidate, self.body, self.state)


class RecordSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_max_length=MAX_TEXT)
    _limits = field_validator("*")(within_limits)

    title: str
    as_of: dt.date
    source: str | None = None
    tolerance_days: int = Field(default=0, ge=0, le=MAX_DELAY_DAYS)
    happened: list[HappenedSpec] = []
    not_happened: list[NotHappenedSpec] = []


def bundled_facts_dir() -> Path:
    """The folder of facts files shipped with the package (the project's ``scenarios/facts/``)."""
    return bundled_scenarios_dir() / "facts"


def bundled_facts() -> dict[str, Path]:
    """Bundled facts files by name (file stem)."""
    return {path.stem: path for path in sorted(bundled_facts_dir().glob("*.toml"))}


def resolve_facts_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists or looks like a file; otherwise the bundled facts file of that name."""
    return resolve_path(name_or_path, bundled_facts(), "facts file")


def load_record(name_or_path: str | Path) -> Record:
    """Read and validate a facts file (a path or a bundled name); raises ``ScenarioError`` with every problem."""
    path = resolve_facts_path(name_or_path)
    return parse_record(read_toml(path, "facts file"), shown(path))


def parse_record(table: dict[str, Any], file: str = "<facts>") -> Record:
    """Validate a facts table (as read from TOML) and build the record."""
    try:
        spec = RecordSpec.model_validate(table)
    except ValidationError as error:
        raise ScenarioError(problem_lines(file, table, validation_problems(RecordSpec, table, error))) from None
    facts = [fact.build() for fact in spec.happened] + [fact.build() for fact in spec.not_happened]
    problems = []
    for index, fact in enumerate(facts):
        if fact.date > spec.as_of:
            key = "happened" if fact.happened else "not_happened"
            number = index if fact.happened else index - len(spec.happened)
            field = "on" if fact.exact else "by"
            problems.append(
                f"{file}: {key}[{number}].{field}: must not be after as_of ({spec.as_of}) (got {fact.date})"
            )
    if problems:
        raise ScenarioError(problems)
    return Record(spec.title, spec.as_of, tuple(facts), spec.tolerance_days, file)


def fact_location(record: Record, index: int) -> str:
    """Where fact ``index`` of ``record.facts`` is in its file: ``happened[2]`` or ``not_happened[0]``."""
    happened = sum(1 for fact in record.facts[:index] if fact.happened)
    if record.facts[index].happened:
        return f"happened[{happened}]"
    return f"not_happened[{index - happened}]"


def check_record(record: Record, scenario: Scenario) -> None:
    """Raise ``ScenarioError`` if the record names members, candidates or bodies the scenario lacks, or dates
    outside the simulated period."""
    problems = [f"{record.file}: {problem}" for problem in _record_problems(record, scenario)]
    if problems:
        raise ScenarioError(problems)


def _record_problems(record: Record, scenario: Scenario) -> Iterator[str]:
    members = {member.name for member in scenario.members}
    candidates = {candidate.name for candidate in scenario.candidates}
    bodies = {body.id for body in scenario.organization.bodies if body.calendar is not None}
    if record.as_of > scenario.horizon:
        yield f"as_of: must not be after the scenario's horizon ({scenario.horizon}) (got {record.as_of})"
    for index, fact in enumerate(record.facts):
        where = fact_location(record, index)
        for key, name, names, what in (
            ("member", fact.member, members, f"a member state of {scenario.name}"),
            ("candidate", fact.candidate, candidates, f"a candidate of {scenario.name}"),
            ("body", fact.body, bodies, f"a body of {scenario.name} with a session calendar"),
        ):
            if name is not None and name not in names:
                suggestion = closest(name, sorted(names))
                hint = f"; did you mean {toml_value(suggestion)}?" if suggestion else ""
                yield f"{where}.{key}: must name {what} (got {toml_value(name)}){hint}"
        if fact.event is FactEvent.RATIFICATION and not scenario.instrument.requires_ratification:
            yield f'{where}.event: {scenario.name}\'s instrument needs no ratification (got "ratification")'
        adopted_on = scenario.instrument.adopted_on
        if fact.event is FactEvent.RATIFICATION and fact.happened and adopted_on and fact.date < adopted_on:
            field = "on" if fact.exact else "by"
            yield f"{where}.{field}: must not be before adoption ({adopted_on}) (got {fact.date})"
