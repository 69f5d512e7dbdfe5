"""No crash, no data lost: hostile command lines, results folders the tool must not delete, damaged folders, a
full disk, a run killed with SIGKILL, and Dask schedulers that are not there or are not Dask.

Every refusal is one line (exit code 2, no traceback); after a refused command every file that was in the
folder is still there, unchanged.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

import cstosim
from cstosim.cli import main
from cstosim.experiments import executors, store
from cstosim.scenario_files import ScenarioError, parse_scenario

sys.path.insert(0, str(Path(__file__).parent))
from fuzzing import Services, check_command_output, hostile_commands, hostile_files

SEED, N, CHUNK = 41, 500, 100


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256 (a symbolic link: where it points, never what it reads)."""
    return {
        str(path.relative_to(folder)): (
            f"link to {os.readlink(path)}" if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def assert_same_results(folder: Path, expected: Path) -> None:
    """The same files byte for byte, and the same manifest but for its timestamps."""
    one, two = snapshot(folder), snapshot(expected)
    assert {**one, "manifest.json": ""} == {**two, "manifest.json": ""}
    manifests = [json.loads((path / "manifest.json").read_text()) for path in (folder, expected)]
    for manifest in manifests:
        del manifest["created"], manifest["updated"]
    assert manifests[0] == manifests[1]


def refused(result: Result) -> str:
    """The one line of a refusal."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def invoke(*arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete results folder of 500 replications in 5 chunks."""
    folder = tmp_path_factory.mktemp("results") / "good"
    result = invoke("run", "-n", str(N), "--seed", str(SEED), "--chunk-size", str(CHUNK), "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def copy(good: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(good, target, symlinks=True)
    return target


# Hostile command lines ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    running = Services()
    yield running
    running.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return hostile_files(tmp_path_factory.mktemp("hostile"))


def test_every_hostile_command_line_is_refused_in_one_line_or_runs(files, services, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(executors, "CONNECT_SECONDS", 3)  # a silent service is given up on sooner
    monkeypatch.chdir(tmp_path)  # cstosim new writes here
    commands = hostile_commands(files, services.ports)
    assert len(commands) > 100
    outcomes = {}
    for command in commands:
        started = time.monotonic()
        result = CliRunner().invoke(main, command)
        assert result.exception is None or isinstance(result.exception, SystemExit), (command, result.output)
        outcomes[" ".join(command)[:80]] = check_command_output(result.exit_code, result.output)
        assert time.monotonic() - started < 30, f"{command}: took {time.monotonic() - started:.0f} s"
    # what must be refused is: the limits, the files that cannot be scenarios, the services that are not Dask
    for command in ("run --seed 18446744073709551616", "run -n 1000000000000", "run /dev/zero", "trace /dev/zero"):
        assert outcomes[command] == "refused", command
    assert list(tmp_path.iterdir()) == [], "no command wrote a file where it was not asked to"


def test_a_refusal_names_the_file_the_field_and_the_value(files, tmp_path) -> None:
    assert (
        refused(invoke("run", files["deep.toml"]))
        == f"Error: {files['deep.toml']}: tables and arrays nested more than 32 deep"
    )
    line = refused(invoke("validate", files["chain-0.toml"]))
    assert line.startswith(f"Error: {files['chain-0.toml']}: extends: a chain of at most 16 files")
    assert "too large for a scenario file" in refused(invoke("run", "/dev/zero"))
    line = refused(
        invoke("sweep", "csto-2018", "-n", "5", "--vary", f"candidates[Uzbekistan].reapplication.max_times={10**30}")
    )
    expected = (
        "csto-2018: candidates[Uzbekistan].reapplication.max_times: must be between 0 and 1000 (got 1000000000000"
    )
    assert expected in line
    scenario = tmp_path / "old.toml"
    scenario.write_text('extends = "csto-2018"\nstart = 0001-01-01\n', encoding="utf-8")
    assert refused(invoke("validate", str(scenario))) == (
        f"Error: {scenario}: start: must be a date from 1900-01-01 to 2300-12-31 (got 0001-01-01)"
    )


# (path in the file, value beyond its limit, the message's words after "limits.toml: ")
LIMITS = [
    ("start", dt.date(1, 1, 1), "start: must be a date from 1900-01-01 to 2300-12-31 (got 0001-01-01)"),
    ("horizon", dt.date(2200, 1, 1), "horizon: must be at most 100 years after start (2020-01-01), that is 2120-01-01"),
    ("members[0].ratification.delay.days", 1e308, "members[M0].ratification.delay.days: must be at most 146461 days"),
    (
        "members[0].ratification.delay",
        {"kind": "lognormal", "median_days": 300, "spread": 40},
        "members[M0].ratification.delay.spread: must be at most 5",
    ),
    ("candidates[0].reapplication", {"max_times": 10**6}, "max_times: must be between 0 and 1000 (got 1000000)"),
    ("organization.bodies[0].calendar.offset_days", 10**9, "offset_days: must be between -366 and 366"),
    ("organization.bodies[0].calendar.windows", [{"start": "01-01", "end": "01-02"}] * 61, "at most 60 items"),
    ("title", "x" * 10_001, "title: must have at most 10000 characters"),
    ("organization.agenda", {"withdrawal_per_year": 1.0}, "withdrawal_per_year: must be below 1"),
]


@pytest.mark.parametrize(("path", "value", "message"), LIMITS, ids=[path for path, _, _ in LIMITS])
def test_every_limit_is_one_line_naming_the_file_the_field_and_the_value(path, value, message) -> None:
    from conftest import base_table
    from cstosim.scenario_files.paths import with_value

    with pytest.raises(ScenarioError) as refusal:
        parse_scenario(with_value(base_table(), path, value), "limits.toml")
    (problem,) = refusal.value.problems
    assert problem.startswith("limits.toml: ") and message in problem and "\n" not in problem, problem


def test_a_list_beyond_its_limit_is_one_line() -> None:
    from conftest import base_table

    table = base_table()
    table["members"] = [dict(table["members"][0], name=f"M{number}") for number in range(201)]
    with pytest.raises(ScenarioError) as refusal:
        parse_scenario(table, "limits.toml")
    assert refusal.value.problems == ["limits.toml: members: must hold at most 200 items (got 201)"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "--scheduler: give the address of a Dask scheduler"),
        ("tcp://[::1", "--scheduler: not a Dask scheduler address"),
        ("closed", "nothing answers there"),
        ("silent", "no Dask scheduler answered within 3 s"),
        ("http", "not a Dask scheduler, or it refused this client"),
    ],
)
def test_a_scheduler_that_is_not_there_or_not_dask_is_refused_promptly(services, monkeypatch, address, message) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "CONNECT_SECONDS", 3)
    if address in services.ports:
        address = f"tcp://127.0.0.1:{services.ports[address]}"
    started = time.monotonic()
    assert message in refused(invoke("run", "-n", "5", "--seed", "1", "--scheduler", address))
    assert time.monotonic() - started < 15


# Nothing a user has is deleted by following the tool's advice ------------------------------------------------


def test_resume_without_a_manifest_deletes_nothing(copy) -> None:
    (copy / "manifest.json").unlink()
    before = snapshot(copy)
    line = refused(invoke("run", "--out", str(copy), "--resume"))
    assert "manifest.json is missing" in line and "replications.parquet/ (5 part files)" in line
    assert "summary.json" in line and "deletes them" in line
    assert snapshot(copy) == before


def test_a_folder_of_the_users_own_files_is_refused_without_advice_that_deletes(tmp_path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.json").write_text('{"my": "own figures"}')
    before = snapshot(folder)
    line = refused(invoke("run", "-n", "10", "--seed", "1", "--out", str(folder)))
    assert "--resume" not in line and "no manifest.json" in line and "which deletes them" in line
    assert "manifest.json is missing" in refused(invoke("run", "-n", "10", "--out", str(folder), "--resume"))
    assert snapshot(folder) == before


def test_resume_with_fewer_replications_deletes_nothing(copy) -> None:
    before = snapshot(copy)
    line = refused(invoke("run", "--out", str(copy), "--resume", "-n", "300"))
    assert "its chunks hold replications up to 500" in line and "2 chunk(s)" in line and "would be lost" in line
    assert snapshot(copy) == before


def test_resume_and_force_remove_only_what_a_run_writes(copy) -> None:
    for name in (".notes.tmp", ".draft.tmp.txt", "replications.parquet/.scratch.tmp"):
        (copy / name).write_text("mine, hidden")
    (copy / ".summary.json.abcd1234.tmp.json").write_text("{")  # a write of summary.json cut short
    result = invoke("run", "--out", str(copy), "--resume", "--quiet")
    assert result.exit_code == 0 and "Nothing to compute" in result.output, result.output
    assert not (copy / ".summary.json.abcd1234.tmp.json").exists()
    (copy / "notes.txt").write_text("mine")
    (copy / "replications.parquet" / "my-analysis.csv").write_text("mine too")
    result = invoke("run", "-n", "20", "--seed", "1", "--out", str(copy), "--force", "--quiet")
    assert result.exit_code == 0, result.output
    assert (copy / "notes.txt").read_text() == "mine"
    assert (copy / "replications.parquet" / "my-analysis.csv").read_text() == "mine too"
    assert sorted(path.name for path in (copy / "replications.parquet").glob("part-*")) == ["part-000000.parquet"]
    for name in (".notes.tmp", ".draft.tmp.txt", "replications.parquet/.scratch.tmp"):
        assert (copy / name).read_text() == "mine, hidden"


# Damaged results folders ------------------------------------------------------------------------------------


def _edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _edit_values(folder: Path) -> None:
    part = folder / "replications.parquet" / "part-000001.parquet"
    table = pq.read_table(part).to_pandas()
    table.loc[3, "reviews[Uzbekistan]"] += 1
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), part)


def _replace_and_relist(folder: Path) -> None:
    """Another valid chunk, with the manifest's size and checksum made to match: its rows still give it away."""
    parts = folder / "replications.parquet"
    shutil.copyfile(parts / "part-000001.parquet", parts / "part-000000.parquet")
    data = (parts / "part-000000.parquet").read_bytes()

    def relist(manifest: dict) -> None:
        manifest["chunks"][0].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    _edit_manifest(folder, relist)


DAMAGES = {
    "truncated chunk": (
        lambda f: (f / "replications.parquet/part-000001.parquet").write_bytes(
            (f / "replications.parquet/part-000001.parquet").read_bytes()[:100]
        ),
        "part-000001.parquet: changed since it was written (100 bytes",
    ),
    "garbage chunk": (
        lambda f: (f / "replications.parquet/part-000002.parquet").write_bytes(os.urandom(25_000)),
        "part-000002.parquet: changed since it was written",
    ),
    "edited values": (_edit_values, "part-000001.parquet: changed since it was written"),
    "another chunk relisted": (_replace_and_relist, "part-000000.parquet: holds other replications than 0 to 99"),
    "chunks not a list": (
        lambda f: _edit_manifest(f, lambda m: m.update(chunks={"a": 1})),
        "manifest.json: chunks: must be a list of chunk records (got {'a': 1})",
    ),
    "seed edited": (
        lambda f: _edit_manifest(f, lambda m: m.update(seed=42)),
        "part-000000.parquet: holds replications of seed 41, not 42, which manifest.json records",
    ),
    "fewer replications": (
        lambda f: _edit_manifest(f, lambda m: m.update(replications=400)),
        "manifest.json: chunks[4]: chunk 4 is not in the recorded plan",
    ),
    "more replications": (
        lambda f: _edit_manifest(f, lambda m: m.update(replications=1000)),
        "manifest.json: chunks: a complete run lists all 10 chunks of its plan (got 5)",
    ),
    "replications done": (
        lambda f: _edit_manifest(f, lambda m: m.update(replications_done=600)),
        "manifest.json: replications_done: must be the 500 replications its chunks hold (got 600)",
    ),
    "manifest garbage": (lambda f: (f / "manifest.json").write_text("[[[["), "manifest.json: not a cstosim manifest"),
    "manifest of an earlier format": (
        lambda f: _edit_manifest(f, lambda m: m.update(format=1)),
        "manifest.json: results of format 1",
    ),
    "manifest is /dev/zero": (
        lambda f: ((f / "manifest.json").unlink(), (f / "manifest.json").symlink_to("/dev/zero")),
        "manifest.json: not a cstosim manifest (larger than 64 MiB)",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_folder_is_refused_by_plot_and_resume_and_left_as_it_was(copy, damage) -> None:
    make, message = DAMAGES[damage]
    make(copy)
    before = snapshot(copy)
    for command in (["plot", str(copy)], ["run", "--out", str(copy), "--resume", "--quiet"]):
        line = refused(invoke(*command))
        assert message in line, line
        assert line.startswith(f"Error: {copy}"), "the message names the file"
        assert snapshot(copy) == before


def test_a_deleted_chunk_is_refused_by_plot_and_computed_again_by_resume(copy, good) -> None:
    (copy / "replications.parquet" / "part-000003.parquet").unlink()
    line = refused(invoke("plot", str(copy)))
    assert "part-000003.parquet: missing (manifest.json lists it): continue the run with --resume" in line
    result = invoke("run", "--out", str(copy), "--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert_same_results(copy, good)


def test_a_manifest_is_checked_against_the_chunks_it_lists(good) -> None:
    manifest = json.loads((good / "manifest.json").read_text())
    assert all(len(entry["sha256"]) == 64 and entry["rows"] == CHUNK for entry in manifest["chunks"])
    assert manifest["format"] == 2 and manifest["points"] == 1 and manifest["stopped_early"] is False
    assert len(list(store.ResultStore.open(good).tables())) == 5


# A full disk -------------------------------------------------------------------------------------------------


def _full_disk(after: int):
    """A write function that fills the disk after ``after`` calls (ENOSPC, as a full disk raises it)."""
    calls = {"count": 0}
    write = pq.write_table

    def write_until_full(*arguments, **options):
        calls["count"] += 1
        if calls["count"] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write(*arguments, **options)

    return write_until_full


def test_a_full_disk_is_one_line_and_leaves_the_folder_resumable(tmp_path, monkeypatch, good) -> None:
    folder = tmp_path / "full"
    arguments = ["run", "-n", str(N), "--seed", str(SEED), "--chunk-size", str(CHUNK), "--quiet"]
    with monkeypatch.context() as patch:
        patch.setattr(store.pq, "write_table", _full_disk(after=2))
        line = refused(invoke(*arguments, "--out", str(folder)))
    assert "part-000002.parquet: cannot write it: No space left on device" in line
    assert f"make room, then continue with --resume --out {folder}" in line
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and len(manifest["chunks"]) == 2
    assert not list(folder.rglob(".*tmp*")), "no temporary file is left behind"
    assert not [path for path in folder.rglob("*") if path.is_file() and path.stat().st_size == 0]
    result = invoke("run", "--out", str(folder), "--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert_same_results(folder, good)


def test_a_full_disk_while_drawing_leaves_no_empty_plot(tmp_path, monkeypatch) -> None:
    from matplotlib.figure import Figure

    folder = tmp_path / "full"
    savefig = Figure.savefig

    def full(figure, target, *arguments, **options):
        if str(target).endswith(".png") and "first_grant" in str(target):
            Path(target).write_bytes(b"")  # what a write cut short leaves
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return savefig(figure, target, *arguments, **options)

    monkeypatch.setattr(Figure, "savefig", full)
    line = refused(invoke("run", "-n", "50", "--seed", "1", "--out", str(folder), "--quiet"))
    assert "first_grant.png: cannot write it: No space left on device" in line
    assert not (folder / "first_grant.png").exists() and not list(folder.rglob(".*tmp*"))


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="mounts a small tmpfs: Linux, as root")
def test_a_full_tmpfs_is_one_line_and_resumes_once_there_is_room(tmp_path, good) -> None:
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        folder = mount / "run"
        command = [sys.executable, "-m", "cstosim", "run", "-n", str(N), "--seed", str(SEED), "--quiet"]
        command += ["--chunk-size", str(CHUNK), "--workers", "1", "--out", str(folder)]
        full = subprocess.run(command, capture_output=True, text=True, check=False)
        assert full.returncode == 2 and "No space left on device" in full.stderr and "Traceback" not in full.stderr
        assert len(full.stderr.strip().splitlines()) == 1, full.stderr
        assert not [path for path in folder.rglob("*") if path.is_file() and path.stat().st_size == 0]
        subprocess.run(["mount", "-o", "remount,size=8m", str(mount)], check=True)
        resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, check=False)
        assert resumed.returncode == 0, resumed.stderr
        assert_same_results(folder, good)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# A run killed with SIGKILL -----------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_pool_workers_end_when_the_run_is_killed(tmp_path) -> None:
    command = [sys.executable, "-m", "cstosim", "run", "-n", "400000", "--seed", "1", "--workers", "2", "--quiet"]
    run = subprocess.Popen([*command, "--chunk-size", "2000", "--out", str(tmp_path / "run")])
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 3:  # two workers and the resource tracker
            workers = _children(run.pid)
            time.sleep(0.2)
        assert len(workers) >= 3, f"the pool did not start: {workers}"
        run.send_signal(signal.SIGKILL)  # as an out-of-memory killer does: no clean-up runs in the parent
        run.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        left = [pid for pid in workers if _alive(pid)]
        for pid in left:  # do not leave them behind if the test fails
            os.kill(pid, signal.SIGKILL)
        assert not left, "workers outlived the run they worked for"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def test_the_engine_moves_on_where_a_loop_could_repeat_at_one_instant(tmp_path) -> None:
    """An inadmissible candidate re-applying with no delay, as often as the limit allows, within seconds."""
    from conftest import base_table, build

    table = base_table()
    table["candidates"][0]["criteria"] = {"un_member": False}
    table["candidates"][0]["reapplication"] = {
        "probability": 1.0,
        "after": {"kind": "fixed", "days": 0},
        "max_times": 1000,
    }
    started = time.monotonic()
    result = cstosim.run_replication(build(table), 1, 0)
    applications = [a for a in result.applications if a.candidate == "C0"]
    assert len(applications) == 1001 and len({a.day for a in applications}) == 1001, "one a day, not all at once"
    assert time.monotonic() - started < 10
    tables = cstosim.run_replications(build(table), 20, seed=1)
    assert tables["granted[C0]"].isna().all()
