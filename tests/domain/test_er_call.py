"""The ER call's checks with a fixed today."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.domain.accounts import Account, account_id_from_url, same_account
from triage_tui.domain.board import with_card_in
from triage_tui.domain.er_call import (
    ActionKind,
    CallAction,
    ERCall,
    account_index,
    agenda_with_card,
    build_agenda,
    renewals_without_tam,
    stale_scores,
    summary_markdown,
)
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card, IssueState, IssueSummary, make_card

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def card(
    iid: int, labels: tuple[str, ...], sf: str, *, updated_days: int = 1, closed: bool = False
) -> Card:
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
    assert [a.id for a in agenda.stale_scores] == [B]  # (D, Green, is current)
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
    def renewing(n: int, region: str, days: int, arr: float, tam: str = "") -> Account:
        return account(
            f"0010000000000a{n}",
            None,
            tam=tam,
            arr=arr,
            region=region,
            renewal_date=TODAY + timedelta(days=days),
        )

    accounts = [
        renewing(1, "EMEA", 30, 500_000.0),
        renewing(2, "APAC", 10, 500_000.0),
        renewing(3, "EMEA", 5, 900_000.0, tam="liam"),  # has a TAM
        renewing(4, "EMEA", 5, 20_000.0),  # small
        renewing(5, "EMEA", 120, 800_000.0),  # too far
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


def test_summary_is_built_from_the_call_record() -> None:
    agenda = build_agenda([card(1, ("Red", "New"), A)], [account(A, Health.RED)], TODAY)
    start = {"New at-risk": 3, "Missing issues": 2, "Mismatches": 1}
    call = ERCall(
        id=1,
        started_at=NOW,
        started_by="dana",
        counts_at_start=start,
        actions=(
            CallAction(NOW, "dana", ActionKind.REVIEWED, "Account 7", iid=7),
            CallAction(NOW, "dana", ActionKind.CHANGED, "Account 2: Amber → Red (why)", iid=2),
            CallAction(NOW, "dana", ActionKind.OPENED, "Initech (Red)", iid=-2),
            CallAction(NOW, "dana", ActionKind.CONFIRMED, "Acme: Green (call today)"),
        ),
    )
    text = summary_markdown(call, agenda, TODAY)
    assert text.startswith("# Customer ER call, 2026-11-24")
    assert "Started 12:00 by @dana (still in progress)." in text
    # The counts when the call started, not the ones at the end.
    assert "Agenda at the start: New at-risk: 3, Missing issues: 2, Mismatches: 1." in text
    assert "Agenda now (2026-11-24): New at-risk: 1," in text
    assert "## Reviewed\n\n- #7 Account 7" in text
    assert "- #2 Account 2: Amber → Red (why)" in text
    assert "- #new Initech (Red)" in text and "#-2" not in text  # not created on GitLab yet
    assert "## Scores confirmed\n\n- Acme: Green (call today)" in text
    assert "#1 Account 1: still ~New" in text
    ended = summary_markdown(replace(call, actions=(), ended_at=NOW), agenda, TODAY)
    assert "ended 12:00." in ended and "## Opened\n\n- nothing" in ended


HEALTHS = st.sampled_from([None, *Health])


@given(
    ages=st.lists(st.one_of(st.none(), st.integers(0, 400)), max_size=12),
    healths=st.lists(HEALTHS, min_size=12, max_size=12),
    with_issue=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_every_account_with_a_stale_score_is_listed(
    ages: list[int | None], healths: list[Health | None], with_issue: list[bool]
) -> None:
    """All four colours and none, with an open issue or not: every account not confirmed
    within 31 days is listed, oldest (never confirmed) first; the rest are not."""
    accounts = [
        account(
            f"0010000000000{n:02d}",
            healths[n],
            health_date=None if age is None else TODAY - timedelta(days=age),
        )
        for n, age in enumerate(ages)
    ]
    cards = [
        card(n, ("Red",), a.id)
        for n, (a, has) in enumerate(zip(accounts, with_issue, strict=False))
        if has
    ]
    listed = build_agenda(cards, accounts, TODAY).stale_scores
    stale = {a.id for a in accounts if a.health_date is None or (TODAY - a.health_date).days > 31}
    assert {a.id for a in listed} == stale
    ages_listed = [None if a.health_date is None else (TODAY - a.health_date).days for a in listed]
    never = [x for x in ages_listed if x is None]
    assert ages_listed[: len(never)] == never  # never confirmed come first
    dated = [x for x in ages_listed if x is not None]
    assert dated == sorted(dated, reverse=True)  # then the oldest


def test_stale_scores_take_the_region_and_arr_filters() -> None:
    old = TODAY - timedelta(days=60)
    accounts = [
        account(A, Health.GREEN, health_date=old, region="EMEA", arr=50_000.0),
        account(B, Health.YELLOW, health_date=old, region="APAC", arr=500_000.0),
        account(C, Health.RED, health_date=None, region="EMEA", arr=900_000.0),
    ]
    assert [a.id for a in stale_scores(accounts, TODAY)] == [C, B, A]
    assert [a.id for a in stale_scores(accounts, TODAY, regions=["emea"])] == [C, A]
    assert [a.id for a in stale_scores(accounts, TODAY, arr_threshold=100_000)] == [C, B]


SF_IDS = [f"0010000000000{n:02d}AAA" for n in range(6)]
AGENDA_LABELS = st.lists(
    st.sampled_from(["Red", "Amber", "Yellow", "Green", "New", "EMEA", "other"]), max_size=4
)


@st.composite
def agenda_cards(draw: st.DrawFn, iid: int) -> Card:
    """A card of any colour (or none, or two), ~New or not, open or closed, silent or
    not, of a known account, an unknown one or none."""
    return card(
        iid,
        tuple(draw(AGENDA_LABELS)),
        draw(st.sampled_from([*SF_IDS, "", "001999999999999AAA", SF_IDS[0][:15]])),
        updated_days=draw(st.integers(0, 30)),
        closed=draw(st.booleans()),
    )


@st.composite
def agenda_inputs(draw: st.DrawFn) -> tuple[list[Card], list[Account]]:
    iids = draw(st.lists(st.integers(1, 12), unique=True, min_size=1, max_size=10))
    cards = [draw(agenda_cards(iid)) for iid in iids]
    ids = draw(st.lists(st.sampled_from(SF_IDS), unique=True))
    # Names from a short list, so that accounts of one name are ordered too.
    accounts = [
        account(sf, draw(HEALTHS), name=draw(st.sampled_from(["Acme", "Initech"]))) for sf in ids
    ]
    return cards, accounts


@settings(max_examples=500, deadline=None)
@given(agenda_inputs(), st.data(), st.booleans())
def test_one_card_changed_is_the_agenda_built_again(
    inputs: tuple[list[Card], list[Account]], data: st.DataObject, salesforce: bool
) -> None:
    """An edit of one issue (any colour to any, ~New taken off or put back, closed or
    reopened, its account changed, gone, or one new to the cache) gives the agenda a
    full build would: every section, in its order."""
    cards, accounts = inputs
    iid = data.draw(st.sampled_from([c.iid for c in cards]) | st.just(13))  # 13: a new one
    before = next((c for c in cards if c.iid == iid), None)
    after = data.draw(st.none() | agenda_cards(iid))
    now = with_card_in(cards, iid, after)
    agenda = build_agenda(cards, accounts, TODAY, salesforce=salesforce)
    assert agenda_with_card(agenda, now, before, after, account_index(accounts)) == build_agenda(
        now, accounts, TODAY, salesforce=salesforce
    )


def test_closing_an_accounts_only_issue_puts_it_back_among_the_missing_in_order() -> None:
    """Acme (Red) had its issue closed on the call: it is missing an issue again, listed
    before Initech (Red, missing already) as a full build lists them."""
    acme, initech = SF_IDS[0], SF_IDS[1]
    accounts = [
        account(initech, Health.RED, name="Initech"),
        account(acme, Health.RED, name="Acme"),
    ]
    cards = [card(1, ("Red",), acme), card(2, ("Amber",), acme, closed=True)]
    closed = card(1, ("Red",), acme, closed=True)
    now = with_card_in(cards, 1, closed)
    agenda = agenda_with_card(
        build_agenda(cards, accounts, TODAY), now, cards[0], closed, account_index(accounts)
    )
    assert [a.name for a in agenda.missing_issues] == ["Acme", "Initech"]
    assert agenda == build_agenda(now, accounts, TODAY)
