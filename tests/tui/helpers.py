"""Reading what the board shows, through public widget APIs."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from tests.conftest import TODAY
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
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
