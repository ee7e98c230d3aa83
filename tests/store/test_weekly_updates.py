"""The cache flags each note that is a weekly update and reads an issue's last update from
the flagged ones only; a change of the configured bots flags every note again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TODAY
from tests.domain.factories import FAST
from triage_tui.config import Settings
from triage_tui.domain.edit import MARKER
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import Note, RemoteIssue
from triage_tui.domain.weekly import bot_names, counts_as_update
from triage_tui.services import TriageService
from triage_tui.store import Cache
from triage_tui.store.issues import _SUMMARY_SQL
from triage_tui.store.schema import CARD_COLUMNS

OPENED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
MOVE = f"**Health Red → Amber**\n\nChampion is back.\n\n{MARKER.format(uid='a1')}"


def issue(iid: int = 1) -> RemoteIssue:
    return RemoteIssue(
        id=iid + 100,
        iid=iid,
        title=f"Account {iid}",
        state=IssueState.OPENED,
        labels=("Red",),
        assignees=(),
        description="",
        web_url="",
        created_at=OPENED,
        updated_at=OPENED,
    )


def note(
    id_: int, days: int, author: str = "liam", body: str = "Exec call done.", system: bool = False
) -> Note:
    return Note(id_, 1, author, body, OPENED + timedelta(days=days), system)


#: A person's update on day 2, then only what is no weekly update.
NOTES = [
    note(1, 2),
    note(2, 3, author="renovate"),
    note(3, 4, author="project_42_bot_5f3a9c"),
    note(4, 5, body=MOVE),
    note(5, 6, body="changed the description", system=True),
]


def filled(cache: Cache, notes: list[Note]) -> Cache:
    with cache.write() as db:
        cache.upsert_issues([issue()], db)
        cache.upsert_notes(notes, db)
    return cache


def last_update(cache: Cache) -> datetime | None:
    (summary,) = next(cache.issue_summaries())
    return summary.last_update_at


def test_only_weekly_updates_set_the_last_update() -> None:
    """Failed before: any non-system note (a bot's, the app's health move) was the last update."""
    cache = filled(Cache.memory(bots=["Renovate"]), NOTES)
    assert last_update(cache) == OPENED + timedelta(days=2)


def test_an_issue_with_no_weekly_update_has_none() -> None:
    cache = filled(Cache.memory(bots=["renovate"]), NOTES[1:])
    assert last_update(cache) is None


def test_the_summary_carries_when_the_issue_was_opened() -> None:
    """Failed before: summaries had no created_at, so the weekly clock could not start there."""
    (summary,) = next(filled(Cache.memory(), []).issue_summaries())
    assert summary.created_at == OPENED


authors = st.sampled_from(["liam", "Renovate", "renovate", "project_7_bot3", "group_9_bot_ab12"])
bodies = st.sampled_from(["Exec call done.", MOVE, "**Health Red → Amber**\n\nBy hand."])


@FAST
@given(
    st.lists(st.tuples(authors, bodies, st.booleans(), st.integers(0, 30)), min_size=0, max_size=8),
    st.lists(st.sampled_from(["renovate", "liam", "nobody"]), max_size=2),
)
def test_the_last_update_is_the_newest_note_the_domain_counts(
    drawn: list[tuple[str, str, bool, int]], configured: list[str]
) -> None:
    notes = [
        note(n, days, author=author, body=body, system=system)
        for n, (author, body, system, days) in enumerate(drawn, start=1)
    ]
    bots = bot_names(configured)
    cache = filled(Cache.memory(bots=configured), notes)
    counted = [n.created_at for n in notes if counts_as_update(n, bots)]
    assert last_update(cache) == (max(counted) if counted else None)


def test_the_flags_follow_the_configured_bots(tmp_path: Path) -> None:
    """Failed before: notes had no flag, and no configuration of bots existed to follow."""
    path = tmp_path / "cache.db"
    filled(Cache.open(path, create=True), NOTES).close()
    for bots, expected in [
        ((), 3),  # renovate is a person until configured
        (("renovate",), 2),
        (("@RENOVATE", "other"), 2),
        ((), 3),  # and again once it is no longer listed
    ]:
        cache = Cache.open(path, bots=bots)
        assert last_update(cache) == OPENED + timedelta(days=expected), bots
        cache.close()


def test_the_service_opens_the_cache_with_the_configured_bots(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    filled(Cache.open(path, create=True), NOTES).close()
    settings = Settings(cache_path=path, bots=("renovate",))
    service = TriageService(path, settings=settings, today=lambda: TODAY)
    (card,) = service.cards()
    assert card.summary.last_update_at == OPENED + timedelta(days=2)
    service.close()


def test_a_cache_of_schema_6_gets_flags_and_the_card_index_with_created_at(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.db"
    filled(Cache.open(path, create=True), NOTES).close()
    # Back to schema 6: no flags, the card index without created_at, last update the
    # newest non-system note (the app's health move of day 5 here).
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE notes DROP COLUMN is_update; DROP TABLE er_actions; DROP TABLE er_calls;"
        "DROP INDEX idx_accounts_card; DROP INDEX idx_members_username;"
        "ALTER TABLE accounts DROP COLUMN id15;"
        "DROP INDEX idx_issues_card;"
        "DROP TABLE health_history; ALTER TABLE issues DROP COLUMN health_marks;"
        "CREATE INDEX idx_issues_card ON issues (state, iid, title, labels, renewal_date, tam, "
        "last_update_at, missing_roles, no_leader, salesforce_id);"
        f"UPDATE issues SET last_update_at = '{(OPENED + timedelta(days=5)).isoformat()}';"
        "DELETE FROM meta WHERE key = 'update_rules';"
        "PRAGMA user_version = 6;"
    )
    conn.close()
    cache = Cache.open(path, bots=["renovate"])
    assert last_update(cache) == OPENED + timedelta(days=2)
    columns = [r[2] for r in cache.conn.execute("PRAGMA index_info(idx_issues_card)")]
    assert columns == ["state", *(c.strip() for c in CARD_COLUMNS.split(","))]
    assert "created_at" in columns


def test_the_card_index_of_a_new_cache_holds_every_card_column() -> None:
    """The last migration that builds idx_issues_card builds it with CARD_COLUMNS."""
    cache = Cache.memory()
    columns = [r[2] for r in cache.conn.execute("PRAGMA index_info(idx_issues_card)")]
    assert columns == ["state", *(c.strip() for c in CARD_COLUMNS.split(","))]


def test_cards_are_read_from_the_covering_index_alone() -> None:
    """A guard (it held before too): a card column the index lacks would read every row."""
    cache = Cache.memory()
    plan = " ".join(
        str(row[3])
        for row in cache.conn.execute(
            "EXPLAIN QUERY PLAN " + _SUMMARY_SQL + " WHERE i.state = 'opened'"
        )
    )
    assert "USING COVERING INDEX idx_issues_card" in plan
