"""The cache: opening it safely, transactions, and the meta table."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.domain.records import LabelInfo, Member, Milestone, Note, RemoteIssue
from triage_tui.domain.sync_report import SyncReport
from triage_tui.domain.weekly import bot_names
from triage_tui.store.accounts import AccountTables
from triage_tui.store.er_calls import ERCalls
from triage_tui.store.errors import (
    CacheError,
    CacheLocked,
    CacheMissing,
    CacheNotADatabase,
    CacheTooNew,
)
from triage_tui.store.file_modes import (
    PRIVATE_DIR_MODE,
    PRIVATE_MODE,
    SHARED_DIR_MODE,
    SHARED_UMASK,
    create_file,
    is_shared_mode,
    make_cache_dir,
    with_problems,
)
from triage_tui.store.health import cache_failure, is_cache_fault
from triage_tui.store.history import HistoryTables
from triage_tui.store.issues import IssueTables
from triage_tui.store.outbox import OutboxTables
from triage_tui.store.schema import (
    BOARD_RULES,
    ISSUE_RULES,
    MIGRATIONS,
    SCHEMA_VERSION,
    derive_board_columns,
    derive_issue_columns,
    derive_update_flags,
    update_rules,
)

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
    gitlab_url: str = ""
    """The GitLab the cache was last synced from ("" before a sync, or a demo)."""
    project: str = ""
    """The project it was synced from, as the sync was told it (id or path)."""


def _parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stamp_at_least(text: str | None, moment: datetime) -> bool:
    try:
        stamp = _parse_time(text or "")
    except ValueError:
        return False
    if stamp is None:
        return False
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)) >= moment


#: (device, inode) of every file this process has checked and handed to SQLite. POSIX
#: locks belong to a process and an inode, and closing *any* descriptor of the inode drops
#: them all: a header check by a second thread's Cache.open would silently release the
#: locks the first thread's connection holds. Another process's closing connection would
#: then think itself the last, checkpoint, and delete the -wal and -shm files from under
#: every open board (seen with two users' boards on a team cache). So a file's header is
#: read once, before SQLite first opens it in this process; later opens trust SQLite.
_VETTED: set[tuple[int, int]] = set()
_VETTING = threading.Lock()


#: Commits this process made to each cache file (by every thread's connection), and the
#: lock that makes a commit and its tally one step: Cache.commit_counts reads the file's
#: count of every process's commits and this tally together, so a board can tell a
#: commit of its own threads (already shown: see tui.edit_hub) from another process's.
_OWN_COMMITS: dict[str, int] = {}
_COMMITTING = threading.Lock()
#: In every write transaction: the file's count of commits, by every process.
_COUNT_COMMIT = (
    "INSERT INTO meta (key, value) VALUES ('commits', '1') "
    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)


def _check_header_once(path: Path, *, created: bool = False) -> None:
    """`_check_header`, unless this process already checked (or `created`) this very file."""
    with _VETTING:
        try:
            info = path.stat()
        except OSError:
            _check_header(path)  # says why it cannot be read
            return
        key = (info.st_dev, info.st_ino)
        if key not in _VETTED:
            if not created:
                _check_header(path)
            _VETTED.add(key)


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
            "choose another path with --cache, or, if it was your cache, run `triage-tui cache "
            "rebuild` (it moves the file aside and refills the cache from the servers)."
        )


class Cache:
    """One connection to the cache. Not shared across threads: open one per thread.

    Its tables are in parts built on this connection and its write transaction (issues,
    accounts, the outbox, health history, the ER calls); the cache delegates to them, so
    the services and the sync's sinks see one object."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path | None, bots: Iterable[str] = ()
    ) -> None:
        self.conn = conn
        self.path = path
        self.bots = bot_names(bots)
        self._file = str(path.resolve()) if path is not None else ""
        """Which file this process's commits are tallied under (see _OWN_COMMITS)."""
        self.issues = IssueTables(conn, self.write, self.bots)
        self._accounts = AccountTables(conn, self.write)
        self.outbox = OutboxTables(conn, self.write, self.issues)
        self.history = HistoryTables(conn, self.write)
        self._delegate()

    def _delegate(self) -> None:
        """The parts' methods, as the cache's own."""
        self.upsert_issues = self.issues.upsert_issues
        self.upsert_notes = self.issues.upsert_notes
        self.replace_project_meta = self.issues.replace_project_meta
        self.issue_summaries = self.issues.issue_summaries
        self.first_screen = self.issues.first_screen
        self.issue_summary = self.issues.issue_summary
        self.issue_detail = self.issues.issue_detail
        self.notes_for = self.issues.notes_for
        self.draft = self.issues.draft
        self.save_draft = self.issues.save_draft
        self.issue_count = self.issues.issue_count
        self.members = self.issues.members
        self.labels = self.issues.labels
        self.milestones = self.issues.milestones
        self.store_accounts = self._accounts.store_accounts
        self.accounts = self._accounts.accounts
        self.account = self._accounts.account
        self.cached_issue = self.outbox.cached_issue
        self.overlay_active_edits = self.outbox.overlay_active_edits
        self.record_edit = self.outbox.record_edit
        self.add_local_issue = self.outbox.add_local_issue
        self.next_local_iid = self.outbox.next_local_iid
        self.outbox_entries = self.outbox.outbox_entries
        self.outbox_counts = self.outbox.outbox_counts
        self.edits_to_push = self.outbox.edits_to_push
        self.finish_edit = self.outbox.finish_edit
        self.fail_edit = self.outbox.fail_edit
        self.conflict_edit = self.outbox.conflict_edit
        self.defer_edit = self.outbox.defer_edit
        self.retry_edit = self.outbox.retry_edit
        self.discard_edit = self.outbox.discard_edit
        self.prune_outbox = self.outbox.prune_outbox
        self.replace_health_history = self.history.replace_health_history
        self.store_health_history = self.history.store_health_history
        self.health_history = self.history.health_history
        self.reason_notes = self.history.reason_notes

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for writes and migrations. Imported on
        first use: the board's read path runs plain SQL and starts faster without it."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @cached_property
    def er_calls(self) -> ERCalls:
        """The weekly ER calls' record."""
        return ERCalls(self.conn, self.write)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        create: bool = False,
        busy_timeout: float = 5.0,
        mode: int = PRIVATE_MODE,
        bots: Iterable[str] = (),
    ) -> Cache:
        """Open (and migrate) the cache at `path`, creating it with `mode` if `create`.

        `bots` are the configured usernames whose notes are no weekly update: a cache
        whose notes were flagged with other bots flags them all again (as it opens).

        A `mode` with group write (SHARED_MODE) makes a team cache: a missing directory is
        made setgid and group-writable (SHARED_DIR_MODE) and this process's umask becomes
        SHARED_UMASK, so nothing it or SQLite creates shuts the group out. Otherwise the
        cache is private: 0600 in a 0700 directory. `permission_problems` says what is
        wrong with an existing cache's modes.

        Raises a CacheError subclass with a message for a person: missing file (unless
        `create`), not a database, from a newer triage-tui, or locked past `busy_timeout`.
        """
        path = Path(path).expanduser()
        shared = is_shared_mode(mode)
        if shared:
            # Process-wide, on purpose: the -wal and -shm files, a sync's child process
            # and anything else this process creates next to the cache keep group write.
            os.umask(SHARED_UMASK)
        try:
            exists = path.exists()
        except PermissionError as error:
            raise CacheError(
                f"Cannot reach the cache at {path}: permission denied on its directory. "
                "A team cache is shared through a Unix group: `id` lists yours (log in "
                "again after being added to one)."
            ) from error
        if exists:
            _check_header_once(path)
        elif not create:
            raise CacheMissing(
                f"No cache at {path}. Run `triage-tui sync` to fill it from GitLab, "
                "or `triage-tui --demo` to try the board on demo data."
            )
        else:
            make_cache_dir(path.parent, SHARED_DIR_MODE if shared else PRIVATE_DIR_MODE)
            create_file(path, mode)
            _check_header_once(path, created=True)
        try:
            conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.OperationalError as error:
            raise with_problems(
                CacheError(f"Cannot open the cache at {path}: {error}."), path, shared
            ) from error
        cache = cls(conn, path, bots)
        try:
            cache._prepare(busy_timeout)
        except CacheError as error:
            conn.close()
            raise with_problems(error, path, shared) from error.__cause__
        except BaseException:
            conn.close()
            raise
        return cache

    @classmethod
    def memory(cls, bots: Iterable[str] = ()) -> Cache:
        """A throwaway in-memory cache (tests)."""
        cache = cls(sqlite3.connect(":memory:", isolation_level=None), None, bots)
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
                    f"this one knows {SCHEMA_VERSION}). It was left untouched: upgrade triage-tui, "
                    "or run `triage-tui cache rebuild` (it keeps your waiting edits and the "
                    "file, moved aside)."
                )
            if self.path is not None:
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                self._migrate()
            if self.get_meta("board_rules") != BOARD_RULES:
                self._derive_board_columns()
            if self.get_meta("update_rules") != update_rules(self.bots):
                self._derive_update_flags()
            if self.get_meta("issue_rules") != ISSUE_RULES:
                self._derive_issue_columns()
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise CacheLocked(
                    f"The cache at {where} is locked by another process; try again in a moment."
                ) from error
            raise cache_failure(error, where) from error
        except sqlite3.DatabaseError as error:
            raise cache_failure(error, where) from error

    def _user_version(self) -> int:
        row = self.conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _derive_board_columns(self) -> None:
        """The label rules changed since the board columns were stored: derive them again
        (the first screen would otherwise put issues where the full board does not)."""
        with self.write() as db:
            if self.get_meta("board_rules") != BOARD_RULES:  # (another process may have)
                derive_board_columns(db)

    def _derive_update_flags(self) -> None:
        """The weekly-update rule or the configured bots changed since the notes were
        flagged: flag them again (a bot's note would otherwise still stop the clock)."""
        with self.write() as db:
            if self.get_meta("update_rules") != update_rules(self.bots):  # (as above)
                derive_update_flags(db, self.bots)

    def _derive_issue_columns(self) -> None:
        """What is derived from descriptions into issue rows changed (schema.ISSUE_RULES):
        derive it again, or cards would show what the old rules made of them."""
        with self.write() as db:
            if self.get_meta("issue_rules") != ISSUE_RULES:  # (another process may have)
                derive_issue_columns(db)

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
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.conn.execute(_COUNT_COMMIT)
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            with _COMMITTING:
                self.conn.execute("COMMIT")
                _OWN_COMMITS[self._file] = _OWN_COMMITS.get(self._file, 0) + 1
        except sqlite3.DatabaseError as error:
            # A full disk, a read-only file, a damaged page: said as store.health says it.
            if self.conn.in_transaction:  # (a failed COMMIT may leave it open)
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            if is_cache_fault(error):
                raise cache_failure(error, self.path or ":memory:") from error
            raise

    def close(self) -> None:
        self.conn.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits: cheap polling for live updates."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def commit_counts(self) -> tuple[int, int]:
        """(commits to this file by every process, by this process), read as one: a
        commit and its tally are one step under the same lock."""
        with _COMMITTING:
            return int(self.get_meta("commits", "0")), _OWN_COMMITS.get(self._file, 0)

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
            gitlab_url=self.get_meta("gitlab_url"),
            project=self.get_meta("project"),
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

    def _owed(self, key: str) -> list[int]:
        """The issues listed under meta `key` that are still in the cache (one deleted
        meanwhile has nothing to get. Not `IN (?, …)`: a cut-off first sync can owe more
        issues than SQLite takes variables)."""
        owed = json.loads(self.get_meta(key) or "[]")
        if not owed:
            return []
        still = {row[0] for row in self.conn.execute("SELECT iid FROM issues")}
        return [iid for iid in owed if iid in still]

    def notes_owed(self) -> list[int]:
        return self._owed("notes_owed")

    def owe_notes(self, iids: list[int]) -> None:
        self.set_meta(notes_owed=json.dumps(iids))

    def history_owed(self) -> list[int]:
        """Issues (still in the cache) whose label events a cut-off pull left to read."""
        return self._owed("history_owed")

    def history_unread(self, limit: int | None) -> list[int]:
        """Up to `limit` (None: all) issues whose label events were never read (no health_marks: a
        cache from before schema 10, or issues a first sync has not reached yet), open
        ones and the most recently changed first. Local issues (not on GitLab yet) have
        none to read."""
        rows = self.conn.execute(
            "SELECT iid FROM issues WHERE iid > 0 AND health_marks IS NULL "
            "ORDER BY state = 'opened' DESC, updated_at DESC LIMIT ?",
            [-1 if limit is None else limit],
        )
        return [row[0] for row in rows]

    def owe_history(self, iids: list[int]) -> None:
        self.set_meta(history_owed=json.dumps(iids))

    def store_project_meta(
        self, labels: list[LabelInfo], milestones: list[Milestone], members: list[Member]
    ) -> None:
        with self.write() as db:
            self.replace_project_meta(db, labels=labels, milestones=milestones, members=members)

    def issues_not_in(self, iids: set[int]) -> list[int]:
        """The cached GitLab issues (not new ones waiting to be created) outside `iids`."""
        rows = self.conn.execute("SELECT iid FROM issues WHERE iid > 0")
        return [row[0] for row in rows if row[0] not in iids]

    def remove_issues_except(self, iids: set[int], *, kept_since: datetime | None = None) -> int:
        """After a full pass: issues GitLab no longer lists (deleted, moved) leave the cache.

        Kept whatever the pass saw: an issue whose cached `updated_at` is `kept_since` or
        later (stored while the pass ran, by a push or another process on a shared cache:
        the pass may have listed its page before it existed), and a new issue not yet on
        GitLab (a negative iid: its create waits in the outbox)."""
        with self.write():
            rows = self.conn.execute("SELECT iid, updated_at FROM issues WHERE iid > 0")
            gone = [
                (iid,)
                for iid, updated in rows.fetchall()
                if iid not in iids
                and not (kept_since is not None and _stamp_at_least(updated, kept_since))
            ]
            self.conn.executemany("DELETE FROM issues WHERE iid = ?", gone)
            self.conn.execute("DELETE FROM notes WHERE issue_iid NOT IN (SELECT iid FROM issues)")
            self.conn.execute(
                "DELETE FROM health_history WHERE iid NOT IN (SELECT iid FROM issues)"
            )
        return len(gone)

    def take_lease(
        self,
        name: str,
        holder: str,
        now: datetime,
        ttl: float = 300.0,
        gone: Callable[[str], bool] = lambda owner: False,
    ) -> str:
        """Become the one process that does `name` ("pull", "push") on this (shared)
        cache, for `ttl` seconds; taken again by its holder, it is renewed.

        Returns "" when this `holder` has the lease, else who holds it. A lease is a
        row in meta with an expiry, taken inside BEGIN IMMEDIATE: two processes cannot
        both take it. One whose holder is `gone` (killed: known dead) is taken over at
        once; any other crashed holder keeps it only until it expires.
        """
        key = f"{name}_lease"
        with self.write():
            current = self.get_meta(key)
            owner, _, expires = current.rpartition("|")
            live = bool(expires) and float(expires) > now.timestamp()
            if owner and owner != holder and live and not gone(owner):
                return owner
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [key, f"{holder}|{now.timestamp() + ttl}"],
            )
        return ""

    def drop_lease(self, name: str, holder: str) -> None:
        with self.write():
            self.conn.execute(
                "DELETE FROM meta WHERE key = ? AND value LIKE ?",
                [f"{name}_lease", holder + "|%"],
            )

    def finish_sync(self, report: SyncReport) -> None:
        values: dict[str, str | None] = {"last_error": report.error}
        if report.ok:
            finished = (
                report.finished_at if report.finished_at is not None else datetime.now(UTC)
            ).isoformat()
            values["refreshed_at"] = finished
            if report.cursor is not None:
                values["gitlab_cursor"] = report.cursor.isoformat()
            if report.full:
                values["gitlab_full_at"] = finished
        self.set_meta(**values)
