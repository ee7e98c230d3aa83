"""Building the Colours and Region boards from cards, and filtering them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from triage_tui.domain.health import AT_RISK_FIRST, Health
from triage_tui.domain.issue import Card
from triage_tui.domain.labels import Region


class BoardKind(Enum):
    COLOURS = "Colours"
    REGION = "Region"

    @property
    def other(self) -> BoardKind:
        return BoardKind.REGION if self is BoardKind.COLOURS else BoardKind.COLOURS


NO_HEALTH = "No health"
NO_REGION = "No region"
DATA_PROBLEM = "Data problem"


@dataclass(frozen=True, slots=True)
class Column:
    """One board column. `key` is stable across rebuilds (used to keep the cursor)."""

    key: str
    title: str
    cards: tuple[Card, ...]
    health: Health | None = None
    region: Region | None = None

    def __len__(self) -> int:
        return len(self.cards)


@dataclass(frozen=True, slots=True)
class Board:
    kind: BoardKind
    columns: tuple[Column, ...]
    total: int

    def find(self, iid: int) -> tuple[int, int] | None:
        """(column, row) of the card for issue `iid`, if it is on the board."""
        for col_index, column in enumerate(self.columns):
            for row, card in enumerate(column.cards):
                if card.iid == iid:
                    return col_index, row
        return None


def _order(card: Card) -> tuple[bool, bool, int, int]:
    # ~New first (they need review), then the nearest renewal, then oldest issue.
    renewal = card.days_to_renewal
    return (not card.is_new, renewal is None, renewal if renewal is not None else 0, card.iid)


def matches(card: Card, words: Sequence[str]) -> bool:
    """Every word of the query must appear (case-insensitive); `is:new`, `is:overdue` filter."""
    text = card.search_text
    for word in words:
        if word == "is:new":
            if not card.is_new:
                return False
        elif word == "is:overdue":
            if not card.update_overdue:
                return False
        elif word == "is:problem":
            if not card.reading.problems:
                return False
        elif word not in text:
            return False
    return True


def parse_query(query: str) -> tuple[str, ...]:
    return tuple(query.lower().split())


def build_board(
    cards: Iterable[Card], kind: BoardKind, *, show_closed: bool = False, query: str = ""
) -> Board:
    """Place cards in columns. An issue with no label for the board's dimension goes to a
    "No health"/"No region" column and one with several to "Data problem", never vanishing;
    those two columns only appear when they hold cards."""
    words = parse_query(query)
    fixed: dict[str, list[Card]] = {}
    missing: list[Card] = []
    problem: list[Card] = []
    if kind is BoardKind.COLOURS:
        for health in AT_RISK_FIRST:
            fixed[health.label] = []
    else:
        for region in Region:
            fixed[region.label] = []
    total = 0
    for card in cards:
        if card.closed and not show_closed:
            continue
        if words and not matches(card, words):
            continue
        total += 1
        values = card.reading.healths if kind is BoardKind.COLOURS else card.reading.regions
        if len(values) > 1:
            problem.append(card)
        elif not values:
            missing.append(card)
        else:
            fixed[values[0].label].append(card)
    columns: list[Column] = []
    for key, members in fixed.items():
        members.sort(key=_order)
        if kind is BoardKind.COLOURS:
            columns.append(Column(key, key, tuple(members), health=Health.parse(key)))
        else:
            columns.append(Column(key, key, tuple(members), region=Region.parse(key)))
    if missing:
        title = NO_HEALTH if kind is BoardKind.COLOURS else NO_REGION
        columns.append(Column(title, title, tuple(sorted(missing, key=_order))))
    if problem:
        columns.append(Column(DATA_PROBLEM, DATA_PROBLEM, tuple(sorted(problem, key=_order))))
    return Board(kind=kind, columns=tuple(columns), total=total)
