"""The board's first screen, read through the cache's board indexes, is the full board cut
short: the same columns, the same counts and the same first cards in the same order."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import TODAY
from triage_tui.domain.board import BoardKind, build_board
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import RemoteIssue
from triage_tui.domain.template import TemplateFields, render_description
from triage_tui.services import TriageService
from triage_tui.store import Cache
from triage_tui.store.schema import BOARD_RULES, board_columns

#: Every family the board sorts by, with casing and a label that means nothing to it.
LABELS = ["Red", "Amber", "yellow", "Green", "US-WEST", "EMEA", "apac", "New", "E&A", "VIP"]
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def issues(draw: st.DrawFn) -> list[RemoteIssue]:
    count = draw(st.integers(0, 40))
    found: list[RemoteIssue] = []
    for iid in draw(st.lists(st.integers(1, 500), min_size=count, max_size=count, unique=True)):
        # Few distinct renewal dates, so ties (broken by iid) are common.
        renewal = draw(st.none() | st.integers(-3, 3).map(lambda d: TODAY + timedelta(days=d)))
        found.append(
            RemoteIssue(
                id=iid + 1000,
                iid=iid,
                title=f"Account {iid}",
                state=draw(st.sampled_from(IssueState)),
                labels=tuple(draw(st.lists(st.sampled_from(LABELS), max_size=4))),
                assignees=(),
                description=render_description(TemplateFields(renewal_date=renewal)),
                web_url="",
                created_at=WHEN,
                updated_at=WHEN,
            )
        )
    return found


def cache_with(path: Path, found: list[RemoteIssue]) -> TriageService:
    path.unlink(missing_ok=True)
    cache = Cache.open(path, create=True)
    with cache.write() as db:
        cache.upsert_issues(found, db)
    cache.close()
    return TriageService(path, today=lambda: TODAY)


@settings(max_examples=60, deadline=None)
@given(issues(), st.sampled_from(BoardKind), st.integers(1, 5))
def test_first_screen_is_the_board_cut_short(
    tmp_path_factory: object, found: list[RemoteIssue], kind: BoardKind, per_column: int
) -> None:
    path = tmp_path_factory.mktemp("first") / "cache.db"  # type: ignore[attr-defined]
    service = cache_with(path, found)
    first = service.first_screen(kind, per_column)
    whole = build_board(service.cards(include_closed=False), kind)
    assert [c.key for c in first.columns] == [c.key for c in whole.columns]
    assert first.total == whole.total
    for head, column in zip(first.columns, whole.columns, strict=True):
        assert head.count == len(column.cards)
        assert head.cards == column.cards[:per_column]
        assert head.complete == (len(column.cards) <= per_column)


def test_a_cache_from_before_the_board_indexes_gets_them(tmp_path: Path) -> None:
    """A cache written by the version before (schema 4) is migrated: its issues get their
    board columns from their labels, so its first screen is right at once."""
    path = tmp_path / "old.db"
    cache_with(path, [])
    cache = Cache.open(path)
    with cache.write() as db:
        cache.upsert_issues(
            [
                RemoteIssue(1, 1, "a", IssueState.OPENED, ("Red", "New"), (), "", "", WHEN, WHEN),
                RemoteIssue(2, 2, "b", IssueState.OPENED, ("Red", "Green"), (), "", "", WHEN, WHEN),
            ],
            db,
        )
    cache.close()
    # Back to schema 4: no board columns, no board indexes, nor what came after.
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX idx_issues_colour_column; DROP INDEX idx_issues_region_column;"
        "DROP INDEX idx_issues_card; DROP TABLE er_actions; DROP TABLE er_calls;"
        "DROP INDEX idx_accounts_card; DROP INDEX idx_members_username;"
        "ALTER TABLE accounts DROP COLUMN id15;"
        "ALTER TABLE issues DROP COLUMN colour_column;"
        "ALTER TABLE issues DROP COLUMN region_column;"
        "ALTER TABLE issues DROP COLUMN is_new;"
        "ALTER TABLE notes DROP COLUMN is_update;"  # (schema 7's)
        "DROP TABLE health_history; ALTER TABLE issues DROP COLUMN health_marks;"  # (10's)
        "PRAGMA user_version = 4;"
    )
    conn.close()
    first = TriageService(path, today=lambda: TODAY).first_screen(BoardKind.COLOURS, 5)
    assert [(c.key, [card.iid for card in c.cards]) for c in first.columns] == [
        ("Red", [1]),
        ("Amber", []),
        ("Yellow", []),
        ("Green", []),
        ("Data problem", [2]),
    ]
    assert first.columns[0].cards[0].is_new


#: Label sets the fingerprint reads: every family, casings, scoped and unknown labels.
VOCABULARY = [
    "Red", "amber", "YELLOW", "Green", "Health::Red", "US-WEST", "us-east", "EMEA", "APAC",
    "LATAM", "Region::EMEA", "New", "~New", "new", "E&A", "U&U", "VIP", "Red ",
]  # fmt: skip
#: The fingerprint of the rules the stored board columns follow (schema.BOARD_RULES).
RULES_FINGERPRINT = "fcc11823626afc5f"


def test_the_stored_board_columns_follow_the_rules_they_were_derived_by() -> None:
    """Where labels put an issue is stored (schema._v5). If that changes, the caches must
    derive their columns again: bump schema.BOARD_RULES, then record the new fingerprint."""
    sets = [(a, b, c) for a in VOCABULARY for b in VOCABULARY for c in ("", "New", "APAC")]
    placed = json.dumps([board_columns([x for x in s if x]) for s in sets], sort_keys=True)
    fingerprint = hashlib.sha256(placed.encode()).hexdigest()[:16]
    assert (BOARD_RULES, fingerprint) == ("1", RULES_FINGERPRINT), (
        "the label rules changed where an issue goes on the board: bump "
        f"store.schema.BOARD_RULES and set RULES_FINGERPRINT = {fingerprint!r} here"
    )


def test_a_cache_derived_by_older_rules_derives_its_columns_again(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    cache_with(path, [RemoteIssue(1, 1, "a", IssueState.OPENED, ("Red",), (), "", "", WHEN, WHEN)])
    conn = sqlite3.connect(path)
    conn.executescript(
        "UPDATE issues SET colour_column = 'Green';"
        "UPDATE meta SET value = '0' WHERE key = 'board_rules';"
    )
    conn.commit()
    conn.close()
    first = TriageService(path, today=lambda: TODAY).first_screen(BoardKind.COLOURS, 5)
    assert [c.iid for c in first.columns[0].cards] == [1]  # Red again, not Green
