"""Reading what the board shows, through public widget APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from tests.conftest import TODAY
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.column_view import ColumnView
from triage_tui.tui.er_screen import ERScreen


def widget_text(widget: Widget) -> str:
    """Every line the widget draws, its border included (`size` is only the content's)."""
    width, height = widget.outer_size
    return "\n".join(s.text for s in widget.render_lines(Region(0, 0, width, height)))


def column_texts(app: App[None]) -> list[str]:
    return [widget_text(view) for view in app.screen.query(ColumnView)]


def column_titles(app: App[None]) -> list[str]:
    return [view.column.title for view in app.screen.query(ColumnView)]


async def until(pilot: Pilot[None], check: Callable[[], bool], seconds: float = 15) -> None:
    """Let the app run until `check()` holds (a worker, a push, a modal opening)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out waiting for the app")


def board_app(service: TriageService) -> TriageApp:
    """The app on `service`, polling the cache fast so tests see changes quickly."""
    return TriageApp(service, today=TODAY, poll_seconds=0.05)


@asynccontextmanager
async def open_board(
    service: TriageService, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[TriageApp, Pilot[None], BoardView]]:
    """The board on `service` with every card loaded: (the app, its pilot, the board)."""
    app = board_app(service)
    async with app.run_test(size=size) as pilot:
        view = app.screen.query_one(BoardView)
        await until(pilot, lambda: view.board.complete)
        yield app, pilot, view


async def open_er_call(pilot: Pilot[None], section: str = "") -> ERScreen:
    """Press E on the board (then the section's number): the ER call's screen."""
    app = pilot.app
    await pilot.press("E")
    await until(pilot, lambda: isinstance(app.screen, ERScreen))
    screen = app.screen
    assert isinstance(screen, ERScreen)
    if section:
        await pilot.press(section)
    return screen


def seed_history(service: TriageService, cards: int = 3) -> list[int]:
    """Give the first `cards` cards of the Colours board's first column a health history
    over the weeks before TODAY (every colour, a removal, a hostile author and reason),
    written into the cache as a pull would. Returns their iids, top first."""
    from datetime import UTC, datetime, time, timedelta

    from triage_tui.domain.board import BoardKind
    from triage_tui.domain.health import Health
    from triage_tui.domain.history import HealthChange
    from triage_tui.store import Cache

    def at(days: int) -> datetime:
        return datetime.combine(TODAY - timedelta(days=days), time(10), UTC)

    board = service.first_screen(BoardKind.COLOURS, cards)
    iids = [card.iid for card in board.columns[0].cards[:cards]]
    histories = {
        iid: (
            HealthChange(at(60 - n), Health.GREEN, "ann"),
            HealthChange(at(30), Health.YELLOW, "tim", "Neutral NPS"),
            HealthChange(at(20), None, "bot[markup]", None),
            HealthChange(at(16), Health.AMBER, "tim", "Loss of our champion [b]x[/b]"),
            HealthChange(at(2), Health.RED, "dora", "Told us they are cancelling"),
        )
        for n, iid in enumerate(iids)
    }
    cache = Cache.open(service.cache_path)
    try:
        cache.store_health_history(histories)
    finally:
        cache.close()
    return iids
