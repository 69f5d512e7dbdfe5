"""The uniform random numbers one replication consumes, drawn in one call and laid out in fixed slots.

Each random choice of the model has its own slot (member 3's second ratification stage, candidate 1's vote
from member 2 at its first application, ...), and the layout depends only on the scenario's structure (how
many members, stages, candidates, years), never on parameter values. Two scenarios that differ in a median, a
probability or a rule therefore see the same numbers in the same slots: sweep points and what-ifs are
compared under common random numbers, and a change to one member's law does not shift any other draw.
The calendar block comes last so that a change of horizon leaves every other slot in place.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from cstosim.model.calendar import draws_per_year
from cstosim.model.scenario import Scenario

# Instrument slots.
DRAFTING = 0
ENTRY_INTO_FORCE_DELAY = 1
INSTRUMENT_SLOTS = 2

# Member slots: stall decision, stall stage, then one per ratification stage, then two per participation change.
STALL = 0
STALL_STAGE = 1
FIRST_STAGE = 2

# Candidate slots: application decision and delay, then per application attempt the slots below.
APPLIES = 0
APPLICATION_DELAY = 1
FIRST_ATTEMPT = 2


@dataclass(frozen=True)
class DrawLayout:
    """Sizes of the blocks of uniforms, derived from the scenario's structure."""

    members: int
    member_width: int
    max_stages: int
    candidates: int
    attempts: int
    review_stages: int
    max_deferrals: int
    bodies: tuple[tuple[str, int], ...]  # body id, draws per year, for bodies with a calendar
    first_year: int
    years: int

    @classmethod
    def of(cls, scenario: Scenario, origin_day: int) -> DrawLayout:
        max_stages = max((len(m.ratification.stages) for m in scenario.members if m.ratification), default=0)
        max_changes = max((len(m.participation_changes) for m in scenario.members), default=0)
        first_year = scenario.date(origin_day).year
        return cls(
            members=len(scenario.members),
            member_width=FIRST_STAGE + max_stages + 2 * max_changes,
            max_stages=max_stages,
            candidates=len(scenario.candidates),
            attempts=max((c.max_applications for c in scenario.candidates), default=1),
            review_stages=len(scenario.organization.review.stages),
            max_deferrals=scenario.organization.review.max_deferrals,
            bodies=tuple(
                (body.id, draws_per_year(body.calendar))
                for body in scenario.organization.bodies
                if body.calendar is not None
            ),
            first_year=first_year,
            years=scenario.horizon.year - first_year + 1,
        )

    @property
    def attempt_width(self) -> int:
        """Per application: a delay per review stage, a draw per possible deferral, re-application choice and delay."""
        return self.review_stages + self.max_deferrals + 2

    @property
    def candidate_width(self) -> int:
        return FIRST_ATTEMPT + self.attempts * self.attempt_width

    def participation_slot(self, change_index: int) -> int:
        return FIRST_STAGE + self.max_stages + 2 * change_index


class Draws:
    """One replication's uniforms, as plain Python lists (fast to index from SimPy processes)."""

    def __init__(self, layout: DrawLayout, rng: np.random.Generator) -> None:
        sizes = [
            INSTRUMENT_SLOTS,
            layout.members * layout.member_width,
            layout.candidates * layout.candidate_width,
            layout.candidates * layout.attempts * layout.members,
            sum(width for _, width in layout.bodies) * layout.years,
        ]
        flat: list[float] = rng.random(sum(sizes)).tolist()
        offsets = list(itertools.accumulate(sizes, initial=0))
        self.instrument = flat[: offsets[1]]
        self.members = _rows(flat, offsets[1], layout.members, layout.member_width)
        self.candidates = _rows(flat, offsets[2], layout.candidates, layout.candidate_width)
        votes = _rows(flat, offsets[3], layout.candidates * layout.attempts, layout.members)
        self.votes = [votes[c * layout.attempts : (c + 1) * layout.attempts] for c in range(layout.candidates)]
        self.calendars: dict[str, list[list[float]]] = {}
        offset = offsets[4]
        for body_id, width in layout.bodies:
            self.calendars[body_id] = _rows(flat, offset, layout.years, width)
            offset += width * layout.years


def _rows(flat: list[float], offset: int, count: int, width: int) -> list[list[float]]:
    return [flat[offset + i * width : offset + (i + 1) * width] for i in range(count)]
