"""The outbox: edits not yet on GitLab, and the ones GitLab refused or that conflict.

A conflict shows both sides ("you saw Red, GitLab now has Yellow"); the person
keeps theirs (r: sent over GitLab's version) or drops it (d: the issue goes back
to GitLab's version). Nothing is decided for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.domain.edit import EditState, OutboxEntry, outbox_line
from triage_tui.tui.edit_hub import EditNews, hub
from triage_tui.tui.guards import saving
from triage_tui.tui.keys import key_text

if TYPE_CHECKING:
    from triage_tui.services import TriageService

_STATE_STYLE = {
    EditState.PENDING: "$text-muted",
    EditState.FAILED: "$error",
    EditState.CONFLICT: "$warning",
}


def entry_content(entry: OutboxEntry) -> Content:
    shown = outbox_line(entry)
    style = _STATE_STYLE.get(shown.state, "")
    parts: list[Content | str | tuple[str, str]] = [
        (f"{shown.word:<9}", f"bold {style}"),
        (f"{shown.where:<10}", "bold"),
        shown.what,
        (f"  {shown.when:%d %b %H:%M}", "$text-muted"),
    ]
    for label, line in shown.reasons:
        parts.append((f"\n         {label} {line}", "$accent" if label == "yours:" else style))
    return Content.assemble(*parts)


class OutboxScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,o,q", "close", "Close", id="outbox.close"),
        Binding("r", "retry", "Retry / keep mine", id="outbox.retry"),
        Binding("d", "discard", "Discard", id="outbox.discard"),
        Binding("p", "push", "Push now", id="outbox.push"),
    ]

    def __init__(self, service: TriageService) -> None:
        super().__init__()
        self.service = service
        self.entries: list[OutboxEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox-dialog", classes="dialog"):
            yield Static(id="outbox-heading", markup=False, classes="dialog-head")
            yield OptionList(id="outbox-list")
            yield Static(
                f"{key_text(self, 'outbox.retry')} retry (a conflict: keep mine) · "
                f"{key_text(self, 'outbox.discard')} discard (back to GitLab's version) · "
                f"{key_text(self, 'outbox.push')} push now · "
                f"{key_text(self, 'outbox.close')} close",
                markup=False,
                classes="dialog-foot",
            )

    def on_mount(self) -> None:
        # Listed again after each of this app's edits and pushes (a retry sent, say).
        hub(self).news.subscribe(self, self._edit_news)
        self.show_entries(self.service.outbox())

    def _edit_news(self, news: EditNews) -> None:
        self.show_entries(self.service.outbox())

    def show_entries(self, entries: list[OutboxEntry]) -> None:
        self.entries = entries
        waiting = sum(e.state is EditState.PENDING for e in entries)
        needs = len(entries) - waiting
        heading = Content.assemble(
            ("Outbox ", "bold"),
            f"· {waiting} waiting to be sent",
            (f" · {needs} need you" if needs else "", "bold $warning"),
        )
        self.query_one("#outbox-heading", Static).update(heading)
        options = self.query_one("#outbox-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not entries:
            options.add_option(Option("Nothing waiting: every edit is on GitLab.", disabled=True))
            return
        options.add_options(Option(entry_content(e), id=str(e.id)) for e in entries)
        options.highlighted = min(highlighted or 0, len(entries) - 1)
        options.focus()

    def _current(self) -> OutboxEntry | None:
        options = self.query_one("#outbox-list", OptionList)
        if options.highlighted is None or not self.entries:
            return None
        option = options.get_option_at_index(options.highlighted)
        return next((e for e in self.entries if str(e.id) == option.id), None)

    def action_retry(self) -> None:
        if (entry := self._current()) is not None:
            with saving(self):
                self.service.retry_edit(entry.id)
                self._changed(entry)

    def action_discard(self) -> None:
        if (entry := self._current()) is not None:
            with saving(self):
                self.service.discard_edit(entry.id)
                self._changed(entry)

    def _changed(self, entry: OutboxEntry) -> None:
        # (A discarded new issue leaves the board: its card is placed as gone.)
        hub(self).changed(entry.edit.iid)
        hub(self).push()

    def action_push(self) -> None:
        hub(self).push()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_retry()
