"""What the types of a scenario file cannot say: unique names, names that refer to something, dates in order and
within the simulated period, sources that cite listed documents.

The checks read the table as read from TOML (``extends`` resolved), not the validated models, so that these
problems are reported together with the type errors of the same file rather than once those are fixed; a value of
the wrong type is passed over here (validation reports it). Which fields name another item is said by their types
(``cstosim.scenario_files.references``), which values are dates or sources by the models, and every list of named
tables is checked for repeated names, so keys added to the format are checked without a change here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from cstosim.model.citations import Catalogue
from cstosim.model.limits import MAX_PERIOD_YEARS, date_problem, latest_horizon
from cstosim.model.scenario import DEFAULT_STATUSES, DriverTarget
from cstosim.scenario_files.problems import (
    UNSET,
    Location,
    Problem,
    arms,
    closest,
    item_name,
    metadata,
    one_of,
    toml_value,
    value_at,
    walk,
)
from cstosim.scenario_files.references import RefersTo, WithinPeriod
from cstosim.scenario_files.schema import ScenarioSpec

SOURCES_FILE = "sources.toml"  # beside scenario files: the documents their sources may cite
LISTED_NAMES = 6  # the names a reference may take are listed in its message when there are no more

# The dates that make the simulated period rather than fall in it.
_PERIOD_DATES: frozenset[Location] = frozenset({("start",), ("horizon",), ("instrument", "adopted_on")})

Walked = Sequence[tuple[Location, Any, Any]]


def scenario_problems(
    table: Mapping[str, Any], documents: Catalogue, model: type[BaseModel] = ScenarioSpec
) -> list[Problem]:
    """Every problem of a scenario table that its types cannot express (``model``: the validation model of the
    whole file)."""
    values = list(walk(model, table))
    problems = [*duplicate_problems(values), *_reference_problems(table, values)]
    problems += [*_order_problems(table), *_member_problems(table), *_body_problems(table)]
    problems += [*_status_problems(table), *_driver_problems(table)]
    problems += _period_problems(table, values, {problem.location for problem in problems})
    problems += _citation_problems(values, documents)
    return problems


def duplicate_problems(values: Walked) -> Iterator[Problem]:
    """An item whose name (its ``id``, else its ``name``) an earlier item of the same list has.

    Names address items in ``extends`` files and dotted paths, and key their random numbers (two ratification
    stages of one name would last the same time), so a repeated name is always an error.
    """
    for location, _, value in values:
        if not isinstance(value, list):
            continue
        seen: set[str] = set()
        for index, item in enumerate(value):
            name = item_name(item)
            if name is None:
                continue
            if name in seen:
                key = "id" if isinstance(item.get("id"), str) else "name"
                yield Problem((*location, index), f"duplicate {key}", name)
            seen.add(name)


def model_duplicate_problems(model: type[BaseModel], table: Mapping[str, Any]) -> list[Problem]:
    """Repeated names in any file validated by ``model`` (the sources file's documents)."""
    return list(duplicate_problems(list(walk(model, table))))


def _reference_problems(table: Mapping[str, Any], values: Walked) -> Iterator[Problem]:
    for location, annotation, value in values:
        for reference in metadata(annotation):
            if isinstance(reference, RefersTo) and isinstance(value, str):
                yield from _reference_problem(table, reference, location, value)


def _reference_problem(
    table: Mapping[str, Any], reference: RefersTo, location: Location, name: str
) -> Iterator[Problem]:
    items = value_at(table, reference.collection)
    if items is UNSET or items == []:
        items = [{reference.key: default} for default in reference.defaults]  # what a file that lists none has
    if not isinstance(items, list):
        return  # the list itself is wrong: validation says so
    named = {item[reference.key]: item for _, item in _tables(items) if isinstance(item.get(reference.key), str)}
    needs = reference.needs
    eligible = [key for key, item in named.items() if needs is None or needs in item]
    if name in eligible:
        return
    rule = f"must name {reference.what}" + (f": {one_of(eligible)}" if 0 < len(eligible) <= LISTED_NAMES else "")
    if name in named:
        yield Problem(location, rule, name, detail=f"which has no {needs}")
    else:
        # An item is not offered to itself (a body's calendar following its own sessions).
        depth = len(reference.collection)
        inside = location[depth] if location[:depth] == reference.collection and len(location) > depth else None
        itself = (
            items[inside].get(reference.key) if isinstance(inside, int) and isinstance(items[inside], Mapping) else None
        )
        suggestion = closest(name, [key for key in eligible if key != itself])
        yield Problem(location, rule, name, toml_value(suggestion) if suggestion else None)


def _date(value: Any) -> dt.date | None:
    """A TOML date (a datetime, with its time of day, is not one: validation says so)."""
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _tables(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """The tables of an array with their positions (nothing if it is not an array)."""
    items = value if isinstance(value, list) else []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]


def _order_problems(table: Mapping[str, Any]) -> Iterator[Problem]:
    start, horizon = _date(table.get("start")), _date(table.get("horizon"))
    if start is not None and horizon is not None and horizon <= start:
        yield Problem(("horizon",), f"must be after start ({start})", horizon)
    elif start is not None and horizon is not None and date_problem(start) is None and horizon > latest_horizon(start):
        latest = latest_horizon(start)
        yield Problem(
            ("horizon",), f"must be at most {MAX_PERIOD_YEARS} years after start ({start}), that is {latest}", horizon
        )
    adopted_on = _date(_table(table.get("instrument")).get("adopted_on"))
    if adopted_on is not None and horizon is not None and adopted_on > horizon:
        yield Problem(("instrument", "adopted_on"), f"must not be after the horizon ({horizon})", adopted_on)


def _member_problems(table: Mapping[str, Any]) -> Iterator[Problem]:
    instrument = table.get("instrument")
    if not isinstance(instrument, Mapping):
        return
    members = _tables(table.get("members"))
    entry = _table(instrument.get("entry_into_force"))
    required = entry.get("notifications_required")
    count = len(table["members"]) if isinstance(table.get("members"), list) else None
    if entry.get("rule") == "nth_notification" and type(required) is int and count is not None and required > count:
        rule = f"must not exceed the number of members ({count})"
        yield Problem(("instrument", "entry_into_force", "notifications_required"), rule, required)
    adopted_on = _date(instrument.get("adopted_on"))
    adopted = adopted_on or _date(table.get("start"))
    for index, member in members:
        ratification = member.get("ratification")
        # A state that joins after the adoption, or had left before it, is not bound by the instrument.
        membership = _table(member.get("membership"))
        joined, left = _date(membership.get("joined_on")), _date(membership.get("left_on"))
        bound = adopted is None or ((joined is None or joined <= adopted) and (left is None or left > adopted))
        if ratification is None and bound and instrument.get("requires_ratification", True) is True:
            yield Problem(("members", index, "ratification"), "required because the instrument requires ratification")
        ratified_on = _date(_table(ratification).get("ratified_on"))
        where = ("members", index, "ratification", "ratified_on")
        if ratified_on is not None and "adopted_on" not in instrument:
            yield Problem(where, "needs instrument.adopted_on", ratified_on)
        elif ratified_on is not None and adopted_on is not None and ratified_on < adopted_on:
            yield Problem(where, f"must not be before adoption ({adopted_on})", ratified_on)


def _status_problems(table: Mapping[str, Any]) -> Iterator[Problem]:
    """A candidate's requests on the path to the status it seeks (each status once), and not already holding it.

    Whether each status named is declared is a reference check (``DeclaredStatus``).
    """
    declared = {
        status["name"]: status
        for _, status in _tables(_table(table.get("organization")).get("statuses"))
        if _named(status, "name")
    } or {status.name: {} for status in DEFAULT_STATUSES}

    def path_to(status: str) -> list[str]:
        path = [status]
        while _named(declared.get(path[0], {}), "requires"):
            required = declared[path[0]]["requires"]
            if required in path or required not in declared:
                break
            path.insert(0, required)
        return path

    for index, candidate in _tables(table.get("candidates")):
        sought = candidate.get("status")
        if not isinstance(sought, str) or sought not in declared:
            continue
        path = path_to(sought)
        requests = candidate.get("requests")
        requested = [_table(request).get("status") for request in requests] if isinstance(requests, list) else []
        for number, status in enumerate(requested):
            where = ("candidates", index, "requests", number, "status")
            if not isinstance(status, str):
                continue
            if status not in path:
                rule = f"must be a status on the path to {toml_value(sought)}: {one_of(path)}"
                yield Problem(where, rule, status)
            elif requested.index(status) != number:
                yield Problem(where, "must not repeat a status requested before", status)
        current = [held.get("status") for _, held in _tables(candidate.get("held")) if "until" not in held]
        if current and current[-1] == sought:
            yield Problem(("candidates", index, "held"), "must not hold the status the candidate seeks", sought)


def _driver_problems(table: Mapping[str, Any]) -> Iterator[Problem]:
    for index, driver in _tables(table.get("drivers")):
        for number, effect in _tables(driver.get("effects")):
            target = effect.get("target")
            valid = isinstance(target, str) and target in {target.value for target in DriverTarget}
            if effect.get("members") and valid and target != DriverTarget.SUPPORT:
                where = ("drivers", index, "effects", number, "target")
                yield Problem(where, f"must be {toml_value(DriverTarget.SUPPORT.value)} with members", target)


def _body_problems(table: Mapping[str, Any]) -> Iterator[Problem]:
    organization = _table(table.get("organization"))
    bodies = [(index, body["id"], body) for index, body in _tables(organization.get("bodies")) if _named(body, "id")]
    calendars = {body_id: _table(body.get("calendar")) for _, body_id, body in bodies if "calendar" in body}
    for index, stage in _tables(_table(organization.get("review")).get("stages")):
        body = stage.get("body")
        known = any(body == body_id for _, body_id, _ in bodies)
        if stage.get("at_session") is True and known and body not in calendars:
            where = ("organization", "review", "stages", index, "body")
            yield Problem(where, "at_session needs a body with a calendar", body, detail="which has no calendar")
    # A body that meets around another body's sessions cannot, through others, end up following itself.
    follows = {
        body_id: calendar["with_body"] for body_id, calendar in calendars.items() if _named(calendar, "with_body")
    }
    reported: set[frozenset[str]] = set()
    for index, body_id, _ in bodies:
        chain = [body_id]
        while chain[-1] in follows and follows[chain[-1]] not in chain:
            chain.append(follows[chain[-1]])
        if follows.get(chain[-1]) == body_id and frozenset(chain) not in reported:
            reported.add(frozenset(chain))
            cycle = " -> ".join([*chain, body_id])
            yield Problem(
                ("organization", "bodies", index, "calendar", "with_body"),
                f"calendars must not follow each other in a cycle ({cycle})",
                follows[body_id],
            )


def _named(table: Mapping[str, Any], key: str) -> bool:
    return isinstance(table.get(key), str)


@dataclass(frozen=True)
class _Period:
    """The simulated period: from the start, or from an earlier adoption (the simulation replays it), to the
    horizon (``cstosim.engine.simulation.origin_day``)."""

    first: dt.date
    adopted_first: bool
    last: dt.date

    def __str__(self) -> str:
        return f"{self.first} ({'adoption' if self.adopted_first else 'start'}) to {self.last} (horizon)"


def _period(table: Mapping[str, Any]) -> _Period | None:
    start, horizon = _date(table.get("start")), _date(table.get("horizon"))
    instrument = _table(table.get("instrument"))
    adopted_on = _date(instrument.get("adopted_on"))
    adoption_unknown = adopted_on is None and ("adopted_on" in instrument or "adopting_body" not in instrument)
    if start is None or horizon is None or horizon <= start or adoption_unknown:
        return None  # the period is not known: the problem with its dates, or with the adoption, is reported
    if adopted_on is not None and adopted_on < start:
        return _Period(adopted_on, True, horizon)
    return _Period(start, False, horizon)


def _period_problems(table: Mapping[str, Any], values: Walked, reported: set[Location]) -> list[Problem]:
    """Every date of the file on or before the horizon (the simulation never reaches a later one, so it would be
    ignored in silence), and a session date not before the first simulated day either (``WithinPeriod``)."""
    period = _period(table)
    if period is None:
        return []
    problems = []
    for location, annotation, value in values:
        date = _date(value)
        if date is None or dt.date not in arms(annotation) or location in _PERIOD_DATES or location in reported:
            continue
        within = any(isinstance(item, WithinPeriod) for item in metadata(annotation))
        if within and not period.first <= date <= period.last:
            problems.append(Problem(location, f"must be within the simulated period, {period}", date))
        elif date > period.last:
            problems.append(Problem(location, f"must not be after the horizon: the simulated period is {period}", date))
    return problems


def _citation_problems(values: Walked, documents: Catalogue) -> Iterator[Problem]:
    if not documents:
        return
    for location, _, value in values:
        if location[-1:] == ("source",) and isinstance(value, str):
            unknown = documents.unknown(value)
            if unknown:
                cited = ", ".join(str(reference) for reference in unknown)
                yield Problem(location, f"must cite documents listed in a {SOURCES_FILE} beside the scenario", cited)
