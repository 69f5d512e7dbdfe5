"""Sinks: where the chunk tables of an experiment go, in plan order, whatever executor computed them.

Sinks compose: a run may keep its table in memory (``TableSink``), stream it to a results folder
(``StoreSink``, which also gives back the chunks already on disk when resuming) and count it in a running tally
that decides when the estimate is precise enough (``TallySink``), all at once. Every sink sees the chunks in
plan order, so whatever it computes (and where a precision run stops) is the same for any executor, number of
workers or chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cstosim.experiments.plan import Chunk
from cstosim.experiments.store import ResultStore, StoreError
from cstosim.model.scenario import Scenario
from cstosim.outcomes.metrics import Estimate, estimate, parse_metric
from cstosim.outcomes.tally import Tally


class Sink:
    """Receives each chunk's table, in plan order."""

    def add(self, chunk: Chunk, table: pd.DataFrame) -> None:
        raise NotImplementedError

    def enough(self) -> bool:
        """Whether the experiment may stop after the chunks seen so far (a precision target met)."""
        return False


class TableSink(Sink):
    """Keeps every chunk's table, or only ``columns`` of it; ``table()`` joins them (for runs small enough to
    hold in memory)."""

    def __init__(self, columns: Sequence[str] | None = None) -> None:
        self.parts: list[pd.DataFrame] = []
        self.columns = list(columns) if columns is not None else None

    def add(self, chunk: Chunk, table: pd.DataFrame) -> None:
        self.parts.append(table if self.columns is None else table[self.columns])

    def table(self) -> pd.DataFrame:
        if len(self.parts) == 1:
            return self.parts[0].reset_index(drop=True)
        return pd.concat(self.parts, ignore_index=True)


@dataclass(frozen=True)
class Precision:
    """A precision target: stop once ``metric``'s 95% interval has a half-width below ``half_width``."""

    metric: str
    half_width: float

    @classmethod
    def parse(cls, scenario: Scenario, target: str | tuple[str, float]) -> Precision:
        """``"METRIC=HALFWIDTH"`` or ``(metric, half_width)``, checked against the scenario (``ValueError``)."""
        if isinstance(target, str):
            metric, sep, value = target.rpartition("=")
            try:
                half_width = float(value)
            except ValueError:
                half_width = float("nan")
            if not sep or not metric:
                half_width = float("nan")
        else:
            metric, half_width = target
        if not half_width > 0:
            raise ValueError(
                f"precision: must be METRIC=HALFWIDTH with HALFWIDTH > 0, e.g. any_grant=0.005 (got {target!r})"
            )
        try:
            parse_metric(scenario, metric)
        except ValueError as error:
            raise ValueError(f"precision: {error}") from None
        return cls(metric, float(half_width))

    def __str__(self) -> str:
        return f"{self.metric}={self.half_width:g}"


class TallySink(Sink):
    """Counts the run tables in a ``Tally`` (memory that does not grow); with a precision target, says when the
    metric's interval is narrow enough."""

    def __init__(self, scenario: Scenario, precision: Precision | None = None) -> None:
        self.scenario = scenario
        self.tally = Tally(scenario)
        self.precision = precision

    def add(self, chunk: Chunk, table: pd.DataFrame) -> None:
        self.tally.add(table)

    def estimate(self) -> Estimate | None:
        """The precision metric's estimate so far (``None`` without a target)."""
        if self.precision is None or self.tally.replications == 0:
            return None
        return estimate(self.scenario, self.tally, self.precision.metric)

    def enough(self) -> bool:
        current = self.estimate()
        return current is not None and self.precision is not None and current.half_width < self.precision.half_width


class PointValuesSink(Sink):
    """One value per replication and point (``value_of(point, table)``), for outcomes averaged per point."""

    def __init__(self, points: int, replications: int, value_of: Callable[[int, pd.DataFrame], np.ndarray]) -> None:
        self.values = np.full((points, replications), np.nan)
        self.value_of = value_of

    def add(self, chunk: Chunk, table: pd.DataFrame) -> None:
        self.values[chunk.point, chunk.start : chunk.stop] = self.value_of(chunk.point, table)


class StoreSink(Sink):
    """A results folder: writes each computed chunk, and gives back the chunks it already holds (resume)."""

    def __init__(self, store: ResultStore) -> None:
        self.store = store

    def add(self, chunk: Chunk, table: pd.DataFrame) -> None:
        self.store.write_chunk(chunk, table)

    def reusable(self, plan: Sequence[Chunk]) -> set[int]:
        """The indices of the planned chunks already on disk (``ResultStore.prepare`` made the folder's chunks
        those of this plan; any other is refused, never dropped)."""
        planned = {chunk.index: chunk for chunk in plan}
        for index, chunk in self.store.done().items():
            if planned.get(index) != chunk:
                raise StoreError(
                    f"{self.store.path}: chunk {index} (replications {chunk.start} to {chunk.stop - 1} of point "
                    f"{chunk.point}) is not a chunk of this run's plan"
                )
        return set(self.store.done())

    def read(self, chunk: Chunk) -> pd.DataFrame:
        return self.store.read_chunk(chunk.index)

    def stopped_after(self, chunk: Chunk) -> None:
        """The experiment stopped after ``chunk`` (a precision target met)."""
        self.store.stopped_after(chunk)

    def flush(self) -> None:
        """Record in the manifest every chunk written so far (it is saved at most twice a second meanwhile)."""
        self.store.flush()

    def interrupted(self) -> None:
        """The experiment stopped on an error or an interruption (recorded if the manifest can be written)."""
        self.store.interrupted()

    def finish(self, replications: int, stopped_early: bool = False) -> None:
        self.store.finish(replications, stopped_early)
