"""The triage rules for moves and reviews, and the outbox's push rules, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.edit import (
    Edit,
    EditKind,
    apply_edit,
    conflicts,
    is_applied,
    keep_mine,
    merge_labels,
)
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState
from triage_tui.domain.labels import ChurnClass, Region
from triage_tui.domain.records import RemoteIssue
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.triage import (
    MoveRefused,
    plan_move,
    reason_note,
    review_labels,
    with_churn,
)

LEADER = TriageTeam.of([(Role.TAM, ["liam"]), (Role.TAM_LEADER, ["gustav"])])
NO_LEADER = TriageTeam.of([(Role.TAM, ["liam"])])


def colour(health: Health) -> Column:
    return Column(health.label, health.label, (), health=health)


def region(target: Region) -> Column:
    return Column(target.label, target.label, (), region=target)


def move(
    labels: tuple[str, ...], target: Health, state: IssueState = IssueState.OPENED, team=LEADER
):  # type: ignore[no-untyped-def]
    return plan_move(
        iid=7, labels=labels, state=state, kind=BoardKind.COLOURS, target=colour(target), team=team
    )


def test_a_health_move_swaps_the_label_and_needs_a_reason() -> None:
    plan = move(("Red", "EMEA", "New", "U&A"), Health.AMBER)
    assert plan.add_labels == ("Amber",)
    assert set(plan.remove_labels) == {"Red", "U&A"}  # churn classes are for Red only
    assert plan.state is None and plan.needs_reason and not plan.needs_churn
    assert plan.summary == "Red → Amber"


@pytest.mark.parametrize("start", [Health.AMBER, Health.RED])
@pytest.mark.parametrize("target", [Health.YELLOW, Health.GREEN])
def test_back_to_health_closes_the_issue_with_the_new_label(start: Health, target: Health) -> None:
    plan = move((start.label, "APAC"), target)
    assert plan.state is IssueState.CLOSED
    assert plan.add_labels == (target.label,) and start.label in plan.remove_labels
    assert any("closed" in w for w in plan.warnings)


def test_yellow_to_green_does_not_close() -> None:
    assert move(("Yellow",), Health.GREEN).state is None


@pytest.mark.parametrize("target", [Health.AMBER, Health.RED])
def test_a_closed_issue_falling_back_to_risk_reopens(target: Health) -> None:
    plan = move(("Green",), target, state=IssueState.CLOSED)
    assert plan.state is IssueState.OPENED


def test_a_closed_issue_moved_between_healthy_colours_stays_closed() -> None:
    assert move(("Green",), Health.YELLOW, state=IssueState.CLOSED).state is None


def test_red_needs_a_churn_class_and_asks_for_a_leader_without_one() -> None:
    plan = move(("Amber", "E&A"), Health.RED, team=NO_LEADER)
    assert plan.needs_churn and plan.needs_leader
    assert "E&A" not in plan.remove_labels  # kept until a class is chosen
    chosen = with_churn(plan, ("Amber", "E&A"), ChurnClass.UNEXPECTED_AVOIDABLE)
    assert chosen.add_labels == ("Red", "U&A") and "E&A" in chosen.remove_labels
    assert not chosen.needs_churn and chosen.summary.endswith("(U&A)")
    with_leader = move(("Amber",), Health.RED, team=LEADER)
    assert not with_leader.warnings and not with_leader.needs_leader


def test_two_health_labels_are_both_replaced() -> None:
    plan = move(("Red", "Green"), Health.AMBER)
    assert set(plan.remove_labels) == {"Red", "Green"} and plan.summary == "several → Amber"


def test_moves_that_make_no_sense_are_refused() -> None:
    with pytest.raises(MoveRefused, match="already Red"):
        move(("Red",), Health.RED)
    with pytest.raises(MoveRefused, match="not a health colour"):
        plan_move(
            iid=1,
            labels=("Red",),
            state=IssueState.OPENED,
            kind=BoardKind.COLOURS,
            target=Column("No health", "No health", ()),
            team=LEADER,
        )


def test_a_region_move_swaps_the_region_only() -> None:
    plan = plan_move(
        iid=3,
        labels=("Red", "EMEA", "New"),
        state=IssueState.OPENED,
        kind=BoardKind.REGION,
        target=region(Region.APAC),
        team=LEADER,
    )
    assert plan.add_labels == ("APAC",) and plan.remove_labels == ("EMEA",)
    assert not plan.needs_reason and plan.state is None and plan.summary == "EMEA → APAC"


def test_reason_note_records_the_change_and_signals() -> None:
    note = reason_note(move(("Red",), Health.AMBER), "  Exec sponsor is back. ", ("Low adoption",))
    assert note.startswith("**Health Red → Amber**")
    assert "Exec sponsor is back." in note and "- Low adoption" in note


def test_review_toggles_new() -> None:
    assert review_labels(("Red", "New")) == ((), ("New",), "reviewed (removed ~New)")
    assert review_labels(("Red",))[0] == ("New",)


# -- the outbox's rules ---------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
ISSUE = RemoteIssue(
    id=1,
    iid=7,
    title="Acme",
    state=IssueState.OPENED,
    labels=("Red", "EMEA", "New"),
    assignees=("liam",),
    description="d",
    web_url="",
    created_at=NOW,
    updated_at=NOW,
)
TO_AMBER = Edit(EditKind.UPDATE, 7, "u1", add_labels=("Amber",), remove_labels=("Red",))


def test_merge_labels_keeps_order_and_ignores_case() -> None:
    assert merge_labels(("Red", "EMEA"), ("amber", "EMEA"), ("red",)) == ("EMEA", "amber")


def test_an_edit_applies_locally_and_is_then_recognised_as_applied() -> None:
    after = apply_edit(ISSUE, TO_AMBER)
    assert after.labels == ("EMEA", "New", "Amber")
    assert is_applied(TO_AMBER, after) and not is_applied(TO_AMBER, ISSUE)


def test_unrelated_changes_are_no_conflict() -> None:
    server = replace(ISSUE, labels=(*ISSUE.labels, "escalated"), title="Renamed")
    assert conflicts(TO_AMBER, ISSUE, server) == ()


def test_a_change_in_the_same_family_is_a_conflict_with_both_sides() -> None:
    server = replace(ISSUE, labels=("Yellow", "EMEA", "New"))
    assert conflicts(TO_AMBER, ISSUE, server) == ("labels: you saw Red, GitLab now has Yellow",)
    mine = keep_mine(TO_AMBER, server)
    assert set(mine.remove_labels) == {"Red", "Yellow"}
    assert apply_edit(server, mine).labels == ("EMEA", "New", "Amber")


def test_scalar_fields_conflict_only_when_changed_to_something_else() -> None:
    close = Edit(EditKind.UPDATE, 7, "u2", state=IssueState.CLOSED, due_date="2027-01-01")
    assert conflicts(close, ISSUE, ISSUE) == ()
    closed = replace(ISSUE, state=IssueState.CLOSED)
    assert conflicts(close, ISSUE, closed) == ()  # same change made by someone else
    described = Edit(EditKind.UPDATE, 7, "u3", description="mine")
    found = conflicts(described, ISSUE, replace(ISSUE, description="theirs"))
    assert found == ("description: you saw d, GitLab now has theirs",)


def test_reason_note_keeps_the_reason_it_replaces() -> None:
    plan = move(("Red",), Health.AMBER)
    note = reason_note(plan, "Sponsor back.", (), previous="Lost the sponsor.\nBudget cut.")
    assert note.endswith("Reason for Health Score until now:\n> Lost the sponsor.\n> Budget cut.")
    assert "until now" not in reason_note(plan, "Same.", (), previous="Same.")
