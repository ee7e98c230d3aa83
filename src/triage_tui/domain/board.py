"""Building the Colours and Region boards from cards, and filtering them."""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from triage_tui.domain.health import AT_RISK_FIRST, Health
from triage_tui.domain.issue import Card
from triage_tui.domain.labels import LabelReading, Region


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
    """One board column. `key` is stable across rebuilds (used to keep the cursor).
    `cards` may be only the first of `count` cards: the first screen of a big board is
    painted before the rest is read (see `first_screen`)."""

    key: str
    title: str
    cards: tuple[Card, ...]
    health: Health | None = None
    region: Region | None = None
    held: int | None = None
    """How many cards the column holds when `cards` is only the first of them."""

    def __len__(self) -> int:
        return len(self.cards)

    @property
    def count(self) -> int:
        """How many cards the column holds (its header's number)."""
        return len(self.cards) if self.held is None else self.held

    @property
    def complete(self) -> bool:
        return self.count == len(self.cards)


@dataclass(frozen=True, slots=True)
class Board:
    kind: BoardKind
    columns: tuple[Column, ...]
    total: int

    @property
    def complete(self) -> bool:
        """Every card is here (not only the first screen of each column)."""
        return all(column.complete for column in self.columns)

    def find(self, iid: int) -> tuple[int, int] | None:
        """(column, row) of the card for issue `iid`, if it is on the board."""
        for col_index, column in enumerate(self.columns):
            for row, card in enumerate(column.cards):
                if card.iid == iid:
                    return col_index, row
        return None


def _order(card: Card) -> tuple[bool, bool, int, int]:
    # ~New first (they need review), then the nearest renewal, then oldest issue.
    # (The cache's board indexes sort the same way: store.schema._v5.)
    renewal = card.days_to_renewal
    return (not card.is_new, renewal is None, renewal if renewal is not None else 0, card.iid)


def column_key(reading: LabelReading, kind: BoardKind) -> str:
    """The key of the column an issue's labels put it in on a board of `kind`."""
    values = reading.healths if kind is BoardKind.COLOURS else reading.regions
    if len(values) > 1:
        return DATA_PROBLEM
    if not values:
        return NO_HEALTH if kind is BoardKind.COLOURS else NO_REGION
    return values[0].label


def _keys(kind: BoardKind) -> tuple[list[str], frozenset[str]]:
    """Every column a board can have, in order; and those it shows even when empty (the
    "No health"/"No region" and "Data problem" columns appear only when they hold cards)."""
    if kind is BoardKind.COLOURS:
        fixed = [health.label for health in AT_RISK_FIRST]
        return [*fixed, NO_HEALTH, DATA_PROBLEM], frozenset(fixed)
    fixed = [region.label for region in Region]
    return [*fixed, NO_REGION, DATA_PROBLEM], frozenset(fixed)


def _column(kind: BoardKind, key: str, cards: tuple[Card, ...], held: int | None = None) -> Column:
    if kind is BoardKind.COLOURS:
        return Column(key, key, cards, health=Health.parse(key), held=held)
    return Column(key, key, cards, region=Region.parse(key), held=held)


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
    keys, fixed = _keys(kind)
    placed: dict[str, list[Card]] = {key: [] for key in keys}
    total = 0
    for card in cards:
        if card.closed and not show_closed:
            continue
        if words and not matches(card, words):
            continue
        total += 1
        placed[column_key(card.reading, kind)].append(card)
    columns: list[Column] = []
    for key, members in placed.items():
        if members or key in fixed:
            members.sort(key=_order)
            columns.append(_column(kind, key, tuple(members)))
    return Board(kind=kind, columns=tuple(columns), total=total)


def with_card(
    board: Board, iid: int, card: Card | None, *, show_closed: bool = False, query: str = ""
) -> Board:
    """`board` (a complete one, built with these `show_closed` and `query`) with issue
    `iid` as `card` now is (None: gone from the cache): what `build_board` would give for
    the same cards with that one changed, without placing the other tens of thousands
    again after an edit of one issue."""
    if not board.complete:
        raise ValueError("only a complete board can take one card's change")
    keys, fixed = _keys(board.kind)
    placed = {column.key: list(column.cards) for column in board.columns}
    total = board.total
    if (at := board.find(iid)) is not None:
        del placed[board.columns[at[0]].key][at[1]]
        total -= 1
    if card is not None and (show_closed or not card.closed) and matches(card, parse_query(query)):
        insort(placed.setdefault(column_key(card.reading, board.kind), []), card, key=_order)
        total += 1
    columns = tuple(
        _column(board.kind, key, tuple(members))
        for key in keys
        if (members := placed.get(key, [])) or key in fixed
    )
    return replace(board, columns=columns, total=total)


def with_card_in(cards: Sequence[Card], iid: int, card: Card | None) -> list[Card]:
    """`cards` with issue `iid`'s card as `card` (None: dropped), in its place (a card
    not in them goes last): the order a fresh read gives, which the ER call lists in."""
    at = next((n for n, c in enumerate(cards) if c.iid == iid), len(cards))
    return [*cards[:at], *([card] if card is not None else []), *cards[at + 1 :]]


def first_screen(
    kind: BoardKind, counts: Mapping[str, int], heads: Mapping[str, Sequence[Card]]
) -> Board:
    """The board as its first screen shows it, from each column's count of open cards and
    its first cards: what a big board paints before the rest is read."""
    keys, fixed = _keys(kind)
    columns = [
        _column(kind, key, tuple(sorted(heads.get(key, ()), key=_order)), held=counts.get(key, 0))
        for key in keys
        if counts.get(key) or key in fixed
    ]
    return Board(kind=kind, columns=tuple(columns), total=sum(c.count for c in columns))
