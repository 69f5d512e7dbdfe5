"""Shared builders: small scenarios written as TOML-like tables, so tests read like scenario files."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from cstosim import parse_scenario
from cstosim.model.scenario import Scenario


def fixed(days: float) -> dict[str, Any]:
    return {"kind": "fixed", "days": days}


def base_table(members: int = 3, candidates: int = 1) -> dict[str, Any]:
    """A small organization: fixed delays everywhere, one decision session a year on known dates."""
    return {
        "name": "test",
        "title": "a test scenario",
        "start": dt.date(2020, 1, 1),
        "horizon": dt.date(2030, 12, 31),
        "organization": {
            "name": "Test Organization",
            "short_name": "TO",
            "depositary": "Secretariat",
            "bodies": [
                {
                    "id": "Council",
                    "name": "Council",
                    "calendar": {"windows": [{"start": "11-01", "end": "11-30"}]},
                },
                {"id": "Secretariat", "name": "Secretariat"},
            ],
            "review": {
                "deciding_body": "Council",
                "stages": [{"body": "Secretariat", "delay": fixed(10)}],
            },
            "consensus": {"rule": "constructive_abstention"},
        },
        "instrument": {
            "name": "Decision",
            "adopted_on": dt.date(2020, 1, 1),
            "entry_into_force": {"rule": "last_notification"},
        },
        "members": [
            {
                "name": f"M{i}",
                "ratification": {"delay": fixed(100 * (i + 1))},
                "stance": {"support": 1.0, "abstain": 0.0, "object": 0.0},
            }
            for i in range(members)
        ],
        "candidates": [
            {"name": f"C{i}", "kind": "state", "status": "observer", "application": {"after": fixed(30)}}
            for i in range(candidates)
        ],
    }


def build(table: dict[str, Any]) -> Scenario:
    return parse_scenario(copy.deepcopy(table), "test.toml")


@pytest.fixture
def table() -> dict[str, Any]:
    return base_table()


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of a Dask LocalCluster of two worker processes, shared by the tests that run on Dask."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
