"""Disk and file faults under the board, `triage-tui sync` and `outbox`: one line that
says what to do, no traceback, the waiting edits kept and exportable, and `cache
rebuild` refilling the cache from GitLab (the emulator, through python-gitlab) around
them.

Faults are made for real: a file truncated or overwritten where its pages are (SQLite's
dbstat table says which), a schema from a newer build, a file or directory the user
cannot write (as root, run without CAP_DAC_OVERRIDE, so the modes apply), a full tmpfs,
and RLIMIT_FSIZE (the limit `ulimit -f` sets: writes past it fail with EFBIG).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import make_service
from tests.sync.test_sync_under_faults import cache_view, server_view
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.cli import main
from triage_tui.domain.edit import EditState
from triage_tui.services import TriageService

LABEL = "APAC"
NOTE = "Weekly update: called the sponsor"


@pytest.fixture(autouse=True)
def _credentials(isolated_credentials: None) -> None:
    return None


@pytest.fixture
def emu() -> Iterator[GitLabEmulator]:
    """A 30-issue project (the shared fixture's 120 cost a second a test here)."""
    with GitLabEmulator.from_demo(TODAY, count=30, token=TOKEN) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        yield emulator


@pytest.fixture
def board_never_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The board's CLI entry must stop before Textual takes the terminal."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("the board started on a cache it cannot use")

    monkeypatch.setattr("triage_tui.tui.app.TriageApp.run", refuse)


@pytest.fixture
def cache(emu: GitLabEmulator, tmp_path: Path) -> Iterator[Path]:
    """A synced cache with two edits waiting: a label and a weekly update (nothing pushed).
    Checkpointed, so every row is in the file itself (as after a board closes)."""
    service = make_service(emu, tmp_path / "work")
    assert service.sync().ok
    service.update(_iid(emu), "add APAC", add_labels=(LABEL,))
    service.add_note(_iid(emu), NOTE)
    service.close()
    path = tmp_path / "work" / "cache.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    yield path


def _iid(emu: GitLabEmulator) -> int:
    """The first open issue without LABEL (the one every test edits)."""
    return next(
        iid
        for iid, issue in sorted(emu.project.issues.items())
        if issue["state"] == "opened" and LABEL not in issue["labels"] and iid > 3
    )


def _pages_of(path: Path, *tables: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        marks = ",".join("?" * len(tables))
        rows = conn.execute(f"SELECT pageno FROM dbstat WHERE name IN ({marks})", tables)
        return sorted(row[0] for row in rows)
    finally:
        conn.close()


def _overwrite(path: Path, pages: list[int]) -> None:
    size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * size)
            handle.write(b"\xa5" * size)


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def issue_pages_overwritten(path: Path) -> None:
    """A disk that lost the issues table's pages (and the board's indexes on them)."""
    _overwrite(path, _pages_of(path, "issues", "idx_issues_card", "idx_issues_colour_column"))


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 400)


def newer_schema(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()


FAULTS: dict[str, Callable[[Path], None]] = {
    "truncated": truncated,
    "pages overwritten": issue_pages_overwritten,
    "garbage": garbage,
    "newer schema": newer_schema,
}


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    # (A sync that started says it in its report's summary, without the prefix.)
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_broken_cache_is_one_line_for_the_board_sync_and_outbox(
    cache: Path, fault: str, capsys: pytest.CaptureFixture[str], board_never_starts: None
) -> None:
    FAULTS[fault](cache)
    before = cache.read_bytes()
    for command in ([], ["sync"]):
        assert main(["--cache", str(cache), *command]) not in (0, None), command
        line = _one_line(capsys.readouterr().err)
        assert "cache rebuild" in line, line  # what to do
    # The outbox lists its edits while its own pages can be read, else says why not.
    if main(["--cache", str(cache), "outbox"]) == 0:
        assert capsys.readouterr().out.count("waiting") == 2
    else:
        assert "cache rebuild" in _one_line(capsys.readouterr().err)
    assert cache.read_bytes() == before  # left untouched


def _export(cache: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["--cache", str(cache), "outbox", "export", str(out)])
    said = capsys.readouterr()
    document = json.loads(out.read_text())
    assert (code == 1) == bool(document["lost"]), said.err
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)
    return dict(document)


@pytest.mark.parametrize("fault", FAULTS)
def test_the_waiting_edits_are_exported_from_a_broken_cache(
    cache: Path, fault: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    FAULTS[fault](cache)
    document = _export(cache, tmp_path / "edits.json", capsys)
    edits = document["edits"]
    if fault == "truncated" and not edits:
        # Half the file is gone; the export says plainly that the outbox went with it.
        assert document["lost"], document
        return
    if fault == "garbage":
        assert edits == [] and "Nothing can be read" in document["lost"][0]
        return
    assert [(e["kind"], e["state"]) for e in edits] == [("update", "pending"), ("note", "pending")]
    assert edits[0]["edit"]["add_labels"] == [LABEL] and edits[1]["edit"]["body"] == NOTE
    # The issues' pages are gone: a new issue not yet on GitLab may have been there.
    lost = ["issue rows (new issues not yet on GitLab may be among them)"]
    assert document["lost"] == (lost if fault == "pages overwritten" else [])


def _rebuild(cache: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--cache", str(cache), "cache", "rebuild"])
    said = capsys.readouterr()
    assert "Traceback" not in said.err + said.out
    return code, said.out


def _applied_once(emu: GitLabEmulator, iid: int) -> None:
    """The two edits are on GitLab exactly once: one label event, one note."""
    assert LABEL in emu.issue(iid)["labels"]
    added = [
        e
        for e in emu.label_events.get(iid, [])
        if e["action"] == "add" and e["label"]["name"] == LABEL
    ]
    assert len(added) == 1, added
    assert sum(NOTE in n["body"] for n in emu.project.notes.get(iid, [])) == 1


@pytest.mark.parametrize("fault", ["pages overwritten", "newer schema"])
def test_rebuild_refills_a_broken_cache_and_pushes_its_edits_once(
    cache: Path,
    fault: str,
    emu: GitLabEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    iid = _iid(emu)
    FAULTS[fault](cache)
    damaged = cache.read_bytes()
    code, out = _rebuild(cache, capsys)
    assert code == 0, out
    assert "Kept 2 edits" in out, out
    label = "damaged" if fault == "pages overwritten" else "newer"
    aside = [p for p in cache.parent.iterdir() if p.name.startswith(f"cache.db.{label}-")]
    assert [p.read_bytes() for p in aside if not p.name.endswith(("-wal", "-shm"))] == [damaged]
    _applied_once(emu, iid)
    service = TriageService(cache, settings=None)
    try:
        (issues, notes), (want_issues, want_notes) = cache_view(service), server_view(emu)
        assert issues == want_issues
        wrong = {i for i in notes.keys() | want_notes.keys() if notes.get(i) != want_notes.get(i)}
        assert not wrong, {i: (notes.get(i), want_notes.get(i)) for i in wrong}
        assert service.outbox() == []
    finally:
        service.close()


def test_rebuild_keeps_a_conflict_to_settle(
    emu: GitLabEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    iid = _iid(emu)
    service.update(iid, "retitle", title="Mine")
    emu.touch(iid, title="Theirs")  # the same field changed in the web UI meanwhile
    service.sync()
    assert [e.state for e in service.outbox()] == [EditState.CONFLICT]
    service.close()
    issue_pages_overwritten(tmp_path / "cache.db")
    code, out = _rebuild(tmp_path / "cache.db", capsys)
    assert code == 0 and "Kept 1 edit " in out, out
    rebuilt = TriageService(tmp_path / "cache.db")
    try:
        [entry] = rebuilt.outbox()
        assert entry.state is EditState.CONFLICT and entry.edit.title == "Mine"
        assert entry.remote is not None and entry.remote.title == "Theirs"
        detail = rebuilt.detail(iid)
        assert detail is not None and detail.summary.title == "Mine"  # shown as the person left it
    finally:
        rebuilt.close()
    assert emu.issue(iid)["title"] == "Theirs"  # nothing overwritten on GitLab


def test_rebuild_says_what_was_lost_when_the_outbox_cannot_be_read(
    cache: Path, emu: GitLabEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _overwrite(cache, _pages_of(cache, "outbox", "idx_outbox_state_id", "issues"))
    code, out = _rebuild(cache, capsys)
    assert code == 0, out
    assert "Lost (could not be read): " in out and "outbox" in out, out
    assert "cache.db.damaged-" in out


def test_rebuild_of_a_sound_cache_with_gitlab_down_changes_nothing(
    cache: Path, emu: GitLabEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    before = cache.read_bytes()
    emu.stop()
    code, out = _rebuild(cache, capsys)
    assert code == 1 and "Nothing changed" in out, out
    assert cache.read_bytes() == before
    # (Reading it left SQLite's -wal and -shm beside it, nothing else.)
    assert {p.name for p in cache.parent.iterdir()} <= {"cache.db", "cache.db-wal", "cache.db-shm"}


# -- faults a child process meets: permissions, a full disk, a file-size limit -------------


def _cli(
    *args: str, cache: Path, preexec: Callable[[], None] | None = None, unprivileged: bool = False
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "triage_tui", "--cache", str(cache), *args]
    if unprivileged and os.geteuid() == 0:
        # Root ignores file modes through CAP_DAC_OVERRIDE: dropped, so the modes apply.
        argv = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *argv]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=preexec,
        stdin=subprocess.DEVNULL,
    )


def _needs_setpriv() -> None:
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes cannot be made to apply")


@pytest.mark.slow
@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_read_only_cache_is_said_plainly_and_its_edits_kept(
    cache: Path, what: str, emu: GitLabEmulator, tmp_path: Path
) -> None:
    _needs_setpriv()
    iid = _iid(emu)
    target = cache if what == "file" else cache.parent
    target.chmod(0o400 if what == "file" else 0o500)
    try:
        result = _cli("sync", cache=cache, unprivileged=True)
        assert result.returncode != 0
        line = _one_line(result.stderr)
        assert "read-only for you" in line and "outbox export" in line, line
        probe = _cli("outbox", "export", str(tmp_path / "out.json"), cache=cache, unprivileged=True)
        assert probe.returncode == 0, probe.stderr
        assert len(json.loads((tmp_path / "out.json").read_text())["edits"]) == 2
    finally:
        target.chmod(0o600 if what == "file" else 0o700)
    # Writable again: the next sync pushes both edits, once.
    assert _cli("sync", cache=cache).returncode == 0
    _applied_once(emu, iid)


def test_the_board_refuses_edits_on_a_read_only_cache_before_they_are_typed(
    cache: Path,
) -> None:
    """(The board's edits are refused through TriageService.edit_problem, asked before
    any dialog opens: ReadOnlyModal shows it, tests/tui/test_read_only.py.)"""
    _needs_setpriv()
    cache.chmod(0o400)
    code = (
        "import sys; from pathlib import Path; from triage_tui.services import TriageService;"
        "print(TriageService(Path(sys.argv[1])).edit_problem())"
    )
    argv = [sys.executable, "-c", code, str(cache)]
    if os.geteuid() == 0:
        argv = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.startswith("Read-only: the cache"), result.stderr
    assert "read-only for you" in result.stdout


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted by the test (root, where mount works), else skipped."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        pytest.skip("a tmpfs needs root and mount: the RLIMIT_FSIZE test covers a full disk")
    where = tmp_path / "disk"
    where.mkdir()
    made = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"mount refused a tmpfs here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last block."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


@pytest.mark.slow
def test_a_full_disk_is_said_plainly_and_nothing_is_lost(
    cache: Path, small_disk: Path, emu: GitLabEmulator, tmp_path: Path
) -> None:
    iid = _iid(emu)
    on_disk = small_disk / "cache.db"
    shutil.copy(cache, on_disk)
    emu.touch(iid + 1, description="x" * 400_000)  # the pull has this much to write
    filler = _fill(small_disk)
    result = _cli("sync", cache=on_disk)
    assert result.returncode != 0, result.stdout
    line = _one_line(result.stderr)
    assert "disk is full" in line and "outbox export" in line, line
    out = tmp_path / "out.json"
    assert _cli("outbox", "export", str(out), cache=on_disk).returncode == 0
    assert len(json.loads(out.read_text())["edits"]) in (0, 2)  # 0: pushed before the disk said no
    filler.unlink()
    again = _cli("sync", cache=on_disk)
    assert again.returncode == 0, again.stderr
    _applied_once(emu, iid)
    service = TriageService(on_disk)
    try:
        assert cache_view(service) == server_view(emu) and service.outbox() == []
    finally:
        service.close()


@pytest.mark.slow
def test_a_file_size_limit_is_said_plainly_and_nothing_is_lost(
    cache: Path, emu: GitLabEmulator
) -> None:
    """RLIMIT_FSIZE: writes past it fail with EFBIG (CPython ignores SIGXFSZ, which would
    otherwise kill the process), which SQLite reports as SQLITE_IOERR_WRITE."""
    iid = _iid(emu)
    emu.touch(iid + 1, description="x" * 400_000)
    # Per file, from offset 0: the WAL (where SQLite appends) cannot pass 256 kB.
    limit = 256 * 1024

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    result = _cli("sync", cache=cache, preexec=limited)
    assert result.returncode != 0, result.stdout
    line = _one_line(result.stderr)
    assert "file-size limit" in line, line
    assert _cli("sync", cache=cache).returncode == 0
    _applied_once(emu, iid)
