"""Triage by keyboard against the GitLab emulator: press keys in the board, then read
from the emulator exactly what GitLab received."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet, Select, Static

from tests.emulated import amber_issue_without_leader, synced
from tests.tui.helpers import board_app, until, widget_text
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.edit import EditState
from triage_tui.domain.milestone import milestone_title
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_description
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.move_modal import MoveModal
from triage_tui.tui.new_issue_modal import NewIssueModal
from triage_tui.tui.outbox_screen import OutboxScreen
from triage_tui.tui.pickers import PickModal, TextModal

pytestmark = pytest.mark.usefixtures("isolated_credentials")


def first_card_iid(app: TriageApp) -> int:
    card = app.screen.query_one(BoardView).current
    assert card is not None
    return card.iid


async def test_move_right_asks_for_a_reason_then_relabels_on_gitlab(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = first_card_iid(app)  # top of the Red column
        assert "Red" in emu.issue(iid)["labels"]
        await pilot.press("shift+right")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press("enter")  # no reason yet: refused, nothing recorded
        error = widget_text(app.screen.query_one("#reason-error", Static))
        assert "reason is required" in error
        assert not service.outbox()
        await pilot.press(*"Champion left")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
        await until(pilot, lambda: "Amber" in emu.issue(iid)["labels"])
        await until(pilot, lambda: not service.outbox())
    labels = emu.issue(iid)["labels"]
    assert "Red" not in labels and not any(n in labels for n in ("E&A", "E&U", "U&A", "U&U"))
    note = emu.project.notes[iid][-1]["body"]
    assert note.startswith("**Health Red → Amber**") and "Champion left" in note
    assert note.count("triage-tui:") == 1  # the idempotency marker, once


async def test_the_typed_reason_is_kept_when_the_churn_class_is_missing(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")  # Amber column
        iid = first_card_iid(app)
        await pilot.press("shift+left")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Told us they are cancelling")
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, MoveModal)
        assert "Pick E&A" in widget_text(modal.query_one("#churn-error", Static))
        assert modal.query_one("#move-reason", Input).value == "Told us they are cancelling"
        # The churn radio set has focus now: pick U&A (third) and save.
        await pilot.press("down", "down", "enter", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
        await until(pilot, lambda: "Red" in emu.issue(iid)["labels"])
    labels = emu.issue(iid)["labels"]
    assert "Amber" not in labels and "U&A" in labels


async def test_a_move_to_red_names_the_missing_leader_with_the_churn_class_at_80x24(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    iid = amber_issue_without_leader(emu)
    leader = "gustav"
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one(BoardView)
        await until(pilot, lambda: view.select_iid(iid))
        await pilot.press("shift+left")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Told us they are cancelling", "enter")
        await pilot.press("down", "down", "enter", "ctrl+s")  # U&A; no leader yet: refused
        modal = app.screen
        assert isinstance(modal, MoveModal)
        assert "none is known yet" in widget_text(modal.query_one("#leader-error", Static))
        assert not service.outbox()
        await pilot.press("enter", "tab")  # TAM Leader, then who: from the members
        await pilot.press("enter", *leader, "enter")
        await until(pilot, lambda: modal.query_one("#leader", Select).value == leader)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
        await until(pilot, lambda: "Red" in emu.issue(iid)["labels"] and not service.outbox())
    issue = emu.issue(iid)
    assert "U&A" in issue["labels"] and "Amber" not in issue["labels"]
    assert parse_description(issue["description"]).team.people(Role.TAM_LEADER) == (leader,)
    assert leader in [a["username"] for a in issue["assignees"]]
    assert "TAM Leader @gustav joins the triage team." in emu.project.notes[iid][-1]["body"]


async def test_back_to_health_closes_the_issue_on_gitlab(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")  # Amber
        iid = first_card_iid(app)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("2")  # picker: Red, Yellow, Green -> 2 is Yellow
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Adoption recovered", "enter")
        await until(pilot, lambda: emu.issue(iid)["state"] == "closed")
    issue = emu.issue(iid)
    assert "Yellow" in issue["labels"] and "Amber" not in issue["labels"]


async def test_review_removes_new_and_region_moves_need_no_dialog(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R")  # the ~New queue
        iid = first_card_iid(app)
        assert "New" in emu.issue(iid)["labels"]
        await pilot.press("r")
        await until(pilot, lambda: "New" not in emu.issue(iid)["labels"])
        # It left the queue: the cursor is on the next ~New card.
        await until(pilot, lambda: first_card_iid(app) != iid)
        await pilot.press("escape", "b")  # clear the filter, Region board
        await until(pilot, lambda: app.screen.query_one(BoardView).board.kind.value == "Region")
        await pilot.press("1")
        region_iid = first_card_iid(app)
        await pilot.press("shift+right")
        await until(pilot, lambda: "US-EAST" in emu.issue(region_iid)["labels"])
    assert "US-WEST" not in emu.issue(region_iid)["labels"]


async def test_a_conflict_is_settled_from_the_outbox_screen(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = first_card_iid(app)
        others = [n for n in emu.issue(iid)["labels"] if n != "Red"]
        emu.touch(iid, labels=[*others, "Yellow"])  # changed in the web UI meanwhile
        await pilot.press("shift+right")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Lost champion", "enter")
        await until(pilot, lambda: any(e.state is EditState.CONFLICT for e in service.outbox()))
        status = widget_text(app.screen.query_one("#status", Static))
        assert "1 edit needs you (o)" in status
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OutboxScreen))
        text = widget_text(app.screen.query_one("#outbox-list"))
        assert "conflict" in text and "GitLab now has Yellow" in text
        await pilot.press("r")  # keep mine
        await until(pilot, lambda: "Amber" in emu.issue(iid)["labels"])
    labels = emu.issue(iid)["labels"]
    assert "Yellow" not in labels and "Red" not in labels


async def test_undo_takes_back_an_edit_not_yet_sent(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    emu.stop()  # offline: the edit waits in the outbox
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = first_card_iid(app)
        await pilot.press("r")
        await until(pilot, lambda: bool(service.outbox()))
        await until(pilot, lambda: "Cannot reach GitLab" in app.edits.status)
        card = next(c for c in service.cards() if c.iid == iid)
        assert card.summary.pending_edits == 1 and not card.is_new
        await pilot.press("u")
        await until(pilot, lambda: not service.outbox())
        assert next(c for c in service.cards() if c.iid == iid).is_new


async def test_a_new_issue_is_checked_then_created_with_its_milestone(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    before = set(emu.project.issues)
    leader = emu.project.members[2]["username"]
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NewIssueModal))
        await pilot.press(*"Initech Corp", "tab")
        await pilot.press(*"not a url", "tab")
        await pilot.press(*"https://gitlab.example.com/plans/9", "tab")
        await pilot.press(*"2031-02-30", "tab")  # no such day
        await pilot.press(*"Budget cut after the merger", "ctrl+s")
        modal = app.screen
        assert isinstance(modal, NewIssueModal)
        assert "Not a URL" in widget_text(modal.query_one("#salesforce_url-error", Static))
        assert "Not a date" in widget_text(modal.query_one("#renewal_date-error", Static))
        assert "Pick a health" in widget_text(modal.query_one("#health-error", Static))
        assert modal.query_one("#reason", Input).value == "Budget cut after the merger"
        modal.query_one("#salesforce_url", Input).value = "https://example.my.salesforce.com/001Q"
        modal.query_one("#renewal_date", Input).value = "2031-02-14"
        modal.query_one("#health", Select).value = "Red"
        modal.query_one("#region", Select).value = "EMEA"
        await pilot.press("ctrl+s")  # Red asks what every move to Red asks (rules 1, 7)
        await pilot.pause()
        assert "Pick E&A" in widget_text(modal.query_one("#churn-error", Static))
        assert "none is known yet" in widget_text(modal.query_one("#leader-error", Static))
        assert not service.outbox()
        await pilot.press("down", "enter")  # the churn radio set has focus: E&U
        modal.query_one("#leader-role", RadioSet).focus()
        await pilot.press("right", "enter")  # CS Manager / Director
        modal.query_one("#leader", Select).value = leader
        await pilot.press("ctrl+s")
        await until(pilot, lambda: set(emu.project.issues) != before, seconds=15)
        await until(pilot, lambda: not service.outbox())
    (created,) = set(emu.project.issues) - before
    issue = emu.issue(created)
    assert issue["title"] == "Initech Corp"
    assert set(issue["labels"]) == {"New", "Red", "EMEA", "E&U"}
    assert issue["milestone"]["title"] == "FY2031-Q1"  # made, the project lacked it
    fields = parse_description(issue["description"])
    assert fields.salesforce_url == "https://example.my.salesforce.com/001Q"
    assert fields.renewal_date == date(2031, 2, 14)
    assert fields.reason == "Budget cut after the merger"
    assert fields.team.people(Role.CS_LEADER) == (leader,)
    assert leader in [a["username"] for a in issue["assignees"]]


async def test_fields_are_edited_from_pickers(emu: GitLabEmulator, tmp_path: Path) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    member = emu.project.members[3]["username"]
    async with app.run_test(size=(120, 40)) as pilot:
        iid = first_card_iid(app)
        await pilot.press("e", "a")
        await until(pilot, lambda: isinstance(app.screen, PickModal))
        await pilot.press(*member)  # type-ahead narrows to one person
        await pilot.press("down", "space", "enter")
        await until(pilot, lambda: member in [a["username"] for a in emu.issue(iid)["assignees"]])
        await pilot.press("e", "d")
        await until(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press("ctrl+u", *"someday", "enter")
        assert "Not a date" in widget_text(app.screen.query_one("#text-error", Static))
        await pilot.press("ctrl+u", *"2027-01-15", "enter")
        await until(pilot, lambda: emu.issue(iid)["due_date"] == "2027-01-15")
        await pilot.press("e", "m")
        await until(pilot, lambda: isinstance(app.screen, PickModal))
        await pilot.press("down", "down", "enter")  # the renewal quarter is proposed first
        await until(pilot, lambda: emu.issue(iid)["milestone"] is not None and not service.outbox())
    detail = service.detail(iid)
    assert detail is not None and detail.fields.renewal_date is not None
    assert emu.issue(iid)["milestone"]["title"] == milestone_title(detail.fields.renewal_date)


async def test_a_push_that_raises_does_not_hold_later_edits_back(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    real_push = service.push
    calls: list[int] = []

    def push():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return real_push()

    service.push = push  # type: ignore[method-assign]
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = first_card_iid(app)
        await pilot.press("r")  # reviewed: an edit, pushed at once, and the push raises
        await until(pilot, lambda: "push failed: disk full" in app.edits.status)
        await pilot.press("r")  # back to review: this one is pushed, with the first
        await until(pilot, lambda: not service.outbox())
        assert "New" in emu.issue(iid)["labels"]


async def test_edits_on_a_loaded_board_place_their_card_without_reading_every_card(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """Reviews pressed one after another (offline, so they wait) each move their card
    at once, and the board shown is the one a full read gives: no change is lost to the
    one before it, and no full load ran."""
    service = synced(emu, tmp_path, sync_interval=0)
    emu.stop()
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.cards is not None)  # type: ignore[attr-defined]
        loads = screen._loads_started  # type: ignore[attr-defined]
        await pilot.press("R")
        reviewed = []
        for _ in range(3):
            reviewed.append(first_card_iid(app))
            await pilot.press("r")
        await until(pilot, lambda: first_card_iid(app) not in reviewed)
        await pilot.press("escape")  # every open issue again
        await pilot.pause()
        board = screen.board_view.board  # type: ignore[attr-defined]
        assert board == screen._build(service.cards())  # type: ignore[attr-defined]
        assert screen._loads_started == loads  # type: ignore[attr-defined]
        assert len(set(reviewed)) == 3
        # Two edits in one go, before the first placement is shown: both show.
        two = [c.iid for c in board.columns[0].cards[:2]]
        for iid in two:
            service.toggle_reviewed(iid)
            screen.reload_cards(iid)  # type: ignore[attr-defined]
        await pilot.pause()
        assert screen.board_view.board == screen._build(service.cards())  # type: ignore[attr-defined]
        assert all(not c.is_new for c in service.cards() if c.iid in reviewed)


async def test_an_edit_another_process_is_pushing_is_tried_again_once_it_stops(
    emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another board on the same cache holds the push lease: the edit waits, the status
    bar says who is pushing, and the board tries again (as after a failure) until its
    own push sends it."""
    from datetime import UTC, datetime

    monkeypatch.setattr("triage_tui.tui.edit_hub.retry_delay", lambda attempts: 0.3)
    service = synced(emu, tmp_path, sync_interval=0)
    cache = service._cache()
    assert cache.take_lease("push", "dana@another-host:4242", datetime.now(UTC)) == ""
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = first_card_iid(app)
        await pilot.press("r")
        await until(pilot, lambda: app.edits.pushed_by == "dana@another-host:4242")
        status = widget_text(app.screen.query_one("#status", Static))
        assert "⧗ 1 edit waiting (dana@another-host:4242 pushing) · " in status
        assert "New" in emu.issue(iid)["labels"]  # not sent
        cache.drop_lease("push", "dana@another-host:4242")
        await until(pilot, lambda: not service.outbox())
        assert "New" not in emu.issue(iid)["labels"]
