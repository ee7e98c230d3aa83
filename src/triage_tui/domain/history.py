"""An account's health over time: its issue's health label changes, and the weeks' colours.

GitLab's resource label events say who added or removed which label when. Read in
order, the health labels among them give the issue's colour after every event; each
time that colour changes (to another colour, or to none) is a HealthChange. The note a
health move posts with the change (triage.reason_note: "**Health Amber → Red**", a
blank line, the reason) gives its reason, when one by the same author lies within
REASON_WINDOW of it.

A card shows the last weeks' colours (`weekly_colours`): the colour at the end of each
week, by the history; a week before the first known change is unknown, never Green.
Time is passed in (`today`), never read here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Union

from triage_tui.domain.health import Health
from triage_tui.domain.text import clean_line

if TYPE_CHECKING:  # (records imports issue, which imports this: types only)
    from triage_tui.domain.records import LabelEvent, Note

#: Weeks a card's trend shows, oldest first, the current week last.
TREND_WEEKS = 6
#: A reason note counts for a label change when posted this close to it (the push sends
#: the note right after the label change; a retried push may send it some minutes later).
REASON_WINDOW = timedelta(minutes=10)
#: The longest reason kept (the detail pane shows it on one line).
REASON_MAX = 300


class Unknown(Enum):
    """A week before anything is known of the issue's health."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN
#: What a week of the trend was: a colour, no health label (None), or not known.
WeekColour = Union[Health, None, Unknown]  # noqa: UP007 (a runtime alias, Python 3.11)


@dataclass(frozen=True, slots=True)
class HealthChange:
    """The issue's health became `health` (None: no health label left) at `at`."""

    at: datetime
    health: Health | None
    author: str
    reason: str | None = None
    """Why, from the note posted with the change; None when no such note was found."""


# -- from label events ---------------------------------------------------------------------


def _colour(labels: set[Health]) -> Health | None:
    """The colour of a set of health labels: the worst, when an issue has several (the
    board flags that as a problem; the history says the worse one rather than nothing)."""
    return max(labels) if labels else None


#: The first line of a health move's note: "**Health Amber → Red (E&A)**".
_MOVE_HEADING = re.compile(r"\*\*Health (?P<before>.*?) → (?P<after>[A-Za-z]+)[^*]*\*\*")


def move_note_colour(body: str) -> Health | None:
    """The colour a health move's note (triage.reason_note) says the issue moved to;
    None for any other note."""
    first = body.split("\n", 1)[0].strip()
    found = _MOVE_HEADING.fullmatch(first)
    return Health.parse(found.group("after")) if found is not None else None


def move_note_reason(body: str) -> str | None:
    """The reason paragraph of a health move's note (the lines after the heading, up to
    the next blank line), cleaned to one line; None when it has none."""
    paragraphs = body.replace("\r\n", "\n").split("\n\n")
    if len(paragraphs) < 2:
        return None
    reason = clean_line(paragraphs[1])
    if not reason:
        return None
    return reason if len(reason) <= REASON_MAX else reason[: REASON_MAX - 1] + "…"


def _reason_for(
    change_at: datetime, author: str, health: Health, notes: Sequence[Note]
) -> str | None:
    """The reason of the move note nearest the change, by its author and to its colour."""
    best: tuple[timedelta, str] | None = None
    for note in notes:
        if note.system or note.author.casefold() != author.casefold():
            continue
        gap = abs(note.created_at - change_at)
        if gap > REASON_WINDOW or move_note_colour(note.body) is not health:
            continue
        reason = move_note_reason(note.body)
        if reason is not None and (best is None or gap < best[0]):
            best = (gap, reason)
    return best[1] if best is not None else None


def health_changes(
    events: Iterable[LabelEvent], notes: Sequence[Note] = ()
) -> tuple[HealthChange, ...]:
    """The issue's health changes, oldest first, from its label events (every label, as
    the board's words; only health labels count) and its notes (for the reasons).

    Events of one moment (GitLab records a label swap as a remove and an add at the
    same time) are read together: a swap is one change, not a step through no health.
    """
    ordered = sorted(events, key=lambda e: (e.at, e.id))
    labels: set[Health] = set()
    colour: Health | None = None
    known = False
    changes: list[HealthChange] = []
    index = 0
    while index < len(ordered):
        moment = ordered[index].at
        author = ordered[index].author
        touched = False
        while index < len(ordered) and ordered[index].at == moment:
            event = ordered[index]
            health = Health.parse(event.label) if event.label is not None else None
            if health is not None:
                touched = True
                author = event.author
                if event.added:
                    labels.add(health)
                else:
                    labels.discard(health)
            index += 1
        after = _colour(labels)
        if touched and (not known or after != colour):
            reason = _reason_for(moment, author, after, notes) if after is not None else None
            changes.append(HealthChange(moment, after, author, reason))
        if touched:
            known, colour = True, after
    return tuple(changes)


# -- compact form for the card read ----------------------------------------------------------

#: A colour's one-letter mark: its initial ("-" no health). Readable without colour.
_LETTER = {Health.RED: "R", Health.AMBER: "A", Health.YELLOW: "Y", Health.GREEN: "G"}
_FROM_LETTER = {letter: health for health, letter in _LETTER.items()}
NO_HEALTH_MARK = "-"
UNKNOWN_MARK = "·"


def week_mark(colour: WeekColour) -> str:
    """One cell for a week: R, A, Y, G, "-" (no health label) or "·" (not known)."""
    if colour is UNKNOWN:
        return UNKNOWN_MARK
    if colour is None:
        return NO_HEALTH_MARK
    assert isinstance(colour, Health)
    return _LETTER[colour]


def history_marks(history: Iterable[HealthChange]) -> str:
    """The history in a few bytes for the issue's row ("2026-10-01R 2026-11-02-"): the
    card read carries it without a second query, and only a drawn card parses it."""
    return " ".join(
        f"{c.at.date().isoformat()}{_LETTER[c.health] if c.health is not None else NO_HEALTH_MARK}"
        for c in sorted(history, key=lambda c: c.at)
    )


def _points(marks: str) -> tuple[list[date], list[Health | None]]:
    days: list[date] = []
    colours: list[Health | None] = []
    for mark in marks.split():
        try:
            day = date.fromisoformat(mark[:10])
        except ValueError:
            continue  # (a damaged mark: that change is unknown, never a guess)
        letter = mark[10:]
        if letter != NO_HEALTH_MARK and letter not in _FROM_LETTER:
            continue
        days.append(day)
        colours.append(_FROM_LETTER.get(letter))
    return days, colours


def _weekly(
    days: list[date], colours: list[Health | None], today: date, weeks: int
) -> tuple[WeekColour, ...]:
    found: list[WeekColour] = []
    for back in range(weeks - 1, -1, -1):
        end = today - timedelta(days=7 * back)
        # The last change on or before the week's end (the history is in order).
        at = bisect.bisect_right(days, end)
        found.append(colours[at - 1] if at else UNKNOWN)
    return tuple(found)


def weekly_colours(
    history: Iterable[HealthChange], today: date, weeks: int = TREND_WEEKS
) -> tuple[WeekColour, ...]:
    """The colour at the end of each of the last `weeks` weeks, oldest first; the last
    week ends `today` (its colour is today's). A week that ends before the first known
    change is UNKNOWN."""
    ordered = sorted(history, key=lambda c: c.at)
    return _weekly([c.at.date() for c in ordered], [c.health for c in ordered], today, weeks)


@lru_cache(maxsize=8192)
def trend_from_marks(marks: str, today: date, weeks: int = TREND_WEEKS) -> tuple[WeekColour, ...]:
    """weekly_colours of a history in its compact form (history_marks); () for none, so
    a card with no known history shows no trend at all."""
    if not marks:
        return ()
    days, colours = _points(marks)
    if not days:
        return ()
    order = sorted(range(len(days)), key=lambda n: days[n])
    return _weekly([days[n] for n in order], [colours[n] for n in order], today, weeks)
