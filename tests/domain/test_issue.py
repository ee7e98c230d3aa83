"""Cards: an issue summary read against today's date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TODAY
from tests.domain.factories import FAST, card, summary
from triage_tui.domain.health import Health
from triage_tui.domain.issue import (
    UPDATE_OVERDUE_DAYS,
    IssueDetail,
    IssueState,
    IssueSummary,
    make_card,
)
from triage_tui.domain.labels import Region
from triage_tui.domain.team import Role


@pytest.mark.parametrize(("renewal_in", "days"), [(0, 0), (1, 1), (90, 90), (-3, -3), (None, None)])
def test_days_to_renewal(renewal_in: int | None, days: int | None) -> None:
    assert card(1, renewal_in=renewal_in).days_to_renewal == days


def test_days_to_renewal_across_a_year() -> None:
    c = make_card(
        IssueSummary(1, "Acme", IssueState.OPENED, (), renewal_date=TODAY.replace(year=2027)),
        TODAY,
    )
    assert c.days_to_renewal == 365


@pytest.mark.parametrize(("updated_ago", "days"), [(0, 0), (1, 1), (7, 7), (8, 8), (None, None)])
def test_days_since_update(updated_ago: int | None, days: int | None) -> None:
    assert card(1, updated_ago=updated_ago).days_since_update == days


def test_an_update_dated_after_today_counts_as_today() -> None:
    assert card(1, updated_ago=-2).days_since_update == 0


def test_days_since_update_uses_the_timestamps_calendar_day() -> None:
    late = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    early = datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    base = IssueSummary(1, "Acme", IssueState.OPENED, ())
    assert make_card(_with_update(base, late), TODAY).days_since_update == 1
    assert make_card(_with_update(base, early), TODAY).days_since_update == 0
    other_zone = datetime(2026, 11, 16, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert make_card(_with_update(base, other_zone), TODAY).days_since_update == 8


def _with_update(base: IssueSummary, moment: datetime) -> IssueSummary:
    return IssueSummary(base.iid, base.title, base.state, base.labels, last_update_at=moment)


@pytest.mark.parametrize(
    ("updated_ago", "overdue"),
    [(0, False), (6, False), (7, False), (8, True), (30, True), (None, True)],
)
def test_update_overdue_after_seven_days(updated_ago: int | None, overdue: bool) -> None:
    assert UPDATE_OVERDUE_DAYS == 7
    assert card(1, updated_ago=updated_ago).update_overdue is overdue


@pytest.mark.parametrize("updated_ago", [0, 8, 100, None])
@pytest.mark.parametrize("opened_ago", [0, 8, None])
def test_a_closed_issue_is_never_overdue(updated_ago: int | None, opened_ago: int | None) -> None:
    c = card(1, closed=True, updated_ago=updated_ago, opened_ago=opened_ago)
    assert c.closed
    assert not c.update_overdue


@pytest.mark.parametrize(
    ("opened_ago", "overdue"),
    [(0, False), (1, False), (7, False), (8, True), (200, True), (-1, False), (None, True)],
)
def test_the_weekly_clock_starts_when_the_issue_is_opened(
    opened_ago: int | None, overdue: bool
) -> None:
    """Failed before: an issue with no update was overdue the day it was opened."""
    c = card(1, "Red", updated_ago=None, opened_ago=opened_ago)
    assert c.days_open == (max(0, opened_ago) if opened_ago is not None else None)
    assert c.update_overdue is overdue


@FAST
@given(
    st.one_of(st.none(), st.integers(-3, 400)),
    st.one_of(st.none(), st.integers(-3, 400)),
    st.booleans(),
)
def test_overdue_is_a_week_past_the_last_update_or_else_the_opening(
    updated_ago: int | None, opened_ago: int | None, closed: bool
) -> None:
    c = card(1, closed=closed, updated_ago=updated_ago, opened_ago=opened_ago)
    clock = updated_ago if updated_ago is not None else opened_ago
    expected = not closed and (clock is None or clock > UPDATE_OVERDUE_DAYS)
    assert c.update_overdue is expected


def test_days_open_uses_the_timestamps_calendar_day() -> None:
    late = datetime(2026, 11, 16, 23, 59, tzinfo=UTC)
    base = IssueSummary(1, "Acme", IssueState.OPENED, (), created_at=late)
    assert make_card(base, TODAY).days_open == 8
    assert make_card(base, TODAY).update_overdue
    just_after = replace(base, created_at=late + timedelta(minutes=2))  # the 17th: 7 days
    assert not make_card(just_after, TODAY).update_overdue


def test_card_reads_its_labels() -> None:
    c = card(7, "Amber", "APAC", "New")
    assert c.iid == 7
    assert c.health is Health.AMBER
    assert c.region is Region.APAC
    assert c.is_new
    assert not c.closed


def test_card_with_two_healths_has_no_single_health() -> None:
    c = card(7, "Amber", "Red")
    assert c.health is None
    assert c.reading.problems


def test_search_text() -> None:
    c = card(42, "Red", "EMEA", title="Acme Corp", tam="Tim.Lee")
    assert c.search_text == "#42 acme corp red emea tim.lee @tim.lee"


def test_search_text_without_tam() -> None:
    assert "@" not in card(42, "Red", title="Acme").search_text


def test_issue_detail_build_parses_the_description() -> None:
    detail = IssueDetail.build(
        summary(3, "Red"),
        description="Renewal: 2027-01-31\n\n### Triage team\n- TAM: @tim\n",
        web_url="https://gitlab.example.com/cs/triage/-/issues/3",
    )
    assert detail.fields.renewal_text == "2027-01-31"
    assert detail.fields.team.people(Role.TAM) == ("tim",)
    assert detail.web_url.endswith("/3")
    assert detail.assignees == ()


@pytest.mark.parametrize(
    ("labels", "no_leader", "closed", "flagged"),
    [
        (("Red",), True, False, True),
        (("Red",), False, False, False),
        (("Red",), True, True, False),  # a closed issue is back to health or gone
        (("Amber",), True, False, False),
        (("Red", "Amber"), True, False, False),  # no single health: a data problem instead
    ],
)
def test_red_without_leader(
    labels: tuple[str, ...], no_leader: bool, closed: bool, flagged: bool
) -> None:
    base = summary(1, *labels, closed=closed)
    assert make_card(replace(base, no_leader=no_leader), TODAY).red_without_leader is flagged
