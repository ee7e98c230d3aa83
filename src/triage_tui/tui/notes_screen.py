"""`w`: an issue's weekly updates, newest first, and the composer for the next one.

Notes are Markdown from GitLab: shown as Markdown, with links that are never
followed (Enter or a click copies the link) and no way for text to run an app
action. A draft is kept in the cache while it is written, so closing the pane or
the app loses nothing.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static, TextArea

from triage_tui.domain.issue import IssueDetail, iid_text, make_card
from triage_tui.domain.records import Note
from triage_tui.domain.weekly import (
    has_content,
    is_bot,
    is_health_move_note,
    update_template,
)
from triage_tui.services import CacheProblem, TriageService
from triage_tui.tui.edit_hub import EditNews, hub
from triage_tui.tui.format import WithHint, last_update_phrase
from triage_tui.tui.guards import can_edit, saving
from triage_tui.tui.keys import key_text

#: A longer note is cut here (GitLab allows 1 MB): laying out a megabyte would stall the app.
NOTE_LIMIT = 20_000
#: Notes shown at once; older ones are in GitLab.
NOTES_SHOWN = 60


class NotesScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="notes.close"),
        Binding("c,enter", "compose", "Write update", id="notes.compose"),
        Binding("s", "toggle_system", "System notes", id="notes.toggle-system"),
        Binding("ctrl+s", "post", "Post", show=False, id="notes.post"),
    ]

    show_system: reactive[bool] = reactive(False, init=False)
    """Label changes, closes and other system notes are hidden unless this is set."""

    def __init__(
        self,
        service: TriageService,
        detail: IssueDetail,
        today: date,
        *,
        compose: bool = False,
    ) -> None:
        super().__init__()
        self.service = service
        self.detail = detail
        self.today = today
        self.start_composing = compose

    @property
    def iid(self) -> int:
        return self.detail.summary.iid

    def compose(self) -> ComposeResult:
        yield Static(id="notes-title", markup=False)
        yield VerticalScroll(id="notes-list")
        with Vertical(id="composer", classes="hidden"):
            yield Static(
                f"New weekly update · {key_text(self, 'notes.post')} posts it to GitLab · "
                f"{key_text(self, 'notes.close')} closes and keeps the draft",
                classes="dialog-help",
            )
            yield TextArea(id="composer-text", soft_wrap=True, show_line_numbers=False)
        yield Footer()

    class Fetched(Message):
        def __init__(self, problem: str) -> None:
            self.problem = problem
            super().__init__()

    async def on_mount(self) -> None:
        hub(self).news.subscribe(self, self._edit_news)
        self._title()
        await self._show_notes()
        self._fetch()
        if self.start_composing or self.service.draft(self.iid):
            self.action_compose()

    def _title(self) -> None:
        summary = self.detail.summary
        card = make_card(summary, self.today)
        last = last_update_phrase(card)
        title = Content.assemble(
            (f" {iid_text(summary.iid)} ", "bold reverse"),
            (f" {summary.title} ", "bold"),
            "· weekly updates · last ",
            (last, "bold $warning" if card.update_overdue else "bold"),
            (" · overdue: no update in 7 days" if card.update_overdue else "", "$warning"),
        )
        # The hint goes when it does not fit whole (the footer has `s` too).
        hint = Content.styled("  (s: system notes)", "$text-muted")
        self.query_one("#notes-title", Static).update(WithHint(title, hint))

    @work(thread=True, group="notes", exit_on_error=False)
    def _fetch(self) -> None:
        # The cached notes show at once; GitLab's latest follow when they come.
        self.post_message(self.Fetched(self.service.fetch_notes(self.iid)))

    async def on_notes_screen_fetched(self, message: Fetched) -> None:
        if message.problem:
            self.notify(f"Showing the notes from the cache: {message.problem}", timeout=6)
            return
        self.detail = self.service.detail(self.iid) or self.detail
        hub(self).changed(self.iid)  # (its card's "last update" may be newer now)
        self._title()
        await self._show_notes()

    async def _edit_news(self, news: EditNews) -> None:
        # After a push: updates sent meanwhile lose their "waiting" mark.
        if news.pushed is not None:
            await self._show_notes()

    async def _show_notes(self) -> None:
        listing = self.query_one("#notes-list", VerticalScroll)
        await listing.remove_children()
        notes = [n for n in self.service.notes(self.iid) if self.show_system or not n.system]
        widgets: list[Static | Markdown] = []
        bots = self.service.bots
        for note in notes[:NOTES_SHOWN]:
            widgets += _note_widgets(note, bots)
        if len(notes) > NOTES_SHOWN:
            widgets.append(Static(f"… {len(notes) - NOTES_SHOWN} older notes are in GitLab."))
        if not widgets:
            widgets.append(Static("No weekly updates yet: press c to write the first one."))
        await listing.mount_all(widgets)

    async def watch_show_system(self) -> None:
        await self._show_notes()

    def action_toggle_system(self) -> None:
        self.show_system = not self.show_system

    def action_compose(self) -> None:
        composer = self.query_one("#composer")
        composer.remove_class("hidden")
        text = self.query_one("#composer-text", TextArea)
        if not text.text:
            draft = self.service.draft(self.iid)
            text.text = draft or update_template(make_card(self.detail.summary, self.today).health)
            # A fresh template: start typing on its first bullet; a draft: where it ends.
            end = text.document.end
            text.cursor_location = end if draft else (1, len(text.document.get_line(1)))
            if not draft:
                # (The cursor was placed before the area had a height: it scrolled past
                # the template's first heading. Show it from the top.)
                self.call_after_refresh(text.scroll_to, 0, 0, animate=False)
        text.focus()

    @on(TextArea.Changed, "#composer-text")
    def _keep_draft(self, event: TextArea.Changed) -> None:
        body = event.text_area.text
        health = make_card(self.detail.summary, self.today).health
        # The untouched template is not a draft; anything more is kept.
        # Busy or full for a moment: the text is still in the area, and the next change
        # keeps it again (posting says plainly if the cache still refuses).
        with suppress(CacheProblem):
            self.service.save_draft(self.iid, body if has_content(body, health) else "")

    async def action_post(self) -> None:
        if not can_edit(self, self.service):
            return  # the draft stays: it is posted once this person has a token
        text = self.query_one("#composer-text", TextArea)
        if not has_content(text.text, make_card(self.detail.summary, self.today).health):
            self.notify("Write what happened this week first.", severity="warning", timeout=4)
            return
        posted = False
        with saving(self):
            self.service.post_update(self.iid, text.text)
            posted = True
        if not posted:
            return  # the cache refused it (said): what was written stays in the composer
        hub(self).edited(f"{iid_text(self.iid)} weekly update", self.iid)
        text.text = ""
        self.query_one("#composer").add_class("hidden")
        self.notify("Weekly update saved; sending it to GitLab.", timeout=3)
        await self._show_notes()

    def action_close(self) -> None:
        composer = self.query_one("#composer")
        if not composer.has_class("hidden"):
            composer.add_class("hidden")  # the draft is already kept
            return
        self.dismiss(None)

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        # Never followed: a link in a note is data. Copying it lets a person open it.
        event.stop()
        self.app.copy_to_clipboard(event.href)
        self.notify(f"Copied link: {event.href[:80]}", timeout=4)


def _note_widgets(note: Note, bots: frozenset[str]) -> list[Static | Markdown]:
    pending = note.id < 0
    # Every note is shown; the ones that did not restart the weekly clock say why.
    machine = not note.system and is_bot(note.author, bots)
    move = not note.system and not machine and is_health_move_note(note.body)
    header = Content.assemble(
        (f"@{note.author}", "bold"),
        f" · {note.created_at:%Y-%m-%d %H:%M}",
        (" · waiting to be sent" if pending else "", "$warning"),
        (" · system" if note.system else "", "$text-muted"),
        (" · bot, not a weekly update" if machine else "", "$text-muted"),
        (" · health change, not a weekly update" if move else "", "$text-muted"),
    )
    body = note.body
    if len(body) > NOTE_LIMIT:
        body = (
            body[:NOTE_LIMIT]
            + f"\n\n*… {len(note.body) - NOTE_LIMIT:,} more characters in GitLab.*"
        )
    widgets: list[Static | Markdown] = [Static(header, classes="note-header", markup=False)]
    if note.system:
        widgets.append(Static(body, classes="note-system", markup=False))
    else:
        widgets.append(Markdown(body, open_links=False, classes="note-body"))
    return widgets
