"""What giving an account a health asks (rules 1 and 7), decided once for every path to a
colour: the board's move, the ER call's "Salesforce is right", and the new-issue form."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST
from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState
from triage_tui.domain.labels import ChurnClass, Region
from triage_tui.domain.new_issue import NewIssueForm, build_new_issue, check_form
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import parse_description
from triage_tui.domain.triage import (
    LEADER_ROLES,
    HealthQuestions,
    Leader,
    MoveDecision,
    MovePlan,
    answer_problems,
    decided,
    health_questions,
    plan_move,
    reason_note,
)

WITH_LEADER = {
    role: TriageTeam.of([(Role.TAM, ["liam"]), (role, ["gustav"])]) for role in LEADER_ROLES
}
NO_LEADER = TriageTeam.of([(Role.TAM, ["liam"]), (Role.ACCOUNT_OWNER, ["olga"])])
TEAMS = st.sampled_from([NO_LEADER, TriageTeam(), *WITH_LEADER.values()])
HEALTHS = st.sampled_from(list(Health))
STATES = st.sampled_from(list(IssueState))
ROLES = st.one_of(st.none(), st.sampled_from(list(Role)))
DECISIONS = st.builds(
    MoveDecision,
    reason=st.sampled_from(["", "  ", "Told us they are cancelling"]),
    churn=st.one_of(st.none(), st.sampled_from(list(ChurnClass))),
    leader_role=ROLES,
    leader=st.sampled_from(["", "@", "fatima", "@gustav"]),
    no_leader_yet=st.booleans(),
)


def colour(health: Health) -> Column:
    return Column(health.label, health.label, (), health=health)


def plan(
    start: tuple[str, ...], target: Health, team: TriageTeam, state: IssueState = IssueState.OPENED
) -> MovePlan:
    return plan_move(
        iid=7, labels=start, state=state, kind=BoardKind.COLOURS, target=colour(target), team=team
    )


# -- what is asked ---------------------------------------------------------------------------


@FAST
@given(HEALTHS, TEAMS)
def test_red_asks_the_churn_class_and_a_leader_when_the_team_has_none(
    health: Health, team: TriageTeam
) -> None:
    questions = health_questions(health, team)
    assert questions.health is health
    assert questions.churn is (health is Health.RED)
    assert questions.leader is (health is Health.RED and not team.has_leader)


@pytest.mark.parametrize("health", list(Health))
@pytest.mark.parametrize("team", [NO_LEADER, *WITH_LEADER.values()], ids=["none", "tam", "cs"])
def test_every_colour_with_and_without_a_leader(health: Health, team: TriageTeam) -> None:
    questions = health_questions(health, team)
    red = health is Health.RED
    assert (questions.churn, questions.leader) == (red, red and team is NO_LEADER)


@FAST
@given(st.sampled_from(list(Health)), HEALTHS, STATES, TEAMS)
def test_a_move_asks_what_health_questions_says(
    start: Health, target: Health, state: IssueState, team: TriageTeam
) -> None:
    if start is target:
        return
    moved = plan((start.label, "EMEA"), target, team, state)
    assert moved.questions == health_questions(target, team)
    assert (moved.needs_churn, moved.needs_leader) == (
        moved.questions.churn,
        moved.questions.leader,
    )
    # The dialog asks for the leader: no warning sends the person to another screen.
    assert not any("add one with" in w for w in moved.warnings)


def test_a_region_move_asks_nothing() -> None:
    region = Column("APAC", "APAC", (), region=Region.APAC)
    moved = plan_move(
        iid=1,
        labels=("Red", "EMEA"),
        state=IssueState.OPENED,
        kind=BoardKind.REGION,
        target=region,
        team=NO_LEADER,
    )
    assert moved.questions is None
    assert decided(moved, MoveDecision(""), labels=(), team=NO_LEADER, assignees=()) == moved


# -- what counts as an answer ------------------------------------------------------------------


def _answered_leader(decision: MoveDecision) -> bool:
    named = decision.leader_role in LEADER_ROLES and bool(decision.leader.strip().lstrip("@"))
    return decision.no_leader_yet or named


@FAST
@given(HEALTHS, st.booleans(), DECISIONS)
def test_each_question_asked_and_not_answered_is_named(
    health: Health, has_leader: bool, decision: MoveDecision
) -> None:
    questions = health_questions(health, WITH_LEADER[Role.TAM_LEADER] if has_leader else NO_LEADER)
    problems = answer_problems(questions, decision)
    assert ("reason" in problems) is (not decision.reason.strip())
    assert ("churn" in problems) is (questions.churn and decision.churn is None)
    assert ("leader" in problems) is (questions.leader and not _answered_leader(decision))
    assert set(problems) <= {"reason", "churn", "leader"}


@pytest.mark.parametrize(
    ("decision", "problem"),
    [
        (MoveDecision("r", churn=ChurnClass.EXPECTED_AVOIDABLE), "or say none is known yet"),
        (
            MoveDecision("r", churn=ChurnClass.EXPECTED_AVOIDABLE, leader="fatima"),
            "Say whether @fatima is the TAM leader or the CS manager / director",
        ),
        (
            MoveDecision("r", churn=ChurnClass.EXPECTED_AVOIDABLE, leader_role=Role.CS_LEADER),
            "Pick who the CS Manager / Director is",
        ),
        (
            MoveDecision(
                "r", churn=ChurnClass.EXPECTED_AVOIDABLE, leader_role=Role.TAM, leader="x"
            ),
            "TAM leader or a CS manager / director",
        ),
        (MoveDecision("", leader="x", no_leader_yet=True), "Pick E&A, E&U, U&A or U&U"),
    ],
)
def test_what_is_missing_is_said(decision: MoveDecision, problem: str) -> None:
    problems = answer_problems(HealthQuestions(Health.RED, churn=True, leader=True), decision)
    assert any(problem in text for text in problems.values()), problems


# -- the answered move ------------------------------------------------------------------------

RED_ANSWER = MoveDecision(
    "Told us they are cancelling",
    churn=ChurnClass.UNEXPECTED_AVOIDABLE,
    leader_role=Role.CS_LEADER,
    leader="@fatima",
)


@pytest.mark.parametrize("state", list(IssueState))
def test_a_named_leader_joins_the_team_and_the_assignees_with_the_move(
    state: IssueState,
) -> None:
    labels = ("Amber", "E&A")
    moved = decided(
        plan(labels, Health.RED, NO_LEADER, state),
        RED_ANSWER,
        labels=labels,
        team=NO_LEADER,
        assignees=("liam", "someone"),
    )
    assert moved.add_labels == ("Red", "U&A") and "E&A" in moved.remove_labels
    assert moved.team == NO_LEADER.with_role(Role.CS_LEADER, ["fatima"])
    assert moved.assignees == ("liam", "someone", "fatima")  # added, none dropped
    assert moved.leader == Leader(Role.CS_LEADER, "fatima") and not moved.needs_leader
    assert moved.state is (IssueState.OPENED if state is IssueState.CLOSED else None)
    note = reason_note(moved, RED_ANSWER.reason)
    assert "CS Manager / Director @fatima joins the triage team." in note


def test_none_known_yet_moves_to_red_and_says_so_in_the_note() -> None:
    answer = replace(RED_ANSWER, leader_role=None, leader="", no_leader_yet=True)
    moved = decided(
        plan(("Amber",), Health.RED, NO_LEADER),
        answer,
        labels=("Amber",),
        team=NO_LEADER,
        assignees=("liam",),
    )
    assert "Red" in moved.add_labels and moved.team is None and moved.assignees is None
    assert moved.no_leader_yet
    assert "No TAM leader or CS manager / director is known yet" in reason_note(moved, "r")


@pytest.mark.parametrize("role", LEADER_ROLES)
def test_a_team_with_a_leader_is_not_asked_and_not_rewritten(role: Role) -> None:
    team = WITH_LEADER[role]
    moved = decided(
        plan(("Amber",), Health.RED, team),
        replace(RED_ANSWER, leader_role=None, leader=""),
        labels=("Amber",),
        team=team,
        assignees=("liam",),
    )
    assert moved.team is None and moved.leader is None and not moved.no_leader_yet


@pytest.mark.parametrize("target", [Health.GREEN, Health.YELLOW, Health.AMBER])
def test_answers_red_does_not_ask_are_ignored_elsewhere(target: Health) -> None:
    moved = decided(
        plan(("Red", "U&U"), target, NO_LEADER),
        RED_ANSWER,
        labels=("Red", "U&U"),
        team=NO_LEADER,
        assignees=(),
    )
    assert moved.add_labels == (target.label,) and "U&U" in moved.remove_labels
    assert moved.team is None and moved.leader is None


@FAST
@given(HEALTHS, TEAMS, DECISIONS)
def test_an_incomplete_answer_is_never_recorded(
    target: Health, team: TriageTeam, decision: MoveDecision
) -> None:
    start = Health.GREEN if target is not Health.GREEN else Health.RED
    planned = plan((start.label,), target, team)
    assert planned.questions is not None
    problems = answer_problems(planned.questions, decision)
    if problems:
        with pytest.raises(ValueError):
            decided(planned, decision, labels=(start.label,), team=team, assignees=())
        return
    moved = decided(planned, decision, labels=(start.label,), team=team, assignees=())
    red = target is Health.RED
    assert any(ChurnClass.parse(n) is not None for n in moved.add_labels) is red
    if red:
        # Rule 1 is answered: a leader on the team, or said to be unknown yet.
        assert (moved.team or team).has_leader or moved.no_leader_yet


# -- the new-issue form -----------------------------------------------------------------------

FORM = NewIssueForm(
    account="Initech Corp",
    salesforce_url="https://example.my.salesforce.com/001Q",
    success_plan_url="https://gitlab.example.com/plans/9",
    renewal_date="2027-02-14",
    reason="Budget cut after the merger",
    region="EMEA",
    tam="@liam",
)


def test_a_red_new_issue_is_asked_its_churn_class_and_leader() -> None:
    errors = check_form(replace(FORM, health="Red"))
    assert set(errors) == {"churn", "leader"}
    assert "say none is known yet" in errors["leader"]


@pytest.mark.parametrize("health", list(Health))
def test_only_red_new_issues_carry_a_churn_class_and_the_leader(health: Health) -> None:
    form = replace(
        FORM, health=health.label, churn="U&A", leader_role="TAM Leader", leader="@gustav"
    )
    assert check_form(form) == {}
    issue = build_new_issue(form)
    red = health is Health.RED
    assert ("U&A" in issue.labels) is red
    team = parse_description(issue.description).team
    assert team.people(Role.TAM) == ("liam",)
    assert team.people(Role.TAM_LEADER) == (("gustav",) if red else ())
    assert issue.assignees == (("liam", "gustav") if red else ("liam",))


def test_a_red_new_issue_may_say_no_leader_is_known_yet() -> None:
    form = replace(FORM, health="Red", churn="E&U", no_leader_yet=True)
    assert check_form(form) == {}
    issue = build_new_issue(form)
    assert "E&U" in issue.labels
    assert not parse_description(issue.description).team.has_leader


@FAST
@given(
    HEALTHS,
    st.sampled_from(["", "E&A", "u&u", "nonsense"]),
    st.sampled_from(["", *(r.value for r in LEADER_ROLES), "TAM"]),
    st.sampled_from(["", "fatima"]),
    st.booleans(),
)
def test_the_form_asks_what_a_move_asks(
    health: Health, churn: str, role: str, leader: str, none_yet: bool
) -> None:
    form = replace(
        FORM,
        health=health.label,
        churn=churn,
        leader_role=role,
        leader=leader,
        no_leader_yet=none_yet,
    )
    expected = answer_problems(
        health_questions(health, form.team(with_leader=False)), form.answers()
    )
    assert {k: v for k, v in check_form(form).items() if k in ("churn", "leader")} == expected
