"""The main screen: the board, the detail pane, the filter bar and the status line."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState, get_current_worker

from triage_tui.domain.board import Board, BoardKind, build_board, with_card, with_card_in
from triage_tui.domain.er_call import CallInputs
from triage_tui.domain.issue import Card
from triage_tui.domain.sync_report import (
    CLOSED_NOTES,
    HISTORY,
    ISSUES,
    NOTES,
    RATE_LIMIT,
    SyncReport,
    progress_text,
)
from triage_tui.services import TriageService
from triage_tui.tui.board_bars import StatusBar, TitleBar
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.card_edits import CardEdits, needs_edit
from triage_tui.tui.detail_pane import DetailPane
from triage_tui.tui.edit_hub import EditNews, hub
from triage_tui.tui.format import age_phrase
from triage_tui.tui.help_modal import HelpModal, describe_bindings
from triage_tui.tui.keys import key_text
from triage_tui.tui.one_at_a_time import OneAtATime

if TYPE_CHECKING:  # (imported when the call is opened: startup stays quick)
    from triage_tui.tui.er_screen import ERScreen

#: While this board's own sync runs, the cards are reloaded at most this often (seconds).
SYNC_RELOAD_EVERY = 5.0
#: The bars' ages, and the day the cards are counted from, are renewed this often (seconds).
TICK_SECONDS = 30.0
#: Sync progress reaches the status line at most this often (seconds).
PROGRESS_EVERY = 0.25

#: Cards read per column for the first paint, the rest following in a worker: a screen of
#: 250 lines shows 62 (tui.column_view.CARD_HEIGHT).
FIRST_SCREEN_CARDS = 64

#: Below this width the detail pane covers the board instead of sitting beside it.
NARROW_WIDTH = 110


class View(NamedTuple):
    """What the board shows: which board, closed issues or not, and the filter."""

    kind: BoardKind
    closed: bool
    query: str


class FilterBar(Input):
    """The filter bar. Enter and Esc are priority bindings: Textual runs those as it reads
    the key, before it hands the next key to the focused widget, so the board has focus
    again before a key typed right after them arrives. (Through Input's own Enter, focus
    came back a few messages later: `/click` Enter `3` typed in one go gave `click3`.)"""

    BINDINGS = [
        Binding("enter", "leave(True)", "Done", priority=True, id="filter.done"),
        Binding("escape", "leave(False)", "Clear", priority=True, id="filter.clear"),
    ]

    def action_leave(self, keep: bool) -> None:
        self.screen.set_focus(self.screen.query_one(BoardView))
        # Keys typed before this one may still be on their way to the bar: finish after
        # them, in the bar's own queue, so the filter is what was typed.
        self.call_later(self._left, keep)

    def _left(self, keep: bool) -> None:
        if not keep:
            self.value = ""
        if not self.value and not self.has_focus:  # (not if `/` opened it again meanwhile)
            self.add_class("hidden")


class BoardScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "enter",
            "open_detail",
            "Details",
            tooltip="The detail pane for the highlighted card",
            id="board.open-detail",
        ),
        Binding("escape", "close", "Close", show=False, id="board.close"),
        # Priority: "/" followed at once by typing (a paste, a fast typist) must open the
        # bar before the next keys are dispatched to the board.
        Binding(
            "slash",
            "filter",
            "Filter",
            priority=True,
            tooltip="Type to filter by account, label, @TAM, region, is:new, is:overdue",
            id="board.filter",
        ),
        Binding(
            "b",
            "switch_board",
            "Board",
            tooltip="Between the Colours (health) and Region boards",
            id="board.switch",
        ),
        Binding(
            "c",
            "toggle_closed",
            "Closed",
            show=False,
            tooltip="Show or hide closed issues on the board",
            id="board.toggle-closed",
        ),
        Binding(
            "s",
            "sync",
            "Sync",
            show=False,
            tooltip="Sync with GitLab (and Salesforce) now",
            id="board.sync",
        ),
        Binding(
            "y",
            "copy_link",
            "Copy link",
            show=False,
            tooltip="Copy the issue's GitLab link",
            id="issue.copy-link",
        ),
        Binding(
            "v",
            "overview",
            "Overview",
            show=False,
            tooltip="Colour by region with ARR at risk, renewals by quarter, overdue updates",
            id="board.overview",
        ),
        Binding(
            "question_mark",
            "help",
            "Keys",
            tooltip="Every key as bound now, with the id the config remaps it by",
            id="app.help",
        ),
        # The edit keys (what each does is in CardEdits):
        Binding(
            "shift+left,H",
            "move_card(-1)",
            "Move left",
            show=False,
            tooltip="The card to the next column left (asks why when its health changes)",
            id="card.move-left",
        ),
        Binding(
            "shift+right,L",
            "move_card(1)",
            "Move right",
            show=False,
            tooltip="The card to the next column right (asks why when its health changes)",
            id="card.move-right",
        ),
        Binding(
            "m",
            "move_to",
            "Move to…",
            show=False,
            tooltip="The card to a column picked from a list",
            id="card.move-to",
        ),
        Binding(
            "r",
            "review",
            "Reviewed",
            show=False,
            tooltip="Mark the card reviewed: removes ~New (again: puts it back)",
            id="card.review",
        ),
        Binding(
            "R",
            "review_queue",
            "~New queue",
            show=False,
            tooltip="Only the ~New issues, to review one after another",
            id="board.review-queue",
        ),
        Binding(
            "e",
            "edit_menu",
            "Edit…",
            tooltip="Labels, assignees, milestone, due date, close or reopen",
            id="card.edit",
        ),
        Binding(
            "w",
            "weekly",
            "Updates",
            tooltip="The issue's weekly updates, and write one",
            id="issue.weekly",
        ),
        Binding(
            "t",
            "team",
            "Team",
            show=False,
            tooltip="The issue's triage team: TAM, leader, CS manager…",
            id="issue.team",
        ),
        Binding(
            "E",
            "er_call",
            "ER call",
            show=False,
            tooltip="The weekly Customer ER call's agenda",
            id="board.er-call",
        ),
        Binding(
            "n",
            "new_issue",
            "New issue",
            show=False,
            tooltip="Open a triage issue from the template",
            id="issue.new",
        ),
        Binding(
            "u",
            "undo",
            "Undo",
            show=False,
            tooltip="Take back the last edit not yet on GitLab",
            id="edit.undo",
        ),
        Binding(
            "o",
            "outbox",
            "Outbox",
            show=False,
            tooltip="Edits waiting for GitLab, and those it refused",
            id="outbox.open",
        ),
    ]

    kind: reactive[BoardKind] = reactive(BoardKind.COLOURS, init=False)
    """Which board is shown."""
    show_closed: reactive[bool] = reactive(False, init=False)
    """Closed issues are off the board unless this is set."""
    filter_text: reactive[str] = reactive("", init=False)
    """The filter typed after `/`."""
    detail_open: reactive[bool] = reactive(False, init=False)
    """The detail pane is shown (beside the board, or over it when narrow)."""

    @dataclass
    class SyncProgress(Message):
        text: str
        phase: str = ""

        def can_replace(self, message: Message) -> bool:
            # Still queued behind a newer line of the same phase: only the newer is shown.
            # (A change of phase is kept: its end reads the cards.)
            return isinstance(message, BoardScreen.SyncProgress) and message.phase == self.phase

    class SyncFinished(Message):
        def __init__(self, report: SyncReport) -> None:
            self.report = report
            super().__init__()

    class CardsLoaded(Message):
        def __init__(self, cards: list[Card], board: Board, view: View, number: int) -> None:
            self.cards = cards
            self.board = board
            self.view = view
            """The board kind, closed toggle and filter the board was built for."""
            self.number = number
            """Which load this is (they are numbered as they start)."""
            super().__init__()

    class CallRead(Message):
        """The ER call's accounts and agenda, read ahead for load `number`'s cards."""

        def __init__(self, inputs: CallInputs, number: int) -> None:
            self.inputs = inputs
            self.number = number
            super().__init__()

    def __init__(self, service: TriageService, today: date, *, poll_seconds: float = 1.0) -> None:
        super().__init__()
        self.service = service
        self.today = today
        self.poll_seconds = poll_seconds
        # The first paint needs each column's count and first cards only: a board of
        # 50,000 issues paints as soon as one of 500 does, and every card follows in the
        # load worker (closed issues only once someone shows them, `c`).
        self.data_version = service.data_version()
        self._commits = service.commit_counts()
        """(every process's commits, this process's) when the board last read the cache."""
        self._first = service.first_screen(self.kind, FIRST_SCREEN_CARDS)
        self.cards: list[Card] | None = None
        """Every card read (with the closed ones when shown); None until the first load."""
        self.sync_phase = ""
        self._last_reload = 0.0
        self._loads = OneAtATime()
        self._loads_started = 0
        self._select_after: tuple[int, int] | None = None
        """(iid, loads started before it was asked): see select_when_loaded."""
        self.call_inputs: CallInputs | None = None
        """The ER call's accounts and agenda for self.cards (None: not read yet)."""
        self._shown_load = (0, 0)
        """(number of the load whose cards these are, placements of cards since it)."""
        self._placing: tuple[View, Board] | None = None
        """(view, board) of an edited card placed but not shown yet: see _place_card."""
        self._er_screen: ERScreen | None = None
        """The ER call's screen, kept while the call is open (see ERScreen.reopen)."""
        self.card_edits = CardEdits(
            self, service, today=lambda: self.today, select=self.select_when_loaded
        )

    def _view(self) -> View:
        return View(self.kind, self.show_closed, self.filter_text)

    def _build(self, cards: list[Card], view: View | None = None) -> Board:
        kind, closed, query = view or self._view()
        return build_board(cards, kind, show_closed=closed, query=query)

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title-bar")
        with Horizontal(id="main"):
            yield BoardView(self._first, id="board")
            yield DetailPane(id="detail", classes="hidden")
        yield FilterBar(
            placeholder="Filter: account, title, label, @tam, region, is:new, is:overdue",
            id="filter",
            classes="hidden",
        )
        yield StatusBar(id="status")
        yield Footer()

    @property
    def board_view(self) -> BoardView:
        return self.query_one(BoardView)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        hub(self).news.subscribe(self, self._edit_news)
        self.board_view.focus()
        self._show_title()
        self._show_source()
        self._show_outbox()
        self.call_after_refresh(self.reload_cards)  # after the first paint: every card
        self.set_interval(self.poll_seconds, self._poll)
        self.set_interval(TICK_SECONDS, self._tick)
        interval = self.service.settings.sync_interval
        if interval > 0 and not self.service.sync_problem():
            self.set_interval(interval, self._sync)
            self._sync()

    def _tick(self) -> None:
        """Ages in the bars move on; past midnight the cards' days (renewal, last update)
        are counted from the new day (a lead's board stays open all week)."""
        self._show_source()
        today = self.service.today()
        if today != self.today:
            self.today = today
            self.reload_cards()

    # -- sync -------------------------------------------------------------------------------

    def action_sync(self) -> None:
        problem = self.service.sync_problem()
        if problem:
            self.notify(problem, title="Cannot sync", severity="warning", timeout=8)
            return
        self._sync()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync(self) -> None:
        # The sync runs in a child process (see TriageService.sync_in_child); this thread
        # only waits on its pipe, so the board keeps answering.
        last = 0.0

        def progress(phase: str, done: int, total: int | None) -> None:
            # A few updates a second: one per issue's notes would flood the event loop.
            # (A rate-limit countdown comes once a second and always shows.)
            nonlocal last
            now = time.monotonic()
            if phase == RATE_LIMIT or now - last >= PROGRESS_EVERY or done == total:
                last = now
                comma = "," if phase == RATE_LIMIT else ""
                text = f"syncing{comma} {progress_text(phase, done, total)}…"
                self.post_message(self.SyncProgress(text, phase))

        self.post_message(self.SyncProgress("syncing…"))
        self.post_message(self.SyncFinished(self.service.sync_in_child(progress=progress)))

    def on_board_screen_sync_progress(self, message: SyncProgress) -> None:
        # Every issue is in (show them all before the notes), then every open issue's
        # notes (their "last update" ages are right before the closed ones' notes come).
        phase = message.phase
        self.status_bar.sync_status = message.text
        if phase == RATE_LIMIT:  # a pause within the phase, not a phase of its own
            return
        step_done = self.sync_phase in (ISSUES, NOTES) and phase not in ("", self.sync_phase)
        self.sync_phase = phase
        if step_done:
            self._poll(force=True)

    def on_board_screen_sync_finished(self, message: SyncFinished) -> None:
        self.status_bar.sync_status = self.sync_phase = ""
        self._show_source()
        self._poll(force=True)
        if not message.report.ok:
            self.notify(
                message.report.summary(),
                title="Sync failed",
                severity="error",
                timeout=10,
            )
        elif message.report.salesforce_warning:  # synced, but some accounts show no score
            self.notify(message.report.salesforce_warning, severity="warning", timeout=10)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")

    # -- data -------------------------------------------------------------------------------

    def _poll(self, *, force: bool = False) -> None:
        """Another process (a sync, another user) changed the cache: reload in a thread.
        While this board's own sync writes page after page, reload only every few
        seconds: each reload of 10,000 cards costs the event loop ~80 ms."""
        version = self.service.data_version()
        if version == self.data_version:
            return
        now = time.monotonic()
        # The notes phases only move "last update" ages, the history phase the trends: one
        # reload as each ends.
        throttled = self.sync_phase in (NOTES, CLOSED_NOTES, HISTORY)
        throttled = throttled or now - self._last_reload < SYNC_RELOAD_EVERY
        if self.status_bar.sync_status and not force and throttled:
            return
        self._last_reload = now
        self.data_version = version
        # Only this process's own commits since (a push's, each shown as its news came:
        # see tui.edit_hub): no read. A full read was ~1 s at 50,000 after every push.
        # A writer that does not count its commits (another program) moves data_version
        # alone: read then too.
        total, own = self.service.commit_counts()
        counted, ours = total - self._commits[0], own - self._commits[1]
        self._commits = (total, own)
        if counted > ours or counted == 0:
            self.reload_cards()

    def reload_cards(self, iid: int | None = None) -> None:
        """Re-read the cards (after this process's own edit, which data_version does not
        report: it only changes for other connections' commits). One load at a time: a
        reload asked for during one follows it. (Cancelling the running load instead
        starved the board while another process kept committing more often than a load
        took: it never got past its first screen.)
        `iid`: only that issue changed. Once every card is here, its card alone is read
        again and placed: reading every card was ~1 s at 50,000 after each review."""
        complete = self.board_view.board.complete
        if iid is not None and self.cards is not None and not self._loads.running and complete:
            self._place_card(iid, self.cards)
            return
        if not self._loads.ask():
            return
        self._loads_started += 1
        self._load_cards(self._loads_started)

    def _place_card(self, iid: int, cards: list[Card]) -> None:
        card = self.service.card(iid)
        kept = card if card is not None and (self.show_closed or not card.closed) else None
        before = next((c for c in cards if c.iid == iid), None)
        self.cards = with_card_in(cards, iid, kept)
        load, placed = self._shown_load
        self._shown_load = (load, placed + 1)
        if self.call_inputs is not None:
            self.call_inputs = self.call_inputs.with_card(self.cards, before, card)
        # Edits can follow each other faster than the placed board is shown: each one
        # builds on the last placement, or an earlier change would be lost.
        view = self._view()
        placing = self._placing
        base = placing[1] if placing is not None and placing[0] == view else self.board_view.board
        board = with_card(base, iid, card, show_closed=view.closed, query=view.query)
        self._placing = (view, board)
        self.call_later(self._show_placed, self._placing)

    async def _show_placed(self, placing: tuple[View, Board]) -> None:
        # A later placement shows this one's change too; a switch of board or filter
        # meanwhile rebuilt from self.cards, which has it.
        if self._placing is not placing:
            return
        self._placing = None
        if placing[0] == self._view():
            await self.board_view.show_board(placing[1])
            self._show_title()

    def select_when_loaded(self, iid: int) -> None:
        """Put the cursor on issue `iid` once a load that began after now arrives (a new
        issue, not on the board yet)."""
        self._select_after = (iid, self._loads_started)

    @work(thread=True, group="load", exit_on_error=False)
    def _load_cards(self, number: int) -> None:
        # Thread worker: the service opens this thread's own SQLite connection, and the
        # board is built here too (pure, ~45 ms at 10,000 cards), off the event loop.
        # Cancelled (the person quit): stop between batches, so quitting during the load
        # of a big board is not held up by it.
        worker = get_current_worker()
        view = self._view()
        cards = self.service.cards(include_closed=view.closed, stop=lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return
        self.post_message(self.CardsLoaded(cards, self._build(cards, view), view, number))
        # Then what opening the ER call needs, so that it opens at once (~1 s at 50,000).
        accounts = self.service.accounts()
        agenda = self.service.agenda(cards=cards, accounts=accounts)
        if not worker.is_cancelled:
            self.post_message(self.CallRead(CallInputs.of(accounts, agenda), number))

    async def on_board_screen_cards_loaded(self, message: CardsLoaded) -> None:
        again = self._loads.finished()
        self._placing = None  # this read has every change
        self.cards = message.cards
        self.call_inputs, self._shown_load = None, (message.number, 0)
        # The person may have switched boards or typed in the filter meanwhile.
        fresh = message.board if message.view == self._view() else self._build(self.cards)
        await self.board_view.show_board(fresh)
        # (What made it read again, a sync or another board, may have sent edits too.)
        self._show_title()
        self._show_source()
        self._show_outbox()
        if self._select_after is not None:
            iid, before = self._select_after
            if self.board_view.select_iid(iid) or message.number > before:
                self._select_after = None
        # Closed issues asked for (`c`) during a load of the open ones only: read them.
        if again or (self.show_closed and not message.view.closed):
            self.reload_cards()

    def on_board_screen_call_read(self, message: CallRead) -> None:
        # Only for the cards shown, none of them changed since (else: read on opening).
        if self._shown_load == (message.number, 0) and not self._loads.running:
            self.call_inputs = message.inputs

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "load" or event.state not in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self._loads.finished()  # (not again at once: the next poll or edit reads again)
        if event.state is WorkerState.ERROR:
            self.notify(
                f"Could not read the cache: {event.worker.error}",
                title="Board not refreshed",
                severity="error",
                timeout=10,
            )

    async def _rebuild(self) -> None:
        if self.cards is None:
            return  # the first load is on its way and builds the board asked for by then
        await self.board_view.show_board(self._build(self.cards))
        self._show_title()

    async def watch_kind(self) -> None:
        await self._rebuild()

    async def watch_show_closed(self, show: bool) -> None:
        if show:
            self.reload_cards()  # the closed ones were not read
        else:
            await self._rebuild()

    async def watch_filter_text(self) -> None:
        await self._rebuild()

    # -- bars -------------------------------------------------------------------------------

    def _show_title(self) -> None:
        """The title bar: the board shown, and how it is filtered."""
        board, bar = self.board_view.board, self.query_one(TitleBar)
        bar.kind, bar.total = board.kind, board.total
        bar.closed, bar.filter_text = self.show_closed, self.filter_text

    def _show_source(self) -> None:
        """Where the cards come from, how fresh, and what the last sync said."""
        info = self.service.info()
        if info.source == "demo":
            source = "demo data — nothing here is real"
        elif info.source:
            source = f"{info.source_name} · synced {age_phrase(info.refreshed_at)}"
        else:
            source = "empty cache — run `triage-tui sync`"
        bar = self.status_bar
        bar.source, bar.last_error = source, info.last_error or ""
        bar.mismatch = self.service.source_mismatch(info)
        bar.read_only = bool(self.service.read_only)

    def _show_outbox(self) -> None:
        """The edits waiting and those that need the person, and what the push said."""
        bar, edits = self.status_bar, hub(self)
        bar.waiting, bar.needs = self.service.outbox_counts()
        bar.pushed_by, bar.push_status = edits.pushed_by, edits.status

    # -- detail -----------------------------------------------------------------------------

    @on(BoardView.CursorMoved)
    def _cursor_moved(self, message: BoardView.CursorMoved) -> None:
        if self.detail_open:
            self._show_detail(message.card)

    def _show_detail(self, card: Card | None) -> None:
        detail = self.service.detail(card.iid) if card else None
        history = self.service.health_history(card.iid) if card else []
        self.detail.show_issue(detail, self.today, history)

    def action_open_detail(self) -> None:
        self.detail_open = True
        self._show_detail(self.board_view.current)

    def action_close(self) -> None:
        """Esc: close the detail pane, else clear the filter. (In the filter bar, Esc is
        the bar's own: FilterBar.action_leave.)"""
        bar = self.query_one("#filter", Input)
        if bar.has_focus or (not self.detail_open and self.filter_text):
            bar.value = ""
            bar.add_class("hidden")
            self.set_focus(self.board_view)
        elif self.detail_open:
            self.detail_open = False
            self.board_view.focus()

    def watch_detail_open(self, shown: bool) -> None:
        self.detail.set_class(not shown, "hidden")
        self.set_class(shown, "detail-open")

    def action_copy_link(self) -> None:
        card = self.board_view.current
        detail = self.service.detail(card.iid) if card else None
        if detail and detail.web_url:
            self.app.copy_to_clipboard(detail.web_url)
            self.notify(f"Copied {detail.web_url}", timeout=3)

    # -- board switching, closed, filter ----------------------------------------------------

    def action_switch_board(self, kind: BoardKind | None = None) -> None:
        self.kind = kind or self.kind.other

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.notify(
            "Showing closed issues" if self.show_closed else "Closed issues hidden", timeout=2
        )

    def action_filter(self) -> None:
        bar = self.query_one("#filter", Input)
        if bar.has_focus:  # a "/" typed into the filter itself
            bar.insert_text_at_cursor("/")
            return
        bar.remove_class("hidden")
        self.set_focus(bar)  # now, not after the keys already queued (as .focus() would)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        """Input's own Enter: only reached when `filter.done` is remapped to another key
        (FilterBar.action_leave handles Enter otherwise)."""
        if not event.value:
            event.input.add_class("hidden")
        self.set_focus(self.board_view)

    def action_er_call(self) -> None:
        from triage_tui.tui.er_screen import ERScreen

        # The board's cards once all are loaded and none is being read again (an edit
        # just made may not be in them yet): a second read was ~1 s at 50,000.
        cards = self.cards if not (self._loads.running or self._loads.wanted) else None
        prepared = self.call_inputs if cards is not None else None
        screen = self._er_screen
        if screen is not None and not screen.ended:
            screen.reopen(cards, prepared)
        else:
            if screen is not None:  # that call ended: the next one starts afresh
                self.app.uninstall_screen(screen)
                screen.remove()
            screen = ERScreen(self.service, self.today, cards=cards, prepared=prepared)
            # Kept (installed) while the call is open: see ERScreen.reopen.
            self.app.install_screen(screen, f"er-call-{id(screen)}")
            self._er_screen = screen
        # (No reload when it closes: each edit there was placed or reloaded as made.)
        self.app.push_screen(screen)

    def action_overview(self) -> None:
        from triage_tui.tui.overview_screen import OverviewScreen

        # The board's own cards once loaded; before that (the first paint holds only each
        # column's head), every open card from the cache.
        cards = self.cards if self.cards is not None else self.service.cards(include_closed=False)
        self.app.push_screen(OverviewScreen(cards, self.today))

    def action_help(self) -> None:
        bindings = [(b.binding, b.enabled) for b in self.active_bindings.values()]
        self.app.push_screen(HelpModal(describe_bindings(bindings, self.app.get_key_display)))

    # -- edits: what each key does is in CardEdits --------------------------------------------

    @needs_edit
    def action_move_card(self, step: int) -> None:
        """Shift+arrows: to the next column left or right (skipping non-label columns)."""
        self.card_edits.move_card(step)

    @needs_edit
    def action_move_to(self) -> None:
        self.card_edits.move_to()

    @needs_edit
    def action_review(self) -> None:
        self.card_edits.review()

    def action_review_queue(self) -> None:
        """Only ~New issues, to walk with j/k and review with r (each leaves the queue)."""
        self.set_filter("is:new")
        self.board_view.focus()

    @needs_edit
    def action_edit_menu(self) -> None:
        self.card_edits.edit_menu()

    def action_weekly(self) -> None:
        self.card_edits.weekly()

    @needs_edit
    def action_team(self) -> None:
        self.card_edits.team()

    @needs_edit
    def action_new_issue(self) -> None:
        self.card_edits.new_issue()

    def action_undo(self) -> None:
        self.card_edits.undo()

    def action_outbox(self) -> None:
        self.card_edits.outbox()

    def _edit_news(self, news: EditNews) -> None:
        """This app's own edits (on any screen): their cards placed, the bars said."""
        report = news.pushed
        if report is not None and (report.failed or report.conflicts):
            self.notify(
                f"{report.summary()}. Press {key_text(self, 'outbox.open')} to see why and decide.",
                title="GitLab did not take an edit",
                severity="error",
                timeout=10,
            )
        if news.iids is None:
            self.reload_cards()
        for iid in news.iids or ():
            self.reload_cards(iid)
        self._show_outbox()

    def set_filter(self, text: str) -> None:
        bar = self.query_one("#filter", Input)
        bar.value = text
        bar.remove_class("hidden")
        self.filter_text = text
