"""Schema migrations, tracked in SQLite's user_version.

Each migration moves the schema one version up and only ever adds, so a cache
written by an older triage-tui opens in a newer one. A cache from a newer
version is refused rather than touched (see Cache.open).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from triage_tui.domain.board import BoardKind, column_key
from triage_tui.domain.labels import read_label_set
from triage_tui.domain.records import Note
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_description
from triage_tui.domain.weekly import UPDATE_RULES, counts_as_update

if TYPE_CHECKING:
    import sqlite_utils


def _v1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("issues").create(
        {
            "iid": int,
            "id": int,
            "title": str,
            "state": str,
            "labels": str,  # JSON list of names
            "assignees": str,  # JSON list of usernames
            "milestone": str,
            "milestone_id": int,
            "due_date": str,
            "description": str,
            "web_url": str,
            "created_at": str,
            "updated_at": str,
            "closed_at": str,
            # Derived from the description when written, so the board never parses 10k descriptions.
            "renewal_date": str,
            "tam": str,
            "missing_roles": int,
            # Newest non-system note: the last weekly update (since _v7: newest weekly update).
            "last_update_at": str,
        },
        pk="iid",
    )
    db.table("notes").create(
        {"id": int, "issue_iid": int, "author": str, "body": str, "created_at": str, "system": int},
        pk="id",
    )
    db.table("notes").create_index(["issue_iid", "created_at"])
    db.table("labels").create({"name": str, "color": str, "description": str}, pk="name")
    db.table("milestones").create(
        {"id": int, "title": str, "state": str, "start_date": str, "due_date": str}, pk="id"
    )
    db.table("members").create({"id": int, "username": str, "name": str}, pk="id")
    db.table("accounts").create(
        {
            "id": str,
            "name": str,
            "health": str,
            "health_date": str,
            "health_reasons": str,
            "renewal_date": str,
            "arr": float,
            "region": str,
            "owner": str,
            "tam": str,
            "url": str,
        },
        pk="id",
    )
    db.table("outbox").create(
        {
            "id": int,
            "issue_iid": int,
            "kind": str,
            "payload": str,  # JSON: what to change
            "base": str,  # JSON: what the person saw, checked against the server before pushing
            "created_at": str,
            "author": str,
            "state": str,  # pending | failed | done
            "error": str,
            "attempts": int,
        },
        pk="id",
    )
    db.table("outbox").create_index(["state", "id"])


def _v2(db: sqlite_utils.Database) -> None:
    # The outbox learns idempotency (uid, also written into what GitLab stores) and keeps
    # GitLab's version of an issue when a push finds a conflict.
    db.table("outbox").add_column("uid", str)
    db.table("outbox").add_column("remote", str)  # JSON issue row: GitLab's side of a conflict
    db.table("outbox").create_index(["issue_iid", "state"])
    # GitLab's own version of each issue that has edits waiting (the issues table shows the
    # edits applied), so discarding an edit restores exactly what GitLab has.
    db.table("shadow").create({"iid": int, "issue": str}, pk="iid")


def _v3(db: sqlite_utils.Database) -> None:
    # A Red account must have a TAM leader or CS director (rule 1): flagged loudly on its card.
    db.table("issues").add_column("no_leader", int)
    # Weekly updates being written, per person, kept across closing the pane and restarts.
    db.table("drafts").create(
        {"issue_iid": int, "author": str, "body": str, "updated_at": str},
        pk=("issue_iid", "author"),
    )


def _v4(db: sqlite_utils.Database) -> None:
    # Issues point at their Salesforce account (from the template's URL); accounts keep
    # Salesforce's LastModifiedDate, sent back on a write against lost updates.
    db.table("issues").add_column("salesforce_id", str)
    db.table("accounts").add_column("last_modified", str)


def board_columns(labels: list[str] | tuple[str, ...]) -> dict[str, object]:
    """The derived columns the board's first screen is read by (see `_v5`)."""
    reading = read_label_set(tuple(labels))  # (a sync writes 10,000 rows of few label sets)
    return {
        "colour_column": column_key(reading, BoardKind.COLOURS),
        "region_column": column_key(reading, BoardKind.REGION),
        "is_new": int(reading.is_new),
    }


#: Which rules of domain.labels and domain.board the stored board columns were derived
#: by. Bump it when those rules change where labels put an issue: a cache then derives
#: its columns again when it is opened (tests/store/test_first_screen.py fingerprints the
#: rules and fails until this is bumped).
BOARD_RULES = "1"


def derive_board_columns(db: sqlite_utils.Database) -> None:
    """Derive every issue's board columns from its labels (in the caller's transaction)."""
    rows = db.execute("SELECT iid, labels FROM issues").fetchall()
    derived = ((board_columns(json.loads(labels or "[]")), iid) for iid, labels in rows)
    db.conn.executemany(
        "UPDATE issues SET colour_column = ?, region_column = ?, is_new = ? WHERE iid = ?",
        ([d["colour_column"], d["region_column"], d["is_new"], iid] for d, iid in derived),
    )
    db.table("meta").upsert({"key": "board_rules", "value": BOARD_RULES}, pk="key")


#: Which rules the issue columns derived from the description (store.issues.issue_row)
#: follow. "2": a team section with no TAM means no TAM; under "1" the first assignee was
#: taken for one, and a card showed someone the team never named. A cache opened with
#: older rules derives again what changed (`derive_issue_columns`).
ISSUE_RULES = "2"


def derive_issue_columns(db: sqlite_utils.Database) -> None:
    """Bring rows derived by older ISSUE_RULES up to date (in the caller's transaction).

    From "1": only a row whose TAM is its first assignee can have been guessed, so only
    those rows' descriptions are read again (not every description of the cache)."""
    rows = db.execute(
        "SELECT iid, description FROM issues "
        "WHERE tam IS NOT NULL AND tam = json_extract(assignees, '$[0]')"
    ).fetchall()
    db.conn.executemany(
        "UPDATE issues SET tam = ? WHERE iid = ?",
        ((parse_description(text or "").team.first(Role.TAM), iid) for iid, text in rows),
    )
    db.table("meta").upsert({"key": "issue_rules", "value": ISSUE_RULES}, pk="key")


#: The board's order (domain.board._order: ~New first, nearest renewal, oldest issue) as
#: an index key, so each column's first cards are read without sorting the column.
BOARD_ORDER = "is_new DESC, renewal_date IS NULL, renewal_date, iid"


def _v5(db: sqlite_utils.Database) -> None:
    # A big board paints its first screen before reading every card: each column's count
    # and first cards come from these indexes (store.issues.IssueTables.first_screen).
    issues = db.table("issues")
    for name in ("colour_column", "region_column"):
        issues.add_column(name, str)
    issues.add_column("is_new", int)
    derive_board_columns(db)
    for name in ("colour_column", "region_column"):
        db.execute(f"CREATE INDEX idx_issues_{name} ON issues (state, {name}, {BOARD_ORDER})")


def _v6(db: sqlite_utils.Database) -> None:
    # Every card of the board read from an index that holds all a card needs: the table's
    # rows put these columns after the description, and reading past a long description
    # walks its overflow pages (42,680 cards: 0.18 s of SQLite, 0.08 s with this index).
    # (The columns as they were then: `_v7` rebuilds the index with created_at.)
    columns = (
        "iid, title, labels, renewal_date, tam, last_update_at, missing_roles, no_leader, "
        "salesforce_id"
    )
    db.execute(f"CREATE INDEX idx_issues_card ON issues (state, {columns})")


#: What a card reads of an issue (store.issues._SUMMARY_SQL): the covering index
#: idx_issues_card holds them all. Changing them needs a migration that rebuilds it
#: with its own copy of the list (tests/store/test_weekly_updates.py checks they agree).
CARD_COLUMNS = (
    "iid, title, labels, renewal_date, tam, last_update_at, missing_roles, no_leader, "
    "salesforce_id, created_at, health_marks"
)

#: The newest weekly update of each issue in `iids` (every issue when `iids` is None)
#: from the notes flagged as one (see `derive_update_flags`).
_LAST_UPDATE_SQL = """UPDATE issues SET last_update_at = (
    SELECT MAX(created_at) FROM notes WHERE notes.issue_iid = issues.iid AND notes.is_update = 1)"""


def update_last_update(db: sqlite_utils.Database, iids: list[int] | None = None) -> None:
    """Set issues' last_update_at from their notes flagged as weekly updates."""
    if iids is None:
        db.execute(_LAST_UPDATE_SQL)
        return
    for start in range(0, len(iids), 500):  # (SQLite takes only so many variables)
        chunk = iids[start : start + 500]
        db.execute(_LAST_UPDATE_SQL + f" WHERE iid IN ({','.join('?' * len(chunk))})", chunk)


def update_rules(bots: frozenset[str]) -> str:
    """What the stored note flags were derived by: the rule's version and the bots."""
    return f"{UPDATE_RULES} {json.dumps(sorted(bots))}"


def note_flag(note: Note, bots: frozenset[str]) -> int:
    """The stored `notes.is_update` of a note."""
    return int(counts_as_update(note, bots))


def derive_update_flags(db: sqlite_utils.Database, bots: frozenset[str]) -> None:
    """Flag every note that is a weekly update, and set each issue's last update from the
    flags (in the caller's transaction). Run when the rule or the configured bots changed."""
    rows = db.execute("SELECT id, issue_iid, author, body, created_at, system FROM notes")
    flags = [
        (note_flag(Note(r[0], r[1], r[2] or "", r[3] or "", _moment(r[4]), bool(r[5])), bots), r[0])
        for r in rows.fetchall()
    ]
    # Only the flags that change: a cache of 10,000 issues holds some 100,000 notes.
    db.conn.executemany(
        "UPDATE notes SET is_update = ? WHERE id = ? AND is_update IS NOT ?",
        [(flag, id_, flag) for flag, id_ in flags],
    )
    update_last_update(db)
    db.table("meta").upsert({"key": "update_rules", "value": update_rules(bots)}, pk="key")


def _moment(text: str | None) -> datetime:
    # (Not read by the rule; a note always has its time, this keeps a broken row harmless.)
    return datetime.fromisoformat(text) if text else datetime(1970, 1, 1, tzinfo=UTC)


def _v7(db: sqlite_utils.Database) -> None:
    # The weekly clock starts when an issue is opened, so a card reads its created_at:
    # the covering card index is rebuilt with it. And a note restarts the clock only when
    # it is a weekly update (domain.weekly.counts_as_update), flagged per note when
    # stored; last_update_at is derived from the flagged notes only. The configured bots
    # are not known here: Cache.open derives the flags again when they are (update_rules).
    db.execute("DROP INDEX IF EXISTS idx_issues_card")
    db.table("notes").add_column("is_update", int)
    derive_update_flags(db, frozenset())
    # After the derivation, which rewrites every issue's last_update_at. The columns as
    # of this version, not CARD_COLUMNS: a later migration may add one this one lacks.
    columns = (
        "iid, title, labels, renewal_date, tam, last_update_at, missing_roles, no_leader, "
        "salesforce_id, created_at"
    )
    db.execute(f"CREATE INDEX idx_issues_card ON issues (state, {columns})")


def _v8(db: sqlite_utils.Database) -> None:
    # The weekly ER call as a record (store.er_calls): counts at its start, every action.
    db.table("er_calls").create(
        {"id": int, "started_at": str, "started_by": str, "counts": str, "ended_at": str},
        pk="id",
    )
    db.table("er_actions").create(
        {
            "id": int,
            "call_id": int,
            "at": str,
            "author": str,
            "kind": str,
            "text": str,
            "iid": int,  # the issue's number: a new issue's moves to its real one when created
        },
        pk="id",
        foreign_keys=[("call_id", "er_calls", "id")],
    )
    db.table("er_actions").create_index(["call_id", "id"])


#: What a card reads of its account (store.issues._SUMMARY_SQL), after the key it is
#: found by: the first 15 characters of its id, which 15- and 18-character ids share.
ACCOUNT_CARD_COLUMNS = "id15, health, health_date, arr"


def _v9(db: sqlite_utils.Database) -> None:
    # Self-contained (it needs nothing of another migration, so it may be renumbered when
    # branches merge). Cards show their account's Salesforce score, its date and ARR: the
    # card read joins each issue to its account through an index holding all it reads
    # (the account row itself has the reasons, which grow, before ARR). And the card
    # says whether its TAM is a member of the project, looked up without case, as GitLab
    # compares usernames.
    db.table("accounts").add_column("id15", str)
    db.execute("UPDATE accounts SET id15 = substr(id, 1, 15)")
    db.execute(f"CREATE INDEX idx_accounts_card ON accounts ({ACCOUNT_CARD_COLUMNS})")
    db.execute("CREATE INDEX idx_members_username ON members (username COLLATE NOCASE)")


def _v10(db: sqlite_utils.Database) -> None:
    # Self-contained, like _v9 (it may be renumbered when branches merge). Each issue's
    # health history (store.history), from GitLab's label events: one row per change,
    # newest read first for the detail pane. And its compact form on the issue row
    # (domain.history.history_marks), so the card read carries the trend without a
    # second query; NULL until the issue's label events have been read.
    db.table("health_history").create(
        {"iid": int, "at": str, "health": str, "author": str, "reason": str},
    )
    db.table("health_history").create_index(["iid", "at"])
    db.table("issues").add_column("health_marks", str)
    # The covering card index, rebuilt with it (the columns as of this version).
    db.execute("DROP INDEX IF EXISTS idx_issues_card")
    columns = (
        "iid, title, labels, renewal_date, tam, last_update_at, missing_roles, no_leader, "
        "salesforce_id, created_at, health_marks"
    )
    db.execute(f"CREATE INDEX idx_issues_card ON issues (state, {columns})")


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _v8,
    _v9,
    _v10,
)
SCHEMA_VERSION = len(MIGRATIONS)
