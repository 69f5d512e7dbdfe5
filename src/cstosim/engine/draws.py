"""The draw keys of the model, and one replication's uniform numbers looked up by key.

Every random choice is named by a key saying what it decides (see ``cstosim.engine.random_numbers``). The
functions below are the model's whole vocabulary of keys, in one place: a member, candidate, body, status or
driver is named by its name or id, a stage by its name (a review stage by its body and which visit to that body
it is), an application by its number, a session by its count since the request was ready, a session year by
the calendar year. No key holds a position in a list or a count
taken from parameters, so adding a member, a candidate, a stage or a body, or changing any parameter value or
the horizon, leaves every unrelated draw unchanged.

A ``Simulator`` knows the keys nearly every replication needs (``KeyTable``) and computes their numbers for a
whole chunk of replications at once (vectorized Philox); the rare others (a third application, an extraordinary
session's day) are computed one by one when first asked for. Both give the same number for the same key: where
a number was computed never changes its value.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cstosim.engine.random_numbers import DrawKey, RandomNumbers, hashed_keys

# Instrument --------------------------------------------------------------------------------------------------


def drafting_key() -> DrawKey:
    return ("instrument", "drafting")


def entry_into_force_delay_key() -> DrawKey:
    return ("instrument", "entry into force delay")


# Member states -----------------------------------------------------------------------------------------------


def stall_key(member: str) -> DrawKey:
    """Whether the member's ratification stalls."""
    return ("ratification", member, "stall")


def stall_stage_key(member: str) -> DrawKey:
    """At which domestic stage a stalled ratification stops."""
    return ("ratification", member, "stall stage")


def ratification_stage_key(member: str, stage: str) -> DrawKey:
    """The duration of one domestic stage, named by the stage."""
    return ("ratification", member, "stage", stage)


def participation_key(member: str, state: str, occurrence: int, part: str) -> DrawKey:
    """A random change of participation: ``part`` is "happens" or "delay"; ``occurrence`` counts the member's
    changes to the same state (1 for the first)."""
    return ("participation", member, state, occurrence, part)


# Sessions ----------------------------------------------------------------------------------------------------


def session_window_key(body: str, year: int, window: int) -> DrawKey:
    """The day of a regular session within its window (``window``: the window's number in the calendar)."""
    return ("session", body, year, "window", window)


def extraordinary_count_key(body: str, year: int) -> DrawKey:
    return ("session", body, year, "extraordinary")


def extraordinary_day_key(body: str, year: int, number: int) -> DrawKey:
    return ("session", body, year, "extraordinary", number)


def frailty_key() -> DrawKey:
    """The factor shared by every member's ratification delays."""
    return ("ratification", "shared frailty")


def withdrawal_key(member: str) -> DrawKey:
    """When a member state leaves the organization (if it has a yearly chance of leaving)."""
    return ("membership", member, "withdrawal")


def stance_change_key(member: str, towards: str, occurrence: int) -> DrawKey:
    """When a random change of a member's stance towards some candidates happens (``towards`` describes them;
    ``occurrence`` counts the member's random changes towards the same candidates)."""
    return ("stance", member, towards, occurrence)


def driver_key(driver: str, part: str) -> DrawKey:
    """Whether a driver acts in the replication (``part`` "acts") and when it starts ("start")."""
    return ("driver", driver, part)


# Candidates --------------------------------------------------------------------------------------------------


def applies_key(candidate: str) -> DrawKey:
    """Whether the candidate makes its first request at all (when the record has none)."""
    return ("application", candidate, "applies")


def application_delay_key(candidate: str) -> DrawKey:
    return ("application", candidate, "delay")


def criteria_met_key(candidate: str, part: str) -> DrawKey:
    """Whether ("happens") and when ("delay") a barred candidate comes to meet the criteria."""
    return ("criteria", candidate, part)


def promotion_key(candidate: str, status: str, part: str) -> DrawKey:
    """Whether ("applies") and when ("delay") the candidate requests ``status``, the next step of its path."""
    return ("promotion", candidate, status, part)


def held_for_key(candidate: str, status: str) -> DrawKey:
    """How long the candidate must hold the status before ``status`` on its path before it may request it."""
    return ("status", candidate, status, "held for")


def effective_key(candidate: str, status: str) -> DrawKey:
    """The delay from the decision granting ``status`` to the candidate holding it."""
    return ("status", candidate, status, "effective after")


def loss_key(candidate: str, status: str) -> DrawKey:
    """When the candidate loses ``status`` (if it has a yearly chance of losing a status)."""
    return ("status", candidate, status, "loss")


def review_stage_key(candidate: str, status: str, application: int, body: str, visit: int) -> DrawKey:
    """The duration of a review stage of one application; ``visit`` counts the stages at the same body."""
    return ("review", candidate, status, application, "stage", body, visit)


def take_up_key(candidate: str, status: str, application: int, session: int) -> DrawKey:
    """Whether the ``session``-th session of the deciding body after the request is ready takes it up."""
    return ("agenda", candidate, status, application, "take up", session)


def agenda_withdrawal_key(candidate: str, status: str, application: int, round: int) -> DrawKey:
    """When a pending request is withdrawn (``round`` counts its returns to the agenda, from 1)."""
    return ("agenda", candidate, status, application, "withdrawal", round)


def revival_key(candidate: str, status: str, application: int, round: int, part: str) -> DrawKey:
    """Whether ("happens") and when ("delay") a withdrawn request comes back."""
    return ("agenda", candidate, status, application, "revival", round, part)


def vote_key(candidate: str, status: str, application: int, member: str) -> DrawKey:
    return ("vote", candidate, status, application, member)


def reapplies_key(candidate: str, status: str, application: int) -> DrawKey:
    """Whether the candidate applies again after application ``application`` was rejected."""
    return ("reapplication", candidate, status, application, "applies")


def reapplication_delay_key(candidate: str, status: str, application: int) -> DrawKey:
    return ("reapplication", candidate, status, application, "delay")


# Keys computed ahead, and one replication's numbers ---------------------------------------------------------

MAX_REPLICATION = 2**63 - 1  # replication numbers are a 64-bit counter and an int64 column of the run table
BATCH_NUMBERS = 2**18  # numbers computed at once (Philox holds about ten arrays of this size while it works)


class KeyTable:
    """The keys a simulator computes ahead for every replication, each with its column in the chunk array."""

    def __init__(self) -> None:
        self.keys: list[DrawKey] = []
        self.position: dict[DrawKey, int] = {}
        self._hashes: np.ndarray | None = None

    def add(self, key: DrawKey) -> int:
        """The key's column (added if new)."""
        position = self.position.get(key)
        if position is None:
            position = self.position[key] = len(self.keys)
            self.keys.append(key)
            self._hashes = None
        return position

    def add_all(self, keys: Iterable[DrawKey]) -> None:
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def hashes(self) -> np.ndarray:
        if self._hashes is None:
            self._hashes = hashed_keys(self.keys)
        return self._hashes

    def draws(self, numbers: RandomNumbers, replications: Iterable[int], batch: int = 256) -> Iterable[Draws]:
        """Each replication's ``Draws``, the table's keys computed ``batch`` replications at a time (fewer when
        there are many keys, so that a batch's arrays stay near ``BATCH_NUMBERS`` numbers whatever the scenario)."""
        batch = max(1, min(batch, BATCH_NUMBERS // max(len(self.keys), 1)))
        pending: list[int] = []
        for replication in replications:
            if not 0 <= replication <= MAX_REPLICATION:
                raise ValueError(f"replication must be a whole number from 0 to 2**63 - 1 (got {replication})")
            pending.append(replication)
            if len(pending) == batch:
                yield from self._batch(numbers, pending)
                pending = []
        if pending:
            yield from self._batch(numbers, pending)

    def _batch(self, numbers: RandomNumbers, replications: list[int]) -> Iterable[Draws]:
        if not self.keys:
            rows: list[list[float]] = [[] for _ in replications]
        else:
            rows = numbers.uniforms_hashed(replications, self.hashes).tolist()
        for replication, row in zip(replications, rows, strict=True):
            yield Draws(numbers, replication, self.position, row)


class Draws:
    """One replication's uniform numbers: ``draws[key]``, or ``draws.values[column]`` for a key of the table.

    ``replace`` sets a key's number (a forecast conditioning a delay on the record); every other key keeps the
    number the seed gives it.
    """

    __slots__ = ("_extra", "numbers", "position", "replication", "values")

    def __init__(
        self, numbers: RandomNumbers, replication: int, position: dict[DrawKey, int], values: list[float]
    ) -> None:
        self.numbers = numbers
        self.replication = replication
        self.position = position
        self.values = values
        self._extra: dict[DrawKey, float] = {}

    def __getitem__(self, key: DrawKey) -> float:
        column = self.position.get(key)
        if column is not None:
            return self.values[column]
        value = self._extra.get(key)
        if value is None:
            value = self._extra[key] = self.numbers.uniform(self.replication, key)
        return value

    def replace(self, key: DrawKey, value: float) -> None:
        if not 0.0 <= value < 1.0:
            raise ValueError(f"a uniform number must lie in [0, 1) (got {value})")
        column = self.position.get(key)
        if column is not None:
            self.values[column] = value
        else:
            self._extra[key] = value
