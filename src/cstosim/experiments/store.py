"""Results on disk, chunk by chunk: the format of a results folder (manifest, Parquet parts) and its rules.

A results folder holds::

    manifest.json             what was run (kind of experiment, scenario hash, seed, settings, package version,
                              chunk size, points) and which chunks are done, each with its rows, size and SHA-256;
                              "status" is "running" until it completes ("interrupted" if it stopped on an error)
    scenario.toml             the resolved scenario (``extends`` applied), loadable again with ``load_scenario``
    TABLE.parquet/            one Parquet part file per chunk: part-000000.parquet, part-000001.parquet, ...
                              (``replications.parquet`` for a run, ``sweep.parquet``, ``forecast.parquet``, ...)

plus the files computed from the table (summary, plots), which the commands write. Every file is written
atomically (temporary file, then rename), and the manifest lists a chunk only after its part file is complete,
so a run killed at any moment leaves a folder that a resume continues: the chunks listed are kept, the others
computed, and since a chunk's rows depend only on the seed and its replications the final tables equal an
uninterrupted run's. A resume of another kind of experiment, scenario, seed or settings is refused, and a folder
that already holds results is replaced only when asked (``force``). The manifest is checked against its plan
when a folder is opened and every part file against its checksum when it is read, so a damaged or edited folder
is refused, never read; and nothing is deleted that a user might need (a resume refuses instead, saying what
would be lost). Running an experiment into a folder is the pipeline's job (``cstosim.experiments.pipeline``);
this module knows only the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import hashlib
import io
import json
import math
import re
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

from cstosim.engine.random_numbers import MAX_SEED
from cstosim.experiments.files import atomic_path, jsonable, write_json
from cstosim.experiments.plan import DEFAULT_CHUNK_SIZE, DEFAULT_REPLICATIONS, Chunk, fresh_seed, plan_chunks
from cstosim.model.limits import MAX_CHUNK_SIZE, MAX_POINTS, MAX_REPLICATIONS
from cstosim.model.scenario import Scenario

MANIFEST = "manifest.json"
SCENARIO_FILE = "scenario.toml"
FORMAT = 2  # 2: chunks listed with their size and SHA-256, the number of points recorded
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

STATUSES = ("running", "interrupted", "complete")
MAX_MANIFEST_BYTES = 64 * 2**20  # a manifest of MAX_CHUNKS chunks is about 20 MB
_SHA256 = re.compile(r"[0-9a-f]{64}")


def part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


@dataclass
class ResultStore:
    """A results folder and its manifest (kept in memory, rewritten atomically as chunks are recorded).

    Every chunk the manifest lists carries the size and SHA-256 of its part file, checked whenever the part is
    read; the chunk's rows must be the replications, seed and point the manifest says. Nothing in a folder is
    ever deleted unless the caller asked for it (``force``): what cannot be used is refused, with what it is.
    """

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
    def points(self) -> int:
        return int(self.manifest["points"])

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.manifest.get("settings") or {})

    @property
    def table_folder(self) -> Path:
        return self.folder / TABLE_FOLDERS[self.kind]

    @property
    def complete(self) -> bool:
        return bool(self.manifest["status"] == "complete")

    @property
    def path(self) -> Path:
        return self.folder / MANIFEST

    @classmethod
    def open(cls, folder: Path) -> ResultStore:
        """An existing results folder, to read: its manifest checked against itself and its plan
        (``StoreError`` naming the file, the field and the value otherwise)."""
        path = folder / MANIFEST
        try:
            with path.open("rb") as file:
                data = file.read(MAX_MANIFEST_BYTES + 1)
        except FileNotFoundError:
            raise StoreError(f"{folder}: no results here ({MANIFEST} not found)") from None
        except OSError as error:
            raise StoreError(f"{path}: cannot read it: {error.strerror or error}") from None
        if len(data) > MAX_MANIFEST_BYTES:
            raise StoreError(f"{path}: not a cstosim manifest (larger than {MAX_MANIFEST_BYTES // 2**20} MiB)")
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise StoreError(f"{path}: not a cstosim manifest ({reason})") from None
        if not isinstance(manifest, dict):
            raise StoreError(f"{path}: not a cstosim results manifest (got {_short(manifest)})")
        if manifest.get("format") == 1:
            raise StoreError(
                f"{path}: results of format 1, written by an earlier cstosim without checksums; this version reads "
                f"format {FORMAT}: run the experiment again into another folder (got format 1)"
            )
        if manifest.get("format") != FORMAT:
            raise StoreError(
                f"{path}: format: not a cstosim results manifest of format {FORMAT} "
                f"(got {_short(manifest.get('format'))})"
            )
        problem = _manifest_problem(manifest)
        if problem is not None:
            raise StoreError(f"{path}: {problem}")
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
        points: int = 1,
        settings: Mapping[str, Any] | None = None,
        resume: bool = False,
        force: bool = False,
    ) -> ResultStore:
        """A store to run into: a new one, or the existing one when resuming (after checking it matches).

        On a resume, ``seed``, ``replications``, ``chunk_size`` and any setting given as ``None`` take the
        recorded values (read them back from the store); given values must match the recorded ones, except
        ``replications``, which may grow the run (a smaller number, which would drop computed chunks, is
        refused). Every chunk listed is checked (size, SHA-256, rows) before anything runs; a listed part file
        that is gone is computed again. On a new run ``seed=None`` draws a fresh seed, ``replications=None``
        means 1000 and ``chunk_size=None`` the default.

        Nothing is deleted but what a run writes, and only with ``force``: a folder holding result files and no
        manifest, or files the manifest does not account for, is refused with what it holds.
        """
        if kind not in TABLE_FOLDERS:
            raise ValueError(f"kind must be one of {', '.join(TABLE_FOLDERS)} (got {kind!r})")
        text, digest = scenario_fingerprint(scenario)
        wanted = jsonable(dict(settings or {}))
        manifest_found = (folder / MANIFEST).exists()
        if resume and manifest_found:
            store = cls.open(folder)
            store._check_resume(kind, scenario, digest, seed, chunk_size, points, wanted)
            store._resume(replications if replications is not None else store.replications, wanted)
            return store
        existing = _existing(folder)
        if existing and resume:
            raise StoreError(
                f"cannot resume {folder}: {MANIFEST} is missing, so nothing says what its files are "
                f"({_listing(folder, existing)}); move them elsewhere, or replace them with --force "
                "(which deletes them)"
            )
        if existing and not force:
            if manifest_found:
                advice = "use --resume to continue that run, or --force to replace it (which deletes them)"
            else:
                advice = (
                    f"they are not results cstosim can continue (no {MANIFEST}): choose another folder, "
                    "or replace them with --force (which deletes them)"
                )
            raise StoreError(f"{folder} already holds {_what(folder)} ({_listing(folder, existing)}): {advice}")
        for name in existing:  # force: remove exactly the files a run writes
            _remove(folder / name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / TABLE_FOLDERS[kind]).mkdir(exist_ok=True)
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
            "points": points,
            "status": "running",
            "created": now,
            "updated": now,
            "chunks": [],
        }
        problem = _manifest_problem(manifest)  # the size asked for, within limits (as a resume will check)
        if problem is not None:
            raise ValueError(problem)
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
        points: int,
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
        if points != self.points:
            raise StoreError(f"cannot resume {folder}: it was run with {self.points} point(s), not {points}")

    def _resume(self, replications: int, settings: Mapping[str, Any]) -> None:
        """Continue the folder with ``replications`` per point: check every listed chunk, drop those that are
        gone or that a larger run recomputes with new bounds, refuse what would lose computed results."""
        listed = self.manifest["chunks"]
        beyond = [entry for entry in listed if entry["stop"] > replications]
        if beyond:
            held = max(entry["stop"] for entry in listed)
            raise StoreError(
                f"cannot resume {self.folder} with {replications:,} replications: its chunks hold replications up to "
                f"{held:,}, and {len(beyond)} chunk(s) holding replications from {replications:,} on would be lost; "
                f"give {held:,} or more (-n, or --max-replications with --precision), or run into another folder"
            )
        plan = {chunk.index: chunk for chunk in plan_chunks(replications, self.chunk_size, self.points)}
        strays = _unlisted_parts(self.table_folder, {entry["file"] for entry in listed}, set(plan))
        if strays:
            shown = ", ".join(strays[:3]) + (f" and {len(strays) - 3} more" if len(strays) > 3 else "")
            raise StoreError(
                f"cannot resume {self.folder}: {self.table_folder.name} holds {shown}, which {MANIFEST} does not "
                f"list and this run would not write; move them out of the folder"
            )
        kept = []
        for entry in listed:
            if not (self.table_folder / entry["file"]).exists():
                continue  # gone (moved away by the user): computed again
            self.verify(entry, whole=False)
            if _chunk(entry) == plan.get(entry["index"]):
                kept.append(entry)
            # else: the short last chunk of a smaller run; recomputed with its new bounds, the file overwritten
        for stale in [*_temporaries(self.folder), *_temporaries(self.table_folder)]:
            stale.unlink()  # a write cut short by the interruption (atomic_path's temporary names)
        self.manifest["chunks"] = kept
        self.manifest["replications"] = replications
        self.manifest["settings"] = {**self.settings, **{k: v for k, v in settings.items() if v is not None}}
        self.manifest["status"] = "running"
        self.manifest.pop("replications_done", None)
        self.manifest.pop("stopped_early", None)
        self.save()

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

    def interrupted(self) -> None:
        """The experiment stopped on an error or an interruption: say so in the manifest if it can still be
        written (a full disk may not let it; the folder is resumable either way)."""
        self.manifest["status"] = "interrupted"
        with contextlib.suppress(OSError):
            self.save()

    def done(self) -> dict[int, Chunk]:
        """The chunks on disk, by index."""
        return {entry["index"]: _chunk(entry) for entry in self.manifest["chunks"]}

    def write_chunk(self, chunk: Chunk, table: pd.DataFrame) -> None:
        """Write a chunk's part file, then record it in the manifest with its size and SHA-256."""
        name = part_name(chunk.index)
        arrow = pa.Table.from_pandas(table, schema=arrow_schema(table), preserve_index=False)
        with atomic_path(self.table_folder / name) as temporary:
            pq.write_table(arrow, temporary)
            data = temporary.read_bytes()
        entries = [entry for entry in self.manifest["chunks"] if entry["index"] != chunk.index]
        entry = {
            "index": chunk.index,
            "point": chunk.point,
            "start": chunk.start,
            "stop": chunk.stop,
            "file": name,
            "rows": len(table),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        entries.append(entry)
        if len(entries) > 1 and entries[-2]["index"] > chunk.index:
            entries.sort(key=lambda entry: entry["index"])
        self.manifest["chunks"] = entries
        self._record()

    def verify(self, entry: Mapping[str, Any], whole: bool = True) -> pd.DataFrame:
        """The table of a listed chunk, read once its file is checked: ``StoreError`` if the file is gone, not the
        one written (size, SHA-256), or its rows are not the replications, seed and point listed. ``whole=False``
        reads only the columns checked (a resume checks every chunk before it starts)."""
        path = self.table_folder / entry["file"]
        label = f"{path}"
        try:
            if not path.is_file():
                raise FileNotFoundError
            size = path.stat().st_size
            if size != entry["bytes"]:
                raise StoreError(f"{label}: {_changed(entry['bytes'], size)}")
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(
                f"{label}: missing ({MANIFEST} lists it): continue the run with --resume to compute it again"
            ) from None
        except OSError as error:
            raise StoreError(f"{label}: cannot read it: {error.strerror or error}") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise StoreError(
                f"{label}: changed since it was written (its SHA-256 is not the one in {MANIFEST}): move it out of "
                "the folder and continue the run with --resume to compute it again"
            )
        try:
            if whole:
                table = pd.read_parquet(io.BytesIO(data))
            else:
                parquet = pq.ParquetFile(pa.BufferReader(data))
                names = [name for name in ("replication", "seed", "point") if name in parquet.schema_arrow.names]
                table = parquet.read(columns=names).to_pandas()
        except Exception as error:  # the checksum matched: only a file written wrong could get here
            raise StoreError(f"{label}: not a readable Parquet file ({type(error).__name__}: {error})") from None
        problem = _rows_problem(table, entry, self.seed)
        if problem is not None:
            raise StoreError(f"{label}: {problem}")
        return table

    def read_chunk(self, index: int) -> pd.DataFrame:
        entry = next(entry for entry in self.manifest["chunks"] if entry["index"] == index)
        return self.verify(entry)

    def tables(self) -> Iterator[pd.DataFrame]:
        """Each chunk's table in plan order, checked (one at a time: memory stays flat)."""
        for entry in self.manifest["chunks"]:
            yield self.verify(entry)

    def read_table(self) -> pd.DataFrame:
        """The whole table (for results small enough to hold in memory)."""
        parts = list(self.tables())
        if not parts:
            return pd.DataFrame()
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def stopped_after(self, chunk: Chunk) -> None:
        """The experiment stopped after ``chunk`` (a precision target met): no chunk beyond it may be listed."""
        beyond = [entry["file"] for entry in self.manifest["chunks"] if entry["index"] > chunk.index]
        if beyond:  # cannot happen: a resume stops where the run would have (the same target, the same chunks)
            raise StoreError(
                f"{self.folder}: the run stopped after chunk {chunk.index}, but {MANIFEST} lists chunks beyond it "
                f"({', '.join(beyond[:3])}); they are kept: move them out of the folder to write these results"
            )

    def finish(self, replications: int, stopped_early: bool = False) -> None:
        """Every planned chunk is on disk (or the precision target was met): the results are complete."""
        self.manifest["status"] = "complete"
        self.manifest["replications_done"] = replications
        self.manifest["stopped_early"] = stopped_early
        self.save()


def _chunk(entry: Mapping[str, Any]) -> Chunk:
    return Chunk(entry["index"], entry["start"], entry["stop"], entry["point"])


def _manifest_problem(manifest: Mapping[str, Any]) -> str | None:
    """What is wrong with a manifest's own fields and its chunk list, against its plan (``None``: nothing).

    A manifest edited or damaged by hand (a seed, a count, a chunk range changed, ``chunks`` not a list) is caught
    here; a part file changed or replaced is caught when it is read (its size, SHA-256 and rows)."""
    kind = manifest.get("kind")
    if kind not in TABLE_FOLDERS:
        return f"kind: must be one of {', '.join(TABLE_FOLDERS)} (got {_short(kind)})"
    bounds = {
        "seed": (0, MAX_SEED),
        "replications": (1, MAX_REPLICATIONS),
        "chunk_size": (1, MAX_CHUNK_SIZE),
        "points": (1, MAX_POINTS),
    }
    for key, (low, high) in bounds.items():
        value = manifest.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"{key}: must be a whole number from {low:,} to {high:,} (got {_short(value)})"
    status = manifest.get("status")
    if status not in STATUSES:
        return f"status: must be one of {', '.join(STATUSES)} (got {_short(status)})"
    digest = manifest.get("scenario_hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        return f"scenario_hash: must be a SHA-256 in hexadecimal (got {_short(digest)})"
    if manifest.get("scenario_file") not in (SCENARIO_FILE, None):
        return f"scenario_file: must be {SCENARIO_FILE} or null (got {_short(manifest.get('scenario_file'))})"
    if not isinstance(manifest.get("settings"), (dict, type(None))):
        return f"settings: must be a table (got {_short(manifest.get('settings'))})"
    chunks = manifest.get("chunks")
    if not isinstance(chunks, list):
        return f"chunks: must be a list of chunk records (got {_short(chunks)})"
    try:
        plan = plan_chunks(manifest["replications"], manifest["chunk_size"], manifest["points"])
    except ValueError as error:
        return f"replications, chunk_size, points: {error}"
    previous = -1
    for number, entry in enumerate(chunks):
        where = f"chunks[{number}]"
        if not isinstance(entry, dict):
            return f"{where}: must be a chunk record (got {_short(entry)})"
        for key in ("index", "point", "start", "stop", "rows", "bytes"):
            if not _whole(entry.get(key)) or entry[key] < 0:
                return f"{where}.{key}: must be a whole number >= 0 (got {_short(entry.get(key))})"
        index = entry["index"]
        if index <= previous:
            return f"{where}.index: chunks must be listed once each, in order (got {index} after {previous})"
        previous = index
        if entry.get("file") != part_name(index):
            return f"{where}.file: must be {part_name(index)} (got {_short(entry.get('file'))})"
        if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
            return f"{where}.sha256: must be a SHA-256 in hexadecimal (got {_short(entry.get('sha256'))})"
        planned = plan[index] if index < len(plan) else None
        if planned is None or _chunk(entry) != planned:
            size = f"{manifest['points']} point(s) x {manifest['replications']:,} replications"
            recorded = f"the recorded plan ({size} in chunks of {manifest['chunk_size']:,})"
            got = f"(got replications {entry['start']} to {entry['stop'] - 1} of point {entry['point']})"
            if planned is None:
                return f"{where}: chunk {index} is not in {recorded}, which has {len(plan):,} chunks {got}"
            expected = f"replications {planned.start} to {planned.stop - 1} of point {planned.point}"
            return f"{where}: chunk {index} of {recorded} holds {expected} {got}"
    if status == "complete":
        done = manifest.get("replications_done")
        listed = sum(entry["stop"] - entry["start"] for entry in chunks)
        if done != listed:
            return f"replications_done: must be the {listed:,} replications its chunks hold (got {_short(done)})"
        if not manifest.get("stopped_early") and len(chunks) != len(plan):
            return f"chunks: a complete run lists all {len(plan):,} chunks of its plan (got {len(chunks):,})"
    return None


def _rows_problem(table: pd.DataFrame, entry: Mapping[str, Any], seed: int) -> str | None:
    """Whether a chunk's rows are those its manifest entry and the run's seed say (``None``: they are)."""
    if len(table) != entry["rows"]:
        return f"holds {len(table):,} rows, not the {entry['rows']:,} {MANIFEST} lists"
    if "replication" not in table.columns or "seed" not in table.columns:
        return "has no replication and seed columns: not a chunk of cstosim results"
    numbers = np.unique(table["replication"].to_numpy())
    start, stop = entry["start"], entry["stop"]
    if len(numbers) != stop - start or (len(numbers) and (numbers[0] != start or numbers[-1] != stop - 1)):
        return f"holds other replications than {start} to {stop - 1}, which {MANIFEST} lists"
    seeds = np.unique(table["seed"].to_numpy())
    if len(seeds) and (len(seeds) != 1 or int(seeds[0]) != seed):
        return (
            f"holds replications of seed {', '.join(str(s) for s in seeds[:3])}, not {seed}, which {MANIFEST} records"
        )
    if "point" in table.columns:
        points = np.unique(table["point"].to_numpy())
        if len(points) and (len(points) != 1 or int(points[0]) != entry["point"]):
            return f"holds rows of point {', '.join(str(p) for p in points[:3])}, not {entry['point']}"
    return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _changed(recorded: int, size: int) -> str:
    return (
        f"changed since it was written ({size:,} bytes, not the {recorded:,} recorded in {MANIFEST}): move it out "
        "of the folder and continue the run with --resume to compute it again"
    )


def _existing(folder: Path) -> list[str]:
    """The result files and folders present in ``folder`` (names, in ``RESULT_FILES`` order)."""
    found: list[str] = []
    for pattern in RESULT_FILES:
        found += sorted(path.name for path in folder.glob(pattern) if path.name not in found)
    return found


def _listing(folder: Path, names: list[str]) -> str:
    """The files found, for people: a table folder with its number of part files."""
    shown = []
    for name in names:
        path = folder / name
        if path.is_dir():
            parts = len(list(path.glob("part-*.parquet")))
            shown.append(f"{name}/ ({parts} part file{'s' if parts != 1 else ''})")
        else:
            shown.append(name)
    return ", ".join(shown)


_PART = re.compile(r"part-\d{6}\.parquet")
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?")  # atomic_path's names


def _remove(path: Path) -> None:
    """Remove a result file, or a table folder's part files (and the folder if nothing else is in it)."""
    if not path.is_dir() or path.is_symlink():
        path.unlink()
        return
    for part in [*(p for p in path.glob("part-*.parquet") if _PART.fullmatch(p.name)), *_temporaries(path)]:
        part.unlink()
    if not any(path.iterdir()):
        path.rmdir()


def _temporaries(folder: Path) -> list[Path]:
    """Temporary files of writes of result files cut short (``atomic_path`` names them ``.NAME.RANDOM.tmpSUFFIX``):
    those of the files a run writes, never another hidden file."""
    found = []
    for path in folder.glob(".*.tmp*"):
        match = _TEMPORARY.fullmatch(path.name)
        if match is None or not path.is_file():
            continue
        name = match.group("name")
        if _PART.fullmatch(name) or any(fnmatch.fnmatchcase(name, pattern) for pattern in RESULT_FILES):
            found.append(path)
    return found


def _unlisted_parts(table_folder: Path, listed: set[str], planned: set[int]) -> list[str]:
    """Part files the manifest does not list and the plan would not write (so never overwrite)."""
    names = {part_name(index) for index in planned}
    return sorted(
        path.name
        for path in table_folder.glob("part-*.parquet")
        if _PART.fullmatch(path.name) and path.name not in listed | names
    )


def _what(folder: Path) -> str:
    """What a results folder holds, for people: "results", or "sweep results" and the like."""
    if not (folder / MANIFEST).exists():
        return "files a run writes"
    try:
        kind = ResultStore.open(folder).kind
    except StoreError:
        return "results"
    return "results" if kind == "run" else f"{kind} results"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
