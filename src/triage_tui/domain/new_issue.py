"""Opening a new triage issue (handbook rules 1-3, 7 and the issue template).

The form is checked here, field by field, so the dialog can say what is wrong
next to each field and keep what was typed. A Red issue is asked what every path to
Red asks (triage.health_questions): its churn class, and its leader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from triage_tui.domain.health import Health
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import TemplateFields, is_url, parse_date, render_description
from triage_tui.domain.triage import LEADER_ROLES, MoveDecision, answer_problems, health_questions


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
    churn: str = ""
    """The churn class's label (E&A...), for a Red account (rule 7)."""
    leader_role: str = ""
    """"TAM Leader" or "CS Manager / Director" (the role's value), for a Red account."""
    leader: str = ""
    """The leader's username."""
    no_leader_yet: bool = False
    """For a Red account: the person said no leader is known yet (rule 1)."""

    def team(self, *, with_leader: bool = True) -> TriageTeam:
        """The triage team the form names: the TAM, and (`with_leader`) the leader."""
        tam = self.tam.strip().lstrip("@")
        pairs: list[tuple[Role, list[str]]] = [(Role.TAM, [tam] if tam else [])]
        leader = self.answers().named_leader
        if with_leader and leader is not None:
            pairs.append((leader.role, [leader.username]))
        return TriageTeam.of(pairs)

    def answers(self) -> MoveDecision:
        """The form's answers to the questions every path to a colour asks."""
        role = next((r for r in LEADER_ROLES if r.value == self.leader_role), None)
        return MoveDecision(
            self.reason,
            churn=ChurnClass.parse(self.churn),
            leader_role=role,
            leader=self.leader,
            no_leader_yet=self.no_leader_yet,
        )


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
    health = Health.parse(form.health)
    if health is None:
        errors["health"] = "Pick a health colour."
        if not form.reason.strip():
            errors["reason"] = "Say why the account has this health score."
    else:
        # The questions every path to a colour asks, of the team before the answers (a
        # new issue has no leader until the form names one).
        questions = health_questions(health, form.team(with_leader=False))
        errors.update(answer_problems(questions, form.answers()))
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
    red = health is Health.RED
    # The churn class and the leader asked for are Red's (rules 1, 7): a form switched
    # from Red to Amber after they were picked does not carry them.
    team = form.team(with_leader=red)
    churn = ChurnClass.parse(form.churn) if red else None
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
        labels=(NEW_LABEL, health.label, region.label)
        + ((churn.label,) if churn is not None else ()),
        milestone=milestone_title(renewal),
        renewal=renewal,
        health=health,
        region=region,
        assignees=team.everyone,
    )
