"""The dialog for giving a card another health: why (required), signals, and for Red the
churn class and a leader (triage.HealthQuestions). The board's moves and the ER call's
"Salesforce is right" both ask through it."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, SelectionList, Static

from triage_tui.domain.health import SIGNALS
from triage_tui.domain.triage import MoveDecision, MovePlan, answer_problems
from triage_tui.tui.dialog import DialogBody, FormModal, show_error
from triage_tui.tui.keys import key_name, key_text
from triage_tui.tui.questions import ChurnQuestion, LeaderQuestion

#: The questions in the order they are shown, and which widget takes focus for each.
_FIELDS = (("reason", "#move-reason"), ("churn", "#churn"), ("leader", "#leader-role"))


class MoveModal(FormModal[MoveDecision | None]):
    """Asks why a health changed (required), with the handbook's signals for the new
    colour to tick, and for a Red account the churn class and, when the team has none, a
    leader. What was typed is kept when something is missing; nothing is recorded until
    it is complete (triage.answer_problems decides)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="move.cancel"),
        Binding("ctrl+s", "save", "Save", id="move.save"),
    ]

    def __init__(
        self,
        plan: MovePlan,
        title: str,
        members: Sequence[tuple[str, str]] = (),
        *,
        context: str = "",
    ) -> None:
        """`members`: (username, name) to name a leader from; `context`: a line saying why
        the dialog asks (the ER call's "as in Salesforce")."""
        super().__init__()
        self.plan = plan
        self.issue_title = title
        self.members = members
        self.context = context

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="move-dialog", classes="dialog"):
            with Vertical(classes="dialog-head"):
                yield Static(
                    Content.assemble((f"Move #{plan.iid} ", "bold"), (self.issue_title, "bold")),
                    markup=False,
                    classes="dialog-title",
                )
                yield Static(Content.styled(plan.summary, "bold $accent"), markup=False)
                if self.context:
                    yield Static(self.context, markup=False, classes="dialog-context")
                for warning in plan.warnings:
                    yield Static(Content.assemble(("⚠ ", "$warning"), warning), markup=False)
            # The reason first (it has focus), then the rest; the body scrolls where the
            # terminal is small (a Red move at 80x24 does not fit at once).
            with DialogBody(id="move-body", classes="dialog-body"):
                with Vertical(id="reason-question", classes="question"):
                    yield Static("Reason (required):", markup=False, classes="field-label")
                    yield Input(placeholder="why the health changed", id="move-reason")
                    yield Static("", id="reason-error", classes="field-error", markup=False)
                if plan.target_health is not None:
                    with Vertical(id="signals-question", classes="question"):
                        yield Static(
                            f"Signals of {plan.target_health.label} (optional: Space ticks "
                            "one for the note):",
                            markup=False,
                            classes="field-label",
                        )
                        yield SelectionList[str](
                            *((signal, signal) for signal in SIGNALS[plan.target_health]),
                            id="move-signals",
                        )
                if plan.needs_churn:
                    yield ChurnQuestion()
                if plan.needs_leader:
                    yield LeaderQuestion(self.members)
            yield Static(
                f"{key_name(self.app, 'enter')} or {key_text(self, 'move.save')} saves · "
                f"{key_name(self.app, 'tab')} moves between fields · "
                f"{key_text(self, 'move.cancel')} cancels",
                markup=False,
                classes="dialog-foot",
            )

    def on_mount(self) -> None:
        show_error(self.query_one("#reason-error", Static), "")
        self.query_one("#move-reason", Input).focus()

    @on(Input.Submitted, "#move-reason")
    def _submitted(self) -> None:
        self.action_save()

    def _decision(self) -> MoveDecision:
        reason = self.query_one("#move-reason", Input).value.strip()
        signals: tuple[str, ...] = ()
        if self.plan.target_health is not None:
            signals = tuple(self.query_one("#move-signals", SelectionList).selected)
        churn = self.query_one(ChurnQuestion).value if self.plan.needs_churn else None
        role, leader, none_yet = (
            self.query_one(LeaderQuestion).answer if self.plan.needs_leader else (None, "", False)
        )
        return MoveDecision(reason, signals, churn, role, leader, none_yet)

    def action_save(self) -> None:
        decision = self._decision()
        questions = self.plan.questions
        problems = answer_problems(questions, decision) if questions is not None else {}
        for name, _ in _FIELDS:
            for error in self.query(f"#{name}-error").results(Static):
                show_error(error, problems.get(name, ""))
        wrong = next((field for name, field in _FIELDS if name in problems), None)
        if wrong is not None:
            widget = self.query_one(wrong)
            # Shown after the error lines are laid out, so the question's error is in view.
            self.show_wrong(widget)
            return
        self.dismiss(decision)

    def action_cancel(self) -> None:
        self.dismiss(None)
