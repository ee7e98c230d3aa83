"""Reading and writing issues, notes and project metadata in the cache."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from triage_tui.domain.accounts import AccountScore, account_id_from_url
from triage_tui.domain.board import BoardKind
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueDetail, IssueState, IssueSummary
from triage_tui.domain.records import LabelInfo, Member, Milestone, Note, RemoteIssue
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_description
from triage_tui.store.part import Part
from triage_tui.store.schema import BOARD_ORDER, board_columns, note_flag, update_last_update

if TYPE_CHECKING:
    import sqlite_utils


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def issue_row(issue: RemoteIssue) -> dict[str, Any]:
    """The cache row for an issue, with the card's fields derived once here."""
    fields = parse_description(issue.description)
    return {
        "iid": issue.iid,
        "id": issue.id,
        "title": issue.title,
        "state": issue.state.value,
        "labels": json.dumps(list(issue.labels)),
        "assignees": json.dumps(list(issue.assignees)),
        "milestone": issue.milestone,
        "milestone_id": issue.milestone_id,
        "due_date": _iso(issue.due_date),
        "description": issue.description,
        "web_url": issue.web_url,
        "created_at": _iso(issue.created_at),
        "updated_at": _iso(issue.updated_at),
        "closed_at": _iso(issue.closed_at),
        "renewal_date": _iso(fields.renewal_date),
        # The team section's TAM only: an assignee is not the TAM because nobody else is
        # (a change here needs schema.ISSUE_RULES bumped, so caches derive it again).
        "tam": fields.team.first(Role.TAM),
        "missing_roles": len(fields.team.missing_roles()),
        "no_leader": int(not fields.team.has_leader),
        "salesforce_id": account_id_from_url(fields.salesforce_url) or "",
        **board_columns(issue.labels),
    }


def issue_from_row(row: dict[str, Any]) -> RemoteIssue:
    """The inverse of issue_row (derived columns are ignored)."""
    return RemoteIssue(
        id=row.get("id") or 0,
        iid=row["iid"],
        title=row.get("title") or "",
        state=IssueState(row.get("state") or "opened"),
        labels=_labels(row.get("labels")),
        assignees=tuple(json.loads(row.get("assignees") or "[]")),
        description=row.get("description") or "",
        web_url=row.get("web_url") or "",
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        milestone=row.get("milestone"),
        milestone_id=row.get("milestone_id"),
        due_date=_date(row.get("due_date")),
        closed_at=_datetime(row.get("closed_at")),
    )


#: A card's columns, its edits waiting, its account's score (through the covering index
#: idx_accounts_card: an index probe per card, ~1 ms per 1,000 cards) and whether its TAM
#: is a member (NULL without a TAM, or with no members cached: then nobody is flagged).
#: Salesforce gives 18-character ids, so one issue finds at most one account. Every
#: issue column is in schema.CARD_COLUMNS: the covering index serves them.
_SUMMARY_SQL = """
SELECT i.iid, i.title, i.state, i.labels, i.renewal_date, i.tam, i.last_update_at,
       i.missing_roles, i.no_leader, i.salesforce_id,
       COALESCE(o.pending, 0) AS pending, COALESCE(o.failed, 0) AS failed,
       a.id15, a.health, a.health_date, a.arr,
       CASE WHEN i.tam IS NULL OR NOT EXISTS (SELECT 1 FROM members) THEN NULL
            ELSE EXISTS (SELECT 1 FROM members m WHERE m.username = i.tam COLLATE NOCASE)
       END AS tam_member,
       i.created_at, i.health_marks
FROM issues i
LEFT JOIN (
    SELECT issue_iid,
           SUM(state = 'pending') AS pending,
           SUM(state IN ('failed', 'conflict')) AS failed
    FROM outbox WHERE state != 'done' GROUP BY issue_iid
) o ON o.issue_iid = i.iid
LEFT JOIN accounts a ON a.id15 = substr(i.salesforce_id, 1, 15) AND i.salesforce_id <> ''
"""


@lru_cache(maxsize=4096)
def _labels(raw: str | None) -> tuple[str, ...]:
    # Thousands of issues share a handful of label sets: decode each set once.
    return tuple(json.loads(raw or "[]"))


_STATES = {state.value: state for state in IssueState}  # a dict look-up, not Enum()'s
_HEALTHS = {health.label: health for health in Health}  # as store.accounts writes them


def _summary(row: tuple[Any, ...]) -> IssueSummary:
    # Positional and inline: this runs once per issue before the board's first paint.
    renewal, updated, scored, created = row[4], row[6], row[14], row[17]
    return IssueSummary(
        row[0],
        row[1] or "",
        _STATES[row[2]],
        _labels(row[3]),
        date.fromisoformat(renewal) if renewal else None,  # truthy: str (ISO text)
        row[5],
        datetime.fromisoformat(updated) if updated else None,  # truthy: str (ISO text)
        row[10],
        row[11],
        row[7] or 0,
        bool(row[8]),
        row[9] or "",
        datetime.fromisoformat(created) if created else None,  # truthy: str (ISO text)
        # The account (row[12], its key, is NULL when none was found): score, date, ARR.
        AccountScore(
            _HEALTHS.get(row[13]),
            date.fromisoformat(scored) if scored else None,  # truthy: str (ISO text)
            row[15],
        )
        if row[12] is not None
        else None,
        bool(row[16]) if row[16] is not None else None,
        row[18] or "",
    )


class IssueTables(Part):
    """The issue-shaped tables (a part of Cache, on its connection)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        write: Callable[[], AbstractContextManager[sqlite_utils.Database]],
        bots: frozenset[str] = frozenset(),
    ) -> None:
        """`bots`: usernames whose notes are no weekly update (domain.weekly.bot_names)."""
        super().__init__(conn, write)
        self.bots = bots

    def upsert_issues(self, issues: Iterable[RemoteIssue], db: sqlite_utils.Database) -> int:
        """Write issues inside the caller's transaction; returns how many."""
        rows = [issue_row(issue) for issue in issues]
        if rows:
            # `alter=False`: the schema is owned by migrations, never by incoming data.
            db.table("issues").upsert_all(rows, pk="iid")
        return len(rows)

    def upsert_notes(self, notes: Iterable[Note], db: sqlite_utils.Database) -> None:
        """Write notes, each flagged whether it is a weekly update (by this cache's bots),
        and their issues' last update from the flagged ones."""
        rows: list[dict[str, Any]] = [
            {
                "id": n.id,
                "issue_iid": n.issue_iid,
                "author": n.author,
                "body": n.body,
                "created_at": _iso(n.created_at),
                "system": int(n.system),
                "is_update": note_flag(n, self.bots),
            }
            for n in notes
        ]
        if not rows:
            return
        db.table("notes").upsert_all(rows, pk="id")
        update_last_update(db, sorted({row["issue_iid"] for row in rows}))

    def replace_project_meta(
        self,
        db: sqlite_utils.Database,
        *,
        labels: Iterable[LabelInfo] | None = None,
        milestones: Iterable[Milestone] | None = None,
        members: Iterable[Member] | None = None,
    ) -> None:
        if labels is not None:
            db.execute("DELETE FROM labels")
            db.table("labels").insert_all(
                ({"name": x.name, "color": x.color, "description": x.description} for x in labels),
                pk="name",
            )
        if milestones is not None:
            db.execute("DELETE FROM milestones")
            db.table("milestones").insert_all(
                (
                    {
                        "id": m.id,
                        "title": m.title,
                        "state": m.state,
                        "start_date": _iso(m.start_date),
                        "due_date": _iso(m.due_date),
                    }
                    for m in milestones
                ),
                pk="id",
            )
        if members is not None:
            db.execute("DELETE FROM members")
            db.table("members").insert_all(
                ({"id": m.id, "username": m.username, "name": m.name} for m in members), pk="id"
            )

    # -- reads ------------------------------------------------------------------------------

    def issue_summaries(
        self, *, include_closed: bool = True, batch: int = 1000
    ) -> Iterator[list[IssueSummary]]:
        """Every issue's summary, `batch` at a time; without the closed ones, which in a
        project some years old are most of them and are off the board unless asked for.
        (1,000, not 5,000: a batch of the card read's wide rows lives until its summaries
        are made, and 5,000 of them cost 4-5 MiB of peak memory at 10,000 issues.)"""
        where = "" if include_closed else " WHERE i.state = 'opened'"
        rows = self.conn.execute(_SUMMARY_SQL + where)
        while chunk := rows.fetchmany(batch):
            yield [_summary(row) for row in chunk]

    def first_screen(
        self, kind: BoardKind, per_column: int
    ) -> tuple[dict[str, int], dict[str, list[IssueSummary]]]:
        """Each board column's count of open issues and its first `per_column` summaries,
        read through the board indexes (schema._v5) without touching the other rows."""
        column = "colour_column" if kind is BoardKind.COLOURS else "region_column"
        page = (
            f"SELECT iid FROM issues WHERE state = 'opened' AND {column} = ? "
            f"ORDER BY {BOARD_ORDER} LIMIT ?"
        )
        # One read transaction: the counts and the cards from one snapshot of the cache.
        self.conn.execute("BEGIN")
        try:
            counts: dict[str, int] = dict(
                self.conn.execute(
                    f"SELECT {column}, COUNT(*) FROM issues WHERE state = 'opened' "
                    f"GROUP BY {column}"
                ).fetchall()
            )
            heads = {
                key: [
                    _summary(row)
                    for row in self.conn.execute(
                        _SUMMARY_SQL + f" WHERE i.iid IN ({page})", [key, per_column]
                    )
                ]
                for key in counts
            }
        finally:
            self.conn.execute("COMMIT")
        return counts, heads

    def issue_summary(self, iid: int) -> IssueSummary | None:
        row = self.conn.execute(_SUMMARY_SQL + " WHERE i.iid = ?", [iid]).fetchone()
        return _summary(row) if row is not None else None

    def issue_detail(self, iid: int) -> IssueDetail | None:
        row = self.conn.execute(_SUMMARY_SQL + " WHERE i.iid = ?", [iid]).fetchone()
        if row is None:
            return None
        extra = self.conn.execute(
            "SELECT description, assignees, milestone, due_date, web_url, created_at, updated_at "
            "FROM issues WHERE iid = ?",
            [iid],
        ).fetchone()
        return IssueDetail.build(
            _summary(row),
            description=extra[0] or "",
            assignees=tuple(json.loads(extra[1] or "[]")),
            milestone=extra[2],
            due_date=_date(extra[3]),
            web_url=extra[4] or "",
            created_at=_datetime(extra[5]),
            updated_at=_datetime(extra[6]),
            members=[r[0] for r in self.conn.execute("SELECT username FROM members")],
        )

    def notes_for(self, iid: int) -> list[Note]:
        rows = self.conn.execute(
            "SELECT id, issue_iid, author, body, created_at, system FROM notes "
            "WHERE issue_iid = ? ORDER BY created_at DESC, id DESC",
            [iid],
        )
        return [
            Note(
                id=r[0],
                issue_iid=r[1],
                author=r[2],
                body=r[3],
                created_at=datetime.fromisoformat(r[4]),
                system=bool(r[5]),
            )
            for r in rows
        ]

    def draft(self, iid: int, author: str) -> str:
        row = self.conn.execute(
            "SELECT body FROM drafts WHERE issue_iid = ? AND author = ?", [iid, author]
        ).fetchone()
        return str(row[0]) if row else ""

    def save_draft(self, iid: int, author: str, body: str, now: datetime) -> None:
        """Keep (or, when empty, forget) a person's unsent weekly update."""
        with self.write():
            if body.strip():
                self.conn.execute(
                    "INSERT OR REPLACE INTO drafts (issue_iid, author, body, updated_at) "
                    "VALUES (?, ?, ?, ?)",
                    [iid, author, body, now.isoformat()],
                )
            else:
                self.conn.execute(
                    "DELETE FROM drafts WHERE issue_iid = ? AND author = ?", [iid, author]
                )

    def issue_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0])

    def members(self) -> list[Member]:
        rows = self.conn.execute("SELECT id, username, name FROM members ORDER BY username")
        return [Member(id=r[0], username=r[1], name=r[2] or "") for r in rows]

    def labels(self) -> list[LabelInfo]:
        rows = self.conn.execute("SELECT name, color, description FROM labels ORDER BY name")
        return [LabelInfo(name=r[0], color=r[1] or "", description=r[2] or "") for r in rows]

    def milestones(self) -> list[Milestone]:
        rows = self.conn.execute(
            "SELECT id, title, state, start_date, due_date FROM milestones ORDER BY due_date"
        )
        return [
            Milestone(
                id=r[0],
                title=r[1],
                state=r[2] or "active",
                start_date=_date(r[3]),
                due_date=_date(r[4]),
            )
            for r in rows
        ]
