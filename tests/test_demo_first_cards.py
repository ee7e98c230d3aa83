"""The demo keeps its hostile titles (markup, escapes, bidi, wide and long text: the
board shows them as text), but a first-time user's first look is ordinary accounts: no
column, on either board, open or with closed issues shown, starts with one."""

from __future__ import annotations

import pytest

from triage_tui.demo_data import AWKWARD_TITLES
from triage_tui.domain.board import BoardKind, build_board
from triage_tui.domain.text import clean_line
from triage_tui.services import TriageService

#: More than a tall terminal's column shows (9 cards at 40 rows, 19 at 80).
FIRST_CARDS = 20


def test_the_demo_still_holds_its_hostile_titles(service: TriageService) -> None:
    titles = {card.summary.title for card in service.cards()}
    assert {clean_line(title) for title in AWKWARD_TITLES} <= titles


@pytest.mark.parametrize("kind", list(BoardKind))
@pytest.mark.parametrize("show_closed", [False, True])
def test_no_column_starts_with_a_hostile_title(
    service: TriageService, kind: BoardKind, show_closed: bool
) -> None:
    awkward = {clean_line(title) for title in AWKWARD_TITLES}
    board = build_board(service.cards(), kind, show_closed=show_closed)
    for column in board.columns:
        first = [card.summary.title for card in column.cards[:FIRST_CARDS]]
        assert not awkward & set(first), (column.title, awkward & set(first))
