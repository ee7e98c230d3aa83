"""The triage rules for moving a card, as planned edits (handbook rules 1, 3, 6, 7, 8).

A move is planned here, purely, and the UI only asks the person for what the plan
says it needs (a reason, a churn class, a leader for a Red account) before the edit
is recorded. What giving an account a health asks (`health_questions`) and what counts
as an answer (`answer_problems`) are decided once, here, for every path: the board's
move, the ER call's "Salesforce is right", and the new-issue form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, iid_text
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region, read_labels
from triage_tui.domain.suggest import suggest, suggestion_lines, suggestion_summary
from triage_tui.domain.team import Role, TriageTeam

#: The roles rule 1 asks for on a Red account: either one is enough.
LEADER_ROLES: tuple[Role, Role] = (Role.TAM_LEADER, Role.CS_LEADER)


class MoveRefused(ValueError):
    """The move is not one the process allows; the message says why."""


@dataclass(frozen=True, slots=True)
class HealthQuestions:
    """What a person is asked when they give an account a health.

    The same questions on every path to a colour (a move on the board, "Salesforce is
    right" on the ER call, a new issue), so no path lands an account in Red with less:

    - the reason: always, and required (it goes on the template and into a note);
    - the signals of all four colours: offered, optional (ticked ones go into the note);
      two or more suggest a colour (domain.suggest), and choosing another colour than
      the suggestion is an override, whose reason is required;
    - the churn class: required for Red (rule 7);
    - a leader: for Red when the triage team has no TAM leader and no CS manager /
      director (rule 1). The person names one of the project's members, or says
      explicitly that none is known yet. Saying nothing is not an answer, but "none
      known yet" is: rule 1 also says the Red issue is opened *at once*, and a TAM
      relabelling on the ER call or opening the issue the day the customer says they
      are cancelling often does not know yet which director takes the account.
      Refusing the Red label until then would leave the board (and the ER call's
      checks) wrong, which is worse than a visible gap: the note says no leader is
      named yet and the card keeps its needs-leader flag until one is on the team (t).
    """

    health: Health
    churn: bool = False
    """Ask for the churn class (required)."""
    leader: bool = False
    """Ask who the leader is (an answer required, "none known yet" allowed)."""


def health_questions(health: Health, team: TriageTeam) -> HealthQuestions:
    """What giving an account `health` asks, for an issue whose triage team is `team`."""
    red = health is Health.RED
    return HealthQuestions(health, churn=red, leader=red and not team.has_leader)


@dataclass(frozen=True, slots=True)
class Leader:
    """The TAM leader or CS manager / director named for a Red account (rule 1)."""

    role: Role
    username: str


@dataclass(frozen=True, slots=True)
class MovePlan:
    """What moving one issue to a column changes, and what the person must supply."""

    iid: int
    summary: str
    """"Red → Amber", "EMEA → APAC"."""
    add_labels: tuple[str, ...]
    remove_labels: tuple[str, ...]
    state: IssueState | None = None
    """CLOSED when the account is back to health (rule 6), OPENED when a closed issue
    falls back to an at-risk colour."""
    target_health: Health | None = None
    needs_reason: bool = False
    """A health change: the reason is required and recorded on the issue."""
    needs_churn: bool = False
    """A move to Red: the churn classification is required (rule 7)."""
    needs_leader: bool = False
    """A move to Red with no leader on the team: who it is, or that none is known yet,
    is required (rule 1; see HealthQuestions)."""
    warnings: tuple[str, ...] = ()
    team: TriageTeam | None = None
    """The triage team to write with the move (with the leader named for it); None
    leaves the description's team section alone."""
    assignees: tuple[str, ...] | None = None
    """The issue's assignees with the move (the named leader added), or None."""
    leader: Leader | None = None
    """The leader named for the move, for the note."""
    no_leader_yet: bool = False
    """The person said no leader is known yet, for the note."""

    @property
    def questions(self) -> HealthQuestions | None:
        """What the person must answer for this move (None: nothing, a region move)."""
        if self.target_health is None or not self.needs_reason:
            return None
        return HealthQuestions(self.target_health, self.needs_churn, self.needs_leader)


@dataclass(frozen=True, slots=True)
class MoveDecision:
    """What the person answered for a planned move."""

    reason: str
    signals: tuple[str, ...] = ()
    """The ticked signals' texts, of any colour (domain.suggest weighs them)."""
    churn: ChurnClass | None = None
    leader_role: Role | None = None
    """TAM leader or CS manager / director, when a leader was asked for and named."""
    leader: str = ""
    """The named leader's username."""
    no_leader_yet: bool = False
    """The person answered the leader question with "none known yet"."""
    override_reason: str = ""
    """Why the colour chosen is not the one the ticked signals suggest (required then)."""

    @property
    def named_leader(self) -> Leader | None:
        username = self.leader.strip().lstrip("@")
        if self.leader_role is None or not username or self.no_leader_yet:
            return None
        return Leader(self.leader_role, username)


def answer_problems(questions: HealthQuestions, decision: MoveDecision) -> dict[str, str]:
    """Field ("reason", "override", "churn", "leader") -> what is missing from the person's answer,
    for every question asked and not answered. Empty when the answer is complete."""
    problems: dict[str, str] = {}
    if not decision.reason.strip():
        problems["reason"] = (
            f"A reason is required: say why the account is {questions.health.label}."
        )
    suggested = suggest(decision.signals).health
    if (
        suggested is not None
        and suggested is not questions.health
        and not decision.override_reason.strip()
    ):
        problems["override"] = (
            f"The signals suggest {suggested.label}: say why {questions.health.label} "
            "instead (the override reason), or untick signals."
        )
    if questions.churn and decision.churn is None:
        problems["churn"] = "Pick E&A, E&U, U&A or U&U: every Red account is classified."
    if questions.leader and not decision.no_leader_yet:
        username = decision.leader.strip().lstrip("@")
        if decision.leader_role is not None and decision.leader_role not in LEADER_ROLES:
            problems["leader"] = "The leader is a TAM leader or a CS manager / director."
        elif decision.leader_role is None and username:
            problems["leader"] = (
                f"Say whether @{username} is the TAM leader or the CS manager / director."
            )
        elif decision.leader_role is None:
            problems["leader"] = (
                "Name a TAM leader or CS manager / director, or say none is known yet."
            )
        elif not username:
            problems["leader"] = f"Pick who the {decision.leader_role.value} is."
    return problems


def plan_move(
    *,
    iid: int,
    labels: tuple[str, ...],
    state: IssueState,
    kind: BoardKind,
    target: Column,
    team: TriageTeam,
) -> MovePlan:
    """The edit for dropping issue `iid` into `target` on a board of `kind`.

    Raises MoveRefused for a column that is not a label (No health, Data problem) or
    for a move to where the issue already is.
    """
    reading = read_labels(labels)
    if kind is BoardKind.REGION:
        return _plan_region(iid, labels, reading.regions, target)
    health = target.health
    if health is None:
        raise MoveRefused(
            f"{target.title} is not a health colour: pick Red, Amber, Yellow or Green."
        )
    if reading.healths == (health,):
        raise MoveRefused(f"{iid_text(iid)} is already {health.label}.")
    old = [name for name in labels if Health.parse(name) is not None]
    before = (
        reading.health.label if reading.health is not None else ("several" if old else "no health")
    )
    new_state: IssueState | None = None
    if state is IssueState.CLOSED and health.at_risk:
        new_state = IssueState.OPENED
    elif (
        state is IssueState.OPENED
        and not health.at_risk
        and any(h.at_risk for h in reading.healths)
    ):
        new_state = IssueState.CLOSED  # rule 6: back to health closes the issue
    # The leader is asked for in the dialog (see HealthQuestions), not warned about.
    questions = health_questions(health, team)
    warnings: list[str] = []
    if new_state is IssueState.CLOSED:
        warnings.append(
            f"Back to health: {iid_text(iid)} will be closed with the {health.label} label."
        )
    elif new_state is IssueState.OPENED:
        warnings.append(f"At risk again: {iid_text(iid)} will be reopened.")
    remove = tuple(old)
    if health is not Health.RED:
        # Churn classes are for Red accounts only.
        remove += tuple(name for name in labels if ChurnClass.parse(name) is not None)
    return MovePlan(
        iid=iid,
        summary=f"{before} → {health.label}",
        add_labels=(health.label,),
        remove_labels=remove,
        state=new_state,
        target_health=health,
        needs_reason=True,
        needs_churn=questions.churn,
        needs_leader=questions.leader,
        warnings=tuple(warnings),
    )


def _plan_region(
    iid: int, labels: tuple[str, ...], regions: tuple[Region, ...], target: Column
) -> MovePlan:
    region = target.region
    if region is None:
        raise MoveRefused(f"{target.title} is not a region: pick one of the region columns.")
    if regions == (region,):
        raise MoveRefused(f"{iid_text(iid)} is already in {region.label}.")
    old = tuple(name for name in labels if Region.parse(name) is not None)
    before = regions[0].label if len(regions) == 1 else ("several" if regions else "no region")
    return MovePlan(
        iid=iid,
        summary=f"{before} → {region.label}",
        add_labels=(region.label,),
        remove_labels=old,
    )


def with_churn(plan: MovePlan, labels: tuple[str, ...], churn: ChurnClass) -> MovePlan:
    """The plan with the churn class chosen for a Red account (replacing any other)."""
    others = tuple(name for name in labels if ChurnClass.parse(name) not in (None, churn))
    return replace(
        plan,
        summary=f"{plan.summary} ({churn.label})",
        add_labels=(*plan.add_labels, churn.label),
        remove_labels=plan.remove_labels + others,
        needs_churn=False,
    )


def with_leader(
    plan: MovePlan, team: TriageTeam, assignees: tuple[str, ...], leader: Leader
) -> MovePlan:
    """The plan with `leader` put on the issue's triage `team` and among its `assignees`
    (rule 1), in the same edit as the move."""
    return replace(
        plan,
        team=team.with_role(leader.role, [leader.username]),
        # Added to the assignees there are, not replaced by the team's people: an issue
        # whose team section is incomplete must not lose the assignees it has.
        assignees=tuple(dict.fromkeys((*assignees, leader.username))),
        leader=leader,
        needs_leader=False,
    )


def decided(
    plan: MovePlan,
    decision: MoveDecision,
    *,
    labels: tuple[str, ...],
    team: TriageTeam,
    assignees: tuple[str, ...],
) -> MovePlan:
    """The plan as the person answered it (churn class, leader) for an issue with these
    `labels`, triage `team` and `assignees`. Raises ValueError when an answer the plan
    needs is missing (see `answer_problems`): no path records an incomplete move."""
    questions = plan.questions
    if questions is None:
        return plan
    problems = answer_problems(questions, decision)
    if problems:
        raise ValueError(" ".join(problems.values()))
    chosen = plan
    if plan.needs_churn and decision.churn is not None:
        chosen = with_churn(chosen, labels, decision.churn)
    if plan.needs_leader:
        leader = decision.named_leader
        if leader is None:
            chosen = replace(chosen, needs_leader=False, no_leader_yet=True)
        else:
            chosen = with_leader(chosen, team, assignees, leader)
    return chosen


def reason_note(
    plan: MovePlan,
    reason: str,
    signals: tuple[str, ...] = (),
    previous: str = "",
    override_reason: str = "",
) -> str:
    """The note recording why health changed, so the issue's history shows it; with the
    ticked signals, what they suggested and whether the person confirmed or overrode it
    (and why); and the template's reason it replaces (`previous`), so no text of it is
    lost."""
    lines = [f"**Health {plan.summary}**", "", reason.strip()]
    if signals and plan.target_health is not None:
        lines += ["", *suggestion_lines(signals, plan.target_health, override_reason)]
    elif signals:
        lines += ["", "Signals:", *(f"- {signal}" for signal in signals)]
    if plan.leader is not None:
        lines += ["", f"{plan.leader.role.value} @{plan.leader.username} joins the triage team."]
    elif plan.no_leader_yet:
        lines += [
            "",
            "No TAM leader or CS manager / director is known yet: one is still to be "
            "named on the triage team.",
        ]
    if previous.strip() and previous.strip() != reason.strip():
        lines += ["", "Reason for Health Score until now:", *quoted(previous)]
    return "\n".join(lines)


def template_reason(
    plan: MovePlan, reason: str, signals: tuple[str, ...] = (), override_reason: str = ""
) -> str:
    """The "Reason for Health Score" a move writes: the person's reason, and when the
    ticked signals suggested a colour, a line saying so and whether it was confirmed or
    overridden (with why), so the issue's description says it as the note does. Fewer
    signals than a suggestion needs add nothing: the note lists them."""
    why = reason.strip()
    health = plan.target_health
    if health is None or suggest(signals).health is None:
        return why
    return f"{why}\n{suggestion_summary(signals, health, override_reason)}"


def quoted(text: str) -> list[str]:
    """`text` as Markdown quote lines."""
    return [f"> {line}".rstrip() for line in text.strip().splitlines()]


def review_labels(labels: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Toggle ~New (rule 3): (add, remove, summary). Reviewing removes it; undoing a
    review puts it back."""
    new = tuple(name for name in labels if name.strip().lower() == NEW_LABEL.lower())
    if new:
        return (), new, "reviewed (removed ~New)"
    return (NEW_LABEL,), (), "back to review (added ~New)"
