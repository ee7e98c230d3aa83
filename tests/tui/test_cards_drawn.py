"""What a card says at the narrowest column (three of them at 80 columns): what needs
doing, in words, and the renewal whole; the `?` legend names every tag a card shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from tests.conftest import TODAY
from tests.tui.helpers import column_texts, widget_text
from triage_tui.domain.board import Board, BoardKind, Column, build_board
from triage_tui.domain.issue import IssueState, IssueSummary, make_card
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp, stylesheet
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.column_view import ColumnView


def make_app(service: TriageService, **kwargs: object) -> TriageApp:
    return TriageApp(service, today=TODAY, **kwargs)  # type: ignore[arg-type]


def summary(iid: int, **fields: object) -> IssueSummary:
    values: dict[str, object] = {
        "title": f"Account {iid}",
        "state": IssueState.OPENED,
        "labels": ("Red", "US-WEST", "New"),
        "renewal_date": TODAY + timedelta(days=102),
        "tam": "fatima",
        "last_update_at": datetime(2026, 11, 21, 12, tzinfo=UTC),
    }
    values.update(fields)
    return IssueSummary(iid=iid, **values)  # type: ignore[arg-type]


class OneColumn(App[None]):
    """A single board column, as wide as one of three at 80 columns (the narrowest)."""

    CSS_PATH = stylesheet()
    CSS = "ColumnView { width: 25; }"

    def __init__(self, column: Column, kind: BoardKind = BoardKind.COLOURS) -> None:
        super().__init__()
        self.column, self.kind = column, kind

    def compose(self) -> ComposeResult:
        yield ColumnView(self.column, self.kind, 0)


async def drawn(column: Column, kind: BoardKind = BoardKind.COLOURS) -> list[list[str]]:
    """Three lines per card, as a column 25 cells wide draws them."""
    app = OneColumn(column, kind)
    async with app.run_test(size=(40, 40)):
        view = app.query_one(ColumnView)
        assert view.size.width == 25
        lines = widget_text(view).splitlines()[2:]  # under the header and the rule
    return [
        [line.rstrip() for line in lines[start : start + 3]] for start in range(0, len(lines), 4)
    ][: len(column.cards)]


def column(*summaries: IssueSummary, kind: BoardKind = BoardKind.COLOURS) -> Column:
    board: Board = build_board([make_card(s, TODAY) for s in summaries], kind, show_closed=True)
    return next(c for c in board.columns if c.cards)


async def test_a_card_flags_what_needs_doing_in_words() -> None:
    red_alone = summary(-3, no_leader=True, missing_roles=2, pending_edits=1)
    refused = summary(41, failed_edits=1, pending_edits=1)
    led = summary(42, missing_roles=1)
    cards = await drawn(column(red_alone, refused, led))
    by_iid = {card[0].split()[1]: card for card in cards}
    new, failed, fine = by_iid["#new"], by_iid["#41"], by_iid["#42"]
    # Not yet on GitLab: "#new", never the local number.
    assert not any("#-3" in line for card in cards for line in card)
    assert new[0].endswith("⧗")
    # Red with no TAM leader or CS director: said in words, beside the ⚑ for the roles.
    assert "⚠ lead" in new[2] and new[2].endswith("⚑")
    assert "⚠ lead" not in fine[2] and fine[2].endswith("⚑")
    # An edit GitLab refused (or in conflict) wins over waiting ones.
    assert failed[0].endswith("✗ edit") and "⧗" not in failed[0]
    # The renewal and NEW are whole at the narrowest width; the TAM still reads.
    assert new[1].endswith("renew 102d NEW")
    assert new[2].startswith("▌ @fati")


async def test_the_leader_flag_only_on_open_red_cards() -> None:
    amber = summary(5, labels=("Amber", "EMEA"), no_leader=True)
    closed_red = summary(6, state=IssueState.CLOSED, no_leader=True)
    for card in await drawn(column(amber)) + await drawn(column(closed_red)):
        assert "⚠" not in "".join(card)


async def test_a_closed_card_keeps_its_renewal_whole() -> None:
    closed = summary(
        7,
        state=IssueState.CLOSED,
        labels=("Green", "LATAM"),
        renewal_date=TODAY + timedelta(days=344),
    )
    ((_, middle, last),) = await drawn(column(closed))
    assert middle.endswith("renew 344d")  # was "LATAM renew 34… closed"
    assert "LATAM" in middle
    assert last.endswith("closed") and "upd" not in last


async def test_the_region_board_and_the_no_health_column_keep_renewals_whole() -> None:
    card = summary(8, labels=("Yellow", "US-WEST", "New"))
    ((_, middle, _),) = await drawn(column(card, kind=BoardKind.REGION), BoardKind.REGION)
    assert middle.startswith("▌ YELLOW") and middle.endswith("renew 102d NEW")
    homeless = summary(9, labels=("US-EAST", "New"))
    ((_, middle, _),) = await drawn(column(homeless))
    # The column says "No health": the card does not repeat it, the renewal stays whole.
    assert "NO HEALTH" not in middle and middle.endswith("renew 102d NEW")


async def test_a_new_issue_shows_as_new_on_the_board(service: TriageService) -> None:
    iid = service.new_issue(
        NewIssueForm(
            account="Initech Corp",
            salesforce_url="https://example.my.salesforce.com/001Q",
            success_plan_url="https://gitlab.example.com/plans/9",
            renewal_date="2027-02-14",
            reason="Budget cut after the merger",
            health="Red",
            region="EMEA",
            churn="U&A",
            no_leader_yet=True,
        )
    )
    assert iid < 0
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one(BoardView)
        assert view.select_iid(iid)
        await pilot.pause()
        text = "\n".join(column_texts(app))
        assert "#new Initech Corp" in text and f"#{iid}" not in text


def test_the_legend_in_help_names_every_card_tag() -> None:
    from triage_tui.tui import column_view, help_modal

    marks = [mark for mark, _ in help_modal.LEGEND]
    tags = ("FAILED_TAG", "PENDING_TAG", "LEADER_TAG", "PROBLEM_TAG")
    assert all(getattr(column_view, tag) in marks for tag in tags)
