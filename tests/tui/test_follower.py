"""A board that may only read (a follower of `triage-tui serve`, TriageService.read_only):
it says so, refuses every edit with the reason, and on the ER call joins the call in
progress without starting, exporting or ending one (each is a write to the host's cache
or files)."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui.helpers import open_board, open_er_call, until, widget_text
from triage_tui.services import TriageService
from triage_tui.tui.read_only_modal import ReadOnlyModal

REASON = "Read-only: served to follow the call (test)."


async def test_a_follower_reads_and_is_told_why_it_cannot_edit(service: TriageService) -> None:
    service.read_only = REASON
    async with open_board(service) as (app, pilot, _):
        assert "read-only, following" in widget_text(app.screen.query_one("#status", Static))
        for key in ("shift+right", "n", "t"):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, ReadOnlyModal))
            said = " ".join(widget_text(w) for w in app.screen.query(Static))
            assert "served to follow the call" in said
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ReadOnlyModal))
        assert service.outbox() == []
        assert service.sync_problem() == REASON and service.push_problem() == REASON


async def test_a_follower_joins_the_call_and_neither_starts_nor_ends_it(
    service: TriageService,
) -> None:
    service.read_only = REASON
    async with open_board(service) as (app, pilot, _):
        screen = await open_er_call(pilot)
        assert screen.call is None and service.current_er_call() is None  # none started
        await pilot.press("e", "x")  # end, export: there is no call of its own to end
        await pilot.pause()
        assert app.screen is screen and service.current_er_call() is None
        await pilot.press("escape")
    # The host starts the call: the follower's screen joins it, and still cannot end it.
    service.read_only = ""
    started = service.er_call()
    service.read_only = REASON
    async with open_board(service) as (app, pilot, _):
        screen = await open_er_call(pilot)
        assert screen.call is not None and screen.call.id == started.id
        for key in ("e", "x"):  # end, export: writes to the host's cache and files
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, ReadOnlyModal))
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
    current = service.current_er_call()
    assert current is not None and current.id == started.id  # still in progress
