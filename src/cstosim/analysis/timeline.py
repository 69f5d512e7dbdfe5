"""Pictures for teaching: one replication as a dated Gantt chart, and the process a scenario defines.

``timeline(scenario, result)`` draws each member state's ratification as a bar from adoption to its
notification (domestic stages as segments, a stalled procedure hatched), entry into force as a vertical line,
each candidate's applications, deferrals and reviews with their outcomes, and the sessions of every body with a
calendar as ticks, on a date axis; with ``upto=n`` it draws the history as it stood after the first ``n`` events
of the log, in the frame of the whole history, so that stepping through the events grows the chart in place.
``process_diagram(scenario)`` draws the stages, bodies and rules from the scenario itself, so a changed rule
(consensus, entry into force, no ratification) shows in the picture; ``highlight`` lights one stage (the one
``process_stage(event)`` names for an event of the log).

Both return a ``matplotlib.figure.Figure`` built without pyplot (no display, no global state).
"""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from cstosim.engine import events as e
from cstosim.engine.result import ReplicationResult
from cstosim.model.citations import DateBasis, date_basis
from cstosim.model.rules import notifications_for_entry_into_force
from cstosim.model.scenario import ConsensusRule, EntryIntoForceRule, Participation, Scenario

_BLUE = "#2a6f97"
_LIGHT_BLUE = "#a9cce3"
_ORANGE = "#e07a1f"
_GREEN = "#2e8b57"
_RED = "#c0392b"
_GREY = "#8d99ae"
_DARK = "#333333"
# How a notification date from the scenario file is labelled, by what its source says (``date_basis``).
_BASIS_LABELS = {
    DateBasis.RECORDED: "recorded",
    DateBasis.ASSUMED: "assumed",
    DateBasis.KNOWN_BY: "known by then",
    DateBasis.UNSOURCED: "no source",
}


def history_so_far(result: ReplicationResult, upto: int) -> ReplicationResult:
    """``result`` as it stood after the first ``upto`` events of its log: later events and milestones removed."""
    if not 0 <= upto <= len(result.log):
        raise ValueError(f"upto must be between 0 and {len(result.log)}, the events in the log (got {upto})")
    log = result.log[:upto]
    seen = set(log)
    stalled = {entry.member for entry in log if isinstance(entry, e.RatificationStalled)}
    return result._replace(
        adoption=result.adoption if result.adoption in seen else None,
        ratifications=tuple(x for x in result.ratifications if x in seen),
        stalled=tuple(member for member in result.stalled if member in stalled),
        entry_into_force=result.entry_into_force if result.entry_into_force in seen else None,
        applications=tuple(x for x in result.applications if x in seen),
        reviews=tuple(x for x in result.reviews if x in seen),
        grants=tuple(x for x in result.grants if x in seen),
        log=log,
    )


def timeline(
    scenario: Scenario,
    result: ReplicationResult,
    *,
    until: dt.date | None = None,
    title: str | None = None,
    upto: int | None = None,
) -> Figure:
    """One replication as a Gantt chart on a date axis.

    ``until`` ends the axis; by default one year after the last event (at most the horizon), so that the
    ratification bars are not squeezed by a long quiet horizon. ``upto=n`` draws only the first ``n`` events of
    the log (what had happened by then, with a "now" line) on the axis of the whole history.
    """
    members = [member.name for member in scenario.members]
    candidates = [candidate.name for candidate in scenario.candidates]
    calendars = [body for body in scenario.organization.bodies if body.calendar is not None]
    adoption_day = result.adoption.day if result.adoption else 0.0
    first_day = min(adoption_day, 0.0)
    last_event = max((entry.day for entry in result.log), default=first_day)
    end_day = (
        float(scenario.day(until))
        if until is not None
        else min(max(last_event + 365.0, 730.0), float(result.horizon_day))
    )
    now_day: float | None = None
    total_events = len(result.log)
    if upto is not None:  # the frame above is the whole history's; the content is the history so far
        result = history_so_far(result, upto)
        now_day = max(result.log[-1].day, first_day) if result.log else first_day
    open_end = end_day if now_day is None else min(now_day, end_day)  # where unfinished procedures end

    def num(day: float) -> float:
        return float(mdates.date2num(result.start + dt.timedelta(days=float(day))))

    rows = len(members) + len(candidates) + len(calendars)
    figure = Figure(figsize=(11, 1.6 + 0.42 * rows), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    labels: list[str] = []
    y = 0

    # Member states: ratification bars, stages, participation.
    stage_ends: dict[str, list[float]] = {}
    stalled: dict[str, e.RatificationStalled] = {}
    participation: dict[str, list[e.ParticipationChanged]] = {}
    for record in result.log:
        if isinstance(record, e.RatificationStageCompleted):
            stage_ends.setdefault(record.member, []).append(record.day)
        elif isinstance(record, e.RatificationStalled):
            stalled[record.member] = record
        elif isinstance(record, e.ParticipationChanged):
            participation.setdefault(record.member, []).append(record)
    ratified = {ratification.member: ratification for ratification in result.ratifications}
    needs_ratification = scenario.instrument.requires_ratification and result.adoption is not None
    for member in members:
        row = y
        labels.append(member)
        if needs_ratification and member in ratified:
            ratification = ratified[member]
            start = num(adoption_day)
            axes.barh(row, num(ratification.day) - start, left=start, height=0.5, color=_BLUE, zorder=2)
            for day in stage_ends.get(member, []):
                axes.plot([num(day)] * 2, [row - 0.25, row + 0.25], color="white", linewidth=1.5, zorder=3)
            date = f"{result.date(ratification.day)}"
            if ratification.known:  # a date from the file: say what its source makes of it
                basis = date_basis(scenario.sources.get(f"members[{members.index(member)}].ratification"))
                date = f"by {date}" if basis is DateBasis.KNOWN_BY else date
                date += f" ({_BASIS_LABELS[basis]})"
            axes.text(
                num(ratification.day) + 8,
                row,
                f"#{ratification.notification_number} {date}",
                va="center",
                fontsize=8,
                color=_DARK,
                zorder=4,
            )
        elif needs_ratification and member in stalled:
            start = num(adoption_day)
            axes.barh(
                row, num(open_end) - start, left=start, height=0.5, color="white", edgecolor=_GREY, hatch="//", zorder=2
            )
            axes.text(start + 8, row, f"stalled at '{stalled[member].stage}'", va="center", fontsize=8, zorder=4)
        elif not scenario.instrument.requires_ratification:
            axes.text(num(first_day) + 8, row, "no ratification needed", va="center", fontsize=8, color=_GREY)
        elif needs_ratification:
            start = num(adoption_day)
            axes.barh(row, num(open_end) - start, left=start, height=0.5, color=_LIGHT_BLUE, zorder=2)
            for day in stage_ends.get(member, []):
                axes.plot([num(day)] * 2, [row - 0.25, row + 0.25], color="white", linewidth=1.5, zorder=3)
            pending = "not ratified in view" if now_day is None else "ratifying"
            axes.text(start + 8, row, pending, va="center", fontsize=8, zorder=4)
        changes = participation.get(member, [])
        for change, following in zip(changes, [*changes[1:], None], strict=False):
            until_day = min(following.day if following else open_end, open_end)
            if change.state is not Participation.ACTIVE and change.day <= end_day:
                axes.barh(
                    row,
                    num(until_day) - num(change.day),
                    left=num(change.day),
                    height=0.5,
                    color="#f9e79f",
                    zorder=1,
                )
                axes.text(
                    num(change.day) + 8,
                    row,
                    f"{change.state.value} from {result.date(change.day)}",
                    va="center",
                    fontsize=8,
                    color="#7d6608",
                    zorder=4,
                    clip_on=True,
                )
        y += 1

    # Candidates: applications, deferrals, reviews, grants.
    for candidate in candidates:
        row = y
        labels.append(candidate)
        applications = [a for a in result.applications if a.candidate == candidate]
        reviews = [v for v in result.reviews if v.candidate == candidate]
        inadmissible = [x for x in result.log if isinstance(x, e.FoundInadmissible) and x.candidate == candidate]
        axes.axhline(row, color="#eeeeee", linewidth=0.8, zorder=0)
        for application in applications:
            ends = [v.day for v in reviews if v.attempt == application.attempt] + [
                x.day for x in inadmissible if x.day >= application.day
            ]
            end = min(ends, default=open_end)
            axes.plot([num(application.day), num(min(end, end_day))], [row, row], color=_ORANGE, linewidth=2, zorder=2)
            axes.plot(num(application.day), row, marker=">", color=_ORANGE, markersize=8, zorder=3)
        for record in result.log:
            if isinstance(record, e.Deferred) and record.candidate == candidate:
                axes.plot(num(record.day), row, marker="|", color=_DARK, markersize=12, zorder=3)
            elif isinstance(record, e.FoundInadmissible) and record.candidate == candidate:
                axes.plot(num(record.day), row, marker="X", color="black", markersize=9, zorder=3)
                axes.text(num(record.day) + 8, row + 0.25, "inadmissible", fontsize=8)
        for number, review in enumerate(reviews):
            marker, color = ("o", _GREEN) if review.granted else ("X", _RED)
            axes.plot(num(review.day), row, marker=marker, color=color, markersize=9, zorder=4)
            outcome = "granted" if review.granted else f"not granted ({review.reason})"
            late = review.day > first_day + 0.7 * (end_day - first_day)  # label leftwards, inside the axes
            axes.text(
                num(review.day) + (-8 if late else 8),
                row - 0.3 if number % 2 == 0 else row + 0.32,
                f"{result.date(review.day)}: {textwrap.shorten(outcome, 55)}",
                fontsize=7,
                color=color,
                ha="right" if late else "left",
                va="center",
                zorder=4,
            )
        if not applications:
            not_yet = "has not applied" if now_day is not None else "did not apply by the horizon"
            axes.text(
                num(first_day) + 8,
                row,
                not_yet,
                va="center",
                fontsize=8,
                color=_GREY,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                zorder=4,
            )
        y += 1

    # Sessions as ticks.
    for body in calendars:
        row = y
        labels.append(f"{body.id} sessions")
        days = [day for day in (result.sessions or {}).get(body.id, ()) if first_day <= day <= open_end]
        axes.plot([num(day) for day in days], [row] * len(days), linestyle="", marker="|", markersize=14, color=_DARK)
        y += 1

    # Adoption and entry into force.
    if result.adoption is not None:
        axes.axvline(num(adoption_day), color=_DARK, linewidth=1, linestyle=":", zorder=1)
        axes.text(num(adoption_day), -1.15, f" adoption {result.date(adoption_day)}", fontsize=8, va="center")
    if first_day < 0:  # the scenario starts after the adoption: dates before the start come from the file
        axes.axvline(num(0), color=_GREY, linewidth=1, linestyle="-.", zorder=1)
        axes.text(num(0), -1.15, f" simulation starts {result.start}", fontsize=8, va="center", color=_GREY)
    if result.entry_into_force is not None:
        day = result.entry_into_force.day
        last = f", last: {result.entry_into_force.trigger}" if result.entry_into_force.trigger else ""
        axes.axvline(num(day), color=_GREEN, linewidth=2, linestyle="--", zorder=1)
        axes.text(num(day), -0.6, f" entry into force {result.date(day)}{last}", fontsize=8, va="center", color=_GREEN)

    if now_day is not None:
        axes.axvline(num(now_day), color=_ORANGE, linewidth=1.5, linestyle="-", alpha=0.7, zorder=1)
        axes.text(num(now_day), len(labels) - 0.45, f" now: {result.date(now_day)}", fontsize=8, color=_ORANGE)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_ylim(len(labels) - 0.4, -1.5)
    axes.set_xlim(num(first_day) - 45, num(end_day) + 30)
    locator = mdates.AutoDateLocator(minticks=5, maxticks=14)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    shown = f"shown to {result.date(end_day)}; horizon {result.date(result.horizon_day)}"
    if now_day is not None:
        shown = f"after event {upto} of {total_events}, {result.date(now_day)}; " + shown
    figure.suptitle(title or f"One replication of {scenario.name}, step by step", fontsize=12)
    axes.set_title(f"{scenario.title} ({shown})", fontsize=8, color="#555555")
    handles = [
        Patch(color=_BLUE, label="ratification (adoption to notification; white: stage ends)"),
        Line2D([], [], color=_GREEN, linestyle="--", label="entry into force"),
        Line2D([], [], color=_ORANGE, marker=">", label="application, then review"),
        Line2D([], [], color=_DARK, marker="|", linestyle="", markersize=10, label="session / deferral"),
        Line2D([], [], color=_GREEN, marker="o", linestyle="", label="status granted"),
        Line2D([], [], color=_RED, marker="X", linestyle="", label="not granted"),
    ]
    if participation:
        handles.append(Patch(color="#f9e79f", label="absent / abstaining / suspended"))
    figure.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    return figure


def process_stage(event: e.Event) -> str | None:
    """The stage of ``process_diagram`` that an event of the log belongs to (its ``highlight`` key).

    Keys: ``adoption``, ``ratification``, ``entry_into_force``, ``application``, ``review:BODY`` (a review
    stage at that body), ``decision`` (the agenda and the deciding session) and ``rules`` (changes of
    participation, stances, membership, criteria, drivers: the politics the decision reads).
    """
    match event:
        case e.Adopted():
            return "adoption"
        case e.RatificationStageCompleted() | e.RatificationStalled() | e.Ratified():
            return "ratification"
        case e.EnteredIntoForce():
            return "entry_into_force"
        case e.Applied() | e.FoundInadmissible() | e.AwaitingInstrument():
            return "application"
        case e.ReviewStageCompleted(body=body):
            return f"review:{body}"
        case e.Deferred() | e.Withdrawn() | e.Revived() | e.Reviewed() | e.Granted() | e.StatusLost():
            return "decision"
        case (
            e.ParticipationChanged()
            | e.StanceChanged()
            | e.MemberJoined()
            | e.MemberLeft()
            | e.CriteriaMet()
            | e.DriverActed()
        ):
            return "rules"
    return None


def process_diagram(scenario: Scenario, *, highlight: str | None = None) -> Figure:
    """The stages, bodies and rules of the scenario's process, as boxes and arrows.

    ``highlight`` lights one stage (a key of ``process_stage``), e.g. the stage of the event being told.
    """
    org, instrument = scenario.organization, scenario.instrument
    drawn: set[str] = set()

    def lit(key: str) -> bool:
        drawn.add(key)
        return key == highlight

    bodies = {body.id: body.name for body in org.bodies}
    figure = Figure(figsize=(12, 6.2), dpi=110)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 12)
    axes.set_ylim(0, 6.2)
    axes.set_axis_off()
    figure.text(
        0.5,
        0.965,
        f"How {org.short_name} grants a status: the process in {scenario.name}",
        ha="center",
        fontsize=13,
        weight="bold",
    )

    # Row 1: the instrument.
    if instrument.adopted_on is not None:
        adoption = f"adopted on {instrument.adopted_on}"
    else:
        assert instrument.adopting_body is not None
        adoption = f"adopted at the first session of the {bodies[instrument.adopting_body]} after drafting"
    n = len(scenario.members)
    top = 4.35
    boxes = [
        (0.2, "Adoption", f"{instrument.name}: {adoption}", _DARK, "adoption"),
    ]
    if instrument.requires_ratification:
        required = notifications_for_entry_into_force(instrument.entry_into_force, n)
        boxes.append(
            (
                4.2,
                "Ratification",
                f"each of {n} member states by its own domestic procedure; notifications to the {org.depositary}",
                _BLUE,
                "ratification",
            )
        )
        eif = instrument.entry_into_force
        rule_text = {
            EntryIntoForceRule.LAST_NOTIFICATION: f"on the last notification ({required} of {n})",
            EntryIntoForceRule.NTH_NOTIFICATION: f"on notification number {required} of {n}",
            EntryIntoForceRule.RATIFIERS_ONLY: "on the first notification, binding only the states that ratified",
        }[eif.rule]
        if eif.delay.mean:
            rule_text += f", about {eif.delay.mean:.0f} days later on average"
        boxes.append((8.2, "Entry into force", rule_text, _GREEN, "entry_into_force"))
    else:
        boxes.append((4.2, "No ratification", "the instrument needs no ratification", _GREY, "ratification"))
        boxes.append((8.2, "Entry into force", "on adoption", _GREEN, "entry_into_force"))
    for x, heading, text, color, key in boxes:
        _box(axes, x, top, 3.5, 1.25, heading, text, color, lit=lit(key))
    for (x0, *_), (x1, *_) in itertools.pairwise(boxes):
        _arrow(axes, (x0 + 3.5, top + 0.62), (x1, top + 0.62))

    # Row 2: a candidate's request.
    steps: list[tuple[str, str, str, str]] = [
        (
            "Application",
            f"once in force; {len(scenario.candidates)} candidates in this scenario",
            _ORANGE,
            "application",
        )
    ]
    for stage in org.review.stages:
        session = "; then waits for its next session" if stage.at_session else ""
        delay = "" if stage.delay.mean == 0 else f"works about {stage.delay.mean:.0f} days on average"
        text = f"{delay}{session}".strip("; ") or "passes the request on"
        steps.append((bodies[stage.body], text, _GREY, f"review:{stage.body}"))
    deferral = (
        f"; taken up at a session with chance {org.agenda.take_up_probability:.0%}, else pending"
        if org.agenda.take_up_probability < 1
        else ""
    )
    steps.append(
        (f"Decision at the {bodies[org.review.deciding_body]}", f"at its next session{deferral}", _RED, "decision")
    )
    width = min(2.3, (11.6 - 0.25 * (len(steps) - 1)) / len(steps))
    gap = (11.6 - width * len(steps)) / max(len(steps) - 1, 1)
    bottom = 2.35
    for number, (heading, text, color, key) in enumerate(steps):
        x = 0.2 + number * (width + gap)
        _box(axes, x, bottom, width, 1.3, heading, text, color, lit=lit(key))
        if number:
            _arrow(axes, (x - gap, bottom + 0.65), (x, bottom + 0.65))
    # Entry into force opens the way to applications: an elbow between the two rows, clear of the boxes.
    middle = (top + bottom + 1.3) / 2
    axes.plot([9.95, 9.95, 0.2 + width / 2], [top, middle, middle], color=_DARK, linewidth=1.3)
    _arrow(axes, (0.2 + width / 2, middle), (0.2 + width / 2, bottom + 1.3))
    axes.text(
        5.0,
        middle + 0.06,
        "once in force, candidates may apply",
        fontsize=8,
        ha="center",
        va="bottom",
        color=_DARK,
        style="italic",
    )

    # Row 3: the rules of the decision.
    consensus = {
        ConsensusRule.UNANIMITY: "unanimity: every member not suspended must support",
        ConsensusRule.CONSENSUS_OF_PRESENT: "consensus of those present: abstention blocks, absence does not",
        ConsensusRule.CONSTRUCTIVE_ABSTENTION: "constructive abstention: only an objection blocks",
    }[org.consensus.rule]
    if org.consensus.absence_counts_as_objection:
        consensus += "; ABSENCE COUNTS AS AN OBJECTION"
    participation = [
        f"{m.name}: {m.participation.value}" for m in scenario.members if m.participation is not Participation.ACTIVE
    ] + [
        f"{m.name}: {change.state.value} "
        + (f"from {change.on}" if change.on else f"(chance {change.probability:.0%})")
        for m in scenario.members
        for change in m.participation_changes
    ]
    # The criteria in the organization's words, from the scenario file; never another organization's wording.
    criteria = (org.criteria_description or "not described in the scenario file.").rstrip(".") + "."
    rules = [
        f"Consensus rule: {consensus}; one objection always blocks.",
        f"Admission criteria: {criteria} A candidate failing them is never granted.",
        "Members: "
        + ", ".join(m.name for m in scenario.members)
        + (f". Participation: {'; '.join(participation)}." if participation else " (all active)."),
    ]
    _box(axes, 0.2, 0.45, 11.6, 1.45, "Rules of the decision", "\n".join(rules), _RED, wrap=140, lit=lit("rules"))
    if highlight is not None and highlight not in drawn:
        stages = ", ".join(sorted(drawn))
        raise ValueError(f"no stage {highlight!r} in the diagram of {scenario.name} (stages: {stages})")
    return figure


def _box(
    axes: Axes,
    x: float,
    y: float,
    width: float,
    height: float,
    heading: str,
    text: str,
    color: str,
    wrap: int = 0,
    lit: bool = False,
) -> None:
    """A stage: heading and text in a rounded box; a lit stage is filled with its colour and drawn thicker."""
    axes.add_patch(
        FancyBboxPatch(
            (x, y),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor=to_rgba(color, 0.18) if lit else "white",
            edgecolor=color,
            linewidth=5 if lit else 2,
            gid="lit" if lit else None,
        )
    )
    characters = wrap or max(int(width * 10.5), 14)
    body = "\n".join(textwrap.fill(line, characters, break_long_words=False) for line in text.split("\n"))
    heading = textwrap.fill(heading, max(int(width * 8.5), 12), break_long_words=False)
    axes.text(x + width / 2, y + height - 0.12, heading, ha="center", va="top", fontsize=10, weight="bold", color=color)
    axes.text(
        x + (width / 2 if not wrap else 0.12),
        y + height - 0.2 - 0.22 * (heading.count("\n") + 1),
        body,
        ha="center" if not wrap else "left",
        va="top",
        fontsize=8 if not wrap else 9,
        color=_DARK,
        linespacing=1.3,
    )


def _arrow(axes: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    axes.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=16,
            color=_DARK,
            linewidth=1.3,
        )
    )
