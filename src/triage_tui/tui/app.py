"""The Textual application: wiring only. Screens and widgets hold the behaviour."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input

from triage_tui.domain.text import clean_paste
from triage_tui.services import TriageService
from triage_tui.tui.board_screen import BoardScreen
from triage_tui.tui.edit_hub import EditHub, PushFinished
from triage_tui.tui.idle_gc import IDLE, IdleCollector


def stylesheet() -> Path:
    """The app's TCSS: inside the installed package, or the repo's top-level styles/
    when running from a source checkout (an editable install does not copy it)."""
    package = Path(__file__).resolve().parents[1]  # not importlib.resources: 25 ms at start-up
    packaged = package / "styles" / "app.tcss"
    if packaged.is_file():
        return packaged
    return package.parents[1] / "styles" / "app.tcss"


class TriageApp(App[None]):
    """triage-tui: the Account Triage project as boards in a terminal."""

    TITLE = "triage-tui"
    CSS_PATH = stylesheet()
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        service: TriageService,
        *,
        today: date,
        keymap: Mapping[str, str] | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self.service = service
        self.today = today
        self.poll_seconds = poll_seconds
        self.collector = IdleCollector()
        """Full garbage collections at idle moments only (see tui.idle_gc)."""
        self.edits = EditHub(self, service)
        """Every screen's edits, once recorded: shown and pushed (see tui.edit_hub)."""
        self.keymap: Mapping[str, str] = dict(keymap or {})
        """The config's [keymap], binding id -> keys (hints are built from it)."""
        if keymap:
            self.set_keymap(dict(keymap))

    def on_mount(self) -> None:
        # Everything alive after the first paint (modules, Textual, the first cards) lives
        # as long as the app: keep it out of the collector's full passes, which otherwise
        # walk it all and stalled the board 60-90 ms at a time during big syncs.
        self.call_after_refresh(gc.freeze)
        self.collector.start()
        self.set_interval(IDLE, self.collector.check)
        if self.keymap:  # only a keymap to check pays for importing every screen
            self.call_after_refresh(self._check_keymap)

    def on_unmount(self) -> None:
        self.collector.stop()

    @on(PushFinished)
    def _pushed(self, message: PushFinished) -> None:
        self.edits.finished(message)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Every toast is plain text: most carry remote or error text (a title, a label,
        # GitLab's message), where "[/" raised and "[@click=app.quit]" ran; none of ours
        # uses markup. Here, once, for every screen's notify (Widget.notify asks markup).
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self.collector.input()
        if isinstance(event, events.Paste) and not event.is_forwarded:
            # A bracketed paste reaches whichever field has focus with its escapes intact
            # (Input and TextArea insert it as is, and draw it back to the terminal):
            # cleaned here, once, before Textual routes it to any widget.
            event.text = clean_paste(event.text, one_line=isinstance(self.focused, Input))
        await super().on_event(event)

    def get_default_screen(self) -> Screen[None]:
        return BoardScreen(self.service, self.today, poll_seconds=self.poll_seconds)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if not isinstance(screen, BoardScreen):
            yield from super().get_system_commands(screen)
            return
        from triage_tui.tui.palette import board_commands

        # Textual's own "Keys" panel gives way to the board's `?` list (the same keys, with
        # the ids [keymap] remaps them by), which the board's commands include.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Keys")
        yield from board_commands(screen)

    def _check_keymap(self) -> None:
        """Say what is wrong with the [keymap] on the board itself, where it is seen (a
        warning on stderr would be wiped by the board's screen before it could be read)."""
        from triage_tui.tui.keys import keymap_problems, screens_bindings

        if problems := keymap_problems(self.keymap, screens_bindings()):
            self.notify(
                "\n".join([*problems, "(`triage-tui config check` says this too.)"]),
                title="The keymap in the config file",
                severity="warning",
                timeout=30,
            )
