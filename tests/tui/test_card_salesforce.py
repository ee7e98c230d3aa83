"""Salesforce beside the work, on the card, at the narrowest column (one of three at 80
columns: 25 cells) and at 120 columns (29): the account's score, its age and ARR, the
mismatch mark for every colour, and a TAM GitLab dropped; every older tag stays whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from tests.conftest import TODAY
from tests.tui.helpers import widget_text
from triage_tui.domain.accounts import AccountScore
from triage_tui.domain.board import DATA_PROBLEM, BoardKind, Column
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, IssueSummary, make_card
from triage_tui.tui.app import stylesheet
from triage_tui.tui.column_view import ColumnView

WIDTHS = (25, 29)


def summary(iid: int, label: str, score: AccountScore | None, **fields: object) -> IssueSummary:
    values: dict[str, object] = {
        "title": f"Account {iid}",
        "state": IssueState.OPENED,
        "labels": (label, "US-WEST", "New"),
        "renewal_date": TODAY + timedelta(days=102),
        "tam": "fatima",
        "last_update_at": datetime(2026, 11, 21, 12, tzinfo=UTC),
        "salesforce_id": "001000000000001AAA" if score is not None else "",
        "account": score,
    }
    values.update(fields)
    return IssueSummary(iid=iid, **values)  # type: ignore[arg-type]


class OneColumn(App[None]):
    CSS_PATH = stylesheet()

    def __init__(self, column: Column, width: int) -> None:
        super().__init__()
        self.column = column
        self.CSS = f"ColumnView {{ width: {width}; }}"

    def compose(self) -> ComposeResult:
        yield ColumnView(self.column, BoardKind.COLOURS, 0)


async def drawn(summaries: list[IssueSummary], width: int) -> dict[int, list[str]]:
    """Each card's three lines by iid, drawn in one column `width` cells wide (a column
    of no health, so line 2 names the health and the region, as the longest case)."""
    cards = tuple(make_card(s, TODAY) for s in summaries)
    app = OneColumn(Column(DATA_PROBLEM, DATA_PROBLEM, cards), width)
    async with app.run_test(size=(width + 5, 4 * len(cards) + 4)):
        view = app.query_one(ColumnView)
        assert view.size.width == width
        lines = widget_text(view).splitlines()[2:]
    return {
        card.iid: [line.rstrip() for line in lines[4 * n : 4 * n + 3]]
        for n, card in enumerate(cards)
    }


COMBOS = [(label, score) for label in Health for score in (*Health, None)]


@pytest.mark.parametrize("width", WIDTHS)
async def test_every_colour_and_no_score_beside_every_label(width: int) -> None:
    summaries = [
        summary(n, label.label, AccountScore(score, TODAY - timedelta(days=12), 250_000.0))
        for n, (label, score) in enumerate(COMBOS, start=1)
    ]
    cards = await drawn(summaries, width)
    for n, (label, score) in enumerate(COMBOS, start=1):
        first, middle, last = cards[n]
        differs = score is not None and score is not label  # Green too
        assert first.endswith(" 250k ≠SF" if differs else " 250k"), first
        assert middle.endswith("renew 102d NEW"), middle  # the older tags stay whole
        assert last.endswith(" upd 3d"), last
        assert last.startswith("▌ @fatima "), last  # the TAM is not pushed out
        if score is None:  # no score: said, and no mismatch
            assert " SF no score " in last or " SF none " in last, last
        elif differs and width == 29:
            assert f" SF {score.label} " in last, last  # what Salesforce says
        elif differs:  # 25 cells: it may go ("SF Yellow" beside "@fatima"); ≠SF stays
            assert f" SF {score.label} " in last or "SF" not in last, last
        else:  # the column names the colour already: "SF 12d" where crowded
            assert f" SF {score.label} 12d " in last or " SF 12d " in last, last


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_card_without_an_account_is_as_it_was(width: int) -> None:
    (card,) = (await drawn([summary(1, "Red", None)], width)).values()
    assert card[0] == "▌ #1 Account 1" and "SF" not in card[2]
    assert card[2].split() == ["▌", "@fatima", "upd", "3d"]


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_crowded_card_keeps_every_tag_and_the_mismatch(width: int) -> None:
    crowded = summary(
        1,
        "Red",
        AccountScore(Health.YELLOW, None, 1_260_000.0),
        tam="alexandra.long",
        tam_member=False,
        no_leader=True,
        missing_roles=2,
        failed_edits=1,
        last_update_at=None,
    )
    first, middle, last = (await drawn([crowded], width))[1]
    assert first.endswith(" 1.3M ≠SF ✗ edit") and first.startswith("▌ #1 A"), first
    assert middle.endswith("renew 102d NEW")
    assert last.endswith("no upd ⚠ lead ⚑"), last
    assert last.startswith("▌ @al") and "… ✗ " in last, last  # clipped, still marked


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_tam_gitlab_dropped_is_marked(width: int) -> None:
    cards = await drawn(
        [
            summary(1, "Amber", None, tam="bob", tam_member=False),
            summary(2, "Amber", None, tam="bob", tam_member=True),
            summary(3, "Amber", None, tam="bob", tam_member=None),  # no members cached
            summary(4, "Amber", None, tam=None),
        ],
        width,
    )
    assert cards[1][2].startswith("▌ @bob ✗ ")
    assert cards[2][2].startswith("▌ @bob ") and "✗" not in cards[2][2]
    assert "✗" not in cards[3][2]
    assert cards[4][2].startswith("▌ no TAM ")


async def test_a_stale_or_undated_score_says_its_age() -> None:
    cards = await drawn(
        [
            summary(1, "Red", AccountScore(Health.RED, TODAY - timedelta(days=40), None)),
            summary(2, "Red", AccountScore(Health.RED, None, None)),
            summary(3, "Red", AccountScore(Health.RED, TODAY, None)),
        ],
        29,
    )
    assert " SF Red 40d " in cards[1][2] and " SF Red ?d " in cards[2][2]
    assert " SF Red 0d " in cards[3][2]
    assert all(not card[0].endswith("k") for card in cards.values())  # no ARR: none shown
