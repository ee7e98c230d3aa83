"""Each issue's health history (schema._v10): the rows for the detail pane, and the
compact form on the issue row that the card read carries (domain.history)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from triage_tui.domain.health import Health
from triage_tui.domain.history import HealthChange, history_marks
from triage_tui.domain.records import Note
from triage_tui.domain.text import clean_line
from triage_tui.store.part import Part

if TYPE_CHECKING:
    import sqlite_utils

_HEALTHS = {health.label: health for health in Health}
#: SQLite takes this many variables in one statement at least (older builds: 999).
_CHUNK = 500


class HistoryTables(Part):
    """The health_history table (a part of Cache)."""

    def replace_health_history(
        self, db: sqlite_utils.Database, histories: dict[int, tuple[HealthChange, ...]]
    ) -> None:
        """Inside the caller's transaction: each issue's history replaced (GitLab sends an
        issue's whole list of label events, so what is read is the whole history), and
        its compact form written on its row. Text is cleaned again here: the store never
        trusts that a caller did."""
        iids = [(iid,) for iid in histories]
        self.conn.executemany("DELETE FROM health_history WHERE iid = ?", iids)
        rows = [
            (
                iid,
                change.at.isoformat(),
                change.health.label if change.health is not None else None,
                clean_line(change.author),
                clean_line(change.reason) if change.reason is not None else None,
            )
            for iid, changes in histories.items()
            for change in changes
        ]
        self.conn.executemany(
            "INSERT INTO health_history (iid, at, health, author, reason) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.executemany(
            "UPDATE issues SET health_marks = ? WHERE iid = ?",
            [(history_marks(changes), iid) for iid, changes in histories.items()],
        )

    def store_health_history(self, histories: dict[int, tuple[HealthChange, ...]]) -> None:
        """The sync engine's sink: one write transaction for the batch."""
        if not histories:
            return
        with self.write() as db:
            self.replace_health_history(db, histories)

    def health_history(self, iid: int) -> list[HealthChange]:
        """The issue's health changes, newest first (from the cache only: works offline)."""
        rows = self.conn.execute(
            "SELECT at, health, author, reason FROM health_history WHERE iid = ? "
            "ORDER BY at DESC, rowid DESC",
            [iid],
        )
        return [
            HealthChange(
                datetime.fromisoformat(at),
                _HEALTHS.get(health) if health is not None else None,
                author or "",
                reason,
            )
            for at, health, author, reason in rows
        ]

    def reason_notes(self, iids: list[int]) -> dict[int, list[Note]]:
        """The cached notes of `iids` that may be a health move's record (their first line
        opens "**Health "): what domain.history matches label changes' reasons from."""
        found: dict[int, list[Note]] = {}
        for start in range(0, len(iids), _CHUNK):
            chunk = iids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT id, issue_iid, author, body, created_at, system FROM notes "
                f"WHERE issue_iid IN ({marks}) AND system = 0 AND body LIKE '**Health %'",
                chunk,
            )
            for id_, iid, author, body, created, system in rows:
                found.setdefault(iid, []).append(
                    Note(
                        id_,
                        iid,
                        author or "",
                        body or "",
                        datetime.fromisoformat(created),
                        bool(system),
                    )
                )
        return found
