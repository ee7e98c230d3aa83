"""What the screens look like, as SVG snapshots (pytest-textual-snapshot) of the demo
data for TODAY. A change to how the board draws fails here until a person has looked at
the new picture and accepted it:

    .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update

then review the changed files under tests/tui/__snapshots__/ before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import board_app, seed_history, until
from triage_tui.services import TriageService
from triage_tui.tui.board_view import BoardView

Snap = Callable[..., bool]


def loaded_then(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Wait for every card (not only the first screen), then press `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        def complete() -> bool:
            # (run_before may start before the board screen has composed its widgets)
            views = pilot.app.screen.query(BoardView)
            return bool(views) and views.first().board.complete

        await until(pilot, complete)
        await pilot.press(*keys)
        # Settled: a dialog's scrolling, its scrollbar and its border's "more below"
        # follow a refresh or two, later on a loaded machine (CI once took the move
        # dialog's scrollbar a row early). So wait until two looks a pause apart agree.
        await pilot.wait_for_scheduled_animations()
        shown = pilot.app.export_screenshot()
        for _ in range(50):
            await pilot.pause(0.05)
            again = pilot.app.export_screenshot()
            if again == shown:
                break
            shown = again

    return run_before


CASES: dict[str, tuple[tuple[int, int], Sequence[str]]] = {
    "colours-120x40": ((120, 40), ()),
    "colours-80x24": ((80, 24), ()),
    "region-120x40": ((120, 40), ("b",)),
    # The detail pane beside the board, on the second card of the Red column.
    "detail-120x40": ((120, 40), ("j", "enter")),
    # Below 110 columns the pane covers the board.
    "detail-80x24": ((80, 24), ("enter",)),
    # Markup in a title from GitLab is shown as text, never run ("[@click=app.quit]x[/]").
    "hostile-titles-120x40": ((120, 40), ("slash", *"click", "enter")),
    "help-80x24": ((80, 24), ("question_mark",)),
    # The ER call's agenda: the ~New issues to review, then the accounts with no issue.
    "er-call-new-80x24": ((80, 24), ("E",)),
    "er-call-missing-120x40": ((120, 40), ("E", "2")),
    # The overview: colour by region with ARR at risk, renewals by quarter, overdue.
    "overview-80x24": ((80, 24), ("v",)),
    "overview-120x40": ((120, 40), ("v",)),
    # The tallest dialog on the smallest terminal: an Amber card whose team lost its
    # leader (t, x on TAM Leader) moved to Red asks reason, signals, churn class, leader.
    "move-to-red-80x24": ((80, 24), ("l", "t", "down", "down", "x", "escape", "shift+left")),
    "move-to-red-120x40": ((120, 40), ("l", "t", "down", "down", "x", "escape", "shift+left")),
    # The suggested score: the first Red card to Amber with two Red signals ticked (Tab
    # into Red's list, Space, Down, Space): Red suggested, the move an override.
    "move-suggest-80x24": (
        (80, 24),
        ("shift+right", *"Sponsor is back", "tab", "space", "down", "space"),
    ),
    # (The same move once the reason is given, its churn class asked for in view, is
    # checked by tests/tui/test_dialogs.py: its picture's scrollbar thumb differed by a
    # fraction of a cell from run to run on a loaded machine.)
}


@pytest.mark.parametrize("case", CASES)
def test_screen_looks_as_accepted(snap_compare: Snap, service: TriageService, case: str) -> None:
    size, keys = CASES[case]
    app: Any = board_app(service)
    assert snap_compare(app, terminal_size=size, run_before=loaded_then(*keys))


#: The health history (seeded as a pull writes it: tests/tui/helpers.seed_history) on
#: the Red column's first three cards: their trends, and the first one's dated history.
HISTORY_CASES: dict[str, tuple[tuple[int, int], Sequence[str]]] = {
    "history-120x40": ((120, 40), ("enter",)),
    "history-80x24": ((80, 24), ()),
}


@pytest.mark.parametrize("case", HISTORY_CASES)
def test_health_history_looks_as_accepted(
    snap_compare: Snap, service: TriageService, case: str
) -> None:
    seed_history(service)
    size, keys = HISTORY_CASES[case]
    app: Any = board_app(service)
    assert snap_compare(app, terminal_size=size, run_before=loaded_then(*keys))
