"""`n`: open a new triage issue from the template's fields.

Every field is checked by the domain (triage_tui.domain.new_issue); a wrong one
is named next to the field and nothing typed is lost.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from triage_tui.domain.health import AT_RISK_FIRST
from triage_tui.domain.labels import Region
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.new_issue import NewIssueForm, check_form
from triage_tui.domain.template import parse_date

_TEXT_FIELDS = (
    ("account", "Account (the issue's title)", "Initech Corp"),
    ("salesforce_url", "Salesforce URL", "https://….my.salesforce.com/001…"),
    ("success_plan_url", "Customer Success Plan URL", "https://gitlab…/plans/…"),
    ("renewal_date", "Contract Renewal Date", "YYYY-MM-DD"),
    ("reason", "Reason for Health Score", "why it is at this colour, by the criteria"),
    ("tam", "TAM (username, optional)", "@liam"),
)


class NewIssueModal(ModalScreen[NewIssueForm | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="new-issue.cancel"),
        Binding("ctrl+s", "save", "Create", id="new-issue.save"),
    ]

    def __init__(self, form: NewIssueForm | None = None) -> None:
        super().__init__()
        self.form = form or NewIssueForm()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="new-issue-dialog"):
            yield Static(
                "New triage issue (it gets ~New, its health and region labels, and "
                "the milestone of its renewal quarter)",
                markup=False,
            )
            with VerticalScroll(id="new-issue-body"):
                for name, label, placeholder in _TEXT_FIELDS:
                    yield Static(label, classes="field-label", markup=False)
                    yield Input(getattr(self.form, name), placeholder=placeholder, id=name)
                    yield Static("", id=f"{name}-error", classes="field-error", markup=False)
                yield Static("Health", classes="field-label", markup=False)
                yield Select(
                    [(h.label, h.label) for h in AT_RISK_FIRST],
                    value=self.form.health or Select.NULL,  # truthy: str (the form's text)
                    prompt="pick a colour",
                    id="health",
                )
                yield Static("", id="health-error", classes="field-error", markup=False)
                yield Static("Region", classes="field-label", markup=False)
                yield Select(
                    [(r.label, r.label) for r in Region],
                    value=self.form.region or Select.NULL,
                    prompt="pick a region",
                    id="region",
                )
                yield Static("", id="region-error", classes="field-error", markup=False)
            yield Static("", id="milestone-hint", classes="dialog-help", markup=False)
            yield Static(
                "Tab / Shift+Tab between fields · Ctrl+S creates · Esc cancels",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one("#account", Input).focus()

    def _read(self) -> NewIssueForm:
        values = {name: self.query_one(f"#{name}", Input).value for name, _, _ in _TEXT_FIELDS}
        for name in ("health", "region"):
            chosen = self.query_one(f"#{name}", Select).value
            values[name] = chosen if isinstance(chosen, str) else ""
        return NewIssueForm(**values)

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
        for name in (*(n for n, _, _ in _TEXT_FIELDS), "health", "region"):
            self.query_one(f"#{name}-error", Static).update(errors.get(name, ""))
        if errors:
            self.query_one(f"#{next(iter(errors))}").focus()
            self.notify(f"{len(errors)} fields need attention", severity="warning", timeout=3)
            return
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)
