"""Opening a new triage issue (handbook rules 1-3 and the issue template).

The form is checked here, field by field, so the dialog can say what is wrong
next to each field and keep what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from triage_tui.domain.health import Health
from triage_tui.domain.labels import NEW_LABEL, Region
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import TemplateFields, is_url, parse_date, render_description


@dataclass(frozen=True, slots=True)
class NewIssueForm:
    """What the person typed, as text: nothing is lost when a field is wrong."""

    account: str = ""
    salesforce_url: str = ""
    success_plan_url: str = ""
    renewal_date: str = ""
    reason: str = ""
    health: str = ""
    region: str = ""
    tam: str = ""


@dataclass(frozen=True, slots=True)
class NewIssue:
    """A valid form, ready to become a CREATE edit."""

    title: str
    description: str
    labels: tuple[str, ...]
    milestone: str
    renewal: date
    health: Health
    region: Region
    assignees: tuple[str, ...] = field(default=())


def check_form(form: NewIssueForm) -> dict[str, str]:
    """Field name -> what is wrong with it, for every field that is wrong."""
    errors: dict[str, str] = {}
    if not form.account.strip():
        errors["account"] = "The account's name is required (it is the issue's title)."
    for name, value, label in (
        ("salesforce_url", form.salesforce_url, "Salesforce URL"),
        ("success_plan_url", form.success_plan_url, "Customer Success Plan URL"),
    ):
        if not value.strip():
            errors[name] = f"The {label} is required."
        elif not is_url(value):
            errors[name] = f"Not a URL: it should start with https:// ({value.strip()[:40]})."
    if not form.renewal_date.strip():
        errors["renewal_date"] = "The contract renewal date is required."
    elif parse_date(form.renewal_date) is None:
        errors["renewal_date"] = "Not a date: use YYYY-MM-DD, e.g. 2027-03-31."
    if not form.reason.strip():
        errors["reason"] = "Say why the account has this health score."
    if Health.parse(form.health) is None:
        errors["health"] = "Pick a health colour."
    if Region.parse(form.region) is None:
        errors["region"] = "Pick a region."
    return errors


def build_new_issue(form: NewIssueForm) -> NewIssue:
    """The issue for a form that `check_form` accepted (raises ValueError otherwise)."""
    errors = check_form(form)
    if errors:
        raise ValueError("; ".join(errors.values()))
    renewal = parse_date(form.renewal_date)
    health = Health.parse(form.health)
    region = Region.parse(form.region)
    assert renewal is not None and health is not None and region is not None
    tam = form.tam.strip().lstrip("@")
    team = TriageTeam.of([(Role.TAM, [tam] if tam else [])])
    description = render_description(
        TemplateFields(
            salesforce_url=form.salesforce_url.strip(),
            success_plan_url=form.success_plan_url.strip(),
            renewal_date=renewal,
            reason=form.reason.strip(),
            team=team,
        )
    )
    return NewIssue(
        title=" ".join(form.account.split()),
        description=description,
        labels=(NEW_LABEL, health.label, region.label),
        milestone=milestone_title(renewal),
        renewal=renewal,
        health=health,
        region=region,
        assignees=team.everyone,
    )
