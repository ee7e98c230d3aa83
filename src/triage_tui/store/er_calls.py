"""The weekly ER call's record: one row per call, one per thing done in it.

Each action is committed as it is done, so the record survives leaving the screen, a
restart or a crash; a call stays open until the lead ends it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from triage_tui.domain.er_call import ActionKind, CallAction, ERCall

_CALL_SQL = "SELECT id, started_at, started_by, counts, ended_at FROM er_calls"


class ERCalls:
    """A part of the Cache, over its connection and its write transaction."""

    def __init__(self, conn: sqlite3.Connection, write: Callable[[], AbstractContextManager[Any]]):
        self.conn = conn
        self.write = write

    def _call(self, row: tuple[Any, ...] | None) -> ERCall | None:
        if row is None:
            return None
        actions = [
            CallAction(
                at=datetime.fromisoformat(r[0]),
                author=r[1],
                kind=ActionKind(r[2]),
                text=r[3],
                iid=r[4],
            )
            for r in self.conn.execute(
                "SELECT at, author, kind, text, iid FROM er_actions WHERE call_id = ? ORDER BY id",
                [row[0]],
            )
        ]
        return ERCall(
            id=row[0],
            started_at=datetime.fromisoformat(row[1]),
            started_by=row[2],
            counts_at_start=json.loads(row[3]),
            actions=tuple(actions),
            ended_at=datetime.fromisoformat(row[4]) if row[4] else None,  # truthy: str
        )

    def current(self) -> ERCall | None:
        """The call in progress (started and not ended), if there is one."""
        row = self.conn.execute(
            f"{_CALL_SQL} WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return self._call(row)

    def get(self, call_id: int) -> ERCall | None:
        return self._call(self.conn.execute(f"{_CALL_SQL} WHERE id = ?", [call_id]).fetchone())

    def start(self, *, by: str, at: datetime, counts: dict[str, int]) -> ERCall:
        """Start a call with the agenda's counts as they are now; on a team cache another
        lead may have started one a moment ago: that one is joined instead."""
        with self.write():
            open_row = self.conn.execute(
                f"{_CALL_SQL} WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if open_row is None:
                self.conn.execute(
                    "INSERT INTO er_calls (started_at, started_by, counts) VALUES (?, ?, ?)",
                    [at.isoformat(), by, json.dumps(counts)],
                )
        call = self.current()
        assert call is not None
        return call

    def record(self, call_id: int, action: CallAction) -> None:
        with self.write():
            self.conn.execute(
                "INSERT INTO er_actions (call_id, at, author, kind, text, iid) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    call_id,
                    action.at.isoformat(),
                    action.author,
                    action.kind.value,
                    action.text,
                    action.iid,
                ],
            )

    def end(self, call_id: int, at: datetime) -> None:
        with self.write():
            self.conn.execute(
                "UPDATE er_calls SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                [at.isoformat(), call_id],
            )
