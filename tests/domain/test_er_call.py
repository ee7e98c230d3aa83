"""The ER call's checks with a fixed today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from triage_tui.domain.accounts import Account, account_id_from_url, same_account
from triage_tui.domain.er_call import (
    Outcome,
    build_agenda,
    renewals_without_tam,
    summary_markdown,
)
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, IssueSummary, make_card

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def card(
    iid: int, labels: tuple[str, ...], sf: str, *, updated_days: int = 1, closed: bool = False
):  # type: ignore[no-untyped-def]
    summary = IssueSummary(
        iid=iid,
        title=f"Account {iid}",
        state=IssueState.CLOSED if closed else IssueState.OPENED,
        labels=labels,
        last_update_at=NOW - timedelta(days=updated_days),
        salesforce_id=sf,
    )
    return make_card(summary, TODAY)


def account(sf: str, health: Health | None, **kw: object) -> Account:
    defaults: dict[str, object] = {"name": f"Acct {sf[-4:]}", "health_date": TODAY}
    return Account(id=sf, health=health, **{**defaults, **kw})  # type: ignore[arg-type]


A = "001000000000001AAA"
B = "001000000000002AAA"
C = "001000000000003AAA"
D = "001000000000004AAA"


def test_the_agenda_finds_each_case() -> None:
    cards = [
        card(1, ("Red", "New"), A),
        card(2, ("Amber",), B, updated_days=9),  # silent
        card(3, ("Yellow",), ""),  # no Salesforce URL
        card(4, ("Green",), C, closed=True),  # closed issues do not count
    ]
    accounts = [
        account(A, Health.RED),
        account(B, Health.RED, health_date=TODAY - timedelta(days=40)),  # mismatch, stale
        account(C, Health.AMBER),  # at risk, its only issue is closed: missing
        account(D, Health.GREEN),
    ]
    agenda = build_agenda(cards, accounts, TODAY)
    assert [c.iid for c in agenda.new_issues] == [1]
    assert [a.id for a in agenda.missing_issues] == [C]
    assert [(m.card.iid, m.gitlab, m.salesforce) for m in agenda.mismatches] == [
        (2, "Amber", "Red")
    ]
    assert [a.id for a in agenda.stale_scores] == [B]
    assert [c.iid for c in agenda.silent_issues] == [2]
    assert [c.iid for c in agenda.unmatched_issues] == [3]
    assert agenda.counts()["Missing issues"] == 1
    assert agenda.counts()["Mismatches"] == 2  # one to settle, one with no account to check


def test_an_issue_in_its_first_week_is_not_silent() -> None:
    """Failed before: every issue without a weekly update was silent, a new one too."""
    opened = [
        make_card(
            IssueSummary(iid, "A", IssueState.OPENED, (), created_at=NOW - timedelta(days=age)),
            TODAY,
        )
        for iid, age in [(1, 0), (2, 7), (3, 8), (4, 60)]
    ]
    agenda = build_agenda(opened, [], TODAY)
    assert [c.iid for c in agenda.silent_issues] == [3, 4]


def test_15_and_18_character_ids_match() -> None:
    agenda = build_agenda([card(1, ("Red",), A[:15])], [account(A, Health.RED)], TODAY)
    assert not agenda.missing_issues and not agenda.unmatched_issues
    assert same_account(A, A[:15])


def test_renewals_without_tam_by_window_arr_and_region() -> None:
    accounts = [
        account(
            "0010000000000a1",
            None,
            tam="",
            arr=500_000.0,
            region="EMEA",
            renewal_date=TODAY + timedelta(days=30),
        ),
        account(
            "0010000000000a2",
            None,
            tam="",
            arr=500_000.0,
            region="APAC",
            renewal_date=TODAY + timedelta(days=10),
        ),
        account(
            "0010000000000a3",
            None,
            tam="liam",
            arr=900_000.0,
            region="EMEA",
            renewal_date=TODAY + timedelta(days=5),
        ),  # has a TAM
        account(
            "0010000000000a4",
            None,
            tam="",
            arr=20_000.0,
            region="EMEA",
            renewal_date=TODAY + timedelta(days=5),
        ),  # small
        account(
            "0010000000000a5",
            None,
            tam="",
            arr=800_000.0,
            region="EMEA",
            renewal_date=TODAY + timedelta(days=120),
        ),  # too far
    ]
    found = renewals_without_tam(accounts, TODAY, arr_threshold=100_000)
    assert [a.id for a in found] == ["0010000000000a2", "0010000000000a1"]  # soonest first
    emea = renewals_without_tam(accounts, TODAY, arr_threshold=100_000, regions=["emea"])
    assert [a.id for a in emea] == ["0010000000000a1"]
    assert not renewals_without_tam(accounts, TODAY, arr_threshold=600_000)


def test_account_ids_from_the_urls_people_paste() -> None:
    assert (
        account_id_from_url("https://acme.my.salesforce.com/0015g00000AbCdE") == "0015g00000AbCdE"
    )
    lightning = "https://acme.lightning.force.com/lightning/r/Account/0015g00000AbCdEAAZ/view"
    assert account_id_from_url(lightning) == "0015g00000AbCdEAAZ"
    assert account_id_from_url("not a url") is None
    assert account_id_from_url("https://acme.my.salesforce.com/home") is None


def test_summary_lists_what_happened_and_what_is_left() -> None:
    agenda = build_agenda([card(1, ("Red", "New"), A)], [account(A, Health.RED)], TODAY)
    outcome = Outcome().with_reviewed("#1 Account 1").with_changed("#2: Amber → Red")
    text = summary_markdown(agenda, outcome, TODAY)
    assert text.startswith("# Customer ER call, 2026-11-24")
    assert "- #1 Account 1" in text and "- #2: Amber → Red" in text
    assert "## Opened\n\n- nothing" in text
    assert "#1 Account 1: still ~New" in text
