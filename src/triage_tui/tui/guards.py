"""Checks every screen that edits makes before it records anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
