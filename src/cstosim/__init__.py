"""cstosim: a discrete-event simulation of how the CSTO grants partner and observer statuses.

The Python API for notebooks and scripts::

    import cstosim
    scenario = cstosim.load_scenario("csto-2018")      # a bundled name or a path to a TOML file
    table = cstosim.run_replications(scenario, 1000, seed=1)   # pandas DataFrame, one row per replication
    summary = cstosim.summarize(scenario, table)
    sweep = cstosim.run_sweep(scenario, {"organization.consensus.rule": ["unanimity", "consensus_of_present"]}, 1000)
    cstosim.sweep_summary(scenario, sweep, "any_grant")       # one row per point, with 95% intervals

What each command does, with the same options (workers, Dask, results folders, resume, precision)::

    run = cstosim.run(scenario, 200_000, seed=1, out="results", workers=None)   # cstosim run; every core
    run = cstosim.run(scenario, seed=1, out="results", resume=True)             # after an interruption
    run = cstosim.run(scenario, seed=1, precision="any_grant=0.005")            # until the interval is narrow
    run.summary, run.precision, run.report                                       # figures, stop, how it went
    paired = cstosim.compare("csto-2018", ["csto-2018-absence-objects"], 2000, seed=1)  # paired differences
    cstosim.plot_comparison(paired, "csto-2018")                 # what ``cstosim compare --out`` draws
    cstosim.sweep(scenario, {"organization.consensus.rule": ["unanimity"]}, 500, seed=1, out="sweep")
    cstosim.sensitivity("csto-2018", paths, method="morris", seed=1, workers=2)
    cstosim.forecast(scenario, "csto-record-2026", 2000, seed=1, out="forecast").summary
    cstosim.calibrate(scenario, "csto-record-2026", 2000, seed=1).table

Teaching: one replication told and drawn, runs side by side, a self-contained HTML page::

    result = cstosim.run_replication(scenario, seed=1, replication=0)   # one replication: milestones and log
    story = cstosim.trace(scenario, result)                    # told: story.to_text(), with_sources=True cites
    found = cstosim.find_replication(scenario, 1, "granted")   # the first replication where a status is granted
    cstosim.timeline(scenario, result); cstosim.process_diagram(scenario)   # matplotlib figures
    cstosim.side_by_side({"a": table_a, "b": table_b}); cstosim.plot_side_by_side({"a": table_a, "b": table_b})
    cstosim.readable(cstosim.side_by_side({"a": table_a}))      # percentages and dates, for reading
    cstosim.write_report(scenario, Path("report.html"), replications=1000, seed=1)
    cstosim.explorer("csto-2018")   # the page of ``cstosim explore``, live in a Jupyter cell (cstosim[explore])

What drives the outcome, and what comes next given the record, as objects to explore::

    paths = ["members[Tajikistan].ratification.stages[1].delay.median_days=120:720",
             "members[Russia].ratification.stages[1].delay.median_days=60:240"]
    cstosim.run_sensitivity("csto-2018", paths, method="sobol", seed=1).indices   # first-order and total, with CIs
    record = cstosim.load_record("csto-record-2026")           # a facts file: what is known as of a date
    forecast = cstosim.run_forecast(scenario, record, 2000, seed=1)
    cstosim.summarize_forecast(forecast)                       # what is still to come, with intervals
    prior = cstosim.run_prior_predictive(scenario, record, 2000, seed=1)
    cstosim.calibration_table(record, prior, scenario.start)   # where each fact falls in the prior predictive
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from cstosim.analysis.narration import Trace, trace
from cstosim.analysis.search import find_replication
from cstosim.analysis.summary import Summary, summarize
from cstosim.analysis.sweeps import plot_sweep, sweep_summary
from cstosim.api import (
    CalibrationResult,
    ForecastResult,
    PairedComparison,
    RunResult,
    SensitivityResult,
    SweepResult,
    calibrate,
    compare,
    forecast,
    run,
    sensitivity,
    sweep,
)
from cstosim.engine import ReplicationResult, run_replication
from cstosim.experiments.forecast import Forecast, run_forecast, run_prior_predictive
from cstosim.experiments.runs import run_points, run_replications
from cstosim.experiments.sensitivity import Sensitivity, run_sensitivity
from cstosim.experiments.sweep import run_sweep
from cstosim.model.facts import Fact, Record
from cstosim.model.scenario import Scenario
from cstosim.outcomes.metrics import Estimate, estimate, metric_names, metric_values
from cstosim.scenario_files import ScenarioError, bundled_scenarios, load_scenario, parse_scenario
from cstosim.scenario_files.facts import load_record, parse_record

if TYPE_CHECKING:  # for type checkers; at run time these load on first use (see __getattr__)
    from cstosim.analysis import plots
    from cstosim.analysis.calibration import calibration_table
    from cstosim.analysis.compare import plot_comparison
    from cstosim.analysis.display import readable
    from cstosim.analysis.forecast_report import ForecastSummary, summarize_forecast
    from cstosim.analysis.report import build_report, render_report, write_report
    from cstosim.analysis.side_by_side import plot_side_by_side, side_by_side
    from cstosim.analysis.timeline import process_diagram, timeline

# Figures and the HTML report need matplotlib and jinja2: they are imported when first used, so that
# ``import cstosim`` stays light (worker processes start fast and never load them).
_LAZY = {
    "plots": ("cstosim.analysis.plots", None),
    "calibration_table": ("cstosim.analysis.calibration", "calibration_table"),
    "ForecastSummary": ("cstosim.analysis.forecast_report", "ForecastSummary"),
    "summarize_forecast": ("cstosim.analysis.forecast_report", "summarize_forecast"),
    "plot_comparison": ("cstosim.analysis.compare", "plot_comparison"),
    "readable": ("cstosim.analysis.display", "readable"),
    "side_by_side": ("cstosim.analysis.side_by_side", "side_by_side"),
    "plot_side_by_side": ("cstosim.analysis.side_by_side", "plot_side_by_side"),
    "build_report": ("cstosim.analysis.report", "build_report"),
    "render_report": ("cstosim.analysis.report", "render_report"),
    "write_report": ("cstosim.analysis.report", "write_report"),
    "process_diagram": ("cstosim.analysis.timeline", "process_diagram"),
    "timeline": ("cstosim.analysis.timeline", "timeline"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'cstosim' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def explorer(scenario: str = "csto-2018") -> Any:
    """The page ``cstosim explore`` serves, for ``scenario`` (a bundled name or a path), to show in Jupyter as
    the last line of a cell. Needs the web libraries: ``pip install 'cstosim[explore]'``."""
    try:
        app = importlib.import_module("cstosim.explore.app")
    except ModuleNotFoundError as error:
        needs = f"the explorer needs {error.name}: install it with  pip install 'cstosim[explore]'"
        raise ImportError(needs) from error
    return app.Explorer(scenario)


try:
    __version__ = version("cstosim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "CalibrationResult",
    "Estimate",
    "Fact",
    "Forecast",
    "ForecastResult",
    "ForecastSummary",
    "PairedComparison",
    "Record",
    "ReplicationResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "SensitivityResult",
    "Summary",
    "SweepResult",
    "Trace",
    "__version__",
    "build_report",
    "bundled_scenarios",
    "calibrate",
    "calibration_table",
    "compare",
    "estimate",
    "explorer",
    "find_replication",
    "forecast",
    "load_record",
    "load_scenario",
    "metric_names",
    "metric_values",
    "parse_record",
    "parse_scenario",
    "plot_comparison",
    "plot_side_by_side",
    "plot_sweep",
    "plots",
    "process_diagram",
    "readable",
    "render_report",
    "run",
    "run_forecast",
    "run_points",
    "run_prior_predictive",
    "run_replication",
    "run_replications",
    "run_sensitivity",
    "run_sweep",
    "sensitivity",
    "side_by_side",
    "summarize",
    "summarize_forecast",
    "sweep",
    "sweep_summary",
    "timeline",
    "trace",
    "write_report",
]
