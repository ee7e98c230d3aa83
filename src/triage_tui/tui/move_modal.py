"""The dialog for giving a card another health: why (required), the signals of all four
colours with the colour they suggest (domain.suggest), an override reason when the
colour chosen is not the suggestion, and for Red the churn class and a leader
(triage.HealthQuestions). The board's moves and the ER call's "Salesforce is right" both
ask through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static

from triage_tui.domain.health import AT_RISK_FIRST, Health
from triage_tui.domain.suggest import MIN_SIGNALS, Signal, Suggestion, signals_of, suggest
from triage_tui.domain.triage import MoveDecision, MovePlan, answer_problems
from triage_tui.tui.dialog import DialogBody, FormModal, show_error
from triage_tui.tui.keys import key_name, key_text
from triage_tui.tui.questions import ChurnQuestion, LeaderQuestion

#: The questions in the order they are shown, and which widget takes focus for each.
_FIELDS = (
    ("reason", "#move-reason"),
    ("override", "#override-reason"),
    ("churn", "#churn"),
    ("leader", "#leader-role"),
)

#: How the suggestion is made, in the dialog's words (domain.suggest has the why).
HOW = (
    f"A suggestion takes {MIN_SIGNALS} signals or more (one never decides alone): "
    "the weighted mean of their colours, Green 1 · Yellow 2 · Amber 3 · Red 4, each "
    "counted its weight (+1 to +3); from 1.5 Yellow, from 2.5 Amber, from 3.5 Red."
)


@dataclass(frozen=True, slots=True)
class TakeSuggestion:
    """The person took the suggested colour instead of the move's: the caller plans the
    move to `health` and asks again, with what was answered so far kept."""

    health: Health
    answers: MoveDecision


class SignalList(OptionList):
    """One colour's signals to tick, each drawn `[x]` or `[ ]` with its weight: the
    state is in letters, not only in colour (a SelectionList's box is the same `X`
    either way, told apart by colour alone). Space or Enter ticks; the arrow keys go on
    into the next colour's list at either end, so every signal is reached by arrows
    alone (Tab still jumps a colour)."""

    BINDINGS = [Binding("space", "select", "Tick", show=False)]

    class Toggled(Message):
        """A signal was ticked or unticked."""

    def __init__(self, signals: Sequence[Signal], ticked: set[str], *, id: str) -> None:
        self.signals = tuple(signals)
        self._ticked = [signal.text in ticked for signal in self.signals]
        super().__init__(*map(self._prompt, range(len(self.signals))), id=id)

    def _prompt(self, index: int) -> Content:
        signal = self.signals[index]
        if self._ticked[index]:
            return Content.assemble(("[x] ", "bold"), (f"+{signal.weight} {signal.text}", "bold"))
        return Content(f"[ ] +{signal.weight} {signal.text}")

    @property
    def ticked(self) -> tuple[str, ...]:
        return tuple(s.text for s, on in zip(self.signals, self._ticked, strict=True) if on)

    def action_select(self) -> None:
        index = self.highlighted
        if index is None:
            return
        self._ticked[index] = not self._ticked[index]
        self.replace_option_prompt_at_index(index, self._prompt(index))
        self.post_message(self.Toggled())

    def action_cursor_down(self) -> None:
        if self.highlighted == self.option_count - 1 and self._step(1):
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.highlighted == 0 and self._step(-1):
            return
        super().action_cursor_up()

    def _step(self, direction: int) -> bool:
        lists = list(self.screen.query(SignalList))
        index = lists.index(self) + direction
        if not 0 <= index < len(lists):
            return False
        target = lists[index]
        target.highlighted = 0 if direction > 0 else target.option_count - 1
        target.focus()
        return True


class MoveModal(FormModal[MoveDecision | TakeSuggestion | None]):
    """Asks why a health changed (required), with the handbook's signals of every colour
    to tick and the colour they suggest, and for a Red account the churn class and, when
    the team has none, a leader. What was typed is kept when something is missing;
    nothing is recorded until it is complete (triage.answer_problems decides)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="move.cancel"),
        Binding("ctrl+s", "save", "Save", id="move.save"),
        Binding("ctrl+g", "take_suggestion", "Take the suggestion", id="move.take-suggestion"),
    ]

    def __init__(
        self,
        plan: MovePlan,
        title: str,
        members: Sequence[tuple[str, str]] = (),
        *,
        context: str = "",
        answers: MoveDecision | None = None,
        may_retarget: bool = True,
    ) -> None:
        """`members`: (username, name) to name a leader from; `context`: a line saying why
        the dialog asks (the ER call's "as in Salesforce"); `answers`: what to show
        already answered (the move planned again to the suggested colour);
        `may_retarget`: whether the person may take the suggested colour instead (not
        where the colour is given, as Salesforce's score on the ER call)."""
        super().__init__()
        self.plan = plan
        self.issue_title = title
        self.members = members
        self.context = context
        self.answers = answers
        self.may_retarget = may_retarget

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
                if plan.target_health is not None:
                    # In the docked head: it stays in view while signals are ticked below.
                    yield Static("", id="suggestion", markup=False)
            # The reason first (it has focus), then the rest; the body scrolls where the
            # terminal is small (a Red move at 80x24 does not fit at once).
            with DialogBody(id="move-body", classes="dialog-body"):
                with Vertical(id="reason-question", classes="question"):
                    yield Static("Reason (required):", markup=False, classes="field-label")
                    yield Input(placeholder="why the health changed", id="move-reason")
                    yield Static("", id="reason-error", classes="field-error", markup=False)
                if plan.target_health is not None:
                    yield from self._signals()
                    with Vertical(id="override-question", classes="question"):
                        yield Static("", id="override-label", classes="field-label")
                        yield Input(placeholder="why not the suggestion", id="override-reason")
                        yield Static("", id="override-error", classes="field-error")
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

    def _signals(self) -> ComposeResult:
        """Each colour's signals, worst first, as its own list under a heading that names
        the colour in words (no colour-only cue), each signal with its weight."""
        ticked = set(self.answers.signals) if self.answers is not None else set()
        with Vertical(id="signals-question", classes="question"):
            yield Static(
                "Signals of every colour (Space or Enter ticks, arrows move):",
                markup=False,
                classes="field-label",
            )
            yield Static(HOW, markup=False, classes="dialog-context", id="signals-how")
        for health in AT_RISK_FIRST:
            name = health.name.lower()
            with Vertical(id=f"signals-{name}-question", classes="question signal-group"):
                yield Static(
                    f"{health.label.upper()} signals (value {int(health)})",
                    markup=False,
                    classes="field-label",
                )
                yield SignalList(signals_of(health), ticked, id=f"signals-{name}")

    def on_mount(self) -> None:
        answers = self.answers
        if answers is not None:
            self.query_one("#move-reason", Input).value = answers.reason
            for field in self.query("#override-reason").results(Input):
                field.value = answers.override_reason
        for name, _ in _FIELDS:
            for error in self.query(f"#{name}-error").results(Static):
                show_error(error, "")
        self._show_suggestion()
        self.query_one("#move-reason", Input).focus()

    @on(Input.Submitted, "#move-reason")
    @on(Input.Submitted, "#override-reason")
    def _submitted(self) -> None:
        self.action_save()

    @on(SignalList.Toggled)
    def _ticked(self) -> None:
        self._show_suggestion()

    def _ticked_signals(self) -> tuple[str, ...]:
        return tuple(text for lst in self.query(SignalList) for text in lst.ticked)

    def _suggestion(self) -> Suggestion:
        return suggest(self._ticked_signals())

    def _show_suggestion(self) -> None:
        """The suggestion, the weights that made it, and how the move's colour stands to
        it; the override question says whether its answer is needed."""
        chosen = self.plan.target_health
        if chosen is None:
            return
        suggestion = self._suggestion()
        lines = [suggestion.headline]
        if suggestion.score is not None:
            lines.append(f"  weights: {suggestion.arithmetic}")
        lines.append(suggestion.verdict(chosen))
        suggested = suggestion.health
        if suggested is not None and suggested is not chosen and self.may_retarget:
            lines.append(
                f"  {key_text(self, 'move.take-suggestion')} moves to {suggested.label} "
                "instead; or say below why not"
            )
        self.query_one("#suggestion", Static).update(
            Content.styled("\n".join(lines), "bold" if suggestion.is_override(chosen) else "")
        )
        label = self.query_one("#override-label", Static)
        if suggestion.is_override(chosen) and suggested is not None:
            label.update(f"Override: why {chosen.label} and not {suggested.label}? (required)")
        else:
            label.update("Override reason (asked only when you choose against a suggestion):")

    def _decision(self) -> MoveDecision:
        reason = self.query_one("#move-reason", Input).value.strip()
        signals: tuple[str, ...] = ()
        override = ""
        if self.plan.target_health is not None:
            signals = self._ticked_signals()
            override = self.query_one("#override-reason", Input).value.strip()
        churn = self.query_one(ChurnQuestion).value if self.plan.needs_churn else None
        role, leader, none_yet = (
            self.query_one(LeaderQuestion).answer if self.plan.needs_leader else (None, "", False)
        )
        return MoveDecision(
            reason, signals, churn, role, leader, none_yet, override_reason=override
        )

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

    def action_take_suggestion(self) -> None:
        """Move to the suggested colour instead (the caller plans it and asks again)."""
        suggested = self._suggestion().health
        if not self.may_retarget or suggested is None or suggested is self.plan.target_health:
            self.app.bell()
            return
        self.dismiss(TakeSuggestion(suggested, self._decision()))

    def action_cancel(self) -> None:
        self.dismiss(None)
