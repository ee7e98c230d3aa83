"""The detail pane's text: template fields and a readable, aligned Triage team section."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TODAY
from tests.domain.factories import card
from triage_tui.domain.accounts import AccountScore
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueDetail, IssueState, IssueSummary
from triage_tui.domain.team import Role
from triage_tui.tui.detail_pane import render_detail
from triage_tui.tui.format import silent_phrase

DESCRIPTION = """\
**Salesforce URL:** https://acme.my.salesforce.com/001A000001
**Customer Success Plan URL:** https://gitlab.example.com/cs/acme
**Contract Renewal Date:** 2027-03-31

**Reason for Health Score:**
Low adoption [b]not bold[/b] [@click=app.quit]x[/]

### Triage team

- **Account Owner:** @ann
- **TAM:** @tim
- **CS Manager / Director:** @dora
- **Professional Services Engineer:** —
- **Executive Sponsor:** @tariq
- **Product Managers:** @pm1, @pm2
"""


def _detail(description: str = DESCRIPTION) -> IssueDetail:
    summary = IssueSummary(
        iid=42,
        title="Acme [red]Corp[/red]",
        state=IssueState.OPENED,
        labels=("Red", "EMEA"),
        renewal_date=datetime(2027, 3, 31).date(),
        tam="tim",
        last_update_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    return IssueDetail.build(summary, description=description)


def _team_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("Triage team") + 1
    return lines[start : start + len(Role)]


def test_team_roles_are_shown_in_full_and_apart_from_their_values() -> None:
    text = render_detail(_detail(), TODAY).plain
    assert "CS Manager / Director" in text
    assert "Professional Services Engineer" in text
    assert re.search(r"Executive Sponsor\s+@tariq", text)
    assert re.search(r"CS Manager / Director\s+@dora", text)
    assert re.search(r"Professional Services Engineer\s+—", text)
    assert re.search(r"Product Managers\s+@pm1, @pm2", text)
    assert "Sponso@" not in text
    assert "Dir—" not in text


def test_team_rows_list_every_role_with_values_in_one_column() -> None:
    lines = _team_lines(render_detail(_detail(), TODAY).plain)
    starts = set()
    for line, role in zip(lines, Role, strict=True):
        assert line.startswith(f"  {role.value} "), line
        name_end = line.index(role.value) + len(role.value)
        value_start = len(line) - len(line[name_end:].lstrip())
        assert value_start > name_end, line  # at least one space
        starts.add(value_start)
    assert len(starts) == 1, lines


def test_an_empty_role_shows_a_dash() -> None:
    lines = _team_lines(render_detail(_detail(), TODAY).plain)
    regional = next(line for line in lines if "Regional Sales Manager" in line)
    assert regional.split("Regional Sales Manager", 1)[1].strip() == "—"


def test_field_rows_keep_their_layout() -> None:
    text = render_detail(_detail(), TODAY).plain
    assert "Salesforce URL    https://acme.my.salesforce.com/001A000001" in text
    assert "Success plan URL  https://gitlab.example.com/cs/acme" in text


def test_gitlab_text_is_shown_as_typed_not_as_markup() -> None:
    text = render_detail(_detail(), TODAY).plain
    assert "#42 Acme [red]Corp[/red]" in text
    assert "Low adoption [b]not bold[/b] [@click=app.quit]x[/]" in text


def test_missing_roles_are_flagged() -> None:
    text = render_detail(_detail("### Triage team\n- TAM: @tim\n"), TODAY).plain
    assert (
        "⚠ Missing: Account Owner, TAM Leader or CS Manager / Director, Executive Sponsor" in text
    )


@pytest.mark.parametrize(
    ("opened_days_ago", "said", "overdue"),
    [
        (0, "none yet, opened today", False),
        (1, "none yet, opened yesterday", False),
        (7, "none yet, opened 7 days ago", False),
        (9, "none yet, opened 9 days ago", True),
        (None, "never", True),
    ],
)
def test_with_no_update_the_last_update_row_says_how_long_ago_it_was_opened(
    opened_days_ago: int | None, said: str, overdue: bool
) -> None:
    """Failed before: "none yet" and overdue, however new the issue."""
    opened = (
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC) - timedelta(days=opened_days_ago)
        if opened_days_ago is not None
        else None
    )
    summary = replace(_detail().summary, last_update_at=None, created_at=opened)
    text = render_detail(IssueDetail.build(summary, description=DESCRIPTION), TODAY).plain
    row = next(line for line in text.splitlines() if line.startswith("Last update"))
    assert row.split("Last update", 1)[1].strip().startswith(said)
    assert ("overdue" in row) is overdue


@pytest.mark.parametrize(
    ("updated_ago", "opened_ago", "said"),
    [
        (9, 30, "no weekly update for 9 days"),
        (None, 12, "no weekly update since it was opened 12 days ago"),
        (None, None, "never updated"),
    ],
)
def test_a_silent_issue_on_the_er_call_says_since_when(
    updated_ago: int | None, opened_ago: int | None, said: str
) -> None:
    """Failed before for an issue with no update: "never updated", however old."""
    assert silent_phrase(card(1, updated_ago=updated_ago, opened_ago=opened_ago)) == said


# -- Salesforce beside the work, and a team GitLab does not take ------------------------------


def _with(
    account: AccountScore | None, *, labels: tuple[str, ...] = ("Red", "EMEA")
) -> IssueDetail:
    detail = _detail()
    summary = replace(detail.summary, labels=labels, salesforce_id="001A000001", account=account)
    return replace(detail, summary=summary)


@pytest.mark.parametrize("score", [*Health, None])
def test_the_accounts_score_its_age_and_arr_are_shown(score: Health | None) -> None:
    account = AccountScore(score, TODAY - timedelta(days=12), 1_500_000.0)
    text = render_detail(_with(account), TODAY).plain
    word = score.label if score is not None else "no score"
    assert f"Salesforce score  {word}, confirmed 2026-11-12, 12 days ago" in text
    assert "ARR               1.5M" in text
    differs = score is not None and score is not Health.RED  # Green too; no score is none
    assert ("≠ The label says Red, Salesforce " in text) is differs, text


def test_a_stale_or_undated_score_says_so_and_no_account_shows_nothing() -> None:
    stale = render_detail(_with(AccountScore(Health.RED, TODAY - timedelta(days=40), None)), TODAY)
    assert "confirmed 2026-10-15, 40 days ago (stale: older than 31 days)" in stale.plain
    assert "ARR               not in Salesforce" in stale.plain
    undated = render_detail(_with(AccountScore(Health.RED, None, None)), TODAY).plain
    assert "Salesforce score  Red, never confirmed" in undated
    plain = render_detail(_with(None), TODAY).plain
    assert "Salesforce score" not in plain and "ARR" not in plain


def test_people_gitlab_does_not_take_are_named() -> None:
    detail = IssueDetail.build(
        _detail().summary, description=DESCRIPTION, members=["ann", "TIM", "dora"]
    )
    text = render_detail(detail, TODAY).plain
    assert re.search(r"  TAM\s+@tim\n", text)  # a member, whatever the case
    assert re.search(r"Executive Sponsor\s+@tariq ✗", text)
    assert "@tariq is not a member of the project" in text
    assert "@pm1 is not a member of the project" in text and "@tim is not" not in text
    alone = render_detail(IssueDetail.build(_detail().summary, description=DESCRIPTION), TODAY)
    assert "✗" not in alone.plain and "not a member" not in alone.plain  # no members known
