"""`n`: open a new triage issue from the template's fields.

Every field is checked by the domain (triage_tui.domain.new_issue); a wrong one
is named next to the field and nothing typed is lost. With Red, the form asks what
every path to Red asks (the churn class and a leader: triage.HealthQuestions), with
the same widgets as the move dialog.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from triage_tui.domain.health import AT_RISK_FIRST, Health
from triage_tui.domain.labels import ChurnClass, Region
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.new_issue import NewIssueForm, check_form
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_date
from triage_tui.tui.dialog import DialogBody, FormModal, show_error
from triage_tui.tui.keys import key_name, key_text
from triage_tui.tui.questions import ChurnQuestion, LeaderQuestion

_TEXT_FIELDS = (
    ("account", "Account (the issue's title)", "Initech Corp"),
    ("salesforce_url", "Salesforce URL", "https://….my.salesforce.com/001…"),
    ("success_plan_url", "Customer Success Plan URL", "https://gitlab…/plans/…"),
    ("renewal_date", "Contract Renewal Date", "YYYY-MM-DD"),
    ("reason", "Reason for Health Score", "why it is at this colour, by the criteria"),
    ("tam", "TAM (username, optional)", "@liam"),
)


class NewIssueModal(FormModal[NewIssueForm | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="new-issue.cancel"),
        Binding("ctrl+s", "save", "Create", id="new-issue.save"),
    ]

    def __init__(
        self, form: NewIssueForm | None = None, *, members: Sequence[tuple[str, str]] = ()
    ) -> None:
        """`form` prefills the fields; `members`: (username, name) to name a leader from."""
        super().__init__()
        self.form = form or NewIssueForm()
        self.members = members

    def compose(self) -> ComposeResult:
        form = self.form
        with Vertical(classes="dialog", id="new-issue-dialog"):
            yield Static(
                "New triage issue (it gets ~New, its health and region labels, and "
                "the milestone of its renewal quarter)",
                markup=False,
                classes="dialog-head",
            )
            with DialogBody(id="new-issue-body", classes="dialog-body"):
                for name, label, placeholder in _TEXT_FIELDS:
                    with Vertical(id=f"{name}-question", classes="question"):
                        yield Static(label, classes="field-label", markup=False)
                        yield Input(getattr(form, name), placeholder=placeholder, id=name)
                        yield Static("", id=f"{name}-error", classes="field-error", markup=False)
                for name, label, options, prompt in (
                    ("health", "Health", [h.label for h in AT_RISK_FIRST], "pick a colour"),
                    ("region", "Region", [r.label for r in Region], "pick a region"),
                ):
                    with Vertical(id=f"{name}-question", classes="question"):
                        yield Static(label, classes="field-label", markup=False)
                        yield Select(
                            [(option, option) for option in options],
                            # truthy: str (the form's text)
                            value=getattr(form, name) or Select.NULL,
                            prompt=prompt,
                            id=name,
                        )
                        yield Static("", id=f"{name}-error", classes="field-error", markup=False)
                with Vertical(id="red-questions"):
                    yield ChurnQuestion(ChurnClass.parse(form.churn))
                    yield LeaderQuestion(
                        self.members,
                        role=next((r for r in Role if r.value == form.leader_role), None),
                        username=form.leader.strip().lstrip("@"),
                        none_yet=form.no_leader_yet,
                    )
            with Vertical(classes="dialog-foot"):
                yield Static("", id="milestone-hint", markup=False)
                yield Static(
                    f"{key_name(self.app, 'tab')} / {key_name(self.app, 'shift+tab')} between "
                    f"fields · {key_text(self, 'new-issue.save')} creates · "
                    f"{key_text(self, 'new-issue.cancel')} cancels",
                    markup=False,
                )

    def on_mount(self) -> None:
        for error in self.query(".field-error").results(Static):
            show_error(error, "")
        self._show_red(Health.parse(self.form.health))
        self.query_one("#account", Input).focus()

    @on(Select.Changed, "#health")
    def _health(self, event: Select.Changed) -> None:
        self._show_red(Health.parse(event.value) if isinstance(event.value, str) else None)

    def _show_red(self, health: Health | None) -> None:
        # Red's questions (rules 1, 7) only for Red: the form stays short otherwise.
        self.query_one("#red-questions").display = health is Health.RED

    def _read(self) -> NewIssueForm:
        texts = {name: self.query_one(f"#{name}", Input).value for name, _, _ in _TEXT_FIELDS}
        picked = {}
        for name in ("health", "region"):
            chosen = self.query_one(f"#{name}", Select).value
            picked[name] = chosen if isinstance(chosen, str) else ""
        churn = self.query_one(ChurnQuestion).value
        role, leader, none_yet = self.query_one(LeaderQuestion).answer
        return NewIssueForm(
            **texts,
            **picked,
            churn=churn.label if churn is not None else "",
            leader_role=role.value if role is not None else "",
            leader=leader,
            no_leader_yet=none_yet,
        )

    @on(Input.Changed, "#renewal_date")
    def _renewal(self, event: Input.Changed) -> None:
        renewal = parse_date(event.value)
        hint = f"Milestone: {milestone_title(renewal)}" if renewal is not None else ""
        self.query_one("#milestone-hint", Static).update(hint)

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        form = self._read()
        errors = check_form(form)
        for error in self.query(".field-error").results(Static):
            show_error(error, errors.get((error.id or "").removesuffix("-error"), ""))
        if errors:
            # The first wrong field in the order shown, with its error in view.
            wrong = next(name for name in _ORDER if name in errors)
            field = self.query_one(_FOCUS.get(wrong, f"#{wrong}"))
            self.show_wrong(field)
            self.notify(f"{len(errors)} fields need attention", severity="warning", timeout=3)
            return
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)


#: Every field the form checks, in the order it shows them.
_ORDER = (*(name for name, _, _ in _TEXT_FIELDS), "health", "region", "churn", "leader")
#: The widget that takes focus for a field, where it is not the field's name.
_FOCUS = {"leader": "#leader-role"}
