"""What a conditioned forecast says is still to come: figures with intervals, a text report, and a plot.

Reads a ``Forecast`` (the table of conditioned replications, with ``accepted`` marking the ones consistent with
the record) and never runs the engine. Probabilities are shares of the accepted replications with Wilson
intervals; dates are the median and the 5% and 95% quantiles over the accepted replications that reached them.

A forecast may keep few replications (the record rejects the others). It then says so: a warning when fewer
than ``FEW_ACCEPTED`` are accepted, and no date quantile that its replications cannot support (an order
statistic interval around a 5% date needs 72 values, around a median 6: ``quantile_supported``), with the number
of replications that would, at the rate this run accepted them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from cstosim.analysis.summary import MilestoneDates
from cstosim.experiments.files import jsonable
from cstosim.experiments.forecast import Forecast
from cstosim.model.facts import FactEvent
from cstosim.outcomes.statistics import Proportion, replications_for_quantile
from cstosim.outcomes.table import granted_column
from cstosim.outcomes.tally import DayCounts

YEARS_AHEAD = (1, 2, 3, 5, 10)
FEW_ACCEPTED = 100  # below this many accepted replications, a forecast says its figures rest on few runs


@dataclass(frozen=True)
class FactLine:
    fact: str
    source: str
    how: str  # "imposed" (by construction) or "checked" (rejection)
    contradicted: int


@dataclass(frozen=True)
class GrantOutlook:
    """The chance that ``who`` (a candidate, or any candidate) holds a status by each date."""

    who: str
    by: tuple[tuple[dt.date, Proportion], ...]
    median: dt.date | None


@dataclass(frozen=True)
class ForecastSummary:
    scenario: str
    record: str
    as_of: dt.date
    horizon: dt.date
    method: str
    statement: str
    seed: int
    replications: int
    accepted: int
    facts: tuple[FactLine, ...]
    entry_into_force: MilestoneDates | None  # None when the record says it has happened
    in_force_by_as_of: Proportion | None
    first_grant: MilestoneDates
    grants: tuple[GrantOutlook, ...]  # any candidate first, then each candidate
    warnings: tuple[str, ...]  # few accepted replications; dates left out and the runs that would give them

    def to_json(self) -> dict[str, Any]:
        json_ready: dict[str, Any] = jsonable(asdict(self))
        return json_ready


def _milestone(name: str, column: pd.Series, start: dt.date) -> MilestoneDates:
    """When a milestone happened, over the replications of ``column`` that reached it."""
    counts = DayCounts()
    counts.add((column.dropna() - pd.Timestamp(start)).dt.days.to_numpy(dtype=np.int64))
    return MilestoneDates.of(name, counts, len(column), start)


def more_replications(needed: int, have: int, replications: int) -> int | None:
    """How many replications more than ``replications`` should bring ``have`` (values a quantile can use) up to
    ``needed``, if they come at the rate this run gave them (``None``: none came, no rate to go by)."""
    if have >= needed:
        return 0
    if have == 0:
        return None
    return math.ceil(needed * replications / have) - replications


def _warnings(forecast: Forecast, accepted: int, milestones: list[MilestoneDates]) -> tuple[str, ...]:
    """What the reader of a forecast kept on few replications must know: how few, and the dates left out."""
    total = forecast.replications
    warnings = []
    if accepted < FEW_ACCEPTED:
        target = 10 * FEW_ACCEPTED
        needed = math.ceil(target * total / accepted)  # accepted >= 1: summarize_forecast refuses a forecast of none
        warnings.append(
            f"Only {accepted:,} of {total:,} replications agree with the record: every figure below rests on "
            f"{accepted:,} runs. At this rate about {needed:,} replications would give {target:,} accepted."
        )
    median, tails = replications_for_quantile(0.5), replications_for_quantile(0.05)
    for milestone in milestones:
        have = milestone.reached.successes
        if have >= tails:
            continue
        which = "5% and 95% dates" if have >= median else "median, 5% and 95% dates"
        wanted = f"they need {tails}" if have >= median else f"a median needs {median}, the 5% and 95% dates {tails}"
        more = more_replications(tails, have, total)
        runs = (
            f"; about {more:,} more replications at this run's rate ({have / total:.1%} of the replications are "
            "accepted and reach it) would give them all"
            if more is not None
            else ""
        )
        reached = f"{have:,} accepted replication{'' if have == 1 else 's'} reached it"
        warnings.append(f"{milestone.milestone}: no {which}: {reached}; {wanted}{runs}.")
    return tuple(warnings)


def outlook_dates(as_of: dt.date, horizon: dt.date) -> list[dt.date]:
    """``as_of`` plus 1, 2, 3, 5 and 10 years, up to the horizon, and the horizon itself."""
    dates = []
    for years in YEARS_AHEAD:
        try:
            date = as_of.replace(year=as_of.year + years)
        except ValueError:  # 29 February
            date = as_of.replace(year=as_of.year + years, day=28)
        if date < horizon:
            dates.append(date)
    return [*dates, horizon]


def summarize_forecast(forecast: Forecast) -> ForecastSummary:
    """The forecast's figures, from its accepted replications. Raises ``ValueError`` if none was accepted."""
    table = forecast.accepted_table
    if table.empty:
        worst = max(forecast.checks, key=lambda check: check.contradicted)
        raise ValueError(
            f"no replication of {forecast.replications} is consistent with the record; the fact most often "
            f"contradicted is '{worst.fact.describe()}' ({worst.contradicted} replications)"
        )
    record, scenario = forecast.record, forecast.scenario
    n = len(table)
    eif_recorded = any(f.event is FactEvent.ENTRY_INTO_FORCE and f.happened for f in record.facts)
    as_of = pd.Timestamp(record.as_of)
    dates = outlook_dates(record.as_of, scenario.horizon)
    columns = [("any candidate", table["first_grant"])]
    columns += [(c.name, table[granted_column(c.name)]) for c in scenario.candidates]
    grants = tuple(
        GrantOutlook(
            who,
            tuple((date, Proportion.of(int((column <= pd.Timestamp(date)).sum()), n)) for date in dates),
            _milestone(who, column, scenario.start).median,
        )
        for who, column in columns
    )
    entry_into_force = (
        None if eif_recorded else _milestone("entry into force", table["entry_into_force"], scenario.start)
    )
    first_grant = _milestone("first status granted", table["first_grant"], scenario.start)
    return ForecastSummary(
        scenario=scenario.name,
        record=record.title,
        as_of=record.as_of,
        horizon=scenario.horizon,
        method=forecast.method.value,
        statement=forecast.statement,
        seed=forecast.seed,
        replications=forecast.replications,
        accepted=n,
        facts=tuple(
            FactLine(c.fact.describe(), c.fact.source, "imposed" if c.imposed else "checked", c.contradicted)
            for c in forecast.checks
        ),
        entry_into_force=entry_into_force,
        in_force_by_as_of=None if eif_recorded else Proportion.of(int((table["entry_into_force"] <= as_of).sum()), n),
        first_grant=first_grant,
        grants=grants,
        warnings=_warnings(forecast, n, [m for m in (entry_into_force, first_grant) if m is not None]),
    )


def format_forecast(summary: ForecastSummary) -> str:
    """The forecast as plain text: method, acceptance, the facts, then what is still to come."""
    share = summary.accepted / summary.replications
    lines = [
        f"{summary.scenario} conditioned on: {summary.record}",
        f"As of {summary.as_of}; horizon {summary.horizon}; seed {summary.seed}",
        f"Method: {summary.method} ({summary.statement})",
        f"Accepted: {summary.accepted:,} of {summary.replications:,} replications ({share:.1%})",
        *(f"Warning: {warning}" for warning in summary.warnings),
        "",
        "Facts (how each was honoured; replications that contradicted it before rejection)",
    ]
    width = max(len(f.fact) for f in summary.facts) + 2 if summary.facts else 10
    for fact in summary.facts:
        lines.append(f"  {fact.fact:<{width}}{fact.how:<9}{fact.contradicted:>7,}")
    lines.append("")
    if summary.entry_into_force is not None and summary.in_force_by_as_of is not None:
        e = summary.entry_into_force
        lines += [
            f"Entry into force (not in the record): in force by {summary.as_of}: "
            f"{_interval(summary.in_force_by_as_of)}; by {summary.horizon}: {_interval(e.reached)}",
            f"  date: median {_date(e.median)}, 5% {_date(e.p05)}, 95% {_date(e.p95)} (over the "
            f"{e.reached.successes:,} accepted replications in force by the horizon); 50% of all accepted in force: "
            f"{_by(e.median_all)}",
            "",
        ]
    first = summary.first_grant
    lines += [
        f"First status granted: median {_date(first.median)}, 5% {_date(first.p05)}, 95% {_date(first.p95)} "
        f"(over the {first.reached.successes:,} accepted replications with a grant by the horizon); 50% of all "
        f"accepted with a grant: {_by(first.median_all)}",
        "",
        "Probability of a status granted by each date (95% interval)",
    ]
    dates = [date for date, _ in summary.grants[0].by]
    who_width = max(len(g.who) for g in summary.grants) + 2
    lines.append((f"  {'':<{who_width}}" + "".join(f"{date!s:<24}" for date in dates)).rstrip())
    for outlook in summary.grants:
        cells = "".join(f"{_short_interval(p):<24}" for _, p in outlook.by)
        lines.append(f"  {outlook.who:<{who_width}}{cells}".rstrip())
    return "\n".join(lines)


def _date(value: dt.date | None) -> str:
    return str(value) if value is not None else "-"


def _by(value: dt.date | None) -> str:
    return f"by {value}" if value is not None else "not reached"


def _interval(p: Proportion) -> str:
    return f"{p.estimate:.1%} ({p.low:.1%} to {p.high:.1%})"


def _short_interval(p: Proportion) -> str:
    return f"{p.estimate:5.1%} ({p.low:.1%}-{p.high:.1%})"


def forecast_plot(forecast: Forecast, summary: ForecastSummary) -> Figure:
    """Cumulative chance of a first grant after the as-of date, for any candidate and for each candidate."""
    table = forecast.accepted_table
    figure = Figure(figsize=(9.0, 5.0), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    n = len(table)
    as_of = pd.Timestamp(summary.as_of)
    horizon = pd.Timestamp(summary.horizon)
    days = pd.date_range(as_of, horizon, freq="7D")
    x = mdates.date2num(days.to_numpy())
    columns = [("any candidate", table["first_grant"])]
    columns += [(c.name, table[granted_column(c.name)]) for c in forecast.scenario.candidates]
    for number, (who, column) in enumerate(columns):
        values = np.sort(column.dropna().to_numpy(dtype="datetime64[ns]"))
        granted = np.searchsorted(values, days.to_numpy(dtype="datetime64[ns]"), side="right")
        shares = granted / n
        if number == 0:
            intervals = [Proportion.of(int(count), n) for count in granted]
            low, high = [p.low for p in intervals], [p.high for p in intervals]
            axes.fill_between(x, low, high, color="#222222", alpha=0.15, linewidth=0, label="95% interval (any)")
            axes.plot(x, shares, color="#222222", linewidth=2.5, label=f"{who} (first grant)")
        else:
            axes.plot(x, shares, linewidth=1.3, label=who)
    axes.xaxis.set_major_locator(mdates.YearLocator())
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_ylim(0, 1.0)
    axes.set_xlabel("date")
    axes.set_ylabel("share of accepted replications with a status granted")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.suptitle(f"Given the record as of {summary.as_of}: when is a status first granted?", fontsize=12)
    axes.set_title(
        f"{summary.scenario}, method {summary.method}: {summary.accepted:,} of {summary.replications:,} "
        f"replications accepted, seed {summary.seed}",
        fontsize=8,
        color="#555555",
    )
    return figure
