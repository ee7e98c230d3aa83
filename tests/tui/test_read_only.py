"""A board that can only read refuses an edit key in a dialog that takes what is typed
next, so nothing typed falls through to the board's keys (where `q` quits)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tests.tui.helpers import open_board, until, widget_text
from triage_tui.services import TriageService
from triage_tui.tui.read_only_modal import ReadOnlyModal


@pytest.fixture
def read_only(service: TriageService) -> TriageService:
    """The demo cache as if synced from a GitLab this person has no settings for."""
    service._cache().set_meta(source="gitlab", source_name="cs/triage on gitlab.example.com")
    assert service.edit_problem().startswith("Read-only: No GitLab project configured")
    return service


def dialog_text(modal: ReadOnlyModal) -> str:
    return "\n".join(widget_text(s) for s in modal.query(Static))


@pytest.mark.parametrize("typed", ["quit", "Initech Corp", "qqq", "rbcs/jk"])
async def test_typing_after_a_refused_edit_key_changes_nothing(
    read_only: TriageService, typed: str
) -> None:
    """Failed before: `n` only showed a toast, and the `q` of "quit" quit the board."""
    async with open_board(read_only) as (app, pilot, view):
        before = (view.board.kind, view.cursor, view.board.total, read_only.outbox())
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*typed)
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, ReadOnlyModal)  # still there: the keys were its
        assert "You can read, not edit" in dialog_text(app.screen)
        assert "gitlab_url and project" in dialog_text(app.screen)  # what to do
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReadOnlyModal))
        assert app.is_running
        assert (view.board.kind, view.cursor, view.board.total, read_only.outbox()) == before
        assert app.screen.filter_text == ""  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", ["n", "r", "e", "t", "m", "L"])
async def test_every_edit_key_on_a_read_only_board_opens_the_dialog(
    read_only: TriageService, key: str
) -> None:
    async with open_board(read_only) as (app, pilot, _):
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, ReadOnlyModal))
        await pilot.press("enter")  # Enter closes it too
        await until(pilot, lambda: not isinstance(app.screen, ReadOnlyModal))
        assert app.is_running and read_only.outbox() == []
