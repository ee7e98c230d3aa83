"""The answer to an edit key pressed by someone who can only read.

A modal, not a toast: the key that asked for an edit ("n", a new issue) is usually
followed by typing meant for the dialog that did not open ("Initech…"). Every key of
that lands here and is dropped, instead of falling through to the board, where `q`
quits and letters move, filter and review cards.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

#: The keys that close the dialog; every other key is absorbed.
CLOSE_KEYS = ("escape", "enter")


class ReadOnlyModal(ModalScreen[None]):
    """Why this person can only read, and what to do about it; Esc or Enter closes it."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog read-only-dialog"):
            yield Static("You can read, not edit", classes="dialog-title")
            # The problem names its own fix (a token, gitlab_url and project...).
            yield Static(self.problem.removeprefix("Read-only: "), markup=False)
            yield Static(
                "Nothing was changed, and keys typed now are ignored. Esc or Enter closes this.",
                classes="dialog-help",
            )

    def on_key(self, event: events.Key) -> None:
        # Handled here, not by bindings: a binding on the board or the app (`q`) must
        # never see these keys, and a keymap could otherwise remap the way out away.
        event.stop()
        event.prevent_default()
        if event.key in CLOSE_KEYS:
            self.dismiss(None)
