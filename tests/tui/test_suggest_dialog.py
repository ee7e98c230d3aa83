"""The move dialog's suggested score, driven by keys: signals of every colour ticked with
Space/Enter and reached by arrows, the suggestion confirmed, overridden (its reason asked
for and recorded in the outbox edit's note and the template's reason), or taken instead
of the move's colour."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import board_app, until, widget_text
from triage_tui.domain.edit import Edit
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.move_modal import MoveModal, SignalList

SMALL = (80, 24)


async def open_move(pilot: Pilot[None], app: TriageApp, *keys: str) -> int:
    """Press `keys` on the board, then Shift+→: the move dialog for the card moved."""
    await pilot.press(*keys)
    card = app.screen.query_one(BoardView).current
    assert card is not None
    await pilot.press("shift+right")
    await until(pilot, lambda: isinstance(app.screen, MoveModal))
    await pilot.pause()
    return card.iid


def suggestion_text(app: TriageApp) -> str:
    return widget_text(app.screen.query_one("#suggestion"))


def move_edits(service: TriageService, iid: int) -> list[Edit]:
    return [e.edit for e in service.outbox() if e.edit.iid == iid and e.edit.note]


async def test_a_suggestion_confirmed_is_recorded_with_its_signals(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        iid = await open_move(pilot, app)  # the first Red card, to Amber
        await pilot.press(*"Adoption fell", "tab")  # into the Red signals
        assert isinstance(app.focused, SignalList) and app.focused.id == "signals-red"
        # Arrows alone go on from Red's last signal into Amber's first.
        await pilot.press("down", "down", "down")
        assert isinstance(app.focused, SignalList) and app.focused.id == "signals-amber"
        await pilot.press("space")  # Low user adoption
        assert "not enough to suggest (1 ticked" in suggestion_text(app)
        await pilot.press(*["down"] * 10, "enter")  # Negative NPS, the last of Amber's
        await pilot.pause()
        shown = suggestion_text(app)
        assert "Suggestion: Amber from 2 signals" in shown
        assert "(Amber 4×3) ÷ 4 = 3.00" in shown
        assert "the suggestion confirmed" in shown
        # Ticked is said in letters, not only in colour.
        amber = app.screen.query_one("#signals-amber", SignalList)
        assert str(amber.get_option_at_index(0).prompt) == "[x] +2 Low user adoption"
        assert str(amber.get_option_at_index(1).prompt).startswith("[ ] +2 Little response")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
    (edit,) = move_edits(service, iid)
    assert edit.add_labels == ("Amber",)
    assert "- Amber: Low user adoption (2)" in edit.note
    assert "- Amber: Negative NPS (2)" in edit.note
    assert "Chosen: Amber, the suggestion confirmed" in edit.note
    assert edit.reason == "Adoption fell\n(Signals suggested Amber, score 3.00; confirmed.)"


async def test_an_override_asks_its_reason_and_records_it(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        iid = await open_move(pilot, app)  # Red → Amber, against two Red signals
        await pilot.press(*"Sponsor is back", "tab", "space", "down", "space")
        await pilot.pause()
        assert "Chosen: Amber over the suggested Red (an override)" in suggestion_text(app)
        await pilot.press("ctrl+s")  # no override reason yet: refused, and asked for
        await pilot.pause()
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, MoveModal)
        assert app.focused is not None and app.focused.id == "override-reason"
        assert "The signals suggest Red" in widget_text(modal.query_one("#override-error"))
        assert "why Amber and not Red?" in widget_text(modal.query_one("#override-label"))
        await pilot.press(*"New CFO signed the renewal", "enter")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
    (edit,) = move_edits(service, iid)
    assert edit.add_labels == ("Amber",)
    assert "- Red: Told us they are downgrading or cancelling (3)" in edit.note
    assert "- Red: No communication (3)" in edit.note
    assert "Chosen: Amber over the suggested Red (an override)" in edit.note
    assert "Override reason: New CFO signed the renewal" in edit.note
    assert edit.reason is not None and edit.reason.startswith("Sponsor is back\n")
    assert edit.reason.endswith("overridden with Amber: New CFO signed the renewal)")


async def test_taking_the_suggestion_moves_there_instead_keeping_the_answers(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        iid = await open_move(pilot, app, "l")  # the first Amber card, to Yellow
        await pilot.press(*"All good again", "tab", "tab", "tab", "tab")  # Green's signals
        assert isinstance(app.focused, SignalList) and app.focused.id == "signals-green"
        await pilot.press("space", "down", "space")
        await pilot.pause()
        assert "^g moves to Green instead" in suggestion_text(app)
        await pilot.press("ctrl+g")
        # The move planned again, Amber → Green, asks again with what was answered.
        await until(
            pilot,
            lambda: isinstance(app.screen, MoveModal) and "Green" in app.screen.plan.summary,
        )
        await pilot.pause()
        assert "the suggestion confirmed" in suggestion_text(app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
    (edit,) = move_edits(service, iid)
    assert edit.add_labels == ("Green",) and edit.summary == "Amber → Green"
    assert edit.reason == "All good again\n(Signals suggested Green, score 1.00; confirmed.)"


async def test_taking_a_suggestion_of_the_cards_own_colour_keeps_the_dialog_as_typed(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        iid = await open_move(pilot, app)  # a Red card to Amber; the signals say Red
        await pilot.press(*"Sponsor is back", "tab", "space", "down", "space", "ctrl+g")
        await pilot.pause()
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, MoveModal) and modal.plan.summary == "Red → Amber"
        assert modal.query_one("#move-reason", Input).value == "Sponsor is back"
        red = modal.query_one("#signals-red", SignalList)
        assert red.ticked == ("Told us they are downgrading or cancelling", "No communication")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
    assert move_edits(service, iid) == []
