"""The quarterly milestone in which a renewal date falls."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def milestone_title(renewal: date) -> str:
    """Milestone title for the quarter of a renewal date, e.g. "FY2027-Q1"."""
    return f"FY{renewal.year}-Q{quarter_of(renewal)}"


def quarter_bounds(renewal: date) -> tuple[date, date]:
    """First and last day of the renewal date's quarter (the milestone's start and due dates)."""
    first_month = (quarter_of(renewal) - 1) * 3 + 1
    last_month = first_month + 2
    # The last day of the quarter's last month: no step into the next year, which for
    # 9999-12-31 (a common "no end date" sentinel) would be past date.max.
    last_day = monthrange(renewal.year, last_month)[1]
    return date(renewal.year, first_month, 1), date(renewal.year, last_month, last_day)


def bounds_of_title(title: str) -> tuple[date, date] | None:
    """Start and due date of a quarterly milestone from its title ("FY2027-Q1"), or None
    for a title that is not one of ours."""
    match = re.fullmatch(r"FY(\d{4})-Q([1-4])", title.strip())
    if not match:
        return None
    year, quarter = int(match.group(1)), int(match.group(2))
    return quarter_bounds(date(year, (quarter - 1) * 3 + 1, 1))
