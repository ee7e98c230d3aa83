"""Health history: label events into changes, changes into the weeks' colours."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.domain.health import Health
from triage_tui.domain.history import (
    UNKNOWN,
    HealthChange,
    health_changes,
    history_marks,
    move_note_colour,
    move_note_reason,
    trend_from_marks,
    week_mark,
    weekly_colours,
)
from triage_tui.domain.records import LabelEvent, Note

TODAY = date(2026, 11, 24)
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def event(n: int, label: str | None, added: bool = True, *, at: datetime | None = None,
          author: str = "alice") -> LabelEvent:  # fmt: skip
    return LabelEvent(n, 7, at if at is not None else T0 + timedelta(days=n), author, label, added)


def move_note(after: str, reason: str, at: datetime, author: str = "alice") -> Note:
    body = f"**Health Amber → {after}**\n\n{reason}\n\nSignals:\n- No communication"
    return Note(at.microsecond or 1, 7, author, body, at)


# -- from label events -----------------------------------------------------------------------


def test_a_swap_is_one_change_and_removal_leaves_no_health() -> None:
    at = T0 + timedelta(days=3)
    events = [
        event(1, "Amber"),
        event(2, "US-WEST"),  # not a health label: no change
        event(3, "Amber", added=False, at=at),
        event(4, "Red", at=at),
        event(5, "Red", added=False),
    ]
    changes = health_changes(events)
    assert [(c.health, c.at) for c in changes] == [
        (Health.AMBER, events[0].at),
        (Health.RED, at),
        (None, events[4].at),
    ]


def test_the_reason_is_the_move_note_by_the_same_author_close_by() -> None:
    at = T0 + timedelta(days=1)
    notes = [
        move_note("Red", "Told us they are cancelling", at + timedelta(seconds=2)),
        move_note("Red", "Someone else's note", at + timedelta(seconds=1), author="mallory"),
        move_note("Red", "Far too late", at + timedelta(hours=2)),
    ]
    (change,) = health_changes([event(1, "Red")], notes)
    assert change.reason == "Told us they are cancelling"
    assert change.author == "alice"


def test_no_reason_when_the_note_names_another_colour_or_none_is_near() -> None:
    at = T0 + timedelta(days=1)
    (change,) = health_changes([event(1, "Red")], [move_note("Amber", "wrong colour", at)])
    assert change.reason is None
    (change,) = health_changes([event(1, "Red")], [])
    assert change.reason is None


def test_a_reason_is_cleaned_of_escapes_and_kept_to_one_line() -> None:
    body = "**Health Red → Green (E&A)**\n\nBack \x1b[31mon\x1b[0m\ntrack\u202e\n\nSignals:\n- x"
    assert move_note_colour(body) is Health.GREEN
    assert move_note_reason(body) == "Back on track"
    assert move_note_colour("Health Red → Green") is None  # not the app's heading


def test_a_deleted_label_counts_for_nothing() -> None:
    assert health_changes([event(1, None), event(2, "Yellow")]) == (
        HealthChange(T0 + timedelta(days=2), Health.YELLOW, "alice"),
    )


# -- the weeks -------------------------------------------------------------------------------


def change(day: date, health: Health | None) -> HealthChange:
    return HealthChange(datetime.combine(day, time(12), UTC), health, "alice")


def test_weeks_before_the_first_change_are_unknown_not_green() -> None:
    history = [change(TODAY - timedelta(days=10), Health.GREEN)]
    assert weekly_colours(history, TODAY, 4) == (UNKNOWN, UNKNOWN, Health.GREEN, Health.GREEN)


def test_each_week_takes_its_colour_at_its_end() -> None:
    history = [
        change(TODAY - timedelta(days=22), Health.YELLOW),
        change(TODAY - timedelta(days=15), Health.AMBER),  # same week as the next: it wins
        change(TODAY - timedelta(days=14), Health.RED),
        change(TODAY - timedelta(days=3), None),
    ]
    assert weekly_colours(history, TODAY, 4) == (Health.YELLOW, Health.RED, Health.RED, None)
    assert "".join(week_mark(w) for w in weekly_colours(history, TODAY, 4)) == "YRR-"


def test_no_history_no_trend() -> None:
    assert trend_from_marks("", TODAY) == ()
    assert weekly_colours([], TODAY, 3) == (UNKNOWN, UNKNOWN, UNKNOWN)


colours = st.sampled_from([Health.GREEN, Health.YELLOW, Health.AMBER, Health.RED, None])
histories = st.lists(
    st.tuples(st.integers(min_value=0, max_value=80), colours), min_size=0, max_size=12
)


@given(histories, st.integers(min_value=1, max_value=8))
def test_weeks_agree_with_a_day_by_day_reading(steps: list[tuple[int, Health | None]],
                                               weeks: int) -> None:  # fmt: skip
    """Every colour and "no health": the colour of each week is the last change on or
    before its end; before any change, unknown. Checked against a plain reading."""
    history = [change(TODAY - timedelta(days=back), colour) for back, colour in steps]
    found = weekly_colours(history, TODAY, weeks)
    assert len(found) == weeks
    ordered = sorted(history, key=lambda c: c.at)
    for index, colour in enumerate(found):
        end = TODAY - timedelta(days=7 * (weeks - 1 - index))
        before = [c for c in ordered if c.at.date() <= end]
        assert colour == (before[-1].health if before else UNKNOWN)
    # The compact form the card read carries gives the same weeks (or none at all).
    compact = trend_from_marks(history_marks(history), TODAY, weeks)
    assert compact == (found if history else ())


@given(st.lists(st.tuples(colours, st.booleans()), max_size=15))
def test_changes_follow_the_health_labels(steps: list[tuple[Health | None, bool]]) -> None:
    """Adding and removing any health label: each change is to the colour the issue's
    health labels then give (the worst of them, or none), and no two in a row repeat."""
    events = []
    held: set[Health] = set()
    expected: list[Health | None] = []
    for n, (colour, added) in enumerate(steps):
        if colour is None:
            continue
        events.append(event(n, colour.label, added))
        before = max(held) if held else None
        held = held | {colour} if added else held - {colour}
        after = max(held) if held else None
        if after != before or (not expected and len(events) == 1):
            expected.append(after)
    got = [c.health for c in health_changes(events)]
    assert got == expected
    assert all(a != b for a, b in itertools.pairwise(got))
