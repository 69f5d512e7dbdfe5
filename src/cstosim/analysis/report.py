"""A self-contained HTML report on one scenario, for teachers to read in a browser or send by e-mail.

``build_report`` runs the replications and gathers everything a page needs (with a ``baseline``, it runs the
baseline on the same seed too, and the page compares the two replication by replication, as ``cstosim
compare`` does); ``render_report`` fills the
jinja2 template shipped in ``cstosim/analysis/templates/report.html.j2`` (CSS inline, every image a base64
PNG, no script and no network access); ``write_report`` writes the page whole or not at all. The page reads on
a phone as on a desktop: below 640 px its tables stack one row to a block and the two wide figures scroll
sideways in their frame, so the page is never wider than the screen.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from cstosim.analysis import plots
from cstosim.analysis.compare import NOTES, comparison_cells, plot_comparison, tightening
from cstosim.analysis.narration import Trace, readable_path, trace
from cstosim.analysis.narration.events import words
from cstosim.analysis.parameters import SourcedTable, parameter_tables
from cstosim.analysis.summary import Summary, summarize
from cstosim.analysis.timeline import process_diagram, timeline
from cstosim.engine import run_replication
from cstosim.experiments.files import atomic_path
from cstosim.experiments.runs import run_points, run_replications
from cstosim.experiments.store import package_version
from cstosim.model.citations import Document, date_basis
from cstosim.model.scenario import Scenario
from cstosim.outcomes.paired import PROBABILITY, compare_tables


@dataclass(frozen=True)
class Image:
    title: str
    caption: str
    data: str  # base64 PNG


@dataclass(frozen=True)
class BaselineComparison:
    """The report's scenario against a baseline on the same seed: one row of text cells per outcome (label,
    baseline, this scenario, paired difference, independent-runs interval, width ratio), split into
    probabilities and dates, the median width ratio, and the plot of the differences."""

    baseline: Scenario
    probabilities: tuple[tuple[str, ...], ...]
    dates: tuple[tuple[str, ...], ...]
    tightening: float
    plot: Image
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    scenario: Scenario
    summary: Summary
    seed: int
    replications: int
    example: int
    trace: Trace
    diagram: Image
    timeline: Image
    plots: tuple[Image, ...]
    notes: tuple[str, ...]  # why a plot that would say nothing is left out
    sources: tuple[tuple[str, str], ...]  # (where in the scenario file, source text), in file order
    documents: tuple[Document, ...]  # the catalogued documents the scenario's sources cite
    created: dt.datetime
    parameters: tuple[SourcedTable, ...] = ()  # every value the file sets, under the source that covers it
    why_example: str = ""  # why this replication is the example (chosen by outcome, or asked for)
    comparison: BaselineComparison | None = None


def png(figure: Figure) -> str:
    """The figure as a base64-encoded PNG, for an ``<img src="data:image/png;base64,...">``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def example_replication(table: pd.DataFrame) -> tuple[int, str]:
    """The replication that shows the process at work, and why: the first that grants a status, else the first
    that reaches entry into force, else 0. A worked example in which nothing happens teaches nothing."""
    for column, what in (
        ("first_grant", "a status is granted"),
        ("entry_into_force", "the instrument enters into force"),
    ):
        reached = table.index[table[column].notna()]
        if len(reached):
            return int(table.loc[reached[0], "replication"]), f"the first of this run in which {what}"
    return 0, "no replication of this run reaches entry into force: the first is shown"


def build_report(
    scenario: Scenario, *, replications: int, seed: int, example: int | None = None, baseline: Scenario | None = None
) -> Report:
    """Run ``replications`` replications with root ``seed`` and gather the page's content; with ``baseline``,
    run it on the same seed too and compare the two replication by replication."""
    comparison = None
    if baseline is None:
        table = run_replications(scenario, replications, seed)
    else:
        both = run_points([baseline, scenario], replications, seed)
        before, table = (part.drop(columns="point").reset_index(drop=True) for _, part in both.groupby("point"))
        comparison = _comparison(baseline, before, scenario, table)
    summary = summarize(scenario, table)
    chosen, why = example_replication(table) if example is None else (example, "the one asked for (--example)")
    result = run_replication(scenario, seed, chosen)
    story = trace(scenario, result, seed=seed, replication=chosen)
    notes: list[str] = []
    cited = scenario.documents.cited("\n".join(scenario.sources.values()))
    return Report(
        scenario=scenario,
        summary=summary,
        seed=seed,
        replications=replications,
        example=chosen,
        trace=story,
        diagram=Image(
            "The process",
            "Stages, bodies and rules as this scenario sets them; change a rule in the file and the picture changes.",
            png(process_diagram(scenario)),
        ),
        timeline=Image(
            f"Replication {chosen}, step by step",
            "Each member's ratification from adoption to its notification (white ticks: end of a domestic stage), "
            "entry into force (dashed), each candidate's applications and reviews, and the sessions of each body.",
            png(timeline(scenario, result)),
        ),
        plots=tuple(_plots(scenario, table, summary, notes)),
        notes=tuple(notes),
        sources=tuple((readable_path(scenario, path), text) for path, text in scenario.sources.items()),
        documents=tuple(document for document in scenario.documents.documents if document in cited),
        created=dt.datetime.now(dt.UTC).replace(microsecond=0),
        parameters=parameter_tables(scenario, compact=True),
        why_example=why,
        comparison=comparison,
    )


def _comparison(
    baseline: Scenario, before: pd.DataFrame, scenario: Scenario, after: pd.DataFrame
) -> BaselineComparison:
    rows = compare_tables(baseline, before, scenario, after)
    rows.insert(0, "scenario", scenario.name)
    rows["seed"] = int(after["seed"].iloc[0])
    cells = comparison_cells(rows, baseline.start)
    probability = (rows["unit"] == PROBABILITY).to_list()
    return BaselineComparison(
        baseline=baseline,
        probabilities=tuple(cell for cell, yes in zip(cells, probability, strict=True) if yes),
        dates=tuple(cell for cell, yes in zip(cells, probability, strict=True) if not yes),
        tightening=tightening(rows),
        plot=Image(
            "What the change does",
            f"Each outcome's paired difference from {baseline.name}, with its 95% interval, over the wider interval "
            "two independent runs would give (grey).",
            png(plot_comparison(rows, baseline.name)),
        ),
        notes=NOTES,
    )


def _plots(scenario: Scenario, table: pd.DataFrame, summary: Summary, notes: list[str]) -> list[Image]:
    """The distribution plots that say something for this scenario; ``notes`` gets why others are left out."""
    images = []
    in_force = table["entry_into_force"].dropna().unique()
    if len(in_force) > 1:
        images.append(
            Image(
                "When does the instrument enter into force?",
                "Distribution over the replications; the line is the cumulative share.",
                png(plots.entry_into_force(table, summary)),
            )
        )
    elif len(in_force) == 1:
        why = "it needs no ratification" if not scenario.instrument.requires_ratification else _file_dates(scenario)
        notes.append(
            f"The instrument enters into force on {summary.entry_into_force.median} in every replication reaching "
            f"it ({why}), so its distribution is not plotted."
        )
    images.append(
        Image(
            "How long from entry into force to the first status?",
            "Over the replications that granted a status by the horizon.",
            png(plots.first_grant(table, summary)),
        )
    )
    if scenario.instrument.requires_ratification and len(summary.last_ratifier) > 1:
        images.append(
            Image(
                "Whose ratification completes entry into force?",
                "Share of replications, with 95% intervals.",
                png(plots.last_ratifier(summary)),
            )
        )
    elif scenario.instrument.requires_ratification and summary.last_ratifier:
        (member,) = summary.last_ratifier
        notes.append(f"{member}'s notification completes entry into force in every replication reaching it.")
    if scenario.candidates:
        images.append(
            Image(
                "Which candidates obtain the status they seek?",
                "Probability by the horizon, with 95% Wilson intervals.",
                png(plots.grant_probability(summary)),
            )
        )
    return images


def _file_dates(scenario: Scenario) -> str:
    """Why entry into force never moves when every notification date is in the file, saying what the dates rest on
    (recorded, assumed, known by then), so that an assumed date never reads as a fact."""
    bases = Counter(
        date_basis(scenario.sources.get(f"members[{index}].ratification"))
        for index, member in enumerate(scenario.members)
        if member.ratification is not None and member.ratification.ratified_on is not None
    )
    kinds = ", ".join(f"{count} {basis.value}" for basis, count in bases.items())
    return f"every notification date is set in the scenario file: {kinds}"


def render_report(report: Report) -> str:
    """The report as one HTML page."""
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = lambda value: f"{value:.1%}"
    environment.filters["date"] = lambda value, missing="-": missing if value is None else str(value)
    environment.filters["words"] = words
    rule_numbers = {rule.key: number for number, rule in enumerate(report.trace.rules, start=1)}
    return environment.get_template("report.html.j2").render(
        report=report,
        scenario=report.scenario,
        summary=report.summary,
        events=[event for event in report.trace.events if event.kind != "horizon"],  # the outcome says it
        value_count=sum(len(table.parameters) for table in report.parameters),
        rule_numbers=rule_numbers,
        last_ratifiers=sorted(report.summary.last_ratifier.items(), key=lambda item: -item[1].estimate),
        version=_version(),
    )


def write_report(
    scenario: Scenario,
    output: Path,
    *,
    replications: int,
    seed: int,
    example: int | None = None,
    baseline: Scenario | None = None,
) -> Path:
    """Build and write the report to ``output`` (atomically); returns the path written."""
    page = render_report(
        build_report(scenario, replications=replications, seed=seed, example=example, baseline=baseline)
    )
    with atomic_path(output) as temporary:
        temporary.write_text(page, encoding="utf-8")
    return output


def _version() -> str:
    return package_version()  # not cstosim.__version__: the package's root imports the layers above this one


def _template(name: str) -> str:
    return files("cstosim.analysis").joinpath("templates", name).read_text(encoding="utf-8")
