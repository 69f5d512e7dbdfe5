"""Keyed random numbers: Philox4x32-10 against Random123's known answers, both implementations agreeing, keys."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cstosim.engine.random_numbers import RandomNumbers, key_hash, philox4x32, philox4x32_arrays

# Random123's kat_vectors (philox4x32, 10 rounds): counter (4 words), key (2 words) -> output (4 words).
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN_ANSWERS)
def test_philox_matches_the_random123_known_answers(counter, key, expected):
    assert philox4x32(counter, key) == expected
    words = philox4x32_arrays([np.array([c], dtype=np.uint64) for c in counter], key)
    assert tuple(int(word[0]) for word in words) == expected


keys = st.tuples(st.sampled_from(["vote", "session", "ratification"]), st.text(max_size=12), st.integers(0, 10**6))


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    replications=st.lists(st.integers(0, 2**63), min_size=1, max_size=5),
    draw_keys=st.lists(keys, min_size=1, max_size=5),
)
def test_vectorized_and_one_by_one_numbers_are_the_same(seed, replications, draw_keys):
    numbers = RandomNumbers(seed)
    table = numbers.uniforms(replications, draw_keys)
    for row, replication in enumerate(replications):
        for column, key in enumerate(draw_keys):
            value = numbers.uniform(replication, key)
            assert table[row, column] == value
            assert 0.0 <= value < 1.0


def test_a_number_depends_on_seed_replication_and_key_only():
    numbers = RandomNumbers(7)
    value = numbers.uniform(3, ("vote", "Iran", 1, "Armenia"))
    assert RandomNumbers(7).uniform(3, ("vote", "Iran", 1, "Armenia")) == value
    assert numbers.uniform(4, ("vote", "Iran", 1, "Armenia")) != value
    assert RandomNumbers(8).uniform(3, ("vote", "Iran", 1, "Armenia")) != value
    assert numbers.uniform(3, ("vote", "Iran", 2, "Armenia")) != value
    assert key_hash(("a", 1)) != key_hash(("a", "1")), "a number and its text are different keys"


def test_seeds_are_unsigned_64_bit_integers():
    assert 0 <= RandomNumbers(2**64 - 1).uniform(0, ("k",)) < 1
    for seed in (-1, 2**64):
        with pytest.raises(ValueError, match=r"seed must be a whole number from 0 to 2\*\*64 - 1"):
            RandomNumbers(seed)


def test_numbers_are_uniform_and_independent_across_replications_and_keys():
    numbers = RandomNumbers(2026)
    table = numbers.uniforms(range(4000), [("session", "CSC", year, "window", 0) for year in range(2018, 2033)])
    assert stats.kstest(table.ravel(), "uniform").pvalue > 1e-3
    correlations = np.corrcoef(table, rowvar=False)[np.triu_indices(table.shape[1], 1)]
    assert np.abs(correlations).max() < 5 / np.sqrt(4000)  # neighbouring years' keys are unrelated
