"""What the cache derives into a card's columns: the TAM (the team section's, never an
assignee taken for one), and what caches derived by older rules become when opened."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import TODAY
from triage_tui.domain.accounts import Account, AccountScore
from triage_tui.domain.board import BoardKind
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import Member, RemoteIssue
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


# -- the account and the TAM's membership, read with each card ------------------------------

ACCOUNT_18 = "0015g00000AbCdEAAZ"


def with_url(iid: int, account_id: str, tam: str | None = "bob") -> RemoteIssue:
    team = TriageTeam.of([(Role.TAM, [tam] if tam is not None else [])])
    fields = TemplateFields(
        salesforce_url=f"https://acme.my.salesforce.com/{account_id}" if account_id else "",
        reason="why",
        team=team,
    )
    return RemoteIssue(
        iid, iid, f"Account {iid}", IssueState.OPENED, ("Amber",), (), render_description(fields),
        "", WHEN, WHEN,
    )  # fmt: skip


def opened(
    tmp_path: Path,
    issues: list[RemoteIssue],
    accounts: tuple[Account, ...] | list[Account] = (),
    members: tuple[str, ...] | list[str] = (),
) -> TriageService:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "cache.db"
    cache = Cache.open(path, create=True)
    with cache.write() as db:
        cache.upsert_issues(issues, db)
        cache.replace_project_meta(
            db, members=[Member(n, name, name.title()) for n, name in enumerate(members, 1)]
        )
    cache.store_accounts(list(accounts))
    cache.close()
    return TriageService(path, today=lambda: TODAY)


@settings(max_examples=40, deadline=None)
@given(
    health=st.none() | st.sampled_from(Health),
    scored=st.none() | st.dates(),
    arr=st.none() | st.floats(0, 1e9),
    short=st.booleans(),
)
def test_a_card_reads_its_accounts_score_date_and_arr(
    tmp_path_factory: pytest.TempPathFactory,
    health: Health | None,
    scored: date | None,
    arr: float | None,
    short: bool,
) -> None:
    """Every colour (Green too) and "no score", found by an issue's 15- or 18-character
    id alike; on the first screen, the full board and the detail pane."""
    account = Account(ACCOUNT_18, "Acme", health=health, health_date=scored, arr=arr)
    service = opened(
        tmp_path_factory.mktemp("acct"),
        [with_url(1, ACCOUNT_18[:15] if short else ACCOUNT_18)],
        [account],
    )
    expected = AccountScore(health, scored, arr)
    (card,) = service.cards()
    assert card.summary.account == expected
    assert service.first_screen(BoardKind.COLOURS, 5).columns[1].cards[0].summary.account == (
        expected
    )
    detail = service.detail(1)
    assert detail is not None and detail.summary.account == expected


def test_an_unknown_account_or_none_is_no_account(tmp_path: Path) -> None:
    service = opened(
        tmp_path,
        [with_url(1, "001000000000999"), with_url(2, ""), with_url(3, ACCOUNT_18)],
        [Account("001000000000111AAA", "Other", health=Health.RED)],
    )
    assert [c.summary.account for c in service.cards()] == [None, None, None]


def test_the_tams_membership_is_known_only_with_members_cached(tmp_path: Path) -> None:
    issues = [with_url(1, "", "bob"), with_url(2, "", "Alice"), with_url(3, "", None)]
    alone = opened(tmp_path / "none", issues)  # a demo or a first sync not done: no flags
    assert [c.summary.tam_member for c in alone.cards()] == [None, None, None]
    service = opened(tmp_path / "some", issues, members=["alice", "carol"])
    assert [c.summary.tam_member for c in service.cards()] == [False, True, None]
    detail = service.detail(1)
    assert detail is not None and detail.not_members == ("bob",)
    assert service.detail(2).not_members == ()  # type: ignore[union-attr]  # case as GitLab
    assert alone.detail(1).not_members == ()  # type: ignore[union-attr]


def test_a_cache_from_before_account_keys_finds_its_accounts(tmp_path: Path) -> None:
    service = opened(
        tmp_path, [with_url(1, ACCOUNT_18[:15])], [Account(ACCOUNT_18, "Acme", Health.GREEN)]
    )
    service.close()
    conn = sqlite3.connect(tmp_path / "cache.db")
    conn.executescript(
        "DROP INDEX idx_accounts_card; DROP INDEX idx_members_username;"
        "ALTER TABLE accounts DROP COLUMN id15;"
        # (and schema 10's health history, the card index rebuilt without it)
        "DROP INDEX idx_issues_card; DROP TABLE health_history;"
        "ALTER TABLE issues DROP COLUMN health_marks;"
        "CREATE INDEX idx_issues_card ON issues (state, iid, title, labels, renewal_date, tam, "
        "last_update_at, missing_roles, no_leader, salesforce_id, created_at);"
        "PRAGMA user_version = 8;"
    )
    conn.close()
    (card,) = TriageService(tmp_path / "cache.db", today=lambda: TODAY).cards()
    assert card.summary.account == AccountScore(Health.GREEN, None, None)
