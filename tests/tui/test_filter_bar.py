"""The filter bar lets go of keys typed right after Enter or Esc, and takes the keys typed
right after `/` (a fast typist, a paste of keystrokes)."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Input

from tests.conftest import TODAY
from tests.tui.helpers import open_board
from triage_tui.domain.board import BoardKind
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_screen import BoardScreen
from triage_tui.tui.board_view import BoardView


def make_app(service: TriageService, **kwargs: object) -> TriageApp:
    return TriageApp(service, today=TODAY, **kwargs)  # type: ignore[arg-type]


def type_at_once(app: App[None], *keys: str) -> None:
    """Keys as a fast typist (or a paste of keystrokes) delivers them: all queued before
    the app handles the first, with no pause for it to catch up (Pilot.press waits)."""
    for key in keys:
        character = {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


def filter_opened(app: App[None]) -> tuple[BoardScreen, Input]:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen, screen.query_one("#filter", Input)


async def test_keys_after_enter_in_the_filter_go_to_the_board(service: TriageService) -> None:
    async with open_board(service) as (app, pilot, view):
        screen, bar = filter_opened(app)
        await pilot.press("slash")
        assert bar.has_focus
        # "b" and "c" act on the board whenever they land: the Region board, closed shown.
        type_at_once(app, *"wonka", "enter", "b", "c")
        await pilot.pause()
        await pilot.pause()
        assert screen.filter_text == "wonka" and bar.value == "wonka"  # not "wonkabc"
        assert view.has_focus and not bar.has_class("hidden")
        assert screen.kind is BoardKind.REGION and screen.show_closed
        assert view.board.kind is BoardKind.REGION
        assert view.board.total and all(
            "wonka" in card.search_text for col in view.board.columns for card in col.cards
        )


async def test_keys_after_escape_in_the_filter_go_to_the_board(service: TriageService) -> None:
    async with open_board(service) as (app, pilot, view):
        screen, bar = filter_opened(app)
        await pilot.press("slash")
        type_at_once(app, *"zzz", "escape", "b")
        await pilot.pause()
        await pilot.pause()
        assert screen.filter_text == "" and bar.value == "" and bar.has_class("hidden")
        assert view.has_focus and screen.kind is BoardKind.REGION
        assert view.board.total == len([c for c in service.cards() if not c.closed])


async def test_an_empty_filter_closes_on_enter(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one("#filter", Input)
        await pilot.press("slash", "enter")
        await pilot.pause()
        assert bar.has_class("hidden") and app.screen.query_one(BoardView).has_focus


async def test_keys_right_after_slash_go_into_the_filter(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        bar = screen.query_one("#filter", Input)
        # "w" and "o" would open the updates pane and the outbox if they reached the board.
        type_at_once(app, "slash", *"wonka/x")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen and bar.has_focus
        assert bar.value == "wonka/x"  # a "/" typed in the filter is text
