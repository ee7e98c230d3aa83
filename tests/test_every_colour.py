"""Every rule, renderer and store round trip, for each of the four colours (and none).

Health.GREEN was once 0: every `x.health if x.health` read Green as "no health", and 686
tests passed, because none of them tried Green where it mattered. These try every colour
(and every pair of colours) wherever a health is read, written or shown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from textual.content import Content

from triage_tui.demo_data import demo_account_id, generate, salesforce_accounts
from triage_tui.domain.accounts import Account
from triage_tui.domain.board import BoardKind, Column, build_board
from triage_tui.domain.edit import Edit, EditKind, apply_account_edit
from triage_tui.domain.er_call import Mismatch, build_agenda, still_open
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueDetail, IssueState, IssueSummary, make_card
from triage_tui.domain.labels import read_labels
from triage_tui.domain.new_issue import NewIssueForm, build_new_issue
from triage_tui.domain.team import TriageTeam
from triage_tui.domain.triage import plan_move, reason_note
from triage_tui.domain.weekly import update_template
from triage_tui.services import TriageService
from triage_tui.store import Cache
from triage_tui.tui.detail_pane import render_detail
from triage_tui.tui.er_screen import _account_line, _card_line
from triage_tui.tui.format import health_text

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
SF = "001000000000001AAA"
HEALTHS = list(Health)
MAYBE = [None, *HEALTHS]
PAIRS = [(a, b) for a, b in product(HEALTHS, HEALTHS)]


def summary(health: Health | None, *, closed: bool = False) -> IssueSummary:
    labels = ("EMEA",) if health is None else (health.label, "EMEA")
    return IssueSummary(
        iid=7,
        title="Acme",
        state=IssueState.CLOSED if closed else IssueState.OPENED,
        labels=labels,
        last_update_at=NOW,
        salesforce_id=SF,
    )


def account(health: Health | None) -> Account:
    return Account(id=SF, name="Acme", health=health, health_date=TODAY, region="EMEA")


def text(content: Content) -> str:
    return content.plain


# -- reading labels and accounts ---------------------------------------------------------------


@pytest.mark.parametrize("health", MAYBE, ids=str)
def test_a_card_reads_its_colour(health: Health | None) -> None:
    card = make_card(summary(health), TODAY)
    assert card.health is health
    board = build_board([card], BoardKind.COLOURS)
    (column,) = [c for c in board.columns if c.cards]
    assert column.health is health and column.title == (health.label if health else "No health")


@pytest.mark.parametrize("health", MAYBE, ids=str)
def test_the_store_round_trips_every_score(health: Health | None) -> None:
    cache = Cache.memory()
    stored = account(health)
    cache.store_accounts([stored])
    assert cache.accounts() == [stored]


# -- rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), PAIRS, ids=str)
@pytest.mark.parametrize("state", list(IssueState), ids=str)
def test_every_move_between_colours(before: Health, after: Health, state: IssueState) -> None:
    target = Column(after.label, after.label, (), health=after)
    args = {"iid": 7, "labels": (before.label,), "state": state, "team": TriageTeam()}
    if before is after:
        with pytest.raises(ValueError, match="already"):
            plan_move(kind=BoardKind.COLOURS, target=target, **args)  # type: ignore[arg-type]
        return
    plan = plan_move(kind=BoardKind.COLOURS, target=target, **args)  # type: ignore[arg-type]
    assert plan.summary == f"{before.label} → {after.label}"
    assert plan.add_labels == (after.label,) and plan.remove_labels == (before.label,)
    assert plan.needs_churn is (after is Health.RED)
    closes = state is IssueState.OPENED and before.at_risk and not after.at_risk  # rule 6
    reopens = state is IssueState.CLOSED and after.at_risk
    assert plan.state is (IssueState.CLOSED if closes else IssueState.OPENED if reopens else None)
    assert reason_note(plan, "why").startswith(f"**Health {before.label} → {after.label}**")


@pytest.mark.parametrize(("label", "score"), PAIRS, ids=str)
def test_every_pair_of_label_and_score_in_the_er_call(label: Health, score: Health) -> None:
    agenda = build_agenda([make_card(summary(label), TODAY)], [account(score)], TODAY)
    assert [(m.gitlab, m.salesforce) for m in agenda.mismatches] == (
        [] if label is score else [(label.label, score.label)]
    )
    assert not agenda.missing_issues and not agenda.unmatched_issues
    lines = still_open(agenda)
    assert lines == (
        [] if label is score else [f"#7 Acme: GitLab {label.label}, Salesforce {score.label}"]
    )


@pytest.mark.parametrize("score", HEALTHS, ids=str)
@pytest.mark.parametrize("closed", [False, True])
def test_an_account_without_an_open_issue_is_missing_when_at_risk(
    score: Health, closed: bool
) -> None:
    cards = [make_card(summary(score, closed=True), TODAY)] if closed else []
    agenda = build_agenda(cards, [account(score)], TODAY)
    assert [a.health for a in agenda.missing_issues] == ([score] if score.at_risk else [])


@pytest.mark.parametrize("health", HEALTHS, ids=str)
def test_a_new_issue_keeps_its_colour(health: Health) -> None:
    form = NewIssueForm(
        account="Acme",
        salesforce_url=f"https://acme.my.salesforce.com/{SF}",
        success_plan_url="https://gitlab.example.com/plans/1",
        renewal_date="2027-03-31",
        reason="why",
        health=health.label,
        region="EMEA",
        # What a Red account is asked besides (rules 1 and 7); the others are not.
        churn="U&A" if health is Health.RED else "",
        leader_role="TAM Leader" if health is Health.RED else "",
        leader="fatima" if health is Health.RED else "",
    )
    issue = build_new_issue(form)
    assert issue.health is health and health.label in issue.labels
    assert ("U&A" in issue.labels) is (health is Health.RED)


@pytest.mark.parametrize(("before", "after"), [(None, h) for h in HEALTHS] + PAIRS, ids=str)
def test_a_score_written_here_shows_as_it_will_be(before: Health | None, after: Health) -> None:
    edit = Edit(EditKind.SALESFORCE_HEALTH, 0, "u", account_id=SF, account_health=after.label)
    shown = apply_account_edit(account(before), edit, TODAY + timedelta(days=1))
    assert shown.health is after and shown.pending and shown.health_date == TODAY + timedelta(1)


# -- renderers -------------------------------------------------------------------------------


@pytest.mark.parametrize("health", MAYBE, ids=str)
def test_every_renderer_names_the_colour(health: Health | None) -> None:
    word = health.label.upper() if health is not None else "NO HEALTH"
    card = make_card(summary(health), TODAY)
    assert health_text(health) == word
    detail = IssueDetail.build(summary(health), description="")
    assert text(render_detail(detail, TODAY)).splitlines()[1].startswith(word)
    assert word in text(_card_line(card))
    score = health.label.upper() if health is not None else "NO SCORE"
    assert text(_account_line(account(health), TODAY)).startswith(score)
    assert update_template(health).endswith(f"**Health now:** {health.label if health else ''}\n")
    if health is not None:
        other = next(h for h in HEALTHS if h is not health)
        mismatch = Mismatch(make_card(summary(health), TODAY), account(other))
        assert (mismatch.gitlab, mismatch.salesforce) == (health.label, other.label)


# -- the ER call's new issue, and the demo ----------------------------------------------------


@pytest.mark.parametrize("health", MAYBE, ids=str)
def test_a_missing_issue_is_prefilled_with_the_accounts_colour(
    service: TriageService, health: Health | None
) -> None:
    form = service.form_for_account(account(health))
    assert form.health == (health.label if health is not None else "")


def test_the_demo_has_every_colour_on_both_sides() -> None:
    project = generate(TODAY, count=300)
    on_issues = {read_labels(i["labels"]).health for i in project.issues}
    scores = [Health.parse(a["Health_Score__c"]) for a in salesforce_accounts(project, TODAY)]
    assert set(HEALTHS) <= on_issues and set(HEALTHS) <= set(scores)
    # An issue's account has the issue's colour, but for the few Salesforce moved on from.
    by_id = {
        a["Id"]: Health.parse(a["Health_Score__c"]) for a in salesforce_accounts(project, TODAY)
    }
    for health in HEALTHS:
        issues = [i for i in project.issues if read_labels(i["labels"]).health is health]
        same = sum(by_id[demo_account_id(i["iid"])] is health for i in issues)
        assert same >= 0.8 * len(issues), (health, same, len(issues))
