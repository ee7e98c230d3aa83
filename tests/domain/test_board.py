"""The Colours and Region boards: columns, placement, closed issues, filtering, ordering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST, card
from triage_tui.domain.board import (
    DATA_PROBLEM,
    NO_HEALTH,
    NO_REGION,
    Board,
    BoardKind,
    build_board,
    first_screen,
    matches,
    parse_query,
    with_card,
)
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card
from triage_tui.domain.labels import Region

COLOURS = ["Red", "Amber", "Yellow", "Green"]
REGIONS = ["US-WEST", "US-EAST", "EMEA", "APAC", "LATAM"]


def titles(board: Board) -> list[str]:
    return [column.title for column in board.columns]


def iids(board: Board) -> dict[str, list[int]]:
    return {column.key: [c.iid for c in column.cards] for column in board.columns}


def shown(board: Board) -> set[int]:
    return {c.iid for column in board.columns for c in column.cards}


def test_board_kinds_switch() -> None:
    assert BoardKind.COLOURS.other is BoardKind.REGION
    assert BoardKind.REGION.other is BoardKind.COLOURS


def test_empty_colours_board_has_the_four_colours_worst_first() -> None:
    board = build_board([], BoardKind.COLOURS)
    assert titles(board) == COLOURS
    assert [c.health for c in board.columns] == [
        Health.RED,
        Health.AMBER,
        Health.YELLOW,
        Health.GREEN,
    ]
    assert all(c.region is None and len(c) == 0 for c in board.columns)
    assert board.total == 0


def test_empty_region_board_has_the_five_regions() -> None:
    board = build_board([], BoardKind.REGION)
    assert titles(board) == REGIONS
    assert [c.region for c in board.columns] == list(Region)
    assert all(c.health is None for c in board.columns)


CARDS = [
    card(1, "Red", "EMEA"),
    card(2, "Amber", "APAC"),
    card(3, "Green"),  # no region
    card(4, "EMEA"),  # no health
    card(5, "Red", "Yellow", "LATAM"),  # two healths
    card(6, "Yellow", "US-WEST", "US-EAST"),  # two regions
    card(7, "Red", "EMEA", closed=True),
]


def test_colours_board_places_every_open_card() -> None:
    board = build_board(CARDS, BoardKind.COLOURS)
    assert titles(board) == [*COLOURS, NO_HEALTH, DATA_PROBLEM]
    assert iids(board) == {
        "Red": [1],
        "Amber": [2],
        "Yellow": [6],
        "Green": [3],
        NO_HEALTH: [4],
        DATA_PROBLEM: [5],
    }
    assert board.total == 6


def test_region_board_places_every_open_card() -> None:
    board = build_board(CARDS, BoardKind.REGION)
    assert titles(board) == [*REGIONS, NO_REGION, DATA_PROBLEM]
    assert iids(board) == {
        "US-WEST": [],
        "US-EAST": [],
        "EMEA": [1, 4],
        "APAC": [2],
        "LATAM": [5],  # two healths are no problem on the Region board
        NO_REGION: [3],
        DATA_PROBLEM: [6],
    }


@pytest.mark.parametrize("kind", list(BoardKind))
def test_extra_columns_only_when_they_hold_cards(kind: BoardKind) -> None:
    board = build_board([card(1, "Red", "EMEA")], kind)
    assert NO_HEALTH not in titles(board)
    assert NO_REGION not in titles(board)
    assert DATA_PROBLEM not in titles(board)


def test_only_a_data_problem_column() -> None:
    board = build_board([card(1, "Red", "Green", "EMEA")], BoardKind.COLOURS)
    assert titles(board) == [*COLOURS, DATA_PROBLEM]


def test_extra_column_disappears_when_the_filter_empties_it() -> None:
    cards = [card(1, "Red", "EMEA"), card(2, "EMEA", title="Globex")]
    assert NO_HEALTH in titles(build_board(cards, BoardKind.COLOURS))
    assert titles(build_board(cards, BoardKind.COLOURS, query="#1")) == COLOURS


def test_closed_issues_are_hidden_unless_asked_for() -> None:
    assert 7 not in shown(build_board(CARDS, BoardKind.COLOURS))
    board = build_board(CARDS, BoardKind.COLOURS, show_closed=True)
    assert iids(board)["Red"] == [1, 7]
    assert board.total == 7


def test_a_closed_card_alone_does_not_make_an_extra_column() -> None:
    board = build_board([card(1, closed=True)], BoardKind.COLOURS)
    assert titles(board) == COLOURS
    assert NO_HEALTH in titles(
        build_board([card(1, closed=True)], BoardKind.COLOURS, show_closed=True)
    )


def test_find() -> None:
    board = build_board(CARDS, BoardKind.COLOURS)
    assert board.find(1) == (0, 0)
    assert board.find(5) == (5, 0)
    assert board.find(7) is None
    assert board.find(999) is None


FILTERABLE = [
    card(10, "Red", "EMEA", "New", title="Acme Corp", tam="tim", updated_ago=2),
    card(11, "Amber", "APAC", title="Globex", tam="tina", updated_ago=9),
    card(12, "Yellow", "EMEA", title="Initech", tam="bob", updated_ago=None),
    card(110, "Green", "LATAM", "New", title="Umbrella acme", updated_ago=0),
    card(13, "Red", "Amber", "US-EAST", title="Hooli", tam="tim", updated_ago=1),
    card(14, "Green", "EMEA", "APAC", title="Stark", updated_ago=30, closed=True),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {10, 11, 12, 110, 13}),
        ("acme", {10, 110}),
        ("ACME", {10, 110}),
        ("acme corp", {10}),
        ("corp acme", {10}),
        ("emea", {10, 12}),
        ("red", {10, 13}),
        ("is:new", {10, 110}),
        ("IS:NEW", {10, 110}),
        ("is:overdue", {11, 12}),
        ("is:problem", {13}),
        ("is:new acme", {10, 110}),
        ("is:new is:overdue", set()),
        ("@tim", {10, 13}),
        ("@tina", {11}),
        ("@bob", {12}),
        ("#11", {11, 110}),  # as you type "#110", "#11" already narrows to both
        ("#12", {12}),
        ("#110", {110}),
        ("nothing-matches", set()),
    ],
)
def test_filter(query: str, expected: set[int]) -> None:
    assert shown(build_board(FILTERABLE, BoardKind.COLOURS, query=query)) == expected
    assert build_board(FILTERABLE, BoardKind.COLOURS, query=query).total == len(expected)


def test_filter_applies_to_closed_issues_when_shown() -> None:
    board = build_board(FILTERABLE, BoardKind.REGION, query="is:problem", show_closed=True)
    assert shown(board) == {13, 14}
    # a closed issue is never overdue, even with a month-old update
    board = build_board(FILTERABLE, BoardKind.REGION, query="is:overdue", show_closed=True)
    assert shown(board) == {11, 12}


def test_is_overdue_leaves_out_an_issue_in_its_first_week() -> None:
    """Failed before: an issue opened three days ago with no update was overdue."""
    cards = [
        card(20, "Red", updated_ago=None, opened_ago=3),
        card(21, "Red", updated_ago=None, opened_ago=8),
        card(22, "Red", updated_ago=None, opened_ago=None),
    ]
    assert shown(build_board(cards, BoardKind.COLOURS, query="is:overdue")) == {21, 22}


def test_parse_query() -> None:
    assert parse_query("  Acme   IS:new\t@Tim ") == ("acme", "is:new", "@tim")
    assert parse_query("") == ()


def test_matches_needs_every_word() -> None:
    c = card(1, "Red", title="Acme")
    assert matches(c, ())
    assert matches(c, ("acme", "red"))
    assert not matches(c, ("acme", "green"))


def test_order_new_first_then_nearest_renewal_then_issue_number() -> None:
    cards = [
        card(1, "Red", renewal_in=None),
        card(2, "Red", renewal_in=30),
        card(3, "Red", renewal_in=5),
        card(4, "Red", renewal_in=-10),  # renewal passed: the most urgent
        card(5, "Red", "New", renewal_in=300),
        card(6, "Red", "New", renewal_in=None),
        card(7, "Red", renewal_in=5),
        card(8, "Red", renewal_in=0),
        card(9, "Red", "New", renewal_in=1),
    ]
    assert iids(build_board(cards, BoardKind.COLOURS))["Red"] == [9, 5, 6, 4, 8, 3, 7, 2, 1]


def test_extra_columns_are_ordered_too() -> None:
    cards = [card(1, renewal_in=50), card(2, renewal_in=3), card(3, "New")]
    assert iids(build_board(cards, BoardKind.COLOURS))[NO_HEALTH] == [3, 2, 1]


LABEL_SETS = st.lists(st.sampled_from([*COLOURS, *REGIONS, "New", "E&A", "other"]), max_size=5)


@st.composite
def cards(draw: st.DrawFn) -> list[Card]:
    specs = draw(
        st.lists(
            st.tuples(
                LABEL_SETS,
                st.booleans(),
                st.none() | st.integers(-400, 400),
                st.none() | st.integers(0, 60),
            ),
            max_size=12,
        )
    )
    return [
        card(iid, *labels, closed=closed, renewal_in=renewal, updated_ago=updated)
        for iid, (labels, closed, renewal, updated) in enumerate(specs, start=1)
    ]


@FAST
@given(
    cards(),
    st.sampled_from(list(BoardKind)),
    st.booleans(),
    st.sampled_from(["", "is:new", "is:overdue", "is:problem", "emea", "red", "#1"]),
)
def test_every_card_is_placed_exactly_once(
    all_cards: list[Card], kind: BoardKind, show_closed: bool, query: str
) -> None:
    board = build_board(all_cards, kind, show_closed=show_closed, query=query)
    placed = [c.iid for column in board.columns for c in column.cards]
    expected = [
        c.iid for c in all_cards if (show_closed or not c.closed) and matches(c, parse_query(query))
    ]
    assert sorted(placed) == sorted(expected)
    assert board.total == len(placed)
    fixed = COLOURS if kind is BoardKind.COLOURS else REGIONS
    assert titles(board)[: len(fixed)] == fixed
    assert all(len(column) > 0 for column in board.columns[len(fixed) :])
    for column in board.columns:
        for c in column.cards:
            values = c.reading.healths if kind is BoardKind.COLOURS else c.reading.regions
            if column.title == DATA_PROBLEM:
                assert len(values) > 1
            elif column.title in (NO_HEALTH, NO_REGION):
                assert not values
            else:
                assert [v.label for v in values] == [column.title]
        keys = [
            (not c.is_new, c.days_to_renewal is None, c.days_to_renewal or 0, c.iid)
            for c in column.cards
        ]
        assert keys == sorted(keys)


@FAST
@given(
    cards(),
    st.tuples(
        st.sampled_from(list(BoardKind)),
        st.booleans(),
        st.sampled_from(["", "is:new", "is:overdue", "is:problem", "emea", "red"]),
    ),
    st.integers(1, 14),
    st.none() | st.tuples(LABEL_SETS, st.booleans(), st.none() | st.integers(-400, 400)),
)
def test_one_card_changed_is_the_board_built_again(
    all_cards: list[Card],
    view: tuple[BoardKind, bool, str],
    iid: int,
    change: tuple[list[str], bool, int | None] | None,
) -> None:
    """An edit of one issue (its labels, ~New, closed, renewal; gone; or one not on the
    board before) gives the board a full rebuild would: every colour and region, the
    extra columns appearing and going, closed shown or not, every filter."""
    kind, show_closed, query = view
    changed = (
        card(iid, *change[0], closed=change[1], renewal_in=change[2])
        if change is not None
        else None
    )
    after = [c for c in all_cards if c.iid != iid] + ([changed] if changed is not None else [])
    board = build_board(all_cards, kind, show_closed=show_closed, query=query)
    assert with_card(board, iid, changed, show_closed=show_closed, query=query) == build_board(
        after, kind, show_closed=show_closed, query=query
    )


def test_only_a_complete_board_takes_one_cards_change() -> None:
    board = first_screen(BoardKind.COLOURS, {"Red": 3}, {"Red": [card(1, "Red")]})
    with pytest.raises(ValueError):
        with_card(board, 1, None)
