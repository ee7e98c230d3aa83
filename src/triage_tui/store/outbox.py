"""The outbox: every local edit, durable before anything is sent.

An edit is written here and applied to the cached issue in the same transaction,
so the board shows it at once (marked pending) and a crash loses nothing. A pull
re-applies edits that are still waiting on top of what GitLab sent, so a sync
never makes a pending edit look undone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.domain.edit import (
    Edit,
    EditKind,
    EditState,
    OutboxEntry,
    apply_edit,
    keep_mine,
)
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import Note, RemoteIssue
from triage_tui.store.edit_codec import edit_from_json, edit_json
from triage_tui.store.issues import IssueTables, issue_from_row, issue_row
from triage_tui.store.part import Part

if TYPE_CHECKING:
    import sqlite_utils

#: Edits still to be settled: shown on cards, re-applied over pulled data.
ACTIVE = (EditState.PENDING.value, EditState.FAILED.value, EditState.CONFLICT.value)
_ACTIVE_SQL = "(" + ", ".join(f"'{state}'" for state in ACTIVE) + ")"  # for IN clauses

_ENTRY_SQL = (
    "SELECT id, payload, base, state, author, created_at, error, attempts, remote, issue_iid "
    "FROM outbox"
)


def _issue_json(issue: RemoteIssue | None) -> str | None:
    return json.dumps(issue_row(issue)) if issue is not None else None


def _issue_from_json(text: str | None) -> RemoteIssue | None:
    return issue_from_row(json.loads(text)) if text else None


def _entry(row: tuple[Any, ...]) -> OutboxEntry:
    return OutboxEntry(
        id=row[0],
        # The column, not the payload: a new issue's edits move to its real iid once created.
        edit=replace(edit_from_json(row[1]), iid=row[9]),
        base=_issue_from_json(row[2]),
        state=EditState(row[3]),
        author=row[4] or "",
        created_at=datetime.fromisoformat(row[5]),
        error=row[6] or "",
        attempts=row[7] or 0,
        remote=_issue_from_json(row[8]),
    )


class OutboxTables(Part):
    """The outbox and the local view of edited issues (a part of Cache, on its
    connection; `issues` writes the notes a finished edit brings back)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        write: Callable[[], AbstractContextManager[sqlite_utils.Database]],
        issues: IssueTables,
    ) -> None:
        super().__init__(conn, write)
        self._issues = issues

    def cached_issue(self, iid: int) -> RemoteIssue | None:
        row = self.conn.execute("SELECT * FROM issues WHERE iid = ?", [iid])
        names = [d[0] for d in row.description]
        found = row.fetchone()
        return issue_from_row(dict(zip(names, found, strict=True))) if found else None

    def _shadow(self, iid: int) -> RemoteIssue | None:
        row = self.conn.execute("SELECT issue FROM shadow WHERE iid = ?", [iid]).fetchone()
        return _issue_from_json(row[0]) if row else None

    def _set_shadow(self, issue: RemoteIssue) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO shadow (iid, issue) VALUES (?, ?)",
            [issue.iid, _issue_json(issue)],
        )

    def _overlay(self, db: sqlite_utils.Database, iids: Iterable[int]) -> None:
        """Each issue's row becomes GitLab's version (the shadow, or the row itself when
        no edit is waiting) with its active edits applied, oldest first."""
        for iid in sorted(set(iids)):
            issue = self._shadow(iid) or self.cached_issue(iid)
            if issue is None:
                continue
            edits = [
                edit_from_json(r[0])
                for r in self.conn.execute(
                    f"SELECT payload FROM outbox WHERE issue_iid = ? AND state IN {_ACTIVE_SQL} "
                    "ORDER BY id",
                    [iid],
                )
            ]
            for edit in edits:
                issue = apply_edit(issue, edit)
            if not edits:
                self.conn.execute("DELETE FROM shadow WHERE iid = ?", [iid])
            db.table("issues").upsert(issue_row(issue), pk="iid")

    def overlay_active_edits(
        self, db: sqlite_utils.Database, issues: Iterable[RemoteIssue]
    ) -> None:
        """After a pull wrote `issues`: they are GitLab's newest versions; put back on top
        the edits that are not on GitLab yet."""
        active = {
            r[0]
            for r in self.conn.execute(
                f"SELECT DISTINCT issue_iid FROM outbox WHERE state IN {_ACTIVE_SQL}"
            )
        }
        touched = [issue for issue in issues if issue.iid in active]
        for issue in touched:
            self._set_shadow(issue)
        self._overlay(db, [issue.iid for issue in touched])

    # -- recording ---------------------------------------------------------------------------

    def record_edit(self, edit: Edit, *, author: str, now: datetime) -> int:
        """Store the edit and show it on the cached issue, in one transaction."""
        with self.write() as db:
            base = self.cached_issue(edit.iid)
            if edit.kind is EditKind.UPDATE and base is None:
                raise KeyError(f"issue #{edit.iid} is not in the cache")
            cursor = self.conn.execute(
                "INSERT INTO outbox (issue_iid, kind, payload, base, created_at, author, state, "
                "error, attempts, uid) VALUES (?, ?, ?, ?, ?, ?, 'pending', '', 0, ?)",
                [
                    edit.iid,
                    edit.kind.value,
                    edit_json(edit),
                    _issue_json(base),
                    now.isoformat(),
                    author,
                    edit.uid,
                ],
            )
            if base is not None:
                if self._shadow(edit.iid) is None:
                    self._set_shadow(base)
                db.table("issues").upsert(issue_row(apply_edit(base, edit)), pk="iid")
            return int(cursor.lastrowid or 0)

    def add_local_issue(self, issue: RemoteIssue) -> None:
        """A new issue not yet on GitLab (negative iid), shown on the board as pending."""
        with self.write() as db:
            db.table("issues").upsert(issue_row(issue), pk="iid")

    def next_local_iid(self) -> int:
        # Never one an ER call's record still names (a discarded new issue's number).
        row = self.conn.execute(
            "SELECT MIN(n) FROM (SELECT MIN(iid) AS n FROM issues "
            "UNION ALL SELECT MIN(iid) FROM er_actions)"
        ).fetchone()
        return min(-1, (row[0] or 0) - 1)

    # -- reading -----------------------------------------------------------------------------

    def outbox_entries(self, states: Iterable[EditState] | None = None) -> list[OutboxEntry]:
        wanted = [s.value for s in states] if states is not None else list(ACTIVE)
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(f"{_ENTRY_SQL} WHERE state IN ({marks}) ORDER BY id", wanted)
        return [_entry(r) for r in rows]

    def outbox_counts(self) -> tuple[int, int]:
        """(waiting, needing the person): for the status line, which is redrawn often,
        without decoding entries (their snapshots carry whole descriptions)."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(state = 'pending'), 0), "
            "COALESCE(SUM(state IN ('failed', 'conflict')), 0) FROM outbox"
        ).fetchone()
        return int(row[0]), int(row[1])

    def edits_to_push(self, author: str) -> list[OutboxEntry]:
        """This user's pending edits in order, except those queued behind a failed or
        conflicting edit of the same issue (order within an issue is kept)."""
        rows = self.conn.execute(
            f"""{_ENTRY_SQL} o WHERE state = 'pending' AND author = ?
                AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.issue_iid = o.issue_iid
                                AND b.id < o.id AND b.state IN ('failed', 'conflict'))
                ORDER BY id""",
            [author],
        )
        return [_entry(r) for r in rows]

    # -- settling (the push engine's sink) ---------------------------------------------------

    def _set(self, entry_id: int, **values: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in values)
        self.conn.execute(f"UPDATE outbox SET {columns} WHERE id = ?", [*values.values(), entry_id])

    def finish_edit(
        self, entry_id: int, server: RemoteIssue | None, note: Note | None = None
    ) -> None:
        """Pushed (or found already applied): store GitLab's version, keep later edits."""
        with self.write() as db:
            row = self.conn.execute(
                "SELECT issue_iid, payload FROM outbox WHERE id = ?", [entry_id]
            ).fetchone()
            self._set(entry_id, state=EditState.DONE.value, error="")
            if server is not None and row is not None:
                edit = edit_from_json(row[1])
                if edit.add_labels or edit.remove_labels or edit.kind is EditKind.CREATE:
                    # GitLab recorded label events for it; the row now has GitLab's
                    # updated_at, so the next pull would not see the issue as changed:
                    # its health history is owed (store.cache.history_owed).
                    self._owe_history_in(server.iid)
            if server is not None:
                local = row[0] if row else None
                if local is not None and local != server.iid:
                    # A created issue: its local placeholder gives way to the real one.
                    self.conn.execute("DELETE FROM issues WHERE iid = ?", [local])
                    self.conn.execute(
                        "UPDATE outbox SET issue_iid = ? WHERE issue_iid = ?", [server.iid, local]
                    )
                    # An ER call that opened it names it by its real number from now on.
                    self.conn.execute(
                        "UPDATE er_actions SET iid = ? WHERE iid = ?", [server.iid, local]
                    )
                self._set_shadow(server)
                self._overlay(db, [server.iid])
            if note is not None:
                self._issues.upsert_notes([note], db)

    def _owe_history_in(self, iid: int) -> None:
        """Add `iid` to the issues whose label events are owed, in the caller's
        transaction."""
        found = self.conn.execute("SELECT value FROM meta WHERE key = 'history_owed'").fetchone()
        owed = json.loads(found[0] or "[]") if found is not None else []
        if iid not in owed:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('history_owed', ?)",
                [json.dumps([*owed, iid])],
            )

    def fail_edit(self, entry_id: int, error: str) -> None:
        with self.write():
            self._set(entry_id, state=EditState.FAILED.value, error=error)

    def conflict_edit(self, entry_id: int, error: str, remote: RemoteIssue | None) -> None:
        """`remote`: GitLab's version of the issue (None for a Salesforce conflict, whose
        account is stored as it is now)."""
        with self.write():
            if remote is not None:
                self._set_shadow(remote)  # GitLab's newest, for when the edit is dropped
            self._set(
                entry_id, state=EditState.CONFLICT.value, error=error, remote=_issue_json(remote)
            )

    def defer_edit(self, entry_id: int, error: str) -> None:
        """A transient failure: stays pending, to be retried with backoff."""
        with self.write():
            self.conn.execute(
                "UPDATE outbox SET error = ?, attempts = attempts + 1 WHERE id = ?",
                [error, entry_id],
            )

    # -- the person's decisions --------------------------------------------------------------

    def retry_edit(self, entry_id: int) -> None:
        """Send a failed edit again. For a conflict the person's version wins over
        GitLab's: the edit is re-made over GitLab's version, which becomes its base."""
        with self.write() as db:
            found = [e for e in self.outbox_entries() if e.id == entry_id]
            if not found:
                return
            entry = found[0]
            edit, base = entry.edit, entry.base
            if entry.state is EditState.CONFLICT and entry.remote is not None:
                edit, base = keep_mine(edit, entry.remote), entry.remote
            elif entry.state is EditState.CONFLICT and edit.kind is EditKind.SALESFORCE_HEALTH:
                # The person keeps their score over the one Salesforce has now.
                edit = replace(edit, unmodified_since="")
            self._set(
                entry_id,
                state=EditState.PENDING.value,
                error="",
                attempts=0,
                payload=edit_json(edit),
                base=_issue_json(base),
                remote=None,
            )
            self._overlay(db, [edit.iid])

    def discard_edit(self, entry_id: int) -> None:
        """Drop an edit that is not on GitLab; the issue goes back to GitLab's version
        as last seen (the shadow), with the other waiting edits still applied."""
        with self.write() as db:
            row = self.conn.execute(
                f"SELECT issue_iid, kind FROM outbox WHERE id = ? AND state IN {_ACTIVE_SQL}",
                [entry_id],
            ).fetchone()
            if row is None:
                return
            self.conn.execute("DELETE FROM outbox WHERE id = ?", [entry_id])
            iid, kind = row
            if kind == EditKind.CREATE.value:
                self.conn.execute("DELETE FROM issues WHERE iid = ?", [iid])
                return
            self._overlay(db, [iid])

    def prune_outbox(self, keep: int = 500) -> None:
        """Keep only the newest `keep` finished edits (the rest is history GitLab has)."""
        with self.write():
            self.conn.execute(
                "DELETE FROM outbox WHERE state = 'done' AND id NOT IN "
                "(SELECT id FROM outbox WHERE state = 'done' ORDER BY id DESC LIMIT ?)",
                [keep],
            )


def local_issue(iid: int, title: str, labels: tuple[str, ...], description: str) -> RemoteIssue:
    """The placeholder row for a new issue until GitLab gives it its number."""
    now = datetime.now(UTC)
    return RemoteIssue(
        id=0,
        iid=iid,
        title=title,
        state=IssueState.OPENED,
        labels=labels,
        assignees=(),
        description=description,
        web_url="",
        created_at=now,
        updated_at=now,
    )
