"""Planning an experiment: its root seed, and its chunks of (point, replications).

An experiment runs replications ``0..n-1`` of each of its points (one point for a plain run; the scenario
variants of a sweep or a sensitivity analysis). The work is cut into chunks of consecutive replications of one
point; a chunk is the unit sent to a worker, written to disk and resumed. Replication ``i`` of root seed ``s``
depends on ``(s, i)`` alone (``cstosim.engine.random_numbers``), so how the work is cut never changes a result.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

DEFAULT_CHUNK_SIZE = 2000
DEFAULT_REPLICATIONS = 1000  # of a run, a sweep point, a forecast or a calibration when none is given


def fresh_seed() -> int:
    """A new root seed from the operating system's entropy, small enough to read and retype."""
    return secrets.randbits(63)


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
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    chunks: list[Chunk] = []
    for point in range(points):
        for start in range(0, replications, chunk_size):
            chunks.append(Chunk(len(chunks), start, min(start + chunk_size, replications), point))
    return chunks
