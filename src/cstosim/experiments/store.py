"""Results on disk, chunk by chunk: the format of a results folder (manifest, Parquet parts) and its rules.

A results folder holds::

    manifest.json             what was run (kind of experiment, scenario hash, seed, settings, package version,
                              chunk size) and which chunks are done; "status" is "running" until it completes
    scenario.toml             the resolved scenario (``extends`` applied), loadable again with ``load_scenario``
    TABLE.parquet/            one Parquet part file per chunk: part-000000.parquet, part-000001.parquet, ...
                              (``replications.parquet`` for a run, ``sweep.parquet``, ``forecast.parquet``, ...)

plus the files computed from the table (summary, plots), which the commands write. Every file is written
atomically (temporary file, then rename), and the manifest lists a chunk only after its part file is complete,
so a run killed at any moment leaves a folder that a resume continues: the chunks listed are kept, the others
computed, and since a chunk's rows depend only on the seed and its replications the final tables equal an
uninterrupted run's. A resume of another kind of experiment, scenario, seed or settings is refused, and a folder
that already holds results is replaced only when asked (``force``). Running an experiment into a folder is the
pipeline's job (``cstosim.experiments.pipeline``); this module knows only the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cstosim.experiments.files import atomic_path, jsonable, write_json
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, DEFAULT_REPLICATIONS, Chunk, fresh_seed
from cstosim.model.scenario import Scenario

MANIFEST = "manifest.json"
SCENARIO_FILE = "scenario.toml"
FORMAT = 1
# The table folder of each kind of experiment.
TABLE_FOLDERS = {
    "run": "replications.parquet",
    "sweep": "sweep.parquet",
    "sensitivity": "replications.parquet",
    "forecast": "forecast.parquet",
    "calibration": "prior_predictive.parquet",
}
# What the commands write beside the table; ``force`` removes exactly these (and the above), never anything else.
OUTPUT_FILES = {
    "run": (
        "summary.json",
        "replications.csv",
        "entry_into_force.png",
        "first_grant.png",
        "last_ratifier.png",
        "grant_probability.png",
    ),
    "sweep": ("sweep_summary.csv", "sweep.json", "sweep_*.png"),
    "sensitivity": ("indices.csv", "indices.parquet", "points.parquet", "sensitivity.png"),
    "forecast": ("forecast.json", "forecast.png"),
    "calibration": ("calibration.csv", "calibration.png"),
}
RESULT_FILES = (
    MANIFEST,
    SCENARIO_FILE,
    *sorted(set(TABLE_FOLDERS.values())),
    *sorted({name for names in OUTPUT_FILES.values() for name in names}),
)
SAVE_INTERVAL = 0.5  # seconds between manifest rewrites while chunks stream in (it is also saved at the end)


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


def arrow_schema(table: pd.DataFrame) -> pa.Schema:
    """The Parquet types of a chunk table, fixed by its column types so that every part file agrees (a chunk
    with no grant still has text columns, the seed stays unsigned)."""
    fields = []
    for column in table.columns:
        dtype = table[column].dtype
        if column == "seed":
            kind = pa.uint64()
        elif pd.api.types.is_datetime64_dtype(dtype):
            kind = pa.timestamp(np.datetime_data(np.dtype(str(dtype)))[0])
        elif pd.api.types.is_bool_dtype(dtype):
            kind = pa.bool_()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(dtype):
            kind = pa.float64()
        elif dtype != np.dtype(object) or all(isinstance(value, str) for value in table[column].dropna()):
            kind = pa.string()  # names: pandas' text type, or text in object columns (all missing included)
        else:  # parameter values of another type (dates, for instance): as pyarrow reads them
            kind = pa.array(table[column], from_pandas=True).type
        fields.append(pa.field(column, kind))
    return pa.schema(fields)


# The store ----------------------------------------------------------------------------------------------------


@dataclass
class ResultStore:
    """A results folder and its manifest (kept in memory, rewritten atomically as chunks are recorded)."""

    folder: Path
    manifest: dict[str, Any]
    _saved: float = field(default=0.0, repr=False)
    _unsaved: bool = field(default=False, repr=False)

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "run"))

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def replications(self) -> int:
        """Replications per point."""
        return int(self.manifest["replications"])

    @property
    def chunk_size(self) -> int:
        return int(self.manifest["chunk_size"])

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.manifest.get("settings") or {})

    @property
    def table_folder(self) -> Path:
        return self.folder / TABLE_FOLDERS[self.kind]

    @property
    def complete(self) -> bool:
        return bool(self.manifest["status"] == "complete")

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
        if manifest.get("kind", "run") not in TABLE_FOLDERS:
            raise StoreError(f"{path}: kind must be one of {', '.join(TABLE_FOLDERS)} (got {manifest.get('kind')!r})")
        return cls(folder, manifest)

    @classmethod
    def prepare(
        cls,
        folder: Path,
        kind: str,
        scenario: Scenario,
        *,
        seed: int | None,
        replications: int | None,
        chunk_size: int | None,
        settings: Mapping[str, Any] | None = None,
        resume: bool = False,
        force: bool = False,
    ) -> ResultStore:
        """A store to run into: a new one, or the existing one when resuming (after checking it matches).

        On a resume, ``seed``, ``replications``, ``chunk_size`` and any setting given as ``None`` take the
        recorded values (read them back from the store); given values must match the recorded ones, except
        ``replications``, which may grow or shrink the run. On a new run ``seed=None`` draws a fresh seed,
        ``replications=None`` means 1000 and ``chunk_size=None`` the default.
        """
        if kind not in TABLE_FOLDERS:
            raise ValueError(f"kind must be one of {', '.join(TABLE_FOLDERS)} (got {kind!r})")
        text, digest = scenario_fingerprint(scenario)
        wanted = jsonable(dict(settings or {}))
        if resume and (folder / MANIFEST).exists():
            store = cls.open(folder)
            store._check_resume(kind, scenario, digest, seed, chunk_size, wanted)
            for stale in [*folder.glob(".*.tmp*"), *store.table_folder.glob(".*.tmp*")]:
                stale.unlink()  # a write cut short by the interruption (atomic_path's temporary names)
            listed = {entry["file"] for entry in store.manifest["chunks"]}
            for part in store.table_folder.glob("part-*.parquet"):
                if part.name not in listed:  # written before the kill, never recorded: not part of the results
                    part.unlink()
            if replications is not None:
                store.manifest["replications"] = replications
            store.manifest["settings"] = {**store.settings, **{k: v for k, v in wanted.items() if v is not None}}
            store.manifest["status"] = "running"
            store.save()
            return store
        existing = _existing(folder)
        if existing and not force and not resume:  # resuming with no manifest: nothing was recorded, start over
            raise StoreError(
                f"{folder} already holds {_what(folder)} ({', '.join(existing)}): "
                "use --resume to continue that run or --force to replace it"
            )
        for name in existing:  # force: remove exactly the files a run writes
            path = folder / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / TABLE_FOLDERS[kind]).mkdir()
        if text is not None:
            with atomic_path(folder / SCENARIO_FILE) as temporary:
                temporary.write_text(text, encoding="utf-8")
        now = _now()
        manifest = {
            "format": FORMAT,
            "kind": kind,
            "scenario_name": scenario.name,
            "scenario_title": scenario.title,
            "scenario_hash": digest,
            "scenario_file": SCENARIO_FILE if text is not None else None,
            "scenario": tomllib.loads(text) if text is not None else None,
            "settings": wanted,
            "seed": fresh_seed() if seed is None else seed,
            "package_version": package_version(),
            "chunk_size": chunk_size or DEFAULT_CHUNK_SIZE,
            "replications": replications or DEFAULT_REPLICATIONS,
            "status": "running",
            "created": now,
            "updated": now,
            "chunks": [],
        }
        store = cls(folder, manifest)
        store.save()
        return store

    def _check_resume(
        self,
        kind: str,
        scenario: Scenario,
        digest: str,
        seed: int | None,
        chunk_size: int | None,
        settings: Mapping[str, Any],
    ) -> None:
        folder = self.folder
        if self.kind != kind:
            raise StoreError(f"cannot resume {folder}: it holds {self.kind} results, not {kind} results")
        if self.manifest["scenario_hash"] != digest:
            raise StoreError(
                f"cannot resume {folder}: it holds results of another scenario "
                f"({self.manifest['scenario_name']}, hash {self.manifest['scenario_hash'][:12]}; "
                f"this one: {scenario.name}, hash {digest[:12]})"
            )
        if seed is not None and seed != self.seed:
            raise StoreError(f"cannot resume {folder}: it was run with seed {self.seed}, not {seed}")
        if chunk_size is not None and chunk_size != self.chunk_size:
            raise StoreError(f"cannot resume {folder}: it was run with chunk size {self.chunk_size}, not {chunk_size}")
        recorded = self.settings
        for key, value in settings.items():
            if value is not None and key in recorded and recorded[key] != value:
                raise StoreError(f"cannot resume {folder}: it was run with {key} {recorded[key]!r}, not {value!r}")

    def save(self) -> None:
        """Rewrite the manifest (atomically)."""
        self.manifest["updated"] = _now()
        write_json(self.folder / MANIFEST, self.manifest)
        self._saved = time.monotonic()
        self._unsaved = False

    def _record(self) -> None:
        """Save after a change, at most every ``SAVE_INTERVAL`` (chunks recorded meanwhile are saved by
        ``flush``; a chunk whose part file is written but not yet listed is recomputed by a resume)."""
        self._unsaved = True
        if time.monotonic() - self._saved >= SAVE_INTERVAL:
            self.save()

    def flush(self) -> None:
        if self._unsaved:
            self.save()

    def done(self) -> dict[int, Chunk]:
        """The chunks on disk, by index."""
        return {
            entry["index"]: Chunk(entry["index"], entry["start"], entry["stop"], entry.get("point", 0))
            for entry in self.manifest["chunks"]
        }

    def write_chunk(self, chunk: Chunk, table: pd.DataFrame) -> None:
        """Write a chunk's part file, then record it in the manifest."""
        name = f"part-{chunk.index:06d}.parquet"
        arrow = pa.Table.from_pandas(table, schema=arrow_schema(table), preserve_index=False)
        with atomic_path(self.table_folder / name) as temporary:
            pq.write_table(arrow, temporary)
        entries = [entry for entry in self.manifest["chunks"] if entry["index"] != chunk.index]
        entry = {"index": chunk.index, "point": chunk.point, "start": chunk.start, "stop": chunk.stop, "file": name}
        entries.append(entry)
        if len(entries) > 1 and entries[-2]["index"] > chunk.index:
            entries.sort(key=lambda entry: entry["index"])
        self.manifest["chunks"] = entries
        self._record()

    def forget(self, index: int) -> None:
        """Drop a chunk that no longer fits the plan (its part file is rewritten or removed)."""
        for entry in self.manifest["chunks"]:
            if entry["index"] == index:
                (self.table_folder / entry["file"]).unlink(missing_ok=True)
        self.manifest["chunks"] = [entry for entry in self.manifest["chunks"] if entry["index"] != index]
        self.save()

    def read_chunk(self, index: int) -> pd.DataFrame:
        entry = next(entry for entry in self.manifest["chunks"] if entry["index"] == index)
        return pd.read_parquet(self.table_folder / entry["file"])

    def tables(self) -> Iterator[pd.DataFrame]:
        """Each chunk's table in plan order (one at a time: memory stays flat)."""
        for entry in self.manifest["chunks"]:
            yield pd.read_parquet(self.table_folder / entry["file"])

    def read_table(self) -> pd.DataFrame:
        """The whole table (for results small enough to hold in memory)."""
        parts = list(self.tables())
        if not parts:
            return pd.DataFrame()
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def finish(self, replications: int) -> None:
        """Every planned chunk is on disk: the results are complete."""
        self.manifest["status"] = "complete"
        self.manifest["replications_done"] = replications
        self.save()


def _existing(folder: Path) -> list[str]:
    """The result files and folders present in ``folder`` (names, in ``RESULT_FILES`` order)."""
    found: list[str] = []
    for pattern in RESULT_FILES:
        found += sorted(path.name for path in folder.glob(pattern) if path.name not in found)
    return found


def _what(folder: Path) -> str:
    """What a results folder holds, for people: "results", or "sweep results" and the like."""
    try:
        kind = ResultStore.open(folder).kind
    except StoreError:
        return "results"
    return "results" if kind == "run" else f"{kind} results"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
