"""A job that runs one at a time, and once more if asked for while it ran."""

from __future__ import annotations


class OneAtATime:
    """The board's card loads and the app's pushes both work so: a second run asked for
    during one follows it, once however many times it was asked (a reload for each of
    ten quick edits would be nine reads too many; cancelling the running one instead
    starved the board while another process kept committing)."""

    def __init__(self) -> None:
        self.running = False
        self.wanted = False
        """Asked for while running: runs again when this run ends."""

    def ask(self) -> bool:
        """True: start it now (it was idle). False: it runs again after this run."""
        if self.running:
            self.wanted = True
            return False
        self.running = True
        return True

    def finished(self) -> bool:
        """This run ended. True: start it again (it was asked for meanwhile)."""
        again, self.running, self.wanted = self.wanted, False, False
        return again
