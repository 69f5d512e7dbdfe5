"""Planning an experiment: its root seed, and its chunks of (point, replications).

An experiment runs replications ``0..n-1`` of each of its points (one point for a plain run; the scenario
variants of a sweep or a sensitivity analysis). The work is cut into chunks of consecutive replications of one
point; a chunk is the unit sent to a worker, written to disk and resumed. Replication ``i`` of root seed ``s``
depends on ``(s, i)`` alone (``cstosim.engine.random_numbers``), so how the work is cut never changes a result.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from cstosim.model.limits import MAX_CHUNK_SIZE, MAX_CHUNKS, MAX_POINTS, MAX_REPLICATIONS, MAX_ROWS_IN_MEMORY

DEFAULT_CHUNK_SIZE = 2000
DEFAULT_REPLICATIONS = 1000  # of a run, a sweep point, a forecast or a calibration when none is given


def fresh_seed() -> int:
    """A new root seed from the operating system's entropy, small enough to read and retype."""
    return secrets.randbits(63)


def check_points(points: int, what: str) -> None:
    """``ValueError`` if an experiment would have more than ``MAX_POINTS`` points (``what`` says how many were
    asked for, in the user's terms)."""
    if points > MAX_POINTS:
        raise ValueError(f"{what}: at most {MAX_POINTS:,} points (got {points:,})")


def check_in_memory(points: int, replications: int, advice: str = "") -> None:
    """``ValueError`` if a table of ``points`` x ``replications`` rows, held whole in memory, would be too large."""
    rows = points * replications
    if rows > MAX_ROWS_IN_MEMORY:
        size = f"{points:,} points x {replications:,} replications" if points > 1 else f"{replications:,} replications"
        raise ValueError(
            f"replications (-n): the table of {size} is held in memory: at most {MAX_ROWS_IN_MEMORY:,} rows"
            f"{advice} (got {rows:,})"
        )


def smallest_chunk_size(replications: int, points: int = 1) -> int:
    """The smallest chunk size that cuts ``points`` x ``replications`` into at most ``MAX_CHUNKS`` chunks."""
    per_point = max(MAX_CHUNKS // max(points, 1), 1)
    return max(math.ceil(replications / per_point), 1)


@dataclass(frozen=True)
class Chunk:
    """Replications ``start`` to ``stop - 1`` of point ``point``; ``index`` orders the chunks of an experiment."""

    index: int
    start: int
    stop: int
    point: int = 0

    @property
    def size(self) -> int:
        return self.stop - self.start


def plan_chunks(replications: int, chunk_size: int, points: int = 1) -> list[Chunk]:
    """Chunks covering replications ``0..replications-1`` of each point, point by point, in order."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1 (got {chunk_size})")
    if chunk_size > MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size (--chunk-size) must be at most {MAX_CHUNK_SIZE:,} (got {chunk_size:,})")
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    if replications > MAX_REPLICATIONS:
        raise ValueError(f"replications (-n) must be at most {MAX_REPLICATIONS:,} (got {replications:,})")
    count = points * math.ceil(replications / chunk_size)
    if count > MAX_CHUNKS:
        raise ValueError(
            f"chunk size (--chunk-size) {chunk_size:,} makes {count:,} chunks, more than {MAX_CHUNKS:,}: "
            f"use at least {smallest_chunk_size(replications, points):,} (got {chunk_size:,})"
        )
    chunks: list[Chunk] = []
    for point in range(points):
        for start in range(0, replications, chunk_size):
            chunks.append(Chunk(len(chunks), start, min(start + chunk_size, replications), point))
    return chunks
