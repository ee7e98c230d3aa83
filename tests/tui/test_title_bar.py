"""The title bar counts in words and drops its key hint whole when it does not fit."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from tests.conftest import TODAY
from tests.tui.helpers import widget_text
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp


def make_app(service: TriageService, **kwargs: object) -> TriageApp:
    return TriageApp(service, today=TODAY, **kwargs)  # type: ignore[arg-type]


def title(app: App[None]) -> str:
    return widget_text(app.screen.query_one("#title-bar", Static)).rstrip()


async def test_the_title_bar_counts_in_words_and_drops_the_hint_when_full(
    service: TriageService,
) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "open issues" in title(app) and "(b: switch board · ?: keys)" in title(app)
        await pilot.press("slash", *"click", "enter")  # one card: "[@click=app.quit]x"
        await pilot.pause()
        shown = title(app)
        assert "· 1 open issue · filter: click" in shown and "issues" not in shown
        # No room for the whole hint: none of it, rather than "(b: switch bo".
        assert "(b:" not in shown and len(shown) <= 80
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert title(app).endswith("filter: click  (b: switch board · ?: keys)")
        await pilot.press("c")  # closed issues too: "issue", not "open issue"
        await pilot.pause()
        assert "open issue" not in title(app) and " issue" in title(app)
        await pilot.resize_terminal(40, 24)
        await pilot.pause()
        assert title(app).endswith("…") and len(title(app)) <= 40
