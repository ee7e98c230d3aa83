"""Cursor maths: clamping, moving, jumping, and following a card across rebuilds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST, card
from triage_tui.domain.board import DATA_PROBLEM, NO_HEALTH, Board, BoardKind, build_board
from triage_tui.domain.cursor import Cursor, clamp, follow, move, to_column, to_edge
from triage_tui.domain.issue import Card

# Red: 3 cards, Amber: 1, Yellow: none, Green: 2.
CARDS = [
    card(1, "Red", renewal_in=1),
    card(2, "Red", renewal_in=2),
    card(3, "Red", renewal_in=3),
    card(4, "Amber"),
    card(5, "Green", renewal_in=1),
    card(6, "Green", renewal_in=2),
]
BOARD = build_board(CARDS, BoardKind.COLOURS)
EMPTY = Board(BoardKind.COLOURS, (), 0)


def at(board: Board, cursor: Cursor) -> int:
    return board.columns[cursor.column].cards[cursor.row].iid


def test_default_cursor() -> None:
    assert Cursor() == Cursor(0, 0)


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        (Cursor(0, 0), Cursor(0, 0)),
        (Cursor(0, 2), Cursor(0, 2)),
        (Cursor(0, 9), Cursor(0, 2)),
        (Cursor(-3, -3), Cursor(0, 0)),
        (Cursor(9, 9), Cursor(3, 1)),
        (Cursor(2, 5), Cursor(2, 0)),  # an empty column keeps row 0
        (Cursor(1, 1), Cursor(1, 0)),
    ],
)
def test_clamp(cursor: Cursor, expected: Cursor) -> None:
    assert clamp(BOARD, cursor) == expected


def test_clamp_on_a_board_without_columns() -> None:
    assert clamp(EMPTY, Cursor(4, 4)) == Cursor(0, 0)
    assert move(EMPTY, Cursor(), columns=1, rows=1) == Cursor(0, 0)
    assert to_edge(EMPTY, Cursor(), bottom=True) == Cursor(0, 0)
    assert to_column(EMPTY, Cursor(), 3) == Cursor(0, 0)


@pytest.mark.parametrize(
    ("start", "columns", "rows", "expected"),
    [
        (Cursor(0, 0), 0, 1, Cursor(0, 1)),
        (Cursor(0, 2), 0, 1, Cursor(0, 2)),  # bottom edge: no wrap-around
        (Cursor(0, 0), 0, -1, Cursor(0, 0)),  # top edge
        (Cursor(0, 0), -1, 0, Cursor(0, 0)),  # left edge
        (Cursor(3, 0), 1, 0, Cursor(3, 0)),  # right edge
        (Cursor(0, 2), 1, 0, Cursor(1, 0)),  # into a shorter column
        (Cursor(0, 2), 2, 0, Cursor(2, 0)),  # into an empty column
        (Cursor(0, 0), 0, 10, Cursor(0, 2)),  # a page down stops at the last card
        (Cursor(0, 2), 0, -10, Cursor(0, 0)),
        (Cursor(0, 1), 3, 0, Cursor(3, 1)),
    ],
)
def test_move(start: Cursor, columns: int, rows: int, expected: Cursor) -> None:
    assert move(BOARD, start, columns=columns, rows=rows) == expected


def test_move_right_then_left_returns_to_a_clamped_row() -> None:
    there = move(BOARD, Cursor(0, 2), columns=1)
    assert move(BOARD, there, columns=-1) == Cursor(0, 0)


@pytest.mark.parametrize(
    ("column", "remembered", "expected"),
    [
        (3, None, Cursor(3, 1)),  # same row where it exists
        (1, None, Cursor(1, 0)),  # clamped where it does not
        (0, 2, Cursor(0, 2)),  # the row last used there
        (0, 7, Cursor(0, 2)),  # a remembered row past the end is clamped
        (9, None, Cursor(3, 1)),
        (-1, None, Cursor(0, 1)),
    ],
)
def test_to_column(column: int, remembered: int | None, expected: Cursor) -> None:
    assert to_column(BOARD, Cursor(0, 1), column, remembered) == expected


@pytest.mark.parametrize(
    ("cursor", "bottom", "expected"),
    [
        (Cursor(0, 1), True, Cursor(0, 2)),
        (Cursor(0, 1), False, Cursor(0, 0)),
        (Cursor(3, 0), True, Cursor(3, 1)),
        (Cursor(2, 0), True, Cursor(2, 0)),  # empty column
        (Cursor(2, 0), False, Cursor(2, 0)),
    ],
)
def test_to_edge(cursor: Cursor, bottom: bool, expected: Cursor) -> None:
    assert to_edge(BOARD, cursor, bottom=bottom) == expected


def test_follow_stays_on_the_card_when_others_are_added_before_it() -> None:
    cursor = Cursor(0, 1)
    assert at(BOARD, cursor) == 2
    rebuilt = build_board([card(0, "Red", "New"), *CARDS], BoardKind.COLOURS)
    new = follow(BOARD, cursor, rebuilt)
    assert new == Cursor(0, 2)
    assert at(rebuilt, new) == 2


def test_follow_goes_with_the_card_to_another_column() -> None:
    # Issue 2 moved from Red to Green (its health changed).
    moved = [c if c.iid != 2 else card(2, "Green", renewal_in=0) for c in CARDS]
    rebuilt = build_board(moved, BoardKind.COLOURS)
    new = follow(BOARD, Cursor(0, 1), rebuilt)
    assert at(rebuilt, new) == 2
    assert new == Cursor(3, 0)


def test_follow_keeps_the_card_across_a_board_switch() -> None:
    cards = [card(1, "Red", "APAC"), card(2, "Green", "EMEA"), card(3, "Green", "LATAM")]
    colours = build_board(cards, BoardKind.COLOURS)
    regions = build_board(cards, BoardKind.REGION)
    assert at(colours, Cursor(3, 1)) == 3
    assert at(regions, follow(colours, Cursor(3, 1), regions)) == 3


def test_follow_when_the_card_is_filtered_out_keeps_column_and_row() -> None:
    filtered = build_board(CARDS, BoardKind.COLOURS, query="#1")
    assert follow(BOARD, Cursor(0, 2), filtered) == Cursor(0, 0)


def test_follow_never_strands_the_cursor_in_a_column_its_card_left_empty() -> None:
    filtered = build_board(CARDS, BoardKind.COLOURS, query="#1")  # only Red keeps a card
    assert follow(BOARD, Cursor(3, 1), filtered) == Cursor(0, 0)


def test_follow_to_the_nearest_column_with_cards_prefers_the_right() -> None:
    old = build_board([card(1, "Red"), card(2, "Amber"), card(3, "Yellow")], BoardKind.COLOURS)
    new = build_board([card(1, "Red"), card(3, "Yellow")], BoardKind.COLOURS)
    assert follow(old, Cursor(1, 0), new) == Cursor(2, 0)


def test_follow_finds_the_column_by_key_when_columns_shift() -> None:
    old = build_board(
        [card(1, "Red"), card(2), card(3, "Red", "Green"), card(4, "Red", "Amber")],
        BoardKind.COLOURS,
    )
    assert [c.title for c in old.columns][4:] == [NO_HEALTH, DATA_PROBLEM]
    # The "No health" card is gone and issue 3 is closed: "Data problem" moves left.
    new = build_board(
        [card(1, "Red"), card(3, "Red", "Green", closed=True), card(4, "Red", "Amber")],
        BoardKind.COLOURS,
    )
    assert [c.title for c in new.columns][4:] == [DATA_PROBLEM]
    cursor = follow(old, Cursor(5, 0), new)  # was on issue 3, which is gone
    assert cursor == Cursor(4, 0)
    assert at(new, cursor) == 4


def test_follow_when_the_card_and_its_column_are_gone() -> None:
    old = build_board([card(1, "Red"), card(2)], BoardKind.COLOURS)
    assert [c.title for c in old.columns][4:] == [NO_HEALTH]
    new = build_board([card(1, "Red")], BoardKind.COLOURS)
    assert follow(old, Cursor(4, 0), new) == Cursor(0, 0)  # not the empty Green column


def test_follow_on_a_board_left_empty() -> None:
    old = build_board([card(1, "Red")], BoardKind.COLOURS)
    assert follow(old, Cursor(0, 0), build_board([], BoardKind.COLOURS)) == Cursor(0, 0)


def test_follow_from_an_empty_column_stays_in_it() -> None:
    # The person moved onto the empty Yellow column; a rebuild (a sync, a keystroke in the
    # filter) does not move them off it.
    assert follow(BOARD, Cursor(2, 0), BOARD) == Cursor(2, 0)
    assert follow(BOARD, Cursor(2, 0), build_board(CARDS[:2], BoardKind.COLOURS)) == Cursor(2, 0)


def test_follow_from_a_stale_cursor_clamps() -> None:
    assert follow(BOARD, Cursor(9, 9), BOARD) == Cursor(3, 1)
    assert follow(EMPTY, Cursor(2, 2), BOARD) == Cursor(2, 0)


LABELS = st.lists(st.sampled_from(["Red", "Amber", "Yellow", "Green", "EMEA", "New"]), max_size=3)


@st.composite
def boards(draw: st.DrawFn) -> tuple[list[Card], Board]:
    specs = draw(st.lists(st.tuples(LABELS, st.none() | st.integers(-30, 30)), max_size=8))
    cards = [card(i, *labels, renewal_in=r) for i, (labels, r) in enumerate(specs, start=1)]
    return cards, build_board(cards, draw(st.sampled_from(list(BoardKind))))


CURSORS = st.builds(Cursor, st.integers(-3, 10), st.integers(-3, 15))


def valid(board: Board, cursor: Cursor) -> bool:
    if not board.columns:
        return cursor == Cursor(0, 0)
    if not 0 <= cursor.column < len(board.columns):
        return False
    size = len(board.columns[cursor.column])
    return cursor.row == 0 if size == 0 else 0 <= cursor.row < size


@FAST
@given(boards(), CURSORS, st.integers(-5, 5), st.integers(-20, 20))
def test_every_result_is_a_valid_position(
    built: tuple[list[Card], Board], cursor: Cursor, columns: int, rows: int
) -> None:
    _, board = built
    assert valid(board, clamp(board, cursor))
    assert clamp(board, clamp(board, cursor)) == clamp(board, cursor)
    start = clamp(board, cursor)
    assert valid(board, move(board, start, columns=columns, rows=rows))
    assert valid(board, to_column(board, start, columns, rows))
    assert valid(board, to_edge(board, start, bottom=rows > 0))
    if valid(board, cursor):
        assert clamp(board, cursor) == cursor


@FAST
@given(boards(), boards(), CURSORS)
def test_follow_lands_on_the_same_card_when_it_is_still_there(
    old_built: tuple[list[Card], Board], new_built: tuple[list[Card], Board], cursor: Cursor
) -> None:
    _, old = old_built
    _, new = new_built
    start = clamp(old, cursor)
    landed = follow(old, start, new)
    assert valid(new, landed)
    if old.columns and len(old.columns[start.column]):
        iid = at(old, start)
        if new.find(iid) is not None:
            assert at(new, landed) == iid
        elif new.total:
            assert len(new.columns[landed.column]) > 0  # never stranded on an empty column
    elif old.columns and len(new.columns) == len(old.columns):
        assert landed == start  # an empty column the person chose is kept
