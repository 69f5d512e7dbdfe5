"""Results on disk, chunk by chunk: a Parquet dataset folder and a manifest, resumable after an interruption.

A results folder holds::

    manifest.json             what was run (scenario hash, seed, package version, chunk size) and which chunks
                              are done; "status" is "running" until the run completes
    scenario.toml             the resolved scenario (``extends`` applied), loadable again with ``load_scenario``
    replications.parquet/     one Parquet part file per chunk: part-000000.parquet, part-000001.parquet, ...

Every file is written atomically (temporary file, then rename), and the manifest lists a chunk only after its
part file is complete, so a run killed at any moment leaves a folder that ``--resume`` continues: the chunks
listed are kept, the others computed, and since a chunk's rows depend only on the seed and its replication
indices the final tables equal an uninterrupted run's. A resume with another scenario or seed is refused, and a
folder that already holds results is replaced only when asked (``force``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cstosim.experiments.executors import Chunk, Executor, plan_chunks
from cstosim.experiments.files import atomic_path, write_json
from cstosim.experiments.replications import date_columns, fresh_seed
from cstosim.experiments.runner import stream_chunks
from cstosim.model.scenario import Scenario

MANIFEST = "manifest.json"
SCENARIO_FILE = "scenario.toml"
TABLE_FOLDER = "replications.parquet"
FORMAT = 1
# What a results folder may contain; ``force`` removes exactly these, never anything else.
RESULT_FILES = (
    MANIFEST,
    SCENARIO_FILE,
    TABLE_FOLDER,
    "summary.json",
    "replications.csv",
    "entry_into_force.png",
    "first_grant.png",
    "last_ratifier.png",
    "grant_probability.png",
)


class StoreError(Exception):
    """A results folder that cannot be used as asked (one line for the user)."""


# The resolved scenario as TOML --------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return "nan"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def scenario_toml(table: Mapping[str, Any]) -> str:
    """A scenario table as TOML (one ``key = value`` line per top-level key), read back equal by ``tomllib``."""
    lines = ["# The resolved scenario of this run (extends applied), written by cstosim."]
    lines += [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def scenario_fingerprint(scenario: Scenario) -> tuple[str | None, str]:
    """The scenario's TOML text (``None`` for a scenario built in code) and a SHA-256 hash identifying it."""
    if scenario.source_table is not None:  # a [sweep] table does not change what a run simulates
        text = scenario_toml({k: v for k, v in scenario.source_table.items() if k != "sweep"})
        return text, hashlib.sha256(text.encode()).hexdigest()
    return None, hashlib.sha256(repr(scenario).encode()).hexdigest()


def package_version() -> str:
    try:
        return version("cstosim")
    except PackageNotFoundError:
        return "0+unknown"


# The table schema ---------------------------------------------------------------------------------------------


def arrow_schema(scenario: Scenario, table: pd.DataFrame) -> pa.Schema:
    """Fixed column types, so that every part file agrees (a chunk with no grant still has string columns)."""
    dates = set(date_columns(scenario))
    fields = []
    for column in table.columns:
        if column in dates:
            kind = pa.timestamp(np.datetime_data(np.dtype(str(table[column].dtype)))[0])
        elif column == "seed":
            kind = pa.uint64()
        elif column in ("point", "replication") or column.startswith("reviews["):
            kind = pa.int64()
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
    return pa.schema(fields)


# The store ----------------------------------------------------------------------------------------------------


@dataclass
class ResultStore:
    """A results folder and its manifest (kept in memory and rewritten atomically after each chunk)."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def chunk_size(self) -> int:
        return int(self.manifest["chunk_size"])

    @property
    def table_folder(self) -> Path:
        return self.folder / TABLE_FOLDER

    @classmethod
    def open(cls, folder: Path) -> ResultStore:
        """An existing results folder, to read."""
        path = folder / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{folder}: no results here ({MANIFEST} not found)") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise StoreError(f"{path}: not a cstosim manifest ({error})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise StoreError(f"{path}: not a cstosim results manifest of format {FORMAT}")
        return cls(folder, manifest)

    @classmethod
    def prepare(
        cls,
        folder: Path,
        scenario: Scenario,
        seed: int | None,
        replications: int | None,
        chunk_size: int | None,
        *,
        resume: bool = False,
        force: bool = False,
    ) -> ResultStore:
        """A store to run into: a new one, or the existing one when resuming (after checking it matches).

        ``seed=None`` takes the recorded seed on a resume, and a fresh one on a new run; ``replications=None``
        the recorded number on a resume, and 1000 on a new run.
        """
        text, digest = scenario_fingerprint(scenario)
        existing = [name for name in RESULT_FILES if (folder / name).exists()]
        if resume and (folder / MANIFEST).exists():
            store = cls.open(folder)
            if store.manifest["scenario_hash"] != digest:
                raise StoreError(
                    f"cannot resume {folder}: it holds results of another scenario "
                    f"({store.manifest['scenario_name']}, hash {store.manifest['scenario_hash'][:12]}; "
                    f"this one: {scenario.name}, hash {digest[:12]})"
                )
            if seed is not None and seed != store.seed:
                raise StoreError(f"cannot resume {folder}: it was run with seed {store.seed}, not {seed}")
            if chunk_size is not None and chunk_size != store.chunk_size:
                raise StoreError(
                    f"cannot resume {folder}: it was run with chunk size {store.chunk_size}, not {chunk_size}"
                )
            if replications is not None:
                store.manifest["replications"] = replications
            store.manifest["status"] = "running"
            store._save()
            return store
        if existing and not force:
            raise StoreError(
                f"{folder} already holds results ({', '.join(existing)}): "
                "use --resume to continue that run or --force to replace it"
            )
        if seed is None:
            seed = fresh_seed()
        for name in existing:  # force: remove exactly the files a run writes
            path = folder / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / TABLE_FOLDER).mkdir()
        if text is not None:
            with atomic_path(folder / SCENARIO_FILE) as temporary:
                temporary.write_text(text, encoding="utf-8")
        manifest = {
            "format": FORMAT,
            "scenario_name": scenario.name,
            "scenario_title": scenario.title,
            "scenario_hash": digest,
            "scenario_file": SCENARIO_FILE if text is not None else None,
            "scenario": tomllib.loads(text) if text is not None else None,
            "seed": seed,
            "package_version": package_version(),
            "chunk_size": chunk_size or 2000,
            "replications": replications or 1000,
            "status": "running",
            "created": _now(),
            "updated": _now(),
            "chunks": [],
        }
        store = cls(folder, manifest)
        store._save()
        return store

    def _save(self) -> None:
        self.manifest["updated"] = _now()
        write_json(self.folder / MANIFEST, _jsonable(self.manifest))

    def done(self) -> dict[int, Chunk]:
        """The chunks on disk, by index."""
        return {
            entry["index"]: Chunk(entry["index"], entry["start"], entry["stop"]) for entry in self.manifest["chunks"]
        }

    def write_chunk(self, scenario: Scenario, chunk: Chunk, table: pd.DataFrame) -> None:
        """Write a chunk's part file, then record it in the manifest."""
        name = f"part-{chunk.index:06d}.parquet"
        arrow = pa.Table.from_pandas(table, schema=arrow_schema(scenario, table), preserve_index=False)
        with atomic_path(self.table_folder / name) as temporary:
            pq.write_table(arrow, temporary)
        entries = [entry for entry in self.manifest["chunks"] if entry["index"] != chunk.index]
        entries.append({"index": chunk.index, "start": chunk.start, "stop": chunk.stop, "file": name})
        self.manifest["chunks"] = sorted(entries, key=lambda entry: entry["index"])
        self._save()

    def forget(self, index: int) -> None:
        """Drop a chunk that no longer fits the plan (its part file is rewritten or removed)."""
        for entry in self.manifest["chunks"]:
            if entry["index"] == index:
                (self.table_folder / entry["file"]).unlink(missing_ok=True)
        self.manifest["chunks"] = [entry for entry in self.manifest["chunks"] if entry["index"] != index]
        self._save()

    def read_chunk(self, index: int) -> pd.DataFrame:
        entry = next(entry for entry in self.manifest["chunks"] if entry["index"] == index)
        return pd.read_parquet(self.table_folder / entry["file"])

    def tables(self) -> Iterator[pd.DataFrame]:
        """Each chunk's table in replication order (one at a time: memory stays flat)."""
        for entry in self.manifest["chunks"]:
            yield pd.read_parquet(self.table_folder / entry["file"])

    def read_table(self) -> pd.DataFrame:
        """The whole run table (for runs small enough to hold in memory)."""
        parts = list(self.tables())
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def finish(self, replications: int, extra: Mapping[str, Any] | None = None) -> None:
        self.manifest["status"] = "complete"
        self.manifest["replications_done"] = replications
        self.manifest.update(extra or {})
        self._save()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


# Running into a store -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    """How a streamed run went: replications in its results, chunks computed now and reused from disk."""

    replications: int
    computed: int
    reused: int
    stopped_early: bool
    computed_replications: int


def run_chunked(
    scenario: Scenario,
    root_seed: int,
    replications: int,
    executor: Executor,
    *,
    chunk_size: int,
    store: ResultStore | None = None,
    on_table: Callable[[pd.DataFrame], bool] | None = None,
    progress: bool = False,
) -> RunReport:
    """Run ``replications`` in chunks, in order: each chunk's table goes to the store and to ``on_table``.

    Chunks already in the store are read back instead of computed. ``on_table`` returning ``True`` stops the run
    after that chunk (precision mode): the stop depends only on the tables seen, in order, so it is the same
    whatever the executor, and a resumed run stops where an uninterrupted one would.
    """
    plan = plan_chunks(replications, chunk_size)
    done = store.done() if store is not None else {}
    if store is not None:  # a chunk recorded with other bounds (an earlier, shorter run) is recomputed
        planned = {chunk.index: chunk for chunk in plan}
        for index, chunk in done.items():
            if planned.get(index) != chunk:
                store.forget(index)
        done = store.done()
    missing = [chunk for chunk in plan if chunk.index not in done]
    already = sum(chunk.size for chunk in plan if chunk.index in done)
    computed = stream_chunks(
        [scenario], root_seed, missing, executor, progress=progress, total=replications, done=already
    )
    count = reused = fresh = fresh_rows = 0
    stopped = False
    try:
        for chunk in plan:
            if chunk.index in done:
                table = store.read_chunk(chunk.index) if store is not None else pd.DataFrame()
                reused += 1
            else:
                computed_chunk, table = next(computed)
                assert computed_chunk == chunk
                if store is not None:
                    store.write_chunk(scenario, chunk, table)
                fresh += 1
                fresh_rows += len(table)
            count += len(table)
            if on_table is not None and on_table(table):
                stopped = chunk.stop < replications
                if store is not None:  # chunks beyond the stop (from an earlier run) are not part of these results
                    for index in [index for index in store.done() if index > chunk.index]:
                        store.forget(index)
                break
    finally:
        computed.close()  # cancels chunks still in flight when stopping early
    return RunReport(count, fresh, reused, stopped, fresh_rows)
