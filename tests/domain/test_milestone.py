"""The quarterly milestone a renewal date falls in: "FY<year>-Q<n>", calendar quarters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TODAY
from tests.domain.factories import FAST
from triage_tui.domain.milestone import milestone_title, quarter_bounds, quarter_of


@pytest.mark.parametrize(
    ("day", "title", "bounds"),
    [
        (date(2027, 1, 1), "FY2027-Q1", (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2027, 3, 31), "FY2027-Q1", (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2027, 4, 1), "FY2027-Q2", (date(2027, 4, 1), date(2027, 6, 30))),
        (date(2027, 6, 30), "FY2027-Q2", (date(2027, 4, 1), date(2027, 6, 30))),
        (date(2027, 7, 1), "FY2027-Q3", (date(2027, 7, 1), date(2027, 9, 30))),
        (date(2027, 9, 30), "FY2027-Q3", (date(2027, 7, 1), date(2027, 9, 30))),
        (date(2027, 10, 1), "FY2027-Q4", (date(2027, 10, 1), date(2027, 12, 31))),
        (date(2027, 12, 31), "FY2027-Q4", (date(2027, 10, 1), date(2027, 12, 31))),
        (date(2028, 2, 29), "FY2028-Q1", (date(2028, 1, 1), date(2028, 3, 31))),
        (TODAY, "FY2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
    ],
)
def test_quarter_edges(day: date, title: str, bounds: tuple[date, date]) -> None:
    assert milestone_title(day) == title
    assert quarter_bounds(day) == bounds


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 2),
        (5, 2),
        (6, 2),
        (7, 3),
        (8, 3),
        (9, 3),
        (10, 4),
        (11, 4),
        (12, 4),
    ],
)
def test_quarter_of_every_month(month: int, quarter: int) -> None:
    assert quarter_of(date(2027, month, 15)) == quarter


def test_a_day_apart_across_new_year_is_a_different_milestone() -> None:
    assert milestone_title(date(2026, 12, 31)) == "FY2026-Q4"
    assert milestone_title(date(2027, 1, 1)) == "FY2027-Q1"


@pytest.mark.parametrize("day", [date.max, date(9999, 10, 1), date.min])
def test_the_calendars_ends_do_not_overflow(day: date) -> None:
    # 9999-12-31 is the usual "no end date" sentinel in CRM data.
    start, end = quarter_bounds(day)
    assert start <= day <= end


@FAST
@given(st.dates())
def test_bounds_are_the_whole_quarter(day: date) -> None:
    start, end = quarter_bounds(day)
    assert start <= day <= end
    assert start.day == 1
    assert start.month in (1, 4, 7, 10)
    assert end.month == start.month + 2
    assert start.year == end.year == day.year
    if end < date.max:
        after = end + timedelta(days=1)
        assert after.day == 1
        assert milestone_title(after) != milestone_title(end)
    assert milestone_title(start) == milestone_title(end) == milestone_title(day)
    assert milestone_title(day) == f"FY{day.year}-Q{quarter_of(day)}"
