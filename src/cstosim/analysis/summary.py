"""The summary of a run: milestone dates, probabilities with intervals, last ratifiers.

Probabilities carry Wilson score intervals (``cstosim.outcomes.statistics.Proportion``). Milestone dates are
summarised over the replications that reached them, with the share that did. Computed from a ``Tally``, so a
streamed run of any size and an in-memory table give the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from cstosim.experiments.files import jsonable
from cstosim.model.scenario import Scenario
from cstosim.outcomes.statistics import Proportion
from cstosim.outcomes.table import applied_column, granted_column, ratified_column
from cstosim.outcomes.tally import Tally


@dataclass(frozen=True)
class MilestoneDates:
    """When a milestone happened, over the replications that reached it by the horizon."""

    milestone: str
    reached: Proportion
    median: dt.date | None
    p05: dt.date | None
    p95: dt.date | None


@dataclass(frozen=True)
class CandidateOutcome:
    candidate: str
    status: str
    applied: Proportion
    granted: Proportion
    median_grant: dt.date | None


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
        """Plain JSON-ready figures (dates as ISO strings)."""
        json_ready: dict[str, Any] = jsonable(asdict(self))
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
    candidates = tuple(
        CandidateOutcome(
            candidate=c.name,
            status=c.status,
            applied=Proportion.of(tally.reached(applied_column(c.name)), n),
            granted=Proportion.of(tally.reached(granted_column(c.name)), n),
            median_grant=_date(tally.quantile_date(granted_column(c.name), 0.5)),
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
    return MilestoneDates(
        milestone=name,
        reached=Proportion.of(tally.reached(column), tally.replications),
        median=_date(tally.quantile_date(column, 0.5)),
        p05=_date(tally.quantile_date(column, 0.05)),
        p95=_date(tally.quantile_date(column, 0.95)),
    )


def _date(value: np.datetime64 | None) -> dt.date | None:
    if value is None:
        return None
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(value.astype("datetime64[D]").astype(np.int64)))
