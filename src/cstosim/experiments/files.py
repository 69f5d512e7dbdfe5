"""Writing result files safely: each file appears whole or not at all.

A file is written under a temporary name in its destination folder, then renamed over the target
(``os.replace`` is atomic on one file system), so an interrupted run never leaves a half-written file and
never destroys a previous complete one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


class WriteError(OSError):
    """A result file that could not be written (a full disk, a folder made read-only): the file is not there,
    and whatever was there before is unchanged."""

    def __init__(self, target: Path, error: OSError) -> None:
        super().__init__(error.errno, error.strerror or str(error), str(target))
        self.target = target

    def __str__(self) -> str:
        return f"{self.target}: cannot write it: {self.strerror}"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path to write; renamed to ``target`` if the block succeeds, removed otherwise.

    An ``OSError`` while writing (a full disk) becomes a ``WriteError`` naming ``target``."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    except OSError as error:
        raise WriteError(target, error) from error
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes private files; results are ordinary files
        os.replace(temporary, target)
    except WriteError:
        raise
    except OSError as error:
        raise WriteError(target, error) from error
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def jsonable(value: Any) -> Any:
    """``value`` with dates as ISO text, tuples as lists and non-finite numbers as text ("inf"), for JSON."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def write_json(target: Path, data: Any) -> None:
    with atomic_path(target) as temporary:
        temporary.write_text(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` if needed and check that files can be written in it (raises ``OSError``)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".cstosim-write-check-"):
        pass
