"""The outbox: edits not yet on GitLab, and the ones GitLab refused or that conflict.

A conflict shows both sides ("you saw Red, GitLab now has Yellow"); the person
keeps theirs (r: sent over GitLab's version) or drops it (d: the issue goes back
to GitLab's version). Nothing is decided for them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.domain.edit import EditState, OutboxEntry
from triage_tui.domain.issue import iid_text
from triage_tui.tui.keys import key_text

_STATE_STYLE = {
    EditState.PENDING: "$text-muted",
    EditState.FAILED: "$error",
    EditState.CONFLICT: "$warning",
}
_STATE_WORD = {
    EditState.PENDING: "waiting",
    EditState.FAILED: "refused",
    EditState.CONFLICT: "conflict",
}


def entry_content(entry: OutboxEntry) -> Content:
    edit = entry.edit
    where = iid_text(edit.iid)
    parts: list[Content | str | tuple[str, str]] = [
        (
            f"{_STATE_WORD.get(entry.state, entry.state.value):<9}",
            f"bold {_STATE_STYLE.get(entry.state, '')}",
        ),
        (f"{where:<10}", "bold"),
        edit.summary or edit.kind.value,
        (f"  {entry.created_at:%d %b %H:%M}", "$text-muted"),
    ]
    if entry.state is EditState.CONFLICT:
        parts.append(("\n         yours: " + (edit.summary or edit.kind.value), "$accent"))
    for line in entry.error.splitlines():
        if line.strip():
            label = "GitLab:" if entry.state is not EditState.PENDING else "last try:"
            parts.append((f"\n         {label} {line}", _STATE_STYLE.get(entry.state, "")))
    return Content.assemble(*parts)


class OutboxScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,o,q", "close", "Close", id="outbox.close"),
        Binding("r", "retry", "Retry / keep mine", id="outbox.retry"),
        Binding("d", "discard", "Discard", id="outbox.discard"),
        Binding("p", "push", "Push now", id="outbox.push"),
    ]

    def __init__(
        self, entries: list[OutboxEntry], decide: Callable[[str, int | None], None]
    ) -> None:
        """`decide(action, entry_id)` carries out "retry", "discard" or "push" (the board
        screen owns the service) and calls `show_entries` with the new list."""
        super().__init__()
        self.entries = entries
        self.decide = decide

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
        self.show_entries(self.entries)

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

    def _current(self) -> int | None:
        options = self.query_one("#outbox-list", OptionList)
        if options.highlighted is None or not self.entries:
            return None
        option = options.get_option_at_index(options.highlighted)
        return int(option.id) if option.id else None

    def action_retry(self) -> None:
        if (entry_id := self._current()) is not None:
            self.decide("retry", entry_id)

    def action_discard(self) -> None:
        if (entry_id := self._current()) is not None:
            self.decide("discard", entry_id)

    def action_push(self) -> None:
        self.decide("push", None)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_retry()
