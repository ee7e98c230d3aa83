"""What the cache derives into a card's columns: the TAM (the team section's, never an
assignee taken for one), and what caches derived by older rules become when opened."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import TODAY
from triage_tui.domain.board import BoardKind
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import RemoteIssue
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import TemplateFields, render_description
from triage_tui.services import TriageService
from triage_tui.store import Cache
from triage_tui.store.issues import issue_row
from triage_tui.store.schema import ISSUE_RULES

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
PEOPLE = st.sampled_from(["alice", "bob", "chen", "dana"])


def issue(iid: int, team: TriageTeam, assignees: tuple[str, ...] = ()) -> RemoteIssue:
    description = render_description(TemplateFields(reason="why", team=team))
    return RemoteIssue(
        iid, iid, f"Account {iid}", IssueState.OPENED, ("Red",), assignees, description,
        "", WHEN, WHEN,
    )  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    tam=st.none() | PEOPLE,
    owner=st.none() | PEOPLE,
    assignees=st.lists(PEOPLE, max_size=3, unique=True).map(tuple),
)
def test_the_tam_is_the_team_sections_and_nobody_else(
    tam: str | None, owner: str | None, assignees: tuple[str, ...]
) -> None:
    """An empty TAM role is no TAM (the card says "no TAM"), whoever is assigned: the
    first assignee was shown as the TAM."""
    team = TriageTeam.of(
        [
            (Role.TAM, [tam] if tam is not None else []),
            (Role.ACCOUNT_OWNER, [owner] if owner else []),
        ]
    )
    assert issue_row(issue(1, team, assignees))["tam"] == tam


def test_a_cache_that_took_the_first_assignee_for_the_tam_shows_no_tam(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    cache = Cache.open(path, create=True)
    with cache.write() as db:
        cache.upsert_issues(
            [
                issue(1, TriageTeam.of([(Role.ACCOUNT_OWNER, ["alice"])]), ("alice",)),
                issue(2, TriageTeam.of([(Role.TAM, ["bob"])]), ("bob", "alice")),
                issue(3, TriageTeam.of([(Role.TAM, ["chen"])]), ("dana", "chen")),
            ],
            db,
        )
    cache.close()
    # As rules "1" stored it: the first assignee taken for the TAM when the team has none.
    conn = sqlite3.connect(path)
    conn.executescript(
        "UPDATE issues SET tam = 'alice' WHERE iid = 1;"
        "UPDATE meta SET value = '1' WHERE key = 'issue_rules';"
    )
    conn.commit()
    conn.close()
    service = TriageService(path, today=lambda: TODAY)
    tams = {c.iid: c.summary.tam for c in service.cards()}
    assert tams == {1: None, 2: "bob", 3: "chen"}
    first = service.first_screen(BoardKind.COLOURS, 5)
    assert {c.iid: c.summary.tam for c in first.columns[0].cards} == tams
    assert Cache.open(path).get_meta("issue_rules") == ISSUE_RULES
