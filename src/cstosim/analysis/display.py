"""How results look in a notebook: chances as percentages, dates as dates, a run's summary as tables.

``readable(frame)`` returns a pandas ``Styler`` of a results table (a run table, ``compare``, ``sweep_summary``):
dates without a time of day, a missing date as "-", chances as percentages, years with one decimal, counts with
thousands separators; the frame itself is left as it is, for computing. ``summary_html`` and
``summary_markdown`` are what a notebook shows for a ``Summary`` (its ``_repr_html_`` and ``_repr_markdown_``):
the figures ``cstosim run`` prints, as tables. This module reads a summary by its fields only (``SummaryLike``),
so that ``analysis.summary`` can call it without the two importing each other.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from cstosim.outcomes.statistics import Proportion


class _Dates(Protocol):
    @property
    def milestone(self) -> str: ...
    @property
    def reached(self) -> Proportion: ...
    @property
    def median(self) -> dt.date | None: ...
    @property
    def p05(self) -> dt.date | None: ...
    @property
    def p95(self) -> dt.date | None: ...


class _Candidate(Protocol):
    @property
    def candidate(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def applied(self) -> Proportion: ...
    @property
    def granted(self) -> Proportion: ...
    @property
    def median_grant(self) -> dt.date | None: ...


class SummaryLike(Protocol):
    """The fields of ``cstosim.analysis.summary.Summary`` that a notebook shows."""

    @property
    def scenario(self) -> str: ...
    @property
    def replications(self) -> int: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def horizon(self) -> dt.date: ...
    @property
    def milestones(self) -> Sequence[_Dates]: ...
    @property
    def entry_into_force(self) -> _Dates: ...
    @property
    def candidates(self) -> Sequence[_Candidate]: ...
    @property
    def any_grant(self) -> Proportion: ...
    @property
    def last_ratifier(self) -> Mapping[str, Proportion]: ...


# Columns whose numbers are chances, by a word in their name (``compare``: "...: share by the horizon").
_CHANCE_WORDS = ("share", "probability", "chance")
# ``sweep_summary``'s estimate and interval: chances when every value lies in [0, 1] (a proportion metric), else
# the years of a ``years_to_*`` metric. ``percent=`` says it outright where that rule would guess wrong.
_ESTIMATES = ("estimate", "low", "high")


def percent(value: float) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.1%}"


def date(value: Any) -> str:
    if value is None or pd.isna(value):
        return "-"
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


def _number(value: Any) -> str:
    if value is None or pd.isna(value):
        return "-"
    if np.isinf(value):
        return "beyond the horizon"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def chance_columns(frame: pd.DataFrame) -> list[str]:
    """The float columns ``readable`` shows as percentages when not told (see ``_CHANCE_WORDS``)."""
    chosen = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        name = str(column).lower()
        finite = values.dropna()
        within = bool(((finite >= 0) & (finite <= 1)).all())
        if within and (any(word in name for word in _CHANCE_WORDS) or name in _ESTIMATES):
            chosen.append(column)
    return chosen


def readable(frame: pd.DataFrame, percent_columns: Collection[str] | None = None) -> Styler:
    """``frame`` formatted for reading (a pandas ``Styler``; the numbers themselves are unchanged).

    ``percent_columns`` names the columns to show as percentages; by default, float columns named for a share,
    a probability or a chance, and ``sweep_summary``'s ``estimate``, ``low`` and ``high`` when they lie in [0, 1].
    """
    chances = list(chance_columns(frame) if percent_columns is None else percent_columns)
    formats: dict[Any, Any] = {}
    dates: list[Hashable] = []
    words: list[Hashable] = []
    for column in frame.columns:
        values = frame[column]
        if column in chances:
            formats[column] = percent
        elif pd.api.types.is_datetime64_any_dtype(values) or values.map(_is_date).any():
            formats[column] = date
            dates.append(column)
        elif pd.api.types.is_bool_dtype(values) or _all_bool(values):
            formats[column] = _yes_no
        elif pd.api.types.is_integer_dtype(values):
            formats[column] = str  # seeds and replication numbers: no thousands separator
        elif pd.api.types.is_float_dtype(values):
            formats[column] = _number
        else:
            formats[column] = _words
            words.append(column)
    style = frame.style.format(formats, na_rep="-")
    style = style.set_properties(subset=dates, **{"white-space": "nowrap"})
    style = style.set_properties(subset=words, **{"text-align": "left"})
    if frame.index.name is None and not isinstance(frame.index, pd.MultiIndex):
        style = style.hide(axis="index")  # row numbers of a filtered table say nothing to a reader
    return style


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date)


def _all_bool(values: pd.Series) -> bool:
    """A column of yes/no answers kept as objects (a column of a filtered table that had gaps elsewhere)."""
    present = values.dropna()
    return len(present) > 0 and all(isinstance(value, (bool, np.bool_)) for value in present)


def _yes_no(value: Any) -> str:
    return "-" if value is None or pd.isna(value) else ("yes" if value else "no")


def _words(value: Any) -> str:
    """Text as it is; a mapping of names to words (a review's votes) grouped by word, a list joined."""
    if isinstance(value, Mapping):
        grouped: dict[str, list[str]] = {}
        for name, word in value.items():
            grouped.setdefault(str(word), []).append(str(name))
        return "; ".join(f"{word}: {', '.join(names)}" for word, names in grouped.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return "-" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _interval(share: Proportion) -> str:
    return f"{share.low:.1%} to {share.high:.1%}"


def _rows(summary: SummaryLike) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The summary's tables as (header, rows) of text: milestones, candidates, last ratifiers."""
    horizon = summary.horizon
    tables = {
        "Milestones": (
            ["milestone", "reached by the horizon", "median date", "5%", "95%"],
            [
                [m.milestone, percent(m.reached.estimate), date(m.median), date(m.p05), date(m.p95)]
                for m in summary.milestones
            ],
        ),
        "Candidates": (
            ["candidate (status sought)", "applied", f"granted by {horizon}", "95% interval", "median grant"],
            [
                [
                    f"{c.candidate} ({c.status.replace('_', ' ')})",
                    percent(c.applied.estimate),
                    percent(c.granted.estimate),
                    _interval(c.granted),
                    date(c.median_grant),
                ]
                for c in summary.candidates
            ],
        ),
    }
    if summary.last_ratifier:
        ordered = sorted(summary.last_ratifier.items(), key=lambda item: -item[1].estimate)
        tables["Last to ratify (whose notification completed entry into force)"] = (
            ["member state", "share of replications", "95% interval"],
            [[member, percent(share.estimate), _interval(share)] for member, share in ordered],
        )
    return tables


def _headline(summary: SummaryLike) -> tuple[str, list[str]]:
    seed = f", seed {summary.seed}" if summary.seed is not None else ""
    title = f"{summary.scenario}: {summary.replications:,} replications{seed}; horizon {summary.horizon}"
    in_force, granted = summary.entry_into_force.reached, summary.any_grant
    return title, [
        f"In force by the horizon: {percent(in_force.estimate)} (95% interval {_interval(in_force)})",
        f"Any status granted by the horizon: {percent(granted.estimate)} (95% interval {_interval(granted)})",
    ]


_LEFT = " style='text-align:left'"  # names read from the left; Jupyter right-aligns every cell


def summary_html(summary: SummaryLike) -> str:
    """The summary as HTML tables, for a notebook."""
    title, lines = _headline(summary)
    parts = [f"<p><strong>{html.escape(title)}</strong><br>{'<br>'.join(html.escape(x) for x in lines)}</p>"]
    for caption, (header, rows) in _rows(summary).items():
        head = "".join(f"<th{_LEFT if n == 0 else ''}>{html.escape(cell)}</th>" for n, cell in enumerate(header))
        body = "".join(
            "<tr>"
            + "".join(f"<td{_LEFT if n == 0 else ''}>{html.escape(cell)}</td>" for n, cell in enumerate(row))
            + "</tr>"
            for row in rows
        )
        parts.append(
            f"<table><caption style='text-align:left;font-weight:600'>{html.escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "<div class='cstosim-summary'>" + "".join(parts) + "</div>"


def summary_markdown(summary: SummaryLike) -> str:
    """The summary as markdown tables."""
    title, lines = _headline(summary)
    parts = [f"**{title}**", "", *(f"- {line}" for line in lines)]
    for caption, (header, rows) in _rows(summary).items():
        parts += ["", f"*{caption}*", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        parts += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(parts)
