"""The controls a scenario offers, generated from the scenario itself, and the what-if they make.

``controls_for(scenario)`` walks the scenario (its rules, each member state, each candidate) and returns one
``Control`` per parameter a person may want to change: the consensus rule, whether absence counts as an
objection, the entry-into-force rule, the deferral chance, and for each member its participation, its stance
(chances to abstain and to object; support is what they leave), its chance that ratification stalls and the
typical delay of each domestic stage, and for each candidate its chance of applying. Another organization's
scenario gets its own members, stages and candidates; a member with a recorded ratification date, or an
instrument that needs no ratification, gets no ratification controls.

``what_if(scenario, controls, values)`` applies the values that differ from the scenario as dotted-path changes
(``members[Tajikistan].ratification.stall_probability``) and validates the result like a file, so a bad
combination is reported as the file would be (``ScenarioError``, one line per problem).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cstosim.explore import library
from cstosim.explore.library import Scenario, ScenarioError

CHOICE = "choice"
SWITCH = "switch"
PROBABILITY = "probability"
DAYS = "days"
COUNT = "count"

RULES = "Rules of the process"
CANDIDATES = "Candidates"
ENTRY_INTO_FORCE = "instrument.entry_into_force"

CONSENSUS_RULES = (
    ("unanimity (all must support)", "unanimity"),
    ("consensus of those present", "consensus_of_present"),
    ("constructive abstention (only objections block)", "constructive_abstention"),
)
PARTICIPATIONS = (
    ("active: attends and votes", "active"),
    ("abstaining: abstains on every status", "abstaining"),
    ("absent: does not attend", "absent"),
    ("suspended: not counted", "suspended"),
)
# The parameter that sets a delay's typical length, by the delay's kind (uniform and empirical have none).
_TYPICAL = {
    "lognormal": ("median_days", "median days"),
    "exponential": ("mean_days", "mean days"),
    "fixed": ("days", "days"),
}


@dataclass(frozen=True)
class Control:
    """One parameter as a control: where it is in the scenario (a dotted path), how to show it, its value."""

    path: str
    label: str
    kind: str  # CHOICE, SWITCH, PROBABILITY, DAYS or COUNT
    value: Any  # the scenario's own value (the baseline)
    group: str  # RULES, "Member state: NAME" or CANDIDATES
    options: tuple[tuple[str, Any], ...] = ()  # CHOICE: (label, value) pairs
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    hint: str = ""  # what a person should know: the source of the value, what it does not change

    def __post_init__(self) -> None:
        if self.kind in (PROBABILITY, DAYS):  # the scenario's own value must lie on the slider's grid
            object.__setattr__(self, "step", grid_step(float(self.value) - self.low, self.step))

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is one this control can take (an option, a bool, a number in range)."""
        if self.kind == CHOICE:
            return value in [option for _, option in self.options]
        if self.kind == SWITCH:
            return isinstance(value, bool)
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return numeric and self.low <= value <= self.high


def _item(name: str, index: int) -> str:
    """A list item in a path: by name where the name can be written there, else by position."""
    return name if not any(ch in name for ch in ".[]") and not name.strip().isdigit() else str(index)


def _source(scenario: Scenario, *paths: str) -> str:
    for path in paths:
        if path in scenario.sources:
            return f"source: {scenario.sources[path]}"
    return ""


def grid_step(value: float, coarsest: float) -> float:
    """The coarsest of ``coarsest``, a tenth of it, ... on whose grid ``value`` lies.

    A slider moves its value onto its grid as soon as it is drawn; a value off the grid would become a change
    nobody made.
    """
    step = coarsest
    while abs(value / step - round(value / step)) > 1e-9 and step > 1e-6:
        step /= 10
    return step


def controls_for(scenario: Scenario) -> list[Control]:
    """Every control the scenario offers, in the order a page shows them: rules, members, candidates."""
    table = dict(scenario.source_table or {})
    org, instrument = scenario.organization, scenario.instrument
    n = len(scenario.members)
    controls = [
        Control(
            "organization.consensus.rule",
            "Consensus rule",
            CHOICE,
            org.consensus.rule.value,
            RULES,
            CONSENSUS_RULES,
            hint=_source(scenario, "organization.consensus"),
        ),
        Control(
            "organization.consensus.absence_counts_as_objection",
            "An absent member counts as objecting",
            SWITCH,
            org.consensus.absence_counts_as_objection,
            RULES,
        ),
    ]
    if instrument.requires_ratification:
        eif = instrument.entry_into_force
        options = [(f"on the last notification (all {n})", "last_notification")]
        options += [(f"on notification number {k} of {n}", f"nth_notification:{k}") for k in range(n - 1, 0, -1)]
        options.append(("on the first, binding only the states that ratified", "ratifiers_only"))
        current = (
            eif.rule.value if eif.notifications_required is None else f"nth_notification:{eif.notifications_required}"
        )
        if current not in [value for _, value in options]:  # nth_notification with n = all members
            options.insert(1, (f"on notification number {eif.notifications_required} of {n}", current))
        controls.append(
            Control(
                ENTRY_INTO_FORCE,
                "Entry into force",
                CHOICE,
                current,
                RULES,
                tuple(options),
                hint=_source(scenario, "instrument.entry_into_force"),
            )
        )
    agenda = org.agenda
    controls += [
        Control(
            "organization.agenda.take_up_probability",
            "Chance that a session takes a pending request up",
            PROBABILITY,
            agenda.take_up_probability,
            RULES,
            hint=_source(scenario, "organization.agenda") or "otherwise the request waits for the next session",
        ),
        Control(
            "organization.agenda.withdrawal_per_year",
            "Yearly chance that a pending request is withdrawn",
            PROBABILITY,
            agenda.withdrawal_per_year,
            RULES,
        ),
    ]
    if instrument.requires_ratification and instrument.ratification_frailty > 0:
        controls.append(
            Control(
                "instrument.ratification_frailty.spread",
                "How much an instrument slows or speeds every member together (spread of the shared factor)",
                PROBABILITY,
                instrument.ratification_frailty,
                RULES,
                hint=_source(scenario, "instrument.ratification_frailty"),
            )
        )
    for index, driver in enumerate(scenario.drivers):
        controls.append(
            Control(
                f"drivers[{_item(driver.name, index)}].probability",
                f"Chance that '{driver.name}' acts",
                PROBABILITY,
                driver.probability,
                RULES,
                hint=_source(scenario, f"drivers[{index}]"),
            )
        )
    for index, member in enumerate(scenario.members):
        item = f"members[{_item(member.name, index)}]"
        group = f"Member state: {member.name}"
        stance = member.stance
        rules = [rule.towards.describe() for rule in member.stance_rules]
        rules += [f"{change.towards.describe()} (from a change)" for change in member.stance_changes]
        other = f"; its own stance towards {', '.join(str(r) for r in rules)} still applies" if rules else ""
        controls += [
            Control(
                f"{item}.participation",
                "Participation at the start",
                CHOICE,
                member.participation.value,
                group,
                PARTICIPATIONS,
                hint="later changes in the file still happen" if member.participation_changes else "",
            ),
            Control(
                f"{item}.stance.abstain",
                "Chance to abstain at a review",
                PROBABILITY,
                stance.abstain,
                group,
                hint=f"support is what abstaining and objecting leave{other}",
            ),
            Control(f"{item}.stance.object", "Chance to object at a review", PROBABILITY, stance.object, group),
        ]
        ratification = (table.get("members") or [{}] * n)[index].get("ratification") or {}
        if not instrument.requires_ratification or member.ratification is None or "ratified_on" in ratification:
            continue
        source = _source(scenario, f"members[{index}].ratification")
        controls.append(
            Control(
                f"{item}.ratification.stall_probability",
                "Chance that ratification stalls",
                PROBABILITY,
                member.ratification.stall_probability,
                group,
                hint=source,
            )
        )
        delays = (
            [(f"{item}.ratification.delay", "ratification", ratification["delay"])]
            if "delay" in ratification
            else [
                (f"{item}.ratification.stages[{number}].delay", f"stage '{stage['name']}'", stage["delay"])
                for number, stage in enumerate(ratification.get("stages") or [])
            ]
        )
        for path, what, delay in delays:
            if delay.get("kind") not in _TYPICAL:
                continue
            key, words = _TYPICAL[delay["kind"]]
            value = float(delay[key])
            controls.append(
                Control(
                    f"{path}.{key}",
                    f"{what[:1].upper()}{what[1:]}: {words}",
                    DAYS,
                    delay[key],
                    group,
                    low=0.0,  # a median or a mean must stay above 0: the scenario's validation says so
                    high=float(max(365, round(4 * value))),
                    step=1.0,
                )
            )
    for index, candidate in enumerate(scenario.candidates):
        names = [step.name for step in org.path_to(candidate.status)]
        if candidate.holds is not None or candidate.request(names[0]) is not None:
            continue  # it climbs from a status it holds, or its first request is recorded: no chance to apply
        first = names[0]
        controls.append(
            Control(
                f"candidates[{_item(candidate.name, index)}].application.probability",
                f"{candidate.name}: chance to apply for {first.replace('_', ' ')} status",
                PROBABILITY,
                candidate.application.probability,
                CANDIDATES,
                hint=_source(scenario, f"candidates[{index}].application"),
            )
        )
    return controls


def changes(controls: list[Control], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the scenario's, by path, in the controls' order."""
    return {c.path: values[c.path] for c in controls if c.path in values and values[c.path] != c.value}


def _set(table: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``library.set_value``, creating the tables on the way that the file left to their defaults."""
    parent = path.rpartition(".")[0]
    if parent:
        try:
            library.value_at(table, parent)
        except ScenarioError:
            table = _set(table, parent, {})
    return library.set_value(table, path, value)


def _entry_into_force(table: dict[str, Any], value: str) -> dict[str, Any]:
    rule, _, required = value.partition(":")
    current = dict(table.get("instrument", {}).get("entry_into_force") or {})
    current.pop("notifications_required", None)
    current["rule"] = rule
    if required:
        current["notifications_required"] = int(required)
    return _set(table, ENTRY_INTO_FORCE, current)


def what_if(scenario: Scenario, controls: list[Control], values: Mapping[str, Any]) -> Scenario:
    """``scenario`` with the controls' values; ``ScenarioError`` naming every problem of the result.

    A member's support becomes what its chances to abstain and to object leave (1 - abstain - object).
    """
    changed = changes(controls, values)
    if not changed:
        return scenario
    by_path = {c.path: c for c in controls}
    problems = [
        f"{path}: not a value this control takes (got {value!r})"
        for path, value in changed.items()
        if not by_path[path].accepts(value)
    ]
    if problems:
        raise ScenarioError([f"{scenario.name} (what-if): {problem}" for problem in problems])
    table = dict(scenario.source_table or {})
    for path, value in changed.items():
        if path == ENTRY_INTO_FORCE:
            table = _entry_into_force(table, value)
            continue
        table = _set(table, path, value)
        if path.endswith((".stance.abstain", ".stance.object")):
            stance = path.rpartition(".")[0]
            abstain, objects = library.value_at(table, f"{stance}.abstain"), library.value_at(table, f"{stance}.object")
            if abstain + objects > 1:
                problems.append(f"{stance}: abstain ({abstain:g}) and object ({objects:g}) leave no room for support")
            table = _set(table, f"{stance}.support", max(round(1.0 - abstain - objects, 12), 0.0))
    if problems:
        raise ScenarioError([f"{scenario.name} (what-if): {problem}" for problem in sorted(set(problems))])
    return library.parse(table, f"{scenario.name} (what-if)")
