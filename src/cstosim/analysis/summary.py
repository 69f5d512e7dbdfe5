"""The summary of a run: milestone dates, probabilities with intervals, last ratifiers.

Probabilities carry Wilson score intervals (``cstosim.outcomes.statistics.Proportion``). A milestone's median
and 5% and 95% dates are over the replications that reached it, a conditional figure reported with the share
that did: read alone it can mislead (a stricter rule that removes the late grants moves the median grant
earlier). Beside it, ``median_all`` is the date by which half of all replications had reached it, the others
counted as later than any date. A quantile that too few replications support (``quantile_supported``: a 5% date
needs 72) is not given. Computed from a ``Tally``, so a streamed run of any size and an in-memory table give
the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from cstosim.experiments.files import jsonable
from cstosim.model.scenario import Scenario
from cstosim.outcomes.statistics import Proportion, quantile_rank, quantile_supported
from cstosim.outcomes.table import applied_column, granted_column, ratified_column
from cstosim.outcomes.tally import DayCounts, Tally

# What the date figures of summary.json mean, written into it.
DEFINITIONS = {
    "reached": "share of all replications that reached the milestone by the horizon (95% Wilson interval)",
    "median, p05, p95": "dates over the replications that reached the milestone only (a conditional figure); "
    "null when too few reached it to support that quantile (a 5% or 95% date needs 72, a median 6)",
    "median_all": "the date by which half of all replications had reached the milestone, the others counted as "
    "later than any date; null when fewer than half reached it by the horizon",
    "median_grant, median_grant_all": "a candidate's grant date: the median over the replications that granted "
    "it, and the date by which half of all replications had granted it",
}


@dataclass(frozen=True)
class MilestoneDates:
    """When a milestone happened: ``median``, ``p05`` and ``p95`` over the replications that reached it by the
    horizon (``reached`` says how many), ``None`` where too few did to support that quantile; ``median_all``,
    the date by which half of all replications had reached it (``None``: fewer than half did)."""

    milestone: str
    reached: Proportion
    median: dt.date | None
    p05: dt.date | None
    p95: dt.date | None
    median_all: dt.date | None

    @classmethod
    def of(cls, milestone: str, counts: DayCounts, replications: int, start: dt.date) -> MilestoneDates:
        """From the days (since ``start``) on which the replications that reached it did, out of
        ``replications``."""
        reached = counts.reached

        def date(day: int | None) -> dt.date | None:
            return None if day is None else start + dt.timedelta(days=day)

        def conditional(q: float) -> dt.date | None:
            return date(counts.quantile(q)) if quantile_supported(reached, q) else None

        over_all = counts.order_statistic(quantile_rank(replications, 0.5))
        return cls(
            milestone=milestone,
            reached=Proportion.of(reached, replications),
            median=conditional(0.5),
            p05=conditional(0.05),
            p95=conditional(0.95),
            median_all=date(over_all) if quantile_supported(replications, 0.5) else None,
        )

    @property
    def too_few(self) -> bool:
        """Whether some quantile was left out because too few replications reached the milestone."""
        return self.reached.successes > 0 and (self.p05 is None or self.median is None)


@dataclass(frozen=True)
class CandidateOutcome:
    """A candidate's chance of applying and of obtaining the status it seeks; ``median_grant`` over the
    replications that granted it, ``median_grant_all`` the date by which half of all replications had."""

    candidate: str
    status: str
    applied: Proportion
    granted: Proportion
    median_grant: dt.date | None
    median_grant_all: dt.date | None


@dataclass(frozen=True)
class Summary:
    scenario: str
    replications: int
    seed: int | None
    horizon: dt.date
    milestones: tuple[MilestoneDates, ...]
    entry_into_force: MilestoneDates
    candidates: tuple[CandidateOutcome, ...]
    any_grant: Proportion
    last_ratifier: dict[str, Proportion]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready figures (dates as ISO strings), with what the date figures mean."""
        json_ready: dict[str, Any] = jsonable({**asdict(self), "definitions": DEFINITIONS})
        return json_ready

    def _repr_html_(self) -> str:  # a notebook shows tables of percentages and dates, not the dataclass
        from cstosim.analysis.display import summary_html

        return summary_html(self)

    def _repr_markdown_(self) -> str:
        from cstosim.analysis.display import summary_markdown

        return summary_markdown(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's plain text: the tables too
        printer.text(self._repr_markdown_())


def summarize(scenario: Scenario, table: pd.DataFrame) -> Summary:
    """The figures ``cstosim run`` prints and writes, from a replication table."""
    return summarize_tally(scenario, Tally.of(scenario, table))


def summarize_tally(scenario: Scenario, tally: Tally) -> Summary:
    """The same figures from a running tally (runs streamed chunk by chunk to disk)."""
    n = tally.replications
    milestones = [_dates(tally, "adoption", "adoption")]
    if scenario.instrument.requires_ratification:
        milestones += [_dates(tally, f"{m.name} ratifies", ratified_column(m.name)) for m in scenario.members]
    entry_into_force = _dates(tally, "entry into force", "entry_into_force")
    milestones.append(entry_into_force)
    milestones += [_dates(tally, f"{c.name} applies", applied_column(c.name)) for c in scenario.candidates]
    milestones.append(_dates(tally, "first status granted", "first_grant"))
    grants = {c.name: _dates(tally, c.name, granted_column(c.name)) for c in scenario.candidates}
    candidates = tuple(
        CandidateOutcome(
            candidate=c.name,
            status=c.status,
            applied=Proportion.of(tally.reached(applied_column(c.name)), n),
            granted=grants[c.name].reached,
            median_grant=grants[c.name].median,
            median_grant_all=grants[c.name].median_all,
        )
        for c in scenario.candidates
    )
    counts = sorted(tally.last_ratifier.items(), key=lambda item: -item[1])
    last_ratifier = {member: Proportion.of(count, n) for member, count in counts}
    return Summary(
        scenario=scenario.name,
        replications=n,
        seed=next(iter(tally.seeds)) if len(tally.seeds) == 1 else None,
        horizon=scenario.horizon,
        milestones=tuple(milestones),
        entry_into_force=entry_into_force,
        candidates=candidates,
        any_grant=Proportion.of(tally.reached("first_grant"), n),
        last_ratifier=last_ratifier,
    )


def _dates(tally: Tally, name: str, column: str) -> MilestoneDates:
    start = dt.date(1970, 1, 1) + dt.timedelta(days=int(tally.start.astype(np.int64)))
    return MilestoneDates.of(name, tally.days[column], tally.replications, start)
