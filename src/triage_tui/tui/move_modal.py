"""The dialog for moving a card to another health: why (required), signals, churn class."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, SelectionList, Static

from triage_tui.domain.health import SIGNALS
from triage_tui.domain.labels import ChurnClass
from triage_tui.domain.triage import MoveDecision, MovePlan

_CHURN_WORDS = {
    ChurnClass.EXPECTED_AVOIDABLE: "expected, avoidable",
    ChurnClass.EXPECTED_UNAVOIDABLE: "expected, unavoidable",
    ChurnClass.UNEXPECTED_AVOIDABLE: "unexpected, avoidable",
    ChurnClass.UNEXPECTED_UNAVOIDABLE: "unexpected, unavoidable",
}


class MoveModal(ModalScreen[MoveDecision | None]):
    """Asks why a health changed (required), with the handbook's signals for the new
    colour to tick, and the churn class for a Red account. What was typed is kept
    when something is missing; nothing is recorded until it is complete."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="move.cancel"),
        Binding("ctrl+s", "save", "Save", id="move.save"),
    ]

    def __init__(self, plan: MovePlan, title: str) -> None:
        super().__init__()
        self.plan = plan
        self.issue_title = title

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="move-dialog", classes="dialog"):
            yield Static(
                Content.assemble(
                    (f"Move #{plan.iid} ", "bold"),
                    (self.issue_title, "bold"),
                    "\n",
                    (plan.summary, "bold $accent"),
                ),
                markup=False,
            )
            for warning in plan.warnings:
                yield Static(Content.assemble(("⚠ ", "$warning"), warning), markup=False)
            with VerticalScroll(id="move-body"):
                if plan.target_health is not None:
                    yield Static(
                        f"Signals of {plan.target_health.label} (space ticks one; "
                        "ticked ones go in the note):",
                        markup=False,
                        classes="field-label",
                    )
                    yield SelectionList[str](
                        *((signal, signal) for signal in SIGNALS[plan.target_health]),
                        id="move-signals",
                    )
                if plan.needs_churn:
                    yield Static(
                        "Churn classification (required for Red):",
                        markup=False,
                        classes="field-label",
                    )
                    with RadioSet(id="move-churn"):
                        for churn, words in _CHURN_WORDS.items():
                            yield RadioButton(f"{churn.label}  {words}", name=churn.value)
                    yield Static("", id="churn-error", classes="field-error", markup=False)
            yield Static("Reason (required):", markup=False, classes="field-label")
            yield Input(placeholder="why the health changed", id="move-reason")
            yield Static("", id="reason-error", classes="field-error", markup=False)
            yield Static(
                "Enter or Ctrl+S saves · Tab moves between fields · Esc cancels",
                markup=False,
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one("#move-reason", Input).focus()

    @on(Input.Submitted, "#move-reason")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        reason = self.query_one("#move-reason", Input).value.strip()
        churn: ChurnClass | None = None
        if self.plan.needs_churn:
            pressed = self.query_one("#move-churn", RadioSet).pressed_button
            churn = ChurnClass(pressed.name) if pressed and pressed.name else None
        reason_error = "" if reason else "A reason is required: say why the health changed."
        churn_error = (
            "Pick E&A, E&U, U&A or U&U." if self.plan.needs_churn and churn is None else ""
        )
        self.query_one("#reason-error", Static).update(reason_error)
        if self.plan.needs_churn:
            self.query_one("#churn-error", Static).update(churn_error)
        if reason_error or churn_error:
            target = "#move-reason" if reason_error else "#move-churn"
            self.query_one(target).focus()
            return
        signals: tuple[str, ...] = ()
        if self.plan.target_health is not None:
            signals = tuple(self.query_one("#move-signals", SelectionList).selected)
        self.dismiss(MoveDecision(reason, signals, churn))

    def action_cancel(self) -> None:
        self.dismiss(None)
