"""Many writers on one cache file, and the pull lease: BEGIN IMMEDIATE with a busy timeout
means a writer waits its turn instead of failing on "database is locked"."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triage_tui.store import Cache, CacheLocked
from triage_tui.store.file_modes import SHARED_MODE

#: Transactions per writer, and how long each holds the write lock: the writers are
#: made to collide on every transaction, well within the busy timeout.
WRITES = 40
HOLD = 0.004


def hammer(path: Path, name: str, writes: int = WRITES, hold: float = HOLD) -> None:
    """`writes` write transactions on a connection of its own, each holding the lock."""
    cache = Cache.open(path, mode=SHARED_MODE, busy_timeout=5.0)
    try:
        for n in range(writes):
            with cache.write():
                cache.conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)", [f"{name}-{n}", name]
                )
                time.sleep(hold)
    finally:
        cache.close()


def count(path: Path, name: str) -> int:
    cache = Cache.open(path)
    try:
        row = cache.conn.execute("SELECT COUNT(*) FROM meta WHERE value = ?", [name]).fetchone()
        return int(row[0])
    finally:
        cache.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    cache = Cache.open(tmp_path / "team" / "cache.db", create=True, mode=SHARED_MODE)
    cache.close()
    return tmp_path / "team" / "cache.db"


def test_writers_in_threads_wait_their_turn(path: Path) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            hammer(path, name)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [count(path, f"t{i}") for i in range(4)] == [WRITES] * 4


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.store.test_concurrency import hammer
    ready = Path(sys.argv[2])
    while not ready.exists():  # start together with the parent's writer
        time.sleep(0.001)
    hammer(Path(sys.argv[1]), sys.argv[3])
    """
)


def test_writers_in_processes_wait_their_turn(path: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(go), f"p{i}"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    time.sleep(0.3)  # let them import
    go.touch()
    hammer(path, "parent")
    for child in children:
        _out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert "locked" not in err
    assert [count(path, name) for name in ("parent", "p0", "p1")] == [WRITES] * 3


def test_without_a_busy_timeout_a_second_writer_fails(path: Path) -> None:
    """What the busy timeout saves everyone from (and proof that the writers above did
    collide): a writer that will not wait is told the database is locked."""
    first = Cache.open(path, mode=SHARED_MODE)
    impatient = Cache.open(path, mode=SHARED_MODE, busy_timeout=0)
    try:
        with first.write():
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                impatient.conn.execute("BEGIN IMMEDIATE")
            # Readers are never blocked by the writer in WAL mode.
            assert impatient.get_meta("anything", "nothing") == "nothing"
    finally:
        first.close()
        impatient.close()


def test_a_write_kept_waiting_past_the_busy_timeout_says_so_and_writes_nothing(
    path: Path,
) -> None:
    """Past its busy timeout a write is refused with what to do (CacheLocked, whose exit
    code the CLI returns), not sqlite3's bare error that surfaced as "Cannot use the
    cache ...: database is locked" in a board's sync dialog; and it wrote nothing."""
    first = Cache.open(path, mode=SHARED_MODE)
    impatient = Cache.open(path, mode=SHARED_MODE, busy_timeout=0.05)
    try:
        with first.write(), pytest.raises(CacheLocked, match="busy_timeout") as refused:
            impatient.set_meta(note="too early")
        assert refused.value.exit_code == 7
        assert impatient.get_meta("note", "none") == "none"
        impatient.set_meta(note="later")  # the lock gone, the same write goes through
        assert first.get_meta("note") == "later"
    finally:
        first.close()
        impatient.close()


def test_a_second_connection_keeps_the_firsts_locks(path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it. A
    board opens a connection per thread; if opening one read the header through a file
    of its own, the first connection's locks went with it, and another user's process,
    closing its connection, thought itself the last: it deleted the -wal and -shm that
    every open board was still using (their later writes were lost)."""
    first = Cache.open(path, mode=SHARED_MODE)
    try:
        first.set_meta(note="kept")
        second = Cache.open(path, mode=SHARED_MODE)  # another thread of the same board
        second.close()
        closer = subprocess.run(
            [sys.executable, "-c", CLOSER, str(path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert closer.returncode == 0, closer.stderr
        assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
        first.set_meta(note="still shared")
        assert count_meta(path, "note", "still shared")
    finally:
        first.close()


CLOSER = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("SELECT COUNT(*) FROM meta").fetchone()
    conn.close()  # the last connection? only if it can lock the whole file
    """
)


def count_meta(path: Path, key: str, value: str) -> bool:
    """Whether a fresh process sees meta `key` = `value` (through the same -wal)."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'SELECT value FROM meta WHERE key = ?', [sys.argv[2]]).fetchone()[0])",
            str(path),
            key,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return probe.stdout.strip() == value


# -- the pull lease: one puller per cache --------------------------------------------------

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def cache(path: Path) -> Cache:
    opened = Cache.open(path, mode=SHARED_MODE)
    yield opened
    opened.close()


def test_a_second_holder_is_refused_and_told_who_pulls(cache: Cache) -> None:
    assert cache.take_lease("pull", "alice@host:1", NOW, ttl=300) == ""
    assert cache.take_lease("pull", "bob@host:2", NOW + timedelta(seconds=299), ttl=300) == (
        "alice@host:1"
    )


def test_a_crashed_holders_lease_expires_and_is_taken_over(cache: Cache) -> None:
    assert cache.take_lease("pull", "alice@host:1", NOW, ttl=300) == ""
    # alice's process dies without dropping it; after the ttl bob takes over.
    later = NOW + timedelta(seconds=301)
    assert cache.take_lease("pull", "bob@host:2", later, ttl=300) == ""
    assert cache.take_lease("pull", "alice@host:1", later, ttl=300) == "bob@host:2"


def test_the_holder_renews_its_lease(cache: Cache) -> None:
    assert cache.take_lease("pull", "alice@host:1", NOW, ttl=300) == ""
    assert cache.take_lease("pull", "alice@host:1", NOW + timedelta(seconds=200), ttl=300) == ""
    # Past the first expiry, within the renewed one.
    assert cache.take_lease("pull", "bob@host:2", NOW + timedelta(seconds=400), ttl=300) == (
        "alice@host:1"
    )
    assert cache.take_lease("pull", "bob@host:2", NOW + timedelta(seconds=501), ttl=300) == ""


def test_only_the_holder_drops_the_lease(cache: Cache) -> None:
    assert cache.take_lease("pull", "alice@host:1", NOW) == ""
    cache.drop_lease("pull", "bob@host:2")
    assert cache.take_lease("pull", "bob@host:2", NOW) == "alice@host:1"
    cache.drop_lease("pull", "alice@host:1")
    assert cache.take_lease("pull", "bob@host:2", NOW) == ""


def test_of_many_connections_racing_for_the_lease_one_wins(path: Path) -> None:
    results: list[str] = []
    barrier = threading.Barrier(6)

    def racer(name: str) -> None:
        cache = Cache.open(path, mode=SHARED_MODE)
        try:
            barrier.wait(timeout=10)
            results.append(cache.take_lease("pull", name, datetime.now(UTC)))
        finally:
            cache.close()

    threads = [threading.Thread(target=racer, args=(f"p{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 6
    assert results.count("") == 1  # the winner; the others were told its name
    winners = {r for r in results if r}
    assert len(winners) == 1 and winners <= {f"p{i}" for i in range(6)}


CRASHER = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from triage_tui.store import Cache, CacheLocked
    cache = Cache.open(sys.argv[1])
    assert cache.take_lease("pull", "crasher", datetime.now(UTC), ttl=float(sys.argv[2])) == ""
    os._exit(9)  # killed mid-pull: nothing dropped, nothing closed
    """
)


def test_a_lease_left_by_a_killed_process_expires(path: Path, cache: Cache) -> None:
    ttl = 0.5
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHER, str(path), str(ttl)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert cache.take_lease("pull", "survivor", datetime.now(UTC)) == "crasher"
    time.sleep(ttl + 0.1)
    assert cache.take_lease("pull", "survivor", datetime.now(UTC)) == ""


def test_a_killed_holders_lease_is_taken_over_at_once(cache: Cache) -> None:
    """Seen: after a SIGKILLed sync, the next sync was refused for up to 5 minutes by a
    lease whose holder (same host) no longer ran."""
    from triage_tui.services.holders import holder_gone

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is free now (and not reused within this test)
    here = socket.gethostname()
    killed = f"alice@{here}:{dead.pid}"
    assert cache.take_lease("pull", killed, NOW, ttl=300) == ""
    assert cache.take_lease("pull", "bob@x:2", NOW, ttl=300, gone=holder_gone) == ""
    # A live holder keeps it: this very process, and any holder on another host.
    alive = f"carol@{here}:{os.getpid()}"
    assert cache.take_lease("pull", alive, NOW + timedelta(seconds=400), ttl=300) == ""
    later = NOW + timedelta(seconds=401)
    assert cache.take_lease("pull", "bob@x:2", later, ttl=300, gone=holder_gone) == alive
    assert not holder_gone(f"dan@another-host:{dead.pid}")


def test_a_killed_holder_never_reaped_is_gone_too(cache: Cache) -> None:
    """Seen in CI's kill loop: a board killed with its sync child left the child a zombie
    (its new parent, the container's PID 1, reaps nothing). kill(pid, 0) still answers
    for a zombie, so its lease held the next sync off. Here the zombie is this test's
    own child, not yet waited for."""
    from triage_tui.services.holders import holder_gone

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    stat = Path(f"/proc/{ended.pid}/stat")
    while stat.read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child never ended"
        time.sleep(0.02)
    try:
        zombie = f"alice@{socket.gethostname()}:{ended.pid}"
        assert holder_gone(zombie)
        assert cache.take_lease("pull", zombie, NOW, ttl=300) == ""
        assert cache.take_lease("pull", "bob@x:2", NOW, ttl=300, gone=holder_gone) == ""
        assert not holder_gone(f"carol@{socket.gethostname()}:{os.getpid()}")  # running
    finally:
        ended.wait()


# -- commit counts: this process's commits told from another's -----------------------------


def test_commits_are_counted_in_the_file_and_this_processs_are_tallied(
    path: Path, cache: Cache
) -> None:
    """Every write transaction counts itself in the file; those of this process (any
    thread's connection) in its tally too. A board skips reading the cards again only
    when the two moved alike (see BoardScreen._poll)."""
    total, own = cache.commit_counts()
    cache.set_meta(note="a")  # this connection
    other_thread: list[tuple[int, int]] = []

    def write_elsewhere() -> None:
        mine = Cache.open(path, mode=SHARED_MODE)
        mine.set_meta(note="b")
        other_thread.append(mine.commit_counts())
        mine.close()

    worker = threading.Thread(target=write_elsewhere)
    worker.start()
    worker.join()
    assert other_thread == [(total + 2, own + 2)]
    assert cache.commit_counts() == (total + 2, own + 2)
    script = (
        "import sys; from triage_tui.store import Cache; Cache.open(sys.argv[1]).set_meta(note='c')"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    assert cache.commit_counts() == (total + 3, own + 2)  # another process's: counted, not ours
    with pytest.raises(RuntimeError), cache.write():
        raise RuntimeError("rolled back: neither counted nor tallied")
    assert cache.commit_counts() == (total + 3, own + 2)
