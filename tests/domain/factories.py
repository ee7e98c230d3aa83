"""Small builders for domain tests: summaries and cards read against the fixed TODAY."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st

from tests.conftest import TODAY
from triage_tui.domain.issue import Card, IssueState, IssueSummary, make_card

#: Property tests stay quick: the whole domain suite runs in a few seconds.
FAST = settings(max_examples=100, deadline=None)
#: For the properties that matter most (the template's render/parse round trip).
THOROUGH = settings(max_examples=200, deadline=None)


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def summary(
    iid: int,
    *labels: str,
    title: str = "",
    closed: bool = False,
    renewal_in: int | None = None,
    updated_ago: int | None = 1,
    tam: str | None = None,
    opened_ago: int | None = 30,
) -> IssueSummary:
    """An issue summary; renewal, last update and opening are given in days relative to
    TODAY (opened a month ago unless told: past its first week without an update)."""
    return IssueSummary(
        iid=iid,
        title=title or f"Account {iid}",
        state=IssueState.CLOSED if closed else IssueState.OPENED,
        labels=labels,
        renewal_date=TODAY + timedelta(days=renewal_in) if renewal_in is not None else None,
        tam=tam,
        last_update_at=at_noon(TODAY - timedelta(days=updated_ago))
        if updated_ago is not None
        else None,
        created_at=at_noon(TODAY - timedelta(days=opened_ago)) if opened_ago is not None else None,
    )


def card(
    iid: int,
    *labels: str,
    title: str = "",
    closed: bool = False,
    renewal_in: int | None = None,
    updated_ago: int | None = 1,
    tam: str | None = None,
    opened_ago: int | None = 30,
) -> Card:
    """A card read against TODAY (see `summary`)."""
    return make_card(
        summary(
            iid,
            *labels,
            title=title,
            closed=closed,
            renewal_in=renewal_in,
            updated_ago=updated_ago,
            tam=tam,
            opened_ago=opened_ago,
        ),
        TODAY,
    )


_USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


def usernames() -> st.SearchStrategy[str]:
    """GitLab usernames: letters, digits, "_", "-", "."; not starting with "-" or ending in "."."""
    return st.text(_USERNAME_CHARS, min_size=1, max_size=12).filter(
        lambda name: not name.startswith("-") and not name.endswith(".")
    )
