"""The footer fits the essentials at 80 columns, and `?` shows the most used keys first
(remapped keys as remapped) and says that it scrolls."""

from __future__ import annotations

from textual.widgets import Static

from tests.conftest import TODAY
from tests.tui.helpers import widget_text
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.help_modal import HelpBody, HelpModal


def make_app(service: TriageService, **kwargs: object) -> TriageApp:
    return TriageApp(service, today=TODAY, **kwargs)  # type: ignore[arg-type]


async def test_the_footer_fits_the_essentials_at_80_columns(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = [key for key in app.screen.query("FooterKey") if key.region.width]
        shown = {getattr(key, "description", "") for key in keys if key.region.right <= 80}
        assert {"Details", "Filter", "Board", "Keys", "Quit"} <= shown
        # Every key shown is whole, with its label: none cut off at the right edge.
        assert all(key.region.right <= 80 for key in keys)


# -- 3: `?` -----------------------------------------------------------------------------------


async def test_help_shows_the_most_used_keys_first_and_says_it_scrolls(
    service: TriageService,
) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, HelpModal)
        descriptions = [description for _, description in modal.rows]
        keys = dict(modal.rows)
        # The nine column jumps are one row.
        assert keys["1-9"] == "Jump to a column"
        assert not any(description.startswith("Column ") for description in descriptions)
        # Navigation, then open, filter, switch, then triage; quitting last of ours.
        # The keys as the footer and the palette write them (App.get_key_display).
        order = [keys[k] for k in ("↓ / j", "1-9", "⏎", "/", "b", "m", "r", "e", "q")]
        positions = [descriptions.index(d) for d in order]
        assert positions == sorted(positions), order
        # Enter, / and b are on screen without scrolling; the box says there is more.
        body = modal.query_one(HelpBody)
        text = widget_text(modal.query_one(Static)).splitlines()
        visible = text[: body.scrollable_content_region.height]
        for row in ("⏎", "/", "b "):
            assert any(line.startswith(row) for line in visible), (row, visible)
        assert "more" in str(body.border_subtitle) and "▼" in str(body.border_subtitle)
        # The ids the config file remaps by are listed beside the keys.
        assert any("board.switch" in line for line in text)
        assert any("board.column-1…9" in line for line in text)
        await pilot.press("end")
        await pilot.pause(0.5)
        assert "▲" in str(body.border_subtitle)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpModal)


async def test_help_shows_remapped_column_keys(service: TriageService) -> None:
    app = make_app(service, keymap={"board.column-3": "x"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        modal = app.screen
        assert isinstance(modal, HelpModal)
        row = next(keys for keys, what in modal.rows if what == "Jump to a column")
        assert "x" in row.split(" / ") and "3" not in row.split(" / ")
