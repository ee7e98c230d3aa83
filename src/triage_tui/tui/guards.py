"""Checks every screen that edits makes before it records anything."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from triage_tui.services import CacheProblem

if TYPE_CHECKING:
    from textual.widget import Widget

    from triage_tui.services import TriageService


def can_edit(screen: Widget, service: TriageService) -> bool:
    """False, and the person is told why, when they can only read (no token of their own
    on a real cache): what they typed stays where it is. Told in a dialog that takes
    the keys typed after the refused one (see ReadOnlyModal), not in a toast."""
    problem = service.edit_problem()
    if problem:
        from triage_tui.tui.read_only_modal import ReadOnlyModal

        screen.app.push_screen(ReadOnlyModal(problem))
    return not problem


@contextmanager
def saving(screen: Widget, again: Callable[[], None] | None = None) -> Iterator[None]:
    """Around recording an edit: a cache that refuses the write (busy past busy_timeout,
    a full disk, a read-only file) is said plainly, and the rest of the block (the
    "edited" that follows a record) does not run. Nothing was written: the write is one
    transaction. `again` reopens what the person typed in (the move dialog, with their
    answers), so nothing typed is lost; the board goes on either way (unhandled, the
    error ended the app and every open dialog with it)."""
    try:
        yield
    except CacheProblem as problem:
        screen.notify(
            f"{problem}" + (" Your answers are back in the dialog." if again else ""),
            title="Not saved",
            severity="error",
            timeout=20,
        )
        if again is not None:
            again()
