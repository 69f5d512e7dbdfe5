"""The limits a scenario must respect, so that nothing that validates can exhaust memory or time.

A replication's work grows with the length of its period, the number of its members and candidates and the
sessions of its bodies; a scenario file's cost of reading grows with its size and nesting. Each limit is far
beyond what a real organization needs (the largest bundled file is 25 KB with 6 members over 14 years) and
keeps every value the engine, the tables and the plots compute within range: dates that a calendar, pandas
and matplotlib can all hold, delays whose sums stay finite, lognormal laws whose mean a float can hold.
The scenario file format checks them with messages that name the limit. The engine does not rely on them for
termination: every loop that can repeat at one instant moves on or stops on its own, and a replication that
would take more than ``cstosim.engine.simulation.MAX_STEPS`` steps (the product of limits that each hold:
hundreds of candidates re-applying at weekly sessions for a century) stops with ``ReplicationTooLarge``.
"""

from __future__ import annotations

import datetime as dt

# Dates: organizations with partner and observer statuses of this kind are 20th-century creations, and a
# forecast beyond 2300 means nothing; the bounds keep every date plottable and a period under 401 years.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2300, 12, 31)

# The period from start to horizon: a status process plays out over years or decades (the CSTO's 2018 decisions
# took two years to enter into force, the SCO's enlargements a decade); a century also covers a history from
# 1945. The work of a replication grows with it (every session of every body, drawn for a trace).
MAX_PERIOD_YEARS = 100

# A delay longer than the longest period a scenario can span never ends within any scenario: say "never"
# with a stall probability instead. Sums of such delays stay far from a float's range.
MAX_DELAY_DAYS = (LATEST_DATE - EARLIEST_DATE).days  # 146,461 days

# The spread of a lognormal law (the standard deviation of the log): at 5 the middle two thirds of the delays
# span a factor of e^10 (about 22,000) and the mean is e^12.5 (about 270,000) times the median; beyond about 37
# the mean no longer fits in a float. The shared ratification frailty has the same bound.
MAX_SPREAD = 5.0

# Counts: re-applications of one candidate for one status, and a body's offset from the sessions it follows.
MAX_REAPPLICATIONS = 1000
MAX_OFFSET_DAYS = 366

# Sizes: the UN General Assembly has 193 members; no organization of this kind has more than 200.
MAX_MEMBERS = 200
MAX_CANDIDATES = 200
MAX_BODIES = 50  # organs with their own calendars
MAX_WINDOWS = 60  # regular sessions a year of one body (a body meeting every week has 52)
MAX_STATUSES = 20  # statuses an organization grants (the longest ladder in the bundled files has 3)
MAX_STAGES = 20  # stages of a review or of a ratification
MAX_ITEMS = 1000  # items in any other list of a scenario file (dates, rules, changes, tags)
MAX_TEXT = 10_000  # characters in any text (a name, a title, a description, a source)

# Files: the bundled scenario files are under 30 KB and 6 levels deep.
MAX_FILE_BYTES = 4 * 2**20  # a scenario, facts or sources file is read only up to this size
MAX_NESTING = 32  # levels of tables and arrays in one file
MAX_EXTENDS = 16  # files in an ``extends`` chain


def latest_horizon(start: dt.date) -> dt.date:
    """The last horizon a scenario starting on ``start`` may have (``MAX_PERIOD_YEARS`` later)."""
    try:
        return start.replace(year=start.year + MAX_PERIOD_YEARS)
    except ValueError:  # 29 February, a century later
        return start.replace(year=start.year + MAX_PERIOD_YEARS, day=28)


def period_problem(start: dt.date, horizon: dt.date) -> str | None:
    """Why a scenario cannot run from ``start`` to ``horizon`` (at most ``MAX_PERIOD_YEARS``), or ``None``."""
    latest = latest_horizon(start)
    if horizon <= latest:
        return None
    return f"must be at most {MAX_PERIOD_YEARS} years after start ({start}), that is {latest} (got {horizon})"


def date_problem(value: dt.date) -> str | None:
    """Why a date cannot be in a scenario, or ``None`` if it can."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return None
    return f"must be a date from {EARLIEST_DATE} to {LATEST_DATE} (got {value})"


# Experiments: how much one command may be asked to compute or hold.
# Replications of one point: at 9,000 a second a core, 10**9 is about 30 core-hours; every replication's random
# numbers stay addressable (a 64-bit counter) and its row fits the table's 64-bit replication column.
MAX_REPLICATIONS = 10**9
MAX_CHUNK_SIZE = 100_000  # replications in one chunk: a chunk's table is held whole while it is written
MAX_CHUNKS = 100_000  # chunks in one experiment: the manifest lists each one
MAX_POINTS = 10_000  # points of a sweep or a sensitivity analysis (each a validated scenario held in memory)
MAX_ROWS_IN_MEMORY = 10_000_000  # rows of a table a command holds whole (a sweep, a forecast, a report)
MAX_WORKERS_PER_CORE = 4  # local worker processes per core: more only slow the run and fill memory
