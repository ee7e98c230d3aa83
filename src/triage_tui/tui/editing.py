"""Triage by keyboard: the board screen's edit actions and the worker that pushes them.

Each edit is planned by the domain (triage_tui.domain.triage), asked about in a
dialog where the plan needs it, recorded locally at once (the card moves and shows
pending), and pushed by a thread worker. Failures keep the edit and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from triage_tui.domain.edit import EditState
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, iid_text
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.domain.sync_report import PushReport, retry_delay
from triage_tui.domain.team import TriageTeam
from triage_tui.domain.template import parse_date
from triage_tui.domain.triage import MoveDecision, MovePlan, MoveRefused
from triage_tui.tui.guards import can_edit, saving
from triage_tui.tui.keys import key_text

if TYPE_CHECKING:
    from datetime import date

    from textual.timer import Timer

    from triage_tui.services import TriageService
    from triage_tui.tui.board_view import BoardView

# The dialogs and screens below are imported where they open, not at start-up: together
# they cost ~60 ms of imports (Markdown, TextArea...) before the board's first paint.

EDIT_BINDINGS = [
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


def needs_edit(action: Callable[..., None]) -> Callable[..., None]:
    """An action that changes an issue: refused, with the reason, for someone who can
    only read (no token of their own on a real cache)."""

    @wraps(action)
    def guarded(self: EditingScreen, *args: object) -> None:
        if can_edit(self, self.service):
            action(self, *args)

    return guarded


PLACED_AT_MOST = 50
"""More cards changed than this by one push: all are read again (one read of each would
take longer than reading every card)."""


class EditingScreen(Screen[None]):
    """Base of the board screen: everything that changes an issue."""

    service: TriageService
    today: date

    class PushFinished(Message):
        def __init__(self, report: PushReport) -> None:
            self.report = report
            super().__init__()

    def __init__(self) -> None:
        super().__init__()
        self.push_status = ""
        """What the last push said, for the status line."""
        self.pushed_by = ""
        """Who else was pushing this cache's edits at the last push ("user@host:pid")."""
        self._pushing = False
        self._push_again = False
        self._retry_timer: Timer | None = None

    # -- hooks the board screen provides ----------------------------------------------------

    @property
    def board_view(self) -> BoardView:
        raise NotImplementedError

    def reload_cards(self, iid: int | None = None) -> None:
        raise NotImplementedError

    def update_bars(self) -> None:
        raise NotImplementedError

    def set_filter(self, text: str) -> None:
        raise NotImplementedError

    def select_when_loaded(self, iid: int) -> None:
        raise NotImplementedError

    # -- moving cards -----------------------------------------------------------------------

    @needs_edit
    def action_move_card(self, step: int) -> None:
        """Shift+arrows: to the next column left or right (skipping non-label columns)."""
        board, cursor = self.board_view.board, self.board_view.cursor
        target = cursor.column + step
        while 0 <= target < len(board.columns):
            column = board.columns[target]
            if column.health is not None or column.region is not None:
                self._plan_and_ask(target)
                return
            target += step
        self.app.bell()

    @needs_edit
    def action_move_to(self) -> None:
        from triage_tui.tui.pickers import MenuModal

        card = self.board_view.current
        if card is None:
            return
        board = self.board_view.board
        targets = [
            index
            for index, column in enumerate(board.columns)
            if (column.health is not None or column.region is not None)
            and index != self.board_view.cursor.column
        ]
        choices = [(str(n), board.columns[i].title) for n, i in enumerate(targets, start=1)]

        def picked(key: str | None) -> None:
            if key is not None:
                self._plan_and_ask(targets[int(key) - 1])

        self.app.push_screen(MenuModal(f"Move {iid_text(card.iid)} to…", choices), picked)

    def _plan_and_ask(self, column_index: int) -> None:
        card = self.board_view.current
        if card is None:
            return
        board = self.board_view.board
        try:
            plan = self.service.plan_move(card.iid, board.kind, board.columns[column_index])
        except MoveRefused as refused:
            self.notify(str(refused), severity="warning", timeout=5)
            return
        if not plan.needs_reason:
            self._record_move(plan, MoveDecision(""), card.summary.title)
            return
        self._ask_move(plan, card.summary.title)

    def _ask_move(self, plan: MovePlan, title: str, answers: MoveDecision | None = None) -> None:
        """The move dialog for `plan`; `answers`: what the person already answered (they
        took the signals' suggested colour instead of the one they moved to)."""
        from triage_tui.tui.move_modal import MoveModal, TakeSuggestion

        def decided(decision: MoveDecision | TakeSuggestion | None) -> None:
            if isinstance(decision, TakeSuggestion):
                self._take_suggestion(plan, title, decision.health, decision.answers)
            elif decision is not None:
                self._record_move(plan, decision, title)

        modal = MoveModal(plan, title, self.member_choices(), answers=answers)
        self.app.push_screen(modal, decided)

    def _take_suggestion(
        self, plan: MovePlan, title: str, health: Health, answers: MoveDecision
    ) -> None:
        """The move planned again to the colour the signals suggest (with its own
        questions: a move to Red asks the churn class), what was typed and ticked kept.
        Where that move is refused (the card already has the suggested colour), the
        first dialog comes back as it was: nothing a person typed is dropped."""
        board = self.board_view.board
        column = next((c for c in board.columns if c.health is health), None)
        try:
            if column is None:  # the Colours board always has each colour's column
                raise MoveRefused(f"No {health.label} column to move to.")
            suggested = self.service.plan_move(plan.iid, board.kind, column)
        except MoveRefused as refused:
            self.notify(str(refused), severity="warning", timeout=5)
            self._ask_move(plan, title, answers)
            return
        self._ask_move(suggested, title, answers)

    def _record_move(self, plan: MovePlan, decision: MoveDecision, title: str) -> None:
        # Not saved: the dialog comes back with what was answered (none for a move that
        # asks nothing: pressing the key again is all it takes).
        again = (lambda: self._ask_move(plan, title, decision)) if plan.needs_reason else None
        with saving(self, again):
            try:
                moved = self.service.decide_move(plan, decision)
            except ValueError as refused:  # MoveRefused too: the issue left the cache
                self.notify(str(refused), severity="warning", timeout=5)
                return
            self._edited(f"{iid_text(plan.iid)}: {moved.summary}", plan.iid)

    def member_choices(self) -> list[tuple[str, str]]:
        """The project's members as (username, name), to pick people from."""
        return [(m.username, m.name) for m in self.service.members()]

    # -- ~New review --------------------------------------------------------------------------

    @needs_edit
    def action_review(self) -> None:
        card = self.board_view.current
        if card is not None:
            with saving(self):
                what = self.service.toggle_reviewed(card.iid)
                self._edited(f"{iid_text(card.iid)} {what}", card.iid)

    def action_review_queue(self) -> None:
        """Only ~New issues, to walk with j/k and review with r (each leaves the queue)."""
        self.set_filter("is:new")
        self.board_view.focus()

    # -- new issue, and the issue's fields -----------------------------------------------------

    @needs_edit
    def action_new_issue(self) -> None:
        from triage_tui.tui.new_issue_modal import NewIssueModal

        def created(form: NewIssueForm | None) -> None:
            if form is not None:
                with saving(self):
                    local = self.service.new_issue(form)
                    self.select_when_loaded(local)
                    self._edited(f"new issue for {form.account.strip()}")

        self.app.push_screen(NewIssueModal(members=self.member_choices()), created)

    def action_weekly(self) -> None:
        from triage_tui.tui.notes_screen import NotesScreen

        card = self.board_view.current
        detail = self.service.detail(card.iid) if card else None
        if detail is None:
            return

        def closed(_: None) -> None:
            self.reload_cards()
            self.push_edits()

        notes = NotesScreen(self.service, detail, self.today, send=self.push_edits)
        self.app.push_screen(notes, closed)

    @needs_edit
    def action_team(self) -> None:
        from triage_tui.tui.team_screen import TeamScreen

        card = self.board_view.current
        detail = self.service.detail(card.iid) if card else None
        if card is None or detail is None:
            return
        iid = card.iid

        def save(team: TriageTeam, summary: str) -> None:
            with saving(self):
                self.service.set_team(iid, team, summary)
                self._edited(f"{iid_text(iid)} {summary}", iid)

        members = self.member_choices()
        heading = f"Triage team of {iid_text(iid)} {card.summary.title}"
        self.app.push_screen(TeamScreen(heading, detail.fields.team, card.health, members, save))

    @needs_edit
    def action_edit_menu(self) -> None:
        from triage_tui.tui.pickers import MenuModal

        card = self.board_view.current
        if card is None:
            return
        choices = [
            ("l", "Labels"),
            ("a", "Assignees"),
            ("m", "Milestone"),
            ("d", "Due date"),
            ("c", "Close" if not card.closed else "Reopen"),
        ]

        def picked(key: str | None) -> None:
            if key is not None:
                self._edit_field(card.iid, key)

        self.app.push_screen(MenuModal(f"Edit {iid_text(card.iid)}", choices), picked)

    def _edit_field(self, iid: int, key: str) -> None:
        from triage_tui.tui.pickers import TextModal

        detail = self.service.detail(iid)
        if detail is None:
            return
        labels = detail.summary.labels
        if key == "c":
            state = (
                IssueState.OPENED
                if detail.summary.state is IssueState.CLOSED
                else IssueState.CLOSED
            )
            with saving(self):
                self.service.update(
                    iid, "reopened" if state is IssueState.OPENED else "closed", state=state
                )
                self._edited(f"{iid_text(iid)} {state.value}", iid)
        elif key == "l":
            names = [label.name for label in self.service.labels()]
            options = [(n, n) for n in dict.fromkeys([*names, *labels])]
            self._pick(
                f"Labels of {iid_text(iid)}",
                options,
                labels,
                True,
                lambda v: self.service.set_labels(iid, v),
            )
        elif key == "a":
            options = [(m.username, f"@{m.username}  {m.name}") for m in self.service.members()]
            self._pick(
                f"Assignees of {iid_text(iid)}",
                options,
                detail.assignees,
                True,
                lambda v: self.service.set_assignees(iid, v),
            )
        elif key == "m":
            renewal = detail.fields.renewal_date
            proposed = milestone_title(renewal) if renewal is not None else ""
            titles = [m.title for m in self.service.milestones()]
            options = [("", "(no milestone)")]
            if proposed:
                options.append((proposed, f"{proposed}  ← quarter of the renewal date"))
            options += [(t, t) for t in titles if t != proposed]
            self._pick(
                f"Milestone of {iid_text(iid)}",
                options,
                (),
                False,
                lambda v: self.service.set_milestone(iid, v[0] if v else ""),
            )
        elif key == "d":
            current = detail.due_date.isoformat() if detail.due_date is not None else ""

            def saved(text: str | None) -> None:
                if text is not None:
                    with saving(self):
                        self.service.set_due_date(iid, parse_date(text) if text else None)
                        self._edited(f"{iid_text(iid)} due date", iid)

            self.app.push_screen(
                TextModal(
                    f"Due date of {iid_text(iid)} (empty clears)",
                    current,
                    _check_date,
                    "YYYY-MM-DD",
                ),
                saved,
            )

    def _pick(
        self,
        heading: str,
        options: list[tuple[str, str]],
        selected: tuple[str, ...],
        multiple: bool,
        save: Callable[[tuple[str, ...]], object],
    ) -> None:
        from triage_tui.tui.pickers import PickModal

        def picked(values: tuple[str, ...] | None) -> None:
            if values is not None:
                with saving(self):
                    save(values)
                    self._edited(heading.lower())

        self.app.push_screen(PickModal(heading, options, selected, multiple=multiple), picked)

    # -- undo, outbox, push -----------------------------------------------------------------

    def action_undo(self) -> None:
        with saving(self):
            undone = self.service.undo_last()
            if undone is None:
                self.notify("Nothing to undo: every edit is on GitLab.", timeout=4)
                return
            self.notify(f"Undone: #{undone.edit.iid} {undone.edit.summary}", timeout=4)
            self.reload_cards()

    def action_outbox(self) -> None:
        from triage_tui.tui.outbox_screen import OutboxScreen

        self.app.push_screen(OutboxScreen(self.service.outbox(), self._decide))

    def _decide(self, action: str, entry_id: int | None) -> None:
        from triage_tui.tui.outbox_screen import OutboxScreen

        with saving(self):
            if action == "retry" and entry_id is not None:
                self.service.retry_edit(entry_id)
            elif action == "discard" and entry_id is not None:
                self.service.discard_edit(entry_id)
        self.reload_cards()
        self.push_edits()
        if isinstance(self.app.screen, OutboxScreen):
            self.app.screen.show_entries(self.service.outbox())

    def _edited(self, what: str, iid: int | None = None) -> None:
        """An edit was recorded (`iid`: of that issue alone): shown, then pushed."""
        self.push_status = f"saved {what}"
        self.reload_cards(iid)
        self.push_edits()

    def push_edits(self) -> None:
        """Push now (one push at a time; an edit made meanwhile goes in the next one)."""
        if problem := self.service.push_problem():
            # Demo data or no GitLab configured: the edit stays in the outbox, visibly.
            self.push_status = problem
            self.update_bars()
            return
        if self._pushing:
            self._push_again = True
            return
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        self._pushing = True
        self._push_worker()

    @work(thread=True, group="push", exit_on_error=False)
    def _push_worker(self) -> None:
        # python-gitlab blocks: a thread, reporting back only by message.
        self.post_message(self.PushFinished(self.service.push()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A push that raised (not a GitLab answer: those come back as a report) must not
        # leave "pushing" set, which would hold every later edit back.
        if event.worker.group == "push" and event.state is WorkerState.ERROR:
            self._pushing = False
            self.push_status = f"push failed: {event.worker.error}"
            self.update_bars()

    async def on_editing_screen_push_finished(self, message: PushFinished) -> None:
        from triage_tui.tui.notes_screen import NotesScreen

        self._pushing = False
        report = message.report
        self.push_status = report.summary() if (report.pushed or report.error) else ""
        self.pushed_by = report.busy
        if report.failed or report.conflicts:
            self.notify(
                f"{report.summary()}. Press {key_text(self, 'outbox.open')} to see why and decide.",
                title="GitLab did not take an edit",
                severity="error",
                timeout=10,
            )
        if self._push_again:
            self._push_again = False
            self.push_edits()
        elif report.error or report.busy:  # (busy: tried again in case that push stops)
            attempts = max(
                (e.attempts for e in self.service.outbox([EditState.PENDING])), default=1
            )
            self._retry_timer = self.set_timer(retry_delay(attempts), self.push_edits)
        # The cards the push changed, one by one (a full read was ~2 s at 50,000 after
        # every edit); all of them when it cannot say which.
        touched = report.touched
        if touched is None or len(touched) > PLACED_AT_MOST:
            self.reload_cards()
        else:
            for iid in touched:
                self.reload_cards(iid)
        self.update_bars()
        if isinstance(self.app.screen, NotesScreen):
            await self.app.screen.refresh_notes()


def _check_date(text: str) -> str:
    if text.strip() and parse_date(text) is None:
        return "Not a date: use YYYY-MM-DD, e.g. 2027-01-15 (empty clears it)."
    return ""
