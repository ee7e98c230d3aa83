"""The health_history table (schema 10): round trip, replacement, the card's compact form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from triage_tui.domain.health import Health
from triage_tui.domain.history import UNKNOWN, HealthChange
from triage_tui.domain.issue import IssueState, make_card
from triage_tui.domain.records import Note, RemoteIssue
from triage_tui.store import Cache
from triage_tui.store.schema import SCHEMA_VERSION

TODAY = date(2026, 11, 24)
OPENED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def issue(iid: int) -> RemoteIssue:
    return RemoteIssue(
        id=iid + 100,
        iid=iid,
        title=f"Account {iid}",
        state=IssueState.OPENED,
        labels=("Amber",),
        assignees=(),
        description="",
        web_url="",
        created_at=OPENED,
        updated_at=OPENED,
    )


HISTORY = (
    HealthChange(OPENED, Health.GREEN, "alice"),
    HealthChange(OPENED + timedelta(days=20), Health.YELLOW, "bob", "Neutral NPS"),
    HealthChange(OPENED + timedelta(days=40), Health.RED, "carol", "Told us they cancel"),
    HealthChange(OPENED + timedelta(days=47), Health.AMBER, "dave", None),
    HealthChange(OPENED + timedelta(days=50), None, "erin"),
)


def test_the_migration_is_number_ten() -> None:
    assert SCHEMA_VERSION == 10
    cache = Cache.memory()
    columns = {row[1] for row in cache.conn.execute("PRAGMA table_info(health_history)")}
    assert columns == {"iid", "at", "health", "author", "reason"}


def test_round_trip_newest_first_and_offline(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    cache = Cache.open(path, create=True)
    cache.store_issues([issue(1), issue(2)])
    cache.store_health_history({1: HISTORY, 2: ()})
    cache.close()
    again = Cache.open(path)  # another connection, nothing but the file
    assert again.health_history(1) == list(reversed(HISTORY))
    assert again.health_history(2) == []
    assert again.health_history(3) == []


def test_a_new_read_replaces_the_history_and_the_issue_going_drops_it() -> None:
    cache = Cache.memory()
    cache.store_issues([issue(1), issue(2)])
    cache.store_health_history({1: HISTORY, 2: HISTORY[:1]})
    cache.store_health_history({1: HISTORY[:2]})
    assert cache.health_history(1) == list(reversed(HISTORY[:2]))
    assert cache.health_history(2) == [HISTORY[0]]
    cache.remove_issues_except({1})
    assert cache.conn.execute("SELECT COUNT(*) FROM health_history WHERE iid = 2").fetchone() == (
        0,
    )


def test_text_is_cleaned_in_the_store_too() -> None:
    cache = Cache.memory()
    cache.store_issues([issue(1)])
    hostile = HealthChange(OPENED, Health.RED, "x\x1b[31my", "a\nb\x07c\u202e")
    cache.store_health_history({1: (hostile,)})
    (read,) = cache.health_history(1)
    assert (read.author, read.reason) == ("xy", "a bc")


def test_the_card_read_carries_the_trend_in_one_query() -> None:
    cache = Cache.memory()
    cache.store_issues([issue(1), issue(2)])
    cache.store_health_history({1: HISTORY})
    summaries = {s.iid: s for batch in cache.issue_summaries() for s in batch}
    card = make_card(summaries[1], TODAY)
    # Weeks ending Oct 20, 27, Nov 3, 10, 17, 24: Green until the 21st, Yellow, then Red
    # on Nov 10, Amber on the 17th, no health from the 20th.
    assert card.trend == (
        Health.GREEN,
        Health.YELLOW,
        Health.YELLOW,
        Health.RED,
        Health.AMBER,
        None,
    )
    # No history read yet: no trend (not six unknown weeks).
    assert make_card(summaries[2], TODAY).trend == ()
    # One read before any event: every week unknown but the last.
    early = make_card(summaries[1], date(2026, 10, 1))
    assert early.trend == (UNKNOWN,) * 5 + (Health.GREEN,)


def test_reason_notes_are_the_health_move_notes() -> None:
    cache = Cache.memory()
    cache.store_issues([issue(1)])
    move = Note(1, 1, "alice", "**Health Red → Amber**\n\nBack on track.", OPENED)
    other = Note(2, 1, "alice", "Weekly update", OPENED)
    cache.store_notes([move, other])
    assert cache.reason_notes([1, 5]) == {1: [move]}
