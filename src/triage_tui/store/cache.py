"""The cache: opening it safely, transactions, and the meta table."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.domain.records import LabelInfo, Member, Milestone, Note, RemoteIssue
from triage_tui.domain.sync_report import SyncReport
from triage_tui.store.errors import (
    CacheError,
    CacheLocked,
    CacheMissing,
    CacheNotADatabase,
    CacheTooNew,
)
from triage_tui.store.outbox import OutboxTables
from triage_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import sqlite_utils

_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """Where the cached data came from, for the status line."""

    source: str  # "demo", "gitlab", or "" for an empty cache
    source_name: str
    refreshed_at: datetime | None
    last_error: str


def _parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before sqlite3 gets a chance to write to it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except PermissionError as error:
        raise CacheError(f"Cannot read the cache at {path}: permission denied.") from error
    except IsADirectoryError as error:
        raise CacheNotADatabase(f"The cache path {path} is a directory, not a database.") from error
    if head and head != _SQLITE_HEADER:
        raise CacheNotADatabase(
            f"{path} is not a triage-tui cache (not an SQLite database). It was left untouched; "
            "choose another path with --cache."
        )


class Cache(OutboxTables):
    """One connection to the cache. Not shared across threads: open one per thread."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for writes and migrations. Imported on
        first use: the board's read path runs plain SQL and starts faster without it."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        create: bool = False,
        busy_timeout: float = 5.0,
        mode: int = 0o600,
    ) -> Cache:
        """Open (and migrate) the cache at `path`, creating it with `mode` if `create`.

        Raises a CacheError subclass with a message for a person: missing file (unless
        `create`), not a database, from a newer triage-tui, or locked past `busy_timeout`.
        """
        path = Path(path).expanduser()
        if path.exists():
            _check_header(path)
        elif not create:
            raise CacheMissing(
                f"No cache at {path}. Run `triage-tui sync` to fill it from GitLab, "
                "or `triage-tui --demo` to try the board on demo data."
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Private by default (0600); a shared team cache passes a group-writable mode.
            # SQLite gives the -wal and -shm files the same permissions as this file.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, mode))
            os.chmod(path, mode)
        try:
            conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.OperationalError as error:
            raise CacheError(f"Cannot open the cache at {path}: {error}.") from error
        cache = cls(conn, path)
        try:
            cache._prepare(busy_timeout)
        except BaseException:
            conn.close()
            raise
        return cache

    @classmethod
    def memory(cls) -> Cache:
        """A throwaway in-memory cache (tests)."""
        cache = cls(sqlite3.connect(":memory:", isolation_level=None), None)
        cache._prepare(0)
        return cache

    def _prepare(self, busy_timeout: float) -> None:
        where = self.path or ":memory:"
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            version = self._user_version()
            if version > SCHEMA_VERSION:
                raise CacheTooNew(
                    f"The cache at {where} was written by a newer triage-tui (schema {version}, "
                    f"this one knows {SCHEMA_VERSION}). It was left untouched: upgrade triage-tui "
                    "or choose another path with --cache."
                )
            if self.path is not None:
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                self._migrate()
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise CacheLocked(
                    f"The cache at {where} is locked by another process; try again in a moment."
                ) from error
            raise CacheError(f"Cannot use the cache at {where}: {error}.") from error
        except sqlite3.DatabaseError as error:
            raise CacheNotADatabase(
                f"{where} is not a usable triage-tui cache ({error}). It was left untouched."
            ) from error

    def _user_version(self) -> int:
        row = self.conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        with self.write():
            # Re-read inside the write lock: another process may have migrated meanwhile.
            version = self._user_version()
            for migration in MIGRATIONS[version:]:
                migration(self.db)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so a
        concurrent writer waits (busy timeout) instead of failing mid-transaction."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits: cheap polling for live updates."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # -- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row and row[0] is not None else default

    def set_meta(self, **values: Any) -> None:
        rows = [{"key": k, "value": None if v is None else str(v)} for k, v in values.items()]
        with self.write():
            self.db.table("meta").upsert_all(rows, pk="key")

    def info(self) -> CacheInfo:
        refreshed = self.get_meta("refreshed_at")
        return CacheInfo(
            source=self.get_meta("source"),
            source_name=self.get_meta("source_name"),
            refreshed_at=datetime.fromisoformat(refreshed) if refreshed else None,
            last_error=self.get_meta("last_error"),
        )

    # -- the sync engine's sink (triage_tui.sync.engine.SyncSink) ----------------------------
    # Each call is its own short write transaction, so readers see progress and a failed
    # sync keeps everything stored before the failure.

    def sync_cursor(self) -> tuple[datetime | None, datetime | None]:
        return _parse_time(self.get_meta("gitlab_cursor")), _parse_time(
            self.get_meta("gitlab_full_at")
        )

    def changed_issues(self, issues: list[RemoteIssue]) -> list[int]:
        if not issues:
            return []
        marks = ",".join("?" * len(issues))
        known = dict(
            self.conn.execute(
                f"SELECT iid, updated_at FROM issues WHERE iid IN ({marks})",
                [i.iid for i in issues],
            ).fetchall()
        )
        return [i.iid for i in issues if known.get(i.iid) != i.updated_at.isoformat()]

    def store_issues(self, issues: list[RemoteIssue]) -> None:
        with self.write() as db:
            self.upsert_issues(issues, db)
            self.overlay_active_edits(db, issues)

    def store_notes(self, notes: list[Note]) -> None:
        with self.write() as db:
            self.upsert_notes(notes, db)

    def store_project_meta(
        self, labels: list[LabelInfo], milestones: list[Milestone], members: list[Member]
    ) -> None:
        with self.write() as db:
            self.replace_project_meta(db, labels=labels, milestones=milestones, members=members)

    def remove_issues_except(self, iids: set[int]) -> int:
        """After a full pass: issues GitLab no longer lists (deleted, moved) leave the cache."""
        with self.write():
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen (iid INTEGER PRIMARY KEY)")
            self.conn.execute("DELETE FROM seen")
            self.conn.executemany("INSERT INTO seen VALUES (?)", [(i,) for i in iids])
            removed = self.conn.execute(
                "DELETE FROM issues WHERE iid NOT IN (SELECT iid FROM seen)"
            ).rowcount
            self.conn.execute("DELETE FROM notes WHERE issue_iid NOT IN (SELECT iid FROM seen)")
        return int(removed)

    def take_pull_lease(self, holder: str, now: datetime, ttl: float = 300.0) -> str:
        """Become the one process that pulls into this (shared) cache, for `ttl` seconds.

        Returns "" when this `holder` has the lease, else who holds it. A lease is a
        row in meta with an expiry, taken inside BEGIN IMMEDIATE: two processes cannot
        both take it, and one that crashed holds it only until it expires.
        """
        with self.write():
            current = self.get_meta("pull_lease")
            owner, _, expires = current.rpartition("|")
            if owner and owner != holder and expires and float(expires) > now.timestamp():
                return owner
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pull_lease', ?)",
                [f"{holder}|{now.timestamp() + ttl}"],
            )
        return ""

    def drop_pull_lease(self, holder: str) -> None:
        with self.write():
            self.conn.execute(
                "DELETE FROM meta WHERE key = 'pull_lease' AND value LIKE ?", [holder + "|%"]
            )

    def finish_sync(self, report: SyncReport) -> None:
        values: dict[str, str | None] = {"last_error": report.error}
        if report.ok:
            finished = (report.finished_at or datetime.now(UTC)).isoformat()
            values["refreshed_at"] = finished
            if report.cursor is not None:
                values["gitlab_cursor"] = report.cursor.isoformat()
            if report.full:
                values["gitlab_full_at"] = finished
        self.set_meta(**values)
