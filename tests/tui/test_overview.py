"""The overview (v) on the demo board: what it counts is what the board holds."""

from __future__ import annotations

from tests.tui.helpers import board_app, open_board, until, widget_text
from triage_tui.domain.health import Health
from triage_tui.domain.overview import money, overview
from triage_tui.services import TriageService
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.overview_screen import OverviewScreen


async def test_the_overview_counts_the_open_cards_and_goes_back(service: TriageService) -> None:
    async with open_board(service, (80, 24)) as (app, pilot, _):
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        screen = app.screen
        open_cards = [card for card in service.cards() if not card.closed]
        head = widget_text(screen.query_one("#overview-head"))
        at_risk = [c for c in open_cards if c.health in (Health.RED, Health.AMBER)]
        assert f"{len(open_cards)} open · at risk (Amber + Red): {len(at_risk)}," in head
        assert money(overview(open_cards, app.today).at_risk().arr) in head
        regions = widget_text(screen.query_one("#overview-regions"))
        rows = {line.split()[0]: line.split() for line in regions.splitlines()[2:] if line.strip()}
        greens = [c for c in open_cards if c.health is Health.GREEN]
        assert int(rows["All"][4]) == len(greens)  # the Green column: Green counted as Green
        overdue = widget_text(screen.query_one("#overview-overdue"))
        silent = sum(c.update_overdue for c in open_cards)
        assert f"{silent} of {len(open_cards)} open issues" in overdue
        for section in ("#overview-healths", "#overview-renewals", "#overview-overdue"):
            for line in widget_text(screen.query_one(section)).splitlines():
                assert len(line) <= 80 - 3, line  # no bar wraps at 80 columns
        await pilot.press("escape")
        assert isinstance(app.screen.query_one(BoardView), BoardView)


async def test_the_palette_offers_the_overview_with_its_key(service: TriageService) -> None:
    from triage_tui.tui.palette import board_commands

    app = board_app(service)
    async with app.run_test(size=(120, 40)):
        titles = [command.title for command in board_commands(app.screen)]  # type: ignore[arg-type]
        assert any(title.startswith("Overview") and title.endswith("v") for title in titles)
