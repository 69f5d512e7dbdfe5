"""Random numbers addressed by what they decide: a counter-based generator keyed by the run's seed.

Every uniform number the model uses is a pure function of three things: the run's root seed, the replication
index, and a *draw key* naming the choice it decides (``("ratification", "Armenia", "stage", "parliament")``,
``("vote", "Iran", 1, "Russia")``, ``("session", "CSC", 2027, "window", 0)``). Nothing depends on the order in
which draws are made, on how many other draws exist, or on any parameter value, so a what-if sees exactly its
baseline's numbers in every choice it did not change (common random numbers), and a parameter in the millions
allocates nothing.

The function is Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
SC 2011; the generator of Random123, cuRAND and JAX's ``rbg`` keys): a keyed bijection on 128-bit counters that
passes the BigCrush battery for any pattern of counters, which is what addressing by key needs. The Philox key
is 64 bits derived from the root seed by NumPy's ``SeedSequence`` (so seeds of any size are accepted and mixed
well); the counter holds the replication index (64 bits) and a 64-bit BLAKE2b hash of the draw key. The output's
first two words give a double in [0, 1) with 53 random bits.

Two implementations compute the same function bit for bit: ``uniform`` (one number, plain Python, for the rare
draws made on demand) and ``uniforms`` (NumPy, vectorized over replications and keys, for the draws every
replication needs, computed a chunk of replications at a time). The test suite checks both against the
Random123 known-answer vectors and against each other.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence

import numpy as np

DrawKey = tuple[str | int, ...]

_MASK32 = 0xFFFFFFFF
_MULTIPLIER_0 = 0xD2511F53
_MULTIPLIER_1 = 0xCD9E8D57
_WEYL_0 = 0x9E3779B9  # golden ratio
_WEYL_1 = 0xBB67AE85  # sqrt(3) - 1
_ROUNDS = 10
_TO_UNIT = 1.0 / (1 << 53)


def philox4x32(counter: Sequence[int], key: Sequence[int]) -> tuple[int, int, int, int]:
    """Philox4x32-10 of a counter (four 32-bit words) under a key (two 32-bit words), in plain Python."""
    c0, c1, c2, c3 = counter
    return _philox_rounds(c0, c1, c2, c3, round_keys(key))


def round_keys(key: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """The key of each of the ten rounds (the Weyl sequence from ``key``), worked out once per seed."""
    k0, k1 = key
    keys = []
    for _ in range(_ROUNDS):
        keys.append((k0, k1))
        k0 = (k0 + _WEYL_0) & _MASK32
        k1 = (k1 + _WEYL_1) & _MASK32
    return tuple(keys)


def _philox_rounds(c0: int, c1: int, c2: int, c3: int, keys: tuple[tuple[int, int], ...]) -> tuple[int, int, int, int]:
    for k0, k1 in keys:
        p0 = 0xD2511F53 * c0  # _MULTIPLIER_0, written out: this loop is the hot path of on-demand draws
        p1 = 0xCD9E8D57 * c2  # _MULTIPLIER_1
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & 0xFFFFFFFF, (p0 >> 32) ^ c3 ^ k1, p0 & 0xFFFFFFFF
    return c0, c1, c2, c3


def philox4x32_arrays(
    counter: Sequence[np.ndarray], key: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``philox4x32`` element by element over broadcastable ``uint64`` arrays holding 32-bit words."""
    mask = np.uint64(_MASK32)
    shift = np.uint64(32)
    m0, m1 = np.uint64(_MULTIPLIER_0), np.uint64(_MULTIPLIER_1)
    words = [np.asarray(word, dtype=np.uint64) for word in counter]
    shape = np.broadcast_shapes(*(word.shape for word in words))
    c0, c1, c2, c3 = (np.broadcast_to(word, shape) for word in words)  # read-only views; rounds write new arrays
    k0, k1 = key
    for _ in range(_ROUNDS):
        p0 = m0 * c0
        p1 = m1 * c2
        high1 = p1 >> shift
        high1 ^= c1
        high1 ^= np.uint64(k0)
        high0 = p0 >> shift
        high0 ^= c3
        high0 ^= np.uint64(k1)
        p1 &= mask
        p0 &= mask
        c0, c1, c2, c3 = high1, p1, high0, p0
        k0 = (k0 + _WEYL_0) & _MASK32
        k1 = (k1 + _WEYL_1) & _MASK32
    return c0, c1, c2, c3


@functools.lru_cache(maxsize=1 << 16)
def key_hash(key: DrawKey) -> tuple[int, int]:
    """The draw key as two 32-bit words (a BLAKE2b hash of its JSON text, so ``("a", 1)`` and ``("a", "1")``
    differ)."""
    text = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode()
    value = int.from_bytes(hashlib.blake2b(text, digest_size=8, person=b"cstosim-draw").digest(), "little")
    return value & _MASK32, value >> 32


MAX_SEED = 2**64 - 1  # seeds are recorded in every result row as an unsigned 64-bit integer


def seed_key(seed: int) -> tuple[int, int]:
    """The Philox key of a root seed: two 32-bit words from ``SeedSequence(seed)``."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to 2**64 - 1 (got {seed})")
    words = np.random.SeedSequence(seed).generate_state(2, dtype=np.uint32)
    return int(words[0]), int(words[1])


class RandomNumbers:
    """The uniform numbers of one experiment (one root seed), addressed by replication and draw key."""

    __slots__ = ("_round_keys", "key", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.key = seed_key(seed)
        self._round_keys = round_keys(self.key)

    def __repr__(self) -> str:
        return f"RandomNumbers(seed={self.seed})"

    def uniform(self, replication: int, key: DrawKey) -> float:
        """The number in [0, 1) that decides ``key`` in replication ``replication``."""
        h0, h1 = key_hash(key)
        o0, o1, _, _ = _philox_rounds(replication & _MASK32, replication >> 32, h0, h1, self._round_keys)
        return ((o0 << 21) ^ (o1 >> 11)) * _TO_UNIT

    def uniforms(self, replications: Sequence[int] | np.ndarray, keys: Sequence[DrawKey]) -> np.ndarray:
        """A ``len(replications) x len(keys)`` array: row ``i`` holds the numbers of ``keys`` in replication
        ``replications[i]``; each equals ``uniform(replications[i], key)``."""
        return self.uniforms_hashed(replications, hashed_keys(keys))

    def uniforms_hashed(self, replications: Sequence[int] | np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """``uniforms`` with the keys already hashed (``hashed_keys``): what a simulator computes per chunk."""
        index = np.asarray(replications, dtype=np.uint64)[:, None]
        counter = (index & np.uint64(_MASK32), index >> np.uint64(32), hashes[0][None, :], hashes[1][None, :])
        o0, o1, _, _ = philox4x32_arrays(counter, self.key)
        bits: np.ndarray = (o0 << np.uint64(21)) ^ (o1 >> np.uint64(11))
        result: np.ndarray = bits * _TO_UNIT
        return result


def hashed_keys(keys: Sequence[DrawKey]) -> np.ndarray:
    """The keys' hashes as a ``2 x len(keys)`` array of ``uint64`` (for ``RandomNumbers.uniforms_hashed``)."""
    return np.array([key_hash(key) for key in keys], dtype=np.uint64).reshape(-1, 2).T.copy()
