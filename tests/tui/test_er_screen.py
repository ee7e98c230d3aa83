"""The ER call end to end: sync from both emulators (real python-gitlab over HTTP, real
simple-salesforce over HTTPS), walk the agenda by keyboard, settle mismatches both
ways, and read what GitLab and Salesforce received."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList, Select

from tests.conftest import TODAY
from tests.emulated import synced
from tests.tui.helpers import board_app, open_er_call, until, widget_text
from triage_emulators.gitlab import GitLabEmulator
from triage_emulators.salesforce import SalesforceEmulator
from triage_tui.config import SalesforceSettings, data_dir
from triage_tui.domain.accounts import Account
from triage_tui.domain.edit import EditState
from triage_tui.domain.er_call import Agenda, Mismatch
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_description, replace_team
from triage_tui.services import TriageService
from triage_tui.tui.er_screen import ERScreen
from triage_tui.tui.move_modal import MoveModal
from triage_tui.tui.new_issue_modal import NewIssueModal
from triage_tui.tui.pickers import TextModal


@pytest.fixture
def sf(monkeypatch: pytest.MonkeyPatch, isolated_credentials: None) -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator.from_demo(TODAY, count=120) as emulator:
        monkeypatch.setenv("SALESFORCE_INSTANCE_URL", emulator.url)
        monkeypatch.setenv("SALESFORCE_SESSION_ID", emulator.session_id)
        yield emulator


@pytest.fixture
def service(
    emu: GitLabEmulator, sf: SalesforceEmulator, tmp_path: Path, isolated_credentials: None
) -> TriageService:
    settings = SalesforceSettings(instance_url=sf.url, ca_bundle=sf.ca_pem_path, timeout=10)
    return synced(emu, tmp_path, sync_interval=0, salesforce=settings)


def highlight(screen: ERScreen, wanted: Callable[[object], bool]) -> object:
    listing = screen.query_one("#er-list", OptionList)
    for index, row in enumerate(screen.rows):
        if wanted(row.item):
            listing.highlighted = index
            return row.item
    raise AssertionError("no such row")


def highlight_mismatch_not_to_red(screen: ERScreen) -> tuple[Mismatch, str]:
    """Highlight a mismatch whose Salesforce colour is not Red (a move there asks
    more); (it, Salesforce's colour's label)."""
    found = highlight(
        screen,
        lambda m: (
            isinstance(m, Mismatch)
            and m.card.health is not None
            and m.account.health not in (None, Health.RED)
        ),
    )
    assert isinstance(found, Mismatch) and found.account.health is not None
    return found, found.account.health.label


async def complete_the_prefilled_form(
    pilot: Pilot[None], form: Screen[object], account: Account
) -> None:
    """What the account does not say: the success plan, a reason if Salesforce has none,
    and for Red what every path to Red asks (rules 1, 7): E&A, no leader known yet."""
    assert isinstance(form, NewIssueModal)
    assert form.query_one("#account", Input).value == account.name
    form.query_one("#success_plan_url", Input).value = "https://gitlab.example.com/plans/new"
    if not form.query_one("#reason", Input).value:
        form.query_one("#reason", Input).value = "Flagged Red in Salesforce"
    if account.health is Health.RED:
        form.query_one("#churn").focus()
        await pilot.press("enter")  # E&A
        form.query_one("#leader-role").focus()
        await pilot.press("right", "right", "enter")  # none known yet


def test_the_sync_reads_salesforce_accounts(service: TriageService, sf: SalesforceEmulator) -> None:
    assert len(service.accounts()) == len(sf.accounts)
    agenda = service.agenda()
    assert agenda.mismatches and agenda.missing_issues and agenda.renewals_without_tam


async def test_the_er_call_settles_mismatches_both_ways_and_exports(
    service: TriageService, emu: GitLabEmulator, sf: SalesforceEmulator
) -> None:
    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_er_call(pilot)
        counts = widget_text(screen.query_one("#er-sections"))
        checkable = len(screen.agenda.mismatches) + len(screen.agenda.unmatched_issues)
        assert f"3 Mismatches ({checkable})" in counts
        await pilot.press("3")

        # Salesforce is right: the issue is relabelled, with the reason noted (a move to
        # Red, which asks more, has a test of its own below).
        first, target = highlight_mismatch_not_to_red(screen)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Confirmed on the call", "enter")
        await until(pilot, lambda: target in emu.issue(first.card.iid)["labels"])
        note = emu.project.notes[first.card.iid][-1]["body"]
        assert "Confirmed on the call" in note

        # GitLab is right: Salesforce gets the issue's score, dated today, with the reason.
        second = highlight(
            screen,
            lambda m: (
                isinstance(m, Mismatch)
                and m.card.iid != first.card.iid
                and m.card.health is not None
            ),
        )
        assert isinstance(second, Mismatch) and second.card.health is not None
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press(*"The label was updated after the exec call", "enter")
        account_id = second.account.id
        await until(
            pilot, lambda: sf.account(account_id)["Health_Score__c"] == second.card.health.label
        )
        record = sf.account(account_id)
        assert record["Health_Score_Date__c"] == TODAY.isoformat()
        # Below what the account's reasons held (the demo's own text), not over it.
        assert record["Health_Score_Reasons__c"] == (
            f"{second.account.health_reasons}\n".lstrip("\n")
            + f"{TODAY.isoformat()} (GitLab triage, @{service.user}): "
            "The label was updated after the exec call"
        )
        await until(pilot, lambda: not service.outbox())

        # A missing issue is opened prefilled from its account.
        await pilot.press("2")
        missing = screen.agenda.missing_issues[0]
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NewIssueModal))
        await complete_the_prefilled_form(pilot, app.screen, missing)
        await pilot.press("ctrl+s")
        await until(
            pilot, lambda: any(i["title"] == missing.name for i in emu.project.issues.values())
        )
        opened = next(i for i in emu.project.issues.values() if i["title"] == missing.name)
        assert ("E&A" in opened["labels"]) is (missing.health is Health.RED)

        summary = widget_text(screen.query_one("#er-title"))
        assert "0 reviewed, 2 changed, 1 opened" in summary
        await pilot.press("x")
        await pilot.pause(0.2)
    exported = sorted((data_dir() / "er-calls").glob("er-call-*.md"))
    text = exported[-1].read_text()
    assert "## Changed" in text and "Confirmed on the call" in text and missing.name in text


async def test_salesforce_is_right_about_red_asks_what_the_board_asks(
    service: TriageService, emu: GitLabEmulator, sf: SalesforceEmulator
) -> None:
    """The ER call's fix to Red is the board's move to Red: reason, churn class, and the
    leader the team lacks (rules 1 and 7), in the same dialog, recorded the same way."""
    mismatch = next(
        m
        for m in service.agenda().mismatches
        if m.card.health not in (None, Health.RED) and not m.card.closed
    )
    iid = mismatch.card.iid
    sf.touch(mismatch.account.id, Health_Score__c="Red")
    team = parse_description(emu.issue(iid)["description"]).team
    bare = team.with_role(Role.TAM_LEADER, []).with_role(Role.CS_LEADER, [])
    emu.touch(iid, description=replace_team(emu.issue(iid)["description"], bare))
    assert service.sync().ok
    leader = "fatima"
    app = board_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_er_call(pilot, "3")
        highlight(screen, lambda m: isinstance(m, Mismatch) and m.card.iid == iid)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        modal = app.screen
        assert isinstance(modal, MoveModal)
        assert "Salesforce is right" in widget_text(modal.query_one(".dialog-context"))
        await pilot.press(*"Confirmed on the call: they are cancelling", "enter")
        assert "Pick E&A" in widget_text(modal.query_one("#churn-error"))
        await pilot.press("enter")  # E&A
        modal.query_one("#leader-role").focus()
        await pilot.press("right", "enter")  # CS Manager / Director
        modal.query_one("#leader", Select).value = leader
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
        await until(pilot, lambda: "Red" in emu.issue(iid)["labels"] and not service.outbox())
        # (At 80 columns the call's tally is on the help line.)
        assert "1 changed" in widget_text(screen.query_one("#er-help"))
    issue = emu.issue(iid)
    assert "E&A" in issue["labels"]
    assert parse_description(issue["description"]).team.people(Role.CS_LEADER) == (leader,)
    assert leader in [a["username"] for a in issue["assignees"]]
    note = emu.project.notes[iid][-1]["body"]
    assert "Confirmed on the call" in note and f"@{leader} joins the triage team" in note


async def test_a_salesforce_change_meanwhile_is_a_conflict_not_overwritten(
    service: TriageService, sf: SalesforceEmulator
) -> None:
    mismatch = service.agenda().mismatches[0]
    assert mismatch.card.health is not None
    sf.touch(mismatch.account.id, Health_Score_Reasons__c="Edited in Salesforce meanwhile")
    service.set_salesforce_health(mismatch.account, mismatch.card.health, "from the call")
    report = service.push()
    assert report.conflicts == 1
    (entry,) = service.outbox()
    assert entry.state is EditState.CONFLICT
    assert sf.account(mismatch.account.id)["Health_Score_Reasons__c"] == (
        "Edited in Salesforce meanwhile"
    )
    service.retry_edit(entry.id)  # the lead keeps their decision
    assert service.push().pushed == 1
    record = sf.account(mismatch.account.id)
    assert record["Health_Score__c"] == mismatch.card.health.label
    # The lead's score wins; the text edited meanwhile stays, with the reason below it.
    assert record["Health_Score_Reasons__c"] == (
        f"Edited in Salesforce meanwhile\n{TODAY.isoformat()} (GitLab triage, "
        f"@{service.user}): from the call"
    )


def test_later_syncs_read_only_the_accounts_changed_since(
    service: TriageService, sf: SalesforceEmulator
) -> None:
    """Accounts are read in full once (and daily, with GitLab's full pass); after that
    only those Salesforce changed, by LastModifiedDate."""
    assert "WHERE" not in sf.queries[-1]  # the first sync read them all
    changed = sorted(sf.accounts)[3]
    sf.touch(changed, Name="Renamed Account")
    report = service.sync()
    assert report.ok, report.error
    assert "WHERE LastModifiedDate >=" in sf.queries[-1]
    assert 1 <= report.accounts < len(sf.accounts)
    assert next(a for a in service.accounts() if a.id == changed).name == "Renamed Account"
    assert len(service.accounts()) == len(sf.accounts)  # the others are kept
    # A full pass reads them all again and drops what Salesforce no longer has.
    with sf.lock:
        del sf.accounts[changed]
    assert service.sync(full=True).ok
    assert "WHERE" not in sf.queries[-1]
    assert changed not in {a.id for a in service.accounts()}


async def test_writes_off_in_salesforce_are_said_on_the_call_not_queued(
    service: TriageService, sf: SalesforceEmulator
) -> None:
    """The health field became a formula: the next full sync's describe finds it, and g
    (GitLab is right) says so instead of asking for a reason and queueing a doomed write."""
    sf.field_meta["Health_Score__c"] = {"calculated": True, "updateable": False}
    assert service.sync(full=True).ok
    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_er_call(pilot, "3")
        highlight(screen, lambda m: isinstance(m, Mismatch) and m.card.health is not None)
        await pilot.press("g")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, TextModal)
        shown = [n.message for n in app._notifications]
        assert any("Salesforce writes are off: Health_Score__c is a formula" in m for m in shown)
    assert service.outbox() == []


async def test_health_values_that_mean_no_colour_are_shown_after_a_sync(
    service: TriageService,
) -> None:
    from triage_tui.domain.sync_report import SyncReport
    from triage_tui.tui.board_screen import BoardScreen

    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen))
        report = SyncReport(full=False, accounts=40, salesforce_unmapped=(("1-Red", 12),))
        app.screen.post_message(BoardScreen.SyncFinished(report))
        await pilot.pause(0.2)
        shown = " ".join(str(n.message) for n in app._notifications)
    assert '"1-Red" (12 accounts)' in shown and "[salesforce.health_values]" in shown


async def test_salesforce_is_right_takes_its_colour_and_an_override_says_why(
    service: TriageService, emu: GitLabEmulator, sf: SalesforceEmulator
) -> None:
    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_er_call(pilot, "3")
        mismatch, target = highlight_mismatch_not_to_red(screen)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        # Two Red signals suggest Red against Salesforce's colour: an override.
        await pilot.press(*"As in Salesforce", "tab", "space", "down", "space")
        await pilot.pause()
        shown = widget_text(app.screen.query_one("#suggestion"))
        assert f"Chosen: {target} over the suggested Red" in shown
        assert "^g" not in shown  # Salesforce gives the colour here: no other is offered
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, MoveModal) and app.screen.plan.target_health is not None
        assert app.screen.plan.target_health.label == target
        await pilot.press("ctrl+s")  # refused: the override reason is asked for
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "override-reason"
        await pilot.press(*"The score was agreed on the call", "enter")
        await until(pilot, lambda: target in emu.issue(mismatch.card.iid)["labels"])
        note = emu.project.notes[mismatch.card.iid][-1]["body"]
        assert "Override reason: The score was agreed on the call" in note


def agenda_sections(agenda: Agenda) -> list[list[str]]:
    """The card sections' issues and accounts, in order (a card's pending-edit count may
    have changed by a push since: the call's lines do not show it)."""

    def key(item: object) -> str:
        if isinstance(item, Mismatch):
            return f"{item.card.iid}/{item.account.id}"
        return str(item.iid) if isinstance(item, Card) else str(getattr(item, "id", item))

    return [
        [key(item) for item in section]
        for section in (
            agenda.new_issues,
            agenda.missing_issues,
            agenda.mismatches,
            agenda.silent_issues,
            agenda.unmatched_issues,
        )
    ]


def count_reads(service: TriageService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the event loop reads from now on: "cards", "acc" (the accounts), "#iid" (one
    card); the board's loads, in their own thread, are not counted."""
    reads: list[str] = []
    real_cards, real_accounts, real_card = service.cards, service.accounts, service.card

    def read(what: str) -> None:
        if threading.current_thread() is threading.main_thread():
            reads.append(what)

    def cards(**options: Any) -> list[Card]:
        read("cards")
        return real_cards(**options)

    def accounts() -> list[Account]:
        read("acc")
        return real_accounts()

    def card(iid: int) -> Card | None:
        read(f"#{iid}")
        return real_card(iid)

    monkeypatch.setattr(service, "cards", cards)
    monkeypatch.setattr(service, "accounts", accounts)
    monkeypatch.setattr(service, "card", card)
    return reads


async def test_the_agenda_is_built_from_the_boards_cards_and_reread_only_after_an_edit(
    service: TriageService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the call takes the board's loaded cards and the accounts and agenda it
    read ahead, and a filter change reuses them (each read was about a second at 50,000
    issues); a review on
    the call reads that one card again, an edit of an account (GitLab is right) reads
    the accounts again, and either way the agenda is the one a fresh read gives."""
    from tests.tui.helpers import board_app as make
    from triage_tui.tui.board_view import BoardView

    app = make(service)
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.screen
        await until(pilot, lambda: board.query_one(BoardView).board.complete)
        loaded = lambda: board.cards is not None and not board._loads.running  # type: ignore[attr-defined]  # noqa: E731
        await until(pilot, loaded)
        await until(pilot, lambda: board.call_inputs is not None)  # type: ignore[attr-defined]
        real_cards, real_accounts = service.cards, service.accounts
        reads = count_reads(service, monkeypatch)

        def fresh() -> list[list[str]]:
            return agenda_sections(service.agenda(cards=real_cards(), accounts=real_accounts()))

        def shown() -> list[list[str]]:
            return agenda_sections(screen.agenda)

        screen = await open_er_call(pilot)
        assert reads == []  # the board's cards, and the accounts it read ahead
        assert shown() == fresh()
        new = len(screen.agenda.new_issues)
        await pilot.press("4", "z", "3")  # renewals without a TAM: EMEA only
        await pilot.pause()
        assert reads == []
        assert [a.region for a in screen.agenda.renewals_without_tam] == ["EMEA"] * len(
            screen.agenda.renewals_without_tam
        )
        await pilot.press("1")
        reviewed = screen.agenda.new_issues[0].iid
        await pilot.press("r")  # reviewed on the call: its card alone is read again
        await until(pilot, lambda: not service.outbox() and not app.edits.pushes.running)
        await pilot.pause()
        # (The board behind reads it too, to place it, and again once it is pushed.)
        assert set(reads) == {f"#{reviewed}"}, reads
        assert len(screen.agenda.new_issues) == new - 1
        assert shown() == fresh()
        await pilot.press("3")
        mismatch = highlight(
            screen, lambda m: isinstance(m, Mismatch) and m.card.health is not None
        )
        before = len(reads)
        await pilot.press("g")  # GitLab is right: Salesforce's score (an account) changes
        await until(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press(*"Checked on the call", "enter")
        await until(pilot, lambda: "cards" in reads[before:])
        assert sorted(reads[before:]) == ["acc", "cards"]
        assert mismatch not in screen.agenda.mismatches
        assert shown() == fresh()


async def test_a_long_section_is_added_as_it_is_reached_and_end_goes_to_its_last_row(
    service: TriageService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list holds the rows in chunks (AgendaList.CHUNK), added as the highlight nears
    the end of those shown; End loads the rest and goes to the very last; every row of
    the section is reachable, in the agenda's order."""
    from triage_tui.tui.er_screen import AgendaList

    monkeypatch.setattr(AgendaList, "CHUNK", 4)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_er_call(pilot)
        listing = screen.query_one("#er-list", AgendaList)
        rows = len(screen.rows)
        assert rows > 12 and listing.option_count == 4
        await pilot.press("down", "down", "down")  # near the end of the first chunk
        assert listing.option_count == 8
        await pilot.press("end")
        assert listing.option_count == rows and listing.highlighted == rows - 1
        assert screen.current() is screen.rows[-1]
        await pilot.press("home", "down")
        assert screen.current() is screen.rows[1]


async def test_the_call_read_ahead_takes_the_boards_edits_since(
    service: TriageService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reviews on the board after its cards and the call's agenda were read: the call
    opens without reading anything and shows them (its agenda is a fresh build's)."""
    from triage_tui.tui.board_view import BoardView

    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.screen
        await until(pilot, lambda: board.call_inputs is not None)  # type: ignore[attr-defined]
        # Nothing pushed: a push's writes would have the board read everything again.
        monkeypatch.setattr(service, "push_problem", lambda: "held back by the test")
        await pilot.press("R")
        reviewed = []
        for _ in range(2):
            current = board.query_one(BoardView).current
            assert current is not None and current.is_new
            reviewed.append(current.iid)
            await pilot.press("r")
        await pilot.pause()
        assert board._shown_load[1] == 2 and board.call_inputs is not None  # type: ignore[attr-defined]
        real_cards, real_accounts = service.cards, service.accounts
        reads = count_reads(service, monkeypatch)
        screen = await open_er_call(pilot)
        assert reads == []
        assert not {c.iid for c in screen.agenda.new_issues} & set(reviewed)
        fresh = service.agenda(cards=real_cards(), accounts=real_accounts())
        assert agenda_sections(screen.agenda) == agenda_sections(fresh)


async def test_the_call_reopens_where_the_lead_left_it_and_afresh_once_ended(
    service: TriageService,
) -> None:
    """Esc to the board and E again: the same section and row, the agenda as the cache
    has it now (a review made on the board meanwhile is gone from section 1). Once the
    call is ended, E starts a new one on a new screen, from section 1."""
    from triage_tui.tui.board_view import BoardView
    from triage_tui.tui.pickers import MenuModal

    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.screen
        await until(pilot, lambda: board.call_inputs is not None)  # type: ignore[attr-defined]
        screen = await open_er_call(pilot, "3")
        await pilot.press("down", "down")
        row = screen.query_one("#er-list", OptionList).highlighted
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is board)
        await pilot.press("R")
        current = board.query_one(BoardView).current
        assert current is not None and current.is_new
        await pilot.press("r")
        await until(pilot, lambda: not service.outbox())
        again = await open_er_call(pilot)
        assert again is screen and again.section == "mismatch"
        assert again.query_one("#er-list", OptionList).highlighted == row
        assert current.iid not in {c.iid for c in again.agenda.new_issues}
        fresh = service.agenda(cards=service.cards(), accounts=service.accounts())
        assert agenda_sections(again.agenda) == agenda_sections(fresh)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, MenuModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is board)
        third = await open_er_call(pilot)
        assert third is not screen and third.section == "new"
        assert third.call is not None and not third.call.actions
