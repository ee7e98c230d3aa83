"""A cache file that cannot be used: why, in one line that says what to do, and what of
the person's own work can still be read out of it.

SQLite's result codes decide (sqlite3.Error.sqlite_errorcode, https://sqlite.org/rescode.html),
never the message text alone. Measured here (tests/store/test_file_faults.py): a full
tmpfs and an RLIMIT_FSIZE limit both surface as SQLITE_IOERR_WRITE (the WAL append fails
with ENOSPC or EFBIG; CPython ignores SIGXFSZ, so the process is not killed), a file or
directory the user cannot write as SQLITE_READONLY(_DIRECTORY), a truncated or overwritten
file as SQLITE_CORRUPT or SQLITE_NOTADB, and only when a damaged page is read.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.store.errors import (
    CacheDamaged,
    CacheError,
    CacheFull,
    CacheLocked,
    CacheReadOnly,
)

if TYPE_CHECKING:
    from triage_tui.store.cache import Cache

_FULL = 13  # SQLITE_FULL
_IOERR = 10
_IOERR_WRITE = 778
_READONLY = 8
_CORRUPT = 11
_NOTADB = 26
_CANTOPEN = 14
_BUSY = 5
_LOCKED = 6

#: What a read of a damaged cache raises (for the CLI, which imports no sqlite3).
DATABASE_ERRORS = (sqlite3.DatabaseError,)

#: What tells the person their own work is safe, and how to take it out.
_KEPT = "the edits already waiting are kept in it (`triage-tui outbox export FILE` saves them)"


def is_cache_fault(error: sqlite3.Error) -> bool:
    """The file, its disk or its permissions failed, or another process kept it busy past
    the busy timeout (not a constraint or an SQL mistake, which are the code's and stay
    as they are)."""
    code = getattr(error, "sqlite_errorcode", None)
    faults = (_FULL, _IOERR, _READONLY, _CORRUPT, _NOTADB, _BUSY, _LOCKED)
    return code is not None and code & 0xFF in faults


def damaged(where: Path | str, detail: str) -> CacheDamaged:
    return CacheDamaged(
        f"The cache {where} is damaged ({detail}). Run `triage-tui cache rebuild`: it "
        "refills the cache from the servers, keeps your waiting edits and moves the "
        "damaged file aside."
    )


def cache_failure(error: sqlite3.Error, where: Path | str) -> CacheError:
    """The CacheError to show for `error`, met using the cache at `where`."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if code is not None else None
    # (Other I/O errors on a full disk too: SQLite's -shm grows by ftruncate and a write.)
    if primary == _FULL or code == _IOERR_WRITE or (primary == _IOERR and _out_of_room(where)):
        return CacheFull(
            f"The cache {where} could not be written: its disk is full or a file-size limit "
            f"was reached. Free some space (`df -h {Path(where).parent}`) and try again; {_KEPT}."
        )
    if primary == _READONLY:
        return CacheReadOnly(
            f"The cache {where} cannot be written: the file or its directory is read-only "
            f"for you. Fix the permissions (`ls -ld {where} {Path(where).parent}`) or pass "
            f"another --cache; {_KEPT}."
        )
    if primary in (_CORRUPT, _NOTADB):
        return damaged(where, str(error))
    if primary == _CANTOPEN:
        return CacheError(
            f"Cannot open the cache {where} ({error}): check that its directory exists and "
            "is yours, or pass another --cache."
        )
    if primary in (_BUSY, _LOCKED):
        return CacheLocked(
            f"The cache {where} was busy: another triage-tui kept writing to it for longer "
            "than this one waits (`busy_timeout` in the config). Nothing was changed by this "
            "try; try again in a moment."
        )
    if primary == _IOERR:
        return CacheError(
            f"The cache {where} could not be read or written ({error}): check its disk "
            f"(`dmesg`, `df -h`); {_KEPT}."
        )
    return CacheError(f"Cannot use the cache at {where}: {error}.")


#: Free space under which an edit is refused before it is made: an edit's transaction
#: writes a few pages (a description, its snapshot) to the WAL, and a refused write
#: half-way through a dialog would lose what the person typed.
MIN_FREE_BYTES = 1 << 20


def _out_of_room(where: Path | str) -> bool:
    """The cache's disk is (nearly) full, or this process may not grow files any more."""
    import resource

    try:
        free = os.statvfs(Path(where).parent)
    except OSError:
        return False
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return free.f_bavail * free.f_frsize < MIN_FREE_BYTES or limit != resource.RLIM_INFINITY


def write_problem(path: Path) -> str:
    """Why the cache at `path` cannot take an edit now ("" when it can): asked before
    each edit, cheaply (access(2), statvfs(3), getrlimit(2): microseconds)."""
    import resource

    folder = path.parent
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        return (
            f"the cache {path} cannot be written: the file or its directory is read-only "
            f"for you. Fix the permissions (`ls -ld {path} {folder}`) or pass another --cache."
        )
    try:
        free = os.statvfs(folder)
        size = path.stat().st_size
    except OSError:
        return ""  # the edit's own write says what is wrong, if anything
    if free.f_bavail * free.f_frsize < MIN_FREE_BYTES:
        return (
            f"the disk holding the cache {path} is full. Free some space "
            f"(`df -h {folder}`); the edits already waiting are kept."
        )
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY and size + MIN_FREE_BYTES > limit:
        return (
            f"the cache {path} has reached this session's file-size limit (`ulimit -f`: "
            f"{limit} bytes). Raise it and start again; the edits already waiting are kept."
        )
    return ""


# -- what is salvaged from a damaged cache ------------------------------------------------

#: The person's own rows, which no server has: edits (every state: a done edit's uid is
#: what keeps it from being sent twice), drafts of weekly updates, the ER calls' record.
KEPT_TABLES = ("outbox", "drafts", "er_calls", "er_actions")
#: Where the cache was synced from: a rebuild pulls from there when the config names none.
KEPT_META = ("gitlab_url", "project")


@dataclass
class Salvage:
    """What could be read of a cache file's own rows, and what could not."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Table -> rows, as stored (KEPT_TABLES, and `issues` for new issues not on GitLab)."""
    meta: dict[str, str] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    """What could not be read, in sentences ("3 rows of the outbox")."""

    @property
    def waiting(self) -> list[dict[str, Any]]:
        """The outbox rows not on GitLab yet (pending, refused or in conflict)."""
        return [r for r in self.rows.get("outbox", []) if r.get("state") != "done"]


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that writes nothing to `path`: first as a reader that still sees the
    WAL (what was committed but not yet checkpointed: the newest edits), then, if that
    cannot open (no -shm can be made, a read-only directory), the file alone."""
    uri = path.resolve().as_uri()
    for query in ("?mode=ro", "?mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(uri + query, uri=True, isolation_level=None)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error:
            continue
    raise CacheDamaged(
        f"Nothing can be read from {path}: not even its list of tables. The edits in it "
        "are lost; the file is kept for inspection."
    )


def check_pages(conn: sqlite3.Connection, path: Path | str) -> None:
    """Raise CacheDamaged when SQLite cannot read every page of the cache (`PRAGMA
    quick_check`: some 40 ms for a 22 MB cache, so before a sync, not every start). A
    sync reads and writes all over the file: without this, a damaged page would cut it
    off half-way with only sqlite3's class name to say why."""
    try:
        found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as error:
        raise cache_failure(error, path) from error
    if found != ["ok"]:
        raise damaged(path, "pages SQLite cannot read")


def problem(path: Path) -> str:
    """What is wrong with the cache file at `path`, read without writing to it ("" when
    nothing): not SQLite, pages SQLite cannot read (`PRAGMA quick_check`, some 40 ms for
    a 22 MB cache: for a rebuild, not for every start), or a schema from a newer build."""
    from triage_tui.store.schema import SCHEMA_VERSION

    try:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return "not an SQLite database"
        conn = _read_only(path)
    except (OSError, CacheError) as error:
        return str(error)
    try:
        found = [row[0] for row in conn.execute("PRAGMA quick_check(5)").fetchall()]
        if found != ["ok"]:
            lines = [line for text in found for line in str(text).splitlines()]
            first = next((line for line in lines if not line.startswith("***")), "")
            return f"damaged ({first}; {len(lines)} problems found)"
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            return (
                f"written by a newer triage-tui (schema {version}, this one knows {SCHEMA_VERSION})"
            )
    except sqlite3.Error as error:
        return f"damaged: {error}"
    finally:
        conn.close()
    return ""


def _rows(
    conn: sqlite3.Connection, table: str, where: str = ""
) -> tuple[list[dict[str, Any]], int]:
    """Every row of `table` that can be read, and how many could not: all at once, else
    row by row, so one damaged page costs only the rows on it (what sqlite3's `.recover`
    does page by page, done here by rowid)."""
    try:
        cursor = conn.execute(f"SELECT * FROM {table} {where}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()], 0
    except sqlite3.Error:
        pass
    try:
        top = conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.Error:
        return [], -1  # not even the table's index: how much was lost is unknown
    found: list[dict[str, Any]] = []
    lost = 0
    for rowid in range(1, top + 1):
        try:
            cursor = conn.execute(f"SELECT * FROM {table} WHERE rowid = ?", [rowid])
            row = cursor.fetchone()
        except sqlite3.Error:
            lost += 1
            continue
        if row is not None:
            names = [d[0] for d in cursor.description]
            record = dict(zip(names, row, strict=True))
            if not where or record.get("iid", 0) < 0:  # (the one filter used: new issues)
                found.append(record)
    return found, lost


def salvage(path: Path) -> Salvage:
    """Read the person's own rows out of the cache at `path` without writing to it.

    Raises CacheDamaged when nothing at all can be read (then everything in it is lost)."""
    result = Salvage()
    conn = _read_only(path)
    try:
        for table in KEPT_TABLES:
            rows, lost = _rows(conn, table)
            result.rows[table] = rows
            if lost:
                count = "an unknown number of" if lost < 0 else str(lost)
                result.lost.append(f"{count} rows of {table}")
        # New issues not on GitLab yet live as issue rows with a negative number.
        rows, lost = _rows(conn, "issues", "WHERE iid < 0")
        result.rows["issues"] = rows
        if lost:
            result.lost.append("issue rows (new issues not yet on GitLab may be among them)")
        for key in KEPT_META:
            try:
                row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
            except sqlite3.Error:
                continue
            if row is not None and row[0] is not None:
                result.meta[key] = str(row[0])
    finally:
        conn.close()
    return result


def move_aside(path: Path, label: str, now: datetime) -> Path:
    """Rename the cache and its -wal and -shm to `<path>.<label>-<timestamp>` (never
    deleted: what could not be salvaged may still be read out of it by hand). The WAL
    goes with its file: left behind, SQLite would replay it into the next cache."""
    stamp = now.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    os.rename(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            os.rename(companion, Path(f"{aside}{suffix}"))
    return aside


#: The order rows are written back in (an ER action needs its call).
RESTORED = ("er_calls", "er_actions", "drafts", "issues", "outbox")


def restore(cache: Cache, found: Salvage, tables: tuple[str, ...] = RESTORED) -> list[str]:
    """Write the salvaged rows of `tables` into `cache` (a new one) in one transaction;
    what could not be written back, in sentences. Only the columns this build knows are
    kept (a newer build's cache may have more); a row that no longer fits (an ER action
    whose call was lost) is left out and counted. Restored edits are shown on the issues
    already pulled, as a pull shows them."""
    lost: list[str] = []
    with cache.write() as db:
        for table in tables:
            rows = found.rows.get(table, [])
            known = {row[1] for row in cache.conn.execute(f"PRAGMA table_info({table})")}
            skipped = 0
            for row in rows:
                kept = {k: v for k, v in row.items() if k in known}
                marks = ", ".join("?" * len(kept))
                try:
                    cache.conn.execute(
                        f"INSERT INTO {table} ({', '.join(kept)}) VALUES ({marks})",
                        list(kept.values()),
                    )
                except sqlite3.IntegrityError:
                    skipped += 1
            if skipped:
                lost.append(f"{skipped} rows of {table} that no longer fit")
        if "issues" in tables:
            for key, value in found.meta.items():
                cache.conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value]
                )
        if "outbox" in tables:
            edited = {row.get("issue_iid") for row in found.waiting}
            pulled = [cache.cached_issue(iid) for iid in edited if isinstance(iid, int)]
            cache.overlay_active_edits(db, [issue for issue in pulled if issue is not None])
    return lost


@contextmanager
def reading(path: Path | str) -> Iterator[None]:
    """Reads of the cache: a damaged page (met only when it is read) raises the CacheError
    that says what to do, not sqlite3's bare "database disk image is malformed"."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if is_cache_fault(error):
            raise cache_failure(error, path) from error
        raise
