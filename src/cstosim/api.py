"""What each command does, as Python functions: ``run``, ``compare``, ``sweep``, ``sensitivity``, ``forecast``,
``calibrate``.

Each runs its experiment on the one pipeline (``cstosim.experiments.pipeline``) with the same options as the
command line: ``workers`` (``None``: every core) or a Dask ``scheduler`` (an address, or ``"local"``),
``chunk_size``, ``progress``, and a results folder ``out`` with ``resume`` and ``force``. With ``out``, the table
is streamed to ``out`` chunk by chunk with a manifest (``cstosim.experiments.store``), then the files computed
from it (summary, plots) are written beside it; ``resume=True`` continues an interrupted folder, computing only
the missing chunks, and gives the results of an uninterrupted run. On a resume, the seed, the number of
replications and the settings not given are the recorded ones.

The command line only reads its arguments, calls these and prints the results. Errors in what the caller
asked for raise ``ScenarioError`` (every problem of a scenario or facts file), ``StoreError`` (a results folder
that cannot be used as asked), ``ExecutorError`` (Dask missing or unreachable) or ``ValueError``, each with a
message naming the field, the rule and the value. This layer sits above ``analysis`` (it writes plots) and
imports matplotlib only when it draws.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cstosim.analysis.summary import Summary, summarize_tally
from cstosim.experiments.conditioning import Method
from cstosim.experiments.files import atomic_path, write_json
from cstosim.experiments.forecast import (
    Forecast,
    forecast_task,
    prior_predictive_task,
    record_fingerprint,
)
from cstosim.experiments.pipeline import Execution, RunReport, execute
from cstosim.experiments.plan import DEFAULT_REPLICATIONS, check_in_memory, fresh_seed
from cstosim.experiments.sensitivity import Sensitivity, SensitivityMethod, analyze_sensitivity, design_sensitivity
from cstosim.experiments.sinks import PointValuesSink, Precision, StoreSink, TableSink, TallySink
from cstosim.experiments.store import MANIFEST, ResultStore, StoreError
from cstosim.experiments.sweep import define_sweep
from cstosim.experiments.tasks import RunTask, point_columns, portable
from cstosim.model.facts import Record
from cstosim.model.scenario import Scenario
from cstosim.outcomes.metrics import Estimate, parse_metric
from cstosim.outcomes.paired import compare_tables
from cstosim.outcomes.table import granted_column
from cstosim.outcomes.tally import Tally
from cstosim.scenario_files import load_scenario
from cstosim.scenario_files.facts import load_record

if TYPE_CHECKING:  # for type checkers only: the module imports matplotlib, loaded when a forecast runs
    from cstosim.analysis.forecast_report import ForecastSummary

DEFAULT_MAX_REPLICATIONS = 1_000_000
DEFAULT_SENSITIVITY_REPLICATIONS = 20


# Results folders ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Folder:
    """Where results go (``folder`` ``None``: nowhere), and the recorded run being resumed, if any."""

    folder: Path | None
    resume: bool
    force: bool
    recorded: ResultStore | None

    @classmethod
    def of(cls, out: str | Path | None, resume: bool, force: bool) -> _Folder:
        if resume and out is None:
            raise ValueError("resume needs out: the folder of the run to continue (--resume needs --out)")
        if resume and force:
            raise ValueError("resume and force: continue the results (resume) or replace them (force), not both")
        folder = Path(out) if out is not None else None
        recorded = ResultStore.open(folder) if folder is not None and resume and (folder / MANIFEST).exists() else None
        return cls(folder, resume, force, recorded)

    def seed(self, seed: int | None) -> int:
        """The seed given, else the recorded one on a resume, else a fresh one."""
        if seed is not None:
            return seed
        return self.recorded.seed if self.recorded is not None else fresh_seed()

    def replications(self, replications: int | None, default: int) -> int:
        if replications is not None:
            return replications
        return self.recorded.replications if self.recorded is not None else default

    def setting(self, key: str, value: Any) -> Any:
        """The setting given, else the recorded one on a resume (as recorded: JSON)."""
        if value is not None or self.recorded is None:
            return value
        return self.recorded.settings.get(key)

    def store(
        self,
        kind: str,
        scenario: Scenario,
        seed: int,
        replications: int,
        points: int,
        execution: Execution,
        settings: Mapping[str, Any],
    ) -> tuple[StoreSink | None, Execution]:
        """The results folder to run into (``None`` without ``out``), and the execution with its chunk size: the
        one given, else the recorded one on a resume, else the default for this experiment."""
        if self.folder is None:
            return None, execution
        chunk_size = execution.chunk_size
        if chunk_size is None and self.recorded is None:
            chunk_size = execution.chunk_size_for(replications, points)
        store = ResultStore.prepare(
            self.folder,
            kind,
            scenario,
            seed=seed,
            replications=replications,
            chunk_size=chunk_size,
            points=points,
            settings=settings,
            resume=self.resume,
            force=self.force,
        )
        return StoreSink(store), dataclasses.replace(execution, chunk_size=store.chunk_size)


def _write(path: Path, writer: Callable[[Path], object]) -> Path:
    """Write ``path`` whole or not at all (``writer`` writes a temporary file renamed into place)."""
    with atomic_path(path) as temporary:
        writer(temporary)
    return path


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _record(record: Record | str | Path) -> Record:
    return record if isinstance(record, Record) else load_record(record)


# Runs ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrecisionOutcome:
    """Where a precision run stopped: the target, the estimate then, and whether the target was reached within
    ``max_replications``."""

    target: Precision
    estimate: Estimate
    max_replications: int

    @property
    def reached(self) -> bool:
        return self.estimate.half_width < self.target.half_width


@dataclass(frozen=True, eq=False)
class RunResult:
    """A run: its summary and tally (every figure ``cstosim run`` prints and plots), the table if kept in
    memory, how it went, and the files written."""

    scenario: Scenario
    seed: int
    summary: Summary
    tally: Tally
    table: pd.DataFrame | None
    precision: PrecisionOutcome | None
    report: RunReport
    written: tuple[Path, ...]


def run(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    *,
    precision: str | tuple[str, float] | None = None,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    table_format: str = "parquet",
    keep_table: bool = True,
    workers: int | None = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> RunResult:
    """Simulate ``scenario`` ``replications`` times (default 1000) and summarise the outcomes.

    ``precision`` (``"METRIC=HALFWIDTH"`` or ``(metric, half_width)``) adds chunks until the metric's 95%
    interval has a half-width below the target, up to ``max_replications``, instead of a fixed number. With
    ``out``, writes ``replications.parquet/``, ``manifest.json``, ``scenario.toml``, ``summary.json``, the four
    plots and, with ``table_format="csv"``, ``replications.csv``. The table is kept in memory (``table``) only
    without ``out`` and with ``keep_table``; from a folder, read it with
    ``pandas.read_parquet(out / "replications.parquet")``.
    """
    model = _scenario(scenario)
    if table_format not in ("parquet", "csv"):
        raise ValueError(f"table_format must be parquet or csv (got {table_format!r})")
    if precision is not None and replications is not None:
        raise ValueError(
            "replications (-n) and precision (--precision): precision decides how many replications; "
            "cap them with max_replications (--max-replications)"
        )
    folder = _Folder.of(out, resume, force)
    given = str(Precision.parse(model, precision)) if precision is not None else None
    recorded = folder.setting("precision", given)
    target = Precision.parse(model, recorded) if recorded is not None else None
    root_seed = folder.seed(seed)
    planned = max_replications if target is not None else folder.replications(replications, DEFAULT_REPLICATIONS)
    execution = Execution(workers, scheduler, chunk_size, progress)
    if keep_table and out is None:
        check_in_memory(1, planned, "; with more, pass keep_table=False or out")
    store, execution = folder.store("run", model, root_seed, planned, 1, execution, {"precision": recorded})
    tally = TallySink(model, target)
    table = TableSink() if keep_table and out is None else None
    sinks = [tally, table] if table is not None else [tally]
    report = execute(
        [RunTask(portable(model), root_seed)],
        planned,
        sinks,
        execution,
        store=store,
    )
    summary = summarize_tally(model, tally.tally)
    written: list[Path] = []
    if store is not None:
        written = _write_run(store.store, tally.tally, summary, table_format)
    current = tally.estimate()
    return RunResult(
        model,
        root_seed,
        summary,
        tally.tally,
        table.table() if table is not None else None,
        PrecisionOutcome(target, current, planned) if target is not None and current is not None else None,
        report,
        tuple(written),
    )


def _write_run(store: ResultStore, tally: Tally, summary: Summary, table_format: str) -> list[Path]:
    from cstosim.analysis.plots import save_plots

    folder = store.folder
    write_json(folder / "summary.json", summary.to_json())
    written = [folder / "summary.json", store.table_folder]
    if table_format == "csv":
        written.append(export_csv(store, folder / "replications.csv"))
    return [*written, *save_plots(tally, summary, folder), folder / MANIFEST]


def export_csv(store: ResultStore, target: Path) -> Path:
    """The table of a results folder as one CSV file, written chunk by chunk (memory stays flat)."""
    with atomic_path(target) as temporary, temporary.open("w", encoding="utf-8", newline="") as file:
        for number, table in enumerate(store.tables()):
            table.to_csv(file, index=False, header=number == 0)
    return target


@dataclass(frozen=True, eq=False)
class Replot:
    """What ``replot`` redrew: the kind of results (``run`` or ``sweep``), the replications read (of each point,
    for a sweep), whether the experiment was complete, and the files written."""

    kind: str
    points: int
    replications: int
    complete: bool
    written: tuple[Path, ...]


def _saved_scenario(store: ResultStore) -> Scenario:
    """The scenario a results folder was run with, checked against the hash in its manifest."""
    from cstosim.experiments.store import scenario_fingerprint

    if store.manifest.get("scenario_file") is None:
        raise StoreError(f"{store.folder}: the scenario was built in code and not saved; plot it from Python")
    scenario_path = store.folder / store.manifest["scenario_file"]
    model = load_scenario(scenario_path)
    if scenario_fingerprint(model)[1] != store.manifest["scenario_hash"]:
        raise StoreError(f"{scenario_path}: changed since the run (its hash differs)")
    if not store.manifest["chunks"]:
        raise StoreError(f"{store.folder}: no replications saved yet")
    return model


def replot(folder: str | Path, metric: str | None = None) -> Replot:
    """Redraw the files of a results folder from its saved chunks: for a run, ``summary.json`` and the four plots
    (reading one chunk at a time); for a sweep, ``sweep_summary.csv``, ``sweep.json`` and ``sweep_METRIC.png``,
    of ``metric`` (default: the one recorded in ``sweep.json``, else ``any_grant``).

    Works for an experiment still in progress or interrupted. ``StoreError`` if the folder holds other results,
    or if its scenario file changed since the run; ``ValueError`` for an unknown metric.
    """
    from cstosim.analysis.plots import save_plots

    store = ResultStore.open(Path(folder))
    if store.kind not in ("run", "sweep"):
        raise StoreError(f"{folder}: holds {store.kind} results; plot redraws the plots of run and sweep results")
    if store.kind == "run" and metric is not None:
        raise ValueError(f"metric: a run's plots have no metric to choose (got {metric!r}); --metric is for sweeps")
    model = _saved_scenario(store)
    if store.kind == "sweep":
        return _replot_sweep(store, model, metric)
    tally = Tally(model)
    for table in store.tables():
        tally.add(table)
    summary = summarize_tally(model, tally)
    write_json(store.folder / "summary.json", summary.to_json())
    plots = save_plots(tally, summary, store.folder)
    return Replot("run", 1, tally.replications, store.complete, (store.folder / "summary.json", *plots))


def _replot_sweep(store: ResultStore, model: Scenario, metric: str | None) -> Replot:
    import json

    from cstosim.analysis.sweeps import sweep_summary

    recorded = store.folder / "sweep.json"
    if metric is None and recorded.exists():
        metric = json.loads(recorded.read_text(encoding="utf-8")).get("metric")
    chosen = metric or "any_grant"
    try:
        parse_metric(model, chosen)
    except ValueError as error:
        raise ValueError(f"metric: {error}") from None
    table = store.read_table()
    summary = sweep_summary(model, table, chosen)
    written = _write_sweep(store, store.settings, store.replications, store.seed, chosen, table, summary, model)
    points = len(summary)
    redrawn = tuple(path for path in written if path != store.table_folder)
    return Replot("sweep", points, len(table) // max(points, 1), store.complete, redrawn)


# Paired comparisons -------------------------------------------------------------------------------------------

COMPARISON_FILES = ("comparison.csv", "comparison.parquet", "comparison.json", "comparison.png")


@dataclass(frozen=True, eq=False)
class PairedComparison:
    """What-ifs against a baseline on common random numbers: ``table`` has one row per what-if (``scenario``)
    and outcome (``cstosim.outcomes.paired.COLUMNS``), and how the runs went."""

    baseline: Scenario
    what_ifs: tuple[Scenario, ...]
    seed: int
    replications: int
    table: pd.DataFrame
    report: RunReport
    written: tuple[Path, ...]


def paired_comparison(
    baseline: Scenario | str | Path,
    what_ifs: Scenario | str | Path | Sequence[Scenario | str | Path],
    replications: int | None = None,
    seed: int | None = None,
    *,
    out: str | Path | None = None,
    force: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> PairedComparison:
    """Run ``baseline`` and each of ``what_ifs`` ``replications`` times (default 1000) with the same ``seed``
    and compare each what-if with the baseline replication by replication (``cstosim.compare`` returns the
    table alone).

    All scenarios run as the points of one experiment on the pipeline, so replication ``i`` of each uses the
    numbers of ``(seed, i)``. With ``out``, writes ``comparison.csv``, ``comparison.parquet``,
    ``comparison.json`` and ``comparison.png`` there; a folder that already holds a comparison is replaced only
    with ``force``.
    """
    base = _scenario(baseline)
    given = [what_ifs] if isinstance(what_ifs, (Scenario, str, Path)) else list(what_ifs)
    if not given:
        raise ValueError("compare needs at least one what-if scenario")
    others = tuple(_scenario(what_if) for what_if in given)
    names = [what_if.name for what_if in others]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"what-ifs need distinct names: their rows are told apart by name (got {repeated[0]!r} twice)")
    count = DEFAULT_REPLICATIONS if replications is None else replications
    if count < 1:
        raise ValueError(f"replications must be >= 1 (got {count})")
    folder = Path(out) if out is not None else None
    if folder is not None and not force and (folder / "comparison.json").exists():
        raise StoreError(f"{folder}: holds a comparison already (comparison.json); --force (force=True) replaces it")
    root_seed = fresh_seed() if seed is None else seed
    scenarios = (base, *others)
    columns = point_columns(len(scenarios))
    tasks = [RunTask(portable(scenario), root_seed, columns.iloc[[p]]) for p, scenario in enumerate(scenarios)]
    # Only the columns a comparison reads are kept, so that memory holds (1 + what-ifs) x a few numbers a row.
    kept = ["point", "replication", "entry_into_force", "first_grant", "last_ratifier"]
    kept += sorted({granted_column(c.name) for scenario in scenarios for c in scenario.candidates})
    sink = TableSink(kept)
    report = execute(tasks, count, [sink], Execution(workers, scheduler, chunk_size, progress))
    tables = dict(iter(sink.table().groupby("point", sort=True)))
    parts = []
    for point, what_if in enumerate(others, start=1):
        rows = compare_tables(base, tables[0].reset_index(drop=True), what_if, tables[point].reset_index(drop=True))
        rows.insert(0, "scenario", what_if.name)
        parts.append(rows)
    table = pd.concat(parts, ignore_index=True)
    table["seed"] = root_seed
    written: list[Path] = []
    if folder is not None:
        written = _write_comparison(folder, table, base, others, count, root_seed)
    return PairedComparison(base, others, root_seed, count, table, report, tuple(written))


def compare(
    baseline: Scenario | str | Path,
    what_ifs: Scenario | str | Path | Sequence[Scenario | str | Path],
    replications: int | None = None,
    seed: int | None = None,
    **options: Any,
) -> pd.DataFrame:
    """What ``cstosim compare`` prints, as a table: one row per what-if (``scenario``) and outcome, with the
    baseline's and the what-if's values, the paired difference and its 95% interval, the interval two
    independent runs would give and the ratio of the widths. ``options`` are ``paired_comparison``'s (``out``,
    ``force``, ``workers``, ``scheduler``, ``chunk_size``, ``progress``)."""
    return paired_comparison(baseline, what_ifs, replications, seed, **options).table


def _write_comparison(
    folder: Path, table: pd.DataFrame, baseline: Scenario, what_ifs: Sequence[Scenario], replications: int, seed: int
) -> list[Path]:
    from cstosim.analysis.compare import comparison_json, plot_comparison

    folder.mkdir(parents=True, exist_ok=True)
    csv, parquet, summary, picture = (folder / name for name in COMPARISON_FILES)
    figure = plot_comparison(table, baseline.name)
    write_json(summary, comparison_json(table, baseline, what_ifs, replications, seed))
    return [
        _write(csv, lambda path: table.to_csv(path, index=False)),
        _write(parquet, lambda path: table.to_parquet(path, index=False)),
        summary,
        _write(picture, lambda path: figure.savefig(path, format="png")),
    ]


# Sweeps -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A sweep: the tidy table (``point``, one column per parameter, the run table), the summary of ``metric``
    (one row per point, with 95% intervals), and how it went."""

    scenario: Scenario
    seed: int
    design: str
    samples: int | None
    vary: Mapping[str, Sequence[Any]]
    replications: int
    metric: str
    table: pd.DataFrame
    summary: pd.DataFrame
    report: RunReport
    written: tuple[Path, ...]

    @property
    def points(self) -> int:
        return int(self.table["point"].nunique())


def sweep(
    scenario: Scenario | str | Path | Mapping[str, Any],
    vary: Mapping[str, Sequence[Any]] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    metric: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> SweepResult:
    """Run ``scenario`` at every point of a sweep and summarise ``metric`` per point.

    What is not given (``vary``, ``design``, ``samples``, ``replications``, ``metric``) is taken from the scenario
    file's ``[sweep]`` table, else grid, 1000 replications and ``any_grant``. With ``out``, writes
    ``sweep.parquet/`` (the tidy table, chunk by chunk), ``manifest.json``, ``scenario.toml``,
    ``sweep_summary.csv``, ``sweep.json`` and ``sweep_METRIC.png``.
    """
    from cstosim.analysis.sweeps import sweep_summary

    definition = define_sweep(scenario, vary, design=design, samples=samples, replications=replications, metric=metric)
    base = definition.base()
    chosen = definition.metric or "any_grant"
    try:
        parse_metric(base, chosen)
    except ValueError as error:
        raise ValueError(f"metric: {error}") from None
    folder = _Folder.of(out, resume, force)
    root_seed = folder.seed(seed)
    count = folder.replications(definition.replications, DEFAULT_REPLICATIONS)
    tasks = definition.tasks(root_seed)  # every point validated before anything is written
    check_in_memory(len(tasks), count)  # a sweep's table is also returned whole
    execution = Execution(workers, scheduler, chunk_size, progress)
    store, execution = folder.store("sweep", base, root_seed, count, len(tasks), execution, definition.settings)
    sink = TableSink()
    report = execute(tasks, count, [sink], execution, store=store)
    table = sink.table()
    summary = sweep_summary(base, table, chosen)
    written: list[Path] = []
    if store is not None:
        written = _write_sweep(store.store, definition.settings, count, root_seed, chosen, table, summary, base)
    return SweepResult(
        base,
        root_seed,
        definition.design,
        definition.samples,
        definition.vary,
        count,
        chosen,
        table,
        summary,
        report,
        tuple(written),
    )


def _write_sweep(
    store: ResultStore,
    settings: Mapping[str, Any],
    replications: int,
    seed: int,
    metric: str,
    table: pd.DataFrame,
    summary: pd.DataFrame,
    scenario: Scenario,
) -> list[Path]:
    from cstosim.analysis.sweeps import plot_sweep

    folder = store.folder
    _write(folder / "sweep_summary.csv", lambda path: summary.to_csv(path, index=False))
    description = {"scenario": scenario.name, **settings, "replications": replications, "seed": seed}
    write_json(folder / "sweep.json", {**description, "metric": metric})
    figure = plot_sweep(table, metric, scenario=scenario)
    picture = _write(folder / f"sweep_{_file_name(metric)}.png", lambda path: figure.savefig(path, format="png"))
    return [store.table_folder, folder / "sweep_summary.csv", folder / "sweep.json", picture]


def _file_name(metric: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in metric).strip("_")


# Sensitivity --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """A sensitivity analysis (ranked indices and sample points) and how it went."""

    sensitivity: Sensitivity
    report: RunReport
    written: tuple[Path, ...]


def sensitivity(
    scenario: Scenario | str | Path | Mapping[str, Any],
    parameters: Sequence[str | tuple[str, float, float]],
    *,
    method: SensitivityMethod | str = SensitivityMethod.SOBOL,
    outcome: str = "years_to_entry_into_force",
    by: dt.date | None = None,
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> SensitivityResult:
    """Rank ``parameters`` (``"PATH=LOW:HIGH"``) by their influence on ``outcome`` (Sobol or Morris, SALib),
    with ``replications`` per sample point (default 20). With ``out``, writes ``replications.parquet/`` (every
    replication of every point), ``manifest.json``, ``indices.csv``, ``indices.parquet``, ``points.parquet`` and
    ``sensitivity.png``."""
    folder = _Folder.of(out, resume, force)
    root_seed = folder.seed(seed)
    count = folder.replications(replications, DEFAULT_SENSITIVITY_REPLICATIONS)
    if count < 1:
        raise ValueError(f"replications must be >= 1 (got {count})")
    design = design_sensitivity(scenario, parameters, root_seed, method=method, outcome=outcome, by=by, samples=samples)
    check_in_memory(len(design.scenarios), count)
    tasks = design.tasks(root_seed)
    execution = Execution(workers, scheduler, chunk_size, progress)
    store, execution = folder.store(
        "sensitivity", design.scenario, root_seed, count, len(tasks), execution, design.settings
    )
    outcomes = PointValuesSink(len(tasks), count, design.outcome_of)
    report = execute(tasks, count, [outcomes], execution, store=store)
    result = analyze_sensitivity(design, count, root_seed, outcomes.values)
    written: list[Path] = []
    if store is not None:
        from cstosim.analysis.sensitivity_plots import sensitivity_plot

        target = store.store.folder
        written = [
            _write(target / "indices.csv", lambda path: result.indices.to_csv(path, index=False)),
            _write(target / "indices.parquet", lambda path: result.indices.to_parquet(path, index=False)),
            _write(target / "points.parquet", lambda path: result.points.to_parquet(path, index=False)),
            _write(target / "sensitivity.png", lambda path: sensitivity_plot(result).savefig(path, format="png")),
            store.store.table_folder,
        ]
    return SensitivityResult(result, report, tuple(written))


# Forecasts and calibration ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """A forecast (every replication, accepted or not) and its summary over the accepted ones."""

    forecast: Forecast
    summary: ForecastSummary
    report: RunReport
    written: tuple[Path, ...]


def _facts(record: Record) -> str:
    """How a record is named in a results folder: its title and the hash of its facts."""
    return f"{record.title} (hash {record_fingerprint(record)[:12]})"


def forecast(
    scenario: Scenario | str | Path,
    record: Record | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    *,
    method: Method | str = Method.START,
    as_of: dt.date | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> ForecastResult:
    """Forecast what is still to come in ``scenario`` given ``record`` (a facts file, its name or path) as known
    on ``as_of``; ``replications`` default 1000, of which the accepted ones make the forecast.

    ``ValueError`` if no replication agrees with the record (after writing the table, with ``out``). With
    ``out``, writes ``forecast.parquet/`` (every replication: ``accepted``, ``rejected_by``, the run table,
    ``holds[I]`` per fact), ``manifest.json``, ``forecast.json`` and ``forecast.png``.
    """
    from cstosim.analysis.forecast_report import summarize_forecast

    model, facts = _scenario(scenario), _record(record)
    chosen = Method(method)
    folder = _Folder.of(out, resume, force)
    root_seed = folder.seed(seed)
    count = folder.replications(replications, DEFAULT_REPLICATIONS)
    check_in_memory(1, count)  # every replication is returned, accepted or not
    recorded_as_of = folder.setting("as_of", as_of.isoformat() if as_of is not None else None)
    when = dt.date.fromisoformat(recorded_as_of) if recorded_as_of is not None else None
    task = forecast_task(model, facts, root_seed, chosen, when)
    settings = {"facts": _facts(facts), "method": chosen.value, "as_of": recorded_as_of}
    execution = Execution(workers, scheduler, chunk_size, progress)
    store, execution = folder.store("forecast", model, root_seed, count, 1, execution, settings)
    sink = TableSink()
    report = execute([task], count, [sink], execution, store=store)
    result = Forecast.of(task, chosen, sink.table())
    summary = summarize_forecast(result)
    written: list[Path] = []
    if store is not None:
        from cstosim.analysis.forecast_report import forecast_plot

        target = store.store.folder
        write_json(target / "forecast.json", summary.to_json())
        figure = forecast_plot(result, summary)
        written = [
            target / "forecast.json",
            store.store.table_folder,
            _write(target / "forecast.png", lambda path: figure.savefig(path, format="png")),
        ]
    return ForecastResult(result, summary, report, tuple(written))


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Where each recorded fact falls in the scenario's prior predictive distribution (``table``: one row per
    fact), from ``prior`` (one row per replication and fact)."""

    scenario: Scenario
    record: Record
    seed: int
    replications: int
    table: pd.DataFrame
    prior: pd.DataFrame
    report: RunReport
    written: tuple[Path, ...]


def calibrate(
    scenario: Scenario | str | Path,
    record: Record | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Place each fact of ``record`` in ``scenario``'s prior predictive distribution (``replications`` default
    1000). With ``out``, writes ``prior_predictive.parquet/``, ``manifest.json``, ``calibration.csv`` and
    ``calibration.png``."""
    from cstosim.analysis.calibration import calibration_table

    model, facts = _scenario(scenario), _record(record)
    folder = _Folder.of(out, resume, force)
    root_seed = folder.seed(seed)
    count = folder.replications(replications, DEFAULT_REPLICATIONS)
    check_in_memory(1, count)
    task = prior_predictive_task(model, facts, root_seed)
    execution = Execution(workers, scheduler, chunk_size, progress)
    store, execution = folder.store("calibration", model, root_seed, count, 1, execution, {"facts": _facts(facts)})
    sink = TableSink()
    report = execute([task], count, [sink], execution, store=store)
    prior = sink.table()
    table = calibration_table(facts, prior, model.start)
    written: list[Path] = []
    if store is not None:
        from cstosim.analysis.calibration import calibration_plot

        target = store.store.folder
        figure = calibration_plot(table, model.name, count)
        written = [
            _write(target / "calibration.csv", lambda path: table.to_csv(path, index=False)),
            _write(target / "calibration.png", lambda path: figure.savefig(path, format="png")),
            store.store.table_folder,
        ]
    return CalibrationResult(model, facts, root_seed, count, table, prior, report, tuple(written))
