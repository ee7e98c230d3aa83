"""Triage by keyboard: what the board's edit keys do once pressed.

Each edit is planned by the domain (triage_tui.domain.triage), asked about in a
dialog where the plan needs it, recorded locally at once, and said to the app's
EditHub, which shows it (the card moves and shows pending) and pushes it. Failures
keep the edit and say so. The board screen binds the keys (BoardScreen.BINDINGS),
each to one method here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, Any

from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, iid_text
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.domain.template import parse_date
from triage_tui.domain.triage import MoveDecision, MovePlan, MoveRefused
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.edit_hub import hub
from triage_tui.tui.guards import can_edit, saving

if TYPE_CHECKING:
    from textual.screen import Screen

    from triage_tui.services import TriageService

# The dialogs and screens below are imported where they open, not at start-up: together
# they cost ~60 ms of imports (Markdown, TextArea...) before the board's first paint.


def needs_edit(action: Callable[..., None]) -> Callable[..., None]:
    """A board action that changes an issue: refused, with the reason, for someone who
    can only read (no token of their own on a real cache)."""

    @wraps(action)
    def guarded(self: Any, *args: object) -> None:
        if can_edit(self, self.service):
            action(self, *args)

    return guarded


class CardEdits:
    """The board's edits of the highlighted card (or a new issue), from key to record."""

    def __init__(
        self,
        screen: Screen[Any],
        service: TriageService,
        *,
        today: Callable[[], date],
        select: Callable[[int], None],
    ) -> None:
        """`screen`: where dialogs open and toasts show; `select(iid)` puts the cursor on
        a new issue once it is on the board."""
        self.screen = screen
        self.service = service
        self.today = today
        self.select = select

    @property
    def board_view(self) -> BoardView:
        return self.screen.query_one(BoardView)

    # -- moving cards -----------------------------------------------------------------------

    def move_card(self, step: int) -> None:
        """Shift+arrows: to the next column left or right (skipping non-label columns)."""
        board, cursor = self.board_view.board, self.board_view.cursor
        target = cursor.column + step
        while 0 <= target < len(board.columns):
            column = board.columns[target]
            if column.health is not None or column.region is not None:
                self._plan_and_ask(target)
                return
            target += step
        self.screen.app.bell()

    def move_to(self) -> None:
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

        self.screen.app.push_screen(MenuModal(f"Move {iid_text(card.iid)} to…", choices), picked)

    def _plan_and_ask(self, column_index: int) -> None:
        card = self.board_view.current
        if card is None:
            return
        board = self.board_view.board
        try:
            plan = self.service.plan_move(card.iid, board.kind, board.columns[column_index])
        except MoveRefused as refused:
            self.screen.notify(str(refused), severity="warning", timeout=5)
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
        self.screen.app.push_screen(modal, decided)

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
            self.screen.notify(str(refused), severity="warning", timeout=5)
            self._ask_move(plan, title, answers)
            return
        self._ask_move(suggested, title, answers)

    def _record_move(self, plan: MovePlan, decision: MoveDecision, title: str) -> None:
        # Not saved: the dialog comes back with what was answered (none for a move that
        # asks nothing: pressing the key again is all it takes).
        again = (lambda: self._ask_move(plan, title, decision)) if plan.needs_reason else None
        with saving(self.screen, again):
            try:
                moved = self.service.decide_move(plan, decision)
            except ValueError as refused:  # MoveRefused too: the issue left the cache
                self.screen.notify(str(refused), severity="warning", timeout=5)
                return
            hub(self.screen).edited(f"{iid_text(plan.iid)}: {moved.summary}", plan.iid)

    def member_choices(self) -> list[tuple[str, str]]:
        """The project's members as (username, name), to pick people from."""
        return [(m.username, m.name) for m in self.service.members()]

    # -- ~New review --------------------------------------------------------------------------

    def review(self) -> None:
        card = self.board_view.current
        if card is not None:
            with saving(self.screen):
                what = self.service.toggle_reviewed(card.iid)
                hub(self.screen).edited(f"{iid_text(card.iid)} {what}", card.iid)

    # -- new issue, and the issue's fields -----------------------------------------------------

    def new_issue(self) -> None:
        from triage_tui.tui.new_issue_modal import NewIssueModal

        def created(form: NewIssueForm | None) -> None:
            if form is not None:
                with saving(self.screen):
                    local = self.service.new_issue(form)
                    self.select(local)
                    hub(self.screen).edited(f"new issue for {form.account.strip()}")

        self.screen.app.push_screen(NewIssueModal(members=self.member_choices()), created)

    def weekly(self) -> None:
        from triage_tui.tui.notes_screen import NotesScreen

        card = self.board_view.current
        detail = self.service.detail(card.iid) if card else None
        if detail is None:
            return

        self.screen.app.push_screen(NotesScreen(self.service, detail, self.today()))

    def team(self) -> None:
        from triage_tui.tui.team_screen import TeamScreen

        card = self.board_view.current
        detail = self.service.detail(card.iid) if card else None
        if card is None or detail is None:
            return
        iid = card.iid

        members = self.member_choices()
        heading = f"Triage team of {iid_text(iid)} {card.summary.title}"
        team = TeamScreen(
            self.service,
            iid,
            heading=heading,
            team=detail.fields.team,
            health=card.health,
            members=members,
        )
        self.screen.app.push_screen(team)

    def edit_menu(self) -> None:
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

        self.screen.app.push_screen(MenuModal(f"Edit {iid_text(card.iid)}", choices), picked)

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
            with saving(self.screen):
                self.service.update(
                    iid, "reopened" if state is IssueState.OPENED else "closed", state=state
                )
                hub(self.screen).edited(f"{iid_text(iid)} {state.value}", iid)
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
                    with saving(self.screen):
                        self.service.set_due_date(iid, parse_date(text) if text else None)
                        hub(self.screen).edited(f"{iid_text(iid)} due date", iid)

            self.screen.app.push_screen(
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
                with saving(self.screen):
                    save(values)
                    hub(self.screen).edited(heading.lower())

        self.screen.app.push_screen(
            PickModal(heading, options, selected, multiple=multiple), picked
        )

    # -- undo, outbox -------------------------------------------------------------------------

    def undo(self) -> None:
        with saving(self.screen):
            undone = self.service.undo_last()
            if undone is None:
                self.screen.notify("Nothing to undo: every edit is on GitLab.", timeout=4)
                return
            self.screen.notify(
                f"Undone: {iid_text(undone.edit.iid)} {undone.edit.summary}", timeout=4
            )
            hub(self.screen).changed(undone.edit.iid)

    def outbox(self) -> None:
        from triage_tui.tui.outbox_screen import OutboxScreen

        self.screen.app.push_screen(OutboxScreen(self.service))


def _check_date(text: str) -> str:
    if text.strip() and parse_date(text) is None:
        return "Not a date: use YYYY-MM-DD, e.g. 2027-01-15 (empty clears it)."
    return ""
